"""A proxy password holding a reserved character is never quoted back (fix 47 B2).

``HTTPS_PROXY=http://user:PASSWORD@proxy:3128`` with '/', '?' or '#' in the password: urlsplit (and
urllib3 1.26/2.x ``parse_url``, whose authority ends at the first '/', '?' or '#') reads the netloc as
``user:PASS`` up to that character, and its port as the start of the password. Fix 47 B quoted
urlsplit's ``ValueError`` ("Port could not be cast to integer value as 'se'": the password's first
characters) and masked a URL's password in boto3's error (urllib3's ``Failed to parse: URL``, which
botocore 1.44.8 wraps in ``HTTPClientError``/``ProxyConnectionError`` as it is) only up to a '/', '?',
'#' or the first '@': the password was shown whole. Now ``_s3_proxy`` says the URL cannot be read
without quoting the parser, and a ``scheme://user:`` token of a message is masked up to the last '@'
before whitespace."""

from __future__ import annotations

import os

import pytest

from ctloop import storage

PASSWORDS = ["Qz#kWSECRET", "Xv/jSECRET", "Jx?ySECRET", "Qp@Zk/SECRET", "Wq@Jr#Zt?SECRET"]


@pytest.fixture
def aws_env(tmp_path, monkeypatch):
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(storage, "_S3_BUCKET_REGIONS", {})
    return monkeypatch


def _pieces(password: str) -> list[str]:
    """Every run of 2+ characters of ``password`` between reserved ones: none may be shown."""
    import re

    return [p for p in re.split(r"[/?#@]", password) if len(p) >= 2]


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_proxy_refusal_quotes_no_part_of_the_password(aws_env, password):
    aws_env.setenv("HTTPS_PROXY", f"http://user:{password}@proxy.example:3128")
    try:
        storage._s3_proxy("https://s3.us-east-1.amazonaws.com")
    except storage.ConfigError as exc:
        message = str(exc)
    else:  # p@ss/...: urlsplit reads host 'user', port... whichever: nothing of it may be used
        pytest.fail("a proxy URL with '/', '?' or '#' in its password was used")
    assert "\n" not in message
    for piece in _pieces(password):
        assert piece not in message, message
    assert "HTTPS_PROXY" in message and "percent-encode" in message


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_urllib3_parse_error_shows_no_part_of_the_password(password):
    # urllib3 2.x LocationParseError: "Failed to parse: <url>", as botocore 1.44.8 wraps it
    exc = ValueError(f"Failed to parse: http://user:{password}@proxy.example:3128")
    shown = storage._first_line(exc)
    for piece in _pieces(password):
        assert piece not in shown, shown
    assert shown == "Failed to parse: http://user:***@proxy.example:3128"


def test_masking_stops_at_whitespace():
    exc = ValueError("Failed to parse: http://user:a/b@proxy:3128 (see user@example.com for help)")
    assert (
        storage._first_line(exc)
        == "Failed to parse: http://user:***@proxy:3128 (see user@example.com for help)"
    )


def test_a_percent_encoded_password_is_still_used(aws_env):
    aws_env.setenv("HTTPS_PROXY", "http://user:se%23cret@proxy.example:3128")
    assert (
        storage._s3_proxy("https://s3.us-east-1.amazonaws.com")
        == "http://user:se%23cret@proxy.example:3128"
    )


@pytest.mark.parametrize("password", ["Xv/jSECRET", "Wq@Jr#Zt?SECRET"])
def test_boto3s_own_error_of_that_proxy_shows_no_part_of_it(aws_env, password):
    aws_env.setenv("HTTPS_PROXY", f"http://user:{password}@proxy.example:3128")
    with pytest.raises(storage.CtloopError) as told:
        storage.read_bytes("s3://some-bucket/data/x.csv")  # boto3, through urllib3's parse_url
    message = str(told.value)
    for piece in _pieces(password):
        assert piece not in message, message

"""Review F1 of round 38: a password holding '#', '?' or '/' is cut by urlsplit (CPython 3.11
``urllib/parse.py``: the netloc ends at the first of them), which then reads what follows the ':'
as the port. The refusal of ``--pushgateway-url``/``--tracking-uri``/``--host`` quoted urlsplit's
error ("Port could not be cast to integer value as 'Hunter2'"), and ``display_uri`` found no
userinfo to hide. Neither shows the password now, and ``doctor`` says what to write."""

from __future__ import annotations

import argparse

import pytest

from ctloop.cli import argtypes
from ctloop.tracking import display_uri

URLS = ["https://admin:Hunter2#x@pushgw.example.org:9091", "https://admin:Hunter2?x@h:9091",
        "http://admin:2024/Hunter2@mlflow:5000"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("kind", ["http_url", "kfp_host", "tracking_uri"])
def test_a_refused_url_never_quotes_its_password(url, kind):
    with pytest.raises(argparse.ArgumentTypeError) as err:
        getattr(argtypes, kind)(url)
    assert "Hunter2" not in str(err.value) and "%23" in str(err.value)


@pytest.mark.parametrize("url", URLS)
def test_display_uri_hides_a_password_urlsplit_cut(url):
    assert "Hunter2" not in display_uri(url) and "2024" not in display_uri(url)


@pytest.mark.parametrize("url", ["http://u:pw@h:5000/x", "http://h:5000", "file:///a@b/c", "sqlite:///x.db"])
def test_display_uri_of_ordinary_uris(url):
    assert display_uri(url) == url.replace("u:pw@", "u:***@")


@pytest.mark.parametrize("url", ["https://host/cb?redirect=a@b.com", "https://host/path/user@x",
                                 "https://user@host", "http://tok@host:9091"])
def test_an_at_sign_that_is_no_password_is_accepted(url):
    """review G: an '@' in a path or query, or a user without a password, is no cut userinfo."""
    assert argtypes.http_url(url) == url

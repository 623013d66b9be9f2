"""A KFP token file that is not a usable bearer token, at start or later (it is re-read before
every request): one ``error:`` line naming the file, exit code 2, never a traceback.

kfp 2.17.0 reads a token file in ``kfp/client/token_credentials_base.py`` ``read_token_from_file``
(``open(path)``, the locale's text encoding) from ``ServiceAccountTokenVolumeCredentials._get_token``
(``kfp/client/set_volume_credentials.py``), which catches only ``OSError`` (logs it, re-raises);
``kfp_server_api/configuration.py`` ``get_api_key_with_prefix`` calls that hook before every
request, so a file that turned binary raised ``UnicodeDecodeError`` out of any KFP call. ctloop reads
the file itself (``ctloop.ops.platform.read_token_file``) in ``resolve_auth``, ``probe_healthz`` and
the credentials it gives ``kfp.Client``.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_platform import isolate_kfp_env

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

BAD = {  # content: what the one line says about it
    "binary": (b"\xff\xfe\x00\x01eyJhbGciOi\x9c", "not UTF-8 text"),
    "latin1": ("tök€n".encode("cp1252"), "not UTF-8 text"),
    "nul": (b"eyJhbGci\x00OiJSUzI1NiJ9", "control character"),
    "newline inside": (b"abc\ndef\n", "control character"),
    "empty": (b"  \n", "empty"),
    "blank inside": (b"abc def\n", "blank"),  # review: "Bearer abc def" is no bearer token (RFC 6750)
}


@pytest.fixture
def kfp_env(monkeypatch, tmp_path):
    """tests/ops/test_platform.py's environment (no credentials, host or kfp context of the
    developer's) with an image set, as a compiled upload needs."""
    isolate_kfp_env(monkeypatch, tmp_path)
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:0.1.0")


@pytest.fixture
def kfp(kfp_env):
    with KfpApiDouble() as double:
        yield double


def _one_line(capsys) -> str:
    """The one error line (argparse's own is led by its usage lines, as for every flag)."""
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip() and not x.startswith(("usage:", " "))]
    assert len(lines) == 1 and "error: " in lines[0] and "Traceback" not in err, err
    return lines[0]


def _main(argv: list[str]) -> object:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse (--token-file's type refuses a file that is not UTF-8)
        return exc.code


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("how", ["--token-file", "KFP_TOKEN_FILE", "in-cluster"])
def test_a_bad_token_file_at_start_is_one_line(kfp, tmp_path, monkeypatch, capsys, case, how):
    content, said = BAD[case]
    token = tmp_path / "token"
    token.write_bytes(content)
    argv = ["runs", "--host", kfp.url, "--timeout", "5"]
    if how == "--token-file":
        argv += ["--token-file", str(token)]
    elif how == "KFP_TOKEN_FILE":
        monkeypatch.setenv("KFP_TOKEN_FILE", str(token))
    else:
        monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(token))
    assert _main(argv) == 2
    line = _one_line(capsys)
    said = "is not a text file" if how == "--token-file" and said == "not UTF-8 text" else said
    assert str(token) in line and said in line, line
    assert kfp.calls == []  # refused before any request


def test_a_token_file_that_is_a_directory_says_so(kfp, tmp_path, capsys):
    assert _main(["runs", "--host", kfp.url, "--token-file", str(tmp_path)]) == 2
    line = _one_line(capsys)
    assert str(tmp_path) in line and "directory" in line, line


@pytest.mark.parametrize("case", list(BAD))
def test_a_token_file_that_turns_bad_later_is_a_config_error(kfp, tmp_path, case):
    """Rotated (re-read per request) into something that is not a token: a ConfigError naming
    the file from the next KFP call, not a UnicodeDecodeError or an empty bearer."""
    content, said = BAD[case]
    token = tmp_path / "token"
    token.write_text("good\n")
    platform = Platform(host=kfp.url, token_file=str(token), timeout=5)
    platform.find_pipeline("ct")
    token.write_bytes(content)
    before = len(kfp.calls)
    with pytest.raises(ConfigError) as err:
        platform.find_pipeline("ct")
    assert str(token) in str(err.value) and said in str(err.value) and "\n" not in str(err.value)
    assert len(kfp.calls) == before  # nothing sent with a broken token


def test_a_token_file_replaced_by_a_directory_later_names_the_file(kfp, tmp_path):
    """Not "cannot reach KFP" (kfp re-raises the IsADirectoryError, an OSError, which read as a
    network failure)."""
    token = tmp_path / "token"
    token.write_text("good\n")
    platform = Platform(host=kfp.url, token_file=str(token), timeout=5)
    token.unlink()
    token.mkdir()
    with pytest.raises(ConfigError, match="directory") as err:
        platform.find_pipeline("ct")
    assert str(token) in str(err.value)


def test_doctor_names_a_binary_token_file(kfp, tmp_path, capsys, monkeypatch):
    """doctor reports a check that cannot run as its FAIL line (exit 1, as for a missing
    kubeconfig): the line names the file, not a bare ``'utf-8' codec can't decode``."""
    token = tmp_path / "token"
    token.write_bytes(BAD["binary"][0])
    monkeypatch.setenv("KFP_TOKEN_FILE", str(token))
    code = _main(["doctor", "--host", kfp.url, "--timeout", "5"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err, (out, err)
    (line,) = [x for x in out.splitlines() if x.startswith("FAIL KFP API")]
    assert f"KFP_TOKEN_FILE {token}" in line and "not UTF-8 text" in line, line


def test_the_in_cluster_default_token_turned_binary_is_a_config_error(kfp_env, tmp_path, monkeypatch):
    """No host in a pod: kfp.Client's own in-cluster default (``client.py`` ``_load_config`` →
    ``_get_config_with_default_credentials``) reads KF_PIPELINES_SA_TOKEN_PATH per request."""
    token = tmp_path / "token"
    token.write_text("good\n")
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(token))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setattr("kubernetes.config.load_incluster_config", lambda *a, **k: None)
    with KfpApiDouble() as double:
        monkeypatch.setattr("kfp.client.Client._IN_CLUSTER_DNS_NAME", double.url)
        platform = Platform(namespace="team-a", timeout=5)
        platform.find_pipeline("ct")
        assert double.calls[-1].headers.get("authorization") == "Bearer good"
        token.write_bytes(BAD["binary"][0])
        with pytest.raises(ConfigError, match="not UTF-8 text") as err:
            platform.find_pipeline("ct")
    assert f"the in-cluster pipelines token {token}" in str(err.value)


# --------------------------------------------------------------------------- logger serve --token-file
@pytest.mark.parametrize("content", [b"abc\ndef\n", b"abc\x00def", b"a\rb"], ids=["newline", "nul", "cr"])
def test_the_sinks_token_file_with_a_control_character_is_refused_at_start(tmp_path, content):
    """``ctloop logger serve --token-file``: a token no Authorization header can carry refused
    every ingest (401) for ever; now the sink does not start, one line naming the file. (A real
    process, as tests/inference_log/test_sink_access.py runs it: one that starts serving is
    killed at the timeout.)"""
    from tests.fixtures.servers import free_port
    from tests.inference_log.test_sink_access import serve

    token = tmp_path / "token"
    token.write_bytes(content)
    result = serve(["--root", str(tmp_path / "root"), "--wal", str(tmp_path / "wal"), "--port", str(free_port()),
                    "--token-file", str(token)], timeout=20)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    line = _one_line_err(result.stderr)
    assert f"--token-file {str(token)!r} holds a control character" in line, line
    assert not (tmp_path / "root").exists()


def test_the_sink_keeps_its_token_when_the_file_rotates_into_a_control_character(tmp_path, caplog):
    """…and says so once in its log (review: clients holding the new token got 401 and nothing
    said why)."""
    import logging
    import os

    from ctloop.inference_log.app import Access

    token = tmp_path / "token"
    token.write_text("good\n")
    access = Access(token_file=str(token), recheck_seconds=0)
    token.write_bytes(b"go\x00od")
    os.utime(token, ns=(1, 10**18))  # a new version, whatever the clock's granularity
    with caplog.at_level(logging.WARNING, logger="ctloop.inference_log"):
        assert access.allowed(None, "Bearer good") and not access.allowed(None, "Bearer go")
    warned = [r.getMessage() for r in caplog.records if "not reloaded" in r.getMessage()]
    assert len(warned) == 1 and str(token) in warned[0] and "control character" in warned[0], warned


def _one_line_err(err: str) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize("content", [b"\xff\xfe\x00bad", None], ids=["binary", "directory"])
def test_the_in_cluster_default_token_bad_at_start_is_a_config_error(kfp_env, tmp_path, monkeypatch, content):
    """kfp 2.17.0 ``Client._get_config_with_default_credentials`` swallows any exception of the
    first read ("Proceeding without credentials...") and installs no hook: a token file there but
    not a token sent every request without an Authorization header (review). A missing file is
    still "no credentials" as upstream has it."""
    token = tmp_path / "token"
    token.mkdir() if content is None else token.write_bytes(content)  # both fail upstream's first read
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(token))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setattr("kubernetes.config.load_incluster_config", lambda *a, **k: None)
    with KfpApiDouble() as double:
        monkeypatch.setattr("kfp.client.Client._IN_CLUSTER_DNS_NAME", double.url)
        with pytest.raises(ConfigError) as err:
            Platform(namespace="team-a", timeout=5).find_pipeline("ct")
        assert not [c for c in double.calls if c.path.startswith("/apis/v2/pipelines")], "sent without a token"
    assert f"the in-cluster pipelines token {token}" in str(err.value)


def test_a_token_file_saved_with_a_bom_reads_as_the_token_in_both_readers(tmp_path):
    """An editor's UTF-8 BOM (Notepad) is no part of the token: the KFP reader refused it as a
    non-ASCII character while the sink took it into the token and refused every ingest (review)."""
    from ctloop.inference_log.app import read_token
    from ctloop.ops.platform import read_token_file

    token = tmp_path / "token"
    token.write_bytes(b"\xef\xbb\xbfeyJhbGciOi\r\n")
    assert read_token_file(str(token), "t") == "eyJhbGciOi"
    assert read_token(str(token)) == b"eyJhbGciOi"
    token.write_bytes(b"abc def\n")
    with pytest.raises(ConfigError, match="a blank"):
        read_token(str(token))

"""Files a command reads at a user's path (or kfp's, in the user's HOME) that are binary, cut
short or a directory: through the real ``ctloop.cli`` main, one ``error:`` line naming the file and
exit code 2, or the honest answer; never a UnicodeDecodeError traceback.

* ``ctloop config docs --output PAGE --check`` read PAGE with ``read_text()``: a binary file was
  a UnicodeDecodeError traceback; it is a stale page (exit 1).
* ``~/.config/kfp/context.json``: kfp 2.17.0 ``Client._load_context_setting_or_default``
  (``kfp/client/client.py``) ``json.load``\\ s it whenever it exists, catching nothing: binary or
  cut short was a traceback from every KFP command, a directory "cannot reach KFP".
* the pod's service-account namespace file (``pod_namespace``) caught only OSError.
"""

from __future__ import annotations

import pytest

from ctloop.ops import platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.helpers import run_main

HANG_S = 60
pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _error_line(err: str) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err[-3000:]
    return lines[0]


@pytest.mark.parametrize("content", [b"\xff\xfe\x00\x01", b"# Configuration\r\n\x80"], ids=["binary", "latin1"])
def test_config_docs_check_of_a_binary_page_says_stale(tmp_path, capsys, content):
    page = tmp_path / "configuration.md"
    page.write_bytes(content)
    code, out, err = run_main(["config", "docs", "--output", str(page), "--check"], capsys, HANG_S)
    assert code == 1 and "Traceback" not in err, err[-3000:]
    assert out.strip() == f"{page} is stale: run `ctloop config docs --output {page}`"


def test_config_docs_check_still_passes_a_fresh_page_with_crlf(tmp_path, capsys):
    page = tmp_path / "configuration.md"
    assert run_main(["config", "docs", "--output", str(page)], capsys, HANG_S)[0] == 0
    assert run_main(["config", "docs", "--output", str(page), "--check"], capsys, HANG_S)[0] == 0
    page.write_bytes(page.read_bytes().replace(b"\n", b"\r\n"))  # a Windows checkout (autocrlf)
    code, out, _ = run_main(["config", "docs", "--output", str(page), "--check"], capsys, HANG_S)
    assert code == 0 and "up to date" in out


@pytest.fixture
def kfp_home(monkeypatch, tmp_path):
    for name in ("KFP_TOKEN", "KFP_TOKEN_FILE", "KF_PIPELINES_ENDPOINT", "KUBECONFIG", "KUBERNETES_SERVICE_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", "/nonexistent/token")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:0.1.0")
    context = tmp_path / "home" / ".config" / "kfp" / "context.json"
    context.parent.mkdir(parents=True)
    monkeypatch.setattr("kfp.client.Client._LOCAL_KFP_CONTEXT", str(context))
    return context


@pytest.mark.parametrize("kind", ["binary", "cut short", "a list", "a directory"])
def test_a_broken_kfp_context_file_is_one_line_naming_it(kfp_home, capsys, kind):
    if kind == "a directory":
        kfp_home.mkdir()
    else:
        kfp_home.write_bytes({"binary": b"\xff\xfe{\x00", "cut short": b'{"namespace": "te',
                              "a list": b'["team-a"]'}[kind])
    with KfpApiDouble() as kfp:
        code, _, err = run_main(["runs", "--host", kfp.url, "--timeout", "5"], capsys, HANG_S)
    assert code == 2
    line = _error_line(err)
    assert str(kfp_home) in line and "kfp.Client's saved context" in line and "cannot reach" not in line, line


def test_a_good_kfp_context_file_is_still_used(kfp_home, capsys):
    kfp_home.write_text('{"namespace": "team-a"}')
    with KfpApiDouble() as kfp:
        code, _, err = run_main(["runs", "--host", kfp.url, "--timeout", "5", "--experiment", ""], capsys, HANG_S)
    assert code == 0, err


def test_a_binary_pod_namespace_file_is_no_namespace(tmp_path, monkeypatch):
    ns = tmp_path / "namespace"
    ns.write_bytes(b"\xff\xfeteam")
    monkeypatch.setattr(platform, "SA_NAMESPACE_PATH", str(ns))
    assert platform.pod_namespace() == ""
    ns.write_text("team-a\n")
    assert platform.pod_namespace() == "team-a"

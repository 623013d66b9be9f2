"""kfp's prints silenced only inside ctloop's own calls; its kubeconfig failure explained (review revF 1+2).

kfp 2.17.0 ``kfp/client/client.py`` prints ``Experiment details: <link>`` (``create_experiment``),
``Pipeline details`` (``upload_pipeline``/``upload_pipeline_version``), ``Run details``
(``run_pipeline``) and, when ``kubernetes.config.load_kube_config`` raises in ``_load_config`` (a bare
``except:``), ``Failed to load kube config.`` -- then goes on with the default host
``http://localhost``. ctloop replaced that module's ``print`` for good: a library user's own
``kfp.Client`` in the same process printed no link any more, and a broken kubeconfig was reported only
as "cannot reach KFP at http://localhost".
"""

from __future__ import annotations

import threading

import pytest

from ctloop.cli import main
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _users_client(url: str):
    import kfp

    return kfp.Client(host=url)


def test_a_users_own_kfp_client_still_prints_its_links(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        platform.ensure_experiment("ctloop-owned")
        assert capsys.readouterr().out == ""  # ctloop's own call: quiet
        _users_client(kfp.url).create_experiment("mine")
        out = capsys.readouterr().out
    assert "Experiment details: " in out, out


def test_a_ctloop_call_in_one_thread_does_not_silence_another(monkeypatch, tmp_path, capsys):
    """``ctloop doctor`` runs its KFP checks in a thread beside the one printing; the silencing
    follows the call, not the process."""
    from ctloop.ops import platform as module

    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        users = _users_client(kfp.url)
        capsys.readouterr()
        with module.kfp_prints_dropped():  # a ctloop call in progress on this thread
            worker = threading.Thread(target=users.create_experiment, args=("theirs",))
            worker.start()
            worker.join()
        out = capsys.readouterr().out
    assert "Experiment details: " in out, out


BROKEN = "apiVersion: v1\nkind: Config\nclusters: [\n"
NO_CONTEXT = """apiVersion: v1
kind: Config
clusters:
- name: kind
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: dev
  user: {token: not-a-real-token}
contexts:
- name: kind
  context: {cluster: kind, user: dev}
current-context: gone
"""


@pytest.mark.parametrize("text", [BROKEN, NO_CONTEXT], ids=["not-yaml", "missing-current-context"])
def test_runs_with_a_broken_kubeconfig_says_so(monkeypatch, tmp_path, capsys, text):
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)
    config = tmp_path / "kubeconfig"
    config.write_text(text)
    monkeypatch.setenv("KUBECONFIG", str(config))
    # kubernetes reads KUBECONFIG when it is imported (kubernetes/config/kube_config.py)
    monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
    code = main(["runs"])
    captured = capsys.readouterr()
    assert captured.out == "", captured.out  # not kfp's "Failed to load kube config."
    lines = [x for x in captured.err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    line = lines[0]
    assert code == 2, line
    assert "kubeconfig" in line and str(config) in line and "--host" in line, line
    assert "cannot reach KFP at http://localhost" not in line, line

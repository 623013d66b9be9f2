"""``ctloop rollout status`` misdescribed a staging at 0 % whose revision failed.

Its STAGED line said "a deploy of v3 run again moves it to its share" for every staging, but a
deploy run again over a failed one first starts a new revision at 0 % (``rollout._restage``) and
moves that one only once it is ready; a pin-back starts one too, at 0 %, routed nothing (the
marker's deletion reaches the revision template: KServe v0.20.0 ``components/predictor.go``
``buildObjectMeta``). The line now says so — and what it says is checked against what a deploy run
again does, through tests/doubles/kube_api_template.py (no API server can run here)."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from tests.doubles.kube_api import write_kubeconfig
from tests.doubles.kube_api_template import TemplateKubeApiDouble
from tests.serving.test_r47_serving_staged_pinback_revision import NAME, NS, V3, _deploy, _staged


def _status(kube, tmp_path, monkeypatch, capsys) -> str:
    from ctloop.cli import main

    monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", kube.url))
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    return next(line for line in capsys.readouterr().out.splitlines() if "STAGED:" in line)


def test_status_of_a_failed_staging_says_a_deploy_again_starts_a_new_revision_first(
    tmp_path, monkeypatch, capsys
):
    with TemplateKubeApiDouble(ready_after_reads=1) as kube:
        isvcs = _staged(kube, v3_fails=True)
        failed = kube.revisions_of(NS, NAME, V3)
        line = _status(kube, tmp_path, monkeypatch, capsys)
        assert f"its revision {failed[-1]} failed" in line, line
        assert "moves it to its share" not in line, line
        assert "a deploy of v3 run again starts a new revision of it at 0 %" in line, line
        assert "a pin-back (ctloop rollout canary --percent 0) starts one too" in line, line
        # what the line says a deploy run again does: a new revision at 0 % first (it fails too)
        with pytest.raises(ServingError, match="failed"):
            _deploy(isvcs, "3", V3)
        made = kube.revisions_of(NS, NAME, V3)
        assert made[:-1] == failed and len(made) == len(failed) + 1
        assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 0


def test_status_of_a_staging_that_loads_still_says_a_deploy_again_moves_it(
    tmp_path, monkeypatch, capsys
):
    with TemplateKubeApiDouble(ready_after_reads=1) as kube:
        _staged(kube)
        line = _status(kube, tmp_path, monkeypatch, capsys)
        assert "a deploy of v3 run again moves it to its share" in line, line
        assert "failed" not in line, line

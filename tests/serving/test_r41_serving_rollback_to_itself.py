"""``ctloop rollout rollback --failed-version 2`` (and ``rollback_model``) once v2 was promoted —
the champion is the failed version — rolled "back" to the champion, v2 itself: the spec already
named it, the rollback answered ``unchanged``, v2 went on serving 100 %, and the registry tagged it
``rolled_back`` with an audit record "rollback to v2". A rollback whose target is the failed version
is now refused (exit 2, nothing written, nothing tagged), naming the champion and ``--to-version``.
Through KubeApiDouble and a real MLflow store (tests/serving/test_rollout_components.py)."""

from __future__ import annotations

from ctloop.cli import main
from ctloop.components.deploy.component import deploy_canary
from ctloop.components.promote.component import promote_model
from tests.serving.test_rollout_components import ISVC, MODEL, NS, RELEASE, kube, registered

__all__ = ["kube", "registered"]  # fixtures


def _v2_champion(registered):
    uri, registry = registered
    for version in ("1", "2"):
        deploy_canary.python_func(model_name=MODEL, version=version, rollout=RELEASE, tracking_uri=uri)
    promote_model.python_func(model_name=MODEL, version="2", reason="passed", tracking_uri=uri,
                              rollout={**RELEASE, "traffic_plan": [5]})
    assert registry.champion(MODEL).version == "2"
    return uri, registry


def test_rolling_back_the_champion_to_itself_is_refused(registered, kube, capsys):
    uri, registry = _v2_champion(registered)
    writes = [c for c in kube.calls if c[0] != "GET"]
    code = main(["rollout", "rollback", "--isvc", ISVC, "--namespace", NS, "--model-name", MODEL,
                 "--failed-version", "2", "--tracking-uri", uri, "--timeout", "5"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "v2 is the champion" in err and "--to-version" in err, err
    assert [c for c in kube.calls if c[0] != "GET"] == writes  # nothing written
    tags = registry.client.get_model_version(MODEL, "2").tags
    assert tags.get("ctloop.rollout.status") != "rolled_back"


def test_rolling_back_the_champion_to_an_earlier_version_goes_on(registered, kube, capsys):
    uri, registry = _v2_champion(registered)
    code = main(["rollout", "rollback", "--isvc", ISVC, "--namespace", NS, "--model-name", MODEL,
                 "--failed-version", "2", "--to-version", "1", "--tracking-uri", uri, "--timeout", "5"])
    assert code == 0, capsys.readouterr().err
    assert kube.objects[(NS, ISVC)]["spec"]["predictor"]["model"]["storageUri"] == registry.model_artifact_uri(MODEL, "1")

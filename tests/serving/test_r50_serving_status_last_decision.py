"""``ctloop rollout status`` did not say what the last canary decided: a platform engineer asking
"what did the last canary decide, when, why?" had to run ``ctloop audit`` and pick the decision
out of every deploy and traffic record. With ``--model-name`` status now shows the newest
decision of the model's audit log (analysis, promotion, rollback) that concerns this
InferenceService: when, which version, what and why, with the pipeline run; ``--json`` prints
the whole status as one JSON document. The records are the ones the rollout itself writes
(``release.deploy``/``analyze``/``rollback`` on a real MLflow sqlite store); the cluster is
tests/doubles/kube_api.py's Kubernetes API double, reached through a kubeconfig."""

from __future__ import annotations

import json

from ctloop.cli import main
from ctloop.config import RolloutConfig
from ctloop.serving import release
from ctloop.serving.kube import InferenceServices
from tests.serving.test_rollout_components import ISVC, MODEL, NS, kube, registered  # noqa: F401

BASE = ["rollout", "status", "--isvc", ISVC, "--namespace", NS]
FAILED = "error rate 0.2 > 0.01"


def _status(capsys, *args: str) -> str:
    capsys.readouterr()
    assert main([*BASE, *args]) == 0
    return capsys.readouterr().out


def test_status_shows_the_last_decision_of_the_canary(registered, kube, capsys):  # noqa: F811
    uri, registry = registered
    cfg = RolloutConfig(
        inference_service=ISVC, namespace=NS, traffic_plan=[5, 50], timeout_seconds=10
    )
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    release.deploy(registry, isvcs, model_name=MODEL, version="1", cfg=cfg, run_id="run-1")
    canary, _ = release.deploy(
        registry, isvcs, model_name=MODEL, version="2", cfg=cfg, run_id="run-7"
    )
    result = release.analyze(
        registry,
        isvcs,
        model_name=MODEL,
        version="2",
        cfg=cfg,
        deploy_action=canary.action,
        canary_revision=canary.latest_revision,
        stable_revision=canary.previous_revision,
        run_id="run-7",
        check=lambda percent: (False, FAILED, {}),
    )
    assert result.decision == "rollback"
    analysed = registry.audit_log(MODEL)[-1]
    assert analysed["event"] == "analysis"

    doc = json.loads(_status(capsys, "--model-name", MODEL, "--tracking-uri", uri, "--json"))
    assert doc["last_decision"] == {
        "event": "analysis",
        "decided": "rollback",
        "version": "2",
        "at": analysed["at"],
        "reason": result.reason,
        "pipeline_run": "run-7",
    }
    assert doc["traffic"] == {canary.latest_revision: 5, canary.previous_revision: 95}
    assert doc["registry_aliases"] == {"challenger": "2", "champion": "1"}

    release.rollback(
        registry,
        isvcs,
        model_name=MODEL,
        failed_version="2",
        reason=result.reason,
        cfg=cfg,
        run_id="run-7",
    )
    rolled = registry.audit_log(MODEL)[-1]
    out = _status(capsys, "--model-name", MODEL, "--tracking-uri", uri)
    assert (
        f"  last decision: v2 rollback: rolled back to v1, {rolled['at'][:19].replace('T', ' ')} UTC "
        f"(pipeline run run-7): {result.reason}\n"
    ) in out, out


def test_status_without_the_model_name_says_how_to_read_the_decision(registered, kube, capsys):  # noqa: F811
    uri, registry = registered
    cfg = RolloutConfig(inference_service=ISVC, namespace=NS, timeout_seconds=10)
    release.deploy(
        registry,
        InferenceServices(NS, api_client=kube.api_client()),
        model_name=MODEL,
        version="1",
        cfg=cfg,
    )
    out = _status(capsys)
    assert (
        f"  last decision: not read (the audit log is the model's: add --model-name {MODEL} and "
        "--tracking-uri)\n"
    ) in out, out
    assert json.loads(_status(capsys, "--json"))["last_decision"] is None
    # a first deployment records only its deploy: the last decision is the registry's promotion
    # of v1 (the fixture's), a decision about the model wherever it serves
    promoted = registry.audit_log(MODEL)[-2]
    assert promoted["event"] == "promote"
    out = _status(capsys, "--model-name", MODEL, "--tracking-uri", uri)
    assert (
        f"  last decision: v1 promote: champion, {promoted['at'][:19].replace('T', ' ')} UTC: "
        f"{promoted['reason']}\n"
    ) in out, out

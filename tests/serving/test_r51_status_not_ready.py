"""``ctloop rollout status`` listed a revision's share of the traffic without saying that the
revision was no longer Ready. KServe v0.20.0 copies the Knative Service's route status into
``status.components.predictor.traffic[]`` (``pkg/apis/serving/v1beta1/inference_service_status.go``:
``ComponentStatusSpec.Traffic []knservingv1.TrafficTarget``, beside ``latestReadyRevision`` and
``latestCreatedRevision``; ``PropagateStatus``), and Knative Serving 1.21.1 keeps that status when
a routed revision stops being Ready: ``pkg/reconciler/route/route.go`` ``configureTraffic`` returns
before writing ``Status.Traffic`` for a revision target that is not ready, and a ``latestRevision``
target is resolved through the Configuration's ``latestReadyRevisionName``
(``pkg/reconciler/route/traffic/traffic.go`` ``addConfigurationTarget``), which
``pkg/reconciler/configuration/configuration.go`` does not move back when that revision fails
(``MarkLatestCreatedFailed`` only). The entries' fields are knative's ``TrafficTarget``
(``pkg/apis/serving/v1/route_types.go``: ``revisionName``, ``percent``, ``latestRevision``,
``tag``), a revision's readiness its ``Ready`` condition (``revision_lifecycle.go`` ``IsReady``).

Status now reads the Revision of each entry with a share (the Role's optional ``get`` on
revisions) and flags one that is not Ready: ``(not Ready)`` on its traffic line and a ``NOT
READY`` note, in ``--json`` ``traffic_ready`` (revision → true, false or null) and the note.
Without the rule it falls back on the InferenceService's status: a routed revision its
``PredictorConfigurationReady`` says failed. The cluster is tests/doubles/kube_api.py's
Kubernetes API double (a double of the Kubernetes API)."""

from __future__ import annotations

import json

from ctloop.cli import main
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import with_canary
from tests.serving.test_rollout_components import ISVC, NS, kube  # noqa: F401

OOM = "Container failed with: OOMKilled"


def _status(capsys, *args: str) -> str:
    capsys.readouterr()
    assert main(["rollout", "status", "--isvc", ISVC, "--namespace", NS, *args]) == 0
    return capsys.readouterr().out


def _canary(kube):  # noqa: F811
    """v2's canary at 5 % beside v1: ``(canary revision, stable revision)``."""
    with_canary(
        InferenceServices(NS, api_client=kube.api_client()),
        ISVC,
        "s3://b/v1",
        "s3://b/v2",
        percent=5,
    )
    traffic = kube.traffic(NS, ISVC)
    assert sorted(traffic.values()) == [5, 95], traffic
    return min(traffic, key=traffic.get), max(traffic, key=traffic.get)


def test_status_flags_the_canary_revision_that_stopped_being_ready(kube, capsys):  # noqa: F811
    canary, stable = _canary(kube)
    kube.unready(canary, "ExitCode137", OOM)
    doc = json.loads(_status(capsys, "--json"))
    assert doc["traffic"] == {canary: 5, stable: 95}  # Knative still routes it
    assert doc["traffic_ready"] == {canary: False, stable: True}  # was: no such key
    why = f"{canary} has 5 % of the traffic, but its Revision is not Ready (Ready False: ExitCode137: {OOM})"
    assert [n for n in doc["notes"] if n["kind"] == "NOT READY"] == [
        {
            "kind": "NOT READY",
            "message": f"{why}: Knative goes on routing it (kubectl describe revision {canary} -n {NS})",
        }
    ]
    out = _status(capsys)
    assert f"    5 %  {canary}  (not Ready)\n" in out and f"   95 %  {stable}\n" in out, out
    assert f"  NOT READY: {why}" in out, out


def test_status_flags_the_stable_revision_nothing_else_reports(kube, capsys):  # noqa: F811
    canary, stable = _canary(kube)
    kube.unready(stable, "ExitCode1", OOM)
    before = json.loads(_status(capsys, "--json"))
    assert before["traffic_ready"] == {canary: True, stable: False}
    assert [n["kind"] for n in before["notes"]] == [
        "NOT READY"
    ]  # the status' conditions say nothing of it
    assert f"   95 %  {stable}  (not Ready)\n" in _status(capsys)


def test_without_the_revision_rule_the_configuration_failure_flags_it(kube, capsys):  # noqa: F811
    canary, stable = _canary(kube)
    kube.unready(canary, "ExitCode137", OOM)
    kube.forbid(
        f"/apis/serving.knative.dev/v1/namespaces/{NS}/revisions"
    )  # the Role's optional rule left out
    doc = json.loads(_status(capsys, "--json"))
    assert doc["traffic_ready"] == {canary: False, stable: None}  # stable: cannot be told
    note = next(n for n in doc["notes"] if n["kind"] == "NOT READY")
    assert note["message"].startswith(
        f"{canary} has 5 % of the traffic, but its Revision is not Ready (PredictorConfigurationReady False: "
        f'RevisionFailed: Revision "{canary}" failed with message: {OOM}.)'
    ), note

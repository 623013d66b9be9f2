"""``ctloop rollout status`` printed the same message once per condition that carried it.

KServe v0.20.0 copies the Knative Service's conditions into the InferenceService
(``pkg/apis/serving/v1beta1/inference_service_status.go`` ``PropagateStatus``: ``Ready`` into
``PredictorReady``, ``ConfigurationsReady`` into ``PredictorConfigurationReady``), and
knative.dev/pkg's ``ConditionManager.MarkFalse`` (``apis/condition_set.go``) marks the happy
condition ``Ready`` False with the reason and message of the dependent it marks False
(``PredictorReady``, ``IngressReady``). A failed revision's message was printed three times
(``FAILED:``, ``PredictorReady False``, ``Ready False``), an ingress's twice. Each message is now
printed once, with every condition that reports it. Through tests/doubles/kube_api.py."""

from __future__ import annotations

from ctloop.cli import main
from ctloop.serving import rollout
from tests.doubles.kube_api import write_kubeconfig

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"


def _status(kube, tmp_path, monkeypatch, capsys) -> str:
    monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", kube.url))
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    return capsys.readouterr().out


def test_a_failed_revisions_message_is_printed_once(isvcs, kube, tmp_path, monkeypatch, capsys):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=4)
    kube.fail_revisions(V2)
    try:
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri=V2,
            percent=10,
            timeout_s=3,
        )
    except Exception:  # noqa: BLE001 - the failure is what status shows
        pass
    obj = kube.objects[(NS, NAME)]
    failed = next(
        c for c in obj["status"]["conditions"] if c["type"] == "PredictorConfigurationReady"
    )
    assert failed["reason"] == "RevisionFailed"
    copied = {k: failed[k] for k in ("status", "reason", "message")}
    obj["status"]["conditions"] += [
        {"type": "PredictorReady", **copied},
        {"type": "Ready", **copied},
        {"type": "IngressReady", "status": "True"},
    ]
    out = _status(kube, tmp_path, monkeypatch, capsys)
    assert out.count(failed["message"]) == 1, out
    assert "  FAILED: " in out
    assert "  PredictorReady, Ready False: RevisionFailed (the FAILED revision above)\n" in out, out


def test_an_ingress_message_copied_into_ready_is_printed_once(
    isvcs, kube, tmp_path, monkeypatch, capsys
):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=4)
    why = {
        "status": "False",
        "reason": "IngressNotConfigured",
        "message": "Ingress has not yet been reconciled.",
    }
    kube.objects[(NS, NAME)]["status"]["conditions"] += [
        {"type": "IngressReady", **why},
        {"type": "Ready", **why},
    ]
    out = _status(kube, tmp_path, monkeypatch, capsys)
    assert out.count("Ingress has not yet been reconciled.") == 1, out
    assert (
        "  IngressReady, Ready False: IngressNotConfigured: Ingress has not yet been reconciled.\n"
        in out
    ), out

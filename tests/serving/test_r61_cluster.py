"""KServe 0.20 cluster path, round 61: an InferenceService re-created in a form ctloop cannot drive.

Between the analysis and ``rollback_model`` (or a ``ctloop rollout rollback`` by hand) someone deletes the
InferenceService and creates it again — in KServe's per-framework predictor form (``spec.predictor.sklearn``,
KServe v0.20.0 ``pkg/apis/serving/v1beta1/predictor_sklearn.go``, still accepted) or in Standard mode
(annotation ``serving.kserve.io/deploymentMode: Standard``; v0.20.0 ``controller.go`` ``updateStatus`` writes
``status.deploymentMode: Standard``, where ``canaryTrafficPercent`` is ignored: only
``reconcilers/knative/ksvc_reconciler.go`` reads it). Seen on main: the step ended on a ServingError traceback,
exit status 1, nothing recorded, alias ``challenger`` left on the failed version; by hand one line, exit 2, but
nothing recorded either; ``deploy_canary`` and ``promote_model`` ended on tracebacks too (deploy on Standard:
"rolling back to v1 failed too"), ``ctloop rollout promote --version`` on ``sklearn:`` said "changed outside".

Now each is one ``error:`` line naming ``namespace/name``, the form found and what to do, exit status 2
(bad input: the rollout section names a service ctloop cannot drive), nothing written to the cluster; a
rollback (step or by hand, with a failed version) is recorded as a refused rollback (``release._rollback_refused``:
``rollback_refused``, alias ``challenger`` off the failed version, ``rollback`` record ``action: refused``), the
champion untouched. The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble (KServe v0.20.0, Knative
1.21.1) reached through a kubeconfig; the registry a real MLflow store (v1 champion, v2).
"""

from __future__ import annotations

import copy
import inspect

import pytest

from ctloop.components.deploy.component import deploy_canary
from ctloop.components.promote.component import promote_model
from ctloop.components.rollback.component import rollback_model
from ctloop.registry import MlflowRegistry
from ctloop.serving import release
from tests.serving.test_rollout_components import ISVC, MODEL, NS, RELEASE, kube, registered

__all__ = ["kube", "registered"]

FOUND = {"sklearn": "(predictor sklearn:)", "standard": "(deploymentMode Standard)"}


def _recreated(kube, uri: str, form: str) -> None:
    """v1 champion serving, v2 a canary at 5 % (run r7, alias challenger), then the service deleted and
    created again by hand from its own spec, in ``form``."""
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri, pipeline_run_id="r7")
    MlflowRegistry(uri).client.set_registered_model_alias(MODEL, "challenger", "2")
    obj = kube.objects.pop((NS, ISVC))
    body = {"apiVersion": obj["apiVersion"], "kind": obj["kind"],
            "metadata": {"name": ISVC, "annotations": dict(obj["metadata"].get("annotations") or {})},
            "spec": copy.deepcopy(obj["spec"])}
    if form == "sklearn":
        model = body["spec"]["predictor"].pop("model")
        body["spec"]["predictor"]["sklearn"] = {"storageUri": model["storageUri"]}
    else:
        body["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] = "Standard"
    kube.create_isvc(NS, body)


def _one_error_line(err: str, form: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert f"{NS}/{ISVC} is in a form ctloop cannot drive {FOUND[form]}" in lines[0], err
    assert "nothing written to the cluster" in lines[0] and "Traceback" not in err, err
    return lines[0]


def _refusal_recorded(uri: str, run: str) -> None:
    reg = MlflowRegistry(uri)
    tags = reg.get_version(MODEL, "2").tags
    assert tags["ctloop.rollout.status"] == "rollback_refused" and tags["ctloop.rollout.pipeline_run"] == run
    aliases = reg.client.get_registered_model(MODEL).aliases
    assert aliases == {"champion": 1}, aliases  # challenger off the failed v2, champion untouched
    records = reg.audit_log(MODEL)
    refused = [r for r in records if r["event"] == "rollback"]
    assert [r["action"] for r in refused] == ["refused"], refused
    assert refused[0]["inference_service"] == ISVC and refused[0]["namespace"] == NS
    assert "form ctloop cannot drive" in refused[0]["refused"], refused[0]
    last = release.last_decision(records, ISVC, NS)
    assert last is not None and last["decided"] == "rollback refused", last


@pytest.mark.parametrize("form", ["sklearn", "standard"])
def test_rollback_model_of_a_service_recreated_undrivable_is_a_recorded_refusal(form, registered, kube, capsys):
    uri, _ = registered
    _recreated(kube, uri, form)
    spec = copy.deepcopy(kube.objects[(NS, ISVC)]["spec"])
    since = len(kube.calls)
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        rollback_model.python_func(model_name=MODEL, failed_version="2", rollout=RELEASE, reason="error rate 3 %",
                                   tracking_uri=uri, pipeline_run_id="r7")
    assert stopped.value.code == 2
    line = _one_error_line(capsys.readouterr().err, form)
    assert "recorded (audit: rollback refused" in line and "ctloop rollout rollback" in line, line
    if form == "standard":  # KServe ignores canaryTrafficPercent there: the spec's model serves all traffic
        assert "the failed v2's model, which its spec names, serves all of it" in line, line
    assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []  # the service untouched
    assert kube.objects[(NS, ISVC)]["spec"] == spec
    _refusal_recorded(uri, "r7")
    # Argo's retry of the step (maxRetryCount 2): refused again, recorded once
    with pytest.raises(SystemExit):
        rollback_model.python_func(model_name=MODEL, failed_version="2", rollout=RELEASE, reason="error rate 3 %",
                                   tracking_uri=uri, pipeline_run_id="r7")
    assert "recorded by an earlier attempt of this run (r7" in capsys.readouterr().err
    _refusal_recorded(uri, "r7")


@pytest.mark.parametrize("form", ["sklearn", "standard"])
def test_rollout_rollback_by_hand_of_a_service_recreated_undrivable(form, registered, kube, capsys):
    from ctloop.cli import main

    uri, _ = registered
    _recreated(kube, uri, form)
    since = len(kube.calls)
    capsys.readouterr()
    common = ["--isvc", ISVC, "--namespace", NS, "--model-name", MODEL, "--tracking-uri", uri]
    assert main(["rollout", "rollback", "--timeout", "10", "--failed-version", "2", *common]) == 2
    _one_error_line(capsys.readouterr().err, form)
    assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []
    _refusal_recorded(uri, "")
    # status shows the service and that decision, no traceback
    assert main(["rollout", "status", *common]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "last decision: v2 rollback: rollback refused" in out, out + err
    assert ("NOT KNATIVE: runs in Standard mode" if form == "standard" else "(sklearn: ctloop rolls out only") in out


@pytest.mark.parametrize("form", ["sklearn", "standard"])
def test_deploy_and_promote_steps_on_a_service_recreated_undrivable_refuse_in_one_line(form, registered, kube,
                                                                                        capsys):
    from ctloop.cli import main

    uri, _ = registered
    _recreated(kube, uri, form)
    since = len(kube.calls)
    before = len(MlflowRegistry(uri).audit_log(MODEL))
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri,
                                  pipeline_run_id="r8")
    assert stopped.value.code == 2  # was: a traceback, exit 1 (Standard: "rolling back to v1 failed too")
    _one_error_line(capsys.readouterr().err, form)
    with pytest.raises(SystemExit) as stopped:
        promote_model.python_func(model_name=MODEL, version="2", reason="passed", rollout=RELEASE, tracking_uri=uri,
                                  pipeline_run_id="r7")
    assert stopped.value.code == 2
    _one_error_line(capsys.readouterr().err, form)
    assert main(["rollout", "promote", "--isvc", ISVC, "--namespace", NS, "--model-name", MODEL, "--tracking-uri",
                 uri, "--timeout", "10", "--version", "2"]) == 2
    _one_error_line(capsys.readouterr().err, form)  # sklearn: was "changed outside this rollout"
    assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []
    reg = MlflowRegistry(uri)
    assert reg.champion(MODEL).version == "1" and len(reg.audit_log(MODEL)) == before


def test_found_gone_before_takes_no_reason():
    # round 60 left an unused `reason` argument: the gone tag is written alone and matched on the run only
    assert list(inspect.signature(release._found_gone_before).parameters) == [
        "registry", "model_name", "failed_version", "run_id"]

"""``ctloop rollout status`` on states of a KServe 0.20 InferenceService no status test met (round 60):
one readable table, exit 0, no traceback.

Each state is derived from KServe v0.20.0 / Knative Serving 1.21.1 source:

* ``traffic[]`` with two entries both ``latestRevision: false`` — KServe's ksvc reconciler writes
  ``latestRevision: true`` for the latest target (``reconcilers/knative/ksvc_reconciler.go`` ~134-160),
  but copies the Route's ``status.traffic`` as it is (``inference_service_status.go`` ``PropagateStatus``:
  ``statusSpec.Traffic = serviceStatus.Traffic``), so a Knative Service whose traffic was pinned by
  revision name (``kubectl edit ksvc``, until KServe reconciles it back) shows two such entries;
* an entry with ``tag`` and no ``percent`` — knative-v1.21.1 ``pkg/apis/serving/v1/route_types.go``
  ``TrafficTarget.Percent *int64 json:"percent,omitempty"``: absent means 0 (a tag-only target);
* a predictor in the per-framework form (``spec.predictor.sklearn.storageUri``, v0.20.0
  ``pkg/apis/serving/v1beta1/predictor_sklearn.go``; KServe still accepts it);
* a Standard service: v0.20.0 writes ``status.deploymentMode: Standard`` (``pkg/controller/v1beta1/
  inferenceservice/controller.go`` ~425 ``updateStatus``: ``desiredService.Status.DeploymentMode =
  string(deploymentMode)``, the mode ``utils/utils.go`` ``GetDeploymentMode`` ~224-240 returns, which maps
  the annotation ``RawDeployment`` to ``Standard``), and status has ``url`` and ``PredictorReady`` only
  (``PropagateRawStatus``); ``status.deploymentMode: RawDeployment`` is a leftover of a KServe before 0.20
  (``pkg/constants/constants.go`` ``LegacyRawDeployment``, "deprecated: use Standard"; ``ParseDeploymentMode``
  reads it as Standard) until the 0.20 controller writes the status again: both are shown;
* ``PredictorReady`` False with its reason and message (``inference_service_status.go`` ``PropagateStatus``
  copies the Knative Service's Ready condition).

Seen on main: all five are shown, but a Standard service's missing revisions were printed as
``latestCreated None  latestReady None`` beside ``rolledOut -``: ``-`` now, as for the others.
The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble reached through a kubeconfig, its
controller stalled so that the state set here is the one read.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.serving import release
from tests.doubles.kube_api import KubeApiDouble, write_kubeconfig
from tests.serving.test_fix38b_release_deploy_rollback import NAME, _v1_deployed
from tests.serving.test_rollout_components import NS

R1, R2 = f"{NAME}-predictor-00001", f"{NAME}-predictor-00002"


def _both_not_latest(obj):
    obj["status"]["components"]["predictor"]["traffic"] = [
        {"revisionName": R1, "percent": 60, "latestRevision": False, "tag": "prev"},
        {"revisionName": R2, "percent": 40, "latestRevision": False}]
    return [f" 60 %  {R1}", f" 40 %  {R2}"]


def _tag_without_percent(obj):
    obj["status"]["components"]["predictor"]["traffic"] = [
        {"tag": "latest", "latestRevision": True, "revisionName": R2},
        {"revisionName": R1, "percent": 100, "latestRevision": False, "tag": "prev"}]
    return [f"  0 %  {R2}", f"100 %  {R1}"]


def _sklearn_form(obj):
    model = obj["spec"]["predictor"].pop("model")
    obj["spec"]["predictor"]["sklearn"] = {"storageUri": model["storageUri"]}
    return ["storageUri gs://models/v2 (sklearn: ctloop rolls out only the model: form)", f"  5 %  {R2}"]


def _raw_deployment(obj):
    # a KServe before 0.20 wrote this status; v0.20.0 writes "Standard" once it reconciles (_standard)
    obj["metadata"].setdefault("annotations", {})["serving.kserve.io/deploymentMode"] = "RawDeployment"
    obj["status"] = {"deploymentMode": "RawDeployment",
                     "conditions": [{"type": "PredictorReady", "status": "True"}],
                     "components": {"predictor": {"url": f"http://{NAME}-predictor.{NS}"}}}
    return ["(mode RawDeployment)", "latestCreated -  latestReady -  rolledOut -  previous -",
            "NOT KNATIVE: runs in Standard (RawDeployment) mode", "annotation serving.kserve.io/deploymentMode: Knative"]


def _standard(obj):
    # what KServe v0.20.0 writes for a Standard service (controller.go updateStatus), the annotation either name
    obj["metadata"].setdefault("annotations", {})["serving.kserve.io/deploymentMode"] = "Standard"
    obj["status"] = {"deploymentMode": "Standard",
                     "conditions": [{"type": "PredictorReady", "status": "True"}],
                     "components": {"predictor": {"url": f"http://{NAME}-predictor.{NS}"}}}
    return ["(mode Standard)", "latestCreated -  latestReady -  rolledOut -  previous -",
            "NOT KNATIVE: runs in Standard mode", "annotation serving.kserve.io/deploymentMode: Knative"]


def _predictor_not_ready(obj):
    obj["status"]["conditions"] = [
        {"type": "PredictorReady", "status": "False", "reason": "RevisionMissing",
         "message": f'Revision "{R2}" failed with message: Back-off pulling image.'},
        {"type": "Ready", "status": "False", "reason": "RevisionMissing",
         "message": f'Revision "{R2}" failed with message: Back-off pulling image.'}]
    return [f'PredictorReady, Ready False: RevisionMissing: Revision "{R2}" failed with message: Back-off pulling image.',
            f"  5 %  {R2}"]


@pytest.mark.parametrize("state", [_both_not_latest, _tag_without_percent, _sklearn_form, _raw_deployment,
                                   _standard, _predictor_not_ready])
def test_status_shows_the_state_in_one_table(state, tmp_path, monkeypatch, capsys):
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)  # v2 a canary at 5 %
        monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", kube.url))
        kube.stall()
        expected = state(kube.objects[(NS, NAME)])
        capsys.readouterr()
        assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err and "None" not in out, out + err
        assert out.startswith(f"InferenceService {NS}/{NAME}  (mode "), out
        for line in expected:
            assert line in out, (line, out)
        assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS, "--json"]) == 0
        assert "Traceback" not in capsys.readouterr().err

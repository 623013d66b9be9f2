"""The four InferenceService states: golden YAML, the real KServe CRD schema, kubectl patches;
deployment modes as KServe v0.20.0 names them; the model hash the runtime checks."""

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from ctloop.errors import ServingError
from ctloop.serving import isvc
from tests.helpers import REPO
from tests.manifests.support import crd_schema as kserve_crd_schema

EXAMPLES = REPO / "manifests" / "examples"
STATES = isvc.example_states()


def crd_schema() -> dict:
    return kserve_crd_schema("InferenceService")


@pytest.mark.parametrize("state", sorted(STATES))
def test_example_files_are_what_the_builders_produce(state):
    """manifests/examples are written for people (comments, kubectl commands); their content must
    be exactly the state ctloop's own patches reach."""
    path = EXAMPLES / f"isvc-{state}.yaml"
    assert yaml.safe_load(path.read_text()) == STATES[state], f"{path} drifted from isvc.example_states()"


@pytest.mark.parametrize("state", sorted(STATES))
def test_states_validate_against_the_kserve_crd(state):
    jsonschema.Draft7Validator(crd_schema()).validate(STATES[state])


def test_state_semantics():
    initial, canary, promoted, back = (STATES[s]["spec"]["predictor"] for s in ("initial", "canary-10", "promoted", "rolled-back"))
    assert "canaryTrafficPercent" not in initial and canary["canaryTrafficPercent"] == 10
    assert canary["model"]["storageUri"] != initial["model"]["storageUri"]
    assert "canaryTrafficPercent" not in promoted and promoted["model"]["storageUri"] == canary["model"]["storageUri"]
    # a durable rollback names the champion again, not only 0 % traffic
    assert "canaryTrafficPercent" not in back and back["model"]["storageUri"] == initial["model"]["storageUri"]
    assert isvc.spec_version(STATES["rolled-back"]) == "1"
    # each state names the hash of the model its spec names
    sha = {s: STATES[s]["spec"]["predictor"]["annotations"][isvc.SHA256_ANNOTATION] for s in STATES}
    assert sha["initial"] == sha["rolled-back"] == isvc.EXAMPLE_SHA256["1"]
    assert sha["canary-10"] == sha["promoted"] == isvc.EXAMPLE_SHA256["2"]


def test_the_mode_is_written_by_its_current_name():
    """KServe 0.16 renamed Serverless to Knative; its webhook rewrites the old name, so an object
    applied with it shows as drifted in GitOps tools (v0.20.0
    pkg/apis/serving/v1beta1/inference_service_defaults.go, DefaultInferenceService)."""
    for state in STATES.values():
        assert state["metadata"]["annotations"][isvc.MODE_ANNOTATION] == "Knative"
    template = yaml.safe_load((REPO / "manifests" / "base" / "inferenceservice.yaml").read_text())
    assert template["metadata"]["annotations"][isvc.MODE_ANNOTATION] == "Knative"


@pytest.mark.parametrize(("status", "annotation", "mode"), [
    # v0.20.0 pkg/constants/constants.go ParseDeploymentMode: legacy names map to the new ones
    (None, "Serverless", "Knative"), (None, "Knative", "Knative"), ("Serverless", None, "Knative"),
    (None, "RawDeployment", "Standard"), ("Standard", "Knative", "Standard"),  # the status wins
    # neither: KServe v0.20.0 pkg/controller/v1beta1/inferenceservice/utils/utils.go GetDeploymentMode
    # takes the cluster's defaultDeploymentMode (unknown here: "")
    (None, None, ""),
])
def test_both_names_are_read(status, annotation, mode):
    annotations = {isvc.MODE_ANNOTATION: annotation} if annotation else {}
    obj = {"metadata": {"name": "m", "annotations": annotations}}
    if status:
        obj["status"] = {"deploymentMode": status}
    assert isvc.deployment_mode(obj) == mode


def test_merge_patch_null_deletes():
    assert isvc.merge_patch({"a": {"b": 1, "c": 2}}, {"a": {"b": None}}) == {"a": {"c": 2}}


def test_standard_mode_is_refused_naming_spec_canary():
    raw = isvc.merge_patch(STATES["initial"], {"metadata": {"annotations": {"serving.kserve.io/deploymentMode": "RawDeployment"}}})
    refusal = r"Standard \(RawDeployment\) mode, where KServe ignores canaryTrafficPercent"
    with pytest.raises(ServingError, match=refusal) as err:
        isvc.check_deployment_mode(raw)
    assert "spec.canary[]" in str(err.value)
    with pytest.raises(ServingError, match="runs in Standard mode.*spec.canary"):
        isvc.check_deployment_mode({**STATES["initial"], "status": {"deploymentMode": "Standard"}})
    with pytest.raises(ServingError, match="ModelMesh mode"):
        isvc.check_deployment_mode({**STATES["initial"], "status": {"deploymentMode": "ModelMesh"}})
    isvc.check_deployment_mode(STATES["initial"])
    legacy = isvc.merge_patch(STATES["initial"],
                              {"metadata": {"annotations": {isvc.MODE_ANNOTATION: "Serverless"}}})
    isvc.check_deployment_mode(legacy)
    isvc.check_deployment_mode({**STATES["initial"], "status": {"deploymentMode": "Serverless"}})


def test_a_pinned_back_canary_is_not_promotable():
    pinned = isvc.merge_patch(STATES["canary-10"], isvc.pin_back_patch())
    with pytest.raises(ServingError, match="canaryTrafficPercent 0.*version 2.*100 %.*rollback"):
        isvc.check_promotable(pinned)
    isvc.check_promotable(STATES["canary-10"])
    isvc.check_promotable(STATES["promoted"])


def test_patches_carry_the_hash_or_delete_a_stale_one():
    sha = "ab" * 32
    patch = isvc.canary_patch(version="3", storage_uri="gs://m/3/model-joblib", percent=5,
                              model_sha256=sha.upper())
    assert patch["spec"]["predictor"]["annotations"][isvc.SHA256_ANNOTATION] == sha
    unknown = isvc.canary_patch(version="3", storage_uri="gs://m/3/model-joblib", percent=5)
    after = isvc.merge_patch(STATES["canary-10"], unknown)
    # never version 2's hash beside version 3's model
    assert isvc.SHA256_ANNOTATION not in after["spec"]["predictor"]["annotations"]
    with pytest.raises(ServingError, match="64 hex digits"):
        isvc.restore_patch(version="1", storage_uri="gs://m/1", model_sha256="abc")


def test_the_serving_runtime_reads_the_annotation_the_builders_write():
    """The ServingRuntime hands the predictor annotation to the runtime through the downward API."""
    runtime = yaml.safe_load((REPO / "manifests" / "base" / "servingruntime.yaml").read_text())
    (container,) = runtime["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    path = env["CTLOOP_MODEL_SHA256"]["valueFrom"]["fieldRef"]["fieldPath"]
    assert path == f"metadata.annotations['{isvc.SHA256_ANNOTATION}']"


def test_bad_percent():
    with pytest.raises(ServingError, match="0..100"):
        isvc.traffic_patch(120)


def kubectl_patch(tmp_path: Path, source: dict, patch: dict) -> dict:
    if shutil.which("kubectl") is None:
        pytest.fail("kubectl is required for the manifest tests (it renders kustomize and applies --local patches)")
    f = tmp_path / "isvc.yaml"
    f.write_text(yaml.safe_dump(source))
    out = subprocess.run(["kubectl", "patch", "--local", "-f", str(f), "--type", "merge", "-p", json.dumps(patch),
                          "-o", "yaml"], capture_output=True, text=True, check=True)
    return yaml.safe_load(out.stdout)


def test_documented_kubectl_patches_produce_the_states(tmp_path):
    """The raw `kubectl patch isvc ... --type merge` commands of the docs give the same objects."""
    canary = STATES["canary-10"]
    v2 = canary["spec"]["predictor"]["model"]["storageUri"]
    v1 = STATES["initial"]["spec"]["predictor"]["model"]["storageUri"]
    sha1, sha2 = isvc.EXAMPLE_SHA256["1"], isvc.EXAMPLE_SHA256["2"]
    to_canary = isvc.canary_patch(version="2", storage_uri=v2, percent=10, model_sha256=sha2)
    got = kubectl_patch(tmp_path, STATES["initial"], to_canary)
    assert got["spec"] == canary["spec"]
    assert kubectl_patch(tmp_path, canary, {"spec": {"predictor": {"canaryTrafficPercent": 20}}})["spec"]["predictor"]["canaryTrafficPercent"] == 20
    assert kubectl_patch(tmp_path, canary, isvc.promote_patch())["spec"] == STATES["promoted"]["spec"]
    pinned = kubectl_patch(tmp_path, canary, isvc.pin_back_patch())
    assert pinned["spec"]["predictor"]["canaryTrafficPercent"] == 0
    restore = isvc.restore_patch(version="1", storage_uri=v1, model_sha256=sha1)
    restored = kubectl_patch(tmp_path, pinned, restore)
    assert restored["spec"]["predictor"]["canaryTrafficPercent"] == 0  # champion staged at 0 %
    final = kubectl_patch(tmp_path, restored, isvc.promote_patch())
    assert final["spec"] == STATES["rolled-back"]["spec"]

"""The four InferenceService states: golden YAML, the real KServe CRD schema, kubectl patches."""

import functools
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

SHARED = REPO.parent / "shared" / "kserve"
EXAMPLES = REPO / "manifests" / "examples"
STATES = isvc.example_states()


@functools.lru_cache(maxsize=1)
def crd_schema() -> dict:
    path = SHARED / "serving.kserve.io_inferenceservices.yaml"
    if not path.exists():
        pytest.fail(f"{path} is missing: the KServe CRD ships in ../shared/kserve beside the repo")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the CRD is large: libyaml when available
    crd = yaml.load(path.read_text(), Loader=loader)
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


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
    assert STATES["initial"]["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Serverless"


def test_merge_patch_null_deletes():
    assert isvc.merge_patch({"a": {"b": 1, "c": 2}}, {"a": {"b": None}}) == {"a": {"c": 2}}


def test_raw_deployment_is_refused():
    raw = isvc.merge_patch(STATES["initial"], {"metadata": {"annotations": {"serving.kserve.io/deploymentMode": "RawDeployment"}}})
    with pytest.raises(ServingError, match="ignores canaryTrafficPercent"):
        isvc.check_deployment_mode(raw)
    with pytest.raises(ServingError, match="Standard mode"):
        isvc.check_deployment_mode({**STATES["initial"], "status": {"deploymentMode": "Standard"}})
    isvc.check_deployment_mode(STATES["initial"])


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
    got = kubectl_patch(tmp_path, STATES["initial"], isvc.canary_patch(version="2", storage_uri=v2, percent=10))
    assert got["spec"] == canary["spec"]
    assert kubectl_patch(tmp_path, canary, {"spec": {"predictor": {"canaryTrafficPercent": 20}}})["spec"]["predictor"]["canaryTrafficPercent"] == 20
    assert kubectl_patch(tmp_path, canary, isvc.promote_patch())["spec"] == STATES["promoted"]["spec"]
    pinned = kubectl_patch(tmp_path, canary, isvc.pin_back_patch())
    assert pinned["spec"]["predictor"]["canaryTrafficPercent"] == 0
    restored = kubectl_patch(tmp_path, pinned, isvc.restore_patch(version="1", storage_uri=v1))
    assert restored["spec"]["predictor"]["canaryTrafficPercent"] == 0  # champion staged at 0 %
    final = kubectl_patch(tmp_path, restored, isvc.promote_patch())
    assert final["spec"] == STATES["rolled-back"]["spec"]

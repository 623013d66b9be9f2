"""The four example states and the documented `kubectl patch` commands that move between them.

The commands are read from docs/manifests.md (so the page cannot drift from what is tested) and run
with `kubectl patch --local -f <example> --type merge -p ... -o yaml`; the results must equal the
next example state (parsed, so comments and key order do not matter) and validate against the
KServe CRD.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.manifests.support import DOCS, MANIFESTS, crd_schema, load_strict

EXAMPLES = MANIFESTS / "examples"
STATES = ("initial", "canary-10", "promoted", "rolled-back")
STEPS = ("canary", "move", "promote", "rollback-1", "rollback-2", "rollback-3")


def example(state: str) -> dict:
    return load_strict(EXAMPLES / f"isvc-{state}.yaml")


def documented_patches() -> dict[str, dict]:
    """``{step: merge patch}`` from the `# <step>: ...` + `kubectl patch isvc ...` lines of the docs."""
    lines = DOCS.read_text().splitlines()
    found: dict[str, dict] = {}
    for marker, command in zip(lines, lines[1:], strict=False):
        m = re.match(r"# ([a-z0-9-]+): ", marker)
        if m and command.startswith("kubectl patch isvc "):
            argv = shlex.split(command)
            assert argv[argv.index("--type") + 1] == "merge", command
            assert m.group(1) not in found, f"step {m.group(1)} documented twice"
            found[m.group(1)] = json.loads(argv[argv.index("-p") + 1])
    return found


def kubectl_patch(
    kubectl: str, source: Path | dict, patch: dict, tmp_path: Path, output: str = "yaml"
):
    if isinstance(source, dict):
        path = tmp_path / f"in-{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(yaml.safe_dump(source))
        source = path
    out = subprocess.run(
        [
            kubectl,
            "patch",
            "--local",
            "-f",
            str(source),
            "--type",
            "merge",
            "-p",
            json.dumps(patch),
            "-o",
            output,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout) if output == "yaml" else out.stdout


def valid(obj: dict) -> dict:
    jsonschema.Draft7Validator(crd_schema("InferenceService")).validate(obj)
    return obj


@pytest.mark.parametrize("state", STATES)
def test_example_states_validate_against_the_kserve_crd(state):
    obj = valid(example(state))
    meta, predictor = obj["metadata"], obj["spec"]["predictor"]
    assert meta["annotations"]["serving.kserve.io/deploymentMode"] == "Knative"
    assert meta["annotations"]["serving.kserve.io/enable-tag-routing"] == "true"
    assert predictor["model"]["runtime"] == "ctloop-sklearn"
    assert predictor["model"]["storageUri"].endswith("/artifacts/model-joblib")
    assert (EXAMPLES / f"isvc-{state}.yaml").read_text().startswith("# State "), (
        "each example explains itself"
    )


def test_example_state_semantics():
    """What the issue asks of each state, independent of any command."""
    states = {s: example(s) for s in STATES}
    initial, canary, promoted, back = states.values()
    uri = {k: v["spec"]["predictor"]["model"]["storageUri"] for k, v in states.items()}
    version = {k: v["metadata"]["labels"]["ctloop.dev/model-version"] for k, v in states.items()}
    assert canary["spec"]["predictor"]["canaryTrafficPercent"] == 10
    for state in (initial, promoted, back):
        assert "canaryTrafficPercent" not in state["spec"]["predictor"]
    # a durable rollback names the champion's model again
    assert uri["canary-10"] == uri["promoted"] != uri["initial"] == uri["rolled-back"]
    assert version == {"initial": "1", "canary-10": "2", "promoted": "2", "rolled-back": "1"}


def test_docs_document_every_step():
    assert set(documented_patches()) == set(STEPS)


def test_documented_patches_move_between_the_states(kubectl, tmp_path):
    patches = documented_patches()
    canary_file = EXAMPLES / "isvc-canary-10.yaml"

    got = valid(kubectl_patch(kubectl, EXAMPLES / "isvc-initial.yaml", patches["canary"], tmp_path))
    assert got == example("canary-10")

    moved = valid(kubectl_patch(kubectl, canary_file, patches["move"], tmp_path))
    assert moved["spec"]["predictor"].pop("canaryTrafficPercent") == 25
    expected = example("canary-10")
    del expected["spec"]["predictor"]["canaryTrafficPercent"]
    assert moved == expected

    assert valid(kubectl_patch(kubectl, canary_file, patches["promote"], tmp_path)) == example(
        "promoted"
    )

    pinned = valid(kubectl_patch(kubectl, canary_file, patches["rollback-1"], tmp_path))
    assert pinned["spec"]["predictor"]["canaryTrafficPercent"] == 0
    assert (
        pinned["spec"]["predictor"]["model"] == example("canary-10")["spec"]["predictor"]["model"]
    )  # still v2
    restored = valid(kubectl_patch(kubectl, pinned, patches["rollback-2"], tmp_path))
    assert restored["spec"]["predictor"]["canaryTrafficPercent"] == 0  # champion staged at 0 %
    assert (
        restored["spec"]["predictor"]["model"] == example("initial")["spec"]["predictor"]["model"]
    )
    assert valid(kubectl_patch(kubectl, restored, patches["rollback-3"], tmp_path)) == example(
        "rolled-back"
    )


def test_commands_in_the_example_comments_are_the_documented_ones():
    docs = {
        line for line in DOCS.read_text().splitlines() if line.startswith("kubectl patch isvc ")
    }
    in_examples = {
        line.lstrip("# ").strip()
        for state in STATES
        for line in (EXAMPLES / f"isvc-{state}.yaml").read_text().splitlines()
        if line.lstrip("# ").startswith("kubectl patch isvc ")
    }
    assert in_examples and in_examples <= docs, in_examples - docs


def test_documented_jsonpath_reads_the_traffic_split(kubectl, tmp_path):
    """The docs' jsonpath, applied to a canary-10 object with the status KServe writes."""
    (command,) = [
        line
        for line in DOCS.read_text().splitlines()
        if line.startswith("kubectl get isvc") and ".traffic}" in line
    ]
    jsonpath = shlex.split(command)[-1].removeprefix("jsonpath=")
    traffic = [
        {
            "latestRevision": True,
            "percent": 10,
            "revisionName": "credit-default-predictor-00002",
            "tag": "latest",
        },
        {
            "latestRevision": False,
            "percent": 90,
            "revisionName": "credit-default-predictor-00001",
            "tag": "prev",
        },
    ]
    obj = example("canary-10") | {
        "status": {
            "components": {
                "predictor": {
                    "latestCreatedRevision": "credit-default-predictor-00002",
                    "latestReadyRevision": "credit-default-predictor-00002",
                    "latestRolledoutRevision": "credit-default-predictor-00001",
                    "traffic": traffic,
                }
            }
        }
    }
    valid(obj)
    out = kubectl_patch(kubectl, obj, {}, tmp_path, output=f"jsonpath={jsonpath}")
    assert json.loads(out) == traffic

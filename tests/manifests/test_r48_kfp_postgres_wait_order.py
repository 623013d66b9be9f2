"""Round 48, kfp surface: components/mlflow-postgres writes where its wait goes, not kustomize.

The ``wait-for-postgres`` init container was added by a strategic merge patch and came before
``db-upgrade`` only because kustomize's kyaml puts a merged list's new items first
(kubernetes-sigs/kustomize#3048). A strategic merge patch keeps no list order (Kubernetes'
design-proposals-archive ``cli/preserve-order-in-strategic-merge-patch.md``), and the directive
that would fix one, ``$setElementOrder``, kyaml (kubectl 1.32, kustomize v5.5.0) leaves in the
output as a field. Now a JSON patch (RFC 6902) adds the wait at index 0; the untargeted strategic
merge patch stays, so the build still fails when no MLflow Deployment is there
(tests/manifests/test_fix47c_postgres_order.py)."""

from __future__ import annotations

import yaml

from tests.manifests.support import MANIFESTS


def _patches() -> list[dict]:
    text = (MANIFESTS / "components" / "mlflow-postgres" / "kustomization.yaml").read_text()
    return yaml.safe_load(text)["patches"]


def test_the_wait_is_added_at_index_0_by_a_json_patch():
    added = [
        op
        for patch in _patches()
        if isinstance(yaml.safe_load(patch["patch"]), list)
        for op in yaml.safe_load(patch["patch"])
        if op.get("value", {}).get("name") == "wait-for-postgres"
    ]
    assert [(op["op"], op["path"]) for op in added] == [
        ("add", "/spec/template/spec/initContainers/0")
    ]


def test_no_strategic_merge_patch_adds_an_init_container():
    for patch in _patches():
        body = yaml.safe_load(patch["patch"])
        if isinstance(body, dict):
            assert "initContainers" not in yaml.safe_dump(body), body


def test_the_untargeted_patch_still_names_the_deployment():
    untargeted = [yaml.safe_load(p["patch"]) for p in _patches() if "target" not in p]
    assert [(b["kind"], b["metadata"]["name"]) for b in untargeted] == [("Deployment", "mlflow")]

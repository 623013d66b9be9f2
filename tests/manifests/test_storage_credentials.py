"""manifests/components/storage-credentials: what KServe's storage initializer needs for s3:// and
Azure storageUris, rendered with kubectl kustomize over the base and schema-checked.

The upstream contract is KServe v0.20.0 (kserve/kserve at tag v0.20.0):
* pkg/credentials/service_account_credentials.go: the ServiceAccount's ``secrets`` are read; a
  Secret holding the S3 secret-key key is S3, one holding AZURE_STORAGE_ACCESS_KEY is Azure (checked
  after AZ_CLIENT_ID / AZURE_CLIENT_ID / AZURE_ACCESS_TOKEN); the annotation
  eks.amazonaws.com/role-arn on the ServiceAccount turns on S3 settings from its annotations.
* config/configmap/inferenceservice.yaml: ``credentials.s3.s3AccessKeyIDName`` =
  AWS_ACCESS_KEY_ID, ``s3SecretAccessKeyName`` = AWS_SECRET_ACCESS_KEY.
* pkg/credentials/s3/s3_secret.go: the serving.kserve.io/s3-* annotations.
* pkg/apis/serving/v1beta1/component.go: ``labels`` of a component become pod labels.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.manifests.support import MANIFESTS, find, kustomize, load_all_strict

COMPONENT = MANIFESTS / "components" / "storage-credentials"
S3_KEYS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
S3_ANNOTATIONS = {f"serving.kserve.io/s3-{n}" for n in (
    "endpoint", "region", "verifyssl", "usehttps", "usevirtualbucket", "useaccelerate",
    "useanoncredential", "cabundle-configmap", "cabundle")}
AZURE_SP_KEYS = {"AZ_CLIENT_ID", "AZURE_CLIENT_ID", "AZURE_ACCESS_TOKEN"}  # would win over the key
IRSA = "eks.amazonaws.com/role-arn"
K8S_VERSION = "1.32.0"


def render_with(workdir: Path, *components: str) -> list[dict]:
    """Base + the named storage-credentials variants in a throw-away overlay."""
    workdir.mkdir(parents=True, exist_ok=True)
    rel = Path(os.path.relpath(MANIFESTS, workdir))
    (workdir / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "namespace": "ctloop", "resources": [str(rel / "base")],
        "components": [str(rel / "components" / "storage-credentials" / c).rstrip("/.") for c in components],
    }))
    return kustomize(workdir)


def validate_core(obj: dict) -> None:
    import kubernetes_validate

    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def templates() -> dict[str, dict]:
    return {p.name: load_all_strict(p.read_text())[0] for p in sorted(COMPONENT.glob("secret-*.example.yaml"))}


def test_key_based_component_lists_the_secret_on_the_model_reader_and_renders_no_secret(tmp_path):
    objects = render_with(tmp_path, ".")
    reader = find(objects, "ServiceAccount", "ctloop-model-reader")
    assert reader["secrets"] == [{"name": "ctloop-storage"}]
    assert "secrets" not in find(objects, "ServiceAccount", "ctloop-pipeline-runner")
    assert not [o for o in objects if o["kind"] == "Secret"]  # never overwrites real credentials
    assert find(objects, "InferenceService")["spec"]["predictor"]["serviceAccountName"] == "ctloop-model-reader"
    for obj in objects:
        if "/" not in obj["apiVersion"] or obj["apiVersion"].startswith("rbac."):
            validate_core(obj)


def test_secret_templates_follow_the_kserve_contract():
    found = templates()
    assert set(found) == {"secret-s3.example.yaml", "secret-azure.example.yaml"}
    for name, secret in found.items():
        validate_core(secret)
        assert secret["metadata"]["name"] == "ctloop-storage"  # the name the component lists
        assert all(v.startswith("REPLACE-ME") for v in secret["stringData"].values()), name
        assert "namespace" not in secret["metadata"]
    s3 = found["secret-s3.example.yaml"]
    assert set(s3["stringData"]) == S3_KEYS
    assert set(s3["metadata"]["annotations"]) <= S3_ANNOTATIONS
    azure = found["secret-azure.example.yaml"]
    assert "AZURE_STORAGE_ACCESS_KEY" in azure["stringData"]
    assert not set(azure["stringData"]) & (AZURE_SP_KEYS | S3_KEYS)


def test_templates_are_not_part_of_any_kustomization():
    for kustomization in MANIFESTS.rglob("kustomization.yaml"):
        assert "example.yaml" not in kustomization.read_text().split("# ")[0], kustomization
    for path in COMPONENT.rglob("kustomization.yaml"):
        data = yaml.safe_load(path.read_text())
        assert not data.get("resources") and not data.get("secretGenerator"), path


@pytest.mark.parametrize("variant,annotation", [
    ("irsa", IRSA),
    ("azure-workload-identity", "azure.workload.identity/client-id"),
])
def test_identity_variants_annotate_both_service_accounts_without_keys(tmp_path, variant, annotation):
    objects = render_with(tmp_path, variant)
    for name in ("ctloop-model-reader", "ctloop-pipeline-runner"):
        account = find(objects, "ServiceAccount", name)
        assert account["metadata"]["annotations"][annotation].count("REPLACE-ME") >= 1
        assert "secrets" not in account
        assert account["metadata"]["labels"] == {"app.kubernetes.io/part-of": "ctloop"}  # merged, kept
        validate_core(account)
    assert not [o for o in objects if o["kind"] == "Secret"]
    predictor = find(objects, "InferenceService")["spec"]["predictor"]
    if variant == "irsa":
        assert set(find(objects, "ServiceAccount", "ctloop-model-reader")["metadata"]["annotations"]) - {IRSA} \
            <= S3_ANNOTATIONS
        assert "labels" not in predictor
    else:
        assert predictor["labels"] == {"azure.workload.identity/use": "true"}
        assert predictor["logger"]  # the rest of the predictor is untouched


def test_variants_combine(tmp_path):
    objects = render_with(tmp_path, ".", "irsa")
    reader = find(objects, "ServiceAccount", "ctloop-model-reader")
    assert reader["secrets"] == [{"name": "ctloop-storage"}] and IRSA in reader["metadata"]["annotations"]

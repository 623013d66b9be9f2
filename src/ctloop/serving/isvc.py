"""InferenceService objects (serving.kserve.io/v1beta1) in the four states of a canary rollout.

Pure functions, no cluster access::

    initial      v1 serves 100 %
    canary N %   spec names v2 with canaryTrafficPercent N; KServe splits N % to the new revision
    promoted     v2 serves 100 % (canaryTrafficPercent removed with a JSON merge patch null)
    rolled back  v1 serves 100 %: first canaryTrafficPercent 0 (traffic back at once), then the
                 champion's storageUri written back (still at 0 %) so the spec no longer names the
                 bad model, then canaryTrafficPercent removed once that revision is ready

``canaryTrafficPercent`` only works in Serverless (Knative) mode; the template sets that mode
explicitly and ``check_deployment_mode`` refuses a RawDeployment/Standard service rather than
pretending a canary runs. The sklearn model server loads ``model.joblib``: ``storageUri`` is the
*directory* holding it (``ctloop.registry.MlflowRegistry.model_artifact_uri``).
"""

from __future__ import annotations

import copy
from typing import Any

from ctloop.errors import ServingError

API_VERSION = "serving.kserve.io/v1beta1"
KIND = "InferenceService"
RUNTIME = "ctloop-sklearn"
# Labels, not annotations: KServe copies InferenceService labels onto the revision's pods, so the
# serving runtime reads its version through the downward API and Prometheus can select by it.
VERSION_LABEL = "ctloop.dev/model-version"
MODEL_LABEL = "ctloop.dev/model-name"
VERSION_ANNOTATION = VERSION_LABEL  # backwards-compatible name
SERVERLESS = "Serverless"
# KServe's payload logger sends ce-source http://localhost:9081/ from every pod, so the served
# version travels as a predictor-pod annotation the logger copies into ce-annotations
# (logger.metadataAnnotations); the inference log sink reads it (docs/inference-log.md).


def _version_annotations(version: str) -> dict[str, str]:
    return {VERSION_LABEL: str(version)}


def inference_service(
    name: str,
    *,
    namespace: str,
    model_name: str,
    version: str,
    storage_uri: str,
    runtime: str = RUNTIME,
    service_account: str = "",
    logger_url: str = "",
    min_replicas: int = 1,
    max_replicas: int | None = None,
) -> dict[str, Any]:
    """The initial state: ``version`` at ``storage_uri`` serves all traffic."""
    predictor: dict[str, Any] = {
        "minReplicas": min_replicas,
        **({"maxReplicas": max_replicas} if max_replicas else {}),
        "model": {
            "modelFormat": {"name": "sklearn"},
            "runtime": runtime,
            "storageUri": storage_uri,
            "protocolVersion": "v2",
        },
    }
    if service_account:
        predictor["serviceAccountName"] = service_account
    predictor["annotations"] = _version_annotations(version)
    if logger_url:
        predictor["logger"] = {"mode": "all", "url": logger_url, "metadataAnnotations": [VERSION_LABEL]}
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {
                "app.kubernetes.io/managed-by": "ctloop",
                MODEL_LABEL: model_name,
                VERSION_LABEL: str(version),
            },
            "annotations": {
                "serving.kserve.io/deploymentMode": SERVERLESS,
                "serving.kserve.io/enable-tag-routing": "true",
            },
        },
        "spec": {"predictor": predictor},
    }


def canary_patch(*, version: str, storage_uri: str, percent: int) -> dict[str, Any]:
    """Merge patch: the new version takes ``percent`` % of traffic (KServe keeps the rest on the
    previously rolled-out revision)."""
    if not 0 <= int(percent) <= 100:
        raise ServingError(f"canary percent must be 0..100, got {percent}")
    return {
        "metadata": {"labels": {VERSION_LABEL: str(version)}},
        "spec": {"predictor": {"canaryTrafficPercent": int(percent), "annotations": _version_annotations(version),
                               "model": {"storageUri": storage_uri}}},
    }


def traffic_patch(percent: int) -> dict[str, Any]:
    """Merge patch: move the canary's share (``make canary PERCENT=20``)."""
    if not 0 <= int(percent) <= 100:
        raise ServingError(f"canary percent must be 0..100, got {percent}")
    return {"spec": {"predictor": {"canaryTrafficPercent": int(percent)}}}


def promote_patch() -> dict[str, Any]:
    """Merge patch: the latest revision takes all traffic (field deleted with null)."""
    return {"spec": {"predictor": {"canaryTrafficPercent": None}}}


def pin_back_patch() -> dict[str, Any]:
    """Merge patch, rollback step 1: all traffic to the previously rolled-out revision at once."""
    return traffic_patch(0)


def restore_patch(*, version: str, storage_uri: str) -> dict[str, Any]:
    """Merge patch, rollback step 2: the spec names the champion again, still at 0 %.

    Keeping ``canaryTrafficPercent: 0`` while the champion's new revision starts means the bad
    revision never gets traffic back in between (Knative routes "latest" to the latest *ready*
    revision); step 3 is :func:`promote_patch` once that revision is ready.
    """
    return {
        "metadata": {"labels": {VERSION_LABEL: str(version)}},
        "spec": {"predictor": {"canaryTrafficPercent": 0, "annotations": _version_annotations(version),
                               "model": {"storageUri": storage_uri}}},
    }


def switch_patch(*, version: str, storage_uri: str) -> dict[str, Any]:
    """Merge patch for blue-green: the new version takes 100 % as soon as its revision is ready
    (until then the previous revision keeps serving; it stays addressable by its ``prev`` tag)."""
    return {
        "metadata": {"labels": {VERSION_LABEL: str(version)}},
        "spec": {"predictor": {"canaryTrafficPercent": None, "annotations": _version_annotations(version),
                               "model": {"storageUri": storage_uri}}},
    }


def spec_version(isvc: dict[str, Any]) -> str:
    """The model version the spec names (label; older ctloop releases wrote an annotation)."""
    meta = isvc.get("metadata") or {}
    return str((meta.get("labels") or {}).get(VERSION_LABEL) or (meta.get("annotations") or {}).get(VERSION_LABEL) or "")


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386 JSON merge patch (what ``kubectl patch --type merge`` applies)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key, {}), value)
    return out


def check_deployment_mode(isvc: dict[str, Any]) -> None:
    """Refuse RawDeployment/Standard mode, where canaryTrafficPercent is silently ignored."""
    mode = (isvc.get("status") or {}).get("deploymentMode") or \
        (isvc.get("metadata", {}).get("annotations") or {}).get("serving.kserve.io/deploymentMode", SERVERLESS)
    if mode in ("RawDeployment", "Standard"):
        name = isvc.get("metadata", {}).get("name", "?")
        raise ServingError(
            f"InferenceService {name!r} runs in {mode} mode, where KServe ignores canaryTrafficPercent: "
            "a canary would silently get 0 % or 100 %. Use Serverless (Knative) mode, or the blue-green "
            "strategy, for this service"
        )


def example_states(namespace: str = "ctloop") -> dict[str, dict[str, Any]]:
    """The four states for people to read (manifests/examples, checked by tests) and for tests."""
    root = "gs://ctloop-mlflow-artifacts/1/{run}/artifacts/model-joblib"
    v1 = root.format(run="0f3c9a1b2c4d4e5f8a9b0c1d2e3f4a5b")
    v2 = root.format(run="7d4e5f6a7b8c4d9e0f1a2b3c4d5e6f7a")
    base = inference_service("credit-default", namespace=namespace, model_name="credit-default", version="1",
                             storage_uri=v1, service_account="ctloop-model-reader", max_replicas=3,
                             logger_url=f"http://ctloop-inference-log.{namespace}.svc.cluster.local")
    canary = merge_patch(base, canary_patch(version="2", storage_uri=v2, percent=10))
    promoted = merge_patch(canary, promote_patch())
    rolled_back = canary
    for patch in (pin_back_patch(), restore_patch(version="1", storage_uri=v1), promote_patch()):
        rolled_back = merge_patch(rolled_back, patch)
    return {"initial": base, "canary-10": canary, "promoted": promoted, "rolled-back": rolled_back}


__all__ = [
    "API_VERSION", "KIND", "RUNTIME", "VERSION_LABEL", "MODEL_LABEL", "VERSION_ANNOTATION", "inference_service", "canary_patch", "traffic_patch",
    "promote_patch", "pin_back_patch", "restore_patch", "switch_patch", "spec_version", "merge_patch", "check_deployment_mode", "example_states",
]

"""KFP interface of ``validate_serving``."""

from typing import NamedTuple

from ctloop.kfp_support import component


@component
def validate_serving(
    model_name: str,
    version: str,
    sample_rows: int = 500,
    tracking_uri: str = "",
    pipeline_run_id: str = "",
) -> NamedTuple("ValidateOutputs", [("valid", bool), ("reason", str)]):
    """Check, before any traffic moves, that the exported model serves like the trained one.

    Loads the version's exported ``model.joblib`` in a fresh Python process (as the ctloop
    serving runtime would, with the scikit-learn version that runtime pins), predicts on rows of
    the version's training reference sample and compares with the model MLflow logged at
    training time. A scikit-learn version mismatch, a load failure or any prediction difference
    makes ``valid`` false, and the rollout does not start: the version is tagged
    ``ctloop.serving_validation=failed`` and loses alias ``challenger``, which no registration gives
    it back until a validation of it passes.

    Args:
        model_name: Registered model name in MLflow.
        version: The version about to be deployed.
        sample_rows: How many reference rows to predict on.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id, recorded in the audit trail.

    Returns:
        valid: Whether the export is safe to deploy.
        reason: What was compared, or what differed.
    """
    import tempfile
    from collections import namedtuple

    from ctloop.registry import MlflowRegistry
    from ctloop.serving.validate import validate_export

    registry = MlflowRegistry(tracking_uri)
    meta = registry.load_meta(model_name, version)
    sample = registry.load_reference(model_name, version)[meta["features"]].head(sample_rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = registry.download_joblib(model_name, version, tmp)
        result = validate_export(path, registry.load_logged_model(model_name, version), sample,
                                 trained_sklearn=meta.get("sklearn_version", ""),
                                 trained_versions=meta.get("versions"), trusted=meta.get("trusted_types") or [])
    # tagged, and a failed version is never challenger again (its alias taken off)
    registry.record_serving_validation(model_name, version, valid=result.valid, reason=result.reason,
                                       pipeline_run=pipeline_run_id)
    print(f"ctloop: serving validation of {model_name} v{version}: {'OK' if result.valid else 'BLOCKED'} — {result.reason}")
    return namedtuple("ValidateOutputs", ["valid", "reason"])(result.valid, result.reason)

"""KFP interface of ``promote_model`` (registry promotion)."""

from typing import NamedTuple

from ctloop.kfp_support import component


@component
def promote_model(
    model_name: str,
    version: str,
    reason: str,
    tracking_uri: str = "",
    pipeline_run_id: str = "",
) -> NamedTuple("PromoteOutputs", [("previous_champion", str)]):
    """Make a registered version the ``champion``, keeping the previous one findable.

    Moves the MLflow alias ``champion`` to ``version`` (read back to detect a concurrent writer),
    points ``previous-champion`` at the version it replaces, tags both versions with the
    hand-over time, reason and pipeline run, and writes an audit record. Promoting the current
    champion again changes nothing.

    Args:
        model_name: Registered model name in MLflow.
        version: Version to promote (from ``register_model``).
        reason: Why (the gate's reason); stored on the version and in the audit record.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id (pass ``dsl.PIPELINE_JOB_ID_PLACEHOLDER``).

    Returns:
        previous_champion: The version that was champion before ("" if none).
    """
    from collections import namedtuple

    from ctloop.registry import MlflowRegistry

    previous = MlflowRegistry(tracking_uri).promote(model_name, version, reason=reason, pipeline_run=pipeline_run_id)
    print(f"ctloop: {model_name} champion -> v{version} (previous: {previous or 'none'})")
    return namedtuple("PromoteOutputs", ["previous_champion"])(previous or "")

"""KFP interface of ``promote_model`` (registry promotion, after the canary when there is one)."""

from typing import NamedTuple, Optional

from ctloop.kfp_support import component


@component
def promote_model(
    model_name: str,
    version: str,
    reason: str,
    rollout: Optional[dict] = None,
    tracking_uri: str = "",
    pipeline_run_id: str = "",
) -> NamedTuple("PromoteOutputs", [("previous_champion", str)]):
    """Make a registered version the ``champion``, keeping the previous one findable.

    With ``rollout.inference_service`` set, the canary first takes 100 % (``canaryTrafficPercent``
    removed with a merge-patch null, waiting for the split to show); a canary no longer at the
    share the analysis left it at (the plan's last step), moved by hand since, is left to whoever
    moved it — this step is retried, and must not undo the change that stopped the attempt
    before; so is a canary edited since the analysis (its latest revision not the one judged).
    Then the MLflow alias
    ``champion`` moves to ``version`` (read back to detect a concurrent writer),
    ``previous-champion`` points at the version it replaces, both versions are tagged with the
    hand-over time, reason and pipeline run, and an audit record is written. Promoting the current
    champion again changes nothing. The continuous-training run that registered the version promotes it only while
    the champion its gate compared it with (tag ``ctloop.gate_champion``) is champion still (or none is): checked
    before the traffic moves and again under the promotion lock; another run's promotion since fails the step with
    nothing written. Code: ``ctloop.serving.release.promote``.

    Args:
        model_name: Registered model name in MLflow.
        version: Version to promote (from ``register_model``).
        reason: Why (the gate's reason); stored on the version and in the audit record.
        rollout: The ``rollout`` section (``ctloop.config.RolloutConfig``): ``inference_service``,
            ``namespace`` and ``timeout_seconds`` for the traffic promotion; empty
            ``inference_service`` = registry promotion only.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id (pass ``dsl.PIPELINE_JOB_ID_PLACEHOLDER``).

    Returns:
        previous_champion: The version that was champion before ("" if none).
    """
    from collections import namedtuple

    from ctloop.registry import MlflowRegistry
    from ctloop.serving import release

    with release.bad_input_exits():  # bad input (ConfigError): one line on stderr, exit 2, not a traceback
        cfg = release.rollout_config_or_exit(rollout)  # a bad field: one line, exit 2
        isvcs = None
        if cfg.inference_service:
            from ctloop.serving.kube import InferenceServices

            isvcs = InferenceServices(cfg.namespace, kserve_namespace=cfg.kserve_namespace)
        release.kserve_namespace_or_exit(isvcs, cfg)  # a bad CTLOOP_KSERVE_NAMESPACE this service would read: exit 2
        previous = release.promote(MlflowRegistry(tracking_uri), isvcs, model_name=model_name, version=version,
                                   reason=reason, cfg=cfg, run_id=pipeline_run_id)
        print(f"ctloop: {model_name} champion -> v{version} (previous: {previous or 'none'})")
        return namedtuple("PromoteOutputs", ["previous_champion"])(previous or "")

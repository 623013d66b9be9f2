"""KFP interface of ``rollback_model``."""

from typing import NamedTuple

from ctloop.kfp_support import component


@component
def rollback_model(
    model_name: str,
    failed_version: str,
    rollout: dict,
    reason: str,
    to_version: str = "",
    tracking_uri: str = "",
    pipeline_run_id: str = "",
) -> NamedTuple("RollbackOutputs", [("serving_version", str)]):
    """Route all traffic back to the stable model and make that durable.

    First ``canaryTrafficPercent: 0`` (traffic back at once), then the target version's
    storageUri written back into the spec (still at 0 %), then the canary field removed once its
    revision is ready — so the spec no longer names the failed model and it never gets traffic
    back. The failed version is tagged with why, and alias ``challenger`` is removed from it (the
    ``champion`` alias stays).
    Held instead when the spec names another model than the failed one (another run deployed it
    meanwhile): that model is neither pinned nor replaced — unless the failed model's revision
    still gets its traffic, which is pinned out — and the line says what was written.
    Refused for bad input (a ``to_version`` the registry does not have, a bad
    ``CTLOOP_KSERVE_NAMESPACE`` where the service needs the cluster's default, a service re-created in a
    form ctloop cannot drive: Standard mode, a ``sklearn:`` predictor): one ``error:`` line,
    exit status 2, the serving untouched, and the refusal recorded (the failed version tagged
    ``rollback_refused``, an audit ``rollback`` record with ``action: refused``).
    Not applied when the InferenceService does not exist and was deployed to (deleted since the
    analysis, or while the step waited): nothing created again, the failed version tagged
    ``rollback_held`` and alias ``challenger`` taken off it, an audit ``rollback`` record with
    ``action: service_gone``, ``serving_version`` empty (``ctloop rollout status --model-name``
    names that decision); known gone when this run deployed the failed version to that service, else
    when the model's audit log has a deploy to it. A name nothing was deployed to (a typo of
    ``inference_service``) fails the step on "does not exist", nothing written.
    Code: ``ctloop.serving.release.rollback``.

    Args:
        model_name: Registered model name in MLflow.
        failed_version: The version being rolled back (tagged ``ctloop.rollout.status=rolled_back``,
            or ``rollback_held`` when held); empty for a manual "serve version N again".
        rollout: The ``rollout`` section (``ctloop.config.RolloutConfig``): ``inference_service``
            and ``namespace`` (required), ``timeout_seconds``.
        reason: Why (the analysis reason, or an operator's words).
        to_version: Version to serve instead; empty means the current ``champion``.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id, recorded in the audit trail.

    Returns:
        serving_version: The version serving 100 % afterwards; empty when held (the spec names
            another run's model, possibly still a canary) or not applied (the InferenceService is gone):
            ``ctloop rollout status --model-name``.
    """
    from collections import namedtuple

    from ctloop.serving import release
    from ctloop.serving.kube import InferenceServices

    with release.bad_input_exits():  # bad input (ConfigError): one line on stderr, exit 2, not a traceback
        cfg = release.rollout_config_or_exit(rollout)  # a bad field: one line, exit 2
        isvcs = InferenceServices(cfg.namespace, kserve_namespace=cfg.kserve_namespace)
        # a bad CTLOOP_KSERVE_NAMESPACE this service would read: refused by release.rollback, recorded, exit 2
        target, state = release.rollback(release.RegistryOpenedOnUse(tracking_uri), isvcs,
                                         model_name=model_name, failed_version=failed_version, reason=reason, cfg=cfg,
                                         to_version=to_version, run_id=pipeline_run_id, record_refusal=True)
        if state.action == "held":  # another model took the spec, or the service is gone: release.rollback printed why
            return namedtuple("RollbackOutputs", ["serving_version"])("")
        print(f"ctloop: {cfg.inference_service} rolled back from v{failed_version or '-'} to v{target}: {reason}")
        return namedtuple("RollbackOutputs", ["serving_version"])(target)

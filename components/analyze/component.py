"""KFP interface of ``analyze_canary``."""

from typing import NamedTuple

from kfp.dsl import Markdown, Metrics, Output

from ctloop.kfp_support import component


@component
def analyze_canary(
    model_name: str,
    version: str,
    rollout: dict,
    deploy_action: str,
    canary_revision: str,
    stable_revision: str,
    analysis_metrics: Output[Metrics],
    analysis_report: Output[Markdown],
    tracking_uri: str = "",
    pipeline_run_id: str = "",
) -> NamedTuple("AnalyzeOutputs", [("decision", str), ("reason", str)]):
    """Walk the canary through its traffic plan, judging live metrics from Prometheus at each step.

    At every step (default 5 % → 25 % → 50 % → 100 %) the canary's share is set,
    ``interval_seconds`` pass, and the last ``rules.window`` of both revisions is judged: canary
    error rate, p99 latency and p99 against the stable revision's; too few requests or no data is a
    failed check, never a pass; the error and latency rules judge however few requests there were. A hold
    is only for no evidence either way: fewer than ``rules.min_requests`` canary requests, none failing
    (or none at all beside a near-silent stable), while the stable's at the canary's share would make fewer
    too — or fewer logged rows than ``quality_rules.min_rows`` on a stable as quiet — never at 100 %: judged
    again at that share for as many intervals as fit ``timeout_seconds``, then the walk stops there and
    decides ``hold`` (audit ``held_for: too little evidence``); a quiet window after a failed check counts as
    one. Nothing judges a held canary again on its own: run the rollout pipeline for the version again (its
    deploy resumes the canary at the first step) or promote or roll back by hand; after ``rollout.max_holds``
    holds of the version the next quiet analysis decides ``rollback``. With ``inference_log_root`` each step also checks model quality on
    the traffic logged since the canary started (realized ROC AUC against the stable model's with
    labels, the PSI of predicted scores without). ``max_failed_checks`` failed checks decide
    ``rollback``. A ``blue-green`` release is judged at the 100 % it already has, once per step of
    the plan (its quality against the stable model's traffic logged just before the switch). When the
    spec no longer holds what the rollout wrote (an operator pinned the canary to 0 %, promoted it
    or deployed another model meanwhile) the walk stops and decides ``hold``: nothing is undone.
    Code: ``ctloop.serving.release.analyze``.

    Args:
        model_name: Registered model name in MLflow (for the audit trail).
        version: The canary's model version.
        rollout: The ``rollout`` section (``ctloop.config.RolloutConfig``; docs/configuration.md):
            ``inference_service``, ``namespace``, ``traffic_plan``, ``interval_seconds``, ``rules``,
            ``quality_rules``, ``max_failed_checks``, ``prometheus_url``, ``metric_source``,
            ``inference_log_root``, ``labels_root``, ``timeout_seconds``.
        deploy_action: ``deploy_canary``'s action; ``created`` (first deployment) and ``unchanged``
            need no analysis and decide ``promote``, or ``hold`` while the registry's champion is
            another version and no previous revision serves beside it (promote or roll back by hand).
        canary_revision: Revision serving the canary (``deploy_canary``'s latest_revision).
        stable_revision: Revision serving the champion (``deploy_canary``'s previous_revision).
        analysis_metrics: Output Metrics: per step the canary's requests, 5xx share, the share of
            instances its failed requests carried and that share's 99 % lower bound (the 5xx rule's
            large-batch check), the canary's and the stable's 4xx shares and p99.
        analysis_report: Output Markdown: the steps, measurements and decision.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id, recorded in the audit trail.

    Returns:
        decision: ``promote``, ``rollback`` or ``hold`` (changed outside the rollout, or too little
            evidence to judge, at most ``rollout.max_holds`` times a version).
        reason: Why, naming the failed rule and step.
    """
    from collections import namedtuple

    from ctloop.registry import MlflowRegistry
    from ctloop.serving import release
    from ctloop.serving.kube import InferenceServices

    with release.bad_input_exits():  # bad input (ConfigError): one line on stderr, exit 2, not a traceback
        cfg = release.rollout_config_or_exit(rollout)  # a bad field: one line, exit 2
        isvcs = (InferenceServices(cfg.namespace, kserve_namespace=cfg.kserve_namespace)
                 if deploy_action not in release.FIRST_DEPLOYMENT else None)
        release.kserve_namespace_or_exit(isvcs, cfg)  # a bad CTLOOP_KSERVE_NAMESPACE this service would read: exit 2
        result = release.analyze(MlflowRegistry(tracking_uri), isvcs, model_name=model_name, version=version, cfg=cfg,
                                 deploy_action=deploy_action, canary_revision=canary_revision,
                                 stable_revision=stable_revision, run_id=pipeline_run_id)
        for key, value in release.step_metrics(result).items():
            analysis_metrics.log_metric(key, value)
        analysis_report.metadata["decision"] = result.decision
        with open(analysis_report.path, "w") as fh:
            fh.write(release.render_markdown(result))
        print(f"ctloop: canary analysis of {cfg.inference_service}: {result.decision} — {result.reason}")
        return namedtuple("AnalyzeOutputs", ["decision", "reason"])(result.decision, result.reason)

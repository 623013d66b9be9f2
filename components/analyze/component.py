"""KFP interface of ``analyze_canary``."""

from typing import NamedTuple, Optional

from kfp.dsl import Markdown, Metrics, Output

from ctloop.kfp_support import component


@component
def analyze_canary(
    model_name: str,
    version: str,
    inference_service: str,
    namespace: str,
    deploy_action: str,
    canary_revision: str,
    stable_revision: str,
    analysis_metrics: Output[Metrics],
    analysis_report: Output[Markdown],
    traffic_plan: Optional[list] = None,
    interval_seconds: int = 300,
    rules: Optional[dict] = None,
    max_failed_checks: int = 1,
    prometheus_url: str = "",
    log_root: str = "",
    labels_root: str = "",
    quality_rules: Optional[dict] = None,
    timeout_seconds: int = 600,
    tracking_uri: str = "",
    pipeline_run_id: str = "",
) -> NamedTuple("AnalyzeOutputs", [("decision", str), ("reason", str)]):
    """Walk the canary through its traffic plan, judging live metrics from Prometheus at each step.

    At every step (default 5 % → 25 % → 50 % → 100 %) the canary's share is set, ``interval_seconds``
    pass, and the last 5 minutes of both revisions are judged: canary error rate > 1 % fails;
    canary p99 > 500 ms fails; canary p99 > 2 × stable p99 fails; too few requests or no data is a
    failed check, never a pass. ``max_failed_checks`` failed checks decide ``rollback``.

    Args:
        model_name: Registered model name in MLflow (for the audit trail).
        version: The canary's model version.
        inference_service: InferenceService name.
        namespace: Its Kubernetes namespace.
        deploy_action: ``deploy_canary``'s action; ``created`` (first deployment) and ``unchanged``
            need no analysis and decide ``promote``.
        canary_revision: Revision serving the canary (``deploy_canary``'s latest_revision).
        stable_revision: Revision serving the champion (``deploy_canary``'s previous_revision).
        analysis_metrics: Output Metrics: per step the canary's requests, error rate and p99.
        analysis_report: Output Markdown: the steps, measurements and decision.
        traffic_plan: Canary percentages per step, e.g. ``[5, 25, 50, 100]``.
        interval_seconds: Time at each step before judging it.
        rules: Overrides of the default rules: ``max_error_rate``, ``max_p99_seconds``,
            ``max_p99_ratio``, ``min_requests``, ``window``.
        max_failed_checks: Failed checks that trigger a rollback.
        prometheus_url: Prometheus base URL; empty means ``PROMETHEUS_URL`` from the environment.
        log_root: Inference log root (``ctloop logger``); when set, each step also checks model
            quality on the traffic logged since the canary started, canary rows being those of
            ``model_version`` = ``version`` and stable rows those of the champion's version (by
            revision in logs without ``model_version``); failed requests and missing scores are
            left out. With labels, canary realized ROC AUC more than 0.05 below the stable's
            fails; without, a PSI of predicted scores above 0.2 fails; no canary rows fails.
        labels_root: Label store root (``ctloop labels ingest``) for the realized-AUC comparison.
        quality_rules: Overrides: ``max_auc_drop``, ``max_psi``, ``min_labelled``, ``min_rows``,
            ``score_column``.
        timeout_seconds: How long to wait for each traffic change to show in the status.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id, recorded in the audit trail.

    Returns:
        decision: ``promote`` or ``rollback``.
        reason: Why, naming the failed rule and step.
    """
    import os
    from collections import namedtuple

    from ctloop.errors import CtloopError, ServingError
    from ctloop.registry import MlflowRegistry
    from ctloop.serving import analysis, rollout
    from ctloop.serving.kube import InferenceServices

    Outputs = namedtuple("AnalyzeOutputs", ["decision", "reason"])
    registry = MlflowRegistry(tracking_uri)
    plan = [int(p) for p in (traffic_plan or [5, 25, 50, 100])]
    if deploy_action in ("created", "unchanged"):
        reason = f"{deploy_action}: no stable model to compare with, nothing to analyse"
        analysis_report.metadata["decision"] = "promote"
        with open(analysis_report.path, "w") as fh:
            fh.write(f"# Canary analysis: promote\n\n{reason}\n")
        return Outputs("promote", reason)
    prom = analysis.Prometheus(prometheus_url or os.environ.get("PROMETHEUS_URL", ""))
    check = analysis.make_check(prom, canary_revision=lambda: canary_revision, stable_revision=lambda: stable_revision,
                                namespace=namespace, rules=analysis.Rules.from_dict(rules), interval_s=interval_seconds)
    if log_root:
        import pandas as pd

        from ctloop import labels as labels_mod

        started = pd.Timestamp.now("UTC")
        prom_check = check
        qrules = analysis.QualityRules.from_dict(quality_rules)
        champion = registry.champion(model_name)
        stable_version = champion.version if champion is not None and champion.version != str(version) else ""
        try:  # the classes match labels to scores; without them binary 0/1 labels still work
            meta = registry.load_meta(model_name, str(version)) if version else {}
        except CtloopError as exc:
            print(f"ctloop: WARNING: model metadata of {model_name} v{version} not read ({exc}): quality check "
                  "without the model's classes")
            meta = {}
        classes = list(meta.get("classes") or []) or None if meta.get("task", "classification") == "classification" \
            else None

        def check(percent):  # noqa: F811 - Prometheus rules first, then model quality
            passed, why, measured = prom_check(percent)
            if not passed:
                return passed, why, measured
            logs = labels_mod.read_log(log_root, inference_service, started, pd.Timestamp.now("UTC"))
            labels = labels_mod.read_labels(labels_root) if labels_root else None
            ok, qwhy, qmeasured = analysis.quality_check(logs, labels, canary_revision=canary_revision,
                                                         stable_revision=stable_revision, canary_version=str(version),
                                                         stable_version=stable_version, rules=qrules, classes=classes)
            return ok, f"{why}; quality: {qwhy}", {**measured, **qmeasured}

    events = []

    def audit(event):
        events.append(event)
        registry.record_event(model_name, version, {**event, "pipeline_run": pipeline_run_id})

    try:
        passed, reason, steps = rollout.walk_plan(InferenceServices(namespace), inference_service, plan=plan,
                                                  check=check, max_failed_checks=max_failed_checks,
                                                  timeout_s=timeout_seconds, on_event=audit)
    except ServingError as exc:
        passed, reason, steps = False, f"serving error during the canary: {exc}", []
    decision = "promote" if passed else "rollback"
    for step in steps:
        for key in ("canary_requests", "canary_error_rate", "canary_p99_seconds"):
            if step.get(key) is not None:
                analysis_metrics.log_metric(f"step_{step['percent']}.{key}", round(float(step[key]), 6))
    lines = [f"# Canary analysis: {decision}", "", reason, "", "| traffic | passed | reason |", "|---|---|---|"]
    lines += [f"| {s['percent']} % | {'yes' if s['passed'] else 'NO'} | {s['reason']} |" for s in steps]
    with open(analysis_report.path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    audit({"event": "analysis", "decision": decision, "reason": reason})
    print(f"ctloop: canary analysis of {inference_service}: {decision} — {reason}")
    return Outputs(decision, reason)

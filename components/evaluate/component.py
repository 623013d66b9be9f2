"""KFP interface of ``evaluate_model``."""

from typing import NamedTuple, Optional

from kfp.dsl import ClassificationMetrics, Dataset, Input, Markdown, Metrics, Model, Output

from ctloop.kfp_support import component


@component
def evaluate_model(
    model: Input[Model],
    holdout_data: Input[Dataset],
    model_name: str,
    metrics: Output[Metrics],
    classification_metrics: Output[ClassificationMetrics],
    summary: Output[Markdown],
    thresholds: Optional[dict] = None,
    primary_metric: str = "",
    tolerance: float = 0.01,
    slice_column: str = "",
    bootstrap_rounds: int = 1000,
    confidence: float = 0.95,
    tracking_uri: str = "",
    seed: int = 0,
) -> NamedTuple("EvaluateOutputs", [("approved", bool), ("reason", str), ("champion_version", str)]):
    """The gate: score the challenger and the current champion on the same holdout and decide.

    Fail-safe: with no threshold configured nothing is approved; without a champion only the
    absolute thresholds apply; with a champion the challenger must also not be confidently worse
    on the primary metric (paired bootstrap interval of challenger − champion entirely below
    ``-tolerance``), overall and in the worst slice of ``slice_column``.

    Args:
        model: The challenger, a Model from ``train_model``.
        holdout_data: Dataset from ``prepare_data`` (its ``holdout_data`` output).
        model_name: Registered model whose ``champion`` alias is the baseline.
        metrics: Output Metrics: every ``challenger.<metric>``, ``champion.<metric>``, and the
            comparison ``delta``, ``ci_low``, ``ci_high`` of the primary metric; ``approved`` (0/1).
        classification_metrics: Output ClassificationMetrics: ROC curve and confusion matrix of the
            challenger (classification only) for the KFP UI.
        summary: Output Markdown: the decision with its reason, metric, check and slice tables.
        thresholds: Absolute thresholds, e.g. ``{"roc_auc": 0.7, "log_loss": 0.5}``: ``>=`` for
            accuracy/precision/recall/f1/roc_auc/r2, ``<=`` for log_loss/rmse/mae. Empty: never approve.
        primary_metric: Metric compared with the champion (default ``roc_auc``, regression ``rmse``).
        tolerance: How much worse than the champion (in primary-metric units) is still acceptable.
        slice_column: Optional categorical column; its worst slice must not regress beyond tolerance.
        bootstrap_rounds: Paired bootstrap resamples of the holdout.
        confidence: Confidence level of the bootstrap interval (e.g. 0.95).
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        seed: Seed of the bootstrap.

    Returns:
        approved: Whether the challenger may be registered and promoted.
        reason: One sentence per check, with values and bounds.
        champion_version: The champion compared against ("" if none).
    """
    import json
    from collections import namedtuple

    from ctloop.artifacts import load_model, read_dataset
    from ctloop.components.evaluate import core
    from ctloop.registry import MlflowRegistry

    challenger, meta = load_model(model.path)
    holdout = read_dataset(holdout_data.path)
    task, target = meta["task"], meta["target"]
    registry = MlflowRegistry(tracking_uri)
    champ = registry.champion(model_name)
    champion_model = registry.load_model(model_name, champ.version) if champ else None
    decision = core.gate(
        challenger, holdout, target=target, task=task, champion=champion_model, thresholds=thresholds or {},
        primary_metric=primary_metric, tolerance=tolerance, slice_column=slice_column,
        bootstrap_rounds=bootstrap_rounds, confidence=confidence, seed=seed,
    )
    for name, value in decision.challenger_metrics.items():
        metrics.log_metric(f"challenger.{name}", round(value, 6))
    for name, value in (decision.champion_metrics or {}).items():
        metrics.log_metric(f"champion.{name}", round(value, 6))
    if decision.comparison:
        for key in ("delta", "ci_low", "ci_high"):
            metrics.log_metric(f"{decision.primary_metric}.{key}", round(decision.comparison[key], 6))
    metrics.log_metric("approved", int(decision.approved))
    metrics.metadata["champion_version"] = champ.version if champ else ""
    curves = decision.curves
    if "roc" in curves:
        classification_metrics.log_roc_curve(curves["roc"]["fpr"], curves["roc"]["tpr"], curves["roc"]["thresholds"])
    if "confusion_matrix" in curves:
        cm = curves["confusion_matrix"]
        classification_metrics.log_confusion_matrix(cm["labels"], cm["matrix"])
    with open(summary.path, "w") as fh:
        fh.write(core.render_markdown(decision))
    summary.metadata["decision"] = json.loads(json.dumps(decision.to_dict(), default=str)).get("checks", [])
    print(f"ctloop: gate {'APPROVED' if decision.approved else 'REJECTED'} "
          f"(champion {'v' + champ.version if champ else 'none'}): {decision.reason}")
    return namedtuple("EvaluateOutputs", ["approved", "reason", "champion_version"])(
        decision.approved, decision.reason, champ.version if champ else ""
    )

"""KFP interface of ``detect_drift``."""

from typing import NamedTuple, Optional

from kfp.dsl import HTML, Dataset, Input, Metrics, Output

from ctloop.kfp_support import component


@component
def detect_drift(
    current_data: Input[Dataset],
    model_name: str,
    target: str,
    time_column: str,
    drift_report: Output[HTML],
    drift_metrics: Output[Metrics],
    tracking_uri: str = "",
    drift_share: float = 0.5,
    method: str = "",
    threshold: float = -1.0,
    column_methods: Optional[dict] = None,
    column_thresholds: Optional[dict] = None,
    force_retrain: bool = False,
    report_sample_size: int = 20000,
    seed: int = 0,
) -> NamedTuple("DriftOutputs", [("drifted", bool), ("retrain", bool), ("reason", str),
                                 ("champion_version", str)]):
    """Compare the current data window with the champion's training reference.

    The statistics are evidently 0.7 DataDriftPreset's (same automatic method choice, same
    formulas and thresholds), computed column by column on the full data; evidently renders the
    HTML report on a seeded sample. Without a champion there is nothing to compare: the step
    says so and asks for training.

    Args:
        current_data: Dataset from ``prepare_data`` (its ``current_data`` output).
        model_name: Registered model whose ``champion`` alias gives the reference data.
        target: Label column (excluded from the drift columns).
        time_column: Time column (excluded from the drift columns).
        drift_report: Output HTML: evidently's data drift report (KFP UI renders it).
        drift_metrics: Output Metrics: ``drift_share``, ``n_drifted``, and per column
            ``drift_score.<column>`` and ``drifted.<column>`` (0/1).
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        drift_share: Share of drifted columns (0..1] at which the dataset counts as drifted
            (evidently's default 0.5).
        method: Method for every column: ``ks``, ``chisquare``, ``z``, ``wasserstein``,
            ``jensenshannon``, ``psi``, ``kl_div`` or ``hellinger``; empty = evidently's automatic
            choice (KS/chi-square/Z up to 1000 reference rows, normed Wasserstein/Jensen–Shannon above).
        threshold: Threshold for every column; -1 = the method's default (p-value 0.05 for tests,
            0.1 for distances).
        column_methods: Per-column methods, e.g. ``{"income": "psi"}``.
        column_thresholds: Per-column thresholds, e.g. ``{"income": 0.2}``.
        force_retrain: Ask for retraining whatever the drift verdict.
        report_sample_size: Rows per frame rendered in the HTML report (0 = all).
        seed: Seed of the report sample.

    Returns:
        drifted: Whether the dataset drifted (share of drifted columns >= ``drift_share``).
        retrain: ``drifted or force_retrain or no champion yet``.
        reason: Human-readable verdict naming the drifted columns or why retraining is asked.
        champion_version: The champion's version compared against ("" if none).
    """
    from collections import namedtuple

    from ctloop.artifacts import read_dataset
    from ctloop.components.drift import core, report
    from ctloop.registry import MlflowRegistry

    Outputs = namedtuple("DriftOutputs", ["drifted", "retrain", "reason", "champion_version"])
    current = read_dataset(current_data.path)
    registry = MlflowRegistry(tracking_uri)
    champion = registry.champion(model_name)
    if champion is None:
        reason = f"no champion yet for {model_name!r}: train the first model"
        report.placeholder_html(drift_report.path, "No drift report", reason)
        drift_metrics.log_metric("drift_share", 0.0)
        print(f"ctloop: {reason}")
        return Outputs(False, True, reason, "")

    reference = registry.load_reference(model_name, champion.version)
    skip = {target, time_column, "_ctloop_weight"}
    columns = [c for c in reference.columns if c in current.columns and c not in skip]
    result = core.detect(
        reference, current, columns=columns, drift_share=drift_share, method=method or None,
        threshold=None if threshold < 0 else threshold, column_methods=column_methods,
        column_thresholds=column_thresholds,
    )
    drift_metrics.log_metric("drift_share", round(result.share, 6))
    drift_metrics.log_metric("n_drifted", result.n_drifted)
    for col in result.columns:
        if col.score == col.score:  # not NaN
            drift_metrics.log_metric(f"drift_score.{col.column}", round(col.score, 6))
        drift_metrics.log_metric(f"drifted.{col.column}", int(col.drifted))
    drift_metrics.metadata["methods"] = {c.column: f"{c.method}@{c.threshold:g}" for c in result.columns}
    info = report.render_html(
        reference, current, columns=[c.column for c in result.columns], path=drift_report.path,
        sample_size=report_sample_size, seed=seed, drift_share=drift_share, method=method or None,
        threshold=None if threshold < 0 else threshold, column_methods=column_methods,
        column_thresholds=column_thresholds,
    )
    drift_report.metadata.update(info)
    drift_report.metadata["engine"] = result.engine
    drift_report.metadata["champion_version"] = champion.version
    retrain = result.drifted or force_retrain
    reason = result.reason + (" (retraining forced)" if force_retrain and not result.drifted else "")
    print(f"ctloop: drift vs champion v{champion.version}: {reason}")
    return Outputs(result.drifted, retrain, reason, champion.version)

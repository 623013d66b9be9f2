"""KFP interface of ``detect_drift``: a thin adapter over ``core.detect`` and ``report.render_html``."""

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
    correction: str = "",
    calibration_rounds: int = 0,
) -> NamedTuple(
    "DriftOutputs",
    [("drifted", bool), ("retrain", bool), ("reason", str), ("champion_version", str)],
):
    """Compare the current data window with the champion's training reference.

    The statistics are evidently 0.7 DataDriftPreset's (same automatic method choice, formulas
    and thresholds), computed column by column with NumPy on all rows; evidently renders the
    HTML report on a seeded sample with the same per-column methods and thresholds. The columns
    compared are those present in both the reference and the current data, without ``target``,
    ``time_column`` and ``_ctloop_weight``. Without a champion there is nothing to compare: the
    step says so and asks for training.

    Args:
        current_data: Dataset (Parquet) from ``prepare_data`` (its ``current_data`` output).
        model_name: Registered MLflow model whose ``champion`` alias gives the reference data
            (the reference sample logged with the champion's training run).
        target: Label column; not compared.
        time_column: Time column; not compared.
        drift_report: Output HTML: evidently's data drift report on a sample (the KFP UI renders
            it), or a short page saying why there is none. Metadata: ``report_sample_size``,
            ``report_seed``, rows rendered per side (``report_reference_rows``,
            ``report_current_rows``), all rows (``reference_rows``, ``current_rows``),
            ``engine`` and ``champion_version``.
        drift_metrics: Output Metrics: ``drift_share`` (share of drifted columns), ``n_drifted``,
            and per column ``drift_score_<column>`` (p-value or distance; absent when a side
            has no values) and ``drifted_<column>`` (0/1). Metadata ``methods`` and
            ``thresholds`` map each column to the method and threshold used; ``correction``
            and ``calibration`` record how thresholds were adjusted (``None`` when not).
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the
            environment, else ``sqlite:///mlflow.db``.
        drift_share: Share of drifted columns, in (0, 1], at which the dataset counts as drifted
            (``share >= drift_share``; evidently's default 0.5).
        method: Method for every column: ``ks``, ``chisquare``, ``z``, ``wasserstein``,
            ``jensenshannon``, ``psi``, ``kl_div`` or ``hellinger`` (``ks``/``wasserstein`` need
            numeric columns, ``chisquare``/``z`` categorical ones); empty = evidently's automatic
            choice: up to 1000 reference rows KS (numeric, > 5 values) or chi-square/Z;
            above, normed Wasserstein (numeric, > 5 values) or Jensen–Shannon.
        threshold: Threshold for every column; -1 (any negative) = the method's default
            (p-value 0.05 for ``ks``/``chisquare``/``z``, 0.1 for the distances). A p-value
            column drifts below the threshold, a distance column at or above it.
        column_methods: Per-column methods, e.g. ``{"income": "psi"}``; win over ``method``.
        column_thresholds: Per-column thresholds, e.g. ``{"income": 0.2}``; win over
            ``threshold``.
        force_retrain: Ask for retraining whatever the drift verdict.
        report_sample_size: Rows per frame rendered in the HTML report (0 = all rows). The
            verdict always uses all rows.
        seed: Seed of the report's row sample and of the calibration splits.
        correction: Multiple-testing correction across the p-value columns (``ks``,
            ``chisquare``, ``z``): ``bonferroni`` (threshold / number of such columns), ``fdr``
            (Benjamini–Hochberg adjusted p-values vs the threshold) or empty (none, as
            evidently). Distances are never corrected.
        calibration_rounds: When > 0, per-column thresholds are calibrated on the reference
            itself: it is split at random this many times into a part of the current window's
            size and the rest, and each column's threshold becomes the 95th percentile of its
            no-drift statistic (5th for p-values), never looser than the method's default.
            Replaces ``column_thresholds``; recorded per column in the Metrics metadata
            ``calibration``. Costs ``calibration_rounds`` extra comparisons.

    Returns:
        drifted: Whether the dataset drifted (share of drifted columns >= ``drift_share``);
            False when there is no champion.
        retrain: ``drifted or force_retrain or no champion yet``.
        reason: Human-readable verdict naming the drifted columns and why retraining is (not)
            asked.
        champion_version: The champion's model version compared against ("" if none).
    """
    from collections import namedtuple

    from ctloop.artifacts import read_dataset
    from ctloop.columns import RESERVED_TRAINING
    from ctloop.drift import engine as core
    from ctloop.drift import report
    from ctloop.registry import MlflowRegistry

    outputs = namedtuple("DriftOutputs", ["drifted", "retrain", "reason", "champion_version"])
    method_arg = method or None
    threshold_arg = None if threshold < 0 else float(threshold)

    current = read_dataset(current_data.path)
    registry = MlflowRegistry(tracking_uri)
    champion = registry.champion(model_name)
    if champion is None:
        reason = (
            f"no champion yet: train the first model (model {model_name!r} has no 'champion' alias)"
        )
        report.placeholder_html(drift_report.path, "No drift report yet", reason)
        drift_report.metadata.update({"champion_version": "", "engine": core.ENGINE})
        drift_metrics.log_metric("drift_share", 0.0)
        drift_metrics.log_metric("n_drifted", 0)
        print(f"ctloop detect_drift: {reason}")
        return outputs(False, True, reason, "")

    reference = registry.load_reference(model_name, champion.version)
    skip = {target, time_column, *RESERVED_TRAINING}
    columns = [c for c in reference.columns if c in current.columns and c not in skip]
    options = {
        "columns": columns,
        "drift_share": drift_share,
        "method": method_arg,
        "threshold": threshold_arg,
        "column_methods": column_methods,
        "column_thresholds": column_thresholds,
        "correction": correction or None,
    }
    calibration = None
    if calibration_rounds > 0:
        result, calibration = core.detect_calibrated(
            reference, current, rounds=calibration_rounds, seed=seed, **options
        )
    else:
        result = core.detect(reference, current, **options)

    drift_metrics.log_metric("drift_share", round(result.share, 6))
    drift_metrics.log_metric("n_drifted", result.n_drifted)
    for col in result.columns:
        if col.score == col.score:  # NaN when a side had no values: not a number to plot
            drift_metrics.log_metric(f"drift_score_{col.column}", round(col.score, 6))
        drift_metrics.log_metric(f"drifted_{col.column}", int(col.drifted))
    drift_metrics.metadata["methods"] = {c.column: c.method for c in result.columns}
    drift_metrics.metadata["thresholds"] = {
        c.column: (c.threshold if c.threshold == c.threshold else None) for c in result.columns
    }
    drift_metrics.metadata["correction"] = result.correction
    drift_metrics.metadata["calibration"] = (
        None if calibration is None else {"rounds": calibration_rounds, "seed": seed, "columns": calibration}
    )

    # same columns, per-column methods, thresholds and kinds as the verdict, on a seeded sample
    info = report.render_html(
        reference,
        current,
        path=drift_report.path,
        sample_size=report_sample_size,
        seed=seed,
        **report.options_from_result(result),
    )
    drift_report.metadata.update(info)
    drift_report.metadata.update({"engine": result.engine, "champion_version": champion.version})

    retrain = result.drifted or force_retrain
    reason = result.reason
    if force_retrain and not result.drifted:
        reason += "; retraining forced (force_retrain)"
    elif force_retrain:
        reason += "; retraining (also forced)"
    print(f"ctloop detect_drift vs champion v{champion.version}: {reason}")
    return outputs(result.drifted, retrain, reason, champion.version)

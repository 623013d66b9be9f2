"""KFP interface of ``detect_drift``: a thin adapter over ``core.judge`` and the HTML report."""

from typing import NamedTuple, Optional

from kfp.dsl import HTML, Dataset, Input, Metrics, Output

from ctloop.kfp_support import component


@component
def detect_drift(
    current_data: Input[Dataset],
    model_name: str,
    data: dict,
    drift_report: Output[HTML],
    drift_metrics: Output[Metrics],
    drift: Optional[dict] = None,
    tracking_uri: str = "",
) -> NamedTuple(
    "DriftOutputs",
    [("drifted", bool), ("retrain", bool), ("reason", str), ("champion_version", str)],
):
    """Compare the current data window with the champion's training reference.

    The statistics are evidently 0.7 DataDriftPreset's (same automatic method choice, formulas
    and thresholds), computed column by column with NumPy on all rows; evidently renders the
    HTML report on a seeded sample with the same per-column methods and thresholds. The columns
    compared are those present in both the reference and the current data, without the target,
    the time column and ``_ctloop_weight``; datetime columns are compared as seconds, and the
    time column and columns no method can compare (lists, dicts) are recorded as skipped.
    Without a champion there is nothing to compare: the step says so and asks for training.

    Args:
        current_data: Dataset (Parquet) from ``prepare_data`` (its ``current_data`` output).
        model_name: Registered MLflow model whose ``champion`` alias gives the reference data
            (the reference sample logged with the champion's training run).
        data: The ``data`` section (``ctloop.config.DataConfig``): its ``target`` and
            ``time_column`` are not compared.
        drift_report: Output HTML: evidently's data drift report on a sample (the KFP UI renders
            it), or a short page saying why there is none (no champion, no column to compare, fewer
            than 30 rows on a side, or evidently's report failed: ``report_error`` names the failure; the verdict stands). Metadata: ``report_sample_size``,
            ``report_seed``, rows rendered per side (``report_reference_rows``,
            ``report_current_rows``), all rows (``reference_rows``, ``current_rows``),
            ``engine`` and ``champion_version``.
        drift_metrics: Output Metrics: ``drift_share`` (share of drifted columns), ``n_drifted``,
            and per column ``drift_score_<column>`` (p-value or distance; absent when a side
            has no values) and ``drifted_<column>`` (0/1); with fewer than 30 rows on a side
            (``ctloop.drift.engine.MIN_ROWS``) no verdict, only ``current_rows`` and
            ``reference_rows`` (a column missing from the current data still decides:
            ``drift_share`` 1, ``n_drifted`` 0 and ``missing_columns``). Metadata ``methods`` and
            ``thresholds`` map each column to the method and threshold used; ``correction``
            and ``calibration`` record how thresholds were adjusted (``None`` when not);
            ``skipped`` lists the columns not compared (``column``, ``dtype``, ``reason``).
        drift: The ``drift`` section (``ctloop.config.DriftConfig``; docs/configuration.md):
            ``share``, ``method``, ``threshold``, ``column_methods``, ``column_thresholds``,
            ``correction``, ``calibration_rounds``, ``force_retrain``, ``report_sample_size``,
            ``seed``; empty = the defaults.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the
            environment, else ``sqlite:///mlflow.db``.

    Returns:
        drifted: Whether the dataset drifted (share of drifted columns >= ``drift.share``);
            False when there is no champion or too few rows for a verdict, unless a reference
            column is missing.
        retrain: ``drifted or force_retrain or no champion yet``.
        reason: Human-readable verdict naming the drifted columns and why retraining is (not)
            asked.
        champion_version: The champion's model version compared against ("" if none).
    """
    from collections import namedtuple

    from ctloop.artifacts import read_dataset
    from ctloop.components.drift import core
    from ctloop.config import DataConfig, DriftConfig
    from ctloop.drift import engine, report
    from ctloop.registry import MlflowRegistry

    Outputs = namedtuple("DriftOutputs", ["drifted", "retrain", "reason", "champion_version"])
    data_cfg, cfg = DataConfig.from_dict(data), DriftConfig.from_dict(drift)
    current = read_dataset(current_data.path)
    registry = MlflowRegistry(tracking_uri)
    champion = registry.champion(model_name)
    if champion is None:
        decision = core.no_champion(model_name)
    else:
        reference = registry.load_reference(model_name, champion.version)
        decision = core.judge(reference, current, cfg, target=data_cfg.target, time_column=data_cfg.time_column)
    if decision.result is None:  # no champion, no column left to compare, or too few rows for a verdict
        report.placeholder_html(drift_report.path, "No drift report", decision.reason)
    else:
        rendered = report.render_or_say_why(
            *(decision.judged or (reference, current)), path=drift_report.path, sample_size=cfg.report_sample_size, seed=cfg.seed,
            **report.options_from_result(decision.result))
        drift_report.metadata.update(rendered)
        if "report_error" in rendered:  # the page says so; the verdict below stands
            print(f"ctloop detect_drift: WARNING: evidently's report failed ({rendered['report_error']})")
    for key, value in decision.metrics.items():
        drift_metrics.log_metric(key, value)
    drift_metrics.metadata.update(decision.metadata)
    version = champion.version if champion is not None else ""
    drift_report.metadata.update({"engine": engine.ENGINE, "champion_version": version})
    print(f"ctloop detect_drift vs champion v{version or '-'}: {decision.reason}")
    return Outputs(decision.drifted, decision.retrain, decision.reason, version)

"""``detect_drift``'s decision: the current window against the champion's training reference.

KFP-free. :func:`judge` runs the drift engine (:mod:`ctloop.drift.engine`) with the ``drift``
section's settings over the columns both frames share (not the target, the time column or reserved
columns) and decides whether to retrain: drifted, forced (``force_retrain``), or no champion yet. A
reference feature column the current window lacks is a schema change: drift, named in the reason.
Datetime columns other than the time column are compared as seconds; the time column and columns
no method can compare (lists, dicts) are listed in the metadata's ``skipped``, and the reason names
the latter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.columns import RESERVED_TRAINING
from ctloop.config import DriftConfig

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ctloop.drift.engine import DriftResult


@dataclass
class DriftDecision:
    drifted: bool
    retrain: bool
    reason: str
    result: DriftResult | None = None
    calibration: dict[str, Any] | None = None
    metrics: dict[str, float] = field(default_factory=dict)  # drift_share, n_drifted, per-column scores
    metadata: dict[str, Any] = field(default_factory=dict)  # methods, thresholds, correction, calibration
    # (reference, current) as judged when values were left out (unusable_values): the report draws these
    judged: tuple[Any, Any] | None = field(default=None, repr=False)


def no_champion(model_name: str) -> DriftDecision:
    reason = f"no champion yet: train the first model (model {model_name!r} has no 'champion' alias)"
    return DriftDecision(False, True, reason, metrics={"drift_share": 0.0, "n_drifted": 0})


def compared_columns(reference: pd.DataFrame, current: pd.DataFrame, *, target: str, time_column: str) -> list[str]:
    skip = {target, time_column, *RESERVED_TRAINING}
    return [c for c in reference.columns if c in current.columns and c not in skip]


def missing_columns(reference: pd.DataFrame, current: pd.DataFrame, *, target: str, time_column: str) -> list[str]:
    """The reference's feature columns the current window lacks: a schema change, judged as drift."""
    skip = {target, time_column, *RESERVED_TRAINING}
    return [c for c in reference.columns if c not in current.columns and c not in skip]


def unusable_values(reference: pd.DataFrame, current: pd.DataFrame, columns: list[str]
                    ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """``(reference, current, notes)`` with the ±inf and the finite values beyond
    ±:data:`ctloop.metrics.LARGEST_VALUE` of ``columns`` left out (null), each noted (``"x: 3
    infinite value(s) in the current window"``): the statistics drop ±inf silently and overflow
    float64 on the others (a Wasserstein score of 0 for a real shift, a histogram numpy cannot bin).
    ``ctloop drift`` refuses them; here the column is still judged on its other values, because the
    reference is the champion's training sample (a refusal would fail every later run of the
    pipeline, a forced retraining included, for values ``prepare_data`` accepted) and one bad row of
    a window must not hide the column's drift."""
    import numpy as np

    from ctloop.drift import engine
    from ctloop.metrics import LARGEST_VALUE

    notes: list[str] = []
    out = []
    for side, frame in (("the reference", reference), ("the current window", current)):
        infinite = engine.infinite_values(frame, columns)
        extreme = engine.extreme_values(frame, columns, current)
        masked = {}
        for col in dict.fromkeys([*infinite, *extreme]):
            if frame[col].dtype == object and not engine.compared_as_numbers(frame[col], current[col]):
                # text, or categories (plain numbers compared as categories against a current column of them)
                bad = frame[col].isin([np.inf, -np.inf]).to_numpy()
            else:  # numbers (also plain numbers stored as objects compared as numbers, engine.compared_as_numbers)
                values = engine.float64_values(frame[col])
                bad = ~np.isfinite(values) | (np.abs(values) > LARGEST_VALUE)
                bad &= ~np.isnan(values)
            masked[col] = frame[col].mask(bad)
            if col in infinite:
                notes.append(f"{col}: {infinite[col]} infinite value(s) in {side}")
            if col in extreme:
                notes.append(f"{col}: {int(bad.sum()) - infinite.get(col, 0)} value(s) beyond ±{LARGEST_VALUE:g} in "
                             f"{side}, e.g. {extreme[col]:g}")
        out.append(frame.assign(**masked) if masked else frame)
    return out[0], out[1], notes


def too_few_rows(reference_rows: int, current_rows: int) -> str:
    """Why a side is too small for a drift verdict (fewer than :data:`ctloop.drift.engine.MIN_ROWS`
    rows, the minimum ``ctloop drift`` refuses under), or ``""``: a statistic on a handful of rows is
    noise (ten rows of a three-valued column were called drifted) and no rows cannot be compared (a
    quiet hour of a short ``data.current_window`` failed the step)."""
    from ctloop.drift.engine import MIN_ROWS

    for side, rows, fix in (("current window", current_rows, "widen data.current_window"),
                            ("champion's reference sample", reference_rows, "train the champion on more rows")):
        if rows < MIN_ROWS:
            return (f"the {side} has {rows} row{'' if rows == 1 else 's'}, and a drift check needs at least "
                    f"{MIN_ROWS} per side (a test on fewer is noise): {fix}")
    return ""


def judge(reference: pd.DataFrame, current: pd.DataFrame, cfg: DriftConfig, *, target: str,
          time_column: str) -> DriftDecision:
    """Drift of ``current`` against ``reference`` and the retraining decision (see the module doc)."""
    from ctloop.drift import engine

    missing = missing_columns(reference, current, target=target, time_column=time_column)
    columns = compared_columns(reference, current, target=target, time_column=time_column)
    schema = ("schema changed: the champion's reference column(s) " + ", ".join(repr(c) for c in missing)
              + " are missing from the current window") if missing else ""
    few = too_few_rows(len(reference), len(current))
    if (not columns or few) and missing:  # nothing (or too few rows) to compare: the schema change decides alone
        metrics = {"drift_share": 1.0, "n_drifted": 0, "missing_columns": len(missing)}
        return DriftDecision(True, True, schema + "; " + (few or "no shared feature column to compare"), None, None,
                             metrics, {"missing_columns": missing})
    if few:
        forced = "; retraining forced (force_retrain)" if cfg.force_retrain else ""
        return DriftDecision(False, cfg.force_retrain, f"no drift verdict: {few}{forced}",
                             metrics={"current_rows": len(current), "reference_rows": len(reference)})
    options = {"columns": columns, "drift_share": cfg.share, "method": cfg.method or None, "threshold": cfg.threshold,
               # a setting of a column the window lacks is not an error here: the schema change is the verdict
               "column_methods": {c: v for c, v in cfg.column_methods.items() if c not in missing},
               "column_thresholds": {c: v for c, v in cfg.column_thresholds.items() if c not in missing},
               "correction": cfg.correction or None,
               "time_column": time_column if time_column in reference.columns or time_column in current.columns
               else None}
    reference, current, left_out = unusable_values(reference, current, columns)
    calibration = None
    if cfg.calibration_rounds > 0:
        result, calibrated = engine.detect_calibrated(reference, current, rounds=cfg.calibration_rounds,
                                                      seed=cfg.seed, **options)
        calibration = {"rounds": cfg.calibration_rounds, "seed": cfg.seed, "columns": calibrated}
    else:
        result = engine.detect(reference, current, **options)
    metrics: dict[str, float] = {"drift_share": round(result.share, 6), "n_drifted": result.n_drifted,
                                 "missing_columns": len(missing)}
    for col in result.columns:
        if col.score == col.score:  # NaN when a side had no values: not a number to plot
            metrics[f"drift_score_{col.column}"] = round(col.score, 6)
        metrics[f"drifted_{col.column}"] = int(col.drifted)
    metadata = {"methods": {c.column: c.method for c in result.columns},
                "thresholds": {c.column: (c.threshold if c.threshold == c.threshold else None) for c in result.columns},
                "correction": result.correction, "calibration": calibration, "missing_columns": missing,
                "skipped": [asdict(s) for s in result.skipped]}
    drifted = result.drifted or bool(missing)
    reason = f"{schema}; {result.reason}" if missing else result.reason
    metadata["left_out_values"] = left_out
    if left_out:
        reason += "; left out, the statistics cannot use them: " + "; ".join(left_out)
    metadata["warnings"] = result.warnings
    warned = [c for c in result.columns if c.warning]
    heavy = [engine.shown_name(c.column) for c in warned if c.method == "wasserstein"]
    sparse = [engine.shown_name(c.column) for c in warned if c.method != "wasserstein"]
    for names, why in ((sparse, "with too many distinct values for their rows"),
                       (heavy, "of a heavy tail by Wasserstein, not by KS")):  # fmt: skip
        # evidently's verdict, kept; what it is worth is said (the lines: metadata "warnings")
        if names:
            reason += (f"; {len(names)} drifted column(s) {why}, whose DRIFT says little (metadata "
                       f"'warnings'): {', '.join(names[:8])}{'…' if len(names) > 8 else ''}")  # fmt: skip
    unsupported = [s for s in result.skipped if s.reason != engine.TIME_COLUMN]
    if unsupported:  # the time column is never a feature: said in the metadata only
        reason += f"; {engine.skipped_line(unsupported)}"
    if cfg.force_retrain:
        reason += "; retraining (also forced)" if drifted else "; retraining forced (force_retrain)"
    return DriftDecision(drifted, drifted or cfg.force_retrain, reason, result, calibration, metrics, metadata,
                         (reference, current) if left_out else None)


__all__ = ["DriftDecision", "no_champion", "compared_columns", "missing_columns", "unusable_values", "too_few_rows",
           "judge"]

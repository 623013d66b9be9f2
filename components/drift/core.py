"""Data drift between a reference frame (the champion's training data) and the current window.

KFP-free. ``detect`` computes evidently's DataDriftPreset statistics column by column
(``stats.py``) and applies evidently's dataset rule: the dataset drifts when the share of
drifted columns is at least ``drift_share`` (default 0.5).

Column kinds follow evidently: numeric dtypes (not bool) are numeric; object, string,
category and bool columns are categorical; datetime columns are skipped.

Optional ``correction`` for p-value methods across columns: ``bonferroni`` (threshold / m) or
``fdr`` (Benjamini–Hochberg adjusted p-values against the threshold).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.components.drift import stats
from ctloop.errors import ConfigError, DriftError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

CORRECTIONS = ("bonferroni", "fdr")
ENGINE = "ctloop-numpy (evidently 0.7 DataDriftPreset rules)"


@dataclass
class ColumnDrift:
    column: str
    kind: str
    method: str
    score: float
    threshold: float
    drifted: bool
    detail: str = ""


@dataclass
class DriftResult:
    drifted: bool
    share: float
    n_drifted: int
    n_columns: int
    drift_share: float
    reason: str
    columns: list[ColumnDrift] = field(default_factory=list)
    engine: str = ENGINE
    correction: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def column_kind(series: pd.Series) -> str | None:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        return None
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return "categorical"
    return "numeric"


def _clean(series: pd.Series, kind: str):
    import numpy as np

    if kind == "numeric":
        arr = series.to_numpy(dtype=float, na_value=np.nan)
        return arr[np.isfinite(arr)]
    values = series.dropna()
    if str(values.dtype) in ("category", "string"):
        return values.astype(object).to_numpy()
    return values.to_numpy()


def _bh_adjust(pvalues: list[float]) -> list[float]:
    import numpy as np

    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out.tolist()


def detect(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    drift_share: float = 0.5,
    method: str | None = None,
    threshold: float | None = None,
    column_methods: dict[str, str] | None = None,
    column_thresholds: dict[str, float] | None = None,
    correction: str | None = None,
    max_workers: int | None = None,
) -> DriftResult:
    """Per-column drift and the dataset verdict; see the module doc.

    ``max_workers`` caps the threads computing columns in parallel (default: one per CPU).
    """
    column_methods = dict(column_methods or {})
    column_thresholds = dict(column_thresholds or {})
    if not 0.0 < drift_share <= 1.0:
        raise ConfigError(f"drift_share must be in (0, 1], got {drift_share}")
    if method is not None and method not in stats.METHODS:
        raise ConfigError(f"unknown drift method {method!r}; choose one of {', '.join(stats.METHODS)}")
    if correction not in (None, *CORRECTIONS):
        raise ConfigError(f"correction must be one of {', '.join(CORRECTIONS)}, got {correction!r}")
    if columns is None:
        columns = [c for c in reference.columns if c in current.columns]
    for name in columns:
        for frame, side in ((reference, "reference"), (current, "current")):
            if name not in frame.columns:
                raise ConfigError(f"drift column {name!r} is missing from the {side} data")
    for name, m in column_methods.items():
        if name not in columns:
            raise ConfigError(f"column_methods names {name!r}, which is not a compared column ({', '.join(columns)})")
        if m not in stats.METHODS:
            raise ConfigError(f"column_methods[{name!r}] = {m!r} is not a method; choose one of {', '.join(stats.METHODS)}")
    for name in column_thresholds:
        if name not in columns:
            raise ConfigError(f"column_thresholds names {name!r}, which is not a compared column")
    if len(reference) == 0:
        raise DriftError("the reference data has no rows")
    if len(current) == 0:
        raise DriftError("the current data has no rows: nothing to compare (check the current window)")

    plan = []
    for name in columns:
        kind = column_kind(reference[name])
        if kind is None:
            continue
        m = column_methods.get(name, method)
        if m in stats.NUMERIC_ONLY and kind != "numeric":
            raise ConfigError(f"method {m!r} needs a numeric column; {name!r} is categorical")
        plan.append((name, kind, m, column_thresholds.get(name, threshold)))

    def one(item) -> ColumnDrift:
        name, kind, m, thr = item
        ref, cur = _clean(reference[name], kind), _clean(current[name], kind)
        if len(ref) == 0 or len(cur) == 0:
            empty_both = len(ref) == 0 and len(cur) == 0
            return ColumnDrift(name, kind, m or "n/a", float("nan"), thr if thr is not None else float("nan"),
                               not empty_both, "no values on either side" if empty_both else
                               f"no values in the {'reference' if len(ref) == 0 else 'current'} data")
        if kind == "categorical" and cur.dtype != ref.dtype:  # e.g. bool vs object: compare as text
            ref, cur = ref.astype(str).astype(object), cur.astype(str).astype(object)
        st = stats.column_stat(ref, cur, kind=kind, method=m, threshold=thr)
        return ColumnDrift(name, kind, st.method, st.score, st.threshold, bool(st.drifted),
                           "p-value" if st.kind == "p_value" else "distance")

    # Columns are independent and the heavy parts (sorting, hashing) release the GIL:
    # one thread per core. Order of results = order of columns.
    workers = max(1, min(len(plan), os.cpu_count() or 1, max_workers or 64))
    if workers == 1 or len(reference) + len(current) < 50_000:
        results = [one(item) for item in plan]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, plan))
    if correction:
        pcols = [r for r in results if r.method in stats.P_VALUE_METHODS and r.score == r.score]
        if pcols:
            if correction == "bonferroni":
                for r in pcols:
                    r.threshold = r.threshold / len(pcols)
                    r.drifted = bool(r.score < r.threshold)
                    r.detail = f"p-value, Bonferroni threshold over {len(pcols)} columns"
            else:
                adjusted = _bh_adjust([r.score for r in pcols])
                for r, adj in zip(pcols, adjusted, strict=True):
                    r.drifted = bool(adj < r.threshold)
                    r.detail = f"p-value, BH-adjusted {adj:.4g}"
    n = len(results)
    if n == 0:
        raise ConfigError("no comparable columns: give columns present in both frames (numeric or categorical)")
    n_drifted = sum(r.drifted for r in results)
    share = n_drifted / n
    drifted = share >= drift_share
    names = [r.column for r in results if r.drifted]
    listed = ", ".join(names[:8]) + ("…" if len(names) > 8 else "")
    reason = (f"{'drift' if drifted else 'no drift'}: {n_drifted} of {n} columns drifted "
              f"(share {share:.2f} {'>=' if drifted else '<'} {drift_share})" + (f": {listed}" if names else ""))
    return DriftResult(drifted=drifted, share=share, n_drifted=n_drifted, n_columns=n, drift_share=drift_share,
                       reason=reason, columns=results, correction=correction)


def calibrate_thresholds(
    reference: pd.DataFrame,
    *,
    columns: list[str],
    method: str | None = None,
    column_methods: dict[str, str] | None = None,
    rounds: int = 20,
    quantile: float = 0.95,
    current_size: int | None = None,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Per-column thresholds calibrated on the reference itself.

    The reference is split at random ``rounds`` times into a part B of the current window's size
    (``current_size``, at most half) and the rest A; the statistic of A vs B is what "no drift"
    looks like for that column at these sample sizes. The threshold is the ``quantile`` of those
    values (for p-value methods, the low tail), never looser than the method's default. Returns
    ``{column: {"method": m, "threshold": t, "default": d}}`` — record it with the result.
    """
    import numpy as np

    column_methods = dict(column_methods or {})
    rng = np.random.default_rng(seed)
    n = len(reference)
    if n < 20:
        raise DriftError(f"calibration needs at least 20 reference rows, got {n}")
    values: dict[str, list[float]] = {c: [] for c in columns}
    methods: dict[str, str] = {}
    m = min(current_size or n // 2, n // 2)
    for _ in range(rounds):
        order = rng.permutation(n)
        a, b = reference.iloc[order[m:]], reference.iloc[order[:m]]
        res = detect(a, b, columns=columns, method=method, column_methods=column_methods)
        for col in res.columns:
            methods[col.column] = col.method
            if col.score == col.score:
                values[col.column].append(col.score)
    out = {}
    for col, vals in values.items():
        m = methods.get(col)
        if not vals or m is None:
            continue
        p_value = m in stats.P_VALUE_METHODS
        thr = float(np.quantile(vals, 1 - quantile if p_value else quantile))
        default = stats.DEFAULT_THRESHOLDS[m]
        # never looser than the method's own default: calibration only removes false alarms
        thr = min(thr, default) if p_value else max(thr, default)
        out[col] = {"method": m, "threshold": thr, "default": default}
    return out


def format_table(result: DriftResult) -> str:
    """Plain-text per-column table (CLI)."""
    rows = [("column", "kind", "method", "score", "threshold", "drifted")]
    for c in result.columns:
        rows.append((c.column, c.kind, c.method, f"{c.score:.4g}", f"{c.threshold:.4g}", "DRIFT" if c.drifted else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + f"\n\n{result.reason}\n"


__all__ = ["CORRECTIONS", "ColumnDrift", "DriftResult", "column_kind", "detect", "calibrate_thresholds", "format_table"]

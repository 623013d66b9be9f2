"""Per-column drift statistics, computed on NumPy arrays with evidently 0.7's exact rules.

Evidently's DataDriftPreset is the reference for *what* is computed (see
``evidently/legacy/calculations/stattests``); this module computes the same numbers directly on
arrays, column by column, without evidently's per-column pandas copies, correlation matrices and
plot data. The automatic choice of method is evidently's ``_get_default_stattest``:

=====================  ==========================  =========================================
reference rows         numeric column              categorical column
=====================  ==========================  =========================================
<= 1000                KS (> 5 unique values);     chi-square (> 2 unique values);
                       chi-square (3–5); Z (<= 2)  Z-test (<= 2)
> 1000                 normed Wasserstein          Jensen–Shannon
                       (> 5 unique); JS (<= 5)
=====================  ==========================  =========================================

Unique values are counted over reference and current together. Default thresholds: p-value
0.05 for ``ks``/``chisquare``/``z`` (drift when p < 0.05, or <= for KS), distance 0.1 for
``wasserstein``/``jensenshannon``/``psi``/``kl_div``/``hellinger`` (drift when score >= 0.1).

Nulls and ±inf are dropped per column before testing, as evidently does. Evidently refuses a
column that is empty after that; here an empty side is reported instead: both sides empty →
not drifted, one side empty → drifted (the column disappeared or appeared), score NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

P_VALUE_METHODS = frozenset({"ks", "chisquare", "z"})
DISTANCE_METHODS = frozenset({"wasserstein", "jensenshannon", "psi", "kl_div", "hellinger"})
METHODS = tuple(sorted(P_VALUE_METHODS | DISTANCE_METHODS))
NUMERIC_ONLY = frozenset({"ks", "wasserstein"})
DEFAULT_THRESHOLDS = {m: 0.05 for m in P_VALUE_METHODS} | {m: 0.1 for m in DISTANCE_METHODS}
SMALL_REFERENCE_ROWS = 1000
N_BINS_DISCRETE_LIMIT = 20  # evidently bins numeric columns with > 20 unique reference values


@dataclass(frozen=True)
class ColumnStat:
    method: str
    score: float
    threshold: float
    drifted: bool
    kind: str  # "p_value" or "distance"


def default_method(kind: str, ref_rows: int, n_unique: int) -> str:
    """Evidently's automatic method choice (see module doc)."""
    if ref_rows <= SMALL_REFERENCE_ROWS:
        if kind == "numeric" and n_unique > 5:
            return "ks"
        return "chisquare" if n_unique > 2 else "z"
    if kind == "numeric" and n_unique > 5:
        return "wasserstein"
    return "jensenshannon"


def _codes(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer codes of the values of both sides (one hash pass, no sort)."""
    import pandas as pd

    codes, uniques = pd.factorize(np.concatenate([ref, cur]), sort=False)
    return codes[: len(ref)], codes[len(ref) :], len(uniques)


def _counts(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts of every value seen on either side (aligned)."""
    rc, cc, k = _codes(ref, cur)
    return np.bincount(rc, minlength=k).astype(float), np.bincount(cc, minlength=k).astype(float)


def count_unique(values: np.ndarray, limit: int) -> int:
    """Exact number of distinct values when it is <= ``limit``, else some number > ``limit``.

    A prefix is hashed first: columns with many distinct values (the common case) stop there.
    """
    import pandas as pd

    head = values[: 4 * (limit + 1) * 64]
    if len(pd.unique(head)) > limit:
        return len(pd.unique(head))
    return len(pd.unique(values))


def _binned(ref: np.ndarray, cur: np.ndarray, kind: str, fill_zeroes: bool) -> tuple[np.ndarray, np.ndarray]:
    """evidently's ``get_binned_data``: Sturges bins over both samples for numeric columns with
    more than 20 unique reference values, else value frequencies."""
    if kind == "numeric" and count_unique(ref, N_BINS_DISCRETE_LIMIT) > N_BINS_DISCRETE_LIMIT:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        rp = np.histogram(ref, bins)[0] / len(ref)
        cp = np.histogram(cur, bins)[0] / len(cur)
    else:
        rc, cc = _counts(ref, cur)
        rp, cp = rc / len(ref), cc / len(cur)
    if fill_zeroes:
        for arr in (rp, cp):
            nz = arr[arr != 0]
            smallest = nz.min() if len(nz) else 1.0
            arr[arr == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return rp, cp


def _ks(ref: np.ndarray, cur: np.ndarray) -> float:
    from scipy.stats import ks_2samp

    return float(ks_2samp(ref, cur)[1])


def wasserstein_1d(u: np.ndarray, v: np.ndarray) -> float:
    """First Wasserstein distance of two samples; equals ``scipy.stats.wasserstein_distance``.

    Same formula (integral of |F_u − F_v| over the merged support) with cheaper steps: each
    sample is sorted once, the two sorted runs are merged by a linear-time stable argsort, and
    both CDFs are running counts along the merge (equal values add zero-width segments, so ties
    give exactly scipy's result).
    """
    us = np.sort(u)
    vs = np.sort(v)
    both = np.concatenate([us, vs])
    order = np.argsort(both, kind="stable")
    merged = both[order]
    from_u = order < len(us)
    u_cdf = np.cumsum(from_u)[:-1] / len(us)
    v_cdf = np.cumsum(~from_u)[:-1] / len(vs)
    return float(np.sum(np.abs(u_cdf - v_cdf) * np.diff(merged)))


def _wasserstein(ref: np.ndarray, cur: np.ndarray) -> float:
    norm = max(float(np.std(ref)), 0.001)
    return wasserstein_1d(ref, cur) / norm


def _jensenshannon(ref: np.ndarray, cur: np.ndarray, kind: str) -> float:
    from scipy.spatial import distance

    rp, cp = _binned(ref, cur, kind, fill_zeroes=False)
    return float(distance.jensenshannon(rp, cp))


def _psi(ref: np.ndarray, cur: np.ndarray, kind: str) -> float:
    rp, cp = _binned(ref, cur, kind, fill_zeroes=True)
    return float(np.sum((rp - cp) * np.log(rp / cp)))


def _kl_div(ref: np.ndarray, cur: np.ndarray, kind: str) -> float:
    from scipy.stats import entropy

    rp, cp = _binned(ref, cur, kind, fill_zeroes=True)
    return float(entropy(rp, cp))


def _hellinger(ref: np.ndarray, cur: np.ndarray, kind: str) -> float:
    if kind == "categorical":
        rc, cc = _counts(ref, cur)
        total = float(np.sum(np.sqrt((rc / len(ref)) * (cc / len(cur)))))
    else:
        keys = np.unique(np.concatenate([ref, cur]))
        bins = np.histogram_bin_edges(keys, bins="sturges")
        h1 = np.histogram(ref, bins=bins, density=True)[0]
        h2 = np.histogram(cur, bins=bins, density=True)[0]
        width = (bins.max() - bins.min()) / (len(bins) - 1)
        total = float(np.sum(np.sqrt(h1 * h2)) * width)
    return math.sqrt(1 - float(np.clip(total, 0, 1)))


def _chisquare(ref: np.ndarray, cur: np.ndarray) -> float:
    from scipy.stats import chisquare

    rc, cc = _counts(ref, cur)
    f_exp = rc * (len(cur) / len(ref))
    with np.errstate(divide="ignore", invalid="ignore"):  # a value unseen in the reference: p = 0
        return float(chisquare(cc, f_exp)[1])


def _z(ref: np.ndarray, cur: np.ndarray) -> float:
    from scipy.stats import norm

    rc, cc, k = _codes(ref, cur)
    if k == 1:
        return 1.0
    # evidently tests "not equal to the first sorted key"; the two-sided p-value is the same
    # whichever of the two keys is taken as first.
    r = (rc != 0).astype(float)
    c = (cc != 0).astype(float)
    n1, n2 = len(r), len(c)
    p1, p2 = r.sum() / n1, c.sum() / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    denom = math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    if denom == 0:
        return 1.0
    z = (p1 - p2) / denom
    return float(2 * (1 - norm.cdf(abs(z))))


def column_stat(ref: np.ndarray, cur: np.ndarray, *, kind: str, method: str | None = None,
                threshold: float | None = None) -> ColumnStat:
    """Drift statistic of one column (arrays already cleaned of null/inf)."""
    if method is None:
        n_unique = count_unique(np.concatenate([ref, cur]), 5)
        method = default_method(kind, len(ref), n_unique)
    if method not in METHODS:
        raise ValueError(method)
    thr = DEFAULT_THRESHOLDS[method] if threshold is None else float(threshold)
    if method == "ks":
        score = _ks(ref, cur)
        return ColumnStat(method, score, thr, score <= thr, "p_value")
    if method == "chisquare":
        score = _chisquare(ref, cur)
        return ColumnStat(method, score, thr, score < thr, "p_value")
    if method == "z":
        score = _z(ref, cur)
        return ColumnStat(method, score, thr, score < thr, "p_value")
    fn = {"wasserstein": lambda: _wasserstein(ref, cur), "jensenshannon": lambda: _jensenshannon(ref, cur, kind),
          "psi": lambda: _psi(ref, cur, kind), "kl_div": lambda: _kl_div(ref, cur, kind),
          "hellinger": lambda: _hellinger(ref, cur, kind)}[method]
    score = fn()
    return ColumnStat(method, score, thr, score >= thr, "distance")


__all__ = ["METHODS", "P_VALUE_METHODS", "DISTANCE_METHODS", "NUMERIC_ONLY", "DEFAULT_THRESHOLDS",
           "ColumnStat", "column_stat", "default_method"]

"""Per-column drift statistics on NumPy arrays, with evidently 0.7.23's exact rules.

Evidently's ``DataDriftPreset`` is the reference for *what* is computed (its stat tests live in
``evidently/legacy/calculations/stattests``); this module computes the same numbers directly on
the arrays (or value counts) of one column, without evidently's per-column pandas copies,
correlation matrices and plot data. Nothing here sees a DataFrame: :mod:`.core` hands over
cleaned 1-D arrays or aligned value counts.

Automatic method (evidently's ``registry._get_default_stattest``). ``rows`` is the number of
reference values left after dropping null/±inf; ``unique`` counts distinct values of reference
and current together:

=====================  ==================================  ================================
reference rows         numeric column                      categorical column
=====================  ==================================  ================================
<= 1000                ``ks`` (unique > 5),                ``chisquare`` (unique > 2),
                       ``chisquare`` (3–5), ``z`` (<= 2)    ``z`` (<= 2)
> 1000                 ``wasserstein`` (unique > 5),       ``jensenshannon``
                       ``jensenshannon`` (<= 5)
=====================  ==================================  ================================

Methods, their scores and when a column counts as drifted (default threshold in brackets):

* ``ks`` — two-sample Kolmogorov–Smirnov p-value (``scipy.stats.ks_2samp``, method ``auto``);
  drift when ``p <= threshold`` [0.05]. Numeric columns only.
* ``chisquare`` — goodness of fit of the current counts against the reference proportions
  scaled to the current size (``scipy.stats.chisquare``); a value never seen in the reference
  gives ``p = 0``. Drift when ``p < threshold`` [0.05]. Categorical columns only when asked for
  (the automatic choice also uses it for numeric columns with 3–5 values, as evidently does).
* ``z`` — two-proportion Z-test of "value != the smallest value" (two-sided); ``p = 1`` when
  both sides hold the same single value. Drift when ``p < threshold`` [0.05]. Categorical only
  when asked for (automatic choice also for numeric columns with <= 2 values).
* ``wasserstein`` — first Wasserstein distance divided by ``max(std(reference), 0.001)``
  (population std); drift when ``score >= threshold`` [0.1]. Numeric only.
* ``jensenshannon``, ``psi``, ``kl_div`` — on evidently's ``get_binned_data``: numeric columns
  with more than 20 distinct *reference* values are cut into Sturges bins over both samples
  together; anything else uses the share of every value seen on either side. ``psi`` and
  ``kl_div`` replace empty bins by ``min(non-empty share) / 1e6`` if that minimum is <= 1e-4,
  else by 1e-4 (each side separately). JS is ``scipy.spatial.distance.jensenshannon`` (natural
  log), PSI is ``sum((r - c) * ln(r / c))``, KL is ``scipy.stats.entropy(r, c)``.
  Drift when ``score >= threshold`` [0.1].
* ``hellinger`` — categorical: ``sqrt(1 - sum(sqrt(r * c)))`` over value shares; numeric:
  density histograms on Sturges bins over the *distinct* values of both sides. Drift when
  ``score >= threshold`` [0.1].

Cleaning (done by :mod:`.core`, as evidently does): nulls and ±inf are dropped per column and
side before anything is computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

P_VALUE_METHODS = frozenset({"ks", "chisquare", "z"})
DISTANCE_METHODS = frozenset({"wasserstein", "jensenshannon", "psi", "kl_div", "hellinger"})
METHODS = tuple(sorted(P_VALUE_METHODS | DISTANCE_METHODS))
NUMERIC_ONLY = frozenset({"ks", "wasserstein"})
CATEGORICAL_ONLY = frozenset({"chisquare", "z"})
# Which explicitly requested method evidently accepts for which column kind (its registry raises
# StatTestInvalidFeatureTypeError otherwise). The automatic choice is not restricted.
METHODS_BY_KIND = {
    "numeric": tuple(m for m in METHODS if m not in CATEGORICAL_ONLY),
    "categorical": tuple(m for m in METHODS if m not in NUMERIC_ONLY),
}
DEFAULT_THRESHOLDS = {m: 0.05 for m in P_VALUE_METHODS} | {m: 0.1 for m in DISTANCE_METHODS}
# evidently's display names (its snapshot and HTML show these), for cross-reference.
DISPLAY_NAMES = {
    "ks": "K-S p_value",
    "chisquare": "chi-square p_value",
    "z": "Z-test p_value",
    "wasserstein": "Wasserstein distance (normed)",
    "jensenshannon": "Jensen-Shannon distance",
    "psi": "PSI",
    "kl_div": "Kullback-Leibler divergence",
    "hellinger": "Hellinger distance",
}
SMALL_REFERENCE_ROWS = 1000  # evidently: reference rows <= 1000 -> statistical tests
DISCRETE_LIMIT = 5  # <= 5 distinct values: chi-square / Z / Jensen-Shannon instead of KS / W
BINNING_LIMIT = 20  # numeric columns with > 20 distinct reference values are binned (Sturges)
STD_FLOOR = 0.001  # Wasserstein normalisation: max(std(reference), 0.001)


@dataclass(frozen=True)
class ColumnStat:
    """The statistic of one column: ``kind`` is ``p_value`` or ``distance``."""

    method: str
    score: float
    threshold: float
    drifted: bool
    kind: str


def default_method(kind: str, ref_rows: int, n_unique: int) -> str:
    """Evidently's automatic method choice (see the module doc)."""
    if ref_rows <= SMALL_REFERENCE_ROWS:
        if kind == "numeric" and n_unique > DISCRETE_LIMIT:
            return "ks"
        return "chisquare" if n_unique > 2 else "z"
    if kind == "numeric" and n_unique > DISCRETE_LIMIT:
        return "wasserstein"
    return "jensenshannon"


def is_drift(method: str, score: float, threshold: float) -> bool:
    """Evidently's comparison per method: KS ``p <= t``; chi-square and Z ``p < t``;
    distances ``score >= t``. A NaN score is not drift."""
    if method == "ks":
        return bool(score <= threshold)
    if method in P_VALUE_METHODS:
        return bool(score < threshold)
    return bool(score >= threshold)


# ---------------------------------------------------------------------------- helpers
def count_unique(values: np.ndarray, limit: int) -> int:
    """Exact number of distinct values when it is <= ``limit``, else some number > ``limit``.

    A prefix is hashed first, so columns with many distinct values (the common case) stop after
    a few thousand elements instead of hashing millions.
    """
    import pandas as pd

    head = values[: 256 * (limit + 1)]
    n_head = len(pd.unique(head))
    if n_head > limit or len(head) == len(values):
        return n_head
    return len(pd.unique(values))


def count_unique2(ref: np.ndarray, cur: np.ndarray, limit: int) -> int:
    """:func:`count_unique` of ``ref`` and ``cur`` together (concatenates only small sets)."""
    import pandas as pd

    n = count_unique(ref, limit)
    if n > limit:
        return n
    n_cur = count_unique(cur, limit)
    if n_cur > limit:
        return n_cur
    return len(pd.unique(np.concatenate([pd.unique(ref), pd.unique(cur)])))


def counts_of(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aligned counts of every value seen on either side, and those values: one hash pass
    (``pandas.factorize``) over both sides, no sort. Nulls must already be gone."""
    import pandas as pd

    codes, keys = pd.factorize(np.concatenate([ref, cur]), sort=False)
    k = len(keys)
    rc = np.bincount(codes[: len(ref)], minlength=k)
    cc = np.bincount(codes[len(ref) :], minlength=k)
    return rc, cc, np.asarray(keys, dtype=object)


def _fill_zeroes(shares: np.ndarray) -> np.ndarray:
    """Evidently's ``feel_zeroes``: empty bins get ``min(non-empty)/1e6`` if that minimum is
    <= 1e-4, else 1e-4."""
    shares = np.array(shares, dtype=float)
    smallest = shares[shares != 0].min()  # a side has >= 1 value, so some share is > 0
    shares[shares == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return shares


def binned_shares(
    ref: np.ndarray, cur: np.ndarray, kind: str, *, fill_zeroes: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Evidently's ``get_binned_data`` on value arrays: shares per Sturges bin (numeric, > 20
    distinct reference values) or per value, empty bins optionally filled (module doc)."""
    if kind == "numeric" and count_unique(ref, BINNING_LIMIT) > BINNING_LIMIT:
        both = np.concatenate([ref, cur])
        try:
            bins = np.histogram_bin_edges(both, bins="sturges")
            rp = np.histogram(ref, bins)[0] / len(ref)
            cp = np.histogram(cur, bins)[0] / len(cur)
        except ValueError:  # values a few float steps apart (hellinger_numeric): bin the exact differences
            lo = float(both.min())
            if lo == 0 or not np.isfinite(both).all():  # NaN/inf: numpy's own error, not a retry
                raise
            return binned_shares(ref - lo, cur - lo, kind, fill_zeroes=fill_zeroes)
    else:
        rc, cc, _ = counts_of(ref, cur)
        rp, cp = rc / len(ref), cc / len(cur)
    if fill_zeroes:
        rp, cp = _fill_zeroes(rp), _fill_zeroes(cp)
    return rp, cp


def _distance_from_shares(method: str, rp: np.ndarray, cp: np.ndarray) -> float:
    if method == "jensenshannon":
        from scipy.spatial import distance

        return float(distance.jensenshannon(rp, cp))
    if method == "psi":
        rp, cp = _fill_zeroes(rp), _fill_zeroes(cp)
        return float(np.sum((rp - cp) * np.log(rp / cp)))
    if method == "kl_div":
        from scipy.stats import entropy

        return float(entropy(_fill_zeroes(rp), _fill_zeroes(cp)))
    if method == "hellinger":
        return math.sqrt(1 - float(np.clip(np.sum(np.sqrt(rp * cp)), 0, 1)))
    raise ValueError(f"method {method!r} is not a distance over shares")


# ------------------------------------------------------------- statistics from value counts
def _first_key_index(keys: np.ndarray) -> int:
    """Position of the smallest key (evidently's Z-test tests "value != sorted(keys)[0]")."""
    values = list(keys)
    try:
        first = min(values)
    except TypeError:  # mixed types cannot be ordered: order by text (evidently would fail)
        first = min(values, key=str)
    return values.index(first)


def _z_from_counts(rc: np.ndarray, cc: np.ndarray, keys: np.ndarray) -> float:
    from scipy.stats import norm

    if len(keys) == 1:  # the same single value on both sides
        return 1.0
    first = _first_key_index(keys)
    n1, n2 = float(rc.sum()), float(cc.sum())
    p1 = (n1 - rc[first]) / n1
    p2 = (n2 - cc[first]) / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    denom = math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    if denom == 0:  # cannot happen with >= 2 seen values; kept for safety
        return 1.0
    return float(2 * (1 - norm.cdf(abs((p1 - p2) / denom))))


def counts_stat(
    ref_counts: np.ndarray,
    cur_counts: np.ndarray,
    keys: np.ndarray,
    *,
    method: str | None = None,
    threshold: float | None = None,
) -> ColumnStat:
    """Drift statistic of a categorical column from its aligned value counts.

    ``ref_counts[i]``/``cur_counts[i]`` count ``keys[i]`` on each side; list only values seen
    on at least one side, and each side needs at least one value. Every method of a categorical
    column (and chi-square/Z of a numeric one) needs only these counts, so the caller can count
    cheaply (e.g. straight from pandas category codes).
    """
    rc = np.asarray(ref_counts, dtype=float)
    cc = np.asarray(cur_counts, dtype=float)
    n_ref, n_cur = rc.sum(), cc.sum()
    if method is None:
        method = default_method("categorical", int(n_ref), len(keys))
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    thr = DEFAULT_THRESHOLDS[method] if threshold is None else float(threshold)
    if method == "chisquare":
        from scipy.stats import chisquare

        # a value unseen in the reference has expected count 0: statistic inf, p = 0 (as evidently)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = float(chisquare(cc, rc * (n_cur / n_ref))[1])
    elif method == "z":
        score = _z_from_counts(rc, cc, keys)
    elif method in ("ks", "wasserstein"):
        raise ValueError(f"method {method!r} needs the values of a numeric column, not counts")
    else:
        score = _distance_from_shares(method, rc / n_ref, cc / n_cur)
    kind_of_score = "p_value" if method in P_VALUE_METHODS else "distance"
    return ColumnStat(method, score, thr, is_drift(method, score, thr), kind_of_score)


# the largest Jensen-Shannon (natural log) and Hellinger distances: two distributions that share no
# value (scipy's jensenshannon reaches sqrt(ln 2); evidently's Hellinger, sqrt(1 - sum sqrt(p q)), 1)
DISTANCE_MAX = {"jensenshannon": math.sqrt(math.log(2)), "hellinger": 1.0}


def no_drift_score(method: str, k: int, n_ref: int, n_cur: int) -> float | None:
    """About the distance two samples of one distribution of ``k`` values score, with ``n_ref``
    and ``n_cur`` values (to leading order, whatever the values' shares: the two-sample
    chi-square statistic ``sum((p - q)**2 / p)`` is about ``2 (k - 1) / n``, ``n`` the harmonic
    mean ``2 n_ref n_cur / (n_ref + n_cur)``): Jensen-Shannon (natural log, a distance) and
    Hellinger ``sqrt((k - 1) / (4 n))``, PSI ``2 (k - 1) / n``, KL ``(k - 1) / n``; ``None`` for
    a p-value method. Checked by simulation (tests/unit/test_r44_drift_many_categories.py):
    2,000 values per side of 100 equally likely values score 0.110 by Jensen-Shannon against
    0.111 here, above its 0.1 threshold: such a column drifts with no drift. The leading order
    grows without bound in ``k`` while Jensen-Shannon cannot pass ``sqrt(ln 2)`` (two samples
    sharing no value) nor Hellinger 1: with values mostly seen once (``k`` near or above ``n``) two
    samples share almost none and score about that maximum, so the estimate is capped there
    (until round 45 200 rows a side of 10,000 values were said to score about 3.5, more than
    any two samples can)."""
    if k < 2 or n_ref <= 0 or n_cur <= 0:
        return 0.0 if method not in P_VALUE_METHODS else None
    n = 2 * n_ref * n_cur / (n_ref + n_cur)
    if method in ("jensenshannon", "hellinger"):
        return min(math.sqrt((k - 1) / (4 * n)), DISTANCE_MAX[method])
    if method == "psi":
        return 2 * (k - 1) / n
    if method == "kl_div":
        return (k - 1) / n
    return None


# the least values per category a chi-square or Z p-value of counts is read on (the textbook rule:
# expected counts of at least 5); fewer, and values one side lacks decide the test (p = 0)
MIN_VALUES_PER_CATEGORY = 5


# how far above its no-drift score (:func:`no_drift_score`) a distance of a sparse column is still
# read as noise: twice it for Jensen-Shannon and Hellinger (a square root of a chi-square-like sum),
# four times it for PSI and KL (the sum itself, about 1 + 3 sd of its no-drift spread from 3 values
# on); above, the column moved more than its sampling noise explains and its DRIFT stands unwarned
NOISE_FACTOR = {"jensenshannon": 2.0, "hellinger": 2.0, "psi": 4.0, "kl_div": 4.0}


def pooled_pvalue(ref_counts: np.ndarray, cur_counts: np.ndarray, keys: np.ndarray) -> float | None:
    """The chi-square test of homogeneity p-value of a categorical column's counts with its rare
    values pooled, or ``None`` when fewer than two groups remain. A value keeps its own group when
    both sides expect at least :data:`MIN_VALUES_PER_CATEGORY` of it under no drift (its total
    times the side's share of all values); the rare ones are pooled, in the order of their keys'
    text, into "other" groups each expecting that many on both sides (a short remainder joins the
    last). The grouping uses only the values and their totals, never which side a value came
    from, so the test keeps its level with no drift. It sees a change between groups only: a
    side's values the other lacks fall into groups of their own when their text sorts apart from
    the other side's (80 codes ``v…`` replaced by 80 ``w…``: p ≈ 4e-92), but new codes that sort
    beside the old ones (``SKU-001-A`` replaced by ``SKU-001-B``) share groups with them and the
    complete replacement scores p = 0.998 with each code twice. A pooled p-value that does not
    drift cannot tell drift from noise; it never shows there is none."""
    from scipy.stats import chi2_contingency

    rc = np.asarray(ref_counts, dtype=float)
    cc = np.asarray(cur_counts, dtype=float)
    n_ref, n_cur = rc.sum(), cc.sum()
    if n_ref <= 0 or n_cur <= 0:
        return None
    total = rc + cc
    per_side = total * min(n_ref, n_cur) / (n_ref + n_cur)
    common = per_side >= MIN_VALUES_PER_CATEGORY
    groups = [(rc[i], cc[i]) for i in np.flatnonzero(common)]
    rare = sorted(np.flatnonzero(~common), key=lambda i: str(keys[i]))
    pooled: list[list[float]] = []
    got, r, c = 0.0, 0.0, 0.0
    for i in rare:
        got, r, c = got + per_side[i], r + rc[i], c + cc[i]
        if got >= MIN_VALUES_PER_CATEGORY:
            pooled.append([r, c])
            got, r, c = 0.0, 0.0, 0.0
    if r or c:
        if pooled:
            pooled[-1][0] += r
            pooled[-1][1] += c
        else:
            pooled.append([r, c])
    table = np.array([*groups, *pooled], dtype=float).T
    if table.ndim != 2 or table.shape[1] < 2:
        return None
    return float(chi2_contingency(table, correction=False)[1])


def sparse_categories(method: str, k: int, ref_counts: np.ndarray, cur_counts: np.ndarray,
                      keys: np.ndarray, score: float, threshold: float, *,
                      level: float | None = None) -> str:  # fmt: skip
    """Why a drifted categorical column's score says little with ``k`` distinct values (both
    sides) in its aligned counts, or ``""``. A distance: its no-drift score
    (:func:`no_drift_score`) reaches ``threshold`` and its ``score`` stays within
    :data:`NOISE_FACTOR` of it (checked only with at least :data:`MIN_VALUES_PER_CATEGORY`
    values per category a side). A p-value: fewer than :data:`MIN_VALUES_PER_CATEGORY` values
    per distinct value on a side, and the test with rare values pooled (:func:`pooled_pvalue`)
    does not drift at ``level`` either (default ``threshold``; ``0.0`` never clears the warning:
    :func:`ctloop.drift.engine.finish` judges the pooled p-value after a correction). A column
    that moved beyond its noise is drift, warned of by neither."""
    n_ref, n_cur = int(np.sum(ref_counts)), int(np.sum(cur_counts))
    counted = f"{k:,} distinct values in {n_ref:,} reference and {n_cur:,} current values"
    expected = no_drift_score(method, k, n_ref, n_cur)
    if expected is not None:
        if expected < threshold:
            return ""
        # the noise factor holds only where each side has the values per category the no-drift
        # score's leading order needs: with fewer, a category one side lacks scores by the zero
        # fill (evidently's 0.0001, whose log KL and PSI take), far above that order
        filled = min(n_ref, n_cur) >= MIN_VALUES_PER_CATEGORY * k
        if filled and score >= NOISE_FACTOR[method] * expected:
            return ""
        within = f"less than {NOISE_FACTOR[method]:g} times that"
        if score >= NOISE_FACTOR[method] * expected:
            within = (f"which with fewer than {MIN_VALUES_PER_CATEGORY} values per category on a side cannot "
                      "be told from that noise (a category one side lacks scores by its zero fill)")  # fmt: skip
        below = ""  # a threshold of 0 (allowed) no sample size brings the no-drift score below
        if threshold > 0:
            if method in ("jensenshannon", "hellinger"):
                enough = (k - 1) / (4 * threshold**2)
            else:
                enough = (2 if method == "psi" else 1) * (k - 1) / threshold
            below = f" (below it from about {math.ceil(enough):,} values per side)"
        return (
            f"{counted}; two samples of one distribution score about {expected:.3g} by {method} "
            f"with so few values per category, at or above its threshold {threshold:g}{below}, "
            f"and it scores {score:.3g}, {within}"
        )
    if min(n_ref, n_cur) >= MIN_VALUES_PER_CATEGORY * k:
        return ""
    pooled = pooled_pvalue(ref_counts, cur_counts, keys)
    if pooled is not None and is_drift(method, pooled, threshold if level is None else level):
        return ""
    grouped = ("no two groups of at least 5 values per side" if pooled is None
               else f"with rare values grouped (in the order of their text) it scores p = {pooled:.3g}, "
               "which cannot tell either: it misses changes within a group, such as new codes "
               "that sort beside the old ones")  # fmt: skip
    return (
        f"{counted}, fewer than {MIN_VALUES_PER_CATEGORY} per value; {method} scores a value one "
        "side lacks as drift (p = 0) and finds it in two samples of one distribution of so many values; "
        f"{grouped}"
    )


# ------------------------------------------------------------- statistics from numeric values
def ks_pvalue(ref: np.ndarray, cur: np.ndarray) -> float:
    """``scipy.stats.ks_2samp(ref, cur).pvalue`` (method ``auto``), without the RuntimeWarning it
    prints when its exact routine rounds to just above 1 and it falls back to the asymptotic
    p-value (equal sizes, nearly equal samples): the statistic from ks_2samp, the p-value from
    :func:`ks_pvalue_from_statistic` (the same routine and fallback, as the streaming engine)."""
    from scipy.stats import ks_2samp

    d = float(ks_2samp(ref, cur, method="asymp").statistic)
    return ks_pvalue_from_statistic(d, len(ref), len(cur))


def wasserstein_1d(u: np.ndarray, v: np.ndarray) -> float:
    """First Wasserstein distance of two samples; equals ``scipy.stats.wasserstein_distance``.

    Computed as the integral of ``|Q_u(t) − Q_v(t)|`` over ``t ∈ (0, 1]`` — the quantile form of
    scipy's ``∫|F_u − F_v| dx``, equal for one-dimensional samples — so the two samples never
    need merging: each is sorted once (the only super-linear work) and the rest is a few linear
    passes. ``Q_u`` steps at ``i/n`` and ``Q_v`` at ``j/m``; in units of ``1/(n·m)`` these are the
    integers ``i·m`` and ``j·n``, whose merged order is known in closed form (``i·m`` is preceded
    by ``⌈i·m/n⌉ − 1`` steps of ``v``), so the merge is arithmetic, not a sort. Between two
    merged steps both quantile functions are constant; equal steps add zero-width segments, so
    ties give exactly scipy's value. Equal sizes reduce to ``mean(|sort(u) − sort(v)|)``.
    """
    n, m = len(u), len(v)
    us = np.sort(u)
    vs = np.sort(v)
    if n == m:
        us -= vs
        return float(np.abs(us, out=us).sum()) / n
    i = np.arange(1, n + 1, dtype=np.int64)
    j = np.arange(1, m + 1, dtype=np.int64)
    pos_u = (i - 1) + (i * m - 1) // n  # steps of v strictly before step i of u
    pos_v = (j - 1) + (j * n) // m  # steps of u at or before step j of v
    steps = np.empty(n + m, dtype=np.int64)
    steps[pos_u] = i * m
    steps[pos_v] = j * n
    from_u = np.zeros(n + m, dtype=np.int64)
    from_u[pos_u] = 1
    del i, j, pos_v
    # on the segment that ends at merged step k, Q_u = us[#u steps before k] (same for v)
    k_u = np.cumsum(from_u)
    k_u -= from_u
    del from_u, pos_u
    k_v = np.arange(n + m, dtype=np.int64) - k_u
    np.minimum(k_u, n - 1, out=k_u)  # only zero-width segments reach past the end
    np.minimum(k_v, m - 1, out=k_v)
    gap = np.abs(us[k_u] - vs[k_v])
    del k_u, k_v
    widths = np.diff(steps, prepend=0).astype(float)
    return float(np.dot(gap, widths)) / (float(n) * float(m))


def wasserstein_normed(ref: np.ndarray, cur: np.ndarray) -> float:
    return wasserstein_1d(ref, cur) / max(population_std(ref), STD_FLOOR)


def population_std(values: np.ndarray) -> float:
    """``np.std(values)``, also where its squares overflow float64 (values past ~1e154: inf, and a
    Wasserstein distance divided by it 0): then computed on the values divided by the largest."""
    with np.errstate(over="ignore", invalid="ignore"):
        std = float(np.std(values))
    if math.isfinite(std) or not len(values):
        return std
    top = float(np.max(np.abs(values)))
    return float(np.std(values / top)) * top


def hellinger_numeric(ref: np.ndarray, cur: np.ndarray) -> float:
    import pandas as pd

    # Sturges bins over the distinct values (evidently's rule); only their number and range
    # matter, so a hash-unique is enough (no sort).
    keys = pd.unique(np.concatenate([ref, cur]))
    try:
        bins = np.histogram_bin_edges(keys, bins="sturges")
        return _hellinger_binned(bins, np.histogram(ref, bins=bins)[0], np.histogram(cur, bins=bins)[0])
    except ValueError:
        lo = float(keys.min())
        if lo == 0 or not np.isfinite(keys).all():  # NaN/inf: numpy's own error, not a retry
            raise
        # numpy's "Too many bins for data range": the values lie a few float steps apart (1.0 and
        # the next float; int64 ids near 2**62 read as float64), too close for bins of their own
        # size; their differences from the smallest are exact (Sterbenz), so bin those instead
        return hellinger_numeric(ref - lo, cur - lo)


def _hellinger_binned(edges: np.ndarray, ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """Evidently's numeric Hellinger, ``sqrt(1 - sum(sqrt(h1 * h2)) * width)`` over density
    histograms ``h = counts / (n * bin width)`` (``width`` = the mean bin width), computed as
    ``sum(sqrt(p1 * p2) * (width / bin width))`` on the shares ``p = counts / n``: the same number,
    but without densities, whose product overflows (values ~1e-300: score 0 for any shift) or
    underflows (~1e300: score 1 for none), and which are inf on subnormal values (score NaN)."""
    edges = np.asarray(edges, dtype=float)
    db = np.diff(edges)
    rp = np.asarray(ref_counts, dtype=float)
    cp = np.asarray(cur_counts, dtype=float)
    rp, cp = rp / rp.sum(), cp / cp.sum()
    width = (edges.max() - edges.min()) / (len(edges) - 1)
    ratio = np.divide(width, db, out=np.zeros_like(db), where=db > 0)
    total = float(np.sum(np.sqrt(rp * cp) * ratio))
    return math.sqrt(1 - float(np.clip(total, 0, 1)))


# ------------------------------------------------- statistics from pre-aggregated summaries
# Used by the streaming engine (ctloop.drift.streaming), which never holds a column's values:
# each function reproduces, from counts or a statistic, exactly what the array version computes.
KS_EXACT_MAX_N = 10000  # scipy's ks_2samp(method="auto"): exact when max(n1, n2) <= 10000


def ks_pvalue_from_statistic(d: float, n1: int, n2: int) -> float:
    """The two-sided p-value ``scipy.stats.ks_2samp`` (method ``auto``, scipy 1.17) reports for
    a statistic ``d`` between samples of ``n1`` and ``n2`` values: its exact distribution when
    ``max(n1, n2) <= 10000`` (falling back to the asymptotic one as scipy does), else
    ``kstwo.sf(d, round(n1*n2/(n1+n2)))``."""
    from scipy.stats import distributions

    if max(n1, n2) <= KS_EXACT_MAX_N:
        # scipy's own exact routine (private in 1.17; ks_2samp calls exactly this)
        from scipy.stats._stats_py import _attempt_exact_2kssamp

        g = math.gcd(n1, n2)
        with np.errstate(all="ignore"):
            ok, _, prob = _attempt_exact_2kssamp(n1, n2, g, float(d), "two-sided")
        if ok:
            return float(np.clip(prob, 0, 1))
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    return float(np.clip(distributions.kstwo.sf(d, np.round(en)), 0, 1))


def sturges_edges(lo: float, hi: float, n: int) -> np.ndarray:
    """``np.histogram_bin_edges(x, bins="sturges")`` for any ``x`` of ``n`` values with minimum
    ``lo`` and maximum ``hi`` (numpy 2.4's arithmetic, step by step)."""
    ptp = hi - lo
    first, last = (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)
    width = ptp / (np.log2(n) + 1.0)
    bins = int(np.ceil((last - first) / width)) if width else 1
    return np.linspace(first, last, bins + 1, endpoint=True, dtype=np.float64)


def distance_from_shares(method: str, ref_shares: np.ndarray, cur_shares: np.ndarray) -> float:
    """``jensenshannon``, ``psi``, ``kl_div`` or ``hellinger`` (categorical form) of two share
    vectors over the same bins or values, as :func:`column_stat` computes it."""
    return _distance_from_shares(method, np.asarray(ref_shares, float), np.asarray(cur_shares, float))


def hellinger_from_counts(edges: np.ndarray, ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """:func:`hellinger_numeric` from the two sides' counts on its bins (``edges`` = Sturges
    edges over the distinct values of both sides)."""
    return _hellinger_binned(edges, ref_counts, cur_counts)


def column_stat(
    ref: np.ndarray,
    cur: np.ndarray,
    *,
    kind: str,
    method: str | None = None,
    threshold: float | None = None,
) -> ColumnStat:
    """Drift statistic of one column from its values, already cleaned of null/±inf and
    non-empty on both sides. ``kind``: ``numeric`` or ``categorical``; ``method=None`` = automatic."""
    if method is not None and method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    if kind == "categorical":
        rc, cc, keys = counts_of(ref, cur)
        return counts_stat(rc, cc, keys, method=method, threshold=threshold)
    if method is None:
        method = default_method(kind, len(ref), count_unique2(ref, cur, DISCRETE_LIMIT))
    if method in CATEGORICAL_ONLY:  # automatic choice for a numeric column with <= 5 values
        rc, cc, keys = counts_of(ref, cur)
        return counts_stat(rc, cc, keys, method=method, threshold=threshold)
    thr = DEFAULT_THRESHOLDS[method] if threshold is None else float(threshold)
    if method == "ks":
        score = ks_pvalue(ref, cur)
    elif method == "wasserstein":
        score = wasserstein_normed(ref, cur)
    elif method == "hellinger":
        score = hellinger_numeric(ref, cur)
    else:
        rp, cp = binned_shares(ref, cur, kind, fill_zeroes=False)
        score = _distance_from_shares(method, rp, cp)
    kind_of_score = "p_value" if method in P_VALUE_METHODS else "distance"
    return ColumnStat(method, score, thr, is_drift(method, score, thr), kind_of_score)


__all__ = [
    "CATEGORICAL_ONLY",
    "DEFAULT_THRESHOLDS",
    "DISPLAY_NAMES",
    "DISTANCE_METHODS",
    "METHODS",
    "METHODS_BY_KIND",
    "NUMERIC_ONLY",
    "P_VALUE_METHODS",
    "ColumnStat",
    "binned_shares",
    "column_stat",
    "count_unique",
    "counts_of",
    "counts_stat",
    "default_method",
    "distance_from_shares",
    "hellinger_from_counts",
    "is_drift",
    "ks_pvalue_from_statistic",
    "sturges_edges",
    "wasserstein_1d",
]

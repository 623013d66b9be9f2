"""Mergeable summaries of one column on one side, for the streaming drift engine.

Nothing here sees a file, a DataFrame or a KFP type: :mod:`.streaming` feeds cleaned NumPy
values (numeric columns) or value counts (categorical columns) and compares two summaries.

**NumericSketch** — the finite values of a numeric column as *clusters* on a dyadic float grid.
A float's bit pattern, made order-preserving (:func:`ordered_bits`), is cut after its sign,
exponent and first ``m`` mantissa bits: values sharing that prefix share a bucket, a bucket
spans a relative width of at most ``2**-m`` of its values' magnitude, and each occupied bucket
keeps the exact count, sum, minimum and maximum of its values (a *cluster* ``[min, max]``). ``m``
is the largest resolution, at most 52 (every distinct float in its own bucket), at which the
column occupies at most ``budget`` buckets; when more arrive, every bucket is halved in
resolution (``m -= 1``: neighbours merge, counts/sums add) until they fit. Consequences:

* *Exact below the budget*: a column with at most ``budget`` distinct values keeps ``m = 52`` —
  its complete value counts — and every statistic computed from it equals the in-memory one.
* *Merge = single pass*: the resolution chosen for the union of two states is the largest one
  at which the union fits, whatever the order of chunks or merges (occupancy only grows with
  data and only shrinks with coarsening), and counts, minima and maxima are exact at that
  resolution; only the floating-point sums of a bucket depend on the order of additions.
* *Bounded memory*: at most ``budget`` clusters of 40 bytes, whatever the number of rows.
* *Error from the data, not from a worst case*: a cluster's values are known to lie in
  ``[min, max]``, so the two empirical CDFs are known exactly outside the clusters and bounded
  inside them. :func:`compare_cdfs` turns that into guaranteed intervals for the Wasserstein
  distance and the Kolmogorov–Smirnov statistic: the rank error of any quantile is at most the
  share of the bucket holding it (``CdfComparison.rank_error``), the KS statistic is off by at
  most that, and the Wasserstein distance is exact except in buckets where the two CDFs may
  cross, whose contribution is bounded by the bucket's width times its mass.

**CategoryCounts** — exact value counts of a categorical column while it has at most ``limit``
distinct values. Beyond that every value is counted in one of ``limit`` buckets chosen by a
stable hash of the value (``pandas.util.hash_array`` of a typed text form, identical in every
process), so states still merge exactly and memory stays bounded; statistics are then computed
on the buckets and marked approximate.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import math
import uuid as _uuid
from dataclasses import dataclass
from typing import Any

import numpy as np

M_EXACT = 52  # every distinct float64 in its own bucket
M_COARSEST = -11  # shift 63: one bucket per sign
_MAGNITUDE = np.int64(0x7FFFFFFFFFFFFFFF)
MIN_BUDGET = 64  # > 20 distinct values (evidently's binning rule) must stay decidable
BUCKET_BYTES = 40  # a cluster: key, count, sum, minimum, maximum (five 8-byte arrays: NumericSketch.nbytes)


def ordered_bits(x: np.ndarray) -> np.ndarray:
    """float64 → int64 with the same order (finite values, no ``-0.0``): negative floats get
    their magnitude bits flipped, so a larger magnitude sorts lower."""
    b = x.view(np.int64)
    return b ^ ((b >> 63) & _MAGNITUDE)


def _occupancy(keys: np.ndarray, shift: int) -> int:
    if len(keys) == 0:
        return 0
    k = keys >> shift
    return 1 + int(np.count_nonzero(k[1:] != k[:-1]))


def _fit(keys: np.ndarray, m: int, budget: int) -> int:
    """Largest ``m' <= m`` at which the sorted bucket keys ``keys`` (at resolution ``m``)
    occupy at most ``budget`` buckets."""
    if _occupancy(keys, 0) <= budget:
        return m
    lo, hi = M_COARSEST, m - 1  # lo always fits (<= 2 buckets); find the largest fitting
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _occupancy(keys, m - mid) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each run of equal values in a sorted array."""
    cut = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.empty(len(cut) + 1, dtype=np.intp)
    starts[0] = 0
    starts[1:] = cut
    ends = np.empty_like(starts)
    ends[:-1] = cut
    ends[-1] = len(keys)
    return starts, ends


def _grid_keys(x: np.ndarray, m: int) -> np.ndarray:
    """Bucket keys at resolution ``m`` of sorted finite values (no ``-0.0``):
    ``ordered_bits(x) >> (52 - m)`` without the temporaries (only the negative prefix of a
    sorted array needs its magnitude bits flipped, and flipping commutes with the shift)."""
    shift = M_EXACT - m
    keys = x.view(np.int64) >> shift
    negative = int(np.searchsorted(x, 0.0))
    if negative:
        keys[:negative] ^= _MAGNITUDE >> shift
    return keys


def encode_array(arr: np.ndarray, dtype: str) -> str:
    """An array as base64 of its bytes in ``dtype`` (e.g. ``"<f8"``): exact and compact JSON."""
    return base64.b64encode(np.ascontiguousarray(arr, dtype=dtype).tobytes()).decode("ascii")


def decode_array(text: str, dtype: str) -> np.ndarray:
    """The inverse of :func:`encode_array` (a writable copy)."""
    return np.frombuffer(base64.b64decode(text), dtype=dtype).copy()


class NumericSketch:
    """Clusters of a numeric column's finite values (module doc), plus exact moments."""

    __slots__ = ("budget", "m", "keys", "counts", "sums", "mins", "maxs", "mean", "m2")

    def __init__(self, budget: int):
        if int(budget) < MIN_BUDGET:
            raise ValueError(f"sketch budget must be >= {MIN_BUDGET}, got {budget}")
        self.budget = int(budget)
        self.m = M_EXACT
        self.keys = np.empty(0, np.int64)
        self.counts = np.empty(0, np.int64)
        self.sums = np.empty(0, np.float64)
        self.mins = np.empty(0, np.float64)
        self.maxs = np.empty(0, np.float64)
        self.mean = 0.0
        self.m2 = 0.0

    # ------------------------------------------------------------------ facts
    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def exact(self) -> bool:
        """True when the sketch holds the complete value counts (at most ``budget`` distinct)."""
        return self.m == M_EXACT

    @property
    def distinct(self) -> int | None:
        """Number of distinct values when exact, else ``None`` (then it is > ``budget``)."""
        return len(self.keys) if self.exact else None

    @property
    def minimum(self) -> float:
        return float(self.mins[0])

    @property
    def maximum(self) -> float:
        return float(self.maxs[-1])

    @property
    def std(self) -> float:
        """Population standard deviation (``np.std``), from the merged moments."""
        n = self.n
        return math.sqrt(max(self.m2, 0.0) / n) if n else float("nan")

    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.keys, self.counts, self.sums, self.mins, self.maxs))

    # ------------------------------------------------------------------ updates
    def add(self, values: np.ndarray) -> None:
        """Add finite values (any real dtype; the caller has dropped null/NaN/±inf)."""
        x = np.asarray(values, dtype=np.float64) + 0.0  # a copy, and -0.0 becomes +0.0
        if len(x) == 0:
            return
        x.sort()
        mean = float(x.mean())
        dev = x - mean
        # einsum, not np.dot: BLAS would start threads for one dot product
        self._add_moments(len(x), mean, float(np.einsum("i,i->", dev, dev)))
        del dev
        m = self.m
        keys = _grid_keys(x, m)
        starts, ends = _runs(keys)
        if len(starts) > self.budget:  # a coarser resolution for this chunk (first chunks)
            m = _fit(keys[starts], m, self.budget)
            keys >>= self.m - m
            starts, ends = _runs(keys)
        chunk = (
            keys[starts],
            (ends - starts).astype(np.int64),
            np.add.reduceat(x, starts),
            x[starts],
            x[ends - 1],
        )
        self._coarsen(self.m - m)
        self._absorb(chunk)

    def add_counts(self, values: np.ndarray, counts: np.ndarray) -> None:
        """Add finite ``values`` each seen ``counts`` times, as :meth:`add` of every repetition
        would, in time and memory of the distinct values, never of the rows they count."""
        x = np.asarray(values, dtype=np.float64) + 0.0  # a copy, and -0.0 becomes +0.0
        w = np.asarray(counts, dtype=np.int64)
        keep = w > 0
        x, w = x[keep], w[keep]
        if len(x) == 0:
            return
        order = np.argsort(x, kind="stable")
        x, w = x[order], w[order]
        n = int(w.sum())
        mean = float(np.einsum("i,i->", x, w.astype(np.float64)) / n)
        dev = x - mean
        self._add_moments(n, mean, float(np.einsum("i,i,i->", dev, dev, w.astype(np.float64))))
        m = self.m
        keys = _grid_keys(x, m)
        starts, ends = _runs(keys)
        if len(starts) > self.budget:  # a coarser resolution for these values
            m = _fit(keys[starts], m, self.budget)
            keys >>= self.m - m
            starts, ends = _runs(keys)
        chunk = (
            keys[starts],
            np.add.reduceat(w, starts),
            np.add.reduceat(x * w, starts),
            x[starts],
            x[ends - 1],
        )
        self._coarsen(self.m - m)
        self._absorb(chunk)

    def _add_moments(self, n_b: int, mean_b: float, m2_b: float) -> None:
        n_a = self.n
        if n_a == 0:
            self.mean, self.m2 = mean_b, m2_b
            return
        n = n_a + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / n
        self.m2 += m2_b + delta * delta * n_a * n_b / n

    def _coarsen(self, d: int) -> None:
        """Halve the resolution ``d`` times."""
        if d <= 0:
            return
        self.m -= d
        if len(self.keys) == 0:
            return
        keys = self.keys >> d
        starts, _ = _runs(keys)
        self.keys = keys[starts]
        self.counts = np.add.reduceat(self.counts, starts)
        self.sums = np.add.reduceat(self.sums, starts)
        self.mins = self.mins[starts]
        self.maxs = np.maximum.reduceat(self.maxs, starts)

    def _absorb(self, clusters: tuple[np.ndarray, ...]) -> None:
        """Add clusters at the current resolution, then coarsen until within the budget."""
        if not len(clusters[0]):
            return  # an empty part adds nothing (and _runs needs at least one key)
        if len(self.keys) and len(clusters[0]):
            # steady state: most buckets of the chunk are occupied already (keys are unique
            # and sorted on both sides): add those in place, insert the few new ones
            at = np.minimum(np.searchsorted(self.keys, clusters[0]), len(self.keys) - 1)
            known = self.keys[at] == clusters[0]
            if known.sum() * 2 >= len(known):
                k = at[known]
                self.counts[k] += clusters[1][known]
                self.sums[k] += clusters[2][known]
                self.mins[k] = np.minimum(self.mins[k], clusters[3][known])
                self.maxs[k] = np.maximum(self.maxs[k], clusters[4][known])
                if known.all():
                    return
                new = ~known
                pos = np.searchsorted(self.keys, clusters[0][new])
                self.keys, self.counts, self.sums, self.mins, self.maxs = (
                    np.insert(a, pos, b[new])
                    for a, b in zip((self.keys, self.counts, self.sums, self.mins, self.maxs),
                                    clusters, strict=True)  # fmt: skip
                )
                if len(self.keys) > self.budget:
                    self._coarsen(self.m - _fit(self.keys, self.m, self.budget))
                return
        keys, counts, sums, mins, maxs = (
            np.concatenate([a, b])
            for a, b in zip(
                (self.keys, self.counts, self.sums, self.mins, self.maxs), clusters, strict=True
            )
        )
        order = np.argsort(keys, kind="stable")
        keys, counts, sums, mins, maxs = (a[order] for a in (keys, counts, sums, mins, maxs))
        starts, _ = _runs(keys)
        self.keys = keys[starts]
        self.counts = np.add.reduceat(counts, starts)
        self.sums = np.add.reduceat(sums, starts)
        self.mins = np.minimum.reduceat(mins, starts)
        self.maxs = np.maximum.reduceat(maxs, starts)
        if len(self.keys) > self.budget:
            self._coarsen(self.m - _fit(self.keys, self.m, self.budget))

    def merge(self, other: NumericSketch) -> NumericSketch:
        """A new sketch of both sides' values (the smaller budget wins)."""
        out = NumericSketch(min(self.budget, other.budget))
        for part in (self, other):
            src = part.copy()
            out._add_moments(src.n, src.mean, src.m2)
            m = min(out.m, src.m)
            out._coarsen(out.m - m)
            src._coarsen(src.m - m)
            out._absorb((src.keys, src.counts, src.sums, src.mins, src.maxs))
        return out

    def copy(self) -> NumericSketch:
        out = NumericSketch(self.budget)
        out.m, out.mean, out.m2 = self.m, self.mean, self.m2
        out.keys, out.counts, out.sums = self.keys.copy(), self.counts.copy(), self.sums.copy()
        out.mins, out.maxs = self.mins.copy(), self.maxs.copy()
        return out

    def at_resolution(self, m: int) -> NumericSketch:
        """A copy coarsened to resolution ``m`` (no-op when already as coarse)."""
        out = self.copy()
        out._coarsen(out.m - m)
        return out

    # ------------------------------------------------------------------ views
    def value_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """``(values, counts)`` of an exact sketch."""
        if not self.exact:
            raise ValueError("value counts need an exact sketch")
        return self.mins, self.counts

    def histogram(self, edges: np.ndarray) -> tuple[np.ndarray, float]:
        """Counts per bin (``np.histogram``'s rule: half-open bins, the last one closed) and the
        number of values whose bin is uncertain (clusters straddling an edge; their counts are
        split in proportion to the overlap). Exact when the second value is 0."""
        edges = np.asarray(edges, dtype=np.float64)
        nb = len(edges) - 1
        lo_bin = np.clip(np.searchsorted(edges, self.mins, side="right") - 1, 0, nb - 1)
        hi_bin = np.clip(np.searchsorted(edges, self.maxs, side="right") - 1, 0, nb - 1)
        single = lo_bin == hi_bin
        counts = np.bincount(lo_bin[single], weights=self.counts[single], minlength=nb).astype(float)
        uncertain = float(self.counts[~single].sum())
        for a, b, c in zip(self.mins[~single], self.maxs[~single], self.counts[~single], strict=True):
            overlap = np.clip(np.minimum(edges[1:], b) - np.maximum(edges[:-1], a), 0, None)
            counts += c * overlap / overlap.sum()
        return counts, uncertain

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "budget": self.budget,
            "m": self.m,
            "mean": self.mean.hex(),
            "m2": self.m2.hex(),
            "keys": encode_array(self.keys, "<i8"),
            "counts": encode_array(self.counts, "<i8"),
            "mins": encode_array(self.mins, "<f8"),
        }
        if not self.exact:  # exact: every cluster is one value (sum = value × count)
            out.update(sums=encode_array(self.sums, "<f8"), maxs=encode_array(self.maxs, "<f8"))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NumericSketch:
        out = cls(int(data["budget"]))
        out.m = int(data["m"])
        out.mean, out.m2 = float.fromhex(data["mean"]), float.fromhex(data["m2"])
        out.keys = decode_array(data["keys"], "<i8").astype(np.int64)
        out.counts = decode_array(data["counts"], "<i8").astype(np.int64)
        out.mins = decode_array(data["mins"], "<f8").astype(np.float64)
        if out.exact:
            out.maxs = out.mins.copy()
            out.sums = out.mins * out.counts
        else:
            out.sums = decode_array(data["sums"], "<f8").astype(np.float64)
            out.maxs = decode_array(data["maxs"], "<f8").astype(np.float64)
        if not (len(out.keys) == len(out.counts) == len(out.mins) == len(out.maxs) == len(out.sums)):
            raise ValueError("numeric sketch arrays have different lengths")
        return out


# ---------------------------------------------------------------------------- two sketches
@dataclass(frozen=True)
class Interval:
    """An estimate and a guaranteed range ``[low, high]`` of an exact value."""

    estimate: float
    low: float
    high: float

    @property
    def exact(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True)
class CdfComparison:
    """What two numeric sketches say about their empirical CDFs ``F`` (reference) and ``G``."""

    wasserstein: Interval  # ∫|F - G| dx (not normed)
    ks: Interval  # sup |F - G|
    rank_error: float  # max share of one side's values in one uncertain cluster


def aligned(a: NumericSketch, b: NumericSketch) -> tuple[NumericSketch, NumericSketch]:
    """Both sketches at the coarser of their resolutions (the same buckets)."""
    m = min(a.m, b.m)
    return a.at_resolution(m), b.at_resolution(m)


def _abs_linear_integral(g0: np.ndarray, g1: np.ndarray, width: np.ndarray) -> np.ndarray:
    """∫|g| over segments where g goes linearly from g0 to g1."""
    same = g0 * g1 >= 0
    out = np.empty_like(width)
    out[same] = width[same] * np.abs(g0[same] + g1[same]) / 2
    diff = np.abs(g0[~same] - g1[~same])
    out[~same] = width[~same] * (g0[~same] ** 2 + g1[~same] ** 2) / (2 * diff)
    return out


def compare_cdfs(ref: NumericSketch, cur: NumericSketch) -> CdfComparison:
    """Wasserstein distance and KS statistic of two sketches, with guaranteed intervals.

    On the common grid each occupied bucket is a *region* ``[A, B]`` (from the smaller of the
    two clusters' minima to the larger maximum). Outside the regions both CDFs are known
    exactly, so the gaps contribute exactly. Inside a region the signed integral of ``F − G``
    is exact (from the clusters' counts and sums); if ``F − G`` cannot change sign there its
    absolute integral is that, else it lies between the absolute signed integral and the
    smallest of three bounds (mass moving away from either end, or width × largest possible
    gap). The estimate spreads each cluster's values uniformly over ``[min, max]``. For the KS
    statistic, ``F − G`` is exact at every region's ends and bounded inside.
    """
    u, v = aligned(ref, cur)
    n_u, n_v = u.n, v.n
    # regions: union of both sides' buckets, in key order
    keys = np.union1d(u.keys, v.keys)
    iu = np.searchsorted(keys, u.keys)
    iv = np.searchsorted(keys, v.keys)
    r = len(keys)
    cu = np.zeros(r, np.int64)
    cv = np.zeros(r, np.int64)
    cu[iu], cv[iv] = u.counts, v.counts
    su = np.zeros(r)
    sv = np.zeros(r)
    su[iu], sv[iv] = u.sums, v.sums
    inf = np.inf
    au, bu, av, bv = np.full(r, inf), np.full(r, -inf), np.full(r, inf), np.full(r, -inf)
    au[iu], bu[iu], av[iv], bv[iv] = u.mins, u.maxs, v.mins, v.maxs
    ra, rb = np.minimum(au, av), np.maximum(bu, bv)
    width = rb - ra
    # exact CDF values before (A) and after (B) each region; integer counts, then divided, as
    # scipy does (so an exact sketch gives scipy's statistic to the last bit)
    cum_u, cum_v = np.cumsum(cu), np.cumsum(cv)
    ua, ub = (cum_u - cu) / n_u, cum_u / n_u
    va, vb = (cum_v - cv) / n_v, cum_v / n_v
    ga, gb = ua - va, ub - vb
    gaps = float(np.dot(np.abs(ga[1:]), ra[1:] - rb[:-1])) if r > 1 else 0.0

    wide = width > 0
    # ∫_A^B (F - F(A)) dx = Σ (B - x)/n  for the values x of the region, per side
    tu = np.clip((cu * rb - su) / n_u, 0, cu * width / n_u, where=wide, out=np.zeros(r))
    tv = np.clip((cv * rb - sv) / n_v, 0, cv * width / n_v, where=wide, out=np.zeros(r))
    signed = np.where(wide, ga * width + tu - tv, 0.0)
    crossing = wide & (ua - vb < 0) & (ub - va > 0)
    low = np.abs(signed)
    high = low.copy()
    c = crossing
    high[c] = np.minimum.reduce(
        [
            tu[c] + tv[c] + np.abs(ga[c]) * width[c],
            (cu[c] * width[c] / n_u - tu[c]) + (cv[c] * width[c] / n_v - tv[c]) + np.abs(gb[c]) * width[c],
            width[c] * np.maximum(np.abs(ua[c] - vb[c]), np.abs(ub[c] - va[c])),
        ]
    )
    high = np.maximum(high, low)
    est = low.copy()
    ks_model = np.zeros(r)
    if c.any():
        # piecewise-linear model: each side's values spread uniformly over its cluster
        lo_r, hi_r = ra[c][:, None], rb[c][:, None]
        # a side without values in the region has ±inf ends: clip them onto the region
        pts = np.sort(np.clip(np.stack([au[c], bu[c], av[c], bv[c]], axis=1), lo_r, hi_r), axis=1)

        def model(p: np.ndarray, a: np.ndarray, b: np.ndarray, f0: np.ndarray, f1: np.ndarray,
                  left_limit: bool) -> np.ndarray:  # fmt: skip
            a, b = a[:, None], b[:, None]
            span = b - a
            # a one-value cluster is a jump at its value: F(p) includes it from p = a on (the
            # left limit at p = a does not)
            step = (p > a) if left_limit else (p >= a)
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = np.where(span > 0, (p - a) / span, step.astype(float))
            frac = np.nan_to_num(np.clip(frac, 0, 1))
            return f0[:, None] + (f1 - f0)[:, None] * frac

        def gap(p: np.ndarray, left_limit: bool) -> np.ndarray:
            return model(p, au[c], bu[c], ua[c], ub[c], left_limit) - model(
                p, av[c], bv[c], va[c], vb[c], left_limit
            )

        g_start = gap(pts[:, :-1], left_limit=False)  # right limit at each segment's start
        g_end = gap(pts[:, 1:], left_limit=True)  # left limit at each segment's end
        seg = np.diff(pts, axis=1)
        area = _abs_linear_integral(g_start.ravel(), g_end.ravel(), seg.ravel()).reshape(seg.shape)
        est[c] = np.clip(area.sum(axis=1), low[c], high[c])
        ks_model[c] = np.maximum(np.abs(g_start).max(axis=1), np.abs(g_end).max(axis=1))
    w = Interval(gaps + float(est.sum()), gaps + float(low.sum()), gaps + float(high.sum()))

    d_lo = float(max(np.abs(ga).max(initial=0.0), np.abs(gb).max(initial=0.0)))
    inside = np.where(wide, np.maximum(np.abs(ua - vb), np.abs(ub - va)), 0.0)
    d_hi = max(d_lo, float(inside.max(initial=0.0)))
    d_est = min(max(d_lo, float(ks_model.max(initial=0.0))), d_hi)
    uncertain_u = np.where(bu > au, cu / n_u, 0.0)
    uncertain_v = np.where(bv > av, cv / n_v, 0.0)
    rank_error = float(max(uncertain_u.max(initial=0.0), uncertain_v.max(initial=0.0)))
    return CdfComparison(w, Interval(d_est, d_lo, d_hi), rank_error)


# ---------------------------------------------------------------------------- categories
def _key_code(value: Any) -> list[Any]:
    """A JSON form of a category value that round-trips its type."""
    if isinstance(value, (bool, np.bool_)):
        return ["b", bool(value)]
    if isinstance(value, (int, np.integer)):
        return ["i", int(value)]
    if isinstance(value, (float, np.floating)):
        return ["f", float(value).hex()]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, bytes):
        return ["x", base64.b64encode(value).decode("ascii")]
    if isinstance(value, _dt.datetime):
        return ["T", value.isoformat()]
    if isinstance(value, _dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, _dt.time):
        return ["t", value.isoformat()]
    if isinstance(value, decimal.Decimal):
        return ["D", str(value)]
    if isinstance(value, _uuid.UUID):  # an object column of uuid.UUID (a driver's UUID type)
        return ["u", str(value)]
    import pandas as pd

    if isinstance(value, pd.Interval):  # a pd.cut band: its ends (numbers, timestamps, durations) and side
        code = ["I", [_end_code(value.left), _end_code(value.right), value.closed]]
        try:  # kept only if it reads back as itself (no state is saved that cannot be loaded)
            same = _key_value(code) == value
        except (TypeError, ValueError, KeyError, AttributeError):
            same = False
        if not same:
            zone = getattr(value.left, "tz", None)
            raise TypeError(f"cannot keep category value {value!r}: its time zone {zone!r} has no name that reads back")
        return code
    raise TypeError(f"cannot keep category value {value!r} of type {type(value).__name__}")


def _end_code(value: Any) -> list[Any]:
    """The JSON form of an end of a ``pd.Interval``: a number, a ``pd.Timestamp`` (its ISO text,
    to the nanosecond; a tz-aware one in a named zone with the zone's name, as both ends share it
    while their offsets may differ; one at a fixed offset by the offset in its text) or a
    ``pd.Timedelta`` (its nanoseconds)."""
    import pandas as pd

    if isinstance(value, pd.Timedelta):
        return ["n", int(value.value)]
    if isinstance(value, pd.Timestamp) and value.tz is not None:
        if value.tz.utcoffset(None) is not None:
            # a fixed offset (pytz.FixedOffset(120) from a Parquet timestamp(tz="+02:00"),
            # datetime.timezone, dateutil's tzoffset/tzutc): its ISO text carries it
            return ["T", value.isoformat()]
        return ["Z", [value.isoformat(), _zone_name(value.tz)]]
    return _key_code(value)


def _zone_name(tz: Any) -> str:
    """The name ``tz_convert`` reads back of a named time zone: pytz's ``zone``, zoneinfo's
    ``key``, ``dateutil/<name>`` of dateutil's tzfile (as pandas spells it), else its text
    (``str(tz)`` of a pytz.FixedOffset or a tzfile does not read back)."""
    name = getattr(tz, "zone", None) or getattr(tz, "key", None)
    if name:
        return str(name)
    filename = getattr(tz, "_filename", None)  # dateutil.tz.tzfile: '/usr/share/zoneinfo/Europe/Paris'
    if isinstance(filename, str) and filename:
        marker = "zoneinfo/"
        return "dateutil/" + (filename.split(marker, 1)[1] if marker in filename else filename)
    return str(tz)


def _end_value(code: list[Any]) -> Any:
    """An end of a ``pd.Interval`` from :func:`_end_code`: a timestamp is a ``pd.Timestamp``
    (``pd.Interval`` takes no ``datetime.datetime``, nor its 9-digit fractions)."""
    import pandas as pd

    tag, payload = code
    if tag == "T":
        return pd.Timestamp(payload)
    if tag == "Z":
        return pd.Timestamp(payload[0]).tz_convert(payload[1])
    if tag == "n":
        return pd.Timedelta(int(payload), unit="ns")
    return _key_value(code)


def _key_value(code: list[Any]) -> Any:
    tag, payload = code
    if tag == "I":
        import pandas as pd

        left, right, closed = payload
        return pd.Interval(_end_value(left), _end_value(right), closed=closed)
    return {
        "b": bool,
        "i": int,
        "f": float.fromhex,
        "s": str,
        "x": lambda p: base64.b64decode(p),
        "T": _dt.datetime.fromisoformat,
        "d": _dt.date.fromisoformat,
        "t": _dt.time.fromisoformat,
        "D": decimal.Decimal,
        "u": _uuid.UUID,
    }[tag](payload)


def _hash_text(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return f"b:{bool(value)}"
    if isinstance(value, (int, np.integer)) or (
        isinstance(value, (float, np.floating)) and float(value).is_integer()
    ):
        return f"n:{int(value)}"
    if isinstance(value, (float, np.floating)):
        return f"n:{float(value)!r}"
    tag, payload = _key_code(value)
    return f"{tag}:{payload}"


# types whose every value has a stable text to hash (:func:`_hash_text`) without computing it
_TEXT_TYPES = (bool, np.bool_, int, np.integer, float, np.floating, str, bytes, _dt.datetime,
               _dt.date, _dt.time, decimal.Decimal, _uuid.UUID)  # fmt: skip


def unhashable(values: Any) -> TypeError | None:
    """Why the first of ``values`` with no stable text to hash (:func:`hash_buckets`) has none
    (a tuple, a frozenset), or ``None``. Only values of other types than numbers, text, bytes,
    dates, times, Decimals and UUIDs have their text computed (a million ints and strings: one
    pass over their types; until fix45c2 every text was computed here, then again to hash it)."""
    other = tuple(t for t in {type(v) for v in values} if not issubclass(t, _TEXT_TYPES))
    if not other:
        return None
    for value in values:
        if isinstance(value, other):
            try:
                _hash_text(value)
            except TypeError as exc:
                return exc
    return None


def hash_buckets(values: list[Any], buckets: int) -> np.ndarray:
    """Stable bucket of each value (same in every process: pandas' fixed-key SipHash)."""
    import pandas as pd

    texts = np.array([_hash_text(v) for v in values], dtype=object)
    return (pd.util.hash_array(texts, categorize=False) % np.uint64(buckets)).astype(np.int64)


class CategoryCounts:
    """Value counts of a categorical column, exact up to ``limit`` distinct values (module
    doc), then ``limit`` hash buckets."""

    __slots__ = ("limit", "counts", "hashed")

    def __init__(self, limit: int):
        if int(limit) < MIN_BUDGET:
            raise ValueError(f"category limit must be >= {MIN_BUDGET}, got {limit}")
        self.limit = int(limit)
        self.counts: dict[Any, int] = {}
        self.hashed = False

    @property
    def n(self) -> int:
        return int(sum(self.counts.values()))

    def add(self, values: list[Any], counts: Any) -> None:
        """Add the counts of some values (nulls and ±inf already left out)."""
        if self.hashed:
            self._add_hashed(values, counts)
            return
        table = self.counts
        pairs = [(value, int(count)) for value, count in zip(values, counts, strict=True) if int(count)]
        if len(table) + len({value for value, _ in pairs if value not in table}) > self.limit:
            # past the limit: every value into hash buckets, hashed before the counts change (a value
            # with no stable text raises TypeError here and leaves them as they were)
            both = dict(table)
            for value, count in pairs:
                both[value] = both.get(value, 0) + count
            buckets = hash_buckets(list(both), self.limit)
            self.counts, self.hashed = {}, True
            self._add_hashed_at(buckets, list(both.values()))
            return
        for value, count in pairs:
            table[value] = table.get(value, 0) + count

    def _add_hashed(self, values: list[Any], counts: Any) -> None:
        if not len(values):
            return
        self._add_hashed_at(hash_buckets(list(values), self.limit), counts)

    def _add_hashed_at(self, b: np.ndarray, counts: Any) -> None:
        """Add ``counts`` to hash buckets ``b`` (:func:`hash_buckets` of their values)."""
        if not len(b):
            return
        per = np.bincount(b, weights=np.asarray(counts, dtype=np.float64), minlength=self.limit)
        table = self.counts
        for bucket in np.flatnonzero(per):
            table[int(bucket)] = table.get(int(bucket), 0) + int(per[bucket])

    def _to_hashed(self) -> None:
        """These counts into hash buckets; left as they were when a value has no stable text (TypeError)."""
        values, counts = list(self.counts), list(self.counts.values())
        buckets = hash_buckets(values, self.limit) if values else np.zeros(0, np.int64)
        self.counts, self.hashed = {}, True
        self._add_hashed_at(buckets, counts)

    def folded(self, limit: int) -> CategoryCounts | None:
        """These counts with at most ``limit`` buckets: themselves when exact or already so;
        hash buckets of a multiple of ``limit`` folded exactly (a value's bucket is its hash
        modulo the limit, so bucket ``b`` of ``k * limit`` is ``b % limit``); ``None`` when
        ``limit`` does not divide this one (the buckets cannot be re-hashed: their values are gone)."""
        if not self.hashed or self.limit == limit:
            return self
        if limit > self.limit or self.limit % limit:
            return None
        out = CategoryCounts(limit)
        out.hashed = True
        for bucket, count in self.counts.items():
            out.counts[bucket % limit] = out.counts.get(bucket % limit, 0) + count
        return out

    def merge(self, other: CategoryCounts) -> CategoryCounts:
        """Both parts' counts, at the fewest buckets of a hashed part (an exact part is hashed at
        that limit, whatever its own), or of the two limits when both are exact."""
        hashed = [part.limit for part in (self, other) if part.hashed]
        out = CategoryCounts(min(hashed or (self.limit, other.limit)))
        for part in (self, other):
            if part.hashed and part.limit != out.limit:
                folded = part.folded(out.limit)
                if folded is None:
                    raise ValueError(
                        f"hash buckets of {part.limit} and of {out.limit} ({out.limit} does not divide "
                        f"{part.limit})"
                    )
                part = folded
            if part.hashed and not out.hashed:
                out._to_hashed()
            if part.hashed:
                for bucket, count in part.counts.items():
                    out.counts[bucket] = out.counts.get(bucket, 0) + count
            else:
                out.add(list(part.counts), list(part.counts.values()))
        return out

    def as_hashed(self) -> CategoryCounts:
        out = CategoryCounts(self.limit)
        out.counts, out.hashed = dict(self.counts), self.hashed
        if not out.hashed:
            out._to_hashed()
        return out

    def nbytes(self) -> int:
        return 64 * len(self.counts)

    def to_dict(self) -> dict[str, Any]:
        items = list(self.counts.items())
        if self.hashed:
            items.sort()
            return {"limit": self.limit, "hashed": True,
                    "buckets": [k for k, _ in items], "counts": [c for _, c in items]}  # fmt: skip
        codes = [_key_code(k) for k, _ in items]
        order = sorted(range(len(items)), key=lambda i: (codes[i][0], str(codes[i][1])))
        return {"limit": self.limit, "hashed": False, "keys": [codes[i] for i in order],
                "counts": [items[i][1] for i in order]}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CategoryCounts:
        out = cls(int(data["limit"]))
        out.hashed = bool(data["hashed"])
        keys = data["buckets"] if out.hashed else [_key_value(c) for c in data["keys"]]
        out.counts = {k: int(c) for k, c in zip(keys, data["counts"], strict=True)}
        return out


def aligned_counts(
    ref: dict[Any, int], cur: dict[Any, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(ref_counts, cur_counts, keys)`` over every key seen on a side (reference keys first,
    then keys only the current side has)."""
    keys = list(ref) + [k for k in cur if k not in ref]
    rc = np.array([ref.get(k, 0) for k in keys], dtype=np.int64)
    cc = np.array([cur.get(k, 0) for k in keys], dtype=np.int64)
    arr = np.empty(len(keys), dtype=object)
    arr[:] = keys
    return rc, cc, arr


__all__ = [
    "M_EXACT",
    "MIN_BUDGET",
    "BUCKET_BYTES",
    "CategoryCounts",
    "CdfComparison",
    "Interval",
    "NumericSketch",
    "aligned",
    "aligned_counts",
    "compare_cdfs",
    "decode_array",
    "encode_array",
    "hash_buckets",
    "ordered_bits",
]

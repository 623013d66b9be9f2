"""Data drift between a reference frame (the champion's training data) and the current window.

KFP-free. :func:`detect` computes evidently 0.7.23's ``DataDriftPreset`` statistics column by
column on NumPy arrays (:mod:`.stats`) and applies evidently's dataset rule: the dataset drifts
when the share of drifted columns is at least ``drift_share`` (``share >= drift_share``,
default 0.5).

Column kinds follow evidently's type inference (``evidently.core.datasets.infer_column_type``),
which looks at the *current* frame's column:

* float → numeric; integer → categorical when it has <= 10 distinct current values, else
  numeric (evidently only recognises ``int*`` dtypes; ``uint*`` and pandas' nullable ``Int*``
  are treated the same way here, where evidently would skip them as "unknown");
* an object column of ``decimal.Decimal`` values (``pandas.read_sql`` of a SQL ``NUMERIC``)
  → numeric, as float64 (:func:`decimal_object`), as a Parquet decimal column is read;
* an object column of plain numbers (:func:`object_numbers`) in the *reference*, against a
  numeric current column → the numbers it holds, as float64 (in the current frame it is an
  object column: categorical, whatever the reference);
* bool, category, object and string → categorical (evidently treats string columns with more
  distinct values than half their rows as *text* and runs a text-classifier drift test; here
  they stay categorical, and the HTML report is told so, so report and verdict agree);
* datetime (naive or tz-aware), timedelta, date and time of day → numeric, as seconds
  (:func:`epoch_seconds`: since the epoch, UTC for tz-aware columns; a duration's length; a
  date's midnight; a time's seconds since midnight): a shift of a date field is drift. Dates and
  times are Parquet ``date32``/``time64`` columns, which pandas reads as objects of
  ``datetime.date``/``datetime.time`` (:func:`series_dtype`); an object column of
  ``datetime.datetime`` (or ``pd.Timestamp``) values is read as the datetime column it holds;
  as categories, every window of dates the reference never held would drift.
  Evidently skips them; both sides must have the same temporal type (naive vs tz-aware, or
  datetime vs number, is refused);
* complex columns, and object columns holding unhashable values (lists, arrays and dicts, as
  Parquet list, map and struct columns read into pandas) are not compared.

No column is left out silently: :attr:`DriftResult.skipped` lists every named column that was
not compared, with its dtype and the reason — ``unsupported type`` (above) or ``time column``
(the ``time_column`` option: the event time is never a feature; a default column list leaves
it out, and naming it in ``columns`` is refused).

Nulls and ±inf are dropped per column and side. Evidently refuses a column that is empty after
that (``ValueError: An empty column ... was provided``); here it is reported instead, with score
NaN: empty on both sides → not drifted; empty on one side only → drifted (the column appeared
or disappeared), ``detail`` says which.

Optional ``correction`` across the p-value columns (``ks``, ``chisquare``, ``z``):
``bonferroni`` divides the threshold by their number; ``fdr`` compares Benjamini–Hochberg
adjusted p-values with the threshold. Distances are never corrected. Evidently has neither.

Memory: no frame is copied. Each column is read as a NumPy view where pandas allows it; a
numeric column is copied once (into the sort buffer of the Wasserstein distance, or without its
null/inf rows); categorical columns are reduced to value counts (category codes directly for
``category`` columns, one hash pass otherwise).
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.columns import RESERVED_TRAINING
from ctloop.config import DriftConfig
from ctloop.drift import stats
from ctloop.errors import ColumnTypesDiffer, ConfigError, DataSourceError, DriftError
from ctloop.metrics import share_text

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

CORRECTIONS = ("bonferroni", "fdr")
ENGINE = "ctloop-numpy"
INTEGER_CARDINALITY_LIMIT = 10  # evidently: int columns with <= 10 distinct values are categorical
KINDS = ("numeric", "categorical")
PARALLEL_MIN_ROWS = 50_000  # below this, threads cost more than they save
APPROXIMATION_FIELDS = ("approximate", "score_low", "score_high", "borderline")
MIN_ROWS = 30  # ``ctloop drift`` refuses a side with fewer rows (--min-rows): a drift test on them says nothing
TIME_COLUMN = "time column"  # reasons of a skipped column
UNSUPPORTED = "unsupported type"
SECONDS_PER_UNIT = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
_MAYBE_UNHASHABLE = ("mixed", "mixed-integer", "unknown-array")  # pandas.api.types.infer_dtype results


@dataclass
class ColumnDrift:
    """One column's verdict. ``score`` is a p-value or a distance (``detail`` says which); NaN
    when a side had no values.

    The streaming engine (:mod:`.streaming`) can only bound some scores: then ``approximate`` is
    true and the exact score (what :func:`detect` would compute on all rows) lies in
    ``[score_low, score_high]`` (``None`` = no bound on that side); ``borderline`` is true when
    the threshold lies inside that range, so the decision may differ from the exact one.
    :func:`detect` is always exact and leaves these fields at their defaults."""

    column: str
    kind: str
    method: str
    score: float
    threshold: float
    drifted: bool
    detail: str = ""
    approximate: bool = False
    score_low: float | None = None
    score_high: float | None = None
    borderline: bool = False
    # why a drifted categorical column's verdict says little (too many distinct values for its
    # rows: :func:`many_categories`); "" otherwise, and then left out of ``to_dict``
    warning: str = ""
    # the p-value of the test with rare values pooled (:func:`ctloop.drift.stats.pooled_pvalue`)
    # of a warned-of p-value column: :func:`finish` judges it at the corrected level and clears
    # the warning when it drifts there; internal, never in ``to_dict``
    pooled_p: float | None = field(default=None, repr=False)
    # a categorical column with a different value in every row (:func:`id_column`): an ID, whose values
    # are new in any later rows; internal, never in ``to_dict`` (the warning says it)
    id_like: bool = field(default=False, repr=False)


# the share of the reference's sum of squared deviations from its mean (its variance) one value
# may hold before the standard deviation that normalises a Wasserstein distance is read as that
# value's (:func:`heavy_tail`): a normal sample of 1,000 holds under 2%, a lognormal (sigma 1)
# under 10%, a Pareto of tail index 0.5 (no mean) most of it
HEAVY_TAIL_SHARE = 0.25
# the share of the pooled values at each end whose split between the sides (:func:`tail_moved`) says
# whether a heavy tail moved: the top 3% of a Pareto(1.5) ten times larger moves most of the top 2%
TAIL_SHARE = 0.02
# the two-sided hypergeometric p-value below which that split says the tail moved (both ends: about
# 1% of same-distribution pairs)
TAIL_MOVED_P = 0.005


def tail_moved(ref: tuple[Any, Any], cur: tuple[Any, Any]) -> bool:
    """Whether either end of two samples, given as ``(sorted distinct values, counts)``, is split
    between them unlike two samples of one distribution: the pooled values at the top (and at the
    bottom), whole values until :data:`TAIL_SHARE` of all, are the current's in about its share of
    all values when nothing changed (hypergeometric, distribution-free), two-sided p below
    :data:`TAIL_MOVED_P`. KS barely sees the largest few percent move; this does."""
    import numpy as np
    from scipy.stats import hypergeom

    keys = np.union1d(ref[0], cur[0])  # ascending, distinct
    rc, cc = np.zeros(len(keys), np.int64), np.zeros(len(keys), np.int64)
    rc[np.searchsorted(keys, ref[0])] = ref[1]
    cc[np.searchsorted(keys, cur[0])] = cur[1]
    total, n_cur = int(rc.sum() + cc.sum()), int(cc.sum())
    want = max(1, int(np.ceil(TAIL_SHARE * total)))
    for r, c in ((rc, cc), (rc[::-1], cc[::-1])):  # the bottom, then the top
        pooled = np.cumsum(r + c)
        last = min(int(np.searchsorted(pooled, want)), len(keys) - 1)  # whole values: ties go together
        drawn, hits = int(pooled[last]), int(c[: last + 1].sum())
        dist = hypergeom(total, n_cur, drawn)
        if min(1.0, 2 * min(dist.cdf(hits), dist.sf(hits - 1))) < TAIL_MOVED_P:
            return True
    return False


def heavy_tail(name: Any, st: Any, largest_square: float, m2: float, ks_p: Callable[[], float],
               moved: Callable[[], bool]) -> str:  # fmt: skip
    """The warning of a column drifted by the normalised Wasserstein distance (``st``: its
    :class:`~ctloop.drift.stats.ColumnStat`) whose reference's variance ``m2`` (the sum of squared
    deviations from its mean) is at least :data:`HEAVY_TAIL_SHARE` one value's
    (``largest_square``), which the rank-based KS test (``ks_p()``: its p-value, computed
    only then) does not find drifted at 0.05, and whose tails did not visibly move (``moved()``:
    :func:`tail_moved`); or ``""``. On such a tail (a Pareto of index below 1 has no mean) both
    the distance and its normalisation follow the few largest values: 3,000 rows a side of one
    Pareto(0.5) distribution drift in about a third of draws. KS hardly sees a change of the
    largest values (the top 3% of a Pareto(1.5) ten times larger: until fix45c such a change was
    warned of as noise in two draws of three), the sides' shares of the pooled extremes do. The
    verdict stays evidently's (it scores them the same)."""
    if st.method != "wasserstein" or not st.drifted or not m2 > 0:
        return ""
    share = largest_square / m2
    if not share >= HEAVY_TAIL_SHARE:
        return ""
    if moved():
        return ""  # the sides' shares of the pooled extremes are not those of one distribution
    p = ks_p()
    if stats.is_drift("ks", p, stats.DEFAULT_THRESHOLDS["ks"]):
        return ""
    return (f"column {shown_name(name)}: one reference value holds {share:.0%} of its variance (a heavy "
            "tail), so the standard deviation that normalises its Wasserstein distance, and the "
            "distance, follow its few largest values: its DRIFT may be noise (two samples of one "
            "such distribution drift by it); KS, which hardly sees changes in the largest values, "
            f"finds none (p = {p:.3g}), nor does either side hold more of the pooled extreme values "
            "than chance gives. Compare its logarithm to keep its tail in view, judge it by ks "
            f"(drift.column_methods: {{{shown_name(name)}: ks}}) if only its bulk matters, or leave "
            "the column out")  # fmt: skip


def id_column(rc: Any, cc: Any, keys: Any = (), rows: int | None = None) -> bool:
    """Whether a categorical column's aligned counts (reference ``rc``, current ``cc``, of the values
    ``keys``) hold a different value in every one of its ``rows`` on both sides, missing ones counted
    (none given: the counted values), values not all measurements (:func:`ctloop.contract.id_like`, the
    fit's rule)."""
    import numpy as np

    from ctloop.contract import id_like

    rc, cc = np.asarray(rc), np.asarray(cc)
    counted = int(rc.sum() + cc.sum())
    return id_like(int(((rc > 0) | (cc > 0)).sum()), counted if rows is None else rows, keys)


def id_warning(name: Any, why: str) -> str:
    """The warning of a drifted ID column (:func:`id_column`), with ``why`` its values are too sparse to
    compare (``""``: not said). Kept when the pooled test drifts (:func:`finish`): sequential ids
    ('FNA-10001' on in time order) drift pooled too."""
    from ctloop.contract import ID_SAID

    return (f"column {shown_name(name)} has {ID_SAID}: each of its values is new in the current data, "
            f"so it drifts in every comparison{f' ({why})' if why else ''}; its DRIFT says nothing of the "
            "data: leave the column out")  # fmt: skip


def many_categories(
    name: Any, st: Any, rc: Any, cc: Any, keys: Any, ident: bool | None = None
) -> tuple[str, float | None]:
    """The warning of a drifted categorical column with too many distinct values for its rows
    (``st``: its :class:`~ctloop.drift.stats.ColumnStat`; ``rc``/``cc``/``keys``: its aligned
    counts, :func:`ctloop.drift.stats.sparse_categories`), or ``""``; with the pooled test's
    p-value of a p-value column (else ``None``), which :func:`finish` judges after the
    correction (a pooled p-value that drifts there clears the warning). An ID column (``ident``, else
    :func:`id_column` of the counts) gets :func:`id_warning` and no pooled p-value: nothing clears it.
    The verdict stays evidently's (it scores such a column the same); the warning says what it
    is worth and what to do."""
    if not st.drifted:
        return "", None
    import numpy as np

    rc, cc, keys = np.asarray(rc), np.asarray(cc), np.asarray(keys)
    k = int(((rc > 0) | (cc > 0)).sum())
    why = stats.sparse_categories(st.method, k, rc, cc, keys, st.score, st.threshold, level=0.0)
    if id_column(rc, cc, keys) if ident is None else ident:  # stop 61: breast_cancer_constant's sample id
        return id_warning(name, why), None
    if not why:
        return "", None
    pooled = stats.pooled_pvalue(rc, cc, keys) if st.method in stats.P_VALUE_METHODS else None
    return (f"column {shown_name(name)}: {why}, so its DRIFT says little: compare more rows, group rare "
            "values into one, or leave the column out"), pooled  # fmt: skip


def shown_name(name: Any) -> str:
    """A column name as the table, the verdict's reason and the skipped line print it: as it is,
    or as a quoted Python literal (``'b '``, ``'x\\ny'``) when it is empty, has blanks at an
    end, holds a character that does not print (a newline, a tab, a control character), or
    starts with a quote (``"'b '"``, which would print as the quoted form of ``b ``): so ``b``
    and ``b `` read apart, every printed form reads back as one name, and a name cannot start a
    line of its own that reads like a verdict. A name not in Unicode's composed form (NFC:
    ``cafe`` + a combining accent) is quoted with its non-ASCII characters escaped
    (``'cafe\\u0301'``): it prints like its composed twin ``café``, a different column."""
    import unicodedata

    text = str(name)
    if unicodedata.normalize("NFC", text) != text:
        return ascii(text)
    if text and text == text.strip() and text.isprintable() and not text.startswith(("'", '"')):
        return text
    return repr(text)


@dataclass
class SkippedColumn:
    """A named column that was not compared: its dtype (as pandas reads it; ``list``/``dict``
    for nested values) and why (:data:`TIME_COLUMN` or :data:`UNSUPPORTED`)."""

    column: str
    dtype: str
    reason: str

    def __str__(self) -> str:
        return f"{shown_name(self.column)} ({self.dtype}, {self.reason})"


def skipped_line(skipped: list[SkippedColumn]) -> str:
    """``skipped 2 column(s): created_at (datetime64[ns], time column), tags (list, unsupported
    type)``; empty when nothing was skipped."""
    if not skipped:
        return ""
    return f"skipped {len(skipped)} column(s): " + ", ".join(map(str, skipped))


@dataclass
class DriftResult:
    """The dataset verdict: ``drifted`` = ``share >= drift_share``; ``skipped`` = the named
    columns not compared (:class:`SkippedColumn`)."""

    drifted: bool
    share: float
    n_drifted: int
    reason: str
    columns: list[ColumnDrift] = field(default_factory=list)
    engine: str = ENGINE
    n_columns: int = 0
    drift_share: float = DriftConfig.share
    correction: str | None = None
    approximate: bool = False
    borderline: bool = False
    skipped: list[SkippedColumn] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN scores and thresholds become ``None``). The approximation fields
        (``approximate``, ``score_low``, ``score_high``, ``borderline``) are listed only when
        some score is approximate, so an exact result's JSON is what it always was."""
        out = asdict(self)
        for col in out["columns"]:
            for key in ("score", "threshold", "score_low", "score_high"):
                if col[key] is not None and col[key] != col[key]:
                    col[key] = None
            if not col["approximate"]:
                for key in APPROXIMATION_FIELDS:
                    del col[key]
            del col["pooled_p"], col["id_like"]
            if not col["warning"]:
                del col["warning"]
        if not self.approximate:
            del out["approximate"], out["borderline"]
        if self.warnings:
            out["warnings"] = self.warnings
        return out

    @property
    def warnings(self) -> list[str]:
        """The columns' warnings (:attr:`ColumnDrift.warning`), in column order."""
        return [c.warning for c in self.columns if c.warning]


# ---------------------------------------------------------------------------- column typing
OBJECT_DATE, OBJECT_TIME = "object (date)", "object (time)"  # how a column of datetime.date/time objects is named
# how an object column of datetime.datetime objects is named (naive; with a time zone: compared
# as UTC instants, and ``ctloop.monitoring.window.as_temporal`` reads the zone after ", ")
OBJECT_DATETIME, OBJECT_DATETIME_TZ = "object (datetime64[ns])", "object (datetime64[ns, UTC])"


def temporal_type(dtype: Any) -> str | None:
    """``datetime``, ``datetime (tz-aware)``, ``timedelta``, ``date``, ``time`` or ``None`` for
    a pandas dtype or its name (also an Arrow type's name: ``timestamp[ns, tz=UTC]``,
    ``duration[s]``, ``date32[day]``, ``time64[us]``; :func:`series_dtype`'s ``object (date)``
    and ``object (time)``)."""
    name = str(dtype)
    if name.startswith(("datetime64", "timestamp", "object (datetime64")):
        return "datetime (tz-aware)" if ("," in name or "tz=" in name) else "datetime"
    if name.startswith(("timedelta64", "duration")):
        return "timedelta"
    if name.startswith(("date32", "date64")) or name == OBJECT_DATE:
        return "date"
    if name.startswith(("time32", "time64")) or name == OBJECT_TIME:
        return "time"
    return None


def series_dtype(series: pd.Series) -> str:
    """The column's dtype name, ``object (date)``/``object (time)`` for an object column of
    ``datetime.date``/``datetime.time`` values (a Parquet ``date32``/``time64`` column as pandas
    reads it), ``object (datetime64[ns])``/``object (datetime64[ns, UTC])`` for one of
    ``datetime.datetime`` values (a frame built from Python rows), so :func:`temporal_type`
    sees them; tz-aware when any value has a time zone (a column mixing both is refused when
    read: :func:`temporal_seconds`)."""
    import pandas as pd

    if series.dtype == object and series.notna().any():
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred == "date":
            return OBJECT_DATE
        if inferred == "time":
            return OBJECT_TIME
        if inferred == "datetime":
            aware = any(getattr(v, "tzinfo", None) is not None for v in series.dropna().to_numpy())
            return OBJECT_DATETIME_TZ if aware else OBJECT_DATETIME
    return str(series.dtype)


def epoch_seconds(counts: np.ndarray, unit: str) -> np.ndarray:
    """Integer counts of ``unit`` (``s``, ``ms``, ``us``, ``ns``) as float64 seconds, computed
    as whole seconds plus the rounded fraction, so one instant gives the same float whatever the
    unit it is stored in (pandas and Arrow may keep different units of one column)."""
    import numpy as np

    per = SECONDS_PER_UNIT[unit]
    whole, frac = np.divmod(np.asarray(counts, dtype=np.int64), per)
    return whole.astype(np.float64) + frac / per


def arrow_seconds(arrow: Any) -> np.ndarray:
    """An Arrow timestamp, duration, date or time array as float64 seconds (:func:`epoch_seconds`:
    since the epoch, UTC for tz-aware timestamps; a date's midnight; a time of day's seconds since
    midnight; a duration's length), nulls as 0 (the caller drops or masks them)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    typ = arrow.type
    if pa.types.is_date32(typ):  # days since the epoch
        days = pc.fill_null(pc.cast(arrow, pa.int32()), 0).to_numpy(zero_copy_only=False)
        return days.astype(np.float64) * 86400.0
    if pa.types.is_date64(typ):
        return epoch_seconds(pc.fill_null(pc.cast(arrow, pa.int64()), 0).to_numpy(zero_copy_only=False), "ms")
    width = pa.int32() if pa.types.is_time32(typ) else pa.int64()
    counts = pc.fill_null(pc.cast(arrow, width), 0).to_numpy(zero_copy_only=False)
    return epoch_seconds(counts, typ.unit)


def temporal_seconds(series: pd.Series) -> np.ndarray:
    """A temporal column (:func:`temporal_type` of :func:`series_dtype`) as float64 seconds
    (:func:`arrow_seconds`), NaN where it is null: NumPy-backed (``DatetimeArray``/
    ``TimedeltaArray``), Arrow-backed (``pd.ArrowDtype`` timestamp, duration, date or time, as
    ``pandas.read_parquet`` gives back a file written from such a frame), or objects of
    ``datetime.date``/``datetime.time`` (a Parquet ``date32``/``time64`` column as pandas reads it).

    Raises:
        DriftError: an object column of dates that also holds other values.
    """
    import numpy as np
    import pandas as pd

    if isinstance(series.dtype, pd.ArrowDtype):
        import pyarrow as pa

        seconds = arrow_seconds(pa.array(series.array))
    elif series.dtype == object and series_dtype(series) in (OBJECT_DATETIME, OBJECT_DATETIME_TZ):
        import pyarrow as pa

        aware = series_dtype(series) == OBJECT_DATETIME_TZ
        values = series.to_numpy()
        if any((getattr(v, "tzinfo", None) is None) == aware for v in series.dropna().to_numpy()):
            raise DriftError(
                f"column {series.name!r} holds datetimes that do not make one datetime column (naive and "
                "tz-aware datetimes mixed): give every value the same time zone, or none"
            )
        try:  # at microsecond precision (a datetime's own), so year 9999 (an open-ended SQL date) fits;
            # tz-aware: the UTC instants, as a datetime64[ns, tz] column's
            arrow = pa.array(values, type=pa.timestamp("us", tz="UTC" if aware else None), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise DriftError(
                f"column {series.name!r} holds datetimes outside the range a datetime column can hold "
                f"({exc}): replace them, or give the column as datetime64[us]"
            ) from exc
        seconds = arrow_seconds(arrow)
    elif series.dtype == object:
        import pyarrow as pa

        kind = temporal_type(series_dtype(series))
        try:
            arrow = pa.array(series.to_numpy(), type=pa.date32() if kind == "date" else pa.time64("us"),
                             from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise DriftError(
                f"column {series.name!r} holds {kind}s mixed with other values ({exc}): give it one type"
            ) from exc
        seconds = arrow_seconds(arrow)
    else:
        arr = series.array  # DatetimeArray / TimedeltaArray: int64 counts (UTC when tz-aware)
        seconds = epoch_seconds(arr.asi8, arr.unit)
    seconds[series.isna().to_numpy()] = np.nan
    return seconds


def decimal_object(series: pd.Series) -> bool:
    """Whether ``series`` is an object column of ``decimal.Decimal`` values (``pandas.read_sql``
    of a SQL ``NUMERIC``/``DECIMAL`` column, ``pd.read_parquet`` of a Parquet ``decimal128``): a
    number column, compared as float64 as a Parquet decimal read by ``ctloop.storage`` is."""
    import numbers
    from decimal import Decimal

    import numpy as np
    import pandas as pd

    if series.dtype != object:
        return False
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred == "decimal":
        return True
    if inferred not in ("mixed", "mixed-integer", "mixed-integer-float"):
        return False
    # Decimals with a plain int or float among them (a hand-built frame, a driver's odd row): still numbers
    values = series.dropna().to_numpy()
    return any(isinstance(v, Decimal) for v in values) and all(
        isinstance(v, (Decimal, numbers.Real)) and not isinstance(v, (bool, np.bool_)) for v in values
    )


def rows_named(series: pd.Series, first_row: int | None = None) -> Iterator[str]:
    """Each row of ``series`` as a refusal of a Python frame's value names it, the one rule (review 61 M3):
    ``row N`` counted from 1 (``contract.row_said``) at ``first_row`` (0-based: a chunk's first row of its
    side, across chunks), else at the series' own first row when its index is pandas' default (0, 1, 2, ...:
    a frame read from a file, a hand-built one); a user's index (dates, ids, a filtered frame's labels) by
    ``index label X``, the label ``frame.loc`` finds it by."""
    import pandas as pd

    from ctloop.contract import row_said

    index = series.index
    if first_row is not None:
        return (row_said(first_row + i) for i in range(len(series)))
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return (row_said(i) for i in range(len(series)))
    return (f"index label {label!r}" for label in index)


def refuse_signaling_nan(series: pd.Series, first_row: int | None = None) -> None:
    """Refuse an object column holding ``Decimal('sNaN')``: a signaling NaN is neither a number
    nor missing to pandas (its own ``isna`` raises ``decimal.InvalidOperation`` on it), where
    ``Decimal('NaN')`` is a missing value. SQL ``NUMERIC`` and Parquet decimals cannot hold it.

    ``first_row``: the series is a chunk whose first row is this row of its side (counted from 0
    across chunks: the row of the chunks concatenated), named instead of the chunk's own labels.

    Raises:
        DriftError: one line naming the column, the value and its row (:func:`rows_named`).
    """
    import pandas as pd

    if series.dtype != object or pd.api.types.infer_dtype(series, skipna=True) not in _MAY_HOLD_DECIMALS:
        return
    from decimal import Decimal

    for where, value in zip(rows_named(series, first_row), series.to_numpy(), strict=True):
        if isinstance(value, Decimal) and value.is_snan():
            raise DriftError(
                f"column {series.name!r} holds {value!r} (a signaling NaN, {where}): neither a "
                "number nor a missing value; store a missing value as None or Decimal('NaN')"
            )


_MAY_HOLD_DECIMALS = ("decimal", "mixed", "mixed-integer", "mixed-integer-float")


def unsupported_dtype(series: pd.Series) -> str | None:
    """The dtype label of a column no method can compare, else ``None``: complex numbers, and
    object columns holding unhashable values — ``list`` (lists and NumPy arrays: Parquet list
    and map columns), ``dict`` (Parquet structs), or the value's type name."""
    import numpy as np
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_complex_dtype(dtype):
        return str(dtype)
    if isinstance(dtype, pd.ArrowDtype):  # Arrow-backed: its type says it (as the streamed engine reads it)
        import pyarrow as pa

        typ = dtype.pyarrow_dtype
        if pa.types.is_struct(typ):
            return "dict"
        return "list" if pa.types.is_nested(typ) else None
    if dtype != np.dtype("O"):
        return None
    if pd.api.types.infer_dtype(series, skipna=True) not in _MAYBE_UNHASHABLE:
        return None  # one C pass: all strings, numbers, dates... (the common case)
    found = {t for t in set(map(type, series.to_numpy())) if t.__hash__ is None}
    if not found:
        return None
    labels = {"list" if issubclass(t, (list, np.ndarray)) else "dict" if issubclass(t, dict) else t.__name__
              for t in found}  # fmt: skip
    return "/".join(sorted(labels))


def column_kind(series: pd.Series, *, supported: bool = False) -> str | None:
    """``numeric``, ``categorical`` or ``None`` (not compared: :func:`unsupported_dtype`; not
    checked again when the caller did, ``supported=True``), by evidently's rules (module doc).
    Give it the *current* frame's column, as evidently does."""
    import pandas as pd

    dtype = series.dtype
    if temporal_type(series_dtype(series)) is not None:
        return "numeric"
    if not supported and unsupported_dtype(series) is not None:
        return None
    if decimal_object(series):
        return "numeric"
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        return "categorical"
    if pd.api.types.is_integer_dtype(dtype):
        if series.hasnans:  # nullable Int64: its integers without the nulls (not as float64: ids
            values = series.dropna().to_numpy()  # near 2**62 would collapse into a few floats)
        else:
            values = series.to_numpy()
        limit = INTEGER_CARDINALITY_LIMIT
        return "categorical" if stats.count_unique(values, limit) <= limit else "numeric"
    return "numeric"


def numeric_values(series: pd.Series, side: str = "") -> np.ndarray:
    """A numeric column as float64 without nulls and ±inf (a view when nothing is dropped); a
    datetime or timedelta column as seconds (:func:`epoch_seconds`), without NaT. ``side``
    (``reference``, ``current``): which side's column this is, said in the refusal of a column of
    text with its first value that is no number (:func:`first_word`, round 61)."""
    import numpy as np

    if temporal_type(series_dtype(series)) is not None:
        seconds = temporal_seconds(series)
        valid = ~np.isnan(seconds)
        return seconds if valid.all() else seconds[valid]
    if not numbers_like(series):
        if side in ("reference", "current"):
            other = "current data" if side == "reference" else "reference"
            word = first_word(series)
            made = f", made text by {word}," if word else ""
            raise ColumnTypesDiffer(
                f"column {series.name!r} is {series.dtype}{made} in the {'reference' if side == 'reference' else 'current data'} "
                f"but numeric in the {other}: give it the same type in both frames", series.name,
            )
        raise ColumnTypesDiffer(
            f"column {series.name!r} is numeric in the current data but {series.dtype} in the "
            "reference (or the other way round): give it the same type in both frames", series.name,
        )
    arr = float64_values(series)
    finite = np.isfinite(arr)
    return arr if finite.all() else arr[finite]


def numbers_like(series: pd.Series) -> bool:
    """Whether :func:`numeric_values` reads ``series`` (not a datetime: told before) as numbers."""
    import pandas as pd

    numeric = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    return numeric or decimal_object(series) or object_numbers(series)


def object_numbers(series: pd.Series) -> bool:
    """Whether ``series`` is an object column of plain numbers only (Python or NumPy ints and
    floats besides nulls; no bool, no text), as ``pandas.read_sql``, a JSON load or a frame built
    from Python rows gives. Compared as a numeric column when its kind is numeric — the *current*
    side's kind decides (:func:`column_kind`): against a float64 window, a reference of such
    objects is read as the numbers it holds (evidently 0.7.23 fails there, ``np.isfinite`` on
    the objects); against a current column of such objects, it stays categorical."""
    import pandas as pd

    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in (
        "integer", "floating", "mixed-integer-float")  # fmt: skip


def compared_as_numbers(series: pd.Series, current: pd.Series) -> bool:
    """Whether ``series``, an object column of plain numbers (:func:`object_numbers`), is compared
    as the numbers it holds: when the ``current`` side's column (the one rule, :func:`column_kind`)
    is numeric; against a current column of such objects it is compared as categories, its
    values as they are (``10**400`` a category, not a float64 overflow)."""
    return object_numbers(series) and column_kind(current, supported=True) == "numeric"


def float64_values(series: pd.Series, first_row: int | None = None) -> np.ndarray:
    """A number column (an object column of Decimals and plain numbers too) as float64, nulls as
    NaN. ``first_row``: as for :func:`refuse_signaling_nan`.

    Raises:
        DriftError: a plain Python ``int`` beyond float64's range (``10**400``; a Decimal that
            large reads as ``inf``), naming the column, the value and its row.
    """
    import numpy as np

    try:
        return series.to_numpy(dtype=float, na_value=np.nan)
    except OverflowError:
        refuse_beyond_float(series.name, zip(rows_named(series, first_row), series.to_numpy(), strict=True))
        raise


def refuse_beyond_float(name: Any, labelled: Iterable[tuple[Any, Any]]) -> None:
    """Refuse the first value of ``(where, value)`` pairs that float64 cannot hold (``where`` as
    :func:`rows_named` says it; ``None``: a value counted from an earlier chunk or partition, its row not kept).

    Raises:
        DriftError: one line naming column ``name``, the value (its digits cut) and its row.
    """
    for label, value in labelled:
        try:
            float(value)
        except OverflowError:
            digits = str(value)
            shown = digits if len(digits) <= 24 else f"{digits[:12]}... ({len(digits.lstrip('-'))} digits)"
            where = "counted before" if label is None else label
            raise DriftError(
                f"column {name!r} holds {shown} ({where}), an integer beyond float64's range, "
                "among numbers compared as float64: scale it, or store the column as text"
            ) from None
        except (TypeError, ValueError):
            continue


def refuse_mixed_temporal(name: str, reference_dtype: Any, current_dtype: Any) -> None:
    """Refuse a column that is temporal on one side only, or naive on one side and tz-aware on
    the other: its seconds would be compared with numbers of another meaning (numeric), or its
    instants counted against a few integers or text as categories that can never match
    (categorical: the current side's kind decides, so a date against such a column was judged).

    Raises:
        DriftError: the two sides' temporal types differ.
    """
    ref, cur = temporal_type(reference_dtype), temporal_type(current_dtype)
    if ref == cur:
        return
    fix = ("localize both to one time zone (e.g. UTC)" if ref and cur and ref.startswith("datetime")
           and cur.startswith("datetime") else "give it the same type in both frames")  # fmt: skip
    raise ColumnTypesDiffer(
        f"column {name!r} is {current_dtype} in the current data but {reference_dtype} in the "
        f"reference: {fix}", name, temporal=True,
    )


def number_or_text(series: pd.Series) -> str | None:
    """``number`` for an integer or float column (nullable ones too, not bool; a ``category`` of
    numbers), ``text`` for strings (``object`` of strings, a pandas string dtype, a ``category``
    of strings), ``bytes`` for ``bytes`` values (Arrow ``binary``), else
    ``None``: the two sides a categorical comparison can never match (``0`` is not ``"0"``)."""
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or temporal_type(dtype) is not None:
        return None
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if isinstance(dtype, pd.CategoricalDtype):  # its categories' type: numbers or text
        return number_or_text(pd.Series(dtype.categories))
    if isinstance(dtype, pd.StringDtype):
        return "text"
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        typ = dtype.pyarrow_dtype
        if pa.types.is_binary(typ) or pa.types.is_large_binary(typ) or pa.types.is_fixed_size_binary(typ):
            return "bytes"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred == "bytes":  # a Parquet BYTE_ARRAY without the UTF8 annotation: b"a" is not "a"
        return "bytes"
    return "text" if inferred in ("string", "mixed-integer") else None


def first_word(values: Any, *, rows: bool = True) -> str | None:
    """The first value of ``values`` (a column, in its order; or a stream's counted values) that is no number,
    as a refusal names it: ``'n/a?' (row 4)`` (rows counted from 1 after the header, ``contract.row_said``; a
    Python frame's own index by :func:`rows_named`, a directory's file and row by :func:`_row_in_files`), without
    the row when ``rows`` is False (a stream's counts keep no row); None when every value reads as a number or is
    missing. What made a column of numbers text (a CSV reader's stray word), for
    :func:`refuse_number_against_text` (round 61)."""
    import pandas as pd

    from ctloop.contract import row_said, shown_value

    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values.to_numpy(dtype=object),
                       dtype=object)
    words = (series.notna() & pd.to_numeric(series.map(lambda v: v.strip() if isinstance(v, str) else v),
                                            errors="coerce").isna()).to_numpy(dtype=bool)
    if not words.any():
        return None
    at = int(words.argmax())
    if not rows:
        return shown_value(series.iloc[at])
    return f"{shown_value(series.iloc[at])} ({_row_in_files(values, at) if isinstance(values, pd.Series) else row_said(at)})"


def _row_in_files(values: pd.Series, at: int) -> str:
    """Position ``at`` of column ``values`` as a refusal names it: ``part-1.csv, row 4`` when the column was read
    from a directory of files (``storage.TABLE_FILES``: each file's rows), else as :func:`rows_named` says it; a
    directory's column whose rows no longer are its files' (filtered) is named without its row."""
    from itertools import accumulate, islice

    from ctloop.contract import row_said
    from ctloop.storage import TABLE_FILES

    files = values.attrs.get(TABLE_FILES)
    if not files:
        return next(islice(rows_named(values), at, None))
    if sum(n for _, n in files) != len(values):
        return "in one of its files"
    for (name, n), end in zip(files, accumulate(n for _, n in files), strict=True):
        if at < end:
            return f"{name}, {row_said(at - (end - n))}"
    return "in one of its files"  # not reached: the rows add up


def refuse_number_against_text(name: str, reference: tuple[str | None, Any],
                               current: tuple[str | None, Any], words: tuple[str | None, str | None] = (None, None),
                               ) -> None:  # fmt: skip
    """Refuse a column compared as categories that is numbers on one side and text on the
    other, or bytes against either (each side given as (``number``/``text``/``bytes``/``None``,
    its dtype)): its values could never match (``0`` against ``"0"``, ``b"a"`` against ``"a"``),
    so every value would count as new and the column be judged drifted (a CSV code column with
    one stray word is text on that side). ``words``: each side's first value that is no number
    (:func:`first_word`), named beside a text side's type: what made the column text.

    Raises:
        DriftError: the two sides hold different kinds of values.
    """
    pair = {reference[0], current[0]}
    if None in pair or len(pair) < 2:
        return
    kinds = {"number": "numbers", "bytes": "bytes", "text": "text"}
    first, second = sorted(pair, key=list(kinds).index)

    def shown(side: tuple[str | None, Any], word: str | None) -> str:  # "object" alone does not say what it holds
        kind = f"object ({kinds[side[0]]})" if str(side[1]) == "object" else str(side[1])
        return f"{kind}, made text by {word}," if word and side[0] == "text" and "number" in pair else kind

    raise ColumnTypesDiffer(
        f"column {name!r} is {shown(current, words[1])} in the current data but {shown(reference, words[0])} in the "
        f"reference: {kinds[first]} on one side and {kinds[second]} on the other never match as "
        "categories; give it the same type in both frames"
        + (" (decode the bytes as UTF-8 text)" if "bytes" in pair else ""), name,
    )


def _raw_values(series: pd.Series) -> np.ndarray:
    """The column as a NumPy array, nulls kept (``factorize`` gives them code -1)."""
    import numpy as np
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.PeriodDtype):  # as text, as the streamed engine counts a Period column
        return np.array([None if v is pd.NaT else str(v) for v in series.to_numpy(dtype=object)], dtype=object)
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_extension_array_dtype(dtype):
        return series.to_numpy(dtype=object, na_value=None)
    return series.to_numpy()


def _is_inf(value: Any) -> bool:
    return isinstance(value, float) and math.isinf(value)


def categorical_counts(ref: pd.Series, cur: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aligned value counts of a categorical column on both sides and the values, without
    nulls and ±inf; only values seen on a side are listed.

    ``category`` columns are counted from their codes (no hashing of values); anything else
    with one ``pandas.factorize`` pass over both sides.
    """
    import numpy as np
    import pandas as pd

    if isinstance(ref.dtype, pd.CategoricalDtype) and isinstance(cur.dtype, pd.CategoricalDtype):
        r_cats, c_cats = ref.cat.categories, cur.cat.categories
        mapping, keys = pd.factorize(r_cats.append(c_cats))
        k = len(keys)
        counts = []
        for series, cats_map in ((ref, mapping[: len(r_cats)]), (cur, mapping[len(r_cats) :])):
            codes = series.cat.codes.to_numpy()
            per_cat = (
                np.bincount(codes[codes >= 0], minlength=len(cats_map))
                if len(codes)
                else np.zeros(len(cats_map), int)
            )
            side = np.zeros(k, dtype=np.int64)
            np.add.at(side, cats_map, per_cat)
            counts.append(side)
        rc, cc = counts
        keys = np.asarray(keys, dtype=object)
    else:
        r, c = _raw_values(ref), _raw_values(cur)
        if r.dtype != c.dtype:  # e.g. bool vs object: hash as Python objects, like pd.concat
            r, c = r.astype(object), c.astype(object)
        codes, keys = pd.factorize(np.concatenate([r, c]), sort=False)  # nulls -> -1
        k = len(keys)
        rc = np.bincount(codes[: len(r)] + 1, minlength=k + 1)[1:]
        cc = np.bincount(codes[len(r) :] + 1, minlength=k + 1)[1:]
        keys = np.asarray(keys, dtype=object)
    keep = (rc + cc) > 0
    if keys.dtype == object and any(_is_inf(v) for v in keys.tolist()):
        keep &= np.array([not _is_inf(v) for v in keys.tolist()])  # evidently drops ±inf
    return rc[keep], cc[keep], keys[keep]


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


# ---------------------------------------------------------------------------- input checks
def shared_columns(
    reference_columns: list[str],
    current_columns: list[str],
    *,
    skip: set[str] | frozenset[str] = frozenset(),
    reference: str = "the reference data",
    current: str = "the current data",
    log_columns: Any = None,
) -> list[str]:
    """The columns to compare when none are named: every column of the reference not in
    ``skip``. A reference column the current data lacks is refused, naming it and the side that
    lacks it (a renamed or dropped feature would otherwise go unchecked); columns only the
    current data has (an inference log's request ids and predictions) are not compared.
    ``log_columns``: the current side's columns as stored, when it is an inference log read
    through :func:`log_sources` (``current_columns`` is then :func:`log_view`): a missing column
    the log has under that name holds the log's own value, and the refusal says so.

    Raises:
        ConfigError: a reference column is missing from the current data.
    """
    have = set(current_columns)
    missing = [c for c in reference_columns if c not in skip and c not in have]
    if missing:
        theirs = set(reference_columns)
        extra = [c for c in current_columns if c not in theirs and c not in skip]
        names = ", ".join(repr(str(c)) for c in missing[:8]) + ("…" if len(missing) > 8 else "")
        only = (f"; it has {', '.join(repr(str(c)) for c in extra[:8])} that the reference lacks"
                if extra else "")
        alike: dict[str, list[Any]] = {}  # each name normalised once: 3,000 x 3,000 names took 2.3 s
        for e in extra:
            alike.setdefault(_nfc(e), []).append(e)
        twins = [(m, e) for m in missing for e in alike.get(_nfc(m), ())]  # print alike
        if twins:
            only += "; " + ", ".join(f"{ascii(str(m))} (reference) and {ascii(str(e))} (current)"
                                     for m, e in twins[:8]) + " differ only in their Unicode form: write both in one (NFC)"
        logged = set(log_columns or ())
        held = [c for c in missing if c in logged]
        held_text = ("; the inference log's column(s) " + ", ".join(repr(str(c)) for c in held[:8])
                     + " hold the log's own values (a prediction, a request header, an identity column), not "
                     "the feature, which the sink stores as " + ", ".join(
                         repr(feature_column(str(c))) for c in held[:8]) + ": no row of this log has it"
                     if held else "")
        raise ConfigError(
            f"{current} lacks column(s) {names} of {reference}{held_text}{only}: give both sides the same "
            f"columns, leave them out with --exclude {','.join(map(str, missing))}, or name the "
            "compared columns with --columns"
        )
    return [c for c in reference_columns if c not in skip]


def _nfc(name: Any) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", str(name))


def is_inference_log(columns: Any) -> bool:
    """Whether ``columns`` are an inference log's (``request_id``, ``has_request`` and
    ``has_response`` all there)."""
    from ctloop.columns import HAS_REQUEST, HAS_RESPONSE, REQUEST_ID

    return {REQUEST_ID, HAS_REQUEST, HAS_RESPONSE} <= set(columns)


def feature_column(name: str) -> str:
    """The inference log column the sink stores the feature ``name`` in
    (:func:`ctloop.inference_log.events.feature_column`)."""
    from ctloop.inference_log.events import feature_column as column

    return column(name)


def log_sources(features: Any, log_columns: Any, *, layout: Any = ()) -> dict[str, tuple[str, ...]]:
    """Per feature named in ``features`` that an inference log (``log_columns``) does not hold in
    a column of its own name, the log columns that hold it, the first preferred row by row
    (:func:`ctloop.inference_log.events.feature_sources`: ``input_<name>``, then ``<name>`` in
    rows older than the rename): ``()`` when none is there. Its own column then holds the log's
    value, never the feature's: the response's prediction (``prediction*``), a request header
    (``meta_*``), an identity column (``time``, ``model``, ...). ``layout``: hive partition keys
    (``date``), which are never a feature's values. Features stored under their own name are not
    listed."""
    from ctloop.inference_log.events import feature_sources

    every = set(log_columns)
    have = every - set(layout)
    out = {}
    for name in features:
        held = tuple(c for c in feature_sources(str(name)) if c in have)
        if held != (name,) and (held or name in every):
            out[name] = held
    return out


def log_view(log_columns: Any, sources: dict[str, tuple[str, ...]]) -> list[str]:
    """The columns of an inference log as the features of :func:`log_sources` read it: a
    feature held in another column is there under its own name, one the log does not hold is
    not (its own column is the log's value)."""
    have = set(log_columns)
    return [*(c for c in log_columns if c not in sources or sources[c]),
            *(f for f, held in sources.items() if held and f not in have)]


def source_columns(columns: Any, sources: dict[str, tuple[str, ...]]) -> list[str]:
    """The log columns every file must hold for ``columns`` (:func:`log_sources`): a feature's
    one column; none for a feature read from two (older files hold the other)."""
    return [c for name in columns for c in (sources[name] if name in sources else (name,))
            if name not in sources or len(sources[name]) == 1]


def read_log_features(frame: pd.DataFrame, sources: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """An inference log frame with each feature of ``sources`` (:func:`log_sources`) read from
    the columns that hold it (coalesced row by row, the first preferred), and a column of the
    feature's name that holds the log's own value dropped."""
    out = frame.drop(columns=[f for f, held in sources.items() if not held and f in frame.columns])
    values = {}
    for name, held in sources.items():
        if not held:
            continue
        value = frame[held[0]]
        for other in held[1:]:
            value = value.where(value.notna(), frame[other])
        values[name] = value.rename(name)
    return out.assign(**values) if values else out


def infinite_values(frame: pd.DataFrame, columns: list[str]) -> dict[str, int]:
    """``{column: rows holding +inf/-inf}`` for the ``columns`` of ``frame`` that have any."""
    import numpy as np
    import pandas as pd

    out = {}
    for name in columns:
        col = frame[name]
        if pd.api.types.is_float_dtype(col.dtype):
            n = int(np.isinf(col.to_numpy(dtype=float, na_value=np.nan)).sum())
        elif col.dtype == object:
            n = int(col.isin([math.inf, -math.inf]).sum())
        else:
            n = 0
        if n:
            out[str(name)] = n
    return out


LEAVE_OUT = "or leave the column out with --exclude {col}"
"""How ``ctloop drift`` leaves a column out (the end of :func:`refuse_infinite`'s and
:func:`refuse_extremes`' messages); ``detect_drift`` passes its own."""


def refuse_infinite(counts: dict[str, dict[str, int]], rows: dict[str, int], *, leave_out: str = LEAVE_OUT) -> None:
    """Refuse ±inf values (``counts``: ``{side: {column: n}}``, ``rows``: ``{side: rows}``),
    naming the first column, its side and count. The statistics drop them silently (as evidently
    does), so a column that is one fifth infinite would be judged on the rest without a word.

    Raises:
        DriftError: some column holds infinite values.
    """
    found = [(side, col, n) for side, cols in counts.items() for col, n in cols.items() if n]
    if not found:
        return
    side, col, n = found[0]
    more = f" (and {len(found) - 1} more column/side pair(s))" if len(found) > 1 else ""
    raise DriftError(
        f"column {col!r} holds {n} infinite value(s) (inf/-inf) in {side}, {n / max(rows[side], 1):.1%} "
        f"of its rows{more}: drift statistics cannot use them; replace them with numbers or nulls, "
        + leave_out.format(col=col)
    )


def extreme_values(frame: pd.DataFrame, columns: list[str], current: pd.DataFrame | None = None) -> dict[str, float]:
    """``{column: its value of largest magnitude}`` for the float ``columns`` of ``frame`` (and
    its object columns of plain numbers compared as numbers, :func:`compared_as_numbers`: the
    ``current`` frame's column decides, ``frame`` itself by default) holding a finite value
    beyond :data:`ctloop.metrics.LARGEST_VALUE`."""
    import numpy as np
    import pandas as pd

    from ctloop.metrics import LARGEST_VALUE

    out = {}
    for name in columns:
        if pd.api.types.is_float_dtype(frame[name].dtype) or compared_as_numbers(
                frame[name], (frame if current is None else current)[name]):  # fmt: skip
            values = float64_values(frame[name])
            big = np.isfinite(values) & (np.abs(values) > LARGEST_VALUE)
            if big.any():
                out[str(name)] = largest(values[big])
    return out


def largest(values: Any) -> float:
    """The value of largest magnitude (the positive one of a tie)."""
    return float(max(values, key=lambda v: (abs(v), v)))


def refuse_extremes(found: dict[str, dict[str, float]], *, leave_out: str = LEAVE_OUT) -> None:
    """Refuse the first column (``found``: ``{side: {column: value}}``, :func:`extreme_values`)
    holding finite values beyond :data:`ctloop.metrics.LARGEST_VALUE`, naming its side and its
    largest value (as ±inf is refused): the statistics overflow float64 on them (a score of inf,
    a histogram of 1e308 and -1e308 that numpy cannot bin).

    Raises:
        DriftError: some column holds such values.
    """
    from ctloop.metrics import LARGEST_VALUE

    for side, columns in found.items():
        for col, value in columns.items():
            raise DriftError(
                f"column {col!r} holds values beyond ±{LARGEST_VALUE:g} in {side}, e.g. {value:g}: drift "
                "statistics overflow float64 on them; rescale them, replace them with nulls, "
                + leave_out.format(col=col)
            )


def refuse_few_rows(rows: dict[str, int], min_rows: int) -> None:
    """Refuse a side (``rows``: ``{side: rows}``) with fewer than ``min_rows`` rows: a drift
    statistic on a handful of rows is noise (a 1-row table would be called drifted).

    Raises:
        DriftError: a side has too few rows.
    """
    for side, n in rows.items():
        if n < min_rows:
            raise DriftError(
                f"{side} has {n} row{'' if n == 1 else 's'}: a drift check needs at least {min_rows} "
                "per side (--min-rows); compare a longer period, or lower --min-rows"
            )


# ---------------------------------------------------------------------------- validation
def _check_method(where: str, method: Any) -> None:
    if method not in stats.METHODS:
        raise ConfigError(
            f"{where} = {method!r} is not a drift method; choose one of {', '.join(stats.METHODS)}"
        )


def _check_threshold(where: str, value: Any) -> float:
    try:
        thr = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where} = {value!r} is not a number; give e.g. 0.05 (p-value) or 0.1 (distance)"
        ) from exc
    if not math.isfinite(thr) or thr < 0:
        raise ConfigError(
            f"{where} = {value!r} must be a finite number >= 0, e.g. 0.05 (p-value) or 0.1 (distance)"
        )
    return thr


def empty_column(
    name: str, kind: str, method: str | None, thr: float | None, n_ref: int, n_cur: int
) -> ColumnDrift:
    """The verdict of a column with no values (all null/inf) on a side (module doc)."""
    both = n_ref == 0 and n_cur == 0
    side = "reference" if n_ref == 0 else "current"
    shown = method or "n/a"
    threshold = thr if thr is not None else stats.DEFAULT_THRESHOLDS.get(shown, float("nan"))
    detail = (
        "no values on either side (all null/inf)"
        if both
        else f"no values in the {side} data (all null/inf)"
    )
    return ColumnDrift(name, kind, shown, float("nan"), threshold, not both, detail)


def _one_column(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    name: str,
    kind: str,
    method: str | None,
    thr: float | None,
) -> ColumnDrift:
    present = int(reference[name].notna().sum()), int(current[name].notna().sum())
    if 0 in present:  # no value on a side: nothing to check its type against (an empty CSV column is float64)
        return empty_column(name, kind, method, thr, *present)
    refuse_mixed_temporal(name, series_dtype(reference[name]), series_dtype(current[name]))
    if kind == "categorical":
        kinds = number_or_text(reference[name]), number_or_text(current[name])
        refuse_number_against_text(name, (kinds[0], reference[name].dtype), (kinds[1], current[name].dtype),
                                   tuple(first_word(side[name]) if side_kind == "text" and "number" in kinds else None
                                         for side, side_kind in zip((reference, current), kinds, strict=True)))
        rc, cc, keys = categorical_counts(reference[name], current[name])
        n_ref, n_cur = int(rc.sum()), int(cc.sum())
    else:
        # a side said when the other side is numbers (not a column_kinds choice over text on both)
        ref = numeric_values(reference[name], "reference" if numbers_like(current[name]) else "")
        cur = numeric_values(current[name], "current" if numbers_like(reference[name]) else "")
        n_ref, n_cur = len(ref), len(cur)
    if n_ref == 0 or n_cur == 0:
        return empty_column(name, kind, method, thr, n_ref, n_cur)
    warning, ident = "", False
    if kind == "categorical":
        st = stats.counts_stat(rc, cc, keys, method=method, threshold=thr)
        ident = id_column(rc, cc, keys, rows=len(reference) + len(current))  # missing values counted
        warning, pooled = many_categories(name, st, rc, cc, keys, ident)
    else:
        st = stats.column_stat(ref, cur, kind=kind, method=method, threshold=thr)
        pooled = None
        if st.method == "wasserstein" and st.drifted:
            import numpy as np

            squares = np.square(ref - ref.mean())
            warning = heavy_tail(name, st, float(squares.max()), float(squares.sum()),
                                 lambda: stats.ks_pvalue(ref, cur),
                                 lambda: tail_moved(np.unique(ref, return_counts=True),
                                                    np.unique(cur, return_counts=True)))  # fmt: skip
    return ColumnDrift(name, kind, st.method, st.score, st.threshold, st.drifted,
                       "p-value" if st.kind == "p_value" else "distance", warning=warning,
                       pooled_p=pooled, id_like=ident)  # fmt: skip


@dataclass
class Options:
    """Validated options of a comparison (:func:`check_options`), shared by :func:`detect` and
    the streaming engine so both refuse the same input with the same message."""

    columns: list[str]
    drift_share: float
    method: str | None
    threshold: float | None
    column_methods: dict[str, str]
    column_thresholds: dict[str, float]
    column_kinds: dict[str, str]
    correction: str | None
    time_column: str | None = None
    pinned: frozenset[str] = frozenset()


def check_options(
    *,
    columns: list[str],
    reference_columns: list[str],
    current_columns: list[str],
    drift_share: float = DriftConfig.share,
    method: str | None = None,
    threshold: float | None = None,
    column_methods: dict[str, str] | None = None,
    column_thresholds: dict[str, float] | None = None,
    correction: str | None = None,
    column_kinds: dict[str, str] | None = None,
    time_column: str | None = None,
    pinned_methods: Any = None,
    note: bool = True,
) -> Options:
    """Validate the options of a comparison (:func:`detect`, the streaming engine) against the
    columns each side has.

    Args:
        columns: Columns to compare.
        reference_columns: The columns the reference has.
        current_columns: The columns the current window has.
        drift_share: Share of drifted columns, in (0, 1], at which the dataset drifts.
        method: One method for every column (``stats.METHODS``); ``None`` = automatic.
        threshold: One threshold for every column; ``None`` = the method's default.
        column_methods: Per-column methods; win over ``method``.
        column_thresholds: Per-column thresholds; win over ``threshold``.
        correction: ``bonferroni``, ``fdr`` or ``None`` (p-value methods only).
        column_kinds: Per-column ``numeric``/``categorical`` instead of the inferred kind.
        time_column: The event-time column: never compared, listed as skipped ("time column");
            ``None``/empty = none.
        pinned_methods: Columns whose ``column_methods`` entry is the automatic choice of an
            earlier pass (:func:`detect_calibrated`), not a request: not refused for their kind
            (the automatic choice gives a numeric column with <= 5 values chi-square or Z).
        note: Warn of columns alike but for case (``id`` and ``ID``); ``False`` for a second check of
            the same columns (the streaming engine's states, checked against their sources first).

    Raises:
        ConfigError: an unknown or duplicated column, method, kind or correction; a bad
            threshold or share; a time column in neither side's columns or in ``columns``.
    """
    column_methods = dict(column_methods or {})
    column_thresholds = dict(column_thresholds or {})
    column_kinds = dict(column_kinds or {})
    try:
        share_ok = 0.0 < float(drift_share) <= 1.0
    except (TypeError, ValueError):
        share_ok = False
    if not share_ok:
        raise ConfigError(
            f"drift_share must be a number in (0, 1], got {drift_share!r}; evidently's default is 0.5"
        )
    if method is not None:
        _check_method("method", method)
    if threshold is not None:
        threshold = _check_threshold("threshold", threshold)
    if correction not in (None, *CORRECTIONS):
        raise ConfigError(
            f"correction must be one of {', '.join(CORRECTIONS)} (or none), got {correction!r}"
        )
    columns = list(columns)
    if len(set(columns)) != len(columns):
        dupes = sorted({str(c) for c in columns if columns.count(c) > 1})
        raise ConfigError(f"drift columns listed more than once: {', '.join(dupes)}")
    from ctloop.contract import alike_names, alike_words

    # 'a' and 'a ' (a spreadsheet export's header, one column to its reader): refused. 'id' and 'ID' (a Parquet or SQL
    # table's two columns) are compared as two: each is compared with itself on the other side, no model learns them
    # as one, so what prepare_data refuses (contract.refuse_alike_names) is only noted here (exit 0 before round 55)
    texts = [c for c in columns if isinstance(c, str)]
    written = alike_names(texts, case=True)
    if written:
        raise DataSourceError(alike_words(written, "differ only in surrounding spaces or Unicode form (one column to a "
                                                   "reader, a spreadsheet export's header): drift would compare them "
                                                   "as two columns; --exclude one of them"))
    cased = alike_names(texts) if note else []
    if cased:
        warnings.warn(alike_words(cased, "differ only in case, surrounding spaces or Unicode form: compared as "
                                         "two columns; if they are one, --exclude one of them"), stacklevel=2)
    sides = (("reference", reference_columns), ("current", current_columns))
    for name in columns:
        for side, have_columns in sides:
            if name not in have_columns:
                have = ", ".join(map(str, list(have_columns)[:20]))
                raise ConfigError(
                    f"drift column {name!r} is missing from the {side} data (it has: {have}); "
                    "drop it from the column list or add it to the data"
                )
    for label, mapping in (
        ("column_methods", column_methods),
        ("column_thresholds", column_thresholds),
        ("column_kinds", column_kinds),
    ):
        for name in mapping:
            if name not in columns:
                raise ConfigError(
                    f"{label} names column {name!r}, which is not compared; compared columns: "
                    + ", ".join(map(str, columns))
                )
    for name, m in column_methods.items():
        _check_method(f"column_methods[{name!r}]", m)
    for name, t in column_thresholds.items():
        column_thresholds[name] = _check_threshold(f"column_thresholds[{name!r}]", t)
    for name, k in column_kinds.items():
        if k not in KINDS:
            raise ConfigError(f"column_kinds[{name!r}] = {k!r}; use one of {', '.join(KINDS)}")
    time_column = time_column or None
    if time_column is not None:
        if time_column not in reference_columns and time_column not in current_columns:
            have = ", ".join(map(str, list(reference_columns)[:20]))
            raise ConfigError(
                f"time column {time_column!r} is in neither the reference nor the current data "
                f"(the reference has: {have}); name an existing column or leave it out"
            )
        if time_column in columns:
            raise ConfigError(
                f"drift column {time_column!r} is the time column: the event time is never a "
                "feature; drop it from the column list (it is listed as skipped)"
            )
    return Options(columns, float(drift_share), method, threshold, column_methods,
                   column_thresholds, column_kinds, correction, time_column,
                   frozenset(pinned_methods or ()))  # fmt: skip


def refuse_repeated_columns(reference: pd.DataFrame, current: pd.DataFrame, columns: Any = None) -> None:
    """Refuse a compared column (``columns``; by default every column both frames have) that a
    frame holds more than once: ``frame[name]`` is then a frame, not a column (an
    ``AttributeError`` from deep in pandas when only the current side repeated it, or "drift
    columns listed more than once" for columns nobody listed).

    Raises:
        DriftError: naming the side and the column.
    """
    wanted = None if columns is None else set(columns)
    for side, frame in (("reference", reference), ("current", current)):
        other = current if frame is reference else reference
        for name in frame.columns[frame.columns.duplicated()]:
            if name in wanted if wanted is not None else name in other.columns:
                raise DriftError(
                    f"the {side} data has column {name!r} more than once: give every column its own "
                    "name (pandas.read_csv names a repeated header a, a.1, ...), or leave it out"
                )


def resolve_options(
    reference_columns: list[str],
    current_columns: list[str],
    reference_rows: int,
    current_rows: int,
    options: dict[str, Any],
) -> Options:
    """:func:`check_options` with ``columns`` by default every reference column the current side
    has too (reserved training columns excepted); then an empty side is refused
    (:class:`DriftError`)."""
    options = dict(options)
    columns = options.pop("columns", None)
    if columns is None:
        skip = set(RESERVED_TRAINING)
        if options.get("time_column") is not None:  # no time column: a column named None is compared too
            skip.add(options["time_column"])
        columns = [c for c in reference_columns if c in current_columns and c not in skip]
    opts = check_options(columns=columns, reference_columns=reference_columns,
                         current_columns=current_columns, **options)  # fmt: skip
    if reference_rows == 0:
        raise DriftError("the reference data has no rows: nothing to compare against")
    if current_rows == 0:
        raise DriftError(
            "the current data has no rows: nothing to compare (check the current window)"
        )
    return opts


def plan_columns(
    options: Options, kind_of: Any, unsupported: dict[str, str] | None = None
) -> list[tuple[str, str, str | None, float | None]]:
    """``(column, kind, method or None, threshold or None)`` for every compared column;
    ``kind_of(column)`` infers a kind unless ``column_kinds`` gives one; the columns of
    ``unsupported`` (``{column: dtype label}``, :func:`skipped_columns`) are left out. Raises
    :class:`ConfigError` for a method that does not apply to the kind, or when no column is
    left."""
    unsupported = unsupported or {}
    plan = []
    for name in options.columns:
        if name in unsupported:
            continue
        kind = options.column_kinds.get(name) or kind_of(name)
        if kind is None:  # pragma: no cover - kind_of returns None only for unsupported columns
            raise DriftError(f"column {name!r} has no drift kind")
        m = options.column_methods.get(name, options.method)
        if m is not None and m not in stats.METHODS_BY_KIND[kind] and name not in options.pinned:
            where = f"column_methods[{name!r}]" if name in options.column_methods else "method"
            raise ConfigError(
                f"{where} = {m!r} does not apply to {kind} column {name!r} (evidently refuses it "
                f"too); for {kind} columns use one of {', '.join(stats.METHODS_BY_KIND[kind])}, "
                "or give this column its own method in column_methods"
            )
        plan.append((name, kind, m, options.column_thresholds.get(name, options.threshold)))
    if not plan:
        skipped = [SkippedColumn(c, d, UNSUPPORTED) for c, d in unsupported.items()]
        raise ConfigError(
            "no comparable columns: give numeric, datetime or categorical columns present in both "
            f"frames (got: {', '.join(map(str, options.columns)) or 'none'})"
            + (f"; {skipped_line(skipped)}" if skipped else "")
        )
    return plan


def skipped_columns(
    options: Options, unsupported: dict[str, str], time_column_dtype: str | None
) -> list[SkippedColumn]:
    """What :attr:`DriftResult.skipped` lists: the time column (when one is set and a side has
    it; ``time_column_dtype`` is its dtype), then the ``unsupported`` columns (``{column: dtype
    label}``) in column order."""
    out = []
    if options.time_column is not None and time_column_dtype is not None:
        out.append(SkippedColumn(str(options.time_column), time_column_dtype, TIME_COLUMN))
    out += [SkippedColumn(str(c), unsupported[c], UNSUPPORTED) for c in options.columns if c in unsupported]
    return out


def _corrected(results: list[ColumnDrift], correction: str | None, low: bool | None) -> list[bool]:
    """Drift decisions after the correction; ``low``: use every approximate p-value's lower
    (True) or upper (False) bound instead of its estimate (None)."""

    def score(r: ColumnDrift) -> float:
        if low is None or not r.approximate:
            return r.score
        bound = r.score_low if low else r.score_high
        if bound is not None:
            return bound
        if low:
            return 0.0
        return 1.0 if r.method in stats.P_VALUE_METHODS else math.inf

    drifted = [r.drifted for r in results]
    if low is not None:
        drifted = [
            stats.is_drift(r.method, score(r), r.threshold) if r.approximate else r.drifted
            for r in results
        ]
    if not correction:
        return drifted
    idx = [i for i, r in enumerate(results) if r.method in stats.P_VALUE_METHODS and r.score == r.score]
    if correction == "bonferroni":
        for i in idx:
            r = results[i]
            drifted[i] = stats.is_drift(r.method, score(r), r.threshold / len(idx))
    elif idx:
        adjusted = _bh_adjust([score(results[i]) for i in idx])
        for i, adj in zip(idx, adjusted, strict=True):
            drifted[i] = stats.is_drift(results[i].method, adj, results[i].threshold)
    return drifted


def finish(
    results: list[ColumnDrift],
    *,
    drift_share: float,
    correction: str | None,
    engine: str = ENGINE,
    skipped: list[SkippedColumn] | None = None,
) -> DriftResult:
    """The dataset verdict from per-column verdicts (``skipped``: the columns not compared,
    recorded as they are): the correction (p-value columns only), then
    ``share >= drift_share``. Approximate columns (streaming) are judged on their estimate; a
    column whose decision could change within its bounds is ``borderline``, and so is the
    dataset verdict when those columns could change it."""
    pcols = [r for r in results if r.method in stats.P_VALUE_METHODS and r.score == r.score]
    if correction:
        if correction == "bonferroni":
            for r in pcols:
                r.threshold = r.threshold / len(pcols)
                r.drifted = stats.is_drift(r.method, r.score, r.threshold)
                r.detail = f"p-value, Bonferroni threshold over {len(pcols)} columns"
        elif pcols:
            adjusted = _bh_adjust([r.score for r in pcols])
            for r, adj in zip(pcols, adjusted, strict=True):
                r.drifted = stats.is_drift(r.method, adj, r.threshold)
                r.detail = f"p-value, BH-adjusted {adj:.4g} over {len(pcols)} columns"
        # a warning speaks of a drifted column's DRIFT: none once the correction clears it
        for r in pcols:
            if not r.drifted:
                r.warning = ""
    # the pooled test of a warned-of column, judged as its own p-value is (the Bonferroni
    # threshold is already divided; BH adjusts the family with every warned-of column's pooled
    # p-value in place of its own, a p = 0 its sparse categories' noise gives): one that drifts
    # shows the column's DRIFT is more than that noise
    pooled = [r.pooled_p if r.warning and r.pooled_p is not None else None for r in pcols]
    if correction == "fdr" and any(p is not None for p in pooled):
        family = _bh_adjust([r.score if p is None else p for r, p in zip(pcols, pooled, strict=True)])
        pooled = [None if p is None else a for p, a in zip(pooled, family, strict=True)]
    for r, p in zip(pcols, pooled, strict=True):
        if p is not None and stats.is_drift(r.method, p, r.threshold):
            r.warning = ""

    approximate = any(r.approximate for r in results)
    n = len(results)
    n_drifted = sum(r.drifted for r in results)
    share = n_drifted / n
    drifted = share >= drift_share
    borderline = False
    if approximate:
        # Bonferroni already divided the thresholds above: judge the bounds without it again
        rule = None if correction == "bonferroni" else correction
        lows = _corrected(results, rule, low=True)
        highs = _corrected(results, rule, low=False)
        for r, a, b in zip(results, lows, highs, strict=True):
            if r.approximate:
                r.borderline = a != b
        least = sum(r.drifted and not r.borderline for r in results)
        most = sum(r.drifted or r.borderline for r in results)
        borderline = (least / n >= drift_share) != (most / n >= drift_share)
    names = [shown_name(r.column) for r in results if r.drifted]
    listed = ", ".join(names[:8]) + ("…" if len(names) > 8 else "")
    reason = (
        f"{'drift' if drifted else 'no drift'}: {n_drifted} of {n} columns drifted "
        f"(share {share_text(share, drift_share)} {'>=' if drifted else '<'} {drift_share})"
        + (f": {listed}" if names else "")
    )
    unsure = [shown_name(r.column) for r in results if r.borderline]
    if unsure:
        reason += (
            f"; {len(unsure)} column(s) within the sketch's error of their threshold: "
            + ", ".join(unsure[:8]) + ("…" if len(unsure) > 8 else "")
            + (" (the verdict could change)" if borderline else " (the verdict holds either way)")
        )
    return DriftResult(
        drifted=drifted,
        share=share,
        n_drifted=n_drifted,
        reason=reason,
        columns=results,
        engine=engine,
        n_columns=n,
        drift_share=float(drift_share),
        correction=correction,
        approximate=approximate,
        borderline=borderline,
        skipped=list(skipped or []),
    )


def detect(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    max_workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> DriftResult:
    """Per-column drift and the dataset verdict (module doc).

    Args:
        reference: The reference frame (e.g. the champion's training data).
        current: The current window.
        max_workers: Threads computing columns in parallel (default: one per CPU).
        progress: Called with ``(columns done, columns compared)`` after each column (from
            the worker threads, one call at a time).
        options: The comparison's options, :func:`check_options`' (``columns``, ``drift_share``,
            ``method``, ``threshold``, ``column_methods``, ``column_thresholds``, ``correction``,
            ``column_kinds``).

    Raises:
        ConfigError: an unknown column, method, kind or correction; a method that does not
            apply to a column's kind; a bad threshold or share.
        DriftError: a frame has no rows, or a column is numeric on one side only.
    """
    refuse_repeated_columns(reference, current, options.get("columns"))
    opts = resolve_options(list(reference.columns), list(current.columns), len(reference),
                           len(current), options)  # fmt: skip
    unsupported = {}
    for name in opts.columns:  # the current side's type first, as evidently infers from it
        refuse_signaling_nan(current[name])
        refuse_signaling_nan(reference[name])
        label = unsupported_dtype(current[name]) or unsupported_dtype(reference[name])
        if label is not None:
            unsupported[name] = label
    plan = plan_columns(opts, lambda name: column_kind(current[name], supported=True), unsupported)
    time_dtype = None
    if opts.time_column is not None:
        side = reference if opts.time_column in reference.columns else current
        time_dtype = str(side[opts.time_column].dtype)
    skipped = skipped_columns(opts, unsupported, time_dtype)

    # Columns are independent and the heavy parts (sorting, hashing) release the GIL:
    # one thread per core. Order of results = order of columns.
    workers = max(1, min(len(plan), os.cpu_count() or 1, max_workers or 64))
    lock, done = threading.Lock(), [0]

    def one(item: tuple) -> ColumnDrift:
        result = _one_column(reference, current, *item)
        if progress is not None:
            with lock:
                done[0] += 1
                progress(done[0], len(plan))
        return result

    if workers == 1 or len(reference) + len(current) < PARALLEL_MIN_ROWS:
        results = [one(item) for item in plan]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, plan))
    return finish(results, drift_share=opts.drift_share, correction=opts.correction, skipped=skipped)


def column_by_column(run: Callable[[list[str]], DriftResult], columns: list[str],
                     dtype_of: Callable[[str], str]) -> tuple[DriftResult | None, list[SkippedColumn]]:
    """``run(columns)``; when it raises :class:`~ctloop.errors.DriftError` (a column the engine
    refuses: dates on one side, text on the other), each column is tried alone, those that raise
    are returned as skipped (``dtype_of`` names their dtype; the reason is the refusal) and the
    others compared together: one refused column does not stop the rest (``monitor_model``'s drift
    step). The result is ``None`` when every column was refused."""
    try:
        return run(columns), []
    except DriftError:
        pass
    kept, refused = [], []
    for name in columns:
        try:
            run([name])
        except DriftError as exc:
            refused.append(SkippedColumn(str(name), dtype_of(name), str(exc)))
        else:
            kept.append(name)
    if not kept:
        return None, refused
    result = run(kept)
    result.skipped = [*result.skipped, *refused]
    return result, refused


def calibrate_thresholds(
    reference: pd.DataFrame,
    *,
    columns: list[str],
    method: str | None = None,
    column_methods: dict[str, str] | None = None,
    column_kinds: dict[str, str] | None = None,
    rounds: int = 20,
    quantile: float = 0.95,
    current_size: int | None = None,
    seed: int = 0,
    pinned_methods: Any = None,
    caps: dict[str, float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, float]]:
    """Per-column thresholds calibrated on the reference itself.

    The reference is split at random ``rounds`` times into a part B of the current window's size
    (``current_size``, at most half) and the rest A; the statistic of A vs B is what "no drift"
    looks like for that column at these sample sizes. The threshold is the ``quantile`` of those
    values (for p-value methods, the low tail), never looser than the method's default, and for
    p-value methods never below ``(1 - quantile) x`` the column's own threshold: under no drift a
    valid test's p-value is uniform on [0, 1], so the column's own threshold ``t`` is its
    false-alarm rate, and calibration may cut that rate by at most the factor the quantile asks
    for (20 at 0.95); without the floor, a column whose splits score p = 0 in more than
    ``1 - quantile`` of them (categories seen once in the reference land on one side of a split:
    a value unseen in the reference scores 0) got threshold 0, which ``p < 0`` never crosses, so
    the column could never drift. Returns
    ``{column: {"method": m, "threshold": t, "default": d}}`` — record it with the result.

    Pass the methods and kinds of the real comparison (``column_methods``/``column_kinds`` from
    a first :func:`detect`) so every split is judged by the same method: the automatic choice
    depends on the reference size, which differs between the splits and the real run;
    ``pinned_methods``: the columns whose method is that automatic choice (:func:`check_options`);
    ``caps``: per column, the threshold it has without calibration (a requested ``threshold`` or
    ``column_thresholds`` entry), which the calibrated one is never looser than (default: the
    method's default). ``progress``: called with ``(splits done, rounds)`` after each split.
    """
    import numpy as np

    column_methods = dict(column_methods or {})
    rng = np.random.default_rng(seed)
    n = len(reference)
    if n < 20:
        raise DriftError(f"calibration needs at least 20 reference rows, got {n}")
    if rounds < 1:
        raise ConfigError(f"calibration rounds must be >= 1, got {rounds}")
    values: dict[str, list[float]] = {c: [] for c in columns}
    methods: dict[str, str] = {}
    m = min(current_size or n // 2, n // 2)
    for done in range(rounds):
        if progress is not None and done:
            progress(done, rounds)
        order = rng.permutation(n)
        a, b = reference.iloc[order[m:]], reference.iloc[order[:m]]
        res = detect(
            a,
            b,
            columns=columns,
            method=method,
            column_methods=column_methods,
            column_kinds=column_kinds,
            pinned_methods=pinned_methods,
        )
        for col in res.columns:
            if col.score == col.score:  # a split without values on a side scores nothing ("n/a")
                methods[col.column] = col.method
                values[col.column].append(col.score)
    if progress is not None:
        progress(rounds, rounds)
    out = {}
    for col, vals in values.items():
        meth = methods.get(col)
        if not vals or meth is None:
            continue
        p_value = meth in stats.P_VALUE_METHODS
        thr = float(np.quantile(vals, 1 - quantile if p_value else quantile))
        default = stats.DEFAULT_THRESHOLDS[meth]
        cap = (caps or {}).get(col, default)
        if cap != cap:
            cap = default
        # never looser than the column's own threshold: calibration only removes false alarms
        thr = min(thr, cap) if p_value else max(thr, cap)
        if p_value:  # never degenerate: p >= 0, so a threshold of 0 would never flag the column again
            thr = max(thr, (1 - quantile) * cap)
        out[col] = {"method": meth, "threshold": thr, "default": default}
    return out


def detect_calibrated(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    rounds: int,
    seed: int = 0,
    quantile: float = 0.95,
    progress: Callable[[str, int, int], None] | None = None,
    **options: Any,
) -> tuple[DriftResult, dict[str, dict[str, float]]]:
    """:func:`detect` with per-column thresholds calibrated on the reference
    (:func:`calibrate_thresholds`): a first pass fixes each column's method and kind, every
    random split of the reference is judged with those, and the final verdict uses the
    calibrated thresholds. Returns ``(result, calibration)``; record the calibration with the
    result. ``options`` are :func:`detect`'s: explicit ``column_thresholds`` (and ``threshold``)
    are replaced by calibrated ones never looser than them (a requested ``threshold=0.001`` was
    replaced by up to the method's default 0.05), and a ``correction`` applies once, to the
    calibrated thresholds (the first pass is judged without it, so its thresholds are the
    uncorrected ones). ``progress(step, done, total)``: ``columns`` of the first and the final
    comparison, ``splits`` of the calibration (:func:`detect`, :func:`calibrate_thresholds`)."""

    def step(name: str) -> Callable[[int, int], None] | None:
        return None if progress is None else (lambda done, total: progress(name, done, total))

    first = detect(reference, current, progress=step("columns"), **{**options, "correction": None})
    kinds = {c.column: c.kind for c in first.columns}
    pinned = {c.column for c in first.columns if c.method in stats.CATEGORICAL_ONLY and c.kind == "numeric"}
    calibration = calibrate_thresholds(
        reference,
        columns=[c.column for c in first.columns],
        column_methods={c.column: c.method for c in first.columns if c.method in stats.METHODS},
        column_kinds=kinds,
        rounds=rounds,
        quantile=quantile,
        current_size=len(current),
        seed=seed,
        pinned_methods=pinned,
        caps={c.column: c.threshold for c in first.columns},
        progress=step("splits"),
    )
    options = {k: v for k, v in options.items() if k not in ("column_methods", "column_thresholds", "column_kinds")}
    result = detect(
        reference,
        current,
        column_methods={c: v["method"] for c, v in calibration.items()},
        column_thresholds={c: v["threshold"] for c, v in calibration.items()},
        column_kinds=kinds,
        pinned_methods=pinned,
        progress=step("columns"),
        **options,
    )
    return result, calibration


def format_table(result: DriftResult) -> str:
    """Plain-text per-column table and the verdict (CLI)."""

    def num(x: float) -> str:
        return "-" if x != x else f"{x:.4g}"

    rows = [("column", "kind", "method", "score", "threshold", "drifted")]
    for c in result.columns:
        rows.append(
            (
                shown_name(c.column),
                c.kind,
                c.method,
                ("~" if c.approximate else "") + num(c.score),
                num(c.threshold),
                ("DRIFT" if c.drifted else "-") + ("?" if c.borderline else ""),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    legend = ""
    if result.approximate:
        legend = (
            "\n\n~ = estimated from a sketch (the exact score is within the bounds in drift.json); "
            "? = the bounds straddle the threshold, so the exact decision could differ"
        )
    warned = "".join(f"\nwarning: {w}" for w in result.warnings)
    skipped = skipped_line(result.skipped)
    return ("\n".join(lines) + legend + (f"\n{warned}" if warned else "") + (f"\n\n{skipped}" if skipped else "")
            + f"\n\n{result.reason}\n")


__all__ = [
    "CORRECTIONS",
    "ENGINE",
    "KINDS",
    "TIME_COLUMN",
    "UNSUPPORTED",
    "ColumnDrift",
    "DriftResult",
    "SkippedColumn",
    "Options",
    "check_options",
    "resolve_options",
    "empty_column",
    "finish",
    "plan_columns",
    "skipped_columns",
    "skipped_line",
    "shown_name",
    "epoch_seconds",
    "refuse_mixed_temporal",
    "refuse_number_against_text",
    "temporal_seconds",
    "temporal_type",
    "series_dtype",
    "arrow_seconds",
    "unsupported_dtype",
    "calibrate_thresholds",
    "column_by_column",
    "categorical_counts",
    "column_kind",
    "object_numbers",
    "compared_as_numbers",
    "refuse_repeated_columns",
    "detect",
    "detect_calibrated",
    "format_table",
    "many_categories",
    "numeric_values",
    "LEAVE_OUT",
    "extreme_values",
    "infinite_values",
    "largest",
    "refuse_extremes",
    "refuse_infinite",
]

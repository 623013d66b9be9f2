"""Data preparation: contract validation, time window, dedupe, time split, profile, digest.

KFP-free. The data contract (:mod:`ctloop.contract`) is checked first; a violation stops the run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.columns import WEIGHT
from ctloop.config import DataConfig
from ctloop.contract import (
    DataContract,
    check_column_names,
    check_finite,
    check_integer_width,
    check_uniform_types,
    drop_unnamed_columns,
    missing_column,
    numbers_as_numbers,
    parse_times,
    spelling_variants,
    spelling_warning,
    validate,
)
from ctloop.errors import ConfigError, DataValidationError
from ctloop.storage import TABLE_FORMAT, _decimals_as_floats
from ctloop.timeutil import parse_duration, time_format_problem, to_utc

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

# --------------------------------------------------------------------------- durations, digest

def recency_weights(times: Any, end: Any, half_life: Any) -> Any:
    """Recency sample weights ``0.5 ** (age / half_life)``, age = how much older than the newest of
    ``times`` each time is: the newest training row weighs 1 (the training rows of ``prepare_data``;
    the backtest's training windows, ``ctloop.backtest``). ``end`` (the window's end, which the
    holdout's rows sit before) does not scale them: measured from it, every weight carried a factor
    ``0.5 ** (holdout span / half_life)`` (3e-8 for a 200-hour holdout at 8 h), so small that the
    hessians fell below ``min_hessian_to_split`` and gradient boosting fitted a constant model, and a
    logistic regression's penalty outweighed the data. ``half_life``: the setting, or a Timedelta
    (``ctloop.retrain`` weighs each set a model is fitted on by this formula, relative to its own newest row)."""
    import numpy as np
    import pandas as pd

    half = half_life if isinstance(half_life, pd.Timedelta) else parse_duration(half_life, name="data.recency_half_life")
    del end  # kept for the callers: the weights are relative to the newest row
    return np.power(0.5, ((times.max() - times) / half).to_numpy(dtype=float))


def _readable_up(seconds: float) -> str:
    """``seconds`` rounded up to a duration setting in the largest unit of which it is at least 2
    (``16h``, ``3D``, ``5min``, ``40s``): never shorter than ``seconds``."""
    import math

    for unit, size in (("D", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            return f"{math.ceil(seconds / size - 1e-9)}{unit}"
    return f"{max(math.ceil(seconds - 1e-9), 1)}s"


def _effective_rows(ages: Any, half: float) -> float:
    """Kish's effective rows ``sum(w) ** 2 / sum(w ** 2)`` of ``w = 0.5 ** (ages / half)`` (seconds)."""
    import numpy as np

    w = np.power(0.5, ages / half)
    return float(w.sum() ** 2 / np.square(w).sum())


def shortest_half_life(times: Any) -> float | None:
    """The shortest half-life (seconds) under which recency weights of rows at ``times`` leave two
    effective rows (:func:`_effective_rows`, which grows with the half-life), by bisection over the
    rows' actual ages; None when none does within the longest duration setting (two rows or fewer)."""
    import numpy as np
    import pandas as pd

    from ctloop.timeutil import MAX_DURATION_DAYS

    times = pd.Series(times).dropna()
    if len(times) < 2:
        return None
    ages = ((times.max() - times) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)
    lo, hi = 1e-3, MAX_DURATION_DAYS * 86400.0
    if _effective_rows(ages, hi) < 2:
        return None
    if _effective_rows(ages, lo) >= 2:
        return lo
    while hi / lo > 1 + 1e-9:  # geometric bisection: the half-life spans seconds to years
        mid = float(np.sqrt(lo * hi))
        lo, hi = (lo, mid) if _effective_rows(ages, mid) >= 2 else (mid, hi)
    return hi


def check_recency_weights(weights: Any, times: Any, half_life: str) -> None:
    """Refuse recency ``weights`` (of :func:`recency_weights`, newest row 1) of rows at ``times``
    that leave fewer than two effective rows (Kish's ``sum(w) ** 2 / sum(w ** 2)``): a ``half_life``
    far shorter than the rows' spacing, under which every row but the newest few weighs next to
    nothing. The hint is the shortest half-life that leaves two over these very times
    (:func:`shortest_half_life`), rounded up. Called by ``prepare_data`` and by the backtest's
    training windows (``ctloop.backtest``)."""
    import numpy as np

    w = np.asarray(weights, dtype=float)
    w = w[np.isfinite(w)]
    if not len(w) or not w.max() > 0:
        effective = 0.0
    else:
        w = w / w.max()
        effective = float(w.sum() ** 2 / np.square(w).sum())
    if effective >= 2:
        return
    shortest = shortest_half_life(times)
    hint = (f"set a half-life of at least {_readable_up(shortest)!r} (the shortest that leaves 2 over these rows' "
            "times)" if shortest is not None else "no half-life leaves 2 of these rows")
    raise ConfigError(f"data.recency_half_life {half_life!r}: the training rows' weights 0.5 ** (age / half-life), "
                      f"the newest row weighing 1, leave {effective:.3g} effective row(s) of {len(w)} "
                      f"(sum(w) ** 2 / sum(w ** 2)), fewer than 2: the model would learn from {effective:.3g} "
                      f"row(s)' worth of data; {hint}, or unset it")


def frame_digest(frame: pd.DataFrame) -> str:
    """sha256 of the frame's content: column names, dtypes and row values, in row order.

    Rows are hashed with ``pd.util.hash_pandas_object`` (stable across processes and
    platforms for the same pandas major version). ``prepare`` sorts by time first, so the same
    data in another file order gives the same digest.
    """
    import pandas as pd

    h = hashlib.sha256()
    for name, dtype in frame.dtypes.items():
        h.update(f"{name}:{dtype};".encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


# --------------------------------------------------------------------------- prepare
@dataclass
class PreparedData:
    train: pd.DataFrame
    holdout: pd.DataFrame
    current: pd.DataFrame
    profile: dict[str, Any] = field(default_factory=dict)
    digest: str = ""


def _profile_columns(frame: pd.DataFrame) -> dict[str, Any]:
    import pandas as pd

    out = {}
    for name in frame.columns:
        col = frame[name]
        entry: dict[str, Any] = {"dtype": str(col.dtype), "null_fraction": round(float(col.isna().mean()), 6) if len(col) else 0.0}
        if isinstance(col.dtype, pd.ArrowDtype) and _time_kind(col.dtype) == "M":
            entry.update(_time_range(col))
        elif pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col) \
                or pd.api.types.is_complex_dtype(col):  # complex: describe's percentiles raised a raw TypeError
            if pd.api.types.is_datetime64_any_dtype(col):
                entry.update({"min": str(col.min()), "max": str(col.max())})
            else:
                top = col.astype(str).value_counts().head(10)
                entry.update({"unique": int(col.nunique()), "top": {str(k): int(v) for k, v in top.items()}})
        else:
            if isinstance(col.dtype, pd.ArrowDtype) and col.dtype.kind not in "iufb":
                # an Arrow decimal (a warehouse NUMERIC, pd.read_parquet(dtype_backend="pyarrow")): pandas' describe
                # raised "ArrowTypeError: int or Decimal object expected, got numpy.int64" (pandas 2.3)
                col = col.astype("float64[pyarrow]")
            elif pd.api.types.is_float_dtype(col) and getattr(col.dtype, "itemsize", 8) < 8:
                # a float16/float32 column summed at its width: 40 rows of 8208 in 16 bits made a mean of inf
                col = col.astype("float64")
            desc = col.describe()
            entry.update({k: (None if pd.isna(desc.get(k)) else round(float(desc.get(k)), 6))
                          for k in ("min", "max", "mean", "std")})
        out[str(name)] = entry
    return out


def refuse_nested(frame: pd.DataFrame) -> None:
    """Refuse ``frame``'s Arrow list, struct and map columns (``pd.read_parquet(dtype_backend="pyarrow")``)
    by their type, naming the column (rule ``dtype``), without reading their values: a feature needs one
    text or number per row, and such a column failed later with a raw ``TypeError`` or
    ``ArrowNotImplementedError`` (the duplicate-row check, ``value_counts``), null in every row too.
    Nested values in an object column are refused by ``check_uniform_types``. The fit refuses them the
    same way (``train.core.refuse_arrow_nested``, this check)."""
    from ctloop.components.train.core import refuse_arrow_nested  # train's module: no import cycle

    refuse_arrow_nested(frame)


def as_dense(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its sparse columns (pandas ``Sparse[...]``: what ``pd.get_dummies(sparse=True)``
    makes of a notebook's categories) as the dense columns they stand for, as a Parquet file or CSV
    holds them; before round 48 ``prepare_data`` failed on one with pandas' "TypeError: cannot perform
    std with type Sparse[float64, nan]" (no column named). The caller's frame is left as it was; the
    same frame comes back when no column is sparse."""
    import pandas as pd

    sparse = [name for name in frame.columns if isinstance(frame[name].dtype, pd.SparseDtype)]
    if not sparse:
        return frame
    out = frame.copy(deep=False)
    for name in sparse:
        out[name] = frame[name].sparse.to_dense()
    return out


def positive_zeros(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``-0.0`` read as ``0.0`` in its float columns (numpy, nullable ``Float64``,
    Arrow): the two are equal, so the duplicate-row check kept whichever came first, and the
    prepared rows, their digest and the split depended on the source's order of rows."""
    import numpy as np
    import pandas as pd

    signed = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_float_dtype(col):
            continue
        values = col.to_numpy(dtype=float, na_value=np.nan)
        if ((values == 0) & np.signbit(values)).any():
            signed[name] = col.mask(col.eq(0).to_numpy(dtype=bool, na_value=False), col.dtype.type(0.0)
                                    if isinstance(col.dtype, np.dtype) else 0.0)
    return frame.assign(**signed) if signed else frame


def in_time_order(frame: pd.DataFrame, time_column: str) -> pd.DataFrame:
    """``frame`` by ``time_column``, rows sharing a time by a hash of their other values (not the
    source's order of rows or of columns, nor the unit a time is stored in), index reset: the order
    :func:`prepare` splits and ``ctloop backtest`` replays in."""
    import numpy as np
    import pandas as pd

    others = [c for c in frame.columns if c != time_column]  # within a tie every row has the same time
    by_name = [others[i] for i in np.argsort(np.array([str(c) for c in others]), kind="stable")]
    parts = [part for name in by_name for part in _as_hashed(frame[name])]
    hashed = pd.DataFrame(dict(enumerate(parts)), index=frame.index, copy=False)  # the columns, not a copy of them
    tie = pd.util.hash_pandas_object(hashed, index=False).to_numpy()
    out = frame.take(np.lexsort((tie, frame[time_column].to_numpy())))  # take: no "copy of a slice" to set on
    out.index = pd.RangeIndex(len(out))  # as reset_index(drop=True), without a second copy of the table
    return out


def _as_hashed(col: pd.Series) -> list[pd.Series]:
    """``col`` as the tie hash reads it: times and durations (numpy or Arrow, any unit, with a time
    zone or not) as two int64 columns, whole seconds since the epoch (UTC) and the nanoseconds past
    them (:func:`_instants`): the same instant hashes the same whatever its unit, and a
    ``9999-12-31`` ``valid_to`` entering the window changes no other row's hash (when the choice of
    unit followed the column's range, one such row reordered every tie); a column whose cells cannot
    be hashed (lists or dicts; refused later, naming it) as its text."""
    import pandas as pd

    if _time_kind(col.dtype):
        return _instants(col)
    if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        return [col]
    try:
        pd.util.hash_pandas_object(col, index=False)
    except (TypeError, ValueError):  # an Arrow list column's astype(str) fails too: each cell's text
        return [pd.Series([str(v) for v in col], index=col.index, dtype=object)]
    return [col]


def _time_kind(dtype: Any) -> str:
    """``"M"`` for a datetime dtype (numpy, with a time zone, Arrow ``timestamp``), ``"m"`` for a
    duration (numpy ``timedelta64``, Arrow ``duration``), else ``""``."""
    import pandas as pd

    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        kind = dtype.pyarrow_dtype
        return "M" if pa.types.is_timestamp(kind) else "m" if pa.types.is_duration(kind) else ""
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return "M"
    return "m" if pd.api.types.is_timedelta64_dtype(dtype) else ""


_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _raw_instants(col: pd.Series) -> tuple[Any, Any, str]:
    """``col``'s times or durations as (int64 values, null mask, unit), UTC-based for a time with a
    zone, read without converting a value: Arrow columns through pyarrow (pandas' conversion of an
    Arrow ``timestamp`` with a named zone before 1677 killed the process with SIGSEGV, pandas 2.3 /
    pyarrow 25), numpy ones as their stored int64."""
    import numpy as np
    import pandas as pd

    if isinstance(col.dtype, pd.ArrowDtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        data = pa.chunked_array(col.array._pa_array).combine_chunks()  # noqa: SLF001 - pandas has no public accessor
        ints = pc.cast(data, pa.int64())  # a reinterpretation of the stored count: never out of range
        null = np.asarray(ints.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        values = np.asarray(pc.fill_null(ints, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
        return values, null, col.dtype.pyarrow_dtype.unit
    values = np.asarray(col.array.asi8, dtype=np.int64)  # UTC for a zone; NaT is its own value
    return values, np.asarray(col.isna().to_numpy(), dtype=bool), col.dt.unit


def _instants(col: pd.Series) -> list[pd.Series]:
    """``col``'s times or durations as whole seconds (floored) and the nanoseconds past them, a null
    as ``(int64 min, -1)`` (no value has a negative remainder): the same for an instant stored in s,
    ms, us or ns, numpy or Arrow, and exact over every stored range."""
    import numpy as np
    import pandas as pd

    values, null, unit = _raw_instants(col)
    per = _PER_SECOND[unit]
    seconds, rest = np.divmod(values, per)
    nanos = rest * (1_000_000_000 // per)
    seconds[null] = np.iinfo(np.int64).min
    nanos[null] = -1
    return [pd.Series(seconds, index=col.index), pd.Series(nanos, index=col.index)]


def _time_range(col: pd.Series) -> dict[str, str]:
    """The profile's ``min`` and ``max`` of an Arrow ``timestamp`` column, computed by pyarrow
    (pandas' conversion crashed on a named zone before 1677), as the numpy datetime columns' (they
    were each value's text counts): a time with a zone as its UTC instant."""
    import pyarrow as pa
    import pyarrow.compute as pc

    data = pa.chunked_array(col.array._pa_array)  # noqa: SLF001 - pandas has no public accessor
    kind = data.type
    if kind.tz is not None:
        data = pc.cast(data, pa.timestamp(kind.unit))  # the stored UTC instant, no zone lookup
    bounds = pc.min_max(data)
    suffix = " UTC" if data.type != kind else ""
    return {k: (pc.cast(bounds[k], pa.string()).as_py() + suffix if bounds[k].is_valid else "NaT") for k in ("min", "max")}


def prepare(
    frame: pd.DataFrame,
    *,
    target: str,
    time_column: str,
    contract: DataContract | dict | None = None,
    window: str | None = DataConfig.window,
    as_of: str | pd.Timestamp | None = None,
    current_window: str | None = DataConfig.current_window,
    holdout_fraction: float = DataConfig.holdout_fraction,
    recency_half_life: str | None = None,
    time_format: str = DataConfig.time_format,
) -> PreparedData:
    """Validate, select the time window, dedupe, split by time, profile and fingerprint
    (defaults: :class:`ctloop.config.DataConfig`).

    * window: rows with ``as_of - window < time <= as_of`` (``as_of`` defaults to the latest
      time in the data; an empty window means all rows up to ``as_of``);
    * duplicates (identical rows), rows without a target (null, or blank text: not labelled yet)
      and rows without a time (in no window) are dropped and counted;
    * holdout: the latest ``holdout_fraction`` of the window's rows by time — rows sharing a
      timestamp never straddle the split;
    * current: rows with ``as_of - current_window < time <= as_of`` (for drift detection);
    * recency weights: with ``recency_half_life``, train rows get ``_ctloop_weight =
      0.5 ** (age / half_life)``, age from the newest training row (which weighs 1);
    * ``time_format``: the strftime format ``time_column``'s text is written in (the contract's
      datetime check of that column reads it too); empty = inferred
      (:func:`ctloop.contract.parse_times`).
    """
    import numpy as np
    import pandas as pd

    if not isinstance(contract, DataContract):
        contract = DataContract.from_dict(contract)
    if not 0.0 < holdout_fraction < 1.0:
        raise ConfigError(f"holdout_fraction must be between 0 and 1 (exclusive), got {holdout_fraction}")
    problem = time_format_problem(time_format) if time_format else None
    if problem:
        raise ConfigError(f"time_format {time_format!r}: {problem}")
    if problem := contract.time_format_problem(time_column, time_format):  # else one of them silently unread
        raise ConfigError(problem)
    if len(frame.columns) == 0:
        raise DataValidationError([("*", "columns", 0, "the data has no columns")])
    frame = drop_unnamed_columns(frame)  # a CSV's empty or index column without a name, said (as the backtest)
    check_column_names(frame)  # as ctloop backtest refuses them (one implementation)
    missing = [c for c in (target, time_column) if c not in frame.columns]
    if missing:
        raise DataValidationError([(c, "required", len(frame), missing_column(c, frame.columns, frame.attrs.get(TABLE_FORMAT)))
                                   for c in missing])
    rows_in = len(frame)
    # a blank target cell ('', spaces: a row not labelled yet, in the newest rows, the holdout) is a missing
    # label: dropped and counted with the nulls (null_target_dropped), as the fit and the gate leave it out
    from ctloop.components.train.core import blank_as_missing, check_target_nested

    check_target_nested(frame[target], target)  # a list in a row: not "unhashable type" from the duplicate check
    # Decimals (a Parquet DECIMAL column in a notebook's frame) as floats, as read_table, the fit and the backtest
    # read them, so that Decimal('Infinity') is refused by check_finite below as it is there
    frame = blank_as_missing(_decimals_as_floats(as_dense(frame)), target)
    data = validate(frame, contract, {time_column: time_format})
    data[time_column] = parse_times(data[time_column], time_column, time_format)
    # amounts as objects (a notebook's replace({np.nan: None})): numbers, as the Parquet file written below holds
    # them, so an inf among them is refused here and the fit of an in-process run learns them as numbers
    data = numbers_as_numbers(data, exclude=(time_column,))
    if data[target].isna().all():
        raise DataValidationError([(target, "all_null", len(data), "the target has no values")])
    # a column the contract declares text holds codes ('8E308' a lot number), not numbers past the range (H2)
    check_finite(data, exclude=(time_column, *contract.text_columns()))
    check_integer_width(data, exclude=(time_column,))  # 10**30 among objects: no Parquet column holds it
    # nested values (a Parquet list or struct column) or mixed types: named here, as train core names them,
    # not "unhashable type" from the duplicate-row check below
    refuse_nested(data)
    check_uniform_types(data, [c for c in data.columns if c not in (target, time_column)])

    tmin, tmax = data[time_column].min(), data[time_column].max()
    no_time = int(data[time_column].isna().sum())  # in no window: dropped below, and counted
    end = to_utc(as_of, name="as_of").tz_localize(None) if as_of not in (None, "") else tmax
    times = data[time_column]
    mask = times <= end
    if window:
        start = end - parse_duration(window, name="window")
        mask &= times > start
    else:
        start = tmin - pd.Timedelta(seconds=1)
    # each step copies the table only when it drops a row: a window selecting every row, data without
    # duplicates or missing targets are kept as they are (the copies were most of prepare's peak memory)
    selected = positive_zeros(data if mask.all() else data.loc[mask])
    before_dedupe = len(selected)
    repeated = selected.duplicated()
    if repeated.any():
        selected = selected.loc[~repeated.to_numpy()]
    del repeated
    duplicates = before_dedupe - len(selected)
    unlabelled = selected[target].isna()
    no_target = int(unlabelled.sum())
    if no_target:
        selected = selected.loc[~unlabelled.to_numpy()]
    del unlabelled
    if len(selected) < max(contract.min_rows, 2):
        # rows the whole data holds (a target, a time, duplicates dropped): when they are too few, no window or
        # as_of selects more (was: "widen `window` or move `as_of`" for a table of one row)
        usable = len(positive_zeros(data.dropna(subset=[target, time_column])).drop_duplicates())
        if usable < max(contract.min_rows, 2):
            raise DataValidationError([("*", "min_rows", usable,
                f"the data holds {usable} usable row(s) of {rows_in} (rows with a target and a time, duplicates "
                f"dropped) but at least {max(contract.min_rows, 2)} are needed (a train and a holdout row"
                + (f"; the contract's min_rows {contract.min_rows}" if contract.min_rows > 2 else "")
                + "): no window selects more; add rows")])
        raise DataValidationError([(time_column, "window", len(selected),
            f"window ({start} .. {end}] selects {len(selected)} usable row(s) but at least "
            f"{max(contract.min_rows, 2)} are needed; the data spans {tmin} .. {tmax}: "
            "widen `window` or move `as_of`")])
    # rows sharing a timestamp (a daily date) in a canonical order, by a hash of their values, not the
    # source's (a dataset's files listed in another order): the same rows make the same split, digest and
    # model (HistGradientBoosting's early-stopping split draws rows by position); np.lexsort (stable, the last
    # key first) orders as sort_values([time, tie]) did, without a temporary column that overwrote or dropped
    # a user's column of the same name
    del frame, data, mask, times  # the validated table: not beside its sorted copy (the caller holds its own)
    selected = in_time_order(selected, time_column)
    if all(isinstance(v, str) for v in pd.unique(selected[target])):
        # a class written two ways ('yes'/'YES') in any row, as the fit refuses it in its rows and ctloop backtest
        # in every row: only in the holdout rows the gate scored the new spelling as a class never seen
        from ctloop.components.train.core import check_labels

        check_labels(selected[target], target)

    # a feature's value written several ways ('Yes', 'yes ', 'YES'): each spelling a category of its own to the
    # encoder; not refused (the column still trains), but said and recorded, as a profiler flags it
    variants = spelling_variants(selected, [c for c in selected.columns if c not in (target, time_column)])
    if variants:
        import warnings

        warnings.warn(spelling_warning(variants), UserWarning, stacklevel=2)

    # the window's fingerprint and column profile before the split: the hashes and counts are not made
    # beside train, holdout and current (a copy of the window)
    digest = frame_digest(selected)
    columns = _profile_columns(selected)

    # time split: the cut sits on a timestamp boundary
    cut = int(round(len(selected) * (1.0 - holdout_fraction)))
    cut = min(max(cut, 1), len(selected) - 1)
    boundary = selected[time_column].iloc[cut]
    cut = int(np.searchsorted(selected[time_column].to_numpy(), boundary.to_datetime64(), side="left"))
    if cut == 0:
        cut = int(np.searchsorted(selected[time_column].to_numpy(), boundary.to_datetime64(), side="right"))
    if cut <= 0 or cut >= len(selected):
        raise DataValidationError([(time_column, "time_split", len(selected),
            "all rows share one timestamp: a time split into train and holdout is impossible")])
    train = selected.iloc[:cut].reset_index(drop=True)
    holdout = selected.iloc[cut:].reset_index(drop=True)
    if current_window:
        cstart = end - parse_duration(current_window, name="current_window")
        current = selected.loc[selected[time_column] > cstart].reset_index(drop=True)
    else:
        current = holdout.copy()
    if recency_half_life:
        train[WEIGHT] = recency_weights(train[time_column], end, recency_half_life)
        check_recency_weights(train[WEIGHT], train[time_column], recency_half_life)

    counts = selected[target].value_counts()
    profile = {
        "rows_in": rows_in,
        "rows_selected": before_dedupe,
        "duplicates_dropped": duplicates,
        "null_target_dropped": no_target,
        "null_time_dropped": no_time,
        "rows_used": len(selected),
        "train_rows": len(train),
        "holdout_rows": len(holdout),
        "current_rows": len(current),
        "window": {"start": str(start), "end": str(end), "spec": window or "all"},
        "holdout_starts": str(holdout[time_column].iloc[0]),
        "data_time_range": {"min": str(tmin), "max": str(tmax)},
        # a category target's categories no row holds are no values of it (value_counts lists them at 0)
        "target": {"column": target, "distribution": {str(k): int(v) for k, v in
                   counts[counts > 0].head(20).items()}},
        "recency_half_life": recency_half_life or "",
        "contract": contract.to_dict(),
        "columns": columns,
        "spelling_variants": variants,
        "digest": digest,
    }
    return PreparedData(train=train, holdout=holdout, current=current, profile=profile, digest=digest)


def run(frame: pd.DataFrame, cfg: DataConfig) -> PreparedData:
    """:func:`prepare` with the settings of the ``data`` section."""
    return prepare(frame, target=cfg.target, time_column=cfg.time_column, contract=cfg.contract or None,
                   window=cfg.window or None, as_of=cfg.as_of or None, current_window=cfg.current_window or None,
                   holdout_fraction=cfg.holdout_fraction, recency_half_life=cfg.recency_half_life or None,
                   time_format=cfg.time_format)


PROFILE_SUMMARY = ("rows_in", "rows_used", "duplicates_dropped", "null_target_dropped", "null_time_dropped",
                   "train_rows", "holdout_rows")


def profile_summary(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile's row counts (the artifact's metadata in the KFP UI)."""
    return {k: profile[k] for k in PROFILE_SUMMARY}


def describe(prepared: PreparedData) -> str:
    p = prepared.profile
    return (f"window {p['window']['start']} .. {p['window']['end']}: {p['rows_used']} rows used "
            f"({p['duplicates_dropped']} duplicates, {p['null_target_dropped']} null targets, "
            f"{p.get('null_time_dropped', 0)} without a time dropped); "
            f"train {p['train_rows']}, holdout {p['holdout_rows']}, current {p['current_rows']}; "
            f"digest {prepared.digest[:12]}")


__all__ = [
    "PreparedData",
    "frame_digest",
    "prepare",
    "run",
    "profile_summary",
    "describe",
]

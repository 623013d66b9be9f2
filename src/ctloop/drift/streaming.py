"""Streaming drift: the same verdict as :func:`ctloop.drift.engine.detect`, from per-chunk state.

A :class:`DriftState` summarises one side (reference or current) column by column, chunk by
chunk, in memory bounded by the number of columns and the sketch size — never by rows:

* numeric columns (float, decimal and integer types; timestamps and durations as seconds,
  :func:`ctloop.drift.engine.epoch_seconds`): a :class:`~ctloop.drift.sketch.NumericSketch`
  (exact value counts while a column has at most ``sketch_size`` distinct values, else
  clusters on a float grid of the finest resolution that fits), exact moments (for the
  Wasserstein normalisation), and optional exact histograms on given bin edges (a second pass,
  below);
* categorical columns (bool, text, dictionary, date/time): value counts, exact up to
  ``max_categories`` distinct values, then that many stable hash buckets;
* per column: rows, nulls (null and NaN), ±inf, and the column's type family.

Nested columns (lists, maps, structs; in pandas chunks: complex numbers and unhashable values)
are counted but not summarised: :func:`compare` lists them in ``skipped`` as
:func:`ctloop.drift.engine.detect` does, with the dtype pandas gives them (``list`` for lists
and maps, ``dict`` for structs).

States merge exactly (``merge`` = one pass over the union, in any order; only floating-point
sums of a bucket may differ in the last bits) and serialise to JSON (``to_dict``/``from_dict``),
so KFP tasks can summarise partitions in parallel and one task merges and compares.

:func:`compare` applies :func:`~ctloop.drift.engine.detect`'s rules to two states — the same
column kinds (evidently's inference, decided from the *current* state, see :meth:`ColumnState.kind`),
automatic method choice, thresholds, corrections and dataset rule — and returns the same
:class:`~ctloop.drift.engine.DriftResult`:

=============================  =========================================================
method                         from state
=============================  =========================================================
chisquare, z, JS/PSI/KL/       exact: value counts (categorical columns, and numeric
Hellinger on categories        columns with few values)
JS/PSI/KL on numeric bins      exact when both sides are exact sketches, or after the
                               second pass (:func:`refine_plan`: exact histograms on
                               evidently's Sturges edges, which need both sides' min, max
                               and count first); else approximate, without a bound
ks, wasserstein                exact when both sides are exact sketches; else an estimate
                               with a guaranteed interval (:func:`.sketch.compare_cdfs`)
hellinger (numeric)            exact when both sides are exact sketches; else approximate
                               (its bins depend on the number of distinct values)
=============================  =========================================================

An approximate column carries ``approximate``, ``score_low``/``score_high`` (the exact score
lies in between) and ``borderline`` (the threshold lies in between: the decision is the
estimate's and may differ from the exact engine's). Everything else equals :func:`detect`
on the same data.

Reading: :func:`open_source` / :func:`scan` read a file, a directory, a glob or a list of
paths with ``pyarrow.dataset`` (Parquet or CSV, hive partitions such as the inference log's
``model=/date=/revision=``, column projection, partition-predicate pushdown). ``gs://``,
``s3://`` and ``az://`` URIs go through ``ctloop.storage.filesystem``. The dataset's schema is
its first file's: :meth:`Source.check_files` reads every file's own schema once and refuses a
file without a column that is read, and widens a column whose type differs between files
(:func:`detect_sources`, :func:`read_side` and ``ctloop score`` use it). :func:`state_of` and
:func:`detect_sources` put it together (the ``ctloop drift`` command uses them).
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import hashlib
import io
import math
import os
import queue
import re
import threading
import time
import warnings
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ctloop.columns import RESERVED_TRAINING
from ctloop.drift import engine, stats
from ctloop.drift.sketch import (
    BUCKET_BYTES,
    MIN_BUDGET,
    CategoryCounts,
    NumericSketch,
    aligned,
    aligned_counts,
    compare_cdfs,
    decode_array,
    encode_array,
    unhashable,
)
from ctloop.errors import (
    ColumnTypesDiffer,
    ConfigError,
    CsvTypeChanged,
    DataSourceError,
    DriftError,
    NoDataFiles,
    SourceUnreadable,
    one_line,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as pads

ENGINE = "ctloop-streaming"
STATE_FORMAT = "ctloop.drift.state"
STATE_VERSION = 4  # 2: date/time columns are sketched as seconds (family temporal), no longer counted as objects;
# 3: a Period column is counted as its periods' text (was int64 ordinals), an object column of datetimes is
# temporal and one of Decimals numeric (both were counted as categories): a version-2 state would compare wrongly;
# 4: int64/float64 numbers then Decimals are an object column of numbers (a version-3 state says float64, and
# would be re-counted as objects when plain numbers stored as objects come), and a column records whether its
# sketch holds integers beyond 2**53 (``rounded``) and whether its hashed counts are of numbers only (``numbers``);
RANGED_STATE_VERSION = 5  # a state with an object column of numbers known only as value ranges (``ranged``,
# round 45), which a version-4 reader would score as its hash buckets (empty): written only then, else STATE_VERSION
STATE_VERSIONS = (STATE_VERSION, RANGED_STATE_VERSION)  # read
DEFAULT_SKETCH_SIZE = 16384  # buckets (or exact distinct values) per numeric column and side
DEFAULT_MAX_CATEGORIES = 16384  # exact category counts per column and side, then hash buckets
DEFAULT_BATCH_ROWS = 262_144
MAX_BATCH_ROWS = 2**31 - 1  # pyarrow's to_batches/from_fragment take ``int batch_size``, a C int (OverflowError past it)
PARALLEL_MIN_ROWS = 50_000  # below this a batch is summarised column after column, in one thread
PREFETCH_BATCHES = 2  # batches decoded ahead of the statistics (memory: ~2 x batch size)

# Column type families, as pandas would read the column (``pd.read_parquet`` defaults), because
# the engine's kind rule looks at pandas dtypes.
FLOAT, INT, BOOL, TEXT, CATEGORY, OBJECT, NULL, TEMPORAL, NESTED = (
    "float", "int", "bool", "text", "category", "object", "null", "temporal", "nested",
)  # fmt: skip
NUMERIC_FAMILIES = frozenset({FLOAT, INT})
SKETCHED_FAMILIES = frozenset({FLOAT, INT, TEMPORAL})  # temporal: as seconds
COUNTED_FAMILIES = frozenset({BOOL, TEXT, CATEGORY, OBJECT, NULL})
FAMILIES = (FLOAT, INT, BOOL, TEXT, CATEGORY, OBJECT, NULL, TEMPORAL, NESTED)
# pandas columns that ``pandas.concat`` makes one object column of, counting the same values: bool, category, object
OBJECT_JOINS = frozenset({BOOL, CATEGORY, OBJECT})
FAMILY_WORDS = {FLOAT: "numbers", INT: "integers", BOOL: "booleans", TEXT: "text", CATEGORY: "categories",
                OBJECT: "text or other objects", NULL: "only nulls", TEMPORAL: "dates/times",
                NESTED: "lists/structs"}  # fmt: skip


def arrow_family(t: pa.DataType) -> str:
    """The family of an Arrow type, by what ``to_pandas`` makes of it: floats → float64;
    integers → int64 (float64 once a null is present, decided at compare time); bool; strings
    and binary → object; dictionary → category; decimal → float64 (as ``storage.read_table``
    reads it, not pandas' objects of Decimal); timestamp, duration, date and time → datetime64/timedelta64
    and objects of ``datetime.date``/``datetime.time`` (compared as seconds); null → object of
    None; lists, structs and maps → not compared."""
    import pyarrow as pa

    t = storage_type(t)
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return FLOAT  # a decimal as storage.read_table reads it: float64
    if pa.types.is_integer(t):
        return INT
    if pa.types.is_boolean(t):
        return BOOL
    if pa.types.is_dictionary(t):
        return CATEGORY
    if (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_fixed_size_binary(t)
        or getattr(pa.types, "is_string_view", lambda _: False)(t)
        or getattr(pa.types, "is_binary_view", lambda _: False)(t)
    ):
        return TEXT
    if pa.types.is_timestamp(t) or pa.types.is_duration(t) or pa.types.is_date(t) or pa.types.is_time(t):
        return TEMPORAL
    if pa.types.is_null(t):
        return NULL
    return NESTED


def period_freq(f: pa.Field) -> str | None:
    """The frequency (``M``, ``D``...) of a field pandas wrote from a Period column (its
    ``pandas.period`` extension type, or the int64 ordinals with that extension's field metadata
    when the type is not registered, as ``pyarrow.dataset`` reads it), else ``None``."""
    import json

    import pyarrow as pa

    if isinstance(f.type, pa.BaseExtensionType):
        return getattr(f.type, "freq", None) if str(getattr(f.type, "extension_name", "")) == "pandas.period" else None
    meta = f.metadata or {}
    if meta.get(b"ARROW:extension:name") != b"pandas.period" or not pa.types.is_int64(f.type):
        return None
    try:
        freq = json.loads(meta.get(b"ARROW:extension:metadata", b"{}")).get("freq")
    except (ValueError, AttributeError):
        return None
    return freq if isinstance(freq, str) else None


def storage_type(t: pa.DataType) -> pa.DataType:
    """An extension type as its storage type, as ``to_pandas`` reads its values (``uuid``:
    ``bytes`` of its ``fixed_size_binary(16)``; ``json``: ``str``; ``bool8``: ``int8``), but
    pandas' own (``pandas.period``, ``pandas.interval``: read back as pandas dtypes); any other
    type as it is."""
    import pyarrow as pa

    if isinstance(t, pa.BaseExtensionType) and not str(getattr(t, "extension_name", "")).startswith("pandas."):
        return storage_type(t.storage_type)
    return t


def arrow_values_kind(t: pa.DataType) -> str | None:
    """:func:`ctloop.drift.engine.number_or_text` of a column of Arrow type ``t`` as pandas reads
    it: ``number`` (integers, floats, decimals; a dictionary of them: a ``category`` of numbers),
    ``text`` (strings; a dictionary of them), ``bytes`` (binary, fixed-size binary, ``uuid``;
    a dictionary of them), else ``None``."""
    import pyarrow as pa

    t = storage_type(t)
    if pa.types.is_dictionary(t):
        t = storage_type(t.value_type)
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if (pa.types.is_string(t) or pa.types.is_large_string(t)
            or getattr(pa.types, "is_string_view", lambda _: False)(t)):
        return "text"
    if (pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)
            or getattr(pa.types, "is_binary_view", lambda _: False)(t)):
        return "bytes"
    return None


# the values kind of a pandas object chunk of integers: ``number_or_text`` says ``None`` (pandas
# infers ``integer``), but with a chunk of text the column is ``mixed-integer``, i.e. text
OBJECT_INTEGERS = "integers (object)"


def _pandas_values_kind(series: pd.Series) -> str | None:
    """``engine.number_or_text`` of a pandas chunk with values, an object chunk of integers
    being :data:`OBJECT_INTEGERS`."""
    import pandas as pd

    kind = engine.number_or_text(series)
    if kind is None and series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "integer":
        kind = OBJECT_INTEGERS
    return kind


# a counted column whose category counts went to hash buckets cannot be re-read as numbers
TOO_MANY_OBJECTS = "objects of more than {limit} distinct values (too many to re-read as numbers)"
# a sketched column past its exact budget cannot be re-counted as the values of an object column
TOO_MANY_NUMBERS = "more than {budget} distinct numbers (too many to re-count as objects)"
# an object column of numbers after such a column (``ColumnState.ranged``): its values are the shadow's value ranges
RANGED_NUMBERS = "more than {budget} distinct numbers known only as value ranges"


# every values_kind a column state can hold (``engine.number_or_text``, :data:`OBJECT_INTEGERS`)
VALUES_KINDS = frozenset({"number", "text", "bytes", OBJECT_INTEGERS, None})


# pandas.api.types.infer_dtype of object chunks whose every value has a stable text to hash
_HASHABLE_KINDS = frozenset({"string", "bytes", "integer", "floating", "mixed-integer-float", "decimal",
                             "boolean", "datetime", "date", "time", "interval", "empty"})


def _joined_kind(a: str | None, b: str | None) -> str | None:
    """The values kind of two chunks of one side together, both *seen* (values present; a
    chunk of none is not joined: :meth:`ColumnState.see_kind`), as ``number_or_text`` sees them
    concatenated: one kind → it; numbers or an object chunk of integers (:data:`OBJECT_INTEGERS`)
    and text → text (``mixed-integer``); numbers and an object chunk of integers → an object
    column of integers; ``None`` (values of neither: booleans, mixed) with anything, or bytes
    with anything else → ``None`` (``mixed``)."""
    if a == b:
        return a
    if {a, b} in ({"number", "text"}, {OBJECT_INTEGERS, "text"}):
        return "text"
    return OBJECT_INTEGERS if {a, b} == {"number", OBJECT_INTEGERS} else None


def nested_label(type_name: str) -> str:
    """The dtype label of a not-compared column, as :func:`ctloop.drift.engine.unsupported_dtype`
    names the values pandas reads from it: Arrow lists and maps → ``list``, structs → ``dict``;
    anything else keeps its name (``complex128``, or a label already given)."""
    if type_name.startswith(("list", "large_list", "fixed_size_list", "list_view", "large_list_view",
                             "map")):  # fmt: skip
        return "list"
    if type_name.startswith("struct"):
        return "dict"
    return type_name


def pandas_family(series: pd.Series) -> tuple[str, bool]:
    """``(family, nullable_int)`` of a pandas column (the engine's ``column_kind`` cases)."""
    import pandas as pd

    dtype = series.dtype
    if engine.temporal_type(engine.series_dtype(series)) is not None:
        return TEMPORAL, False
    if engine.unsupported_dtype(series) is not None:
        return NESTED, False
    if isinstance(dtype, pd.CategoricalDtype):
        return CATEGORY, False
    if pd.api.types.is_bool_dtype(dtype):
        return BOOL, False
    if pd.api.types.is_integer_dtype(dtype):
        return INT, pd.api.types.is_extension_array_dtype(dtype)
    if pd.api.types.is_numeric_dtype(dtype) or engine.decimal_object(series):  # Decimals: as float64
        return FLOAT, False
    if series.dtype == np.dtype(object) and pd.api.types.infer_dtype(series, skipna=True) == "boolean":
        return BOOL, False  # booleans and nulls: an Arrow bool column with a null reads into pandas so
    return OBJECT, False


def real_numbers(values: pd.Series | ColumnState) -> bool:
    """Whether ``values`` (an object Series, or a counted column's exact counts) hold only real
    numbers besides nulls — plain ``int``/``float`` values stored as objects, not ``bool`` — and
    at least one: numbers, not text, beside ``decimal.Decimal`` values (``engine.decimal_object``)."""
    import numbers

    import pandas as pd

    if isinstance(values, ColumnState):
        if values.categories is None or values.categories.hashed:
            return False
        items = list(values.categories.counts)
    else:
        if values.dtype != object:
            return False
        if pd.api.types.infer_dtype(values, skipna=True) in ("integer", "floating", "mixed-integer-float"):
            return True  # ints/floats (Python or NumPy), at least one, read in C: no bool, Decimal or text
        items = values.dropna().tolist()
    return bool(items) and all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
                               for v in items)  # fmt: skip


def pandas_dtype(schema: pa.Schema, name: str) -> str:
    """The dtype pandas gives column ``name`` when it reads a table of ``schema`` (its pandas
    metadata included), e.g. ``datetime64[us, UTC]``: how the memory engine names it."""
    return str(schema.empty_table().select([name]).to_pandas()[name].dtype)


def _pandas_dtypes(schema: pa.Schema) -> dict[str, str]:
    """``{column: pandas dtype}`` from the ``pandas`` metadata pandas writes into Parquet."""
    import json

    raw = (schema.metadata or {}).get(b"pandas")
    if not raw:
        return {}
    try:
        meta = json.loads(raw)
        return {c["name"]: str(c.get("numpy_type", "")) for c in meta.get("columns", [])
                if isinstance(c, dict) and c.get("name") is not None}  # fmt: skip
    except (ValueError, TypeError, AttributeError):  # foreign or damaged metadata: ignore it
        return {}


def _edges_key(edges: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(edges, "<f8").tobytes(), digest_size=12).hexdigest()


# ---------------------------------------------------------------------------- column state
class ColumnState:
    """One column of one side: counts, and a numeric sketch or category counts (module doc)."""

    __slots__ = ("name", "family", "type", "rows", "nulls", "infs", "nullable_int", "numeric",
                 "categories", "histograms", "ints", "values_kind", "_kind_seen", "period", "rounded",
                 "numbers", "shadow", "ranged")  # fmt: skip

    def __init__(self, name: str, family: str, type_name: str, *, sketch_size: int,
                 max_categories: int):  # fmt: skip
        if family not in FAMILIES:
            raise ValueError(f"unknown column family {family!r}")
        self.name = name
        self.family = family
        self.type = type_name
        self.rows = 0
        self.nulls = 0
        self.infs = 0
        self.nullable_int = False
        self.numeric = NumericSketch(sketch_size) if family in SKETCHED_FAMILIES else None
        self.categories = CategoryCounts(max_categories) if family in COUNTED_FAMILIES else None
        self.histograms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # an integer column's distinct values while at most INTEGER_CARDINALITY_LIMIT, else None:
        # counted on the integers, as the engine counts them (the sketch holds float64, where ids
        # near 2**62 collapse: 1000 ids in two floats)
        self.ints: set[int] | None = set()
        # number/text/bytes/None of a counted column's values (engine.number_or_text), so a
        # comparison refuses numbers against text as the memory engine does
        self.values_kind: str | None = None
        self._kind_seen = False
        # the frequency of a pandas Period column read from Arrow (``pandas.period``: int64
        # ordinals): counted as the periods' text, as pandas reads it (a categorical column)
        self.period: str | None = None
        # an int64 chunk held an integer beyond 2**53, which the float64 sketch rounds (2**53 + 1 is
        # 2**53 there): its values cannot be re-counted exactly as objects (:meth:`as_counts`)
        self.rounded = False
        # a counted (object) column whose values so far were all plain real numbers (``real_numbers``),
        # kept past the switch to hash buckets: int64/float64 chunks and states still join it
        self.numbers = family == OBJECT
        # while ``numbers``: the same values as float64 in a sketch, so that Decimals coming after the
        # counts went into hash buckets (which cannot be read back as numbers) still make the column
        # numeric (:meth:`as_numbers`), as one pass does; dropped once a value is not a plain number
        self.shadow = NumericSketch(sketch_size) if family == OBJECT else None
        # an object column of plain numbers whose first part was an int64/float64 column past its
        # sketch (:meth:`as_counts`): its values are known only as the :attr:`shadow`'s value
        # ranges, which a categorical comparison reads (as of a numeric side past its sketch)
        self.ranged = False

    # ---------------------------------------------------------------- the kind rule
    def kind(self) -> str | None:
        """The engine's column kind (``engine.column_kind``) for this column as the *current*
        side: float → numeric; integer → categorical with at most 10 distinct values, else
        numeric (an Arrow integer column with nulls reads into pandas as float64: numeric);
        bool, text, dictionary, date/time/decimal and all-null → categorical; timestamps and
        durations → numeric (as seconds); nested types → not compared (``None``)."""
        if self.family in (FLOAT, TEMPORAL):
            return "numeric"
        if self.family == INT:
            if self.nulls and not self.nullable_int:
                return "numeric"
            distinct = None if self.ints is None else len(self.ints)
            limit = engine.INTEGER_CARDINALITY_LIMIT
            return "categorical" if distinct is not None and distinct <= limit else "numeric"
        if self.family in COUNTED_FAMILIES:
            return "categorical"
        return None

    @property
    def values(self) -> int:
        """Values left after dropping null/NaN/±inf."""
        if self.numeric is not None:
            return self.numeric.n
        if self.categories is not None:
            return self.categories.n
        return 0

    # ---------------------------------------------------------------- updates
    def see_kind(self, kind: str | None) -> None:
        """Join a chunk's :func:`arrow_values_kind` / ``engine.number_or_text`` into
        ``values_kind`` (:func:`_joined_kind`)."""
        self.values_kind = _joined_kind(self.values_kind, kind) if self._kind_seen else kind
        self._kind_seen = True

    def _add_numeric(self, vals: np.ndarray, nulls: int, bins: list[np.ndarray]) -> None:
        if vals.dtype.kind == "f":
            finite = np.isfinite(vals)
            if not finite.all():
                nan = int(np.isnan(vals).sum())
                self.nulls += nan
                self.infs += int(len(vals) - finite.sum()) - nan
                vals = vals[finite]
        self.nulls += nulls
        self.numeric.add(vals)
        for edges in bins:
            key = _edges_key(edges)
            counts = np.histogram(np.asarray(vals, dtype=np.float64), edges)[0].astype(np.int64)
            if key in self.histograms:
                counts = counts + self.histograms[key][1]
            self.histograms[key] = (edges, counts)

    def _note_rounded(self, vals: np.ndarray) -> None:
        """Record an integer chunk holding a value beyond 2**53, which float64 (the sketch) rounds."""
        if len(vals) and vals.dtype.kind in "iu" and (int(vals.max()) > 2**53 or int(vals.min()) < -(2**53)):
            self.rounded = True

    def _add_ints(self, vals: np.ndarray) -> None:
        """Count an integer chunk's distinct values (``ints``) while they are few."""
        if self.ints is None or vals.dtype.kind not in "iu" or not len(vals):
            return
        limit = engine.INTEGER_CARDINALITY_LIMIT
        if stats.count_unique(vals, limit) > limit:
            self.ints = None
            return
        import pandas as pd

        self.ints |= set(pd.unique(vals).tolist())
        if len(self.ints) > limit:
            self.ints = None

    def _add_counts(self, keys: list[Any], counts: Any) -> None:
        if self.family in (CATEGORY, OBJECT):  # float values: ±inf/NaN are not categories
            keep = [not (isinstance(k, float) and (math.isinf(k) or k != k)) for k in keys]
            if not all(keep):
                dropped = [int(c) for c, ok in zip(counts, keep, strict=True) if not ok]
                self.infs += sum(dropped)
                keys = [k for k, ok in zip(keys, keep, strict=True) if ok]
                counts = [c for c, ok in zip(counts, keep, strict=True) if ok]
        try:
            self.categories.add(keys, counts)
        except TypeError as exc:  # past max_categories: a value with no stable text to hash
            raise self._unhashable(exc) from exc

    def _unhashable(self, exc: TypeError) -> DriftError:
        return DriftError(
            f"column {self.name!r}: more than {self.categories.limit} distinct values to count in "
            f"hash buckets, and {exc}: convert the column to text, leave it out, or count more values exactly "
            f"({_max_categories_said()})"
        )

    def check_counts(self, series: pd.Series) -> None:
        """Refuse, changing nothing, a pandas chunk that :meth:`update_pandas` would refuse half
        way (after other columns counted it): values going to hash buckets (past
        ``max_categories``) of which one has no stable text to hash (a tuple), in this chunk or
        among the values counted exactly before it, which this chunk pushes past the limit
        (until fix45c2 a chunk of text then counted its other columns before the refusal)."""
        import pandas as pd

        cats = self.categories
        if cats is None:
            return
        if not cats.hashed and cats.counts:
            stored = unhashable(cats.counts)  # at most max_categories values: a pass over their types
            if stored is not None and len(set(cats.counts) | set(pd.unique(series.dropna()))) > cats.limit:
                raise self._unhashable(stored)
        if series.dtype != object:
            return
        if pd.api.types.infer_dtype(series, skipna=True) in _HASHABLE_KINDS:
            return  # text, numbers, bytes, booleans, dates...: every value has its text
        values = pd.unique(series.dropna())
        if not (cats.hashed or len(set(cats.counts) | set(values)) > cats.limit):
            return  # counted exactly: any hashable value is kept as itself
        exc = unhashable(values)
        if exc is not None:
            raise self._unhashable(exc)

    def update_arrow(self, array: pa.Array, bins: list[np.ndarray] = ()) -> None:
        """Add one chunk of the column (an Arrow array)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        self.rows += len(array)
        if isinstance(array.type, pa.BaseExtensionType) and storage_type(array.type) is not array.type:
            array = array.storage  # uuid, json, bool8: their storage's values, as pandas reads them
        if self.period is not None:
            array = array.storage if isinstance(array.type, pa.BaseExtensionType) else array
            self._add_periods(array)
            return
        if self.numeric is not None:
            nulls = array.null_count
            if nulls:
                array = pc.drop_null(array)
            if self.family == TEMPORAL:  # counts of the unit (UTC when tz-aware) → seconds
                vals = engine.arrow_seconds(array)
            else:
                if pa.types.is_decimal(array.type):
                    array = pc.cast(array, pa.float64())
                vals = array.to_numpy(zero_copy_only=False)
                self._note_rounded(vals)
                self._add_ints(vals)
            self._add_numeric(vals, nulls, bins)
        elif self.categories is not None:
            self.nulls += array.null_count
            if len(array) == array.null_count:
                return
            self.see_kind(arrow_values_kind(array.type))
            self.numbers, self.shadow = False, None  # Arrow's object columns hold text, bytes or None
            vc = pc.value_counts(array)
            values, counts = vc.field("values"), vc.field("counts")
            valid = values.is_valid()
            self._add_counts(values.filter(valid).to_pylist(), counts.filter(valid).to_numpy())
        else:
            self.nulls += array.null_count

    def _add_periods(self, ordinals: pa.Array) -> None:
        """Count a ``pandas.period`` chunk (int64 ordinals) as the periods' text."""
        import pandas as pd
        import pyarrow.compute as pc

        self.nulls += ordinals.null_count
        if len(ordinals) == ordinals.null_count:
            return
        self.see_kind(None)  # pandas infers "period": neither number nor text
        self.numbers, self.shadow = False, None
        vc = pc.value_counts(pc.drop_null(ordinals))
        periods = pd.PeriodIndex.from_ordinals(vc.field("values").to_numpy(zero_copy_only=False), freq=self.period)
        self._add_counts([str(p) for p in periods], vc.field("counts").to_numpy())

    def update_pandas(self, series: pd.Series, bins: list[np.ndarray] = (), *,
                      values: np.ndarray | None = None) -> None:  # fmt: skip
        """Add one chunk of the column (a pandas Series), with pandas' own semantics. ``values``:
        an object number or datetime column as float64 numbers or seconds, converted already
        (``DriftState.update`` converts them once, in its checks before anything is changed)."""
        import pandas as pd

        self.rows += len(series)
        if self.numeric is not None:
            if values is not None:
                vals = values
            elif self.family == TEMPORAL:  # seconds, NaT → NaN (counted as nulls)
                vals = engine.temporal_seconds(series)
            else:
                if pd.api.types.is_integer_dtype(series.dtype):
                    ints = (series.dropna() if series.hasnans else series).to_numpy()
                    self._note_rounded(ints)
                    if self.family == INT:  # nullable Int64: its integers without the nulls
                        self._add_ints(ints)
                vals = engine.float64_values(series, (self.rows - len(series)) or None)  # labels in a first chunk
            self._add_numeric(vals, 0, bins)
        elif self.categories is not None:
            if series.notna().any():
                self.see_kind(_pandas_values_kind(series))
                self.numbers = self.numbers and self.family == OBJECT and real_numbers(series)
                self._shadow(series)
            vc = series.value_counts(dropna=True, sort=False)
            vc = vc[vc > 0]  # unused categories of a category dtype
            self.nulls += int(series.isna().sum())
            keys = vc.index.tolist()
            if isinstance(series.dtype, pd.PeriodDtype):  # as text, as a pandas.period Arrow column is counted
                keys = [str(k) for k in keys]
            self._add_counts(keys, vc.to_numpy())
        else:
            self.nulls += int(series.isna().sum())

    def _shadow(self, series: pd.Series) -> None:
        """Add a chunk of plain numbers stored as objects to :attr:`shadow` (or drop it: a value
        that is not one, or an integer beyond float64's range, which only Decimals would refuse)."""
        if not self.numbers:
            self.shadow = None
        if self.shadow is None:
            return
        try:
            vals = series.to_numpy(dtype=float, na_value=np.nan)
        except (OverflowError, TypeError, ValueError):
            self.shadow = None
            return
        self.shadow.add(vals[np.isfinite(vals)])

    def _shadow_counts(self, counts: dict[Any, int]) -> None:
        """Add exact counts ``{value: count}`` of plain numbers stored as objects to
        :attr:`shadow`, as :meth:`_shadow` of every row they count would (or drop it), in memory
        of the distinct values, not of the rows."""
        if not self.numbers:
            self.shadow = None
        if self.shadow is None:
            return
        import pandas as pd

        try:
            vals = pd.Series(list(counts), dtype=object).to_numpy(dtype=float, na_value=np.nan)
        except (OverflowError, TypeError, ValueError):
            self.shadow = None
            return
        finite = np.isfinite(vals)
        self.shadow.add_counts(
            vals[finite], np.fromiter(counts.values(), np.int64, len(counts))[finite]
        )

    def readable_numbers(self) -> bool:
        """An object column of plain numbers that Decimals make numeric: its exact counts
        (:func:`real_numbers`), or its :attr:`shadow` once they are in hash buckets."""
        if real_numbers(self):
            return True
        return self.counts_numbers() and self.categories.hashed and self.shadow is not None

    @property
    def empty(self) -> bool:
        """Only missing values so far: its type says nothing (``DriftState.update`` types such a
        stretch by the values that come)."""
        return self.rows == self.nulls and not self.values

    def _retyped(self, like: ColumnState) -> ColumnState:
        """This empty column (:attr:`empty`) as one of ``like``'s type, its rows kept as nulls."""
        out = ColumnState(self.name, like.family, like.type,
                          sketch_size=(like.numeric or like.shadow).budget if (like.numeric or like.shadow) else MIN_BUDGET,
                          max_categories=like.categories.limit if like.categories else MIN_BUDGET)  # fmt: skip
        out.rows, out.nulls, out.nullable_int = self.rows, self.nulls, self.nullable_int
        return out

    def as_numbers(self, type_name: str, bins: Sequence[np.ndarray] = (), *, sketch_size: int) -> ColumnState:
        """This object column of plain numbers (:func:`real_numbers`) as a number column of
        ``type_name`` (Decimals came, in a chunk or a merged state): its counted values put into
        the sketch, as ``pandas.concat`` of the parts is one object column the engine compares
        as numbers (``engine.decimal_object``)."""
        typed = ColumnState(self.name, FLOAT, type_name, sketch_size=sketch_size,
                            max_categories=self.categories.limit)  # fmt: skip
        typed.rows, typed.nulls, typed.infs = self.rows, self.nulls, self.infs
        typed.nullable_int = self.nullable_int
        if self.categories.hashed:  # the values are in hash buckets: read from the shadow sketch (no bins:
            typed.numeric = NumericSketch(sketch_size).merge(self.shadow)  # a second pass counts them)
            return typed
        counts = self.categories.counts
        engine.refuse_beyond_float(self.name, ((None, v) for v in counts))
        values = np.repeat(np.asarray(list(counts), dtype=np.float64), list(counts.values()))
        typed._add_numeric(values, 0, bins)
        return typed

    def as_counts(self, max_categories: int) -> ColumnState | None:
        """This int64/float64 column (not Decimals) as an object column counting its values,
        as ``pandas.concat`` of it and a chunk of plain numbers stored as objects is one object
        column the engine counts (categorical, until Decimals come: :meth:`as_numbers`) in up to
        ``max_categories`` exact counts; ``None``
        when its sketch is no longer exact (:data:`TOO_MANY_NUMBERS`) or an integer lies beyond
        float64's exact integers."""
        import pandas as pd

        sk = self.numeric
        if self.family not in NUMERIC_FAMILIES or self._decimals():
            return None
        if self.rounded:  # an int64 value beyond 2**53: the sketch holds it rounded
            return None
        if not sk.exact:  # past its sketch: the values are value ranges, not values to count
            out = ColumnState(self.name, OBJECT, "object", sketch_size=sk.budget, max_categories=max_categories)
            out.rows, out.nulls, out.infs = self.rows, self.nulls, self.infs
            out.nullable_int = self.nullable_int
            sample: list[Any] = [float(sk.mins[0])] if len(sk.mins) else []
            if self.family == INT:
                sample = [int(v) for v in sample]
            if sample:
                out.see_kind(_pandas_values_kind(pd.Series(sample, dtype=object)))
            out.categories = out.categories.as_hashed()  # counts of what comes (Decimals read the shadow)
            out.shadow = NumericSketch(sk.budget).merge(sk)
            out.ranged = True
            return out
        keys: list[Any] = [float(v) for v in sk.mins]
        if self.family == INT:
            keys = [int(v) for v in keys]
        out = ColumnState(self.name, OBJECT, "object", sketch_size=sk.budget, max_categories=max_categories)
        out.rows, out.nulls, out.infs = self.rows, self.nulls, self.infs
        out.nullable_int = self.nullable_int
        if keys:
            out.see_kind(_pandas_values_kind(pd.Series(keys, dtype=object)))
        out._add_counts(keys, [int(c) for c in sk.counts])
        out.shadow = NumericSketch(sk.budget).merge(sk)
        return out

    def counts_numbers(self) -> bool:
        """An object column of plain real numbers only (:func:`real_numbers`), its counts exact
        or in hash buckets: an int64/float64 chunk or state joins it as one object column."""
        return self.family == OBJECT and self.numbers and bool(self.values)

    def _decimals(self) -> bool:
        """A number column of Decimals (stored as objects: ``engine.decimal_object``)."""
        return self.family == FLOAT and self.type == "object"

    def words(self) -> str:
        """What the column holds, for a refusal ("object" alone may be text, Decimals or numbers)."""
        if self._decimals():
            return "Decimals"
        if self.family == OBJECT and (real_numbers(self) or self.ranged):
            return "numbers stored as objects"
        if self.family == OBJECT and self.categories.hashed and self.values_kind not in ("text", "bytes") and not self.readable_numbers():
            return TOO_MANY_OBJECTS.format(limit=self.categories.limit)
        return FAMILY_WORDS[self.family]

    def number_words(self) -> str:
        """What an int64/float64 column holds when it cannot be re-counted (:meth:`as_counts`)."""
        if self.numeric is not None and not self.numeric.exact:
            return TOO_MANY_NUMBERS.format(budget=self.numeric.budget)
        return "integers beyond 2**53" if self.rounded else self.words()

    def merge(self, other: ColumnState) -> ColumnState:
        if other.family != self.family and {self.family, other.family} != {INT, FLOAT}:
            if self.empty and not other.empty:  # as one pass: an all-missing part takes the other's type
                return self._retyped(other).merge(other)
            if other.empty:
                return self.merge(other._retyped(self))
            for objects, numbers in ((self, other), (other, self)):
                if not (objects.counts_numbers() and numbers.family in NUMERIC_FAMILIES):
                    continue
                if numbers._decimals():  # plain numbers as objects + Decimals: numbers
                    if not objects.readable_numbers():  # in hash buckets, no shadow: refused below, naming why
                        break
                    edges = [e for e, _ in numbers.histograms.values()]
                    converted = objects.as_numbers(numbers.type, edges, sketch_size=numbers.numeric.budget)
                    return converted.merge(numbers) if objects is self else numbers.merge(converted)
                counted = numbers.as_counts(objects.categories.limit)  # plain numbers as objects + int64/float64: one object column
                if counted is None:
                    raise DriftError(
                        f"cannot merge drift states: column {self.name!r} holds {objects.words()} in one "
                        f"and {numbers.number_words()} ({numbers.type}) in the other; give it one type "
                        "in every partition"
                    )
                return objects.merge(counted) if objects is self else counted.merge(objects)
        family = self.family
        if family == TEMPORAL == other.family and engine.temporal_type(self.type) != engine.temporal_type(other.type):
            raise DriftError(  # naive and tz-aware datetimes (or dates and datetimes): one pass refuses them too
                f"cannot merge drift states: column {self.name!r} is {self.type} in one and "
                f"{other.type} in the other; give it one type in every partition (one time zone, or none)"
            )
        if other.family != family:
            if {self.family, other.family} == {INT, FLOAT}:
                family = FLOAT  # pandas concat of int64 and float64 is float64
            elif {self.family, other.family} <= OBJECT_JOINS:
                family = OBJECT  # booleans, a category and other objects: one object column, as in DriftState.update
            else:
                held = (f"holds {self.words()} in one and {other.words()}" if self.type == other.type
                         else f"is {self.type} in one and {other.type}")  # "object" and "object": say what
                raise DriftError(
                    f"cannot merge drift states: column {self.name!r} {held} in the other; give it "
                    "one type in every partition"
                )
        budget = min(self.numeric.budget, other.numeric.budget) if self.numeric else MIN_BUDGET
        limit = min(self.categories.limit, other.categories.limit) if self.categories else MIN_BUDGET
        type_name = self.type if family == self.family else other.type
        if self._decimals() or other._decimals():  # a Decimal among numpy numbers: an object column
            type_name = "object"
        out = ColumnState(self.name, family, type_name, sketch_size=budget, max_categories=limit)
        out.rows = self.rows + other.rows
        out.nulls = self.nulls + other.nulls
        out.infs = self.infs + other.infs
        out.nullable_int = self.nullable_int or other.nullable_int
        out.rounded = self.rounded or other.rounded
        out.numbers = self.numbers and other.numbers
        out.shadow = None
        if out.numbers and self.shadow is not None and other.shadow is not None:
            first, second = (other, self) if not self.shadow.n else (self, other)
            out.shadow = first.shadow.merge(second.shadow)
        out.ranged = self.ranged or other.ranged
        if out.ranged and out.shadow is None:
            ranged, plain = (self, other) if self.ranged else (other, self)
            raise DriftError(
                f"cannot merge drift states: column {self.name!r} holds {plain.words()} in one and, in "
                f"the other, {RANGED_NUMBERS.format(budget=ranged.shadow.budget)}; give it one type "
                "in every partition"
            )
        for part in (self, other):
            if part._kind_seen:
                out.see_kind(part.values_kind)
        if self.ints is not None and other.ints is not None:
            out.ints = self.ints | other.ints
            if len(out.ints) > engine.INTEGER_CARDINALITY_LIMIT:
                out.ints = None
        else:
            out.ints = None
        if self.numeric is not None:  # an empty sketch first fails in NumericSketch._absorb: the other first
            first, second = (other, self) if not self.numeric.n else (self, other)
            out.numeric = first.numeric.merge(second.numeric)
        if self.categories is not None:
            try:
                out.categories = self.categories.merge(other.categories)
            except ValueError as exc:  # hash buckets of two max_categories, neither a multiple of the other
                raise DriftError(
                    f"cannot merge drift states: column {self.name!r} is counted in {exc} in the two "
                    "parts; summarise every "
                    "partition with the same max_categories (or one a multiple of the other)"
                ) from exc
        out.histograms = dict(self.histograms)
        for key, (edges, counts) in other.histograms.items():
            if key in out.histograms:
                out.histograms[key] = (edges, out.histograms[key][1] + counts)
            else:
                out.histograms[key] = (edges, counts.copy())
        return out

    def histogram(self, edges: np.ndarray) -> np.ndarray | None:
        """Exact counts on ``edges`` from a second pass, if this state has them."""
        found = self.histograms.get(_edges_key(edges))
        return None if found is None else found[1]

    def nbytes(self) -> int:
        size = sum(e.nbytes + c.nbytes for e, c in self.histograms.values())
        if self.numeric is not None:
            size += self.numeric.nbytes()
        if self.categories is not None:
            size += self.categories.nbytes()
        if self.shadow is not None:
            size += self.shadow.nbytes()
        return size

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "family": self.family,
            "type": self.type,
            "rows": self.rows,
            "nulls": self.nulls,
            "infs": self.infs,
            "nullable_int": self.nullable_int,
        }
        if self._kind_seen:
            out["values_kind"] = self.values_kind
        if self.period is not None:
            out["period"] = self.period
        if self.family == INT:
            out["ints"] = None if self.ints is None else sorted(self.ints)
        if self.family in NUMERIC_FAMILIES:
            out["rounded"] = self.rounded
        if self.family == OBJECT:
            out["numbers"] = self.numbers
            if self.ranged:
                out["ranged"] = True
            if self.numbers and self.shadow is not None and self.categories.hashed:
                out["shadow"] = self.shadow.to_dict()  # exact counts: rebuilt from them on reading
        if self.numeric is not None:
            out["numeric"] = self.numeric.to_dict()
        if self.categories is not None:
            try:
                out["categories"] = self.categories.to_dict()
            except TypeError as exc:  # a value JSON cannot carry back as itself (a tuple, a frozenset)
                raise DriftError(
                    f"column {self.name!r}: a drift state cannot save its values ({exc}): it keeps "
                    "numbers, text, bytes, booleans, Decimals, dates, times, UUIDs and intervals; "
                    "convert the column to text, or leave it out"
                ) from exc
        if self.histograms:
            out["histograms"] = [
                {"edges": encode_array(e, "<f8"), "counts": encode_array(c, "<i8")}
                for e, c in self.histograms.values()
            ]
        return out

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any], *, sketch_size: int = DEFAULT_SKETCH_SIZE) -> ColumnState:
        """``sketch_size``: the state's, for the :attr:`shadow` of an object column of numbers."""
        num = data.get("numeric")
        cat = data.get("categories")
        out = cls(name, data["family"], data["type"],
                  sketch_size=int(num["budget"]) if num else MIN_BUDGET,
                  max_categories=int(cat["limit"]) if cat else MIN_BUDGET)  # fmt: skip
        out.rows, out.nulls, out.infs = int(data["rows"]), int(data["nulls"]), int(data["infs"])
        out.nullable_int = bool(data.get("nullable_int", False))
        if "values_kind" in data:
            if data["values_kind"] not in VALUES_KINDS:
                raise ValueError(f"values_kind {data['values_kind']!r} is none of {sorted(map(str, VALUES_KINDS))}")
            out.see_kind(data["values_kind"])
        out.period = data.get("period")
        out.rounded = bool(data.get("rounded", False))
        out.numbers = bool(data.get("numbers", False))
        if out.family == TEMPORAL and not num:
            raise DriftError(
                f"the drift state of datetime column {name!r} holds no values (written by a ctloop "
                "that did not compare datetimes): recompute the state with this version"
            )
        if num:
            out.numeric = NumericSketch.from_dict(num)
        if cat:
            out.categories = CategoryCounts.from_dict(cat)
        if out.family == OBJECT:
            out.shadow = None
            out.ranged = bool(data.get("ranged", False))
            if data.get("shadow"):
                out.shadow = NumericSketch.from_dict(data["shadow"])
            elif out.ranged:  # its values are the shadow's value ranges: without them, nothing to compare
                raise KeyError("shadow")
            elif out.numbers and out.categories is not None and real_numbers(out):
                out.shadow = NumericSketch(sketch_size)
                out._shadow_counts(out.categories.counts)
        if "ints" in data:
            out.ints = None if data["ints"] is None else {int(v) for v in data["ints"]}
        elif out.numeric is not None:  # a state written before: its float values' count
            distinct = out.numeric.distinct
            out.ints = ({int(v) for v in out.numeric.mins} if distinct is not None
                        and distinct <= engine.INTEGER_CARDINALITY_LIMIT else None)
        for h in data.get("histograms", []):
            edges = decode_array(h["edges"], "<f8").astype(np.float64)
            out.histograms[_edges_key(edges)] = (edges, decode_array(h["counts"], "<i8").astype(np.int64))
        return out


# ---------------------------------------------------------------------------- drift state
def _check_budgets(sketch_size: int, max_categories: int) -> None:
    """A new :class:`DriftState`'s ``sketch_size`` and ``max_categories`` refused unless an integer in
    :data:`MIN_BUDGET`..:data:`MAX_SKETCH_SIZE` (:data:`MAX_CATEGORIES`): checked by the state, and first
    thing by :func:`detect_sources` and :func:`state_of`, before a side is opened (an object store listed)."""
    for label, value, most in (("sketch_size", sketch_size, MAX_SKETCH_SIZE),
                               ("max_categories", max_categories, MAX_CATEGORIES)):  # fmt: skip
        if not isinstance(value, (int, np.integer)) or not MIN_BUDGET <= value <= most:
            raise ConfigError(f"{label} must be an integer in {MIN_BUDGET}..{most}, got {value!r}")


class DriftState:
    """The mergeable summary of one side (module doc).

    Args:
        sketch_size: Buckets per numeric column (64 to :data:`MAX_SKETCH_SIZE`); a column with at
            most this many distinct values is kept exactly. Memory: about 40 bytes per bucket. A
            state read back (:meth:`from_dict`) or merged keeps its size, even above the bound (a
            state saved before round 55, when only 64 was checked).
        max_categories: Exact category counts per column (64 to :data:`MAX_CATEGORIES`), then hash
            buckets; kept as saved or merged, as ``sketch_size``.
        bins: ``{column: [edges, ...]}``: also count each listed numeric column exactly on
            these bin edges (the second pass of :func:`refine_plan`).
    """

    def __init__(self, *, sketch_size: int = DEFAULT_SKETCH_SIZE,
                 max_categories: int = DEFAULT_MAX_CATEGORIES,
                 bins: dict[str, list[np.ndarray]] | None = None):  # fmt: skip
        # the upper bounds are a new state's: _kept builds a saved or merged one at its sizes
        _check_budgets(sketch_size, max_categories)
        self.sketch_size = int(sketch_size)
        self.max_categories = int(max_categories)
        self.bins = {k: [np.asarray(e, dtype=np.float64) for e in v] for k, v in (bins or {}).items()}
        self.columns: dict[str, ColumnState] = {}
        self.rows = 0

    @classmethod
    def _kept(cls, sketch_size: int, *, max_categories: int) -> DriftState:
        """A state of a size saved or merged: above :data:`MAX_SKETCH_SIZE` (or :data:`MAX_CATEGORIES`) too,
        which a state saved before round 55 (56) may hold (the library checked only 64 then; refusing it would
        make the saved summaries unreadable, while a new state is refused in ``__init__``). Below :data:`MIN_BUDGET` no
        state was ever saved: ``ValueError``, which ``from_dict`` reports as a damaged file."""
        for label, value in (("sketch_size", sketch_size), ("max_categories", max_categories)):
            if not isinstance(value, (int, np.integer)) or value < MIN_BUDGET:
                raise ValueError(f"{label} {value!r} is below {MIN_BUDGET}, the least any state holds")
        out = cls(sketch_size=min(sketch_size, MAX_SKETCH_SIZE), max_categories=min(max_categories, MAX_CATEGORIES))
        out.sketch_size, out.max_categories = int(sketch_size), int(max_categories)
        return out

    def _column(self, name: str, family: str, type_name: str) -> ColumnState:
        return ColumnState(name, family, type_name, sketch_size=self.sketch_size,
                           max_categories=self.max_categories)  # fmt: skip

    def define(self, schema: pa.Schema, columns: Sequence[str] | None = None) -> DriftState:
        """Declare the columns (all of ``schema``'s, or ``columns``) before any chunk. Files
        written from pandas carry its dtypes in their metadata, and ``to_pandas`` restores
        them: an integer column saved from a nullable ``Int64`` reads back as ``Int64`` (the
        integer rule applies despite nulls), not float64."""
        restored = _pandas_dtypes(schema)
        for name in columns if columns is not None else schema.names:
            f = schema.field(name)
            freq = period_freq(f)
            if freq is not None:  # int64 ordinals that pandas reads as a Period column: categorical
                col = self._column(name, OBJECT, f"period[{freq}]")
                col.period = freq
            else:
                col = self._column(name, arrow_family(f.type), str(f.type))
            col.nullable_int = restored.get(name, "").startswith(("Int", "UInt"))
            self.columns[name] = col
        return self

    def update(self, chunk: pa.RecordBatch | pa.Table | pd.DataFrame,
               pool: ThreadPoolExecutor | None = None) -> DriftState:  # fmt: skip
        """Add a chunk (Arrow record batch or table, or a pandas DataFrame). The first chunk
        declares the columns unless :meth:`define` did; later chunks must hold them all
        (extra columns are ignored). ``pool`` summarises columns in parallel."""
        import pandas as pd

        is_pandas = isinstance(chunk, pd.DataFrame)
        names = list(chunk.columns) if is_pandas else chunk.schema.names
        twice = [n for n, times in Counter(names).items() if times > 1]
        if twice:  # chunk[name] would be a frame (pandas) or ambiguous (Arrow): a traceback below
            raise DriftError(
                f"a chunk has column {twice[0]!r} more than once: give every column its own name "
                "(pandas.read_csv names a repeated header a, a.1, ...)"
            )
        if is_pandas:
            for name in names if not self.columns else [c for c in self.columns if c in chunk.columns]:
                # before pandas' own isna raises on it; the first chunk's rows by its labels, as detect names them
                engine.refuse_signaling_nan(chunk[name], self.rows or None)
        declared = not self.columns  # declared by this chunk: a refused first chunk leaves none
        if declared:
            if is_pandas:
                for name in names:
                    family, nullable = pandas_family(chunk[name])
                    type_name = engine.series_dtype(chunk[name])
                    if family == NESTED:  # "list", "dict", "complex128": as the engine names it
                        type_name = engine.unsupported_dtype(chunk[name]) or type_name
                    col = self._column(name, family, type_name)
                    col.nullable_int = nullable
                    self.columns[name] = col
            else:
                self.define(chunk.schema)
        missing = [c for c in self.columns if c not in names]
        if missing:
            raise DriftError(
                f"a chunk has no column {missing[0]!r} (it has: {', '.join(map(str, names[:20]))}); "
                "every chunk of a side needs the same columns"
            )

        seen: dict[str, tuple[str, bool, str]] = {}  # a pandas column's family, nullable, dtype: read once
        converted: dict[str, np.ndarray] = {}  # object numbers/datetimes as float64, converted once by the checks

        def one(name: str, apply: bool = True) -> None:
            # apply=False: every check and conversion that can refuse the chunk, changing nothing
            # (all columns are vetted first, so a refused chunk leaves the state as it was)
            col = self.columns[name]
            bins = self.bins.get(name, ())
            if is_pandas:
                series = chunk[name]
                if name not in seen:
                    seen[name] = (*pandas_family(series), engine.series_dtype(series))
                family, nullable, type_name = seen[name]
                widens = family in (INT, FLOAT) and col.family in (INT, FLOAT)  # int + NaN float → float
                if family != col.family and not widens and not series.notna().any():
                    if apply:
                        col.rows += len(series)  # an empty stretch (a Parquet batch of null dates reads as objects
                        col.nulls += len(series)  # of None, an empty CSV block as NaN float64): its type says
                    return  # nothing, as Arrow's null type, in whichever order it comes
                if family != col.family and col.rows == col.nulls and not col.values:
                    col = self._typed(col, family, type_name, store=apply)  # typed by its first values
                self._check_ranged(col, series, family, type_name)
                if family != col.family and {family, col.family} <= OBJECT_JOINS:  # booleans, a category
                    if not apply:
                        col.check_counts(series)
                    else:  # and other objects: pandas.concat of them is one object column, counted as they were
                        if col.family != OBJECT:
                            col.family, col.type, col.numbers, col.shadow = OBJECT, "object", False, None
                        col.update_pandas(series, bins)
                    return
                if family == FLOAT and col.family == OBJECT and engine.decimal_object(series):
                    if col.readable_numbers():  # numbers as objects, then Decimals: numbers from here on
                        col = col.as_numbers(type_name, bins, sketch_size=self.sketch_size)
                        if apply:
                            self.columns[name] = col
                elif family in (INT, FLOAT) and col.counts_numbers():
                    # numbers as objects (exact or hashed), then an int64/float64 chunk: pandas.concat of
                    # them is one object column (categorical, as one pass counts it, until Decimals come)
                    if apply:
                        col.nullable_int = col.nullable_int or nullable
                        col.update_pandas(series.astype(object), bins)
                    return
                elif family == FLOAT and type_name == "object" and col.family in NUMERIC_FAMILIES:
                    if apply:  # int64/float64, then Decimals: an object column of numbers
                        col.family, col.type = FLOAT, "object"
                elif family == OBJECT and col.family in NUMERIC_FAMILIES and not col._decimals() and real_numbers(series):
                    counted = col.as_counts(self.max_categories)  # int64/float64, then numbers as objects: one object column
                    if counted is None:
                        raise DriftError(
                            f"column {name!r} holds numbers stored as objects in this chunk ({type_name}) but "
                            f"{col.number_words()} before ({col.type}); give it one type in every file of a side"
                        )
                    col = counted
                    if apply:
                        self.columns[name] = col
                self._check_ranged(col, series, family, type_name)  # ranged by this chunk (as_counts)
                self._check_family(col, family, type_name, series, apply=apply)
                if apply:
                    col.nullable_int = col.nullable_int or nullable
                    col.update_pandas(series, bins, values=converted.pop(name, None))
                elif col.numeric is not None and series.dtype == object:
                    # 10**400 among Decimals, naive and tz-aware datetimes mixed, year 10000: refused here
                    converted[name] = (engine.temporal_seconds(series) if col.family == TEMPORAL
                                       else engine.float64_values(series, self.rows or None))  # fmt: skip
                else:
                    col.check_counts(series)  # a tuple among values going to hash buckets
            else:
                array = chunk.column(name)
                if hasattr(array, "combine_chunks"):
                    array = array.combine_chunks()
                family = OBJECT if col.period is not None else arrow_family(array.type)
                widens = family in (INT, FLOAT) and col.family in (INT, FLOAT)
                if family != col.family and not widens and array.null_count == len(array):
                    # an empty stretch (Arrow's null type, or a typed column of nulls only: a string
                    # column of a file where the feature was never filled): its type says nothing,
                    # as the pandas chunks' (above)
                    if apply:
                        col.rows += len(array)
                        col.nulls += len(array)
                    return
                if family != col.family and col.empty and family != NULL:
                    col = self._typed(col, family, str(array.type), store=apply)  # typed by its first values
                if family in (INT, FLOAT) and col.counts_numbers():
                    # numbers as objects, then an Arrow int/double chunk: as the same chunk from pandas
                    # (above), one object column (refused before round 47, the pandas chunk taken). Only
                    # int/double: an Arrow bool or string chunk after objects is still refused (one type
                    # per column), though a pandas chunk of the same values is taken as objects
                    if apply:
                        col.update_pandas(array.to_pandas().astype(object), bins)
                    return
                self._check_family(col, family, str(array.type), apply=apply)
                if apply:
                    col.update_arrow(array, bins)

        n_rows = len(chunk) if is_pandas else chunk.num_rows
        try:
            for name in self.columns:
                one(name, apply=False)
        except Exception:
            if declared:  # a later first chunk may bring other columns, as if this one never came
                self.columns = {}
            raise
        if pool is not None and n_rows >= PARALLEL_MIN_ROWS and len(self.columns) > 1:
            list(pool.map(one, list(self.columns)))
        else:
            for name in self.columns:
                one(name)
        self.rows += n_rows
        return self

    def _typed(self, col: ColumnState, family: str, type_name: str, *, store: bool = True) -> ColumnState:
        """``col``, empty so far (a CSV column empty in a file's first block is typed null:
        :meth:`Source._file_batches` reads it as its values' type from there on), as a column of
        ``family``, its empty rows kept as nulls: the type comes from the values, as
        ``pandas.read_csv`` (the memory engine) types the whole column."""
        typed = self._column(col.name, family, type_name)
        typed.rows, typed.nulls, typed.nullable_int = col.rows, col.nulls, col.nullable_int
        if store:
            self.columns[col.name] = typed
        return typed

    @staticmethod
    def _check_ranged(col: ColumnState, series: pd.Series, family: str, type_name: str) -> None:
        """Refuse a chunk that would leave a value-ranged column (:attr:`ColumnState.ranged`: its
        values are only its shadow's value ranges) without them: anything but plain numbers
        float64 holds (booleans, a category, text, an integer beyond float64's range)."""
        if not col.ranged or not series.notna().any():
            return
        if family in NUMERIC_FAMILIES and (series.dtype != object or engine.decimal_object(series)):
            return  # int64/float64 (nullable too): counted into the shadow; Decimals: numbers from the shadow
        if series.dtype == object and real_numbers(series):
            try:
                series.to_numpy(dtype=float, na_value=np.nan)
                return
            except (OverflowError, TypeError, ValueError):
                words = "numbers beyond float64's range"
        else:
            words = FAMILY_WORDS[family]
        raise DriftError(  # its values are value ranges: they cannot be counted beside other values
            f"column {col.name!r} holds {words} in this chunk ({type_name}) but, before it, "
            f"{RANGED_NUMBERS.format(budget=col.shadow.budget)} ({col.type}); give it one type in "
            "every file of a side"
        )

    @staticmethod
    def _check_family(col: ColumnState, family: str, type_name: str,
                      series: pd.Series | None = None, *, apply: bool = True) -> None:  # fmt: skip
        if family == TEMPORAL == col.family and engine.temporal_type(type_name) != engine.temporal_type(col.type):
            raise DriftError(  # naive then tz-aware datetimes (or dates then datetimes): one pass refuses them too
                f"column {col.name!r} is {type_name} in this chunk but {col.type} before; give it one "
                "type in every file of a side (one time zone, or none)"
            )
        if family == col.family or (col.family == FLOAT and family == INT):
            return
        if col.family == INT and family == FLOAT:
            if apply:
                col.family = FLOAT  # pandas concat of int64 and float64 chunks is float64
            return
        chunk_numbers = family == OBJECT and series is not None and real_numbers(series)
        if chunk_numbers and col.family == FLOAT and col.type == "object":
            return  # plain numbers as objects after Decimals: one object column of numbers, compared as such
        words, before = FAMILY_WORDS[family], FAMILY_WORDS[col.family]
        if chunk_numbers:  # ints/floats as objects are numbers, not text
            words = "numbers stored as objects"
        elif family == FLOAT and type_name == "object":
            words = "Decimals"
        if col.family == OBJECT:
            before = col.words()  # numbers stored as objects; too many to re-read as numbers (TOO_MANY_OBJECTS)
        raise DriftError(  # the family, not the dtype: "object" alone may be text, Decimals or dates
            f"column {col.name!r} holds {words} in this chunk ({type_name}) but "
            f"{before} before ({col.type}); give it one type in every file of a side"
        )

    def merge(self, other: DriftState) -> DriftState:
        """A new state of both parts (the same columns on both)."""
        if set(self.columns) != set(other.columns):
            diff = sorted(set(self.columns) ^ set(other.columns), key=str)
            raise DriftError(
                f"cannot merge drift states with different columns (only in one: "
                f"{', '.join(map(str, diff[:10]))}); summarise every partition with the same columns"
            )
        out = DriftState._kept(min(self.sketch_size, other.sketch_size),
                               max_categories=min(self.max_categories, other.max_categories))  # fmt: skip
        out.bins = {**other.bins, **self.bins}
        out.rows = self.rows + other.rows
        out.columns = {n: c.merge(other.columns[n]) for n, c in self.columns.items()}
        return out

    def nbytes(self) -> int:
        """Bytes held by the summaries (independent of rows; bounded by columns and sizes)."""
        return sum(c.nbytes() for c in self.columns.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, exact (floats as hex or base64 bytes).

        Raises:
            DriftError: a column name JSON cannot carry back as itself (:func:`saved_name`).
        """
        names = {name: saved_name(name) for name in self.columns}
        return {
            "format": STATE_FORMAT,
            "version": RANGED_STATE_VERSION if any(c.ranged for c in self.columns.values()) else STATE_VERSION,
            "sketch_size": self.sketch_size,
            "max_categories": self.max_categories,
            "rows": self.rows,
            "columns": [{"name": names[n], **c.to_dict()} for n, c in self.columns.items()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftState:
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise DriftError("not a ctloop drift state (expected format 'ctloop.drift.state')")
        if data.get("version") not in STATE_VERSIONS:
            raise DriftError(
                f"drift state version {data.get('version')!r} is not supported (this ctloop reads "
                f"versions {' and '.join(map(str, STATE_VERSIONS))}); recompute the state with this version"
            )
        where = "the state"
        try:
            out = cls._kept(int(data["sketch_size"]), max_categories=int(data["max_categories"]))
            out.rows = int(data["rows"])
            for col in data["columns"]:
                where = f"column {col['name']!r}" if isinstance(col, dict) and "name" in col else "a column"
                name = column_name(col["name"])
                out.columns[name] = ColumnState.from_dict(name, col, sketch_size=out.sketch_size)
        except DriftError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
            # a truncated or edited file (a missing key, a cut base64 array): one line, not a traceback
            what = f"lacks {exc.args[0]!r}" if isinstance(exc, KeyError) else f"has a damaged value ({type(exc).__name__}: {exc})"
            raise DriftError(
                f"not a readable ctloop drift state of version {data['version']}: {where} {what}; "
                "the file is damaged or was edited: recompute the state"
            ) from exc
        return out


def saved_name(name: Any) -> Any:
    """``name`` as the state saves it (:func:`column_name` reads it back): text, an integer, a
    float, a boolean or ``None`` as they are (a NumPy one as its Python twin, which equals it as a
    key), a tuple of them (a MultiIndex column) as a list.

    Raises:
        DriftError: any other name (a ``pd.Timestamp``, a NumPy scalar, ``frozenset``): JSON cannot
            write it (``json.dumps`` raised ``TypeError: Object of type Timestamp is not JSON
            serializable`` after the whole state was summarised) or would read it back as another.
    """
    if name is None or type(name) in (str, bool, int, float):
        return name
    if isinstance(name, str):  # np.str_, a StrEnum member: the text it is (an equal key), as JSON writes it
        return str.__str__(name)
    if isinstance(name, (np.integer, np.floating, np.bool_)):  # a NumPy scalar: as its Python twin, an equal key
        return name.item()
    if isinstance(name, tuple):
        return [saved_name(part) for part in name]
    raise DriftError(
        f"column {name!r}: a drift state cannot save a column name of type {type(name).__name__} "
        "(it keeps text, numbers, booleans and tuples of them): rename the column, e.g. "
        "frame.columns = frame.columns.map(str)"
    )


def column_name(saved: Any) -> Any:
    """A column name as :meth:`DriftState.to_dict` saved it, as it was: JSON writes a tuple (a
    pandas ``MultiIndex`` column, ``("income", "net")``) as a list, which no column can be named
    (a list is unhashable), so a list reads back as the tuple it was, nested ones too."""
    return tuple(column_name(part) for part in saved) if isinstance(saved, list) else saved


# ---------------------------------------------------------------------------- compare
def _counts_of(col: ColumnState) -> tuple[dict[Any, int], str | None]:
    """A column's value counts for a categorical comparison, and why they are approximate."""
    if col.ranged:  # float64 past its sketch, then numbers as objects: the shadow's value ranges
        sk = col.shadow
        table = {
            (float(a) if a == b else f"[{a:.6g}, {b:.6g}]"): int(c)
            for a, b, c in zip(sk.mins, sk.maxs, sk.counts, strict=True)
        }
        return table, f"more than {sk.budget} distinct values, counted in value ranges"
    if col.categories is not None:
        cats = col.categories
        if cats.hashed:
            return cats.counts, f"more than {cats.limit} distinct values, counted in hash buckets ({_max_categories_said()})"
        return cats.counts, None
    if col.numeric is not None:
        sk = col.numeric
        if sk.exact:
            return {float(v): int(c) for v, c in zip(sk.mins, sk.counts, strict=True)}, None
        table = {
            (float(a) if a == b else f"[{a:.6g}, {b:.6g}]"): int(c)
            for a, b, c in zip(sk.mins, sk.maxs, sk.counts, strict=True)
        }
        return table, f"more than {sk.budget} distinct values, counted in value ranges"
    raise DriftError(
        f"column {col.name!r} ({col.type}) cannot be compared as categorical from a drift "
        "state; leave it out or convert it to text"
    )


def _hashed(counts: dict[Any, int], limit: int, already: bool) -> dict[Any, int]:
    if already:
        return counts
    cats = CategoryCounts(limit)
    cats.add(list(counts), list(counts.values()))
    return cats.as_hashed().counts


def _number_or_text(col: ColumnState) -> str | None:
    """``engine.number_or_text`` of a column state: integers and floats; else what its values
    were, chunk by chunk (:meth:`ColumnState.see_kind`): a ``category``/dictionary of numbers is
    numbers, of strings text; Arrow binary, fixed-size binary and ``uuid`` are bytes (a Parquet
    BYTE_ARRAY without the UTF8 annotation, also dictionary-encoded: ``b"a"`` is not ``"a"``);
    a state written before this was recorded: from its Arrow type name."""
    if col.family in NUMERIC_FAMILIES:
        return "number"
    if col._kind_seen:
        return None if col.values_kind == OBJECT_INTEGERS else col.values_kind
    values = str(col.type).partition("values=")[2].split(",")[0]  # dictionary<values=string, indices=...>
    raw = ("binary", "large_binary", "fixed_size_binary")
    if (col.family == TEXT and str(col.type).startswith(raw)) or (col.family == CATEGORY and values.startswith(raw)):
        return "bytes"
    text = col.family == TEXT or (col.family == CATEGORY and values in ("string", "large_string"))
    return "text" if text else None


def _first_word(col: ColumnState) -> str | None:
    """``engine.first_word`` of a text column's counted values (in the order first seen; no row: counts keep
    none), None when they were hashed past ``--max-categories`` (buckets, not values)."""
    if col.categories is None or col.categories.hashed:
        return None
    return engine.first_word(col.categories.counts, rows=False)


def _categorical(rs: ColumnState, cs: ColumnState, name: str, method: str | None,
                 thr: float | None) -> engine.ColumnDrift:  # fmt: skip
    engine.refuse_mixed_temporal(name, rs.type, cs.type)  # a date against a few integers or text
    kinds = _number_or_text(rs), _number_or_text(cs)
    engine.refuse_number_against_text(name, (kinds[0], rs.type), (kinds[1], cs.type), tuple(
        _first_word(col) if kind == "text" and "number" in kinds else None
        for col, kind in zip((rs, cs), kinds, strict=True)))
    ref, why_r = _counts_of(rs)
    cur, why_c = _counts_of(cs)
    why = why_r or why_c
    if why:
        # the fewest buckets of a side that lost its values (hash buckets, value ranges of a numeric
        # sketch); an exact side is hashed at that limit, whatever its own max_categories
        lossy = {id(x): x.shadow.budget if x.ranged else x.categories.limit if x.categories is not None
                 else x.numeric.budget for x, w in ((rs, why_r), (cs, why_c)) if w}  # fmt: skip
        limit = min(lossy.values())
        ranged = [(x.categories is None or x.ranged) and id(x) in lossy for x in (rs, cs)]
        if any(ranged):
            # value-range labels ("[a, b]") hashed as text would meet the other side's values (or its
            # own ranges) in unrelated buckets: both sides go on the numeric sketch's grid instead
            ref, cur = _on_one_grid(name, rs, cs, ranged)
            return _categorical_counts(name, method, thr, ref, cur, why)
        hashed = []
        for side, x in (("reference", rs), ("current", cs)):
            if x.categories is None or not x.categories.hashed:
                hashed.append(False)
                continue
            folded = x.categories.folded(limit)  # the other side hashed into fewer buckets: fold these
            if folded is None:  # re-hashing bucket numbers as values would compare unrelated buckets
                raise DriftError(
                    f"column {name!r}: the {side} state counts it in {x.categories.limit} hash buckets and "
                    f"the other side in {limit} (their max_categories differ, and {limit} does not divide "
                    f"{x.categories.limit}): the buckets cannot be compared; summarise both sides with the "
                    "same max_categories (or one a multiple of the other)"
                )
            if x is rs:
                ref = folded.counts
            else:
                cur = folded.counts
            hashed.append(True)
        ref, cur = _hashed(ref, limit, hashed[0]), _hashed(cur, limit, hashed[1])
    return _categorical_counts(name, method, thr, ref, cur, why)


def _numbers_sketch(col: ColumnState) -> NumericSketch | None:
    """The column's values on a numeric sketch: its own, or its exact counts when every counted
    value is a finite plain number (object ints, a ``category`` of numbers); else ``None``."""
    if col.categories is None:
        return col.numeric
    if col.ranged:
        return col.shadow
    if col.categories.hashed:
        return None
    values, counts = list(col.categories.counts), list(col.categories.counts.values())
    plain = all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)
                and math.isfinite(v) for v in values)  # fmt: skip
    if not values or not plain:
        return None
    sketch = NumericSketch(max(MIN_BUDGET, len(values)))
    sketch.add_counts(np.asarray(values, dtype=np.float64), np.asarray(counts, dtype=np.int64))
    return sketch


def _on_one_grid(name: str, rs: ColumnState, cs: ColumnState,
                 ranged: list[bool]) -> tuple[dict[Any, int], dict[Any, int]]:  # fmt: skip
    """Counts of both sides in the buckets of the numeric sketches' common grid (``aligned``: the
    coarser resolution): a side past its sketch keeps only value ranges, and ranges of one side
    and values (or other ranges) of the other meet only on that grid. Buckets merge values, so
    the score is a lower bound, as for hash buckets. A side whose counted values are not plain
    numbers (text, hashed objects) cannot go there: refused, naming the column."""
    a, b = _numbers_sketch(rs), _numbers_sketch(cs)
    if a is None or b is None:
        side, other = ("reference", "current") if ranged[0] else ("current", "reference")
        raise DriftError(
            f"column {name!r}: the {side} state counts it in value ranges of its numeric sketch and "
            f"the {other} state counts values that are not all plain numbers: value ranges cannot be "
            "compared with them as categories; give the column one type on both sides or leave it out"
        )
    a, b = aligned(a, b)
    return ({int(k): int(c) for k, c in zip(a.keys, a.counts, strict=True)},
            {int(k): int(c) for k, c in zip(b.keys, b.counts, strict=True)})  # fmt: skip


def _categorical_counts(name: str, method: str | None, thr: float | None, ref: dict[Any, int],
                        cur: dict[Any, int], why: str | None) -> engine.ColumnDrift:  # fmt: skip
    rc, cc, keys = aligned_counts(ref, cur)
    n_ref, n_cur = int(rc.sum()), int(cc.sum())
    if n_ref == 0 or n_cur == 0:
        return engine.empty_column(name, "categorical", method, thr, n_ref, n_cur)
    if method is None:
        n_unique = len(keys) if not why else stats.DISCRETE_LIMIT + MIN_BUDGET
        method = stats.default_method("categorical", n_ref, n_unique)
    st = stats.counts_stat(rc, cc, keys, method=method, threshold=thr)
    detail = "p-value" if st.kind == "p_value" else "distance"
    ident = engine.id_column(rc, cc, keys)  # once, with the values (the memory engine's rule; review of fixux M1)
    warning, pooled = engine.many_categories(name, st, rc, cc, keys, ident)
    if not why:
        return engine.ColumnDrift(name, "categorical", st.method, st.score, st.threshold,
                                  st.drifted, detail, warning=warning, pooled_p=pooled, id_like=ident)  # fmt: skip
    # merging categories into buckets can only shrink an f-divergence (JS, Hellinger)
    low, high = (st.score, stats.DISTANCE_MAX[method]) if method in stats.DISTANCE_MAX else (None, None)
    out = _approximate(name, "categorical", st.method, st.score, st.threshold, low, high,
                       f"{detail}; approximate: {why}")  # fmt: skip
    out.warning = warning  # k counts hash buckets there: at most the distinct values
    out.pooled_p = pooled
    return out


def _approximate(name: str, kind: str, method: str, score: float, thr: float,
                 low: float | None, high: float | None, detail: str) -> engine.ColumnDrift:  # fmt: skip
    lo = 0.0 if low is None else low
    hi = (1.0 if method in stats.P_VALUE_METHODS else math.inf) if high is None else high
    borderline = stats.is_drift(method, lo, thr) != stats.is_drift(method, hi, thr)
    return engine.ColumnDrift(name, kind, method, score, thr, stats.is_drift(method, score, thr),
                              detail, approximate=True, score_low=low, score_high=high,
                              borderline=borderline)  # fmt: skip


def _numeric_bins(r: NumericSketch, c: NumericSketch, method: str) -> np.ndarray | None:
    """The bin edges :func:`stats.column_stat` uses for a binned method on these two sides, or
    ``None`` when it uses per-value shares (the reference has <= 20 distinct values)."""
    n = r.n + c.n
    lo, hi = min(r.minimum, c.minimum), max(r.maximum, c.maximum)
    if method == "hellinger":
        # Sturges over the distinct values of both sides; unknown beyond the sketch: all distinct
        distinct = len(np.union1d(r.mins, c.mins)) if r.exact and c.exact else n
        return stats.sturges_edges(lo, hi, distinct)
    if r.exact and r.distinct <= stats.BINNING_LIMIT:
        return None
    return stats.sturges_edges(lo, hi, n)


def _tail_moved(r: NumericSketch, c: NumericSketch) -> bool:
    """:func:`engine.tail_moved` of two numeric sketches: of their values when both are exact (as
    the memory engine reads them), else of their buckets on one grid (both at the coarser
    resolution; a bucket's values go together, as ties do, so one distribution's two samples split
    each end by chance). Until fix45c2 the minimums of two grids' buckets were compared: at
    ``sketch_size`` 64 two samples of one lognormal had "moved" tails every time, so the heavy-tail
    warning the memory engine gives was never given."""
    if r.exact and c.exact:
        return engine.tail_moved((r.mins, r.counts), (c.mins, c.counts))
    m = min(r.m, c.m)
    r, c = r.at_resolution(m), c.at_resolution(m)
    return engine.tail_moved((r.keys, r.counts), (c.keys, c.counts))


def _ks_p(r: Any, c: Any) -> float:
    """The KS p-value of two numeric sketches, as method ``ks`` scores it (the estimate when
    approximate)."""
    if r.exact and c.exact and max(r.n, c.n) <= stats.KS_EXACT_MAX_N:
        return stats.ks_pvalue(np.repeat(r.mins, r.counts), np.repeat(c.mins, c.counts))
    return stats.ks_pvalue_from_statistic(compare_cdfs(r, c).ks.estimate, r.n, c.n)


def _as_numbers(col: ColumnState) -> ColumnState:
    """An object column of plain numbers (exact counts, or the shadow sketch of hashed or
    value-ranged ones) as a number column, for a numeric comparison (``engine.object_numbers``:
    the memory engine reads such a reference as the numbers it holds); any other column as it is."""
    if col.numeric is not None or col.family != OBJECT or not col.numbers:
        return col
    if real_numbers(col):  # exact counts: exact, as the memory engine's float64 of them
        return col.as_numbers("object", sketch_size=max(MIN_BUDGET, len(col.categories.counts)))
    if col.shadow is not None and (col.ranged or col.readable_numbers()):
        return col.as_numbers("object", sketch_size=col.shadow.budget)
    return col


def _numeric(rs: ColumnState, cs: ColumnState, name: str, method: str | None,
             thr: float | None) -> engine.ColumnDrift:  # fmt: skip
    rs, cs = _as_numbers(rs), _as_numbers(cs)
    for col, side, other, its in ((rs, "reference", "current data", cs), (cs, "current data", "reference", rs)):
        if col.numeric is None and its.numeric is None:  # column_kinds' numeric over text on both sides
            raise ColumnTypesDiffer(
                f"column {name!r} is numeric in the current data but {col.type} in the "
                "reference (or the other way round): give it the same type in both frames", name,
            )
        if col.numeric is None:  # engine.numeric_values' message, its first word without a row (counts keep none)
            made = f", made text by {word}," if (word := _first_word(col)) else ""
            raise ColumnTypesDiffer(
                f"column {name!r} is {col.type}{made} in the {side} but numeric in the {other}: give it the same "
                "type in both frames", name,
            )
    engine.refuse_mixed_temporal(name, rs.type, cs.type)
    r, c = rs.numeric, cs.numeric
    n_ref, n_cur = r.n, c.n
    if n_ref == 0 or n_cur == 0:
        return engine.empty_column(name, "numeric", method, thr, n_ref, n_cur)
    both_exact = r.exact and c.exact
    if method is None:
        n_unique = (
            len(np.union1d(r.mins, c.mins)) if both_exact else stats.DISCRETE_LIMIT + 1
        )
        method = stats.default_method("numeric", n_ref, n_unique)
    if method in stats.CATEGORICAL_ONLY:  # automatic choice for <= 5 values: both sides exact
        rc, cc, keys = aligned_counts(_counts_of(rs)[0], _counts_of(cs)[0])
        st = stats.counts_stat(rc, cc, keys, method=method, threshold=thr)
        return engine.ColumnDrift(name, "numeric", st.method, st.score, st.threshold, st.drifted,
                                  "p-value")  # fmt: skip
    thr = stats.DEFAULT_THRESHOLDS[method] if thr is None else float(thr)
    kind_of_score = "p-value" if method in stats.P_VALUE_METHODS else "distance"

    def exact(score: float) -> engine.ColumnDrift:
        return engine.ColumnDrift(name, "numeric", method, float(score), thr,
                                  stats.is_drift(method, score, thr), kind_of_score)  # fmt: skip

    resolution = f"buckets of relative width 2^-{min(r.m, c.m)}"
    if method == "ks":
        if both_exact and max(n_ref, n_cur) <= stats.KS_EXACT_MAX_N:
            return exact(stats.ks_pvalue(np.repeat(r.mins, r.counts), np.repeat(c.mins, c.counts)))
        d = compare_cdfs(r, c).ks
        p = stats.ks_pvalue_from_statistic
        if d.exact:
            return exact(p(d.estimate, n_ref, n_cur))
        return _approximate(
            name, "numeric", method, p(d.estimate, n_ref, n_cur), thr,
            p(d.high, n_ref, n_cur), p(d.low, n_ref, n_cur),
            f"p-value; approximate: KS statistic in [{d.low:.4g}, {d.high:.4g}] ({resolution})",
        )
    if method == "wasserstein":
        cmp = compare_cdfs(r, c)
        norm = max(r.std, stats.STD_FLOOR)
        w = cmp.wasserstein
        if w.exact:
            result = exact(w.estimate / norm)
        else:
            result = _approximate(
                name, "numeric", method, w.estimate / norm, thr, w.low / norm, w.high / norm,
                f"distance; approximate: rank error <= {cmp.rank_error:.2g} ({resolution})",
            )
        # the memory engine's warning of a heavy tail (engine.heavy_tail): the largest squared
        # deviation is the minimum's or the maximum's, both exact in the sketch; KS from the
        # sketches as method "ks" scores it (its estimate beyond them)
        largest = max(r.maximum - r.mean, r.mean - r.minimum) ** 2
        result.warning = engine.heavy_tail(name, result, largest, r.m2, lambda: _ks_p(r, c),
                                           lambda: _tail_moved(r, c))  # fmt: skip
        return result
    edges = _numeric_bins(r, c, method)
    if edges is None:  # per-value shares over every value seen on either side
        rc, cc, keys = aligned_counts(_counts_of(rs)[0], _counts_of(cs)[0])
        score = stats.distance_from_shares(method, rc / n_ref, cc / n_cur)
        if c.exact:
            return exact(score)
        return _approximate(name, "numeric", method, score, thr, None, None,
                            f"distance; approximate: the current side has more than {c.budget} "
                            "distinct values")  # fmt: skip
    counts, uncertain = [], 0.0
    if both_exact and np.any(edges[:-1] >= edges[1:]):
        # values a few float steps apart (1.0 and the next float; int64 ids near 2**62): numpy
        # cannot make bins that fine, and the memory engine bins the differences from the smallest
        # value instead (stats.hellinger_numeric, stats.binned_shares); so does this, exactly
        lo = min(r.minimum, c.minimum)
        shifted = [(sk.mins - lo, sk.counts) for sk in (r, c)]
        n_edges = len(np.union1d(shifted[0][0], shifted[1][0])) if method == "hellinger" else n_ref + n_cur
        edges = stats.sturges_edges(0.0, float(max(m.max() for m, _ in shifted)), n_edges)
        counts = [np.histogram(m, edges, weights=np.asarray(k, dtype=float))[0] for m, k in shifted]
    for col in (rs, cs) if not counts else ():
        hist = col.histogram(edges)
        if hist is None:
            hist, unsure = col.numeric.histogram(edges)
            uncertain += unsure
        counts.append(np.asarray(hist, dtype=float))
    if method == "hellinger":
        score = stats.hellinger_from_counts(edges, counts[0], counts[1])
        if both_exact:
            return exact(score)
        return _approximate(name, "numeric", method, score, thr, None, None,
                            "distance; approximate: its bins depend on the number of distinct "
                            "values, unknown beyond the sketch (assumed all distinct)")  # fmt: skip
    score = stats.distance_from_shares(method, counts[0] / n_ref, counts[1] / n_cur)
    if uncertain == 0:
        return exact(score)
    share = uncertain / (n_ref + n_cur)
    return _approximate(name, "numeric", method, score, thr, None, None,
                        f"distance; approximate: {share:.2%} of values near a bin edge; a second "
                        "pass (refine_plan) makes it exact")  # fmt: skip


def _resolve(reference: DriftState, current: DriftState, options: dict[str, Any]):
    options = dict(options)
    time_column = options.get("time_column") or None
    if time_column is not None and time_column not in reference.columns and time_column not in current.columns:
        options.pop("time_column")  # not summarised (detect_sources checked it against the sources)
    options["note"] = False  # noted once, when detect_sources checked the columns against the sources
    opts = engine.resolve_options(list(reference.columns), list(current.columns), reference.rows,
                                  current.rows, options)  # fmt: skip
    opts.time_column = time_column
    unsupported = {}
    for name in opts.columns:  # the current side's type first, as the engine does
        found = [s.columns[name] for s in (current, reference) if s.columns[name].family == NESTED]
        if found:
            unsupported[name] = nested_label(found[0].type)
    plan = engine.plan_columns(opts, lambda name: current.columns[name].kind(), unsupported)
    return opts, plan, unsupported


def compare(reference: DriftState, current: DriftState, *, time_column_dtype: str | None = None,
            **options: Any) -> engine.DriftResult:  # fmt: skip
    """:func:`ctloop.drift.engine.detect` on two states (module doc).

    ``options`` are :func:`~ctloop.drift.engine.detect`'s: ``columns`` (default: every column of
    both states except ``_ctloop_weight`` and the time column), ``drift_share``, ``method``,
    ``threshold``, ``column_methods``, ``column_thresholds``, ``correction``, ``column_kinds``,
    ``time_column``. ``time_column_dtype``: the time column's pandas dtype, when the states do
    not hold the column (:func:`detect_sources` does not summarise it).

    Raises:
        ConfigError: as :func:`detect` (same messages).
        DriftError: a side has no rows; a column is numeric on one side only.
    """
    opts, plan, unsupported = _resolve(reference, current, options)
    if opts.time_column is not None and time_column_dtype is None:
        held = [s.columns[opts.time_column] for s in (reference, current) if opts.time_column in s.columns]
        time_column_dtype = held[0].type if held else None
    skipped = engine.skipped_columns(opts, unsupported, time_column_dtype)
    results = []
    for name, kind, method, thr in plan:
        rs, cs = reference.columns[name], current.columns[name]
        if rs.rows == rs.nulls or cs.rows == cs.nulls:  # no value on a side: no type to check (engine._one_column)
            results.append(engine.empty_column(name, kind, method, thr, rs.rows - rs.nulls, cs.rows - cs.nulls))
        elif kind == "categorical":
            results.append(_categorical(rs, cs, name, method, thr))
        else:
            results.append(_numeric(rs, cs, name, method, thr))
    return engine.finish(
        results, drift_share=opts.drift_share, correction=opts.correction, engine=ENGINE,
        skipped=skipped,
    )


def refine_plan(reference: DriftState, current: DriftState, **options: Any) -> dict[str, list[np.ndarray]]:
    """Bin edges for a second pass that makes binned methods exact: ``{column: [edges]}`` for
    every numeric column judged by ``jensenshannon``, ``psi``, ``kl_div`` or ``hellinger``
    whose Sturges bins (over both sides' values, evidently's rule) cannot be counted exactly
    from the sketches. Scan both sides again with ``DriftState(bins=plan)`` and
    :func:`add_histograms` the result. Empty when nothing needs it."""
    _, plan, _ = _resolve(reference, current, options)
    out: dict[str, list[np.ndarray]] = {}
    for name, kind, method, _ in plan:
        rs, cs = reference.columns[name], current.columns[name]
        if kind != "numeric" or rs.numeric is None or cs.numeric is None:
            continue
        r, c = rs.numeric, cs.numeric
        if r.n == 0 or c.n == 0 or (r.exact and c.exact):
            continue
        if method is None:
            method = stats.default_method("numeric", r.n, stats.DISCRETE_LIMIT + 1)
        if method not in ("jensenshannon", "psi", "kl_div", "hellinger"):
            continue
        edges = _numeric_bins(r, c, method)
        if edges is not None and (rs.histogram(edges) is None or cs.histogram(edges) is None):
            out[name] = [edges]
    return out


def add_histograms(state: DriftState, second: DriftState) -> None:
    """Copy the exact histograms of a second-pass state into ``state``."""
    for name, col in second.columns.items():
        if name in state.columns:
            state.columns[name].histograms.update(col.histograms)


# ---------------------------------------------------------------------------- reading
TABLE_SUFFIXES = ((".parquet", "parquet"), (".pq", "parquet"), (".csv.gz", "csv"), (".csv", "csv"))
GLOB_CHARS = frozenset("*?[")


def _suffix_format(path: str) -> str | None:
    low = path.lower()
    for suffix, fmt in TABLE_SUFFIXES:
        if low.endswith(suffix):
            return fmt
    return None


def _hidden(rel: str) -> bool:
    """pyarrow.dataset's rule: a path component starting with ``_`` or ``.`` is not data
    (:func:`ctloop.storage.is_scratch`, the rule every listing shares)."""
    from ctloop import storage

    return storage.is_scratch(rel)


@dataclass
class Source:
    """A resolved input: its files, format, partition keys and ``pyarrow.dataset``."""

    uri: str
    files: list[str]
    format: str
    partition_keys: list[str]
    dataset: pads.Dataset = field(repr=False)
    local: bool = True
    # each file's own schema, read once (check_files); cleared when the dataset is rebuilt
    file_schemas: list[tuple[str, pa.Schema]] | None = field(default=None, repr=False, compare=False)
    # CSV cells read as pandas.read_csv reads them (csv_as_pandas_reads): a float column holding a
    # cell pandas reads as text past a file's first block is refused (_file_batches)
    pandas_cells: bool = False
    # an inference log's files written before a column became an identity column: path →
    # {old column: the feature's column now} (with_former_features; read renamed, _file_batches)
    former: dict[str, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)
    # a CSV directory's parts (their names below it) and the fields of each one's first line, for
    # refuse_headerless: asked only where a read column is missing
    csv_headers: list[tuple[str, list[str]]] = field(default_factory=list, repr=False, compare=False)
    # a Parquet source's files (paths) → their INT96 columns (_int96), from the footers _file_schemas read
    int96: dict[str, set[str]] | None = field(default=None, repr=False, compare=False)
    # CSV files whose last row's last value holds a line end: (path, value) → whether the file ends inside it
    # (_open_quote_at_end: a gzip file inflated whole), looked at once per source, not per pass (_refuse_open_quote)
    open_quotes: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False, compare=False)
    # a CSV file read under another name (its extension says the wrong thing about its bytes: _codec_names):
    # that name → the file's own, which a refusal met while reading it names
    stored: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def schema(self) -> pa.Schema:
        return self.dataset.schema

    def own_name(self, path: str) -> str:
        """The name of the file Arrow reads as ``path``: its own (:attr:`stored`), for a refusal."""
        return self.stored.get(path, path)

    def own_words(self, error: BaseException) -> str:
        """Arrow's ``error`` with each file it names under another name (:attr:`stored`) named by its own
        (:func:`_own_words`)."""
        return _own_words(str(error), self.stored)

    def refuse_headerless(self) -> None:
        """A :class:`DataSourceError` when this source's CSV parts were written without a header row
        (:func:`ctloop.storage.refuse_headerless_parts`: Spark's ``df.write.csv(path)``). Called where a
        column read is missing from it ("has no column '2025-01-01T00:00:00.000Z'"), never else: parts
        whose names are years (``id,2023,2024``) and that hold every column read are read."""
        if self.csv_headers:
            from ctloop import storage

            storage.refuse_headerless_parts(self.uri, self.csv_headers)

    def with_former_features(self) -> Source:
        """This source, an inference log, with each file's column that held a feature before it
        became an identity column read as that feature's column now
        (:func:`ctloop.inference_log.schema.former_features`: an integer, floating or boolean
        ``_error`` of a file written before round 42 is the feature ``input__error``; a text one
        when the Parquet file's rows say so), as ``read_log`` and monitoring windows read it: a
        log spanning the upgrade reads both."""
        import dataclasses

        import pyarrow as pa

        from ctloop.inference_log.schema import FORMER_FEATURES, former_features

        def renames_of(path: str, physical: pa.Schema) -> dict[str, str]:
            text = [old for old, new in FORMER_FEATURES.items() if old in physical.names
                    and new not in physical.names and arrow_family(physical.field(old).type) == TEXT]  # fmt: skip
            if not text or self.format != "parquet":
                return former_features(physical)
            import pyarrow.parquet as pq

            try:  # a text column: the file's rows decide (read_log's rule)
                with self.dataset.filesystem.open_input_file(path) as handle:
                    return former_features(physical, pq.ParquetFile(handle))
            except (OSError, pa.ArrowInvalid) as exc:
                raise DataSourceError(f"{self.own_name(path)}: cannot read the file: {self.own_words(exc)}") from exc

        files = self._file_schemas()
        if self.local or len(files) < 2:
            found = [renames_of(path, physical) for path, physical in files]
        else:  # an object store: a text _error opens its file (one round trip each), several at a time
            with ThreadPoolExecutor(max_workers=min(16, len(files))) as pool:
                found = list(pool.map(lambda pair: renames_of(*pair), files))
        former = {path: renames for (path, _), renames in zip(files, found, strict=True) if renames}
        if not former:
            return self
        renamed = []
        for path, physical in files:
            for old, new in former.get(path, {}).items():
                physical = physical.set(physical.get_field_index(old), pa.field(new, physical.field(old).type))
            renamed.append((path, physical))
        schema = self.dataset.schema
        first = self.dataset.files[0] if hasattr(self.dataset, "files") else files[0][0]
        for old, new in former.get(first, {}).items():  # the dataset's schema is its first file's
            schema = schema.set(schema.get_field_index(old), pa.field(new, schema.field(old).type))
        out = dataclasses.replace(self, former=former, file_schemas=renamed)
        return out.read_as(schema) if schema is not self.dataset.schema else out

    def _int96(self, name: str, path: str) -> bool:
        """Whether the Parquet file ``path`` stores the column ``name`` as INT96
        (:func:`ctloop.storage.int96_columns`): every file's, from the footers :meth:`_file_schemas` read
        (the fragments keep them), once per source when first asked (before, a scan of every fragment per
        file and column asked: O(N²) for N INT96 parts)."""
        from ctloop import storage

        if self.format != "parquet":
            return False
        if self.int96 is None:
            self.int96 = {f.path: storage.int96_columns(f.metadata) for f in self.dataset.get_fragments()}
        return name in self.int96.get(path, ())

    def _file_schemas(self) -> list[tuple[str, pa.Schema]]:
        """``(path, schema)`` of every file as it is written (Parquet footer, first CSV block),
        read once per source."""
        import pyarrow as pa

        if self.file_schemas is None:
            try:
                fragments = list(self.dataset.get_fragments())
                if self.local or len(fragments) < 2:
                    schemas = [f.physical_schema for f in fragments]
                else:  # an object store: one round trip per file, several at a time
                    with ThreadPoolExecutor(max_workers=min(16, len(fragments))) as pool:
                        schemas = list(pool.map(lambda f: f.physical_schema, fragments))
                self.file_schemas = [(f.path, schema) for f, schema in zip(fragments, schemas, strict=True)]
            except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise DataSourceError(f"{self.uri}: cannot read a file's schema: {self.own_words(exc)}") from exc
            from ctloop import storage

            for path, schema in self.file_schemas:  # a later file naming a column twice: its first was read
                storage.refuse_repeated_columns(self.stored.get(path, path), schema.names)
        return self.file_schemas

    def check_files(self, columns: Sequence[str] | None = None, *, numeric: Sequence[str] = (),
                    complete: bool = True, union: bool = False, role: str = "a column that is read",
                    numbers: str = "numbers are needed there", hint: str = "") -> Source:  # fmt: skip
        """The source, checked file by file for ``columns`` (default: all; partition keys are
        not in the files and pass), when it has several files: the dataset's schema is its first
        file's, so a file without a column would be read with it all null, silently, and a
        column whole (int64) in the first file and fractional in another would fail midway
        ('truncated converting to int64').

        * ``complete``: every file must have every column (else refused, naming the file and
          the column as ``{file} has no column 'x', {role}{hint}``, ``{missing}`` in ``hint``
          replaced by the missing columns);
        * ``union``: the source's columns become every file's (a column the first file lacks
          is appended, so it can be named and checked instead of never being seen);
        * ``numeric``: these columns must be numbers in every file (refused:
          ``column 'x' of {file} is string, but {numbers}``);
        * a column that is numbers of different types in different files (int64 here, double
          there; int32 and int64) is read as the wider one (float64 when any file has
          fractions) from every file; numbers in one file and text in another are read as
          text from CSV (types are inferred file by file) and refused from Parquet, naming both
          files.

        Returns a source with the widened schema (this one when nothing needs widening). Costs
        one schema read per file (its Parquet footer or first CSV block), once per source.

        Raises:
            DataSourceError: as above, or a file whose schema cannot be read.
        """

        import pyarrow as pa

        if len(self.files) < 2:
            return self
        schema = self.dataset.schema
        files = self._file_schemas()
        changed = False
        fragments = None
        if union:  # the columns later files add, after the first file's (null where a file lacks one)
            for _, physical in files:
                for physical_field in physical:
                    if physical_field.name not in schema.names:
                        schema = schema.append(pa.field(physical_field.name, physical_field.type))
                        changed = True
        wanted = [c for c in (schema.names if columns is None else columns)
                  if c not in self.partition_keys]  # fmt: skip
        if complete:
            for path, physical in files:
                missing = [c for c in wanted if c not in physical.names]
                if missing:
                    self.refuse_headerless()
                    more = f" (missing: {', '.join(missing)})" if len(missing) > 1 else ""
                    raise DataSourceError(f"{self.stored.get(path, path)} has no column {missing[0]!r}, {role}{more}"
                                          + hint.replace("{missing}", ",".join(missing)))

        def is_number(kind: pa.DataType) -> bool:
            return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)

        for name in numeric:
            for path, physical in files:
                kind = physical.field(name).type if name in physical.names else pa.null()
                if not (is_number(kind) or pa.types.is_null(kind)):
                    raise DataSourceError(f"column {name!r} of {self.stored.get(path, path)} is {kind}, but {numbers}")
        for name in wanted:
            if name not in schema.names:
                continue
            int96 = functools.partial(self._int96, name)  # whether a file stores it as INT96: asked only on a mixture
            kinds = [(path, physical.field(name).type) for path, physical in files
                     if name in physical.names and not pa.types.is_null(physical.field(name).type)]  # fmt: skip
            valued = kinds
            if self.format == "parquet" and len({k for _, k in kinds}) > 1:
                # a file whose column holds only nulls (a feature never filled, written as string):
                # its type says nothing, as Arrow's null type (DriftState.update's empty stretch),
                # when Arrow can read its nulls as the other files' type (not a timestamp as double)
                if fragments is None:  # once per call: each fragment keeps the footer it read
                    fragments = {f.path: f for f in self.dataset.get_fragments()}
                rest = [(p, k) for p, k in kinds if not _only_nulls(fragments.get(p), name)]
                if rest and len(rest) < len(kinds):
                    target = rest[0][1] if len({k for _, k in rest}) < 2 else _widest(name, rest, is_number, False, int96, self.own_name)
                    if target is not None and all(_casts(k, target) for p, k in kinds if (p, k) not in rest):
                        valued = rest
            if valued is not kinds:
                kinds = valued
                if len({k for _, k in kinds}) < 2 and kinds[0][1] != schema.field(name).type:
                    schema = schema.set(schema.get_field_index(name), pa.field(name, kinds[0][1]))
                    changed = True
                    continue
            if len({k for _, k in kinds}) < 2 and not (kinds and pa.types.is_null(schema.field(name).type)):
                continue
            widest = _widest(name, kinds, is_number, self.format == "csv", int96, self.own_name)
            if widest is not None and widest != schema.field(name).type:
                schema = schema.set(schema.get_field_index(name), pa.field(name, widest))
                changed = True
        return self.read_as(schema) if changed else self

    def read_as(self, schema: pa.Schema) -> Source:
        """The same files and partition values, read into ``schema`` (a wider type per column)."""
        import dataclasses

        import pyarrow.dataset as pads

        dataset = self.dataset
        wider = pads.FileSystemDataset(list(dataset.get_fragments()), schema, dataset.format, dataset.filesystem)
        return dataclasses.replace(self, dataset=wider)

    @property
    def columns(self) -> list[str]:
        return list(self.dataset.schema.names)

    def every_files_columns(self) -> list[str]:
        """The columns of all the files (the dataset's are its first file's), partition keys left
        out, in the order first seen; one schema read per file, kept for :meth:`check_files`."""
        return list(dict.fromkeys(n for _, schema in self._file_schemas() for n in schema.names
                                  if n not in self.partition_keys))

    def count_rows(self, filter: Any = None) -> int:
        import pyarrow as pa

        try:
            return int(self.dataset.count_rows(filter=filter))
        except pa.ArrowCancelled:
            raise
        except (pa.ArrowException, OSError) as exc:
            raise DataSourceError(f"{self.uri}: cannot read: {self.own_words(exc)}") from exc

    def batches(self, columns: Sequence[str] | None = None, *, filter: Any = None,
                batch_rows: int = DEFAULT_BATCH_ROWS,
                progress: Callable[[ScanProgress], None] | None = None,
                ) -> Iterator[tuple[pa.RecordBatch, str, int]]:  # fmt: skip
        """``(batch, file, batch number in that file)`` in file order; ``progress`` is called
        after every batch."""
        import pyarrow as pa
        import pyarrow.dataset as pads

        if not 1 <= batch_rows <= MAX_BATCH_ROWS:
            raise ConfigError(f"batch_rows (--batch-rows) must be in [1, {MAX_BATCH_ROWS}] (pyarrow's C int), "
                              f"got {batch_rows}")
        read_errors = (pa.ArrowException, OSError)  # a file's problem (capacity, index, memory ... errors too)
        fragments = list(self.dataset.get_fragments(filter=filter))
        # One reader thread decodes ahead of the consumer, at most PREFETCH_BATCHES batches:
        # pyarrow's own dataset scanner reads ahead by whole files when decoding outpaces the
        # statistics (measured: 750 MiB of buffers at 20 files), which would make memory grow
        # with the speed difference instead of staying bounded.
        slots: queue.Queue = queue.Queue(maxsize=PREFETCH_BATCHES)
        stop = threading.Event()
        # Local Parquet: no pre-buffering of a file's column chunks (176 MB per million rows of
        # 25 columns), only what the current batch needs; object stores keep it (few large
        # reads matter more there than memory)
        options = None
        if self.format == "parquet":
            options = pads.ParquetFragmentScanOptions(pre_buffer=not self.local)

        def read() -> None:
            path = None
            try:
                for fragment in fragments:
                    path = fragment.path
                    for number, batch in enumerate(self._file_batches(
                        fragment, columns=None if columns is None else list(columns),
                        filter=filter, batch_size=int(batch_rows), batch_readahead=0,
                        fragment_readahead=0, use_threads=True, fragment_scan_options=options,
                    )):  # fmt: skip
                        while not stop.is_set():
                            try:
                                slots.put((batch, path, number), timeout=0.1)
                                break
                            except queue.Full:
                                continue
                        if stop.is_set():
                            return
                slots.put(None)
            except Exception as exc:  # noqa: BLE001 - every error reaches the consumer, which waits for an item
                slots.put(_ReadFailure(exc, path))

        reader = threading.Thread(target=read, name="ctloop-scan", daemon=True)
        reader.start()
        info = ScanProgress(self.uri, 0, len(fragments), 0, time.monotonic())
        current = None
        try:
            while (item := slots.get()) is not None:
                if isinstance(item, _ReadFailure) and (not isinstance(item.error, read_errors)
                                                       or isinstance(item.error, pa.ArrowCancelled)):
                    raise item.error  # CsvTypeChanged: one line naming the file already; else not a reading problem
                if isinstance(item, _ReadFailure):
                    raise SourceUnreadable(
                        f"{self.uri}: cannot read {self.own_name(item.path)}: {self.own_words(item.error)}"
                    ) from item.error
                batch, path, number = item
                if path != current:
                    info.files_done += current is not None
                    current = path
                yield batch, path, number
                info.rows += batch.num_rows
                if progress is not None:
                    progress(info)
        finally:
            stop.set()
            while reader.is_alive():  # unblock a reader waiting for a slot, then wait for it
                try:
                    slots.get_nowait()
                except queue.Empty:
                    reader.join(0.05)
        info.files_done = len(fragments)
        info.finished = True
        if progress is not None:
            progress(info)

    def _file_batches(self, fragment: Any, **scan: Any) -> Iterator[pa.RecordBatch]:
        """One file's batches read into the dataset's schema. A CSV file's column types are
        inferred from its first block (``ReadOptions.block_size``, 1 MiB, pyarrow 25.0.1): a
        column whole there and fractional further on, or empty there and filled further on,
        fails midway ('CSV conversion error to int64: invalid value ...'). The file is then read
        again with the column widened (to float64; an empty one to float64 when all its values in the
        file are numbers, bool when all are true/false words, else text: :func:`_csv_seen_type`) and goes on
        after the rows already handed on, which keep their type (an int64 batch before float64
        ones: the drift state and the scorer take both as numbers). Any other change (text
        after numbers, a date after text, ...) is refused: :class:`CsvTypeChanged` names the
        file, the column, the value and its row. A CSV file whose text ends inside a quoted value
        (:func:`_open_quote_refusal`) is refused before its last batch is handed on. With a row ``filter`` in
        ``scan`` (an inference log's no-instance rows: ``inference_log.reader.no_instance_filter``) only the last
        row the filter keeps is looked at: a quote left open in a row it drops is not seen, and the rows that
        quote took into its value are lost unsaid (read_table, reading every row, refuses the file)."""
        import pyarrow as pa

        schema = self.dataset.schema
        shown = self.stored.get(fragment.path, fragment.path)  # its own name, for a refusal
        # a CSV file's own last column (its header's order, not the dataset's: its first file's) is read too (as
        # text: no conversion to fail), whatever the columns asked: a quote left open swallows the rest of the file
        # into the last row's last value (_open_quote_refusal); with none asked, the dataset's columns are read
        wanted = schema.names if scan.get("columns") is None else scan["columns"]
        renames = self.former.get(fragment.path, {})
        if renames:  # a file of the former layout: read and checked under its own names, handed on as now
            schema, wanted, as_now = _former_layout(schema, wanted, renames)
            scan = {**scan, "columns": wanted}
        else:
            as_now = None
        tail = self.format == "csv"
        if tail:  # the file's schema: read once (check_files, or here), kept by the fragment
            last = next((n for n in reversed(fragment.physical_schema.names) if n not in self.partition_keys), None)
            tail = last is not None and last not in wanted
        done = 0  # rows of this file handed on
        checked: set[str] = set()  # float columns whose cells were looked at (csv_as_pandas_reads)
        probe: dict[str, Any] = {}  # the file's repeated header lines, read once (_header_line_again)
        while True:
            skip = done
            held = None  # the batch read last: handed on once the next one is read, the file's last once checked
            read = schema
            if tail:  # a column of this file only (the dataset's schema is its first file's): added
                at = schema.get_field_index(last)
                read = schema.append(pa.field(last, pa.string())) if at < 0 else schema.set(at, pa.field(last, pa.string()))
            if tail:
                scan = {**scan, "columns": [*wanted, last]}
            try:
                for batch in fragment.to_batches(schema=read, **scan):
                    if skip >= batch.num_rows:
                        skip -= batch.num_rows
                        continue
                    if skip:
                        batch, skip = batch.slice(skip), 0
                    if held is not None:
                        done += held.num_rows
                        yield held if as_now is None else as_now(held)
                    seen, batch = batch, batch.select(wanted) if tail else batch
                    if self.pandas_cells and self.format == "csv":
                        _refuse_pandas_text(fragment, batch, schema, scan, checked, shown)
                    if self.format == "csv":
                        _refuse_nul(shown, batch, done)
                        _refuse_header_line_again(fragment, seen, shown, self.partition_keys, probe)
                    held = batch
                if held is not None:
                    if self.format == "csv":
                        _refuse_open_quote(fragment, seen, done + held.num_rows, self.partition_keys,
                                           self.open_quotes, shown)
                    done += held.num_rows
                    yield held if as_now is None else as_now(held)
                return
            except pa.ArrowInvalid as exc:
                change = _csv_conversion_error(exc) if self.format == "csv" else None
                if change is None:
                    raise
                position, line, value = change
                name = fragment.physical_schema.names[position]
                if ("\n" in value or "\r" in value) and _open_quote_at_end(fragment, value):
                    raise _open_quote_refusal(shown, line - 1) from exc
                if "\0" in value:  # a number column's NUL past the block Arrow typed it from: no type change
                    raise _nul_refusal(shown, name, line - 2, value) from exc
                kind = schema.field(name).type
                wider = _csv_seen_type(fragment, schema, name, scan) if pa.types.is_null(kind) else \
                    _csv_wider(kind, value)
                if wider is None:
                    if value.removeprefix("\ufeff") == name and (again := _header_line_again(fragment, shown, probe)):
                        raise again from exc  # the header line among the rows: read_table's words (review 60)
                    was = (f"whole numbers ({kind})" if pa.types.is_integer(kind) else
                           f"numbers ({kind})" if pa.types.is_floating(kind) else str(kind))
                    raise CsvTypeChanged(shown, name, was, line - 2, value) from exc
                schema = schema.set(schema.get_field_index(name), pa.field(name, wider))


def _former_layout(schema: pa.Schema, wanted: list[str], renames: dict[str, str],
                   ) -> tuple[pa.Schema, list[str], Callable[[pa.RecordBatch], pa.RecordBatch]]:  # fmt: skip
    """How :meth:`Source._file_batches` reads a file whose columns ``renames`` held a feature before they
    became identity columns (:meth:`Source.with_former_features`): ``(schema, columns)`` under the file's own
    names (the feature's type), so every check of a file (a CSV file's quote left open, NUL, type change) reads
    it as any other, and the function handing a batch on as the dataset's ``wanted`` columns (renamed, the
    identity column they were read as null there; a column widened keeps its wider type)."""
    import pyarrow as pa

    back = {new: old for old, new in renames.items()}
    read = pa.schema([pa.field(back.get(f.name, f.name), f.type) for f in schema
                      if f.name not in renames])  # fmt: skip
    asked = [back.get(c, c) for c in wanted if c not in renames]
    kinds = {c: schema.field(c).type for c in wanted if c in renames}

    def as_now(batch: pa.RecordBatch) -> pa.RecordBatch:
        arrays = [pa.nulls(batch.num_rows, kinds[c]) if c in renames else batch.column(back.get(c, c))
                  for c in wanted]  # fmt: skip
        return pa.RecordBatch.from_arrays(arrays, names=list(wanted))

    return read, asked, as_now


def _own_words(text: str, own: Mapping[str, str]) -> str:
    """Arrow's message ``text`` with each file it names (quoted: "Could not open CSV input source '/d/b.csv.gz'")
    under a name ``own`` maps (the name Arrow reads a file under → its own, :attr:`Source.stored`: a gzipped
    ``b.csv`` read as ``b.csv.gz``) named by its own, which the user knows: the other names no file. One pass,
    longest name first: one replacement's result is not replaced again (a plain ``b.csv.gz``, read as
    ``b.csv.gz.csv``, beside a gzipped ``b.csv``, read as ``b.csv.gz``, was named ``b.csv``)."""
    names = sorted((name for name, mine in own.items() if name != mine), key=len, reverse=True)
    if not names:
        return text
    return re.sub("'(" + "|".join(map(re.escape, names)) + ")'", lambda m: f"'{own[m[1]]}'", text)


# how far back from a CSV file's end its last value's text is compared (_open_quote_at_end)
_OPEN_QUOTE_TAIL = 1 << 16


def _open_quote_at_end(fragment: Any, value: str) -> bool:
    """Whether the CSV file of ``fragment`` ends inside the quoted value Arrow read as ``value`` (a refusal's
    path, and a last value holding a line end only). Arrow's CSV reader (pyarrow 25.0.1, ``newlines_in_values``)
    ends such a value at the end of the text, where pandas' tokenizer fails ("EOF inside string", tokenizer.c,
    pandas 2.3.3): the text then ends with the value as written (its quotes doubled), where a closed one ends
    with its closing quote and line ends. Its last 64 KiB compared: a ranged read, a gzip file inflated again."""
    want = value.replace('"', '""').encode()[-_OPEN_QUOTE_TAIL:]
    fs, path = fragment.filesystem, fragment.path
    if path.endswith(".gz"):  # as Arrow reads it (by extension: _codec_names)
        text = b""
        with fs.open_input_stream(path, compression="gzip") as stream:
            while block := stream.read(1 << 20):
                text = (text + block)[-len(want):]
        return text == want
    with fs.open_input_file(path) as fh:
        size = fh.size()
        return size >= len(want) and fh.read_at(len(want), size - len(want)) == want


def _open_quote_refusal(path: str, row: int) -> DataSourceError:
    """The refusal of the CSV file ``path`` whose quote opened on ``row`` (as pandas counts: the header is 0)
    never closes, in read_table's words (``storage._read_file``: pandas' tokenizer error)."""
    return DataSourceError(f"{path} is not a readable csv file: Error tokenizing data. C error: EOF inside string "
                           f"starting at row {row}")


def _refuse_open_quote(fragment: Any, batch: pa.RecordBatch, rows: int, partition_keys: Sequence[str] = (),
                       seen: dict[tuple[str, str], bool] | None = None, shown: str | None = None) -> None:
    """Refuse the CSV file of ``fragment`` whose ``batch``, its last (``rows``: the file's rows through it), ends
    inside a quoted value (:func:`_open_quote_at_end`): a quote opened in the last row's last value and never
    closed took every line after it into that value (601 rows read as 301, one value 1,802 characters long),
    which read_table refuses. Only the file's own last column is looked at (a quote left open in an earlier one
    leaves its row short of columns, which Arrow refuses), and further only when its last value holds a line
    end (the last row a row filter kept: a quote left open in a row it dropped is missed, :meth:`Source._file_batches`);
    ``seen`` keeps the answer (a gzip file's text inflated again) for the next pass over the file. The
    refusal names the file as ``shown`` (its own name, when Arrow reads it under another: ``Source.stored``)."""
    import pyarrow as pa

    if not batch.num_rows:
        return
    names = batch.schema.names
    if not any(pa.types.is_string(t) or pa.types.is_large_string(t) for t in batch.schema.types):
        return  # no text value: no quoted one either (the file's schema not asked)
    last = next((n for n in reversed(fragment.physical_schema.names) if n not in partition_keys), None)
    if last not in names:
        return
    column = batch.column(names.index(last))
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return
    value = column[-1].as_py()
    if not value or ("\n" not in value and "\r" not in value):
        return
    found = None if seen is None else seen.get((fragment.path, value))
    if found is None:
        found = _open_quote_at_end(fragment, value)
        if seen is not None:
            seen[(fragment.path, value)] = found
    if found:
        raise _open_quote_refusal(shown or fragment.path, rows)


_CSV_CONVERSION = re.compile(r"In CSV column #(\d+): Row #(\d+): CSV conversion error to [^:]+: invalid value '(.*)'$",
                             re.DOTALL)


def _csv_conversion_error(exc: BaseException) -> tuple[int, int, str] | None:
    """``(column position in the file, line, value)`` of pyarrow's CSV conversion error ("In CSV
    column #1: Row #350002: CSV conversion error to int64: invalid value 'abc'",
    arrow/cpp/src/arrow/csv/converter.cc, pyarrow 25.0.1; the row counts the header as 1), or
    ``None`` for any other error."""
    found = _CSV_CONVERSION.search(str(exc))
    return None if found is None else (int(found[1]), int(found[2]), found[3])


# the cells pandas.read_csv reads as missing (pandas 2.3.3 pandas._libs.parsers.STR_NA_VALUES, its
# na_values default); Arrow's CSV reader (pyarrow 25.0.1 ConvertOptions.null_values) lacks 'None' and
# '<NA>', so a numeric column with a 'None' cell was text to the streamed engine (every value a category
# of its own: always drift) and numbers to the memory engine
CSV_NULLS = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
             "NA", "NULL", "NaN", "None", "n/a", "nan", "null")


def csv_parse_options() -> Any:
    """How every streamed CSV is parsed (``pyarrow.csv.ParseOptions``): a quoted value may hold a line end,
    as ``pandas.read_csv`` (the memory engine, ``read_table``) reads it. Arrow's default
    (``newlines_in_values=False``, pyarrow 25.0.1) cuts its blocks (1 MiB) at any line end, so such a value
    across a block's end was "CSV parse error: Expected 3 columns, got 2" of a file pandas reads
    (round 54); no slower here (0.21 s of CPU for 600,000 rows either way). Formats derived from a
    source's keep its ``parse_options``."""
    import pyarrow.csv as pacsv

    return pacsv.ParseOptions(newlines_in_values=True)


def _csv_seen_type(fragment: Any, schema: pa.Schema, name: str, scan: dict[str, Any]) -> pa.DataType:
    """The type of a CSV column that is empty in the file's first block (Arrow types it null),
    from all its values in the file: float64 when every one is a number, bool when every one is
    one of Arrow's CSV true/false words, else text — as
    ``pandas.read_csv`` (the memory engine) types the whole column, rather than by the first
    value found (a column whose first value was a number and a later one text was refused as a
    type change; one whose first value was text was read as text)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    # scan's options but the read-ahead (0 makes to_table wait for ever, pyarrow 25.0.1)
    options = {k: v for k, v in scan.items() if k in ("batch_size", "fragment_scan_options")}
    text = fragment.to_table(use_threads=False,schema=schema.set(schema.get_field_index(name), pa.field(name, pa.string())),
                             columns=[name], **options).column(name)
    values = pc.utf8_trim_whitespace(pc.drop_null(text))
    try:
        # blanks around a number: the CSV converter and pandas take ' 1.5', a cast does not
        pc.cast(values, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    else:
        return pa.float64()
    # True/False words: bool, as Arrow infers a column filled from the first block (and as
    # pandas reads it); text here against the other side's bool was a false drift alarm
    words = pacsv.ConvertOptions()
    if pc.all(pc.is_in(values, value_set=pa.array(words.true_values + words.false_values))).as_py():
        return pa.bool_()
    return pa.string()


def _csv_wider(kind: pa.DataType, value: str) -> pa.DataType | None:
    """The type a CSV column of ``kind`` (inferred from a first block) is read as once a later
    row holds ``value``: float64 for integers and a number, float64 or text for a column empty
    until then; ``None`` when nothing wider holds both (text after numbers, ...)."""
    import pyarrow as pa

    try:
        float(value)
        number = True
    except ValueError:
        number = False
    if pa.types.is_integer(kind) and number:
        return pa.float64()
    if pa.types.is_null(kind):
        return pa.float64() if number else pa.string()
    return None


# pandas.read_csv (pandas 2.3.3: pandas/_libs/parsers.pyx ``_try_double_nogil``, tokenizer.c ``round_trip``,
# the float_precision ctloop.storage.read_table reads with) takes a cell as a float only as written: a number
# (blanks around it allowed), ``inf``/``infinity`` with a sign, any case, without blanks, a negative overflow
# (-1e999); it holds as missing only the exact STR_NA_VALUES (CSV_NULLS) and strips nothing without
# skipinitialspace. Any other NaN word (' NaN', 'NaN ', 'NAN', '+nan'), an infinity word with blanks (' inf')
# and a positive overflow (1e999, which round_trip flags as HUGE_VAL) make the column text. Arrow's CSV reader
# (pyarrow 25.0.1) trims the blanks and reads all of them as NaN or infinite floats.
_PANDAS_INF = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
# an overflow written out in full (400 digits: no exponent) has 309 digits or more: float() decides
_NON_FINITE_LOOK = r"(?i)nan|inf|[0-9.]e\+?[0-9]{3}|[0-9]{210}"  # 210: 309 digits less a 2-digit exponent


def pandas_text_cell(cell: str) -> bool:
    """True for a CSV cell (as unquoted) that Arrow's CSV reader reads as a NaN or infinite float
    but ``pandas.read_csv`` as text, which makes pandas read its whole column as text."""
    low = cell.lower()
    if low in _PANDAS_INF:
        return False
    if "nan" in low or "inf" in low:
        return True
    try:
        return float(low.strip()) == math.inf
    except ValueError:
        return False


def _pandas_text_cells(values: pa.Array) -> Iterator[tuple[int, str]]:
    """``(position, cell)`` of each cell of a text column that :func:`pandas_text_cell` holds."""
    import pyarrow.compute as pc

    looks = pc.fill_null(pc.match_substring_regex(values, _NON_FINITE_LOOK), False)
    for position in pc.indices_nonzero(looks).to_pylist():
        cell = values[position].as_py()
        if pandas_text_cell(cell):
            yield position, cell


def _refuse_pandas_text(fragment: Any, batch: pa.RecordBatch, schema: pa.Schema, scan: dict[str, Any],
                        checked: set[str], shown: str | None = None) -> None:
    """CsvTypeChanged for a float column of ``batch`` holding a NaN or an infinity that its file
    (``fragment``) writes as a cell ``pandas.read_csv`` reads as text (:func:`pandas_text_cell`):
    past the first block (csv_as_pandas_reads read such a column in that block as text), as any
    late text is refused. The file's column is read as text only when the batch holds a NaN or an
    infinity (nearly never), once per file. The file is named as ``shown`` (its own name: ``Source.stored``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for position, kind in enumerate(batch.schema.types):
        name = batch.schema.names[position]
        if not pa.types.is_floating(kind) or name in checked:
            continue
        if not pc.any(pc.invert(pc.is_finite(batch.column(position)))).as_py():
            continue
        checked.add(name)
        options = {k: v for k, v in scan.items() if k in ("batch_size", "fragment_scan_options")}
        text = fragment.to_table(use_threads=False, schema=schema.set(schema.get_field_index(name),
                                                                      pa.field(name, pa.string())),
                                 columns=[name], **options).column(name).combine_chunks()
        found = next(_pandas_text_cells(text), None)
        if found is not None:
            raise CsvTypeChanged(shown or fragment.path, name, f"numbers ({kind})", found[0], found[1])


def _header_line_again(fragment: Any, shown: str, memo: dict[str, Any]) -> DataSourceError | None:
    """The refusal of a CSV file whose header line stands again among its rows (exports concatenated with their
    headers), in :func:`ctloop.storage.header_line_again`'s words (read_table's): naming each line that repeats it
    as written, else (quoted otherwise: '"x","color"') the file's data rows whose every field is its column's name
    (:func:`_file_header_rows`), as read_table names them; None when neither. The file is read at most once for
    each (``memo``: the file's, kept by :meth:`Source._file_batches`)."""
    from ctloop import storage

    if "lines" not in memo:
        with fragment.filesystem.open_input_stream(fragment.path) as stream:  # decompressed as the dataset reads it
            memo["lines"] = storage.header_lines_again(stream)
    header, lines = memo["lines"]
    if lines:
        return storage.header_line_again(shown, header, lines)
    rows = _file_header_rows(fragment, memo)
    return storage.header_line_again(shown, header, [], rows) if rows else None


def _file_header_rows(fragment: Any, memo: dict[str, Any]) -> list[int]:
    """The CSV file's data rows (1-based) that read_table refuses as its header line again
    (:func:`ctloop.storage.header_rows`: rows whose every field is its column's name, when they made a column text
    that the other rows hold as numbers or dates), judged on all the file's columns whatever columns were asked,
    read as text (review 60: ``--columns color`` read a file read_table refuses, and a column text in the file's
    first rows only was refused in a later batch). Batch by batch: a column stops being a candidate at its first
    value that is no number and no date (the words of the first batch end most files' reading at once), so
    memory stays one batch (review 60: the whole file read into one table took 1.3 GiB for 2e6 rows of four
    text columns). Read once for the file (``memo``), when a batch holds such a row (:func:`_header_hits`)."""
    import numpy as np
    import pyarrow as pa

    from ctloop import storage

    if "rows" not in memo:
        names = list(fragment.physical_schema.names)
        unnamed = _unnamed(fragment, memo)
        options = fragment.format.default_fragment_scan_options
        numbers = {n: True for n in names if storage.may_be_made_text(n, unnamed)}
        dates, seen = dict(numbers), set()
        rows: list[int] = []
        done = 0
        for batch in fragment.to_batches(schema=pa.schema([pa.field(n, pa.string()) for n in names]), columns=names,
                                         use_threads=False, fragment_scan_options=options):
            hits = _header_hits(batch, names, unnamed)
            keep = np.ones(batch.num_rows, dtype=bool)
            if hits is not None:
                at = hits.to_numpy(zero_copy_only=False)
                keep[at] = False
                rows.extend(int(done + r + 1) for r in at)
            done += batch.num_rows
            for name in [n for n in numbers if numbers[n] or dates[n]]:
                values = batch.column(name).to_pandas()[keep].dropna()
                if not len(values):
                    continue
                seen.add(name)
                is_number, is_date = storage.reads_as(values.iloc[:100], numbers[name], dates[name])
                if is_number or is_date:
                    is_number, is_date = storage.reads_as(values, is_number, is_date)
                numbers[name], dates[name] = is_number, is_date
            if not any(numbers[n] or dates[n] for n in numbers):
                break  # no column can have been made text: no row is refused, whatever the rest holds
        made = any(n in seen and (numbers[n] or dates[n]) for n in numbers)
        memo["rows"] = rows if made else []
    return memo["rows"]


def _unnamed(fragment: Any, memo: dict[str, Any]) -> set[str]:
    """The names of the columns whose header field is empty (Arrow's ``''``, :func:`_csv_unnamed`'s and pandas'
    'Unnamed: <i>'): a repeated header line holds none there (read as missing). The file's header is read only when
    its schema names a column so (review 60: reading each file's header cost a read, a GET on an object store, per
    file; and a header written 'Unnamed: 0', as pandas writes a frame read with its index, is a name, not empty)."""
    if "unnamed" not in memo:
        maybe = [i for i, n in enumerate(fragment.physical_schema.names) if n == f"Unnamed: {i}"]
        written = _csv_header(fragment.filesystem, fragment.path) if maybe else []  # a header may say 'Unnamed: 0'
        memo["unnamed"] = {""} | {f"Unnamed: {i}" for i in maybe if i < len(written) and not written[i].strip()}
    return memo["unnamed"]


def _header_hits(batch: Any, names: list[str], unnamed: set[str]) -> pa.Array | None:
    """The positions of ``batch``'s rows (a record batch or table) whose every field in ``names`` is its column's
    name, as :func:`ctloop.storage.header_rows` finds them (a leading BOM dropped; an empty name, or one pandas
    reads as missing, a missing value; a name reading as a number that number in a number column); None when
    none. None at once (no value read) when no column is named (:func:`ctloop.storage.header_named`) or a named
    one is not text: a header line read as a row makes every named column text (where the file's first block
    held it; past that block the type change is caught: :meth:`Source._file_batches`). Then Arrow compares,
    column by column, stopping at the first column that leaves none."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pandas._libs.parsers import STR_NA_VALUES

    from ctloop import storage

    named = set(storage.header_named(names, unnamed))
    tests = []
    for name in names:
        kind = batch.schema.field(name).type
        text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        if name in unnamed or name in STR_NA_VALUES:
            tests.append((name, None))
        elif text:
            tests.append((name, pa.array([name, "\ufeff" + name])))
        elif name not in named and (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
            tests.append((name, float(name)))  # a column named '2024' read as numbers
        else:
            return None
    if not named or not batch.num_rows:
        return None
    hit = None
    for name, value in sorted(tests, key=lambda t: t[0] not in named):  # a named column first: fewest hits
        column = batch.column(name)
        same = pc.is_null(column) if value is None else pc.is_in(column, value_set=value) \
            if isinstance(value, pa.Array) else pc.equal(pc.cast(column, pa.float64()), value)
        same = pc.fill_null(same, False)
        hit = same if hit is None else pc.and_(hit, same)
        if not pc.any(hit).as_py():
            return None
    return pc.indices_nonzero(hit)


def _refuse_header_line_again(fragment: Any, batch: pa.RecordBatch, shown: str, partition_keys: Any,
                              memo: dict[str, Any]) -> None:
    """Refuse a CSV file whose header line stands among the rows of ``batch`` (the file's own columns read), where
    the file's first block held it: every column was typed text, and drift said "column 'codes' is string in
    the current data but int64 in the reference" (past that block the type change is caught where it fails:
    :meth:`Source._file_batches`). Its rows whose every field is its column's name are found in Arrow
    (:func:`_header_hits`: none in nearly every batch, most at once by the columns' types), and only for a batch
    holding one is the file judged as read_table judges it (:func:`_file_header_rows`: a column made text), then
    its lines read (:func:`_header_line_again`), each once for the file (``memo``)."""
    names = [n for n in batch.schema.names if n not in set(partition_keys or ())]
    if _header_hits(batch, names, _unnamed(fragment, memo)) is not None and _file_header_rows(fragment, memo) and \
            (again := _header_line_again(fragment, shown, memo)):
        raise again


def _refuse_nul(path: str, batch: pa.RecordBatch, done: int) -> None:
    """DataSourceError naming the CSV file ``path``, the column and the row (``done``: the file's rows before
    ``batch``) of a text value holding a NUL byte: Arrow's CSV reader keeps it in the value, where
    ``read_table`` (pandas, the memory engine, training) refuses the file (``storage._NulGuard``: pandas
    read the value cut short there), so the engines read one file alike. A number column cannot hold one:
    a NUL makes its column text. Text columns only, each a ``match_substring`` (C) of the batch."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for position, kind in enumerate(batch.schema.types):
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            continue
        held = pc.match_substring(batch.column(position), "\0")
        if not pc.any(held).as_py():
            continue
        row = pc.index(held, True).as_py()
        raise _nul_refusal(path, batch.schema.names[position], done + row, batch.column(position)[row].as_py())


def _nul_refusal(path: str, name: str, row: int, value: str) -> DataSourceError:
    from ctloop.contract import row_said

    return DataSourceError(f"{path}: column {name!r} holds a NUL byte on {row_said(row)} ({value!r}), which no CSV text "
                           "holds: remove it (tr -d '\\000') or export the table again, as UTF-8 CSV or as Parquet")


def csv_as_pandas_reads(source: Source) -> Source:
    """The CSV source with each column read as text that holds, in a file's first block (where
    Arrow infers its types), a cell ``pandas.read_csv`` (the memory engine's single file) reads as
    text and Arrow as a NaN or infinite float (:func:`pandas_text_cell`: ``' NaN'``, ``NAN``,
    ``' inf'``): Arrow read the column as numbers with a missing value there, pandas as text, and
    the two engines compared one column as two kinds. Text in one file is text in all (as
    :meth:`Source.check_files` reads CSV). Such a cell further down is refused when the batches
    are read (:class:`CsvTypeChanged`, as any late text). Parquet sources are returned as they
    are. Costs one read of each file's first block (of its columns that are not text already)."""
    import copy
    import dataclasses

    import pyarrow as pa
    import pyarrow.dataset as pads

    if source.format != "csv":
        return source
    schema = source.dataset.schema
    looked = [f.name for f in schema if f.name not in source.partition_keys
              and not (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))]
    fragments = list(source.dataset.get_fragments())
    probe = pa.schema([pa.field(n, pa.string()) if n in looked else schema.field(n) for n in schema.names])

    def text_columns(fragment: Any) -> set[str]:
        first = next(iter(fragment.to_batches(schema=probe, columns=looked, batch_size=1 << 30, use_threads=False,
                                              batch_readahead=0, fragment_readahead=0)), None)
        return set() if first is None else {n for n in looked if next(_pandas_text_cells(first.column(n)), None)}

    text: set[str] = set()
    if looked:
        try:
            if source.local or len(fragments) < 2:
                found = [text_columns(f) for f in fragments]
            else:  # an object store: one round trip per file, several at a time
                with ThreadPoolExecutor(max_workers=min(16, len(fragments))) as pool:
                    found = list(pool.map(text_columns, fragments))
        except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DataSourceError(f"{source.uri}: cannot read a file's first rows: {source.own_words(exc)}") from exc
        text = set().union(*found)
    if not text:
        return dataclasses.replace(source, pandas_cells=True)
    options = source.dataset.format.default_fragment_scan_options
    convert = copy.deepcopy(options.convert_options)
    convert.column_types = {**convert.column_types, **dict.fromkeys(sorted(text), pa.string())}
    fmt = pads.CsvFileFormat(read_options=options.read_options, parse_options=source.dataset.format.parse_options,
                             convert_options=convert)
    fs = source.dataset.filesystem
    dataset = pads.FileSystemDataset([fmt.make_fragment(f.path, fs, f.partition_expression) for f in fragments],
                                     pa.schema([pa.field(f.name, pa.string()) if f.name in text else f
                                                for f in schema]), fmt, fs)
    return dataclasses.replace(source, dataset=dataset, file_schemas=None, pandas_cells=True)


def _only_nulls(fragment: Any, name: str) -> bool:
    """Whether Parquet ``fragment`` holds only nulls in top-level column ``name``, by its footer
    (no data read): every row group's null count adds up to the rows and none has a min/max (a
    footer whose null count says so of real values is not believed); ``False`` when a row group
    has no null count."""
    try:
        meta = fragment.metadata
    except (AttributeError, OSError, ValueError):
        return False
    nulls = 0
    for group in range(meta.num_row_groups):
        row_group = meta.row_group(group)
        for index in range(row_group.num_columns):
            chunk = row_group.column(index)
            if chunk.path_in_schema != name:
                continue
            stats = chunk.statistics
            if stats is None or not stats.has_null_count or stats.has_min_max:
                return False
            nulls += stats.null_count
    return nulls == meta.num_rows


def _casts(kind: pa.DataType, target: pa.DataType) -> bool:
    """Whether Arrow reads a column of ``kind`` as ``target`` (its nulls cast)."""
    import pyarrow as pa

    try:
        pa.nulls(0, kind).cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return False
    return True


def _widest(name: str, kinds: list[tuple[str, pa.DataType]], is_number: Callable[[Any], bool],
            csv: bool, int96: Callable[[str], bool] = lambda path: False,
            shown: Callable[[str], str] = lambda path: path) -> pa.DataType | None:  # fmt: skip
    """The type every file's ``name`` is read as (:meth:`Source.check_files`): float64 for
    numbers with fractions anywhere, decimal(20, 0) for uint64 beside signed integers, else
    Arrow's permissive promotion (int32 + int64 = int64,
    string + large_string, timestamp units); from CSV, text where a file holds text and another
    numbers (CSV types are inferred file by file: a code column whose values in one file are
    all digits; read as text, ``013`` stays ``013``); ``None`` (keep the dataset's) when Arrow
    cannot promote otherwise. Times without a zone beside times in a zone are refused, unless
    ``int96(path)`` says the file stores them as INT96 (Spark's instants in UTC,
    :func:`ctloop.storage.int96_columns`): those are read in the other files' zone. A refusal names a file
    as ``shown(path)`` (its own name, when Arrow reads it under another: :attr:`Source.stored`).

    Raises:
        DataSourceError: numbers in one Parquet file and something else in another.
    """
    import pyarrow as pa

    numbers = [(p, k) for p, k in kinds if is_number(k)]
    text = [k for _, k in kinds if pa.types.is_string(k) or pa.types.is_large_string(k)]
    if csv and text and len(text) < len(kinds):
        return pa.large_string() if any(pa.types.is_large_string(k) for k in text) else pa.string()
    if numbers and len(numbers) < len(kinds):
        (num_path, num), (other_path, other) = numbers[0], next((p, k) for p, k in kinds if not is_number(k))
        raise DataSourceError(
            f"column {name!r} is {num} in {shown(num_path)} but {other} in {shown(other_path)}: every file must hold "
            "the same kind of values there (numbers may be whole in one file and fractional in another)"
        )
    times = [(p, k) for p, k in kinds if pa.types.is_timestamp(k)]
    aware = next(((p, k) for p, k in times if k.tz), None)
    if aware is not None and (naive := next(((p, k) for p, k in times if not k.tz and not int96(p)), None)) is not None:
        # Arrow's permissive promotion reads the naive times (a wall clock: Spark's TIMESTAMP_NTZ, pandas'
        # datetime64 without a zone) as UTC, shifted by the writer's offset; read_table refuses the two kinds
        raise DataSourceError(
            f"column {name!r} holds times in {aware[1].tz} in {shown(aware[0])} but times without a time zone in "
            f"{shown(naive[0])}: every file must hold the same kind of values there; write them with one schema "
            "(one time zone, or none), or point at one file"
        )
    zones = {k.tz for _, k in times if k.tz}
    if aware is not None and len(times) == len(kinds) and (len(zones) == 1 or any(not k.tz for _, k in times)):
        # the others INT96 (instants in UTC): read in the zone, at the finest unit (Arrow merges no zone with one,
        # and keeps the first file's type: an INT96 part first dropped the zone); in UTC, the same instants,
        # when the aware files' zones differ (UTC and Europe/Paris beside INT96: datetime64 without a zone before)
        unit = max((k.unit for _, k in times), key=["s", "ms", "us", "ns"].index)
        return pa.timestamp(unit, aware[1].tz if len(zones) == 1 else "UTC")
    if numbers and any(not pa.types.is_integer(k) for _, k in numbers):
        return pa.float64()
    if any(pa.types.is_uint64(k) for _, k in numbers) and any(pa.types.is_signed_integer(k) for _, k in numbers):
        # no integer type holds both (Arrow's permissive int64 fails reading a value above 2**63-1, and a
        # float64 one above 2**53): decimal(20, 0) holds every value exactly, as Spark reads UINT_64
        # (ParquetSchemaConverter, Spark 3.5); the engine then compares it as float64, as pandas does
        return pa.decimal128(20, 0)
    try:
        return pa.unify_schemas([pa.schema([pa.field(name, k)]) for _, k in kinds],
                                promote_options="permissive").field(name).type  # fmt: skip
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


@dataclass
class _ReadFailure:
    error: Exception
    path: str | None


@dataclass
class ScanProgress:
    """Where a scan is: files and rows done, since when."""

    uri: str
    files_done: int
    files_total: int
    rows: int
    started: float
    finished: bool = False

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def line(self, label: str) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        share = self.files_done / self.files_total if self.files_total else 1.0
        state = "done" if self.finished else f"{share:.0%} of files"
        return (
            f"{label}: {self.rows:,} rows, {self.files_done}/{self.files_total} files ({state}), "
            f"{rate / 1e6:.2f}M rows/s, {self.seconds:.0f} s"
        )


def _filesystem(uri: str):
    """``(pyarrow FileSystem, path)`` for ``uri``: ``ctloop.storage.filesystem`` for object
    stores (credentials and endpoints as everywhere in ctloop), else the local disk."""
    from ctloop import storage

    if storage.is_remote(uri):
        storage.refuse_unlistable(uri)  # an Azure blob name pyarrow's recursive listing crashes on
        return storage.filesystem(uri)
    import pyarrow.fs as pafs

    path = storage.parse(uri).key  # file:// URIs too
    return pafs.LocalFileSystem(), os.path.abspath(os.path.expanduser(path))


def _list_files(fs, base: str, *, scratch: bool = False, empty: bool = False, logs: list[str] | None = None
                ) -> list[str]:
    """The files below ``base``, scratch (:func:`_hidden`) left out unless ``scratch``, zero-byte
    files (no rows, in every format: :func:`ctloop.storage.local_files`) unless ``empty``. ``logs``: on an
    object store, the directories of the same listing named as a table log (``ctloop.storage.TABLE_LOGS``)
    are added to it as ``path/``: a log that is only a zero-byte folder marker (``t/_delta_log/``, a table
    being created) Arrow lists as a directory, no file below it; one with no '/' as a zero-byte file."""
    import pyarrow.fs as pafs

    if isinstance(fs, pafs.LocalFileSystem):
        # as ctloop.storage.list_files lists it: into symlinked directories, each once (Arrow's own
        # listing follows a symlink loop 40 levels down, every file read 40 times over)
        from ctloop import storage

        files = [str(p) for p in storage.local_files(base, empty=empty)]
        return [f for f in files if not _hidden(storage.utf8_name(base, f)) or scratch]  # Arrow takes only UTF-8 names
    try:
        infos = fs.get_file_info(pafs.FileSelector(base, recursive=True))
        if logs is not None:
            from ctloop import storage

            logs.extend(f"{i.path}/" for i in infos  # a marker with no '/' (blobfuse2, Azure without HNS): a zero-byte file
                        if (i.type == pafs.FileType.Directory or (i.type == pafs.FileType.File and not i.size))
                        and i.path.rpartition("/")[2] in storage.TABLE_LOGS)
        return [
            i.path for i in infos
            if i.type == pafs.FileType.File and (scratch or not _hidden(i.path[len(base):].lstrip("/")))
            and (empty or i.size != 0)
        ]  # fmt: skip
    except UnicodeDecodeError as exc:  # a local name in another encoding: Arrow cannot give it as text
        from ctloop import storage

        # Arrow's listing goes into symlinked directories: so does this walk, each directory once
        seen: set[str] = set()
        for root, dirs, names in os.walk(base, followlinks=True):
            seen.add(os.path.realpath(root))
            dirs[:] = [d for d in dirs if os.path.realpath(os.path.join(root, d)) not in seen]
            for name in (*dirs, *names):
                storage.utf8_name(base, os.path.join(root, name))  # raises, naming it
        raise DataSourceError(f"{base}: a name in it is not UTF-8 (the only encoding ctloop reads names in; "
                              f"{exc.reason} at byte {exc.start}): rename it, e.g. convmv -f latin1 -t utf-8 "
                              "--notest -r DIR") from None


def _below(fs, path: str) -> bool:
    """Whether the remote prefix ``path/`` holds files (``path`` being a zero-byte object: a directory
    marker, which ``ctloop.storage.refuse_unlistable`` lets through beside its prefix)."""
    try:
        return bool(_list_files(fs, path))
    except OSError:
        return False


def _named_scratch(rel: str, pattern: str) -> bool:
    """Whether every scratch name in ``rel`` (a match's path below a glob's fixed part; a
    component starting with '_' or '.') is one the glob ``pattern`` (below the same part) writes
    out: ``g/_*.csv`` names ``_x.csv``, ``g/*.csv`` does not, as a shell's ``*`` leaves out
    ``.x`` unless the pattern writes the dot."""
    from ctloop.storage import SCRATCH_PREFIXES

    named = [p for p in pattern.split("/") if p.startswith(SCRATCH_PREFIXES)]
    return all(any(fnmatch.fnmatchcase(c, p) for p in named)
               for c in rel.split("/") if c.startswith(SCRATCH_PREFIXES))


def _parents(path: str, base: str) -> Iterator[str]:
    """The directories between ``base`` and ``path``, below ``base``."""
    parent = os.path.dirname(path)
    while len(parent) > len(base.rstrip("/")):
        yield parent
        parent = os.path.dirname(parent)


def _glob_matches(path: str, pattern: str) -> bool:
    """Whether ``path`` matches ``pattern`` as ``glob.glob(pattern, recursive=True)`` matches it
    (``storage.glob_match``: the one rule the listing's '//' check and this reader share)."""
    from ctloop.storage import glob_match

    return glob_match(path, pattern)


def _codec_names(fs: Any, files: list[str], local: bool, shown: str | None = None,
                 blank: list[str] | None = None, headers: dict[str, list[str]] | None = None,
                 padded: dict[str, int] | None = None) -> dict[str, str]:
    """``{name Arrow reads: file}`` for each CSV file whose extension says the wrong thing about
    its bytes (:func:`ctloop.storage.csv_compression` decides by the gzip magic). Arrow picks
    the codec by extension (``FileSource::OpenCompressed``, arrow/cpp/src/arrow/dataset/
    file_base.cc, pyarrow 25): a gzipped ``x.csv`` is read as ``x.csv.gz``, a plain ``y.csv.gz``
    as ``y.csv.gz.csv``. Empty when every name is right (nearly always): one read of the first
    bytes per file, several at a time on an object store; a file in another encoding than UTF-8
    (the only one Arrow's CSV reader reads) is a DataSourceError naming it
    (:func:`ctloop.storage.refuse_other_encoding`), as ``shown`` when given (a single file named
    on its own: as the user wrote it). With a ``blank`` list, each file whose whole content those
    first bytes are and hold no text (:func:`ctloop.storage.csv_blank`: Hadoop's gzip output of a
    reducer with no output, a lone newline) is put in it instead: no rows, no columns, left out as
    a zero-byte file is. With a ``headers`` dict, each other file's first line's fields are put in it
    (``ctloop.storage.csv_header_fields``), from the same bytes. With a ``padded`` dict, each gzip file
    ending in zero padding (tape or block padding: ``ctloop.storage.gzip_padding``), which Arrow's reader
    refuses and read_table reads, is put in it under its name in ``renamed`` (its own, when right) with the
    offset its padding starts at: :func:`_recoded` serves the bytes before it. A local or S3 file is opened once:
    Arrow's S3 stream asks the object's size (a HEAD) as a random-access file does (s3fs.cc, pyarrow 25.0.1;
    counted through a proxy in tests/unit/test_r55_data_fix.py), so the head and the tail are read from one."""
    from ctloop import storage

    random_access = local or getattr(fs, "type_name", "") == "s3"

    def head(path: str) -> tuple[bytes, bool, bool, int | None]:
        opened = fs.open_input_file(path) if random_access else fs.open_input_stream(path, compression=None)
        with opened as stream:  # the stored bytes
            first = storage.csv_head(stream.read)  # through the end of the header line
            more = stream.read(1)
            whole = len(first) < storage.CSV_HEAD_BYTES and not more  # and whether all of them
            # blank lines past the first bytes (read on to a character that is not one): pyarrow's "Empty CSV
            # file or block", naming no file; training's reader says the file is empty
            blank_long = not whole and not (first + more).strip() and not any(
                block.strip() for block in iter(lambda: stream.read(1 << 16), b""))
            packed = padded is not None and storage.csv_compression(first) == "gzip"
            if not packed or whole:
                return first, whole, blank_long, _padding(None, first) if packed else None
            if random_access:
                return first, whole, blank_long, _padding(stream, first)
        with fs.open_input_file(path) as stored:  # another store's stream: opened again for the ranged read
            return first, whole, blank_long, _padding(stored, first)

    def _padding(stored: Any, first: bytes) -> int | None:
        # a gzip file whose last 4 bytes are no size of its text (storage.gzip_size_fits: nearly every unpadded
        # file's are) and whose last 64 KiB do not show it unpadded either (storage.gzip_unpadded: appended
        # members, BGZF): inflated once more to find its padding (storage.gzip_padding), in few large ranged reads
        if stored is None:  # the whole file is in its first bytes
            return storage.gzip_padding(io.BytesIO(first).read) if first.endswith(b"\0") else None
        size = stored.size()
        if storage.gzip_size_fits(size, stored.read_at(min(size, 4), max(0, size - 4))):
            return None
        tail = stored.read_at(min(size, storage.GZIP_TAIL_BYTES), max(0, size - storage.GZIP_TAIL_BYTES))
        if storage.gzip_unpadded(size, tail):
            return None
        stored.seek(0)
        return storage.gzip_padding(lambda n: stored.read(max(n, 8 << 20)))


    if local or len(files) < 2:
        heads = [head(f) for f in files]
    else:
        with ThreadPoolExecutor(max_workers=min(16, len(files))) as pool:
            heads = list(pool.map(head, files))
    renamed = {}
    for path, (first, whole, blank_long, end) in zip(files, heads, strict=True):
        if blank is not None and whole and storage.csv_blank(first):
            blank.append(path)
            continue
        if blank_long:
            raise storage.empty_csv(shown or path)
        storage.refuse_other_encoding(shown or path, first)
        if headers is not None:
            headers[path] = storage.csv_header_fields(first)
        packed = storage.csv_compression(first) == "gzip"
        name = path + (".gz" if packed else ".csv") if packed != path.endswith(".gz") else path
        if end is not None and padded is not None:  # read up to its padding, as read_table reads it
            renamed[name], padded[name] = path, end
        elif name != path:  # Arrow takes "gz" as written, lower case only ('X.CSV.GZ': none)
            renamed[name] = path
    return renamed


class _Prefix(io.RawIOBase):
    """The first ``size`` bytes of the random-access file ``stored`` (a ``pyarrow.NativeFile``), read as asked:
    what :func:`_recoded` gives Arrow for a padded gzip file on an object store (its padding left out)."""

    def __init__(self, stored: Any, size: int) -> None:
        super().__init__()
        self._stored, self._size = stored, size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._stored.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._stored.tell(), io.SEEK_END: self._size}[whence]
        return self._stored.seek(min(max(0, base + offset), self._size))

    def read(self, size: int | None = -1) -> bytes:
        left = self._size - self._stored.tell()
        return self._stored.read(left if size is None or size < 0 else min(size, left))

    def close(self) -> None:
        self._stored.close()
        super().close()


def _recoded(fs: Any, renamed: dict[str, str], padded: Mapping[str, int] | None = None) -> Any:
    """``fs`` with each file of ``renamed`` (:func:`_codec_names`) also readable under its new
    name: a ``pyarrow.fs.PyFileSystem`` that only reads. A name in ``padded`` reads its stored bytes up
    to the offset given (a gzip stream's zero padding left out: :func:`ctloop.storage.gzip_padding`),
    a local file's mapped, another's read as Arrow asks (:class:`_Prefix`: before, read whole into memory on
    every open)."""
    import pyarrow as pa
    import pyarrow.fs as pafs

    padded = padded or {}

    def cut(path: str):
        stored = renamed.get(path, path)
        if isinstance(fs, pafs.LocalFileSystem):
            return pa.BufferReader(pa.memory_map(stored).read_buffer().slice(0, padded[path]))
        return pa.PythonFile(_Prefix(fs.open_input_file(stored), padded[path]), mode="r")

    class Recoded(pafs.FileSystemHandler):
        def get_type_name(self) -> str:
            return "ctloop-recoded"

        def normalize_path(self, path: str) -> str:
            return path

        def get_file_info(self, paths):
            infos = fs.get_file_info([renamed.get(p, p) for p in paths])
            return [pafs.FileInfo(p, type=i.type, size=padded.get(p, i.size), mtime=i.mtime)
                    for p, i in zip(paths, infos, strict=True)]

        def get_file_info_selector(self, selector):
            return fs.get_file_info(selector)

        def open_input_stream(self, path: str):
            if path in padded:
                return cut(path)
            return fs.open_input_stream(renamed.get(path, path), compression=None)

        def open_input_file(self, path: str):
            if path in padded:
                return cut(path)
            return fs.open_input_file(renamed.get(path, path))

        def _read_only(self, *args, **kwargs):
            raise NotImplementedError("a data source is read only")

        create_dir = delete_dir = delete_dir_contents = delete_root_dir_contents = delete_file = _read_only
        move = copy_file = open_output_stream = open_append_stream = _read_only

    return pafs.PyFileSystem(Recoded())


def _resolve_files(uri: str, format: str | None = None) -> tuple[Any, list[str], str | None]:
    """``(filesystem, files, partition base directory or None)`` for one path, directory or
    glob (a directory's files as ``read_table`` reads them: :func:`_directory_files`, ``format``
    the one given, if any). pyarrow's ``OSError`` (refused credentials, an unreachable endpoint)
    becomes the one line :func:`ctloop.storage.arrow_error` words for it."""
    from ctloop import storage

    fs, path = _filesystem(uri)
    try:
        with storage.table_looks_once():  # a glob's directories share their parents: each asked once
            return _find_files(uri, fs, path, format)
    except OSError as exc:
        raise storage.arrow_error(uri, exc) from exc


def _directory_files(uri: str, path: str, format: str | None) -> list[str]:
    """The data files of the directory (prefix) ``uri`` (``path`` within its filesystem), as paths in that
    filesystem: those ``ctloop.storage.directory_table`` lists, and refused as it refuses them (a Spark job's
    ``_temporary/`` without ``_SUCCESS``, files a Databricks commit did not add, a Delta/Hudi/Iceberg table or
    a directory inside one, conflicting partition directories, a file whose format its name does not say),
    in its order. The one listing ``read_table`` (training) and this reader (drift, scoring) share: before,
    this reader listed on its own and read such directories' other rows."""
    from ctloop import storage

    root = storage.parse(uri).key.rstrip("/")
    # drift and scoring take no format setting: their advice is a glob of the files that say theirs
    listed, _ = storage.directory_table(uri, format, format_option=None, glob=True)
    return [f"{path.rstrip('/')}/{storage.parse(name).key[len(root):].lstrip('/')}" for name in listed]


def _find_files(uri: str, fs: Any, path: str, format: str | None = None) -> tuple[Any, list[str], str | None]:
    import pyarrow.fs as pafs

    if any(ch in path for ch in GLOB_CHARS):
        parts = path.split("/")
        first = next(i for i, p in enumerate(parts) if any(ch in p for ch in GLOB_CHARS))
        base = "/".join(parts[:first]) or "/"
        if isinstance(fs, pafs.LocalFileSystem):
            import glob

            from ctloop import storage

            # a '**' pattern: matched against the files list_files lists (glob's '**' follows a
            # symlink loop until the kernel refuses, every file matched 40 times over)
            listed = None  # glob.glob's matches: a directory's table log is asked of the disk (refuse_table_files)
            if "**" in path:
                listed = _list_files(fs, base, scratch=True, empty=True)  # a pattern may name '_' (_named_scratch)
                found = {*listed, *(d for f in listed for d in _parents(f, base))}  # a pattern may name directories
                matches = sorted(m for m in found if _glob_matches(m, path))
            else:
                matches = sorted(glob.glob(path, recursive=True))
            for m in matches:
                storage.utf8_name(base, m)  # Arrow takes only UTF-8 names
        else:
            # an object store lists objects only: the glob is matched as on local disk (glob.glob's
            # rules: '*' within one name) against them and the directories above them (before,
            # fnmatch's '*' crossed '/' and no directory matched: d/*.parquet read d/sub/x.parquet
            # too, d/**/*.parquet left out d/x.parquet, d/date=0? matched nothing)
            logs: list[str] = []  # a table log's folder marker: no file, so looked at for the table only
            listed = _list_files(fs, base, scratch=True, empty=True, logs=logs)
            found = {*listed, *(d for f in listed for d in _parents(f, base))}
            matches = sorted(m for m in found if _glob_matches(m, path))
            listed = [*listed, *logs]
        pattern = path[len(base):].lstrip("/")
        # the URI of a match: the glob's fixed part as written in uri (its scheme, bucket), then the match's rest
        fixed = uri[:uri.rfind("/", 0, min(uri.find(ch) for ch in GLOB_CHARS if ch in uri))]
        files, unnamed, empty, folders, bare = [], [], [], [], []
        matched: list[str] = []  # files matched themselves (a matched directory's are its listing's: checked there)
        for m in matches:
            rel = m[len(base):].lstrip("/")
            if not _named_scratch(rel, pattern):  # g/*.csv leaves g/_x.csv out; g/_*.csv reads it
                unnamed.append(rel)
                continue
            if any(m.startswith(f"{d.rstrip('/')}/") for d in folders):  # g/** matches g/a and g/a/x.csv: g/a's
                continue  # listing decides which of its files are data (matches come sorted: a folder first)
            info = fs.get_file_info(m)
            if info.type == pafs.FileType.Directory:
                # each matched directory read as a directory named on its own is (its refusals: a Delta/Hudi
                # table, a Spark job's _temporary/ without _SUCCESS, a part whose format its name does not
                # say, ...): before, its files were listed without them and a part of no table extension
                # left out silently
                folders.append(m)
                try:
                    files.extend(_directory_files(m if isinstance(fs, pafs.LocalFileSystem) else fixed + m[len(base):],
                                                  m, format))
                except NoDataFiles as exc:  # a partition of only scratch (the sink's in-flight .x.parquet.tmp, a
                    bare.append((rel, exc))  # _quarantine/), zero-byte files or nothing: no rows, as in its parent
                except (ConfigError, DataSourceError) as exc:  # said with the glob given, which the user knows
                    if type(exc) not in (ConfigError, DataSourceError):  # a store down: as it came
                        raise
                    raise type(exc)(f"{uri} matches a directory: {exc}") from exc
            elif info.type == pafs.FileType.File and info.size == 0:  # no rows: as a directory's listing
                empty.append(rel)
            elif info.type == pafs.FileType.File:
                files.append(m)
                matched.append(m)
        _refuse_table_files(uri, matched, base, fixed, None if isinstance(fs, pafs.LocalFileSystem) else listed)
        if not files and bare:
            raise DataSourceError(f"{uri} matches a directory: {bare[0][1]}") from bare[0][1]
        if files and bare:
            warnings.warn(f"{uri}: left out {len(bare)} matched directory(ies) without data files, e.g. "
                          f"{one_line(str(bare[0][1]))}", stacklevel=2)
        if not files and empty:
            raise DataSourceError(f"{uri} matches no data: its {len(empty)} file(s) are empty (0 bytes, e.g. "
                                  f"{one_line(empty[0])})")
        if not files and unnamed:
            name = next(c for c in unnamed[0].split("/") if _hidden(c))
            raise DataSourceError(f"{uri} matches only names starting with '_' or '.' (e.g. {one_line(unnamed[0])}), "
                                  "left out as scratch (Spark's _temporary/ and _SUCCESS, .crc checksums); to read "
                                  f"them, write the '{name[0]}' in the pattern ({name[0]}* matches {one_line(name)})")
        if not files:
            raise DataSourceError(f"{uri} matches no files")
        return fs, sorted(set(files)), base
    try:
        info = fs.get_file_info(path)
    except OSError:
        from ctloop import storage

        # Arrow asks an Azure account without a hierarchical namespace by listing (ListBlobsByHierarchy,
        # GetFileInfo in apache/arrow cpp/src/arrow/filesystem/azurefs.cc, pyarrow 25.0.1): a SAS without
        # List (one scoped to the blob) is refused that, yet may read the blob, asked through the SDK
        if storage.parse(uri).scheme == "az" and storage.exists(uri):
            return fs, [path], None
        raise
    if info.type == pafs.FileType.NotFound:
        raise DataSourceError(f"{uri} does not exist")
    from ctloop.storage import special_file

    if info.type == pafs.FileType.Unknown and isinstance(fs, pafs.LocalFileSystem) \
            and (what := special_file(path)) is not None:  # was "does not exist as a file and is an empty directory"
        raise DataSourceError(f"{uri} is {what}, not a file: ctloop reads a file more than once (its schema, "
                              "then its rows batch by batch; drift with either engine, score); write the data to a file and name that")
    if info.type == pafs.FileType.File and not (info.size == 0 and "://" in str(uri) and _below(fs, path)):
        return fs, [path], None  # (a zero-byte object beside its prefix is a directory marker: the prefix is read)
    return fs, _directory_files(uri, path, format), path


def _refuse_table_files(uri: str, matched: list[str], base: str, fixed: str, listed: list[str] | None) -> None:
    """The files the glob ``uri`` matched themselves (``matched``: paths below ``base``, the glob's fixed part,
    ``fixed`` as written in ``uri``) refused when a directory holding them is a Delta Lake, Hudi or Iceberg table,
    a Hudi partition or inside a table (:func:`ctloop.storage.refuse_table_files`), as a directory it matches is
    (:func:`_directory_files`): ``t/*.parquet`` of a Delta table read every version's rows, the files its log
    removed too. ``listed``: every object below ``base`` (scratch too: a table log's files, Hudi's partition
    markers), when an object store's glob listed them: grouped by directory once, and each directory and its
    parents at or below ``base`` answered from it, not the store asked again; else (local) the disk is asked."""
    from ctloop import storage

    listing = None
    if listed is not None:
        root = storage.parse(fixed).key.rstrip("/")

        def key(path: str) -> str:  # a path below base as its key in the bucket (a log's folder marker: its '/')
            rest = path[len(base):].strip("/")
            return (f"{root}/{rest}".strip("/") if root else rest) + ("/" if path.endswith("/") else "")

        listing = (root, storage.table_marks(key(f) for f in listed if any(
            part in storage.TABLE_LOGS or part == "metadata" or storage._hudi_partition(part)
            for part in f[len(base):].split("/"))))
    for directory in sorted({m.rsplit("/", 1)[0] for m in matched}):
        storage.refuse_table_files(uri, fixed + directory[len(base):] if "://" in uri else directory, listing,
                                   files=[m for m in matched if m.rsplit("/", 1)[0] == directory])


def open_source(source: str | os.PathLike | Sequence[str], *, format: str | None = None) -> Source:
    """Resolve a file, directory, glob, remote prefix or list of files into a :class:`Source`.

    Directories are read recursively; names starting with ``_`` or ``.`` are skipped (e.g. the
    inference log's ``_quarantine``); a directory's files are those ``read_table`` reads, refused as
    it refuses them (``ctloop.storage.directory_table``), and so are those of each directory a glob matches;
    hive partition directories (``key=value``) below the
    directory (or the fixed part of a glob) become columns. Files are Parquet (``.parquet``,
    ``.pq``) or CSV (``.csv``, ``.csv.gz``), one format per source; ``format`` overrides.

    Raises:
        DataSourceError: nothing there, no data files, unreadable files.
        ConfigError: mixed formats, an unknown format.
    """
    import pyarrow as pa
    import pyarrow.dataset as pads

    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if format is not None and format not in ("parquet", "csv"):
        raise ConfigError(f"unsupported table format {format!r}; use parquet or csv")
    if isinstance(source, str):
        if not source:
            raise ConfigError("no data URI given: pass a file, a directory, a glob or gs://...")
        fs, files, base = _resolve_files(source, format)
        uri = source
        listed = set(files) if base is not None else set()  # from a directory or glob, not named on its own
    else:
        paths = [os.fspath(p) for p in source]
        if not paths:
            raise ConfigError("no data files given")
        fs, files, base = None, [], None
        listed = set()
        for p in paths:
            f, found, below = _resolve_files(p, format)
            fs = fs or f
            files.extend(found)
            if below is not None:
                listed.update(found)
        base = os.path.commonpath(files) if len(files) > 1 else None
        uri = paths[0] if len(paths) == 1 else f"{paths[0]} (+{len(paths) - 1} more)"
    if format != "parquet":  # a file named x.csv.snappy (one named, or a glob's): its codec, not "no .csv files"
        from ctloop import storage

        for f in files:
            if (refused := storage.compressed_csv(uri if base is None and len(files) == 1 else one_line(f), f, format)) is not None:
                raise refused
    formats = {f: _suffix_format(f) for f in files}
    if format is not None:
        fmt = format
    else:
        data = [f for f, k in formats.items() if k is not None]
        if not data and base is None and len(files) == 1:  # a file named on its own (x.jsonl): read_table's words,
            from ctloop import storage

            storage.table_format(uri)  # not "holds no .parquet or .csv files ... if the files have no extension"
        if not data:
            raise DataSourceError(
                f"{uri} holds no .parquet or .csv files (e.g. {files[0]}); pass the format "
                "explicitly if the files have no extension"
            )
        kinds = {formats[f] for f in data}
        if len(kinds) > 1:
            example = {formats[f]: f for f in data}
            raise ConfigError(
                f"{uri} mixes CSV and Parquet files ({example['csv']}, {example['parquet']}); "
                "point at one format"
            )
        fmt = kinds.pop()
        files = data
    keys: list[str] = []
    partitioning = None
    if base is not None:
        from ctloop import storage

        keys = storage.hive_keys(files, base)  # every file's, not the first's
        if keys:
            partitioning = pads.partitioning(flavor="hive")
    file_format: Any = fmt
    if fmt == "parquet":  # Spark's INT96 times in microseconds, as read_table reads them (storage.INT96_UNIT)
        from ctloop import storage

        file_format = pads.ParquetFileFormat(
            read_options=pads.ParquetReadOptions(coerce_int96_timestamp_unit=storage.INT96_UNIT))
    if fmt == "csv":  # an empty cell (NA, null, None, ...) is null in a text column too, as pandas.read_csv reads it
        import pyarrow.csv as pacsv

        file_format = pads.CsvFileFormat(parse_options=csv_parse_options(),
                                         convert_options=pacsv.ConvertOptions(strings_can_be_null=True,
                                                                              null_values=CSV_NULLS))
    import pyarrow.fs as pafs

    local = isinstance(fs, pafs.LocalFileSystem)
    names = files
    csv_headers: list[tuple[str, list[str]]] = []
    if fmt == "csv":
        blank: list[str] = []
        headers: dict[str, list[str]] = {}
        padded: dict[str, int] = {}
        try:
            renamed = _codec_names(fs, files, local, uri if base is None and len(files) == 1 else None, blank, headers,
                                   padded)
        except OSError as exc:
            from ctloop import storage

            raise storage.arrow_error(uri, exc) from exc
        if base is not None:  # the parts of a directory (or glob): their first lines, for Source.refuse_headerless
            csv_headers = [(f[len(base):].lstrip("/"), headers[f]) for f in files if f in headers]
        if named := [f for f in blank if f not in listed]:  # a file named on its own: refused as read_table refuses it
            raise DataSourceError(f"{uri if base is None and len(files) == 1 else one_line(named[0])} has no columns or "
                                  "rows (no text: blank lines, or an empty gzip stream)")
        if blank:
            if not (kept := [f for f in files if f not in set(blank)]):
                shown = blank[0][len(base):].lstrip("/") if base is not None else blank[0]
                raise DataSourceError(f"{uri} holds no data: its {len(blank)} file(s) hold no text (an empty gzip "
                                      f"stream, blank lines; e.g. {one_line(shown)})")
            files = names = kept
        if renamed:
            names = [next((v for v, f in renamed.items() if f == path), path) for path in files]
            fs = _recoded(fs, renamed, padded)
    try:
        dataset = pads.dataset(
            names, format=file_format, filesystem=fs, partitioning=partitioning,
            partition_base_dir=base if partitioning is not None else None,
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        if fmt == "csv":  # a ';' export with decimal commas fails Arrow's schema inference first
            from ctloop import storage

            for f in files:  # a header naming a column twice: named as read_table names it, not Arrow's words
                storage.refuse_repeated_columns(f, [n or f"Unnamed: {i}" for i, n in enumerate(headers.get(f, []))])
            storage.refuse_other_separator(files[0], _csv_header(fs, names[0]), _csv_head(fs, names[0]))
            failed = next((f for f, n in zip(files, names, strict=True) if f"'{n}'" in str(exc)), None)
            if failed is not None:  # a NUL before the row Arrow failed on: named first, as read_table names it
                with contextlib.suppress(OSError):  # read again (a store failing now): Arrow's error below, not this
                    with fs.open_input_stream(names[files.index(failed)], compression=None) as stream:
                        head = stream.read(2 * storage.CSV_HEADER_MAX_BYTES)
                    storage.refuse_nul_first(uri if base is None and len(files) == 1 else failed, head)
        elif "duplicate field names" in str(exc):  # a file naming a column twice: named, not pyarrow's words
            import pyarrow.parquet as pq

            from ctloop import storage

            for name in names:
                storage.refuse_repeated_columns(name, pq.read_schema(name, filesystem=fs).names)
        raise DataSourceError(f"{uri} is not a readable {fmt} dataset: "
                              f"{_own_words(str(exc), dict(zip(names, files, strict=True)))}") from exc
    if partitioning is not None:
        dataset = _empty_values_null(dataset, base)
    from ctloop import storage

    try:
        storage.check_hive_columns(uri, dataset, keys)  # a file column named like its key=value directory
        written = [n for n in dataset.schema.names if n not in keys]
    except UnicodeDecodeError as exc:  # a header past csv_head's reach (Arrow's own block size)
        raise _header_not_utf8(uri, dataset, exc, dict(zip(names, files, strict=True))) from None
    if fmt == "csv":  # a spreadsheet's export: else "has no column 'x'" (as read_table refuses it)
        storage.refuse_other_separator(files[0], written, _csv_head(fs, names[0]) if len(written) == 1 else None)
    if isinstance(source, str) and (base is None or fmt == "parquet" and any(
            storage.DELTA_PHYSICAL_NAME.fullmatch(n) for n in written)):  # a Delta table's file named on its own
        storage.refuse_table_file(uri, written if fmt == "parquet" else ())  # (or its col-<uuid> columns), as read_table
    stored = {n: f for n, f in zip(names, files, strict=True) if n != f}
    if fmt == "csv" and "" in written:
        dataset = _csv_unnamed(uri, dataset, written, stored)
    return Source(uri, files, fmt, keys, dataset, local=local, csv_headers=csv_headers, stored=stored)


def _csv_header(fs: Any, path: str) -> list[str]:
    """The column names on the first line of the CSV ``path`` as a comma-separated reader reads them
    (``[]`` when it cannot be read): for naming another separator when Arrow's schema inference
    failed on the rows below it."""
    import csv

    if (head := _csv_head(fs, path)) is None:
        return []
    line = head.decode("utf-8", "replace").removeprefix("\ufeff").splitlines()[:1]
    return next(csv.reader(line), [])


def _csv_head(fs: Any, path: str) -> bytes | None:
    """The first 64 KiB of the CSV ``path``'s text (None when it cannot be read): its header, and rows for
    :func:`ctloop.storage.refuse_other_separator` to find decimal commas in, as read_table does."""
    try:
        with fs.open_input_stream(path) as stream:
            return stream.read(1 << 16)
    except (OSError, ValueError):
        return None


_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


def _empty_values_null(dataset: Any, base: str) -> Any:
    """``dataset`` with each ``key=`` directory (an empty value) read as null, as
    ``key=__HIVE_DEFAULT_PARTITION__`` is: pyarrow 25.0.1's hive discovery reads it as ''. Spark's
    writer never makes one (an empty value is null, ``Empty2Null``, written as the default partition;
    Spark 3.5) and its reader refuses it ("Empty partition column value", ``PartitioningUtils``). The
    fragments under one get the discovered partitioning's expression of the path with the default
    partition's name there; ``dataset`` itself when there is none."""
    import pyarrow.dataset as pads

    def spelled(path: str) -> str | None:
        parts = path[len(base):].lstrip("/").split("/")
        dirs = [p + _HIVE_NULL if p.endswith("=") and p.count("=") == 1 else p for p in parts[:-1]]
        return "/".join([*dirs, "f"]) if dirs != parts[:-1] else None

    fragments = list(dataset.get_fragments())
    if not any(spelled(f.path) for f in fragments):
        return dataset
    made = [dataset.format.make_fragment(f.path, filesystem=dataset.filesystem,
                                         partition_expression=dataset.partitioning.parse(new)
                                         if (new := spelled(f.path)) else f.partition_expression)
            for f in fragments]
    return pads.FileSystemDataset(made, dataset.schema, dataset.format, dataset.filesystem)


def _header_not_utf8(uri: str, dataset: pads.Dataset, exc: UnicodeDecodeError,
                     own: Mapping[str, str]) -> DataSourceError:  # fmt: skip
    """The one line for a CSV header Arrow read that is not UTF-8 (``Schema.names`` raises
    ``UnicodeDecodeError``), naming the first file whose header it is by its own name (``own``: the name
    Arrow reads it under → its own, :attr:`Source.stored`)."""
    shown = uri
    for fragment in dataset.get_fragments():
        try:
            fragment.physical_schema.names  # noqa: B018 (the decoding is the check)
        except UnicodeDecodeError:
            shown = own.get(fragment.path, fragment.path)
            break
    return DataSourceError(f"{shown} is not UTF-8 text (its header: {exc.reason}): ctloop reads UTF-8 CSV: save it "
                           "as UTF-8 (Excel: 'CSV UTF-8'; iconv -f WINDOWS-1252 -t UTF-8 for a Windows export) or as "
                           "Parquet")


def _csv_unnamed(uri: str, dataset: pads.Dataset, written: list[str], own: Mapping[str, str]) -> pads.Dataset:
    """A CSV dataset whose header has empty names (``DataFrame.to_csv`` writes the index under
    one) with those columns named as ``pandas.read_csv`` (the memory engine's single file) names
    them, ``Unnamed: <position>``: Arrow names them ``''``, so the two engines named one column
    differently and ``--exclude`` could not name it. Left as it is when the files' headers differ
    (each file's header names its own columns). Arrow's errors name each file by its own name (``own``:
    :attr:`Source.stored`, :func:`_own_words`)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.dataset as pads

    try:
        if any(f.physical_schema.names != written for f in dataset.get_fragments()):
            return dataset
        names = [n or f"Unnamed: {i}" for i, n in enumerate(written)]
        if len(set(names)) < len(names):
            return dataset
        fmt = dataset.format
        renamed = pads.CsvFileFormat(read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
                                     parse_options=fmt.parse_options,
                                     convert_options=fmt.default_fragment_scan_options.convert_options)  # fmt: skip
        fragments = list(dataset.get_fragments())
        schema = pa.schema([pa.field(n, dataset.schema.field(i).type) for i, n in enumerate(names)]
                           + [dataset.schema.field(i) for i in range(len(names), len(dataset.schema))])
        return pads.FileSystemDataset([renamed.make_fragment(f.path, dataset.filesystem, f.partition_expression)
                                       for f in fragments], schema, renamed, dataset.filesystem)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise DataSourceError(f"{uri} is not a readable csv dataset: {_own_words(str(exc), own)}") from exc


def csv_timestamps_as_text(source: Source) -> Source:
    """The source with the timestamp, date and time columns Arrow infers in CSV files read as text, as
    ``pandas.read_csv`` (the memory engine) reads them: both engines then compare a CSV date
    column the same way (as categories). Parquet sources are returned as they are."""
    import dataclasses

    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.dataset as pads

    schema = source.dataset.schema
    stamps = [f.name for f in schema if (pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)
                                         or pa.types.is_time(f.type)) and f.name not in source.partition_keys]
    if source.format != "csv" or not stamps:
        return source
    text = pads.CsvFileFormat(read_options=source.dataset.format.default_fragment_scan_options.read_options,
                              parse_options=source.dataset.format.parse_options,
                              convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in stamps},
                                                                   strings_can_be_null=True,
                                                                   null_values=CSV_NULLS))
    partitioning = pads.partitioning(flavor="hive") if source.partition_keys else None
    base = None
    if partitioning is not None:  # the directory above the first key=value part
        first = next(f for f in source.files if f"/{source.partition_keys[0]}=" in f)  # not every file has it
        base = first[: first.index(f"/{source.partition_keys[0]}=")]
    try:
        dataset = pads.dataset(source.dataset.files, format=text, filesystem=source.dataset.filesystem,
                               partitioning=partitioning, partition_base_dir=base)  # fmt: skip
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise DataSourceError(f"{source.uri} is not a readable csv dataset: {source.own_words(exc)}") from exc
    if partitioning is not None:
        dataset = _empty_values_null(dataset, base)
    return dataclasses.replace(source, dataset=dataset, file_schemas=None)


def scan(source: str | Sequence[str] | Source, columns: Sequence[str] | None = None, *,
         filter: Any = None, batch_rows: int = DEFAULT_BATCH_ROWS,
         progress: Callable[[ScanProgress], None] | None = None) -> Iterator[pa.RecordBatch]:  # fmt: skip
    """Record batches of ``columns`` (default: all, partition keys included) from a file,
    directory, glob, prefix or list of files (:func:`open_source`), in file order, at most
    ``batch_rows`` rows each. ``filter`` is a ``pyarrow.dataset`` expression; on partition keys
    it prunes whole files before reading (``ds.field("date") >= "2024-05-01"``)."""
    src = source if isinstance(source, Source) else open_source(source)
    for batch, _, _ in src.batches(columns, filter=filter, batch_rows=batch_rows, progress=progress):
        yield batch


# ---------------------------------------------------------------------------- which engine
MEMORY_CELLS = 25_000_000  # auto: in memory up to 1M rows x 25 columns per side (docs/drift.md)
# The most buckets a numeric column's sketch may keep (a new DriftState; ``ctloop drift --sketch-size``): at 40
# bytes a bucket (sketch.BUCKET_BYTES), 200 MB for each numeric column on each side. That is the size of the
# in-memory engine's whole side at MEMORY_CELLS float64 cells, but here per column: a file's columns add up
# (25 numeric columns: 10 GB for the two sides), so the bound keeps memory independent of the rows, not small
# (the default keeps it small); exact scores over more distinct values are the in-memory engine's. Unbounded,
# the sketch never coarsened and held every distinct value: memory grew with the rows (10**12: 2M distinct
# values a side took 1.45 GB and 13.5 s, against 195 MB and 1.6 s at the default).
MAX_SKETCH_SIZE = MEMORY_CELLS * 8 // BUCKET_BYTES
# An exact category count held in a categorical column's counts (a dict entry, its value as a Python object, its
# count): 92 bytes measured for 13-character text (2M distinct values, tracemalloc, 2026-12-07); longer text more.
CATEGORY_BYTES = 100
# The most exact category counts per column and side (a new DriftState's max_categories), by the same argument
# as MAX_SKETCH_SIZE: 200 MB for each categorical column on each side, then max_categories hash buckets. Unbounded,
# max_categories=10**12 never hashed and held every distinct value: 2M distinct values of one column took 184 MB
# (1 MB at the default) and saving the state 29.8 s for 52 MB of JSON, growing with the rows.
MAX_CATEGORIES = MEMORY_CELLS * 8 // CATEGORY_BYTES
ENGINES = ("auto", "memory", "stream")


def _max_categories_said() -> str:
    """Where a user raises ``max_categories``, said where a column meets it (an approximate score's detail, the
    refusal of a value it cannot hash): before round 57 neither said it, and ``ctloop drift`` had no flag."""
    return f"max_categories; ctloop drift --max-categories, at most {MAX_CATEGORIES:,}"


def _remote(uri: str) -> bool:
    from ctloop.storage import is_remote

    return is_remote(uri)


def is_single_file(uri: str) -> bool:
    """A single local file (a path or a ``file://`` URI), or a remote URI naming one table file
    (no glob)."""
    if _remote(uri):
        low = uri.lower()
        return _suffix_format(low) is not None and not any(ch in uri for ch in GLOB_CHARS)
    from ctloop.storage import parse

    return os.path.isfile(parse(uri).key)


def _cells(uri: str, opened: dict[str, Source] | None = None) -> int:
    """Rows × columns of a local source from Parquet metadata (CSV: estimated,
    :func:`_csv_cells`); the source opened is put in ``opened`` when given."""
    src = open_source(uri)
    if opened is not None:
        opened[uri] = src
    if src.format == "parquet":
        return src.count_rows() * max(len(src.columns), 1)
    return _csv_cells(src.files)


CSV_SAMPLE_BYTES = 1 << 20  # the first file's head that tells bytes per row


def _csv_cells(files: list[str]) -> int:
    """Rows × columns of local CSV files, estimated: their bytes as read (a gzipped file's from
    its gzip footer, ISIZE: the size modulo 2**32, taken as at least the stored bytes) over the
    bytes per row of the first file's first rows, times its columns. Bytes alone (8 a cell) took
    a column of digits ('1,' is 2 bytes) for a quarter of its cells, and a gzipped file for a
    tenth of that: the memory engine then read many times its cell budget."""
    import csv
    import gzip

    total, packed = 0, []
    for path in files:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b" and size >= 18
            if gz:
                fh.seek(-4, os.SEEK_END)
                isize = int.from_bytes(fh.read(4), "little")
                while isize < size:
                    isize += 2**32
                size = isize
        packed.append(gz)
        total += size
    if not files:
        return 0
    try:
        with (gzip.open if packed[0] else open)(files[0], "rb") as fh:
            head = fh.read(CSV_SAMPLE_BYTES)
    except (OSError, EOFError):  # a damaged file: the reader says so later
        return total // 8
    lines = head.split(b"\n")
    rows = lines[1:-1] if len(head) == CSV_SAMPLE_BYTES or not head.endswith(b"\n") else lines[1:]
    rows = [r for r in rows if r.strip()]
    if not lines or not rows:
        return total // 8
    columns = len(next(csv.reader([lines[0].decode("utf-8", "replace")]), [])) or 1
    per_row = (sum(len(r) for r in rows) + len(rows)) / len(rows)
    return int(total / per_row * columns)


def choose_engine(engine: str, reference: str, current: str, *, calibrate: bool = False,
                  memory_cells: int | None = None, opened: dict[str, Source] | None = None) -> str:  # fmt: skip
    """``memory`` or ``stream`` for ``engine`` = ``auto``: in memory when each side holds at most
    ``memory_cells`` (default :data:`MEMORY_CELLS`) cells, or is a single remote file (read in
    memory as before), or when calibrating (which re-splits the reference rows); else streamed.
    ``opened`` (when given) receives ``{uri: Source}`` of each side opened to count its cells, for
    the reader to take instead of opening (listing, warning of what it leaves out) it again.

    Raises:
        ConfigError: an unknown engine, or ``stream`` with calibration.
    """
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine != "auto":
        if engine == "stream" and calibrate:
            raise ConfigError(
                "--calibrate splits the reference rows at random, which needs them in memory: "
                "use --engine memory (or auto), or leave --calibrate out"
            )
        return engine
    if calibrate:
        return "memory"
    limit = MEMORY_CELLS if memory_cells is None else memory_cells
    for uri in (reference, current):
        if _remote(uri):
            if not is_single_file(uri):
                return "stream"
        elif _cells(uri, opened) > limit:
            return "stream"
    return "memory"


def read_side(uri: str, columns: Sequence[str] | None = None, *, side: str | None = None,
              opened: Source | None = None) -> tuple[pd.DataFrame, Source | None]:  # fmt: skip
    """A whole side as one pandas frame (the memory engine) and, when it has several files, its
    :class:`Source` (for :func:`check_side` once the compared columns are known): a single file
    through ``ctloop.storage.read_table`` (local or gs://), anything else through the dataset
    reader, without hive partition keys unless ``columns`` names them (as the streaming engine),
    with the columns of all its files, each read as the widest type its files hold
    (:meth:`Source.check_files`; a problem there is prefixed with ``side``, default ``uri``); a
    CSV column whose type changes past a file's first block is widened or refused as the
    streamed engine reads it (:class:`~ctloop.errors.CsvTypeChanged`). ``opened``: ``uri``'s source
    opened already (:func:`choose_engine`'s), not opened again."""
    import pyarrow as pa

    from ctloop.storage import read_table

    if is_single_file(uri):  # with the file's names, as the streamed engine reads them
        return _former_features(_file_names(None, read_table(uri)), uri), None
    # CSV cells and dates as pandas.read_csv (a single file) and the streamed engine read them
    src = _every_column(csv_as_pandas_reads(csv_timestamps_as_text(opened or open_source(uri))), side or uri)
    keep = [c for c in src.columns if c not in src.partition_keys or c in (columns or ())]
    from ctloop.storage import TABLE_FILES

    files: dict[str, int] = {}  # each file's rows, in the frame's order: a refusal names a value's file and row

    def counted(read: Iterator[tuple[pa.RecordBatch, str, int]]) -> list[pa.RecordBatch]:
        out = []
        for batch, file, _ in read:
            files[file] = files.get(file, 0) + batch.num_rows
            out.append(batch)
        return out

    def named(frame: pd.DataFrame) -> pd.DataFrame:
        # several files: their names under the side and rows; rows not counted (Parquet read whole): none, and a
        # refusal leaves the row out rather than name a position in the joined frame (review 61 L4)
        if len(src.files) > 1:
            frame.attrs[TABLE_FILES] = tuple((_under(uri, src.own_name(f)), n) for f, n in files.items()) or (("", -1),)
        return frame

    try:
        if src.former:  # an inference log spanning a column's upgrade: its older files read renamed
            batches = counted(src.batches(keep))
            return named(as_pandas(_gathered(batches) if batches else src.schema.empty_table().select(keep))), src
        if src.format != "csv":
            return named(as_pandas(src.dataset.to_table(columns=keep))), src
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise DataSourceError(f"{uri}: cannot read the data: {src.own_words(exc)}") from exc
    # CSV: file by file (Source._file_batches), as the streamed engine reads it: a column whose type changes
    # past a file's first block widened or refused, a cell pandas reads as text refused, a file ending inside
    # a quoted value refused (the dataset's to_table read it as one row short of its lines, unsaid)
    batches = counted(src.batches(keep))
    return named(as_pandas(_csv_empty_as_float(src, _gathered(batches) if batches
                                               else src.schema.empty_table().select(keep)))), src


def _under(uri: str, path: str) -> str:
    """``path``, a file of the side ``uri`` (a directory, prefix or glob), named under the directory it lies in
    (``part-1.csv`` of ``parts`` or ``parts/*.csv``), as ``read_table`` names a directory's files; as it is when
    it lies elsewhere."""
    cut = min((i for i in (uri.find(c) for c in "*?[") if i >= 0), default=-1)
    top = uri if cut < 0 else uri[:cut].rpartition("/")[0]
    if "://" not in top:
        top = os.path.abspath(top or ".")
    top = top.rstrip("/") + "/"
    return path[len(top):] if path.startswith(top) else path


def _former_features(frame: pd.DataFrame, uri: str) -> pd.DataFrame:
    """``frame`` (the single file ``uri``), when an inference log's file of a former layout, with
    the column that held a feature before it became an identity column renamed to the feature's
    column now: a Parquet file as :meth:`Source.with_former_features` decides it (numbers or
    booleans; text by the file's rows: ``schema.former_features``), a CSV file by its dtype."""
    import pandas as pd

    from ctloop.inference_log.schema import FORMER_FEATURES

    if not engine.is_inference_log(frame.columns):
        return frame
    if not any(old in frame.columns and new not in frame.columns for old, new in FORMER_FEATURES.items()):
        return frame
    source = open_source(uri)
    if source.format == "parquet":
        renames = {old: new for found in source.with_former_features().former.values() for old, new in found.items()}
        return frame.rename(columns=renames) if renames else frame
    for old, new in FORMER_FEATURES.items():
        if old in frame.columns and new not in frame.columns:
            dtype = frame[old].dtype
            if (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
                    or pd.api.types.infer_dtype(frame[old], skipna=True) == "boolean"):
                frame = frame.rename(columns={old: new})
    return frame


def as_pandas(table: pa.Table) -> pd.DataFrame:
    """``table.to_pandas()``; a table whose pandas metadata names a dtype pandas cannot build
    again (a Parquet file written from an Arrow-backed list column stores ``list<item:
    int64>[pyarrow]``: pandas 2.3 raises ``TypeError: data type ... not understood``, even when
    that column is not in ``table``) is converted without that metadata, as
    ``ctloop.storage.read_table`` reads a single file; a ``time64[ns]`` column with non-zero
    nanoseconds (refused as ``datetime.time``) as ``pd.ArrowDtype`` (:func:`ctloop.storage.nanosecond_times`)."""
    from ctloop.storage import nanosecond_times, nanosecond_times_refused

    try:
        frame = table.to_pandas()
    except TypeError:
        frame = table.to_pandas(ignore_metadata=True)
    except ValueError as exc:  # a time of day with non-zero nanoseconds: kept exact, as the streamed engine
        if not nanosecond_times_refused(exc):
            raise
        frame = table.to_pandas(types_mapper=nanosecond_times)
    return _file_names(table, frame)


def _file_names(table: pa.Table | None, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (a file read into pandas) with the file's column names, which are text: pandas'
    metadata in a Parquet file written from a frame of number names (``0``) or MultiIndex columns
    (``('a', 'x')``) gives those back, while Arrow, the file and the streamed engine (its states,
    its report sample) name them by their text (``'0'``, ``"('a', 'x')"``), as pyarrow wrote them
    (:func:`file_column_name`). Until round 46 the two engines named such a column two ways in
    drift.json, and the streamed engine's report looked for ``'0'`` in a sample holding ``0``
    (``KeyError``: exit code 1). ``table``: the Arrow table read, whose names are used as they are."""
    if all(isinstance(c, str) for c in frame.columns):
        return frame
    names = [file_column_name(c) for c in frame.columns]
    if table is not None:
        meta = table.schema.pandas_metadata or {}
        index = {c for c in meta.get("index_columns", []) if isinstance(c, str)}  # stored index columns
        stored = [n for n in table.column_names if n not in index]
        if len(stored) == frame.shape[1]:
            names = stored
    frame.columns = names
    return frame


def file_column_name(name: Any) -> str:
    """The text pyarrow writes a pandas column name as (``pyarrow.pandas_compat``
    ``_column_name_to_strings``, pyarrow 2x): text as it is, bytes decoded, a tuple as the text
    of the tuple of its parts' texts (``('a', 1)`` → ``"('a', '1')"``), ``None`` as ``'None'``,
    anything else as ``str``."""
    if isinstance(name, str):
        return name
    if isinstance(name, bytes):
        return name.decode()
    if isinstance(name, tuple):
        return str(tuple(file_column_name(part) for part in name))
    return str(name)


def _csv_empty_as_float(source: Source, table: pa.Table) -> pa.Table:
    """A CSV side's columns empty in every row as float64, as ``pandas.read_csv`` (a single
    file: ``ctloop.storage.read_table``) reads them, not Arrow's null type (objects of None)."""
    import pyarrow as pa

    if source.format != "csv":
        return table
    for i, f in enumerate(table.schema):
        if pa.types.is_null(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(pa.float64()))
    return table


def refuse_late_text(reference: tuple[str, pd.DataFrame], current: tuple[str, pd.DataFrame],
                     columns: Sequence[str]) -> None:
    """Refuse a compared column that a CSV side holds as numbers in its first rows and as text
    further down (:func:`ctloop.storage.read_table` reads it as text and records the first such
    value under ``attrs[CSV_TEXT_FROM]``) where the other side holds numbers: judged by the
    current side's kind it would be counted as categories against the other side's numbers
    (every value drifted), where the streamed engine refuses it. ``reference`` and ``current``
    are ``(file, frame)``.

    Raises:
        CsvTypeChanged: naming the side, the file, the column, the value and its row.
    """
    import pandas as pd

    from ctloop.storage import CSV_TEXT_FROM

    for (uri, frame), (_, other) in ((reference, current), (current, reference)):
        late = frame.attrs.get(CSV_TEXT_FROM) or {}
        for name in columns:
            if name in late and name in other.columns and pd.api.types.is_numeric_dtype(other[name].dtype) \
                    and not pd.api.types.is_bool_dtype(other[name].dtype):
                row, value = late[name]
                raise CsvTypeChanged(uri, name, "numbers", row, value,
                                     hint=f", or leave it out with --exclude {name}; the other side holds numbers "
                                          "there")  # fmt: skip


def read_frame(uri: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """:func:`read_side`'s frame."""
    return read_side(uri, columns)[0]


def _every_column(source: Source, side: str, columns: Sequence[str] | None = None) -> Source:
    """``source`` with the columns of all its files, each of ``columns`` (default: all) read as
    the widest type its files hold (:meth:`Source.check_files`); a problem names ``side``. An
    inference log's files of a former layout are read as it is now (:meth:`Source.with_former_features`)."""
    try:
        if engine.is_inference_log(source.every_files_columns() if len(source.files) > 1 else source.columns):
            source = source.with_former_features()
        return source.check_files(columns, complete=False, union=True)
    except DataSourceError as exc:
        raise DataSourceError(f"{side}: {exc}") from exc


def refuse_headerless(columns: Sequence[str] | None, *sides: tuple[Sequence[str], Source | None] | Source) -> None:
    """The drift sides ``sides`` (each a :class:`Source`, or its columns and its source, None for one file)
    refused when their CSV parts have no header row (:meth:`Source.refuse_headerless`), if a column read
    (``columns``; default: the first side's) is missing from one: where the parts' first lines, data rows,
    would be said as "lacks column(s) '2025-01-01T00:00:00.000Z'", and only there."""
    held = [(list(side.columns), side) if isinstance(side, Source) else (list(side[0]), side[1]) for side in sides]
    wanted = list(columns) if columns is not None else held[0][0]
    if any(c not in names for names, _ in held for c in wanted):
        for _, source in held:
            if source is not None:
                source.refuse_headerless()


def check_side(source: Source, columns: Sequence[str], side: str) -> Source:
    """``source`` (a drift side, named ``side``: ``the current data (uri)``) checked file by
    file for the compared ``columns`` (:meth:`Source.check_files`): a file without one is
    refused, as a side without one is (:func:`ctloop.drift.engine.shared_columns`), rather than
    its rows counted as missing values; types that differ between files are widened."""
    names = [c for c in columns if c in source.columns]
    try:
        return source.check_files(names, role="a compared column",
                                  hint=(": every file of a side needs every compared column (its rows "
                                        "would count as missing values); leave it out with --exclude "
                                        "{missing}, name the compared columns with --columns, or "
                                        "leave the file out"))  # fmt: skip
    except DataSourceError as exc:
        raise DataSourceError(f"{side}: {exc}") from exc


# ---------------------------------------------------------------------------- row sample
class RowSample:
    """A seeded uniform sample of ``size`` rows without replacement, kept while streaming
    (bottom-k: each row draws a key from a generator seeded by ``(seed, stream, file, batch
    number)``; the ``size`` smallest keys win), so it is the same whatever the order of files or
    merges. For the evidently HTML report."""

    def __init__(self, size: int, seed: int = 0, stream: int = 0):
        self.size, self.seed, self.stream = int(size), int(seed), int(stream)
        self._keys: list[np.ndarray] = []
        self._rows: list[pa.Table] = []
        self._held = 0
        self._cut = np.inf

    def offer(self, batch: pa.RecordBatch, file: str, number: int) -> None:
        import pyarrow as pa

        if self.size <= 0 or batch.num_rows == 0:
            return
        rng = np.random.default_rng([self.seed, self.stream, zlib.crc32(file.encode()), number])
        keys = rng.random(batch.num_rows)
        take = np.flatnonzero(keys < self._cut)
        if len(take) == 0:
            return
        self._keys.append(keys[take])
        self._rows.append(pa.Table.from_batches([batch]).take(take))
        self._held += len(take)
        if self._held > 2 * self.size:
            self._compact()

    def _compact(self) -> None:
        import pyarrow as pa

        keys = np.concatenate(self._keys)
        table = pa.concat_tables(self._rows, promote_options="permissive")
        if len(keys) > self.size:
            keep = np.argpartition(keys, self.size - 1)[: self.size]
            keep.sort()
            keys, table = keys[keep], table.take(keep)
            self._cut = float(keys.max())
        self._keys, self._rows, self._held = [keys], [table], len(keys)

    def merge(self, other: RowSample) -> RowSample:
        out = RowSample(min(self.size, other.size), self.seed, self.stream)
        out._keys = self._keys + other._keys
        out._rows = self._rows + other._rows
        out._held = self._held + other._held
        if out._rows:
            out._compact()
        return out

    def to_pandas(self) -> pd.DataFrame:
        """The sample, in the order of its keys (a random order)."""
        import pandas as pd

        if not self._rows:
            return pd.DataFrame()
        self._compact()
        order = np.argsort(self._keys[0], kind="stable")
        return as_pandas(self._rows[0].take(order))


# ---------------------------------------------------------------------------- putting it together
def state_of(source: str | Sequence[str] | Source, columns: Sequence[str] | None = None, *,
             filter: Any = None, batch_rows: int = DEFAULT_BATCH_ROWS,
             sketch_size: int = DEFAULT_SKETCH_SIZE, max_categories: int = DEFAULT_MAX_CATEGORIES,
             bins: dict[str, list[np.ndarray]] | None = None, sample: RowSample | None = None,
             progress: Callable[[ScanProgress], None] | None = None,
             max_workers: int | None = None,
             sources: dict[str, tuple[str, ...]] | None = None) -> DriftState:  # fmt: skip
    """Summarise ``columns`` of a source into a :class:`DriftState` in one pass (module doc);
    ``sample`` also keeps a row sample. Columns are summarised in parallel threads.
    ``sources``: ``{column: source columns}`` for columns read from others (an inference log's
    features, :func:`ctloop.drift.engine.log_sources`: coalesced row by row, the first
    preferred)."""
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, (int, np.integer)) or batch_rows < 1:
        raise ConfigError(f"batch_rows must be a whole number >= 1, got {batch_rows!r}")
    _check_budgets(sketch_size, max_categories)  # before the source is opened (listed, on an object store)
    # a path is read as detect_sources reads it: CSV dates and cells as pandas.read_csv reads them
    src = source if isinstance(source, Source) else csv_as_pandas_reads(csv_timestamps_as_text(open_source(source)))
    names = list(columns) if columns is not None else src.columns
    sources = {n: tuple(held) for n, held in (sources or {}).items() if n in names and tuple(held) != (n,)}
    read = list(dict.fromkeys(c for n in names for c in sources.get(n, (n,))))
    missing = [c for c in read if c not in src.columns]
    if missing:
        src.refuse_headerless()
    if missing or any(not held for held in sources.values()):
        which = missing[0] if missing else next(n for n, held in sources.items() if not held)
        raise ConfigError(
            f"column {which!r} is not in {src.uri} (it has: {', '.join(src.columns[:20])})"
        )
    if not isinstance(source, Source):  # a caller's Source is checked by the caller (detect_sources)
        src = check_side(src, read, src.uri)
    state = DriftState(sketch_size=sketch_size, max_categories=max_categories, bins=bins)
    state.define(_schema_as(src.schema, names, sources) if sources else src.schema, names)

    workers = max(1, min(len(names), max_workers or os.cpu_count() or 1))
    pending: list[pa.RecordBatch] = []
    held = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        use = pool if workers > 1 else None
        for batch, file, number in src.batches(read, filter=filter, batch_rows=batch_rows,
                                               progress=progress):  # fmt: skip
            if sources:
                batch = _batch_as(batch, names, sources, src.uri)
            if sample is not None:
                sample.offer(batch, file, number)
            # small files (the inference log writes ~10,000 rows each) give small batches:
            # gather them up to batch_rows, so per-chunk costs are paid per batch_rows rows
            pending.append(batch)
            held += batch.num_rows
            if held >= batch_rows:
                state.update(pending[0] if len(pending) == 1 else _gathered(pending), pool=use)
                pending, held = [], 0
        if pending:
            state.update(_gathered(pending), pool=use)
    if src.format == "csv":  # a column empty in every row: float64, as pandas.read_csv (the memory engine) reads it
        for col in state.columns.values():
            if col.family == NULL:
                empty = ColumnState(col.name, FLOAT, "double", sketch_size=state.sketch_size,
                                    max_categories=state.max_categories)  # fmt: skip
                empty.rows = empty.nulls = col.rows
                state.columns[col.name] = empty
    return state


def _schema_as(schema: pa.Schema, names: list[str], sources: dict[str, tuple[str, ...]]) -> pa.Schema:
    """``schema`` of the columns ``names``, each read from its first source (``state_of``)."""
    import pyarrow as pa

    return pa.schema([pa.field(n, schema.field(sources.get(n, (n,))[0]).type) for n in names])


def _batch_as(batch: pa.RecordBatch, names: list[str], sources: dict[str, tuple[str, ...]],
              uri: str) -> pa.RecordBatch:  # fmt: skip
    """``batch`` as the columns ``names``, each read from its ``sources`` (coalesced row by row,
    the first preferred; the others cast to its type)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = []
    for name in names:
        held = sources.get(name, (name,))
        first = batch.column(held[0])
        if len(held) > 1:
            try:
                first = pc.coalesce(first, *(batch.column(c).cast(first.type) for c in held[1:]))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                raise DataSourceError(
                    f"{uri}: the feature {name!r} is held in columns {', '.join(map(repr, held))} of different "
                    f"types ({', '.join(str(batch.column(c).type) for c in held)}): {exc}"
                ) from exc
        arrays.append(first)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def _gathered(batches: list[pa.RecordBatch]) -> pa.Table:
    """``batches`` as one table; a CSV column widened midway (:meth:`Source._file_batches`: int64
    batches, then float64 ones) is float64 in all of them."""
    import pyarrow as pa

    if all(b.schema.equals(batches[0].schema) for b in batches[1:]):
        return pa.Table.from_batches(batches)
    return pa.concat_tables([pa.Table.from_batches([b]) for b in batches], promote_options="permissive")


@dataclass
class StreamingRun:
    """What :func:`detect_sources` computed: the verdict, both states, the row samples (when
    asked for) and facts about the run."""

    result: engine.DriftResult
    reference: DriftState
    current: DriftState
    reference_sample: RowSample | None
    current_sample: RowSample | None
    info: dict[str, Any]


def default_columns(reference: Source, current: Source, exclude: Sequence[str] = (),
                    sources: dict[str, tuple[str, ...]] | None = None) -> list[str]:  # fmt: skip
    """Every column of the reference, except reserved ones, hive partition keys (layout, not
    data: name them in ``columns`` to compare them) and ``exclude``; a reference column the
    current source lacks is refused (:func:`ctloop.drift.engine.shared_columns`). ``sources``:
    the current side is an inference log whose features are read from other columns
    (:func:`ctloop.drift.engine.log_sources`; a feature named like a partition key is one)."""
    sources = sources or {}
    read = {n for n, held in sources.items() if held}
    skip = set(exclude) | set(RESERVED_TRAINING) | set(reference.partition_keys) | (set(
        current.partition_keys) - read)
    have = engine.log_view(current.columns, sources) if sources else list(current.columns)
    return engine.shared_columns(list(reference.columns), have, skip=skip,
                                 reference=f"the reference data ({reference.uri})",
                                 current=f"the current data ({current.uri})",
                                 log_columns=current.columns if sources else None)  # fmt: skip


def _log_rows(filter: Any, source: Source) -> Any:
    """``filter`` for ``source``, which leaves out an inference log's calls of no instance (an
    empty batch stored as ``instance`` -1: no row for ``read_log``), as the memory engine's
    ``ctloop drift`` leaves them out (:func:`ctloop.inference_log.reader.no_instance_filter`)."""
    from ctloop.inference_log.reader import no_instance_filter

    log = no_instance_filter(source.columns, {f.name: f.type for f in source.schema})
    if log is None:
        return filter
    return log if filter is None else filter & log


def detect_sources(reference: str | Sequence[str] | Source, current: str | Sequence[str] | Source,
                   *, columns: Sequence[str] | None = None, exclude: Sequence[str] = (),
                   filter: Any = None, batch_rows: int = DEFAULT_BATCH_ROWS,
                   sketch_size: int = DEFAULT_SKETCH_SIZE,
                   max_categories: int = DEFAULT_MAX_CATEGORIES, sample_size: int = 0,
                   seed: int = 0, progress: Callable[[str, ScanProgress], None] | None = None,
                   check_rows: Callable[[int, int], None] | None = None,
                   **options: Any) -> StreamingRun:  # fmt: skip
    """Drift between two sources in bounded memory: one pass per side, a second pass over the
    numeric columns whose binned method needs exact Sturges histograms (:func:`refine_plan`),
    then :func:`compare`. ``options`` are :func:`compare`'s (``drift_share``, ``method``, ...).
    ``progress(label, ScanProgress)`` is called after every batch. ``check_rows(reference
    rows, current rows)`` is called after the first pass, before anything is compared (the CLI's
    ``--min-rows`` refusal, as the memory engine refuses before comparing)."""
    _check_budgets(sketch_size, max_categories)  # before either side is opened (listed, on an object store)
    started = time.monotonic()
    ref_src = csv_as_pandas_reads(csv_timestamps_as_text(reference if isinstance(reference, Source)
                                                         else open_source(reference)))
    cur_src = csv_as_pandas_reads(csv_timestamps_as_text(current if isinstance(current, Source)
                                                         else open_source(current)))
    # every file's columns, not only the first's (a column a later file adds is compared too);
    # their types are checked by check_side, for the compared columns only (not an excluded one)
    ref_src = _every_column(ref_src, f"the reference data ({ref_src.uri})", ())
    cur_src = _every_column(cur_src, f"the current data ({cur_src.uri})", ())
    time_column = options.get("time_column") or None
    sources: dict[str, tuple[str, ...]] = {}
    if engine.is_inference_log(cur_src.columns) and not engine.is_inference_log(ref_src.columns):
        # a training table against an inference log: a feature named like a column the sink fills
        # itself (a prediction, a request header, an identity column) is read from input_<name>
        wanted = columns if columns is not None else [c for c in ref_src.columns if c not in ref_src.partition_keys]
        sources = engine.log_sources([c for c in wanted if c != time_column], cur_src.columns,
                                     layout=cur_src.partition_keys)  # fmt: skip
    refuse_headerless(columns, ref_src, cur_src)
    if columns is None:
        columns = default_columns(ref_src, cur_src, [*exclude, *([time_column] if time_column else [])], sources)
    columns = list(columns)
    engine.check_options(columns=columns, reference_columns=ref_src.columns,
                         current_columns=engine.log_view(cur_src.columns, sources) if sources else cur_src.columns,
                         **{k: v for k, v in options.items() if k != "columns"})  # fmt: skip
    ref_src = check_side(ref_src, columns, f"the reference data ({ref_src.uri})")
    cur_src = check_side(cur_src, engine.source_columns(columns, sources), f"the current data ({cur_src.uri})")
    samples = [RowSample(sample_size, seed, 0), RowSample(sample_size, seed, 1)] if sample_size else [None, None]
    ref_filter, cur_filter = (_log_rows(filter, src) for src in (ref_src, cur_src))
    states = []
    for label, src, sample, read, kept in (("reference", ref_src, samples[0], None, ref_filter),
                                           ("current", cur_src, samples[1], sources, cur_filter)):  # fmt: skip
        report = (lambda info, label=label: progress(label, info)) if progress else None
        states.append(state_of(src, columns, filter=kept, batch_rows=batch_rows,
                               sketch_size=sketch_size, max_categories=max_categories,
                               sample=sample, progress=report, sources=read))  # fmt: skip
    ref_state, cur_state = states
    if check_rows is not None:
        check_rows(ref_state.rows, cur_state.rows)
    passes = 1
    plan = refine_plan(ref_state, cur_state, columns=columns, **options)
    if plan:
        passes = 2
        for label, src, state, read, kept in (("reference", ref_src, ref_state, None, ref_filter),
                                               ("current", cur_src, cur_state, sources, cur_filter)):  # fmt: skip
            report = (lambda info, label=label: progress(f"{label} (2nd pass)", info)) if progress else None
            second = state_of(src, list(plan), filter=kept, batch_rows=batch_rows,
                              sketch_size=MIN_BUDGET, max_categories=MIN_BUDGET, bins=plan,
                              progress=report, sources=read)  # fmt: skip
            add_histograms(state, second)
    time_dtype = None
    if time_column is not None:
        side = ref_src if time_column in ref_src.columns else cur_src
        time_dtype = pandas_dtype(side.schema, time_column) if time_column in side.columns else None
    result = compare(ref_state, cur_state, columns=columns, time_column_dtype=time_dtype, **options)
    info = {
        "engine": ENGINE,
        "sketch_size": sketch_size,
        "max_categories": max_categories,
        "batch_rows": batch_rows,
        "passes": passes,
        "second_pass_columns": sorted(plan),
        "approximate_columns": [c.column for c in result.columns if c.approximate],
        "state_bytes": ref_state.nbytes() + cur_state.nbytes(),
        "seconds": round(time.monotonic() - started, 3),
        "reference": {"uri": ref_src.uri, "files": len(ref_src.files), "rows": ref_state.rows},
        "current": {"uri": cur_src.uri, "files": len(cur_src.files), "rows": cur_state.rows},
    }
    return StreamingRun(result, ref_state, cur_state, samples[0], samples[1], info)


__all__ = [
    "DEFAULT_BATCH_ROWS",
    "ENGINES",
    "MEMORY_CELLS",
    "MAX_CATEGORIES",
    "MAX_SKETCH_SIZE",
    "DEFAULT_MAX_CATEGORIES",
    "DEFAULT_SKETCH_SIZE",
    "ENGINE",
    "ColumnState",
    "DriftState",
    "RowSample",
    "ScanProgress",
    "Source",
    "StreamingRun",
    "add_histograms",
    "as_pandas",
    "choose_engine",
    "column_name",
    "saved_name",
    "compare",
    "csv_timestamps_as_text",
    "csv_as_pandas_reads",
    "pandas_text_cell",
    "default_columns",
    "detect_sources",
    "is_single_file",
    "open_source",
    "check_side",
    "read_frame",
    "read_side",
    "refine_plan",
    "refuse_late_text",
    "scan",
    "state_of",
]

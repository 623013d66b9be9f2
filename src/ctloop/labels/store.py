"""The label store: ground truth appended as Parquet, keyed by the inference log's join key.

Labels are appended under ``<store>/labels/part-<ingest time>-<uuid>.parquet`` (read in ingest
order, :func:`ingest_order`: of two labels for the same key with the same ``label_time`` the later
ingest wins) with columns ``<key>``, optional
``instance``, ``label`` and ``label_time``. ``<key>`` is the join key with the inference log and
keeps its name: ``request_id`` (KServe's ``ce-id``) or a business key carried in a metadata header
(``meta_x_order_id``, see docs/inference-log.md). A store holds one key: the first ingest records
it in ``<store>/labels/_ctloop_labels.json`` and an ingest with another key is refused (use one
store per key). Keys are always **strings** on both sides of the join: a key read from CSV is read
as written (``00123`` stays ``00123``, ``NA`` stays ``NA``: only an empty cell is missing), a numeric key from Parquet becomes its decimal text (``1001``,
never ``1001.0``; ``0.00001``, never ``1e-05``: :func:`float_key`; uint64 keys every digit; float keys beyond 2**53, which may have been rounded,
are refused), so labels join ``meta_*`` columns (strings) whatever the file format.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from ctloop.columns import INSTANCE, LABEL, LABEL_TIME
from ctloop.contract import blank_labels, row_said, shown_value
from ctloop.errors import ConfigError, DataSourceError, DataValidationError
from ctloop.metrics import LARGEST_VALUE

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

LABEL_COLUMNS = (LABEL, LABEL_TIME)
STORE_MANIFEST = "_ctloop_labels.json"
INSTANCE_LIMIT = 2**24  # instances are indexed as float32 (labels.join), exact below this
BATCH_ROWS = 50_000  # rows of a label file read and checked at a time (~1 MiB a 1,000)
# how far ahead of the ingesting machine's clock a label_time may be (clocks of label producers drift);
# a later one is refused: it would win over every correction of its key ingested before that time
FUTURE_SKEW = "1h"
# the label_time as given (ns), beside the time stored (a time ahead of the clock is stored as the
# clock's): a file's rows of one key are compared by it, never written to the store
_GIVEN = "_ctloop_given_time"


def decimal_key(value: Decimal) -> str:
    """A decimal id (a Parquet DECIMAL: a warehouse's NUMERIC(12,2) or NUMBER(38,0) export) as a
    join key, exactly: ``1001.00`` → ``"1001"`` (as the integer and the float ``1001.0`` key),
    ``1001.50`` → ``"1001.5"``, ``0.000001`` → ``"0.000001"``; batch scoring's ids
    (``ctloop.scoring.id_keys``) and the label store key decimals with this one function."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def normalise_keys(values: pd.Series) -> pd.Series:
    """Join keys as text: ``1001``, ``1001.0`` and ``"1001"`` all become ``"1001"`` (every integer,
    uint64 and whole floats beyond int64 too, exactly as its decimal digits; decimals by
    :func:`decimal_key`); surrounding spaces are dropped; text is in Unicode's composed form (NFC)
    and UUIDs are lower case (:func:`_lower_uuids`); missing values and blank text (``""``, spaces) are missing (they never
    match). Vectorised for the
    common column types (one type per column), value by value for mixed columns."""
    import pandas as pd

    s = pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):  # a Parquet dictionary column as its values: a category column
        kind = s.cat.categories.dtype  # of one key failed below ("does not support reduction 'all'")
        codes = s.cat.codes.to_numpy()
        if kind.kind in "iu" and (codes < 0).any():  # integers with a gap: nullable, the gap kept (int64 has none)
            values = pd.array(s.cat.categories.to_numpy(), dtype="UInt64" if kind.kind == "u" else "Int64")
            s = pd.Series(values.take(codes, allow_fill=True), index=s.index, name=s.name)
        else:
            s = s.astype(kind)
    if pd.api.types.is_bool_dtype(s):
        return s.map({True: "true", False: "false"}).astype("string")
    if pd.api.types.is_unsigned_integer_dtype(s):  # uint64 beyond int64: every digit kept
        return s.astype("UInt64").astype("string")
    if pd.api.types.is_integer_dtype(s):
        return s.astype("Int64").astype("string")
    if pd.api.types.is_float_dtype(s):
        integral = s.notna() & (s % 1 == 0)
        out = s.astype("string")
        tiny = s.notna() & ~integral & (s.abs() < 1e-4)  # the only floats str() writes with an exponent
        if tiny.any():
            small_ones = s[tiny]  # as numpy scalars: a float32 keyed by its own shortest digits
            out[tiny] = pd.Series([float_key(v) for v in small_ones.to_numpy()], index=small_ones.index, dtype="string")
        small = integral & (s.astype("float64").abs() < 2.0**63)  # float16 cannot hold 2**63
        out[small] = s[small].astype("int64").astype("string")
        big = integral & ~small  # whole floats from 2**63 up: the integer they hold exactly, no overflow
        if big.any():
            out[big] = s[big].map(lambda v: str(int(v))).astype("string")
        return out
    if pd.api.types.is_string_dtype(s) and s.map(lambda v: isinstance(v, str) or v is None or v is pd.NA
                                                  or (isinstance(v, float) and v != v)).all():
        text = s.astype("string").str.strip()
        text = text.mask(text == "", pd.NA)
        return _lower_uuids(text)

    def one(v):
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return pd.NA
        if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
            v = v.item()
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, float):
            return float_key(v)
        if isinstance(v, Decimal):
            return decimal_key(v) if v.is_finite() else pd.NA
        return str(v).strip() or pd.NA  # a blank key is no key; text as written (review revC #3)

    return _lower_uuids(pd.Series([one(v) for v in s], index=s.index, dtype="string"))


def float_key(value: float) -> str:
    """A non-integral float id as a join key: its shortest round-trip digits written positionally,
    as the same id's decimal text (:func:`decimal_key`): ``1e-05`` → ``"0.00001"``. Before round 40
    ``str()`` keyed floats below 1e-4 with an exponent (``"1e-05"``), which no text id matched."""
    import numpy as np

    return np.format_float_positional(value, unique=True, trim="-")


# what str() made of a float below 1e-4 (keys of label files written before round 40: old_float_keys)
_FLOAT_REPR = re.compile(r"-?[1-9](?:\.[0-9]+)?e-[0-9]{2,3}")


def _old_float_key(text: str) -> str:
    """``text`` as :func:`float_key` writes it when it is exactly ``str()`` of a float below 1e-4
    (``"1e-05"``: how such keys were written before round 40), else as it is (``"1e-5"``, ``"1E-05"``)."""
    if _FLOAT_REPR.fullmatch(text):
        value = float(text)
        if repr(value) == text:
            return float_key(value)
    return text


def old_float_keys(keys: pd.Series) -> pd.Series:
    """The keys of a label file written before round 40 (no :data:`KEYS_FORMAT` marker,
    :func:`positional_keys`), where ``str()`` of a float id below 1e-4 was stored (``"1e-05"``):
    such exact reprs as :func:`float_key` writes them (``"0.00001"``), every other key as it is. Only
    for such files: a text key is never rewritten (``"1e-05"`` and ``"0.00001"`` are two ids)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pd.api.types.is_string_dtype(keys) or keys.dtype == object) or not len(keys):
        return keys
    try:
        arrow = pa.array(keys, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: the ingest wrote text keys only
        return keys
    old = pc.match_substring(arrow, "e-").to_numpy(zero_copy_only=False)
    old = old == True  # noqa: E712 - nulls (None) are no match
    if not old.any():
        return keys
    keys = keys.copy()
    keys[old] = keys[old].map(_old_float_key)
    return keys


# the Parquet metadata every label file this version writes carries: its float keys are positional
# (:func:`float_key`) and its text keys as written; a file without it was written before round 40
KEYS_FORMAT = (b"ctloop.label_keys", b"2")


def positional_keys(schema) -> bool:
    """Whether a label file (its Arrow schema) was written with :data:`KEYS_FORMAT`."""
    return (schema.metadata or {}).get(KEYS_FORMAT[0]) == KEYS_FORMAT[1]


def _marked(schema):
    """``schema`` with the :data:`KEYS_FORMAT` marker."""
    return schema.with_metadata({**(schema.metadata or {}), KEYS_FORMAT[0]: KEYS_FORMAT[1]})


_UUID = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"


def _lower_uuids(keys: pd.Series, text=None) -> pd.Series:
    """Text keys in Unicode's composed form (NFC), and UUID keys in lower case. KServe's agent names an event without a ``Ce-Id`` by a new UUID in
    lower case (``getOrCreateID``, ``pkg/logger/handler.go`` at v0.20.0, google/uuid), while label
    sources often write them in upper case (SQL Server's uniqueidentifier); RFC 9562 §4 reads hex
    digits case-insensitively. Other keys are kept as they are (an order id is case-sensitive)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if text is None:  # keys as Arrow strings (given when already made)
        text = pa.array(keys, type=pa.string(), from_pandas=True)
    if len(text) and not pc.all(pc.string_is_ascii(text)).as_py():
        # text in Unicode's composed form (NFC), as class labels are read (realized.as_classes): an id
        # a macOS export or a label tool wrote decomposed ('Zoe' + U+0308) is the log's 'Zoë'. By
        # Python's unicodedata, value by value (only keys with a non-ASCII character): pyarrow 25's
        # utf8_normalize returned 'e' + U+0308 unchanged in every form
        import unicodedata

        other = pc.invert(pc.string_is_ascii(text)).to_numpy(zero_copy_only=False)
        other = other == True  # noqa: E712 - nulls are no key to compose
        values = keys.to_numpy(dtype=object, na_value=None).copy()
        values[other] = [unicodedata.normalize("NFC", v) for v in values[other]]
        keys = pd.Series(values, index=keys.index, dtype="string")
        text = pa.array(keys, type=pa.string(), from_pandas=True)
    upper = pc.and_kleene(pc.match_substring_regex(text, "[A-F]"), pc.match_substring_regex(text, _UUID))
    if not pc.any(upper).as_py():  # the usual case: nothing to change, no copy back
        return keys
    lowered = pc.if_else(upper, pc.utf8_lower(text), text)
    return pd.Series(lowered.to_pandas(), index=keys.index).astype("string")


HASH_KEYS = ("0123456789123456", "ctloop-labels-h2")  # pandas' default SipHash key, and a second one
_GOLDEN = 0x9E3779B97F4A7C15


def key_hashes(keys: pd.Series) -> np.ndarray:
    """64-bit hashes of normalised keys (:func:`ctloop.labels.store.normalise_keys`)."""
    import numpy as np
    import pandas as pd

    return pd.util.hash_pandas_object(keys.astype("string"), index=False).to_numpy(dtype=np.uint64)


def key_pairs(keys: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Two independent 64-bit hashes of normalised keys (the first is :func:`key_hashes`)."""
    import numpy as np
    import pandas as pd

    text = keys.astype("string")
    h1, h2 = (pd.util.hash_pandas_object(text, index=False, hash_key=k).to_numpy(dtype=np.uint64)
              for k in HASH_KEYS)
    return h1, h2


def _splitmix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection of uint64 that scatters nearby values."""
    import numpy as np

    z = x * np.uint64(_GOLDEN)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def entry_ids(h1: np.ndarray, h2: np.ndarray, instance: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The identity of (key, instance) from the key's hashes: each word XORed with a different
    bijective mix of the instance (distinct instances of one key never collide); the key's
    hashes themselves when there is no instance."""
    import numpy as np

    if instance is None:
        return h1, h2
    i = np.asarray(instance, dtype=np.int64).astype(np.uint64)
    return h1 ^ _splitmix(i + np.uint64(1)), h2 ^ _splitmix(i ^ np.uint64(_GOLDEN))


def _inexact_keys(values: pd.Series) -> pd.Series:
    """The float keys from 2**53 up (a float cannot tell such integers apart: 2**53 + 1 reads as
    2**53, so 2**53 itself may be a rounded id; before round 48 it was taken), each as written; in a
    32- or 16-bit float column (a Parquet ``float``/``halffloat`` key column) from 2**24 or 2**11 up
    (16777217 is stored as 16777216)."""
    import numpy as np
    import pandas as pd

    kind = getattr(values.dtype, "numpy_dtype", values.dtype)
    if isinstance(kind, np.dtype) and kind.kind == "f":  # at the column's own width, NaN never beyond
        with np.errstate(invalid="ignore"):
            beyond = np.abs(values.to_numpy(dtype=kind, na_value=np.nan)) >= _exact_limit(kind)
        return values[beyond]
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty", "integer", "boolean"):
        return values.iloc[:0]  # no float in the column (a CSV's keys, read as text): no Python call per key
    floats = values.map(lambda v: isinstance(v, float | np.floating) and abs(v) >= _exact_limit(np.dtype(type(v)))
                        and v == v)
    return values[floats.astype(bool)] if len(values) else pd.Series(dtype=object)


def _float_kind(values: pd.Series) -> np.dtype:
    """The NumPy float type of ``values`` (a float column, or the first of an object column's floats)."""
    import numpy as np

    kind = getattr(values.dtype, "numpy_dtype", values.dtype)
    return kind if isinstance(kind, np.dtype) and kind.kind == "f" else np.dtype(type(values.iloc[0]))


def _width_said(values: pd.Series) -> str:
    kind = _float_kind(values)
    return f" of {8 * kind.itemsize} bits" if kind.itemsize < 8 else ""


def _exact_limit(kind: np.dtype) -> float:
    """The power of two below which a float of ``kind`` holds every integer and nothing else rounds to
    one: 2**53 (64 bits), 2**24 (32), 2**11 (16)."""
    import numpy as np

    return 2.0 ** (np.finfo(kind).nmant + 1)


def label_times(values: pd.Series, *, first: int = 0) -> pd.Series:
    """``label_time`` as UTC timestamps: ISO 8601 text only (no offset means UTC) or a timestamp
    column (Parquet). Anything else is refused naming its first row (1 = the first data row) and
    value (``first``: the 0-based row of the first value, said by ``contract.row_said``), never guessed (a Parquet ``date`` is its ISO text, that day's midnight UTC): epoch numbers (pandas reads ``1700000000`` as nanoseconds, 1970) and
    ``04/12/2026`` (month or day first, decided value by value) would decide which label wins."""
    import pandas as pd

    from ctloop.timeutil import out_of_range

    if isinstance(values.dtype, pd.CategoricalDtype):  # a Parquet dictionary column (pandas category) as its values:
        values = values.astype(values.cat.categories.dtype)  # it failed with "Cannot setitem on a Categorical"
    text = values  # a timestamp column's missing time (NaT) is named as an empty value below
    if pd.api.types.is_datetime64_any_dtype(values):
        times = pd.to_datetime(values, utc=True)
        # a Parquet timestamp read in microseconds (pyarrow) may lie outside pandas' nanoseconds, as ISO
        # text of it is refused below: it failed later in the store, a raw OutOfBoundsDatetime (round 50)
        low, high = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
        beyond = ((times < low) | (times > high)).to_numpy(dtype=bool, na_value=False)
        if beyond.any():
            row = int(beyond.argmax())
            raise DataValidationError([(LABEL_TIME, "time_range", int(beyond.sum()), (
                f"label_time {out_of_range(times.iloc[row].isoformat())}; {row_said(row + first)}: "
                f"{shown_value(str(values.iloc[row]))}"))])
    else:
        text = values.map(lambda v: v.strip() if isinstance(v, str) else v.isoformat()
                          if isinstance(v, date) and not isinstance(v, datetime) else v)
        is_text = text.map(lambda v: isinstance(v, str))
        times = pd.to_datetime(text.where(is_text), utc=True, format="ISO8601", errors="coerce")
        times[~is_text.to_numpy()] = pd.NaT
    bad = times.isna().to_numpy()
    if bad.any():
        row = int(bad.argmax())
        value = values.iloc[row]
        shown = "an empty value" if value is None or value is pd.NA or value != value else shown_value(str(value))
        beyond = out_of_range(text.iloc[row])
        if beyond:  # ISO 8601, but past 2262-04-11 (9999-12-31: "never"), or before 1677
            raise DataValidationError([(LABEL_TIME, "time_range", int(bad.sum()), (
                f"label_time {beyond}; {row_said(row + first)}: {shown}"))])
        raise DataValidationError([(LABEL_TIME, "iso_8601", int(bad.sum()), (
            f"label_time must be an ISO 8601 time, e.g. 2026-01-06T10:00:00Z; {row_said(row + first)}: {shown}"))])
    return times


def detect_key(labels: pd.DataFrame) -> str:
    """The key column of a label frame: the one column besides ``instance``/``label``/``label_time``."""
    keys = [c for c in labels.columns if c not in (*LABEL_COLUMNS, INSTANCE)]
    if len(keys) != 1:
        raise DataValidationError([("*", "one_key", len(labels), (
            f"a label store has exactly one key column besides {INSTANCE}/label/label_time, found {keys}: "
            "ingest each key (request_id, meta_<header>) into its own store"))])
    return keys[0]


def store_key(store_root: str) -> str | None:
    """The key a label store is keyed by (from its manifest); ``None`` for a new store."""
    from ctloop.storage import exists, read_bytes

    manifest = f"{store_root.rstrip('/')}/labels/{STORE_MANIFEST}"
    if not exists(manifest):
        return None
    return _manifest_key(manifest, read_bytes(manifest))


def _manifest_key(manifest: str, data: bytes) -> str:
    """The key the manifest ``manifest`` (its bytes ``data``) records."""
    try:
        key = json.loads(data)["key"]
    except (ValueError, KeyError, TypeError, RecursionError) as exc:  # not JSON (or not UTF-8), not an object, no
        # key; nested past the recursion limit (round 60: a RecursionError traceback)
        raise DataSourceError(f"{manifest} is not a label store manifest ({type(exc).__name__}: {exc}): it "
                              'records the store\'s key, e.g. {"key": "request_id", "format": 1}; restore it') from exc
    if not isinstance(key, str) or not key:
        raise DataSourceError(f"{manifest} is not a label store manifest (key {key!r}): it records the store's "
                              'key, e.g. {"key": "request_id", "format": 1}; restore it')
    return key


def ingest_labels(source_uri: str, store_root: str, *, key: str = "request_id", label: str = "label",
                  batch_rows: int = BATCH_ROWS) -> int:
    """Append the labels of ``source_uri`` (CSV, Parquet or JSON lines: :func:`_json_lines_batches`;
    local or gs://, s3://, az://) to the store; returns rows.

    Columns: ``key`` (required, no missing values), ``label`` (required: the class as the
    model was trained with — ``0``/``1``, ``2``, or text such as ``approved`` — or the target
    value for a regressor), optional ``instance`` (index of the instance within a batched
    request) and ``label_time`` (ISO 8601 or a timestamp column, :func:`label_times`; default:
    now). A label column holding any text is stored as text. A class written with a leading zero
    (``01``, ``007``: :data:`_CODE`) follows the store (:func:`_store_codes`): into a new store its
    file's labels are stored as the text written (and the store is one of such codes); into a store
    of numbers it is its number (``01`` is 1, as a model of numeric classes reads it); and into a
    store of codes, labels written as plain numbers (``10``) are stored as the text written.

    Read and checked in batches of ``batch_rows`` (:func:`_stream_labels`), written to a temporary
    file and committed to the store at the end: memory bounded by a batch and 40 bytes a label
    (their hashes, for the conflicts within the file), not by the file. A file that breaks a rule
    is refused from that one pass (each rule's rows counted, its first row named); the store is
    left as it was.
    """
    if not key or key in (*LABEL_COLUMNS, INSTANCE):
        raise ConfigError(f"label key {key!r} is not a join key: use request_id or a meta_<header> column")
    if label in (key, INSTANCE, LABEL_TIME):
        raise ConfigError(f"label column {label!r} is the {'key' if label == key else label} column: name the "
                          "column that holds the labels (--label-column)")
    _refuse_directory(source_uri)
    known = store_key(store_root)
    if known is not None and known != key:
        fix = f"ingest labels keyed by {key!r} into another store (one key per store)"
        raise ConfigError(f"label store {store_root} is keyed by {known!r}, not {key!r}: {_start_over(store_root, fix)}")
    import shutil
    import tempfile

    tmp = tempfile.mkdtemp(prefix="ctloop-labels-")

    def stage(known: str | None, codes: bool | None) -> tuple[int, bool] | None:
        """The file read and staged (the store is written by _commit alone), or None: read it whole."""
        from ctloop.storage import memory_said

        with memory_said(source_uri, fix=MEMORY_FIX):
            try:
                return _stream_labels(source_uri, store_root, key, label, known, f"{tmp}/labels.parquet",
                                      batch_rows, codes=codes)
            except _Broken:  # a file the batches cannot read as the whole file is read
                if not is_json_lines(source_uri):
                    return None
                # JSON lines (no whole read): a code after numbers written as strings, read again as codes
                return _stream_labels(source_uri, store_root, key, label, known, f"{tmp}/labels.parquet",
                                      batch_rows, codes=True)

    def stage_and_commit(known: str | None, codes: bool | None) -> int:
        if (read := stage(known, codes)) is None:
            return _ingest_whole(source_uri, store_root, key, label, known, codes)  # says its own memory running out
        staged, coded = read
        if not staged:
            return 0
        _commit(store_root, key, known, f"{tmp}/labels.parquet", coded, source=source_uri, rows=staged)
        return staged

    try:
        try:
            return stage_and_commit(known, None if known is None else _store_codes(store_root))
        except _Restage as lost:  # another first ingest made the store a moment ago: read the file as it reads
            return stage_and_commit(key, lost.codes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


MEMORY_FIX = "give the process more memory, or split the labels into several files and ingest them one by one"
"""What a label file that does not fit in memory is told (``storage.memory_said``): the ingest reads one file."""


def _refuse_directory(source_uri: str) -> None:
    """Refuse a directory of label files (a local one, or an object-store prefix written with its '/';
    Spark's part files) in one line saying so: the ingest reads one file, its rules (one label per
    entry, rows named by number) that file's. Before, such a directory was "cannot tell the format of
    'labels' from its name" (or, named ``labels.parquet``, "is a directory, expected a file")."""
    from ctloop.storage import directory_parts, is_remote

    if is_remote(source_uri) and not source_uri.endswith("/"):
        try:  # a name without its '/' and a label file's extension: an object, or a prefix the read names
            _format(source_uri)
            return
        except ConfigError:  # no label file's name ("cannot tell the format"): a prefix of parts? listed
            pass  # once, on this path only (before, s3://b/labels of Spark's parts was "cannot tell the format")
    parts = directory_parts(source_uri)
    if parts:
        below = parts[0][len(source_uri.rstrip("/")):].lstrip("/")
        raise ConfigError(f"{source_uri} is a directory of {len(parts)} file(s) (e.g. {below}): the label ingest "
                          "reads one file (CSV, Parquet or JSON lines); ingest its files one by one, or write the "
                          "labels as one file (Spark: coalesce(1))")


def _ingest_whole(source_uri: str, store_root: str, key: str, label: str, known: str | None,
                  codes: bool | None = None) -> int:
    """:func:`ingest_labels` of the whole file read at once (pandas): only for what the batches
    cannot read alike (:class:`_Broken`: a CSV header longer than 64 KiB, True/False labels in one
    batch and names in another); the rules are :func:`_check_frame`'s, as for the batches; ``codes``
    as :func:`_store_codes` says."""
    from ctloop import storage
    from ctloop.storage import memory_said, table_format

    # memory running out while the file is read and checked is said as reading it; while the store is written
    # (_commit: a manifest, the staged file copied or, to an object store, read into memory) it is not (review
    # 59 M4: it was said "ran out while reading" the file, read already)
    with memory_said(source_uri, fix=MEMORY_FIX):
        try:
            frame = storage.read_table(source_uri, text_columns=(key,))
            if table_format(source_uri) == "csv" and key in frame.columns:
                frame[key] = _csv_keys_as_written(source_uri, key, len(frame))
            if table_format(source_uri) == "csv" and label in frame.columns and label != key and codes is not False:
                frame[label] = _codes_as_written(frame[label], _csv_column_as_written(source_uri, label),
                                                 bool(codes))[0]
        except EOFError as exc:  # a gzip stream cut short (an interrupted upload): read_table lets it through
            raise DataSourceError(f"{source_uri} is not a readable {table_format(source_uri)} file: {exc}") from exc
        tally = _Tally(source_uri, key, label, codes)
        out = tally.check(frame)
    tally.raise_broken()
    if LABEL_TIME in out.columns and (out[LABEL_TIME] != "").all():
        _refuse_conflicts(out, key)
        out = _latest_given(out, key)
    else:  # no time given: the file's order is the only order there is; its later row wins
        out = out.drop(columns=[_GIVEN], errors="ignore")
        out[LABEL_TIME] = tally.now
        out = out.drop_duplicates([key, *([INSTANCE] if INSTANCE in out.columns else [])], keep="last")
    if not len(out):  # a header-only file: nothing to append, no empty part file
        return 0
    if known is not None:
        _refuse_other_kind(store_root, out[LABEL])
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="ctloop-labels-") as tmp:
        table = pa.Table.from_pandas(out, preserve_index=False)
        pq.write_table(table.replace_schema_metadata(_marked(table.schema).metadata), f"{tmp}/labels.parquet")
        _commit(store_root, key, known, f"{tmp}/labels.parquet", bool(tally.codes[0]), source=source_uri,
                rows=len(out))
    return len(out)


class _Restage(Exception):
    """Another first ingest made the store a moment ago (:func:`_commit`) and its store reads
    numbers written as text otherwise than this file was staged (``codes``: :func:`_store_codes`):
    a store of numbers reads '01' as 1, a store of codes '10' as the text '10'. The file is staged
    once more as that store reads it, as if it came second, instead of refused by chance."""

    def __init__(self, codes: bool) -> None:
        super().__init__(codes)
        self.codes = codes


class _Broken(Exception):
    """Something the batches cannot read as the whole file is read (see :func:`_ingest_whole`)."""


def _as_read(frame: pd.DataFrame, first: int) -> pd.DataFrame:
    """A batch as the rules see it: a Parquet file's pandas index as columns, rows indexed by their
    position in the file (0 = its first row; ``first`` is the batch's)."""
    import pandas as pd

    named = [n for n in frame.index.names if n is not None]
    if named and not set(named) & set(frame.columns):  # a Parquet file written with its key as pandas' index
        frame = frame.reset_index(level=named)
    frame = frame.reset_index(drop=True)
    frame.index = pd.RangeIndex(first, first + len(frame))
    return frame


# a text label written with a leading zero: a class code ('01', '007', '-01'), never a number's text ('0',
# '0.5'): the labels of a file holding one are stored as the text written (:meth:`_Tally.check`)
_CODE = r"^\s*[+-]?0[0-9]"

# the rules of the keys, labels and instances, in the order a refusal names them
_RULE_ORDER = ("exact_key", "non_null key", "logged_key", "non_null label", "one_kind", "finite", "non_negative_int")
_TIME_RULE_ORDER = ("time_range", "iso_8601", "not_future")  # label_time's, as label_times then _future raise them


class _Tally:
    """The rules a label file breaks, gathered frame by frame (the whole file, or its batches in
    order: one pass): rows of a rule summed over the frames, its first row named. The refusal is
    the first kind of rule broken, as the whole file's checks raise them: a column missing, nested
    or bytes values; then keys, labels and instances; then label_time."""

    def __init__(self, source_uri: str, key: str, label: str, codes: bool | None = None):
        import pandas as pd

        self.uri, self.key, self.label = source_uri, key, label
        self.rows = 0
        self.first: dict[str, list] = {}  # column missing / nested / bytes: (column, rule) -> violation
        self.rules: dict[str, list] = {}  # _RULE_ORDER name -> violation
        self.times: dict[str, list] = {}  # label_time
        self.numbers = 0  # labels read as numbers (not True/False)
        self.written = 0  # of those, the numbers written as text (a CSV's, a string column's)
        self.csv = not is_json_lines(source_uri) and _format(source_uri) == "csv"
        self.codes: list = [0, None, None]  # text classes with a leading zero ('01', '007': _CODE)
        # codes known before the first row (a second pass of a JSON lines file, a store of codes:
        # every label written as text is a name), or never codes (False: a store of numbers, '01' is 1)
        self.coded, self.plain = bool(codes), codes is False
        self.text: list = [0, None, None]  # labels read as text: rows, first row, its value
        self.bools: list = [0, None, None]  # read as True/False (a batch of only those)
        self.huge: list = [0, None, None]  # numbers beyond LARGEST_VALUE
        self.clock = pd.Timestamp.now("UTC")  # the ingest's time: what a file without label_time is given
        self.now = self.clock.isoformat()
        self.latest = self.clock + pd.Timedelta(FUTURE_SKEW)  # a later label_time is refused

    @staticmethod
    def _add(into: dict, name: str, violation: tuple) -> None:
        if name in into:
            into[name][2] += violation[2]
        else:
            into[name] = list(violation)

    @staticmethod
    def _first(into: list, where, values, first: int) -> None:
        """Count the rows ``where`` into ``into`` ([rows, first row, its value]), the first kept."""
        if not where.any():
            return
        if into[1] is None:
            row = int(where.argmax())
            into[1:] = [first + row, values.iloc[row]]  # 0-based, said by row_said
        into[0] += int(where.sum())

    def _texts(self) -> list:
        """The labels the whole file reads as text: True/False beside numbers or names are their text."""
        if not self.bools[0] or not (self.numbers or self.text[0]):
            return self.text
        shown = min((self.text, self.bools), key=lambda t: t[1] if t[1] is not None else float("inf"))
        return [self.text[0] + self.bools[0], *shown[1:]]

    def names(self) -> bool:
        """Whether the labels are names (text), as far as read."""
        return bool(self.text[0] and not self.numbers and not self.bools[0])

    def _recoded(self) -> bool:
        """A code (``'01'``) after batches whose labels, all numbers written as text, were read as
        numbers: the whole file reads every label as the text written."""
        return bool(self.codes[0] and self.numbers and self.numbers == self.written)

    def whole(self) -> bool:
        """True/False labels in one batch and names in another: the whole file reads both as names
        (the batches wrote the first as numbers); or a code in a batch after numbers written as text
        (:meth:`_recoded`): :func:`_ingest_whole` stores them."""
        return bool(self.bools[0] and self.text[0] and not self.numbers) or self._recoded()

    def broken(self) -> bool:
        return bool(self.first or self.rules or self.times
                    or (self._texts()[0] and self.numbers and not self._recoded())
                    or (self.huge[0] and not self.text[0]))

    def violations(self) -> list[tuple]:
        if self.first:
            return [tuple(next(iter(self.first.values())))]
        found = dict(self.rules)
        col = self.label
        texts = self._texts()
        if texts[0] and self.numbers:
            found["one_kind"] = [col, "one_kind", texts[0], f"labels mix numbers and text (e.g. {shown_value(texts[2])}): "
                                 "give every label as the model's class, all numbers or all names"]
        elif self.huge[0] and not self.text[0]:
            found["finite"] = [col, "finite", self.huge[0], f"labels must be finite numbers within ±{LARGEST_VALUE:g} "
                               f"(a class or a regressor's target: metrics square them); {row_said(self.huge[1])}: "
                               f"{shown_value(_plain(self.huge[2]))}"]
        if found:
            return [tuple(found[n]) for n in _RULE_ORDER if n in found]
        # the whole file's order: label_times refuses text that is no time before any is compared to
        # the clock, so a batch's not_future never hides a later batch's unreadable time
        return [tuple(self.times[n]) for n in _TIME_RULE_ORDER if n in self.times][:1]

    def raise_broken(self) -> None:
        if self.broken():
            raise DataValidationError(self.violations())
        if self.whole():
            raise _Broken

    def _future(self, times: pd.Series, written: pd.Series, first: int) -> None:
        """Count the label_times later than :data:`FUTURE_SKEW` past the clock: such a label would
        replace every label of its key ingested until that time (a correction, acknowledged, would
        never be joined)."""
        late = (times > self.latest).to_numpy()
        if late.any():
            row = int(late.argmax())
            self._add(self.times, "not_future", (LABEL_TIME, "not_future", int(late.sum()), (
                f"label_time is later than now ({self.now[:19]}Z) by more than {FUTURE_SKEW}: a label's time is when "
                "its outcome was known, and a later one would win over every correction ingested before it (a "
                f"local time without its offset? write it in UTC or with one); {row_said(first + row)}: "
                f"{shown_value(str(written.iloc[row]))}")))

    def check(self, frame: pd.DataFrame) -> pd.DataFrame | None:
        """Check the next rows of the file (``frame`` as read); the rows as stored (``key``,
        [``instance``], ``label``, ``label_time``: ``""`` when the file gives none), or ``None``
        when these rows break a rule (:meth:`raise_broken` names it)."""
        import numpy as np
        import pandas as pd

        first = self.rows
        frame = _as_read(frame, first)
        self.rows += len(frame)
        key, label = self.key, self.label
        for col in (key, label):
            if col not in frame.columns:
                held = "" if self.rows else ", which holds no rows"  # a header-only file: no count of rows
                self._add(self.first, "required", (col, "required", len(frame), (
                    f"column is missing from {self.uri}{held} ({columns_said(frame.columns, col)})")))
                return None
        if not first:  # the header, once
            _refuse_alike_header(self.uri, list(frame.columns), (key, label, INSTANCE, LABEL_TIME))
        cols = [key, label, *(c for c in (INSTANCE, LABEL_TIME) if c in frame.columns)]
        try:
            _refuse_nested(frame, cols)
            frame = _bytes_as_text(frame, key, cols)
        except DataValidationError as exc:
            col, rule, *_ = exc.violations[0]
            self._add(self.first, f"{col} {rule}", exc.violations[0])
            return None
        times = _time_labels(frame[label])
        if times and not self.rows:  # a file of no rows (its one empty batch): no label to count, the type said
            raise DataSourceError(f"{self.uri}: column {label!r} holds {times} (its Parquet type; the file has no rows), "
                                  f"not a class or a regressor's target: {_TIME_LABEL_HINT}")
        if times:
            times = (f"labels are {times}{_time_example(frame[label])}, not a class or a regressor's target: "
                     f"{_TIME_LABEL_HINT}")
            self._add(self.first, f"{label} class_or_target", (label, "class_or_target", len(frame), times))
            return None
        before = self.broken()
        inexact = _inexact_keys(frame[key])
        if len(inexact):
            self._add(self.rules, "exact_key", (key, "exact_key", len(inexact), (
                f"key {float(inexact.iloc[0])!r} is a float{_width_said(inexact)} from "
                f"2**{int(np.log2(_exact_limit(_float_kind(inexact))))} up, whose digits may have been rounded (a label "
                "would join another key): write the keys as integers or text")))
        keys = normalise_keys(frame[key])
        if int(keys.isna().sum()):
            self._add(self.rules, "non_null key", (key, "non_null", int(keys.isna().sum()),
                                                   "labels without a key value"))
        from ctloop.inference_log.events import KEY_MAX_BYTES, header_key_column, unloggable_keys

        # the sink's rule of a header key (events.key_fault), on the log's header columns only: a body column
        # (loan_id) is JSON and may hold anything; a column read as numbers holds no such key (review 61 M4, L2)
        read = frame[key].dtype
        if (header_key_column(key) and not (pd.api.types.is_numeric_dtype(read) or pd.api.types.is_bool_dtype(read))
                and (unlogged := unloggable_keys(keys)) is not None):
            count, row, why = unlogged
            self._add(self.rules, "logged_key", (key, "logged_key", count, (
                f"keys no logged {key} can be ({why}): the log's {key} is an HTTP header's value (the request's "
                "ce-id or a metadata header; the sink refuses a structured event's id or metadata breaking this), "
                f"which holds no control character but tab and takes at most {KEY_MAX_BYTES} bytes; "
                f"{row_said(first + row)}: {shown_value(keys.iloc[row], ends=True)}")))
        blank = blank_labels(frame[label])  # '' or spaces: no label yet, as prepare_data and the fit read it
        missing = frame[label].isna() | blank
        if int(missing.sum()):
            self._add(self.rules, "non_null label", (label, "non_null", int(missing.sum()), "labels without a value"
                                                     + (" (blank text)" if blank.any() else "")))
        values = pd.to_numeric(frame[label], errors="coerce")
        as_text = (frame[label].map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
                   if frame[label].dtype == object or isinstance(frame[label].dtype, pd.StringDtype)
                   else np.zeros(len(frame), dtype=bool))
        if as_text.any() and not self.plain:
            code = as_text & values.notna().to_numpy() & frame[label].astype(object).where(
                as_text, "").astype(str).str.match(_CODE).to_numpy(dtype=bool)
            self._first(self.codes, code, frame[label], first)
        if self.codes[0] or self.coded:  # classes written with a leading zero: every label written as text is a name
            values = values.mask(as_text)
        text = (values.isna() & ~missing).to_numpy()
        self._first(self.text, text, frame[label], first)
        if frame[label].dtype.kind == "b":  # True/False: numbers alone, text beside numbers or names
            self._first(self.bools, values.notna().to_numpy(), frame[label].astype(str), first)
        else:
            self.numbers += int(values.notna().sum())
            self.written += int((values.notna().to_numpy() & (as_text | self.csv)).sum())
        self._first(self.huge, values.abs().gt(LARGEST_VALUE).to_numpy(dtype=bool, na_value=False), values, first)
        out = pd.DataFrame({key: keys})
        if INSTANCE in frame.columns:
            column = frame[INSTANCE]
            if column.dtype.kind == "b":  # True/False (a batch of only those): no index, as beside numbers
                column = column.astype(str)
            inst = pd.to_numeric(column, errors="coerce")
            bad = (inst.isna() | (inst < 0) | (inst % 1 != 0) | (inst >= INSTANCE_LIMIT)).to_numpy()
            wrong = int(bad.sum())
            if wrong:
                one = column[bad].iloc[0]
                shown = "an empty value" if pd.isna(one) else shown_value(one.item() if hasattr(one, "item") else one)
                self._add(self.rules, "non_negative_int", (INSTANCE, "non_negative_int", wrong, (
                    "instance must be the 0-based index of the instance within its request, below "
                    f"{INSTANCE_LIMIT} (e.g. {shown})")))
            else:
                out[INSTANCE] = inst.astype("Int64")
        if LABEL_TIME in frame.columns:
            try:
                times = label_times(frame[LABEL_TIME], first=first)
            except DataValidationError as exc:
                self._add(self.times, exc.violations[0][1], exc.violations[0])
            else:
                self._future(times, frame[LABEL_TIME], first)
                # a time ahead of the clock (within FUTURE_SKEW) is stored as the ingest's: a label
                # ingested later, a correction without label_time included, then wins over it; the
                # file's own rows of a key are ordered by the times given (_GIVEN, _superseded)
                out[LABEL_TIME] = times.where(times <= self.clock, self.clock).map(lambda t: t.isoformat())
                out[_GIVEN] = times.to_numpy(dtype="datetime64[ns]").view("int64")
        else:
            out[LABEL_TIME] = ""
        if before or self.broken() or self.whole():
            return None
        if self.names():  # class names such as "approved"
            out.insert(len(out.columns) - 1, LABEL, frame[label].map(lambda v: str(v).strip()).astype(str))
        else:
            out.insert(len(out.columns) - 1, LABEL, values.astype(float))
        return out


_TIME_LABEL_HINT = "is --label-column the column of the outcome? (a time of the outcome is label_time)"


def _refuse_alike_header(source_uri: str, names: list, read: tuple[str, ...], what: str = "column") -> None:
    """Refuse a header naming a column the ingest reads (``read``: the key, label, instance, label_time)
    also as written otherwise, with surrounding spaces or in another Unicode form ('label' and 'label ', a
    spreadsheet export's header: one column to whoever reads the file): the ingest read 'label' and left
    'label ' out silently, and of 'instance ' alone nothing was said (every label stored without its
    instance). The rule of ``ctloop drift`` (:func:`ctloop.contract.alike_names` with ``case=True``: case
    keeps two names apart); a :class:`DataSourceError` naming both headers. ``what``: ``field`` for a JSON
    object's names (:func:`_json_lines_batches`, one rule and wording for both)."""
    from ctloop.contract import alike_names, alike_words, shown_name, written

    text = [n for n in names if isinstance(n, str)]
    for group in alike_names(text, case=True):
        wanted = next((n for n in read if written(n) == written(group[0])), None)
        if wanted is not None:
            export = ", a spreadsheet export's header" if what == "column" else ""
            raise DataSourceError(f"{source_uri}: " + alike_words([group], (
                f"differ only in surrounding spaces or Unicode form (one {what} to a reader{export}): the ingest "
                f"reads {shown_name(wanted)}; rename or drop the other"), of=f"{what}s"))
    for name in text:
        wanted = next((n for n in read if n != name and written(n) == written(name)), None)
        if wanted is not None:  # 'instance ' alone: an optional column, which the ingest would not read
            raise DataSourceError(f"{source_uri}: {what} {shown_name(name)} differs from the {what} read, "
                                  f"{shown_name(wanted)}, only in surrounding spaces or Unicode form: the ingest "
                                  f"reads a {what} named so exactly; rename it")


def columns_said(columns, missing: str | None = None) -> str:
    """``columns: 'a', 'b', ... and N more`` of a label file's ``columns`` (the first ten, as
    :func:`ctloop.contract.shown_names` lists a table's: a 5,000-column file's refusal listed them all until
    round 59), and the one close to the ``missing`` column's name if any (``difflib``): ``; did you mean 'x'?``."""
    import difflib

    from ctloop.contract import shown_names

    names = [str(c) for c in columns]
    close = difflib.get_close_matches(missing, names, n=1) if missing is not None else []
    return f"columns: {shown_names(names)}" + (f"; did you mean {close[0]!r}?" if close else "")


def _time_labels(values: pd.Series) -> str:
    """``"date-times"`` or ``"durations"`` for a label column of them (a Parquet timestamp or duration
    column), which holds no labels, or ``""``: pandas makes them numbers (nanoseconds since 1970;
    microseconds), which were stored as a regressor's targets (2026-01-01 as 1.7672256e+18). A date
    (no time) is its text, as a CSV's ``2026-01-01`` is: a class name."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(values):
        return "date-times"
    if pd.api.types.is_timedelta64_dtype(values):
        return "durations"
    return ""


def _time_example(values: pd.Series) -> str:
    """`` (e.g. '2026-01-01 00:00:00+00:00')``: the first value given, or ``""`` when none is."""
    shown = values.dropna()
    return f" (e.g. {shown_value(str(shown.iloc[0]))})" if len(shown) else ""


def _stream_labels(source_uri: str, store_root: str, key: str, label: str, known: str | None, target: str,
                   batch_rows: int, codes: bool | None = None) -> tuple[int, bool]:
    """The labels of ``source_uri`` checked batch by batch (:class:`_Tally`, the rules of the whole
    file; ``codes`` as :func:`_store_codes` says) and written to the local Parquet file ``target``;
    returns how many, and whether they hold a class written with a leading zero. A broken rule is named
    from this one pass: once one is found the rest of the file is only checked (rows of each rule
    counted), nothing is kept. :class:`_Broken` when the batches cannot tell."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    tally = _Tally(source_uri, key, label, codes)
    seen: tuple[list, ...] = ([], [], [], [], [])  # per batch: the entries' identities, times (stored, given), labels
    writer = None
    rows = 0
    timed = None
    try:
        for batch in _read_batches(source_uri, key, batch_rows, label, codes):
            out = tally.check(batch)
            if out is None or not len(out):  # a rule broken: the rest is only checked, nothing kept
                continue
            has_time = bool(len(out)) and bool((out[LABEL_TIME] != "").all())
            timed = has_time if timed is None else timed
            if has_time:
                stamp = pd.to_datetime(out[LABEL_TIME], utc=True, format="ISO8601").to_numpy(
                    dtype="datetime64[ns]").view(np.int64)
                given = out.pop(_GIVEN).to_numpy(dtype=np.int64)
            else:
                out[LABEL_TIME] = tally.now
                stamp = np.zeros(len(out), dtype=np.int64)
                given = stamp
            h1, h2 = key_pairs(out[key])
            inst = out[INSTANCE].to_numpy(dtype=np.int64) if INSTANCE in out.columns else None
            i1, i2 = entry_ids(h1, h2, inst)
            value = (out[LABEL].to_numpy(dtype=np.float64) if tally.numbers  # names: their hashes
                     else key_hashes(out[LABEL].astype("string")))
            for parts, array in zip(seen, (i1, i2, stamp, given, value), strict=True):
                parts.append(array)
            table = pa.Table.from_pandas(out, preserve_index=False,
                                         schema=None if writer is None else writer.schema)
            if writer is None:
                writer = pq.ParquetWriter(target, _marked(table.schema))
            writer.write_table(table)
            rows += len(out)
    finally:
        if writer is not None:
            writer.close()
    tally.raise_broken()
    if not rows:  # a header-only file
        return 0, False
    i1, i2, stamp, given, value = (_joined(parts) for parts in seen)  # one array at a time: 40 bytes a label
    order = np.lexsort((given, stamp, i2, i1))  # stable: rows of one entry keep the file's order
    i1 = i1[order]  # sorted one by one, each copy replacing its array
    i2 = i2[order]
    stamp = stamp[order]
    given = given[order]
    value = value[order]
    same = (i1[1:] == i1[:-1]) & (i2[1:] == i2[:-1])
    if timed:  # one entry, one time (as given), two labels: refused, naming the rows
        group = same & (stamp[1:] == stamp[:-1]) & (given[1:] == given[:-1])
        clash = group & (value[1:] != value[:-1])
        if bool(clash.any()):
            _refuse_staged_conflicts(target, key, order, group, clash)
        old = _superseded(same & (stamp[1:] == stamp[:-1]), given)
        if old.any():
            keep = np.ones(len(order), dtype=bool)
            keep[order[old]] = False
            rows = _keep_rows(target, keep)
    elif same.any():  # no time: the file's later row of an entry wins
        keep = np.ones(len(order), dtype=bool)
        keep[order[:-1][same]] = False
        rows = _keep_rows(target, keep)
    if known is not None:
        _refuse_other_kind(store_root, pd.Series([_staged_rows(target, [0])[0][LABEL]]), rows=rows)
    return rows, bool(tally.codes[0])


def _superseded(tied, given):
    """Which sorted rows (by entry, stored time, given time) a later given row of their entry at
    the same stored time supersedes (``tied``: a row and the next are one entry at one stored time;
    ``given``: the times given): a time ahead of the clock is stored as the clock's, and of one key's
    labels given 10:05 and 10:10 when the clock read 10:00 the one given 10:10 is the correction. The
    store orders one file's labels of one stored time by its rows, so such an earlier one is not
    stored: it could never be a key's latest label (a label ingested later wins over both)."""
    import numpy as np

    ids = np.concatenate([[0], np.cumsum(~tied)])  # the sorted rows' groups
    ends = np.r_[np.flatnonzero(~tied), len(given) - 1]  # each group's last row: its latest given time
    return given < given[ends][ids]


def _refuse_staged_conflicts(target: str, key: str, order, group, clash) -> None:
    """:func:`_refuse_conflicts` of the staged file ``target`` from its sorted entries (``order``;
    ``group``: a row and the next are one entry at one time; ``clash``: with another label)."""
    import numpy as np

    ids = np.concatenate([[0], np.cumsum(~group)])  # the sorted rows' groups
    bad = np.zeros(ids[-1] + 1, dtype=bool)
    bad[ids[1:][clash]] = True
    rows = order[bad[ids]]  # file positions of the rows of clashing groups
    at = int(rows.min())
    mine = order[ids == ids[np.flatnonzero(order == at)[0]]]
    first, *others = _staged_rows(target, sorted(int(r) for r in mine))
    other = next(r for r in others if r[LABEL] != first[LABEL])
    where = shown_value(first[key]) + (f" instance {first[INSTANCE]}" if INSTANCE in first else "")
    raise DataValidationError([(key, "one_label", len(rows), (
        f"{where} has labels {shown_value(_plain(first[LABEL]))} and {shown_value(_plain(other[LABEL]))} with the "
        "same label_time (rows "
        f"{first['row']} and {other['row']}): give one label per key and time (a correction needs a later "
        "label_time)"))])


def _staged_rows(target: str, positions: list[int]) -> list[dict]:
    """The rows at ``positions`` (0-based, ascending) of the staged file, each with its ``row`` (1-based)."""
    import pyarrow.parquet as pq

    found = []
    at = 0
    with pq.ParquetFile(target) as source:
        for batch in source.iter_batches(BATCH_ROWS):
            for p in positions:
                if at <= p < at + len(batch):
                    found.append({**batch.slice(p - at, 1).to_pylist()[0], "row": p + 1})
            at += len(batch)
    return found


def _joined(parts: list):
    """The concatenation of ``parts`` (emptied on the way: no part outlives the copy)."""
    import numpy as np

    out = np.concatenate(parts)
    parts.clear()
    return out


def _keep_rows(target: str, keep) -> int:
    """Rewrite the Parquet file ``target`` with only its rows where ``keep`` (a batch at a time)."""
    import os

    import pyarrow.parquet as pq

    source = pq.ParquetFile(target)
    tmp = f"{target}.kept"
    at = 0
    with pq.ParquetWriter(tmp, source.schema_arrow) as writer:
        for batch in source.iter_batches(BATCH_ROWS):
            writer.write_batch(batch.filter(keep[at:at + len(batch)]))
            at += len(batch)
    source.close()
    os.replace(tmp, target)
    return int(keep.sum())


def _read_batches(source_uri: str, key: str, batch_rows: int, label: str = "label", codes: bool | None = None):
    """:func:`_source_batches`, a file that cannot be read (cut short, corrupt, not the format its
    name says) named in one line as the whole file's read names it."""
    import zlib

    import pandas as pd
    import pyarrow as pa

    from ctloop.storage import _first_line, exists, read_bytes

    _format(source_uri)  # neither CSV, Parquet nor JSON lines: one line naming the formats
    if not exists(source_uri):  # named as every reader names a missing file (nothing is read)
        read_bytes(source_uri)
    batches = _source_batches(source_uri, key, batch_rows, label, codes)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pd.errors.ParserError, ValueError, OSError, EOFError, zlib.error, pa.ArrowException) as exc:
            raise DataSourceError(f"{source_uri} is not a readable {_format(source_uri)} file: "
                                  f"{_first_line(exc)}") from exc
        yield batch


JSON_LINES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
"""Names of JSON lines label files (one JSON object a line; gzipped or not, told by the bytes)."""


def is_json_lines(uri: str) -> bool:
    """Whether ``uri`` names a JSON lines file (:data:`JSON_LINES`)."""
    from ctloop.storage import parse

    return parse(uri).key.lower().endswith(JSON_LINES)


def _format(uri: str) -> str:
    """The format a label file is read as, for a message: ``csv``, ``parquet`` or ``JSON lines``."""
    from ctloop.storage import parse, table_format

    if is_json_lines(uri):
        return "JSON lines"
    try:
        return table_format(uri)
    except ConfigError as exc:
        json_doc = parse(uri).key.lower().endswith((".json", ".json.gz"))
        raise ConfigError(f"cannot tell the format of {uri!r} from its name: labels are read from CSV (.csv, "
                          ".csv.gz), Parquet (.parquet, .pq) and JSON lines (.jsonl, .ndjson, gzipped .gz)"
                          + ("; a .json file of one JSON object a line is JSON lines: name it .jsonl" if json_doc
                             else "")) from exc


def _json_lines_batches(source_uri: str, key: str, label: str, batch_rows: int):
    """A JSON lines label file (https://jsonlines.org: one JSON object a line, UTF-8; gzipped or
    not, told by its first bytes) ``batch_rows`` objects at a time, as frames of the label
    columns (``key``, ``label``, ``instance``, ``label_time``; the other fields are not kept).
    Values are as JSON gives them: a string key as written, a number key its number (stored as its
    decimal text, as Parquet's); the label's ``true``/``false`` are 1 and 0, an instance's are
    refused as CSV/Parquet refuse them (:func:`_json_bool`). A field missing
    from an object is a missing value; a field that first appears after objects without it is
    refused (those objects lack it). Blank lines are skipped; a line that is no JSON object is
    refused naming its line."""
    import gzip
    import json

    import pandas as pd

    from ctloop.storage import GZIP_MAGIC, _first_line

    wanted = (key, label, INSTANCE, LABEL_TIME)
    # each field's name as a line writes it, UTF-8 (a name written with escapes: the "\\u" test below)
    q_key, q_label, q_instance, q_time = (json.dumps(c, ensure_ascii=False) for c in wanted)
    slashed = any("/" in c for c in wanted)  # "a/b" may be written "a\/b"
    seen: set[str] = set()
    rows = 0

    def frame(columns: dict[str, list], count: int) -> pd.DataFrame:
        nonlocal rows
        present = {c for c in wanted if any(v is not _ABSENT for v in columns[c])}
        late = sorted(present - seen, key=wanted.index) if rows else []
        if late:
            at = rows + next(i for i, v in enumerate(columns[late[0]]) if v is not _ABSENT)
            raise DataValidationError([(late[0], "every_row", rows, (
                f"field {late[0]!r} first appears on {row_said(at)} of {source_uri}, after {rows} row(s) without it: "
                "give it on every row or on none"))])
        seen.update(present)
        out = {}
        for c in (c for c in wanted if c in seen):
            values = [None if v is _ABSENT else _json_bool(v, c, label) for v in columns[c]]
            out[c] = pd.Series(values, dtype=object if c == key else None)
        rows += count
        return pd.DataFrame(out) if out else pd.DataFrame(index=range(count))

    with _open_stream(source_uri) as probe:
        gzipped = probe.read(2) == GZIP_MAGIC
    with _open_stream(source_uri) as raw:
        source = gzip.GzipFile(fileobj=raw) if gzipped else raw
        columns: dict[str, list] = {c: [] for c in wanted}
        count = 0
        named = set(wanted)  # the field names seen (each checked once: _refuse_alike_header)
        unreadable = f"{source_uri} is not a readable JSON lines file"
        try:
            for number, line in enumerate(_lines(source), start=1):
                # a BOM on any line: files written with one joined (cat a.jsonl b.jsonl: review 59 L4)
                text = line.decode("utf-8-sig").strip()
                if not text:
                    continue
                if text[0] != "{":  # a long array is never parsed: told from its first character; another line
                    # is parsed (its first character alone made 'not json' "a JSON null", a CSV row a number)
                    kind = "list" if text[0] == "[" else _json_kind(text, f"{unreadable}: line {number}")
                    raise DataSourceError(f"{unreadable}: line {number} is a JSON {kind}, not an object with the "
                                          "label's fields")
                # a line that names a field twice, or holds an escape that may spell a name ("request\\u005fid"),
                # is parsed with each object's names kept (rare; the counts: ~1 µs a line); one parse either way
                # (Python's json.dumps escapes every non-ASCII character: such a file has "\\u" on most lines)
                repeats = (text.count(q_key) > 1 or text.count(q_label) > 1 or text.count(q_instance) > 1
                           or text.count(q_time) > 1 or "\\u" in text or (slashed and "\\/" in text))
                try:
                    record = (_without_repeated_fields(text, wanted, f"{unreadable}: line {number}") if repeats
                              else json.loads(text))
                except ValueError as exc:  # JSONDecodeError, or a number beyond Python's digit limit
                    raise DataSourceError(f"{unreadable}: line {number}: {_first_line(exc)}") from exc
                except RecursionError as exc:  # '[' nested 100,000 deep: was a RecursionError traceback (round 60)
                    raise DataSourceError(f"{unreadable}: line {number}: {_first_line(exc)} (values nested deeper "
                                          "than Python's json module reads; a label's fields are single values)") \
                        from None
                if not isinstance(record, dict):  # '{' ... '}' that is no object: never, kept for safety
                    raise DataSourceError(f"{unreadable}: line {number} is no JSON object")
                if _SURROGATE_ESCAPE.search(text):  # rare: only then is each field looked at
                    _refuse_lone_surrogates(record, wanted, f"{unreadable}: line {number}")
                if not named.issuperset(record):  # a name not seen yet: is it a field read, spelled otherwise?
                    _refuse_alike_header(f"{source_uri}: line {number}", list(record), wanted, what="field")
                    named.update(record)
                for c in wanted:
                    columns[c].append(record.get(c, _ABSENT))
                count += 1
                if count == batch_rows:
                    yield frame(columns, count)
                    columns, count = {c: [] for c in wanted}, 0
        except _LongLine as exc:
            kind = _JSON_KINDS.get(exc.head.lstrip(b"\xef\xbb\xbf \t\r")[:1].decode("latin-1"), "")
            raise DataSourceError(
                f"{unreadable}: line {exc.number} runs past {MAX_JSON_LINE_BYTES >> 20} MiB without a line break"
                + (f" (a JSON {kind}: one document, not one object a line)" if kind else "")
                + ": JSON lines hold one JSON object of a label's fields a line") from None
        if count:
            yield frame(columns, count)


_ABSENT = object()  # a field a JSON object does not have


def _without_repeated_fields(text: str, fields: tuple[str, ...], where: str):
    """The JSON value of the line ``text``; refused if it is an object naming one of ``fields`` twice: RFC 8259 §4 leaves
    which one counts to the reader, Python's ``json`` takes the last, so ``{"request_id": "a",
    "request_id": "b", "label": 1}`` labelled ``b`` and nothing said (``a``'s label was lost, or given to
    another key). Nested objects may repeat the names. Called only for a line whose text names a
    field twice, or holds an escape that may spell a name (``"request\\u005fid"`` is ``request_id``)."""
    import json

    top: list[list[str]] = []

    def names(pairs):
        top.append([name for name, _ in pairs])
        return dict(pairs)

    record = json.loads(text, object_pairs_hook=names)
    counts = {}
    for name in top[-1] if isinstance(record, dict) else ():  # the outermost object is built last
        counts[name] = counts.get(name, 0) + 1
    twice = [f for f in fields if counts.get(f, 0) > 1]
    if twice:
        raise DataSourceError(f"{where}: field {twice[0]!r} is given {counts[twice[0]]} times in one object: which "
                              "one holds is the reader's choice (RFC 8259 §4); give each field once")
    return record

# a JSON escape of a UTF-16 surrogate (\ud800-\udfff): a pair of them is one character, one alone no text
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(record: dict, fields: tuple[str, ...], where: str) -> None:
    """Refuse a field of ``fields`` whose string holds an unpaired surrogate: JSON may escape one
    (``"\\ud800"``, RFC 8259 §8.2 leaves such strings' meaning open) and Python's ``json`` reads it as
    a lone code point, which no UTF-8 text holds (before round 53 the ingest failed on it with a
    UnicodeEncodeError traceback, exit 1). Other fields are not read, so not looked at."""
    for field in fields:
        value = record.get(field)
        if isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                code = f"\\u{ord(value[exc.start]):04x}"
                raise DataSourceError(f"{where}: field {field!r} holds an unpaired surrogate escape ({code}), no "
                                      "Unicode character: write the character itself, or both halves of its "
                                      "surrogate pair") from None


def _json_bool(value, column: str, label: str):
    """A JSON value of a label file's ``column`` as the table readers give it: the label's
    ``true``/``false`` are 1 and 0 (as a bool label column beside numbers); an instance's are
    their text ``True``/``False``, refused as no index exactly as a CSV's ``True`` or a Parquet
    bool column is; any other value as it is."""
    if type(value) is not bool:
        return value
    if column == label:
        return int(value)
    return str(value) if column == INSTANCE else value


MAX_JSON_LINE_BYTES = 16 << 20
"""The longest line of a JSON lines label file read: a label's fields take well under a KiB, and
a producer that copies wide rows (features, a BigQuery export of a whole table) stays far below;
what runs past it is no JSON lines file (most often a JSON array of objects on one line, named
``.jsonl``), refused once that much is buffered instead of held whole and parsed (about ten times
its size in Python objects)."""

_JSON_KINDS = {"[": "list", '"': "string", "t": "bool", "f": "bool", "n": "null",
               **dict.fromkeys("-0123456789", "number")}


def _json_kind(text: str, where: str) -> str:
    """What the JSON ``text`` (not an object) is, for a message, in :data:`_JSON_KINDS`' words (``NaN``,
    ``Infinity``: a number); a DataSourceError at ``where`` when it is no JSON."""
    import json

    from ctloop.storage import _first_line

    try:
        value = json.loads(text)
    except ValueError as exc:
        raise DataSourceError(f"{where}: {_first_line(exc)}") from exc
    return "null" if value is None else "bool" if isinstance(value, bool) else "number" if isinstance(
        value, int | float) else "string" if isinstance(value, str) else "list" if isinstance(value, list) else \
        type(value).__name__


class _LongLine(Exception):  # noqa: N818 (caught and named by the JSON lines reader)
    """A line longer than :data:`MAX_JSON_LINE_BYTES` (its 1-based ``number`` and first bytes)."""

    def __init__(self, number: int, head: bytes):
        super().__init__(number)
        self.number, self.head = number, head


def _lines(stream, size: int = 1 << 20, limit: int = MAX_JSON_LINE_BYTES):
    """The lines of a binary ``stream`` read ``size`` bytes at a time (an object store's input
    stream has no ``readline``), each new chunk searched once (a long line is not split again
    at every chunk). :class:`_LongLine` once a line is longer than ``limit`` bytes."""
    buf = bytearray()
    number = 0
    while chunk := stream.read(size):
        start, at = 0, len(buf)  # the bytes before ``at`` hold no line break
        buf += chunk
        while (end := buf.find(b"\n", at)) >= 0:
            if end - start > limit:
                raise _LongLine(number + 1, bytes(buf[start:start + 64]))
            number += 1
            yield bytes(buf[start:end])
            start = at = end + 1
        del buf[:start]
        if len(buf) > limit:
            raise _LongLine(number + 1, bytes(buf[:64]))
    if buf:
        yield bytes(buf)


def _source_batches(source_uri: str, key: str, batch_rows: int, label: str = "label", codes: bool | None = None):
    """The rows of a CSV or Parquet label file, ``batch_rows`` at a time, as :func:`_ingest_whole`
    reads them whole (``read_table``): the key of a CSV as written (only an empty cell missing,
    :func:`_csv_keys_as_written`), Parquet's pandas index as columns, decimals as floats (a decimal
    key as its exact values, :func:`decimal_key`). Remote
    files are read as streams (Parquet: its footer, then row group by row group)."""
    from ctloop.storage import _decimals_as_floats, plain_missing, table_format

    if is_json_lines(source_uri):
        yield from _json_lines_batches(source_uri, key, label, batch_rows)
        return
    if table_format(source_uri) == "parquet":
        import pyarrow as pa

        from ctloop.inference_log.scan import open_parquet
        from ctloop.storage import GZIP_MAGIC, _first_line

        with _open_stream(source_uri) as stream:
            if stream.read(2) == GZIP_MAGIC:  # stored with Content-Encoding: gzip: no row group is reachable alone
                raise _Broken
        try:
            source = open_parquet(source_uri, DataSourceError, "label file")
        except DataSourceError as exc:  # not Parquet (or cut short): as the whole file's read names it
            raise DataSourceError(f"{source_uri} is not a readable parquet file: "
                                  f"{_first_line(exc.__cause__ or exc)}") from exc
        schema = source.schema_arrow
        read = _refuse_repeated_names(source_uri, schema.names, (key, label, INSTANCE, LABEL_TIME))
        if read is not None:  # a column ingest never reads named twice ('note', 'note'): the others only
            schema = pa.schema([schema.field(n) for n in read], metadata=schema.metadata)
        empty = True
        for batch in source.iter_batches(batch_rows, columns=read):
            empty = False
            yield plain_missing(_decimals_as_floats(pa.Table.from_batches([batch], schema=schema).to_pandas(),
                                                    keep=(key,)))  # a decimal key keyed exactly
        if empty:  # no rows: its columns are checked all the same (before round 53 a file without the key or
            # label column "appended 0 labels", exit 0, where a CSV's header was refused naming the column)
            yield plain_missing(_decimals_as_floats(schema.empty_table().to_pandas(), keep=(key,)))
        return
    yield from _csv_batches(source_uri, key, batch_rows, label, codes)


def _refuse_repeated_names(source_uri: str, names: list[str], read: tuple[str, ...]) -> list[str] | None:
    """A Parquet file naming a column it reads (``read``: the key, label, instance, label_time) twice
    (Arrow writes one; Spark and pandas do not) is refused naming it, as a CSV header is
    (``storage._refuse_repeated_header``): until round 48 a label file with two ``label`` columns
    failed the ingest with pandas' "AttributeError: 'DataFrame' object has no attribute 'dtype'" (a
    traceback, exit 1). Another column named twice (``note``, never read) is left out: the columns
    to read, or ``None`` for all (round 48 refused such a file, ingested before)."""
    seen: dict[str, int] = {}
    repeated: set[str] = set()
    for position, name in enumerate(names, start=1):
        if name in seen and name in read:
            from ctloop.storage import repeated_column

            raise repeated_column(source_uri, name, seen[name], position)
        if name in seen:
            repeated.add(name)
        seen.setdefault(name, position)
    return [n for n in seen if n not in repeated] if repeated else None


def _open_stream(source_uri: str):
    """A binary stream of the stored bytes of ``source_uri`` (local or object store)."""
    from ctloop.storage import filesystem, is_remote

    if not is_remote(source_uri):
        from ctloop.storage import parse

        return open(parse(source_uri).key, "rb")  # noqa: SIM115 (closed by the caller)
    fs, path = filesystem(source_uri)
    return fs.open_input_stream(path)


CSV_HEADER_BYTES = 1 << 16


def _csv_batches(source_uri: str, key: str, batch_rows: int, label: str = "label", codes: bool | None = None):
    """A CSV label file ``batch_rows`` rows at a time (pandas' C reader, as ``read_table``; each
    batch typed as a whole). The header is read first: a file ``read_table`` would refuse or
    rename (another encoding, a column named twice) is refused from its header; a header longer
    than :data:`CSV_HEADER_BYTES` is :class:`_Broken`. The ``label`` column is also read as
    written (a second reader of that column alone): from the first batch holding a class code with
    a leading zero (``01``, :data:`_CODE`), which pandas reads as the number 1, the labels are
    given as their text (:func:`_codes_as_written`); ``codes`` (:func:`_store_codes`): False, never
    (a store of numbers); True, from the first batch (a store of codes)."""
    import gzip
    import io
    import re
    import zlib

    import pandas as pd
    from pandas._libs.parsers import STR_NA_VALUES

    from ctloop.storage import (
        CSV_HEAD_BYTES,
        FLOATS,
        _refuse_repeated_header,
        csv_compression,
        refuse_other_encoding,
        refuse_other_separator,
    )

    with _open_stream(source_uri) as stream:
        head = stream.read(CSV_HEADER_BYTES)
    no_header = (f"a CSV label file starts with a header naming its columns, at least {key!r} and {label!r} "
                 "(a period without labels: the header alone)")
    if not head.strip():
        raise DataSourceError(f"{source_uri} has no header (it is empty): {no_header}")
    refuse_other_encoding(source_uri, head[:CSV_HEAD_BYTES])
    gzipped = csv_compression(head) == "gzip"
    text = zlib.decompressobj(wbits=31).decompress(head) if gzipped else head  # corrupt: named by the caller
    if b"\n" not in text and len(head) == CSV_HEADER_BYTES:
        raise _Broken  # a header longer than the bytes read: read whole
    try:
        names = [str(c) for c in pd.read_csv(io.BytesIO(text), nrows=0).columns]
    except pd.errors.EmptyDataError as exc:  # only blank lines (a gzipped empty file)
        raise DataSourceError(f"{source_uri} has no header (no columns or rows): {no_header}") from exc
    # a ';' file: before its rows' field count (decimal commas), in read_table's words: its first rows name a
    # decimal comma and the pandas.read_csv reading that keeps it, not "write it with ','" (round 61)
    refuse_other_separator(source_uri, names, text)
    if any(re.fullmatch(r".+\.\d+", n) for n in names):  # a column named twice (pandas: "label.1")
        _refuse_repeated_header(source_uri, io.BytesIO(text), None, pd.DataFrame(columns=names))
    na = {n: [""] if n == key else list(STR_NA_VALUES) for n in names}
    # the label read as written, in the same pass (until round 48 a second reader of the whole file: each row
    # parsed twice, a remote file downloaded twice), and typed as pandas types it (_as_pandas_reads)
    written = label in names and label != key and codes is not False
    with _open_stream(source_uri) as raw:
        source = gzip.GzipFile(fileobj=raw) if gzipped else raw
        reader = pd.read_csv(source, dtype={key: str, label: str} if written else {key: str}, keep_default_na=False,
                             na_values=na, float_precision=FLOATS, chunksize=batch_rows, low_memory=False)
        coded = bool(codes)
        with reader:
            for chunk in reader:
                if written:
                    text = chunk[label]
                    chunk[label], coded = _codes_as_written(_as_pandas_reads(text, na[label]), text, coded)
                if not isinstance(chunk.index, pd.RangeIndex):  # pandas took the first field as the index
                    raise DataSourceError(
                        f"{source_uri}: its rows have one field more than its header ({len(names)} "
                        f"{columns_said(names)}): every row would be read shifted by one column (the "
                        "key from the label's field); a delimiter at the end of each line, or a column without a "
                        "name? name every column")
                yield chunk


def _commit(store_root: str, key: str, known: str | None, staged: str, codes: bool, *, source: str,
            rows: int) -> None:
    """Write the manifest of a new store (``codes``: its labels hold a class written with a leading
    zero, :func:`_store_codes`) and move the staged label file into the store, named by
    the ingest time first: the store's files list (sorted) in ingest order, so of two labels with
    the same label_time (a corrected file that keeps the outcome's time) the later ingest wins.

    Memory running out meanwhile (the staged file copied, or read whole for an object store) is one line
    naming the label file ``source`` and its ``rows`` labels, not a ``MemoryError`` traceback, and leaves no
    temporary file: no label file is added (round 60; round 59 let it through as the traceback)."""
    from ctloop.storage import memory_said

    with memory_said(source, fix=MEMORY_FIX,
                     writing=f"its {rows:,} label(s) to the label store {store_root} (none was added)"):
        _commit_staged(store_root, key, known, staged, codes)


def _commit_staged(store_root: str, key: str, known: str | None, staged: str, codes: bool) -> None:
    """:func:`_commit`'s work."""
    import os
    import shutil
    from pathlib import Path

    from ctloop.storage import (
        _make_dir,
        _unwritable,
        create_bytes,
        is_remote,
        parse,
        read_bytes,
        write_bytes,
    )

    root = store_root.rstrip("/")
    if known is None:
        # created only if no other ingest made it since store_key() read none (a conditional write the
        # store checks: storage.create_bytes); the other's key is then this store's key
        # with the kind of its labels, so that two first ingests of numbers and names cannot both pass
        # (round 42: neither checked the kind of a new store, and the store held both kinds)
        manifest = f"{root}/labels/{STORE_MANIFEST}"
        kind = _staged_kind(staged)
        record = {"key": key, "format": 1, "labels": kind[0]}
        if codes and kind[0] == "names":
            record["codes"] = True
        if not create_bytes(manifest, json.dumps(record).encode(), content_type="application/json"):
            data = read_bytes(manifest)
            other = _manifest_key(manifest, data)
            if other != key:
                raise ConfigError(f"label store {store_root} is keyed by {other!r}, not {key!r} (another ingest made "
                                  f"it a moment ago): ingest labels keyed by {key!r} into another store (one key per "
                                  "store)")
            theirs = _store_codes(store_root)
            if theirs is not None and theirs != codes:  # the file staged as the first of a new store: again
                raise _Restage(theirs)
            _refuse_kind(store_root, kind[0], *kind[1], manifest_data=data)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = f"{root}/labels/part-{stamp}-{uuid.uuid4().hex}.parquet"
    if is_remote(final):
        write_bytes(final, Path(staged).read_bytes(), content_type="application/vnd.apache.parquet")
        return
    path = Path(parse(final).key)
    _make_dir(path.parent, final)
    tmp = path.with_name(f".{path.name}.tmp")  # never listed (not *.parquet) while it is copied
    try:
        shutil.copyfile(staged, tmp)
        os.replace(tmp, path)
    except (OSError, MemoryError) as exc:  # a full or read-only disk, or memory running out: no .tmp left
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # the temporary file could not be made either
        if isinstance(exc, MemoryError):  # said by _commit, naming the label file
            raise
        raise _unwritable(final, "permission denied" if isinstance(exc, PermissionError)
                          else exc.strerror or str(exc)) from exc


def _as_pandas_reads(text: pd.Series, na: list[str]) -> pd.Series:
    """A CSV column read as text (``dtype=str``: ``na`` words missing) as pandas' C reader types it
    when it reads the column itself: the same text parsed again by that reader, alone (ints, floats
    at ``storage.FLOATS``, true/false, else the text). Text holding a quote is no number nor
    true/false: the column is text, as read."""
    import io

    import pandas as pd

    from ctloop.storage import FLOATS

    codes, distinct = pd.factorize(text)  # each distinct text parsed once (a class label has a few); a gap is -1
    values = distinct.tolist()
    if '"' in "".join(values):  # joined, not one test per value: a regression target's labels are all distinct
        return text
    gaps = bool((codes < 0).any())  # parsed too: a gap makes an int column float, a true/false one objects
    lines = "\n".join([*(['"' + '"\n"'.join(values) + '"'] if values else []), *(['""'] if gaps else [])])
    parsed = pd.read_csv(io.StringIO(lines), header=None, names=[text.name], keep_default_na=False,
                         na_values={text.name: na}, float_precision=FLOATS, low_memory=False)[text.name]
    # -1: the gap, the last line; objects (text, or true/false with a gap) as parsed too
    return pd.Series(parsed.to_numpy()[codes], index=text.index, name=text.name)


# what every text _CODE matches also matches (its first digit a 0, then a digit), in Arrow's regex engine
# over the whole array at once: only these few go through _CODE's own (Python) regex
_CODE_CANDIDATE = r"^[^0-9]*0[0-9]"


def _any_code(values: np.ndarray) -> bool:
    """Whether one of ``values`` (distinct texts; a gap NaN) is a class written with a leading zero
    (:data:`_CODE`). A regression target's labels are all distinct: one Python regex per label made
    ingesting its CSV a third slower (review E, round 48); now one Arrow pass picks the candidates."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text (never from a CSV read as strings): one by one
        code = re.compile(_CODE)
        return any(isinstance(v, str) and code.match(v) for v in values)
    candidates = pc.filter(text, pc.match_substring_regex(text, _CODE_CANDIDATE)).to_pylist()
    code = re.compile(_CODE)
    return any(code.match(v) for v in candidates)


def _codes_as_written(values: pd.Series, text: pd.Series, coded: bool = False) -> tuple[pd.Series, bool]:
    """``(labels, coded)``: the labels of a CSV as pandas read them (``values``), or as written
    (``text``, the same rows read as strings) when one of them, or of the file's earlier rows
    (``coded``), is a class written with a leading zero (``01``, :data:`_CODE`): pandas reads
    ``01`` as 1, and ``'01'`` and ``'1'`` were stored as one label, no class ``'01'``."""
    import numpy as np
    import pandas as pd

    if len(text) != len(values):  # one file read twice: never a silent misalignment
        raise DataSourceError(f"the label column read as {len(text)} rows, the file's rows as {len(values)}")
    numbers = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numbers and not coded:  # each distinct text matched once (a per-row regex was most of a file's read)
        coded = _any_code(pd.unique(text.to_numpy(dtype=object)))
    if not coded or not numbers:
        return values, coded
    return pd.Series(text.to_numpy(dtype=object), index=values.index, name=values.name).where(
        text.notna().to_numpy(), np.nan), coded


def _csv_keys_as_written(source_uri: str, key: str, rows: int) -> pd.Series:
    """The key column of a CSV label file as written: only an empty cell is missing. pandas reads
    ``NA``, ``null``, ``None``, ``nan``, ``N/A`` and the other words of its ``na_values`` default
    (``pandas._libs.parsers.STR_NA_VALUES``, pandas 2.3.3) as missing, but a key is an identifier the
    producer wrote (a request id, an order number) and the inference log keeps it as text."""
    import io

    import pandas as pd

    from ctloop.storage import csv_compression, read_bytes

    raw = read_bytes(source_uri)
    keys = pd.read_csv(io.BytesIO(raw), compression=csv_compression(raw), usecols=[key], dtype=str,
                       keep_default_na=False, na_values={key: [""]})[key]
    if len(keys) != rows:  # cannot happen for a file pandas read once already: never a silent misalignment
        raise DataSourceError(f"{source_uri}: its key column {key!r} read as {len(keys)} rows, the file as {rows}")
    return keys


def _csv_column_as_written(source_uri: str, column: str) -> pd.Series:
    """A column of a CSV file as its text (pandas' missing words missing, as ``read_table`` reads them)."""
    import io

    import pandas as pd

    from ctloop.storage import csv_compression, read_bytes

    raw = read_bytes(source_uri)
    return pd.read_csv(io.BytesIO(raw), compression=csv_compression(raw), usecols=[column], dtype=str)[column]


def _refuse_nested(frame: pd.DataFrame, columns: list[str]) -> None:
    """Refuse list or map values (a Parquet list/struct column) in ``columns``, naming the first:
    they would be stored as their text ("[1]") and join or score as nonsense."""
    import numpy as np

    for col in columns:
        if frame[col].dtype != object:
            continue
        nested = frame[col].map(lambda v: isinstance(v, (list, tuple, dict, np.ndarray))).to_numpy(dtype=bool)
        if nested.any():
            row = int(nested.argmax())
            first = frame[col].iloc[row]
            shown = first.tolist() if isinstance(first, np.ndarray) else first
            raise DataValidationError([(col, "scalar", int(nested.sum()), (
                f"values must be single values, not lists or maps; {row_said(frame.index[row])}: {shown_value(shown)}"))])


# what makes valid UTF-8 bytes no text: C0 controls but tab, and DEL
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_CONTROLS = tuple(map(chr, (*range(0x09), *range(0x0a, 0x20), 0x7f)))  # the same, one by one


def _bytes_as_text(frame: pd.DataFrame, key: str, columns: list[str]) -> pd.DataFrame:
    """Byte values in ``columns`` as the text they hold: Impala, Hive and older Spark write strings as
    Parquet BYTE_ARRAY without the UTF8 annotation (Spark reads them as text with
    ``spark.sql.parquet.binaryAsString``), which pyarrow reads as bytes, stored as ``"b'r1'"``. Text
    is any valid UTF-8 without a control character (:data:`_CONTROL`: a no-break space, tab, soft
    hyphen or zero-width space is text, which ``str.isprintable`` denies). A 16-byte key that is no
    such text is a UUID (Parquet's UUID type): its text, as KServe logs ce-ids. Other bytes are
    refused, naming the column and the first row."""
    import uuid as uuidlib

    bad = object()

    def text(value, is_key: bool):
        if not isinstance(value, bytes | bytearray):
            return value
        try:
            decoded = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            decoded = None
        if decoded is not None and not _CONTROL.search(decoded):
            return decoded
        if is_key and len(value) == 16:
            return str(uuidlib.UUID(bytes=bytes(value)))
        return bad

    import pandas as pd

    for col in columns:
        if frame[col].dtype != object or pd.api.types.infer_dtype(frame[col], skipna=True) not in (
                "bytes", "mixed", "mixed-integer"):  # a text column: one pass in C, no Python call per value
            continue
        if not frame[col].map(lambda v: isinstance(v, bytes | bytearray)).any():
            continue
        values = frame[col].map(lambda v, k=col == key: text(v, k))
        wrong = values.map(lambda v: v is bad).to_numpy(dtype=bool)
        if wrong.any():
            row = int(wrong.argmax())
            raise DataValidationError([(col, "text", int(wrong.sum()), (
                f"values are bytes that are not UTF-8 text (or hold control characters); {row_said(frame.index[row])}: "
                f"{shown_value(bytes(frame[col].iloc[row]))}"))])
        frame = frame.assign(**{col: values})
    return frame


def _refuse_other_kind(store_root: str, labels: pd.Series, rows: int | None = None) -> None:
    """Refuse numbers into a store of names or names into a store of numbers: a metric would leave
    one kind or the other out (:func:`_refuse_kind`)."""
    import pandas as pd

    given = "numbers" if pd.api.types.is_numeric_dtype(labels) else "names"
    _refuse_kind(store_root, given, len(labels) if rows is None else rows, labels.iloc[0])


def _refuse_kind(store_root: str, given: str, rows: int, example, manifest_data: bytes | None = None) -> None:
    """Refuse labels of the kind ``given`` ("numbers", "names"; ``rows`` of them, the first
    ``example``) into a store of the other kind. The store's kind is the one its manifest records
    (written once, with the manifest, by the ingest that made the store; ``manifest_data`` when
    already read), else, for a store an older ctloop made, its newest file's (:func:`_stored_kind`)."""
    stored, where = _stored_kind(store_root, manifest_data)
    if stored is not None and stored != given:
        fix = "give every label as the model's class, all numbers or all names"
        raise DataValidationError([(LABEL, "one_kind", rows, (
            f"the store's labels are {stored} ({where}), this file's are {given} (e.g. "
            f"{shown_value(_plain(example))}): {_start_over(store_root, fix) if where == STORE_MANIFEST else fix}"))])


def _start_over(store_root: str, fix: str) -> str:
    """``fix`` for a refusal by the store's manifest, led, when the store holds no label file, by how to start
    over: the manifest of a first ingest refused while it wrote its labels (memory or disk ran out) stays, as
    another first ingest may have read it and be adding its labels under it (review 60: deleting it raced those)."""
    if label_files(store_root):
        return fix
    manifest = f"{store_root.rstrip('/')}/labels/{STORE_MANIFEST}"
    return (f"the store holds no label file (its first ingest was refused after it wrote {manifest}): if no other "
            f"ingest into {store_root} is running, delete {manifest} and ingest again, else {fix}")


def _stored_kind(store_root: str, manifest_data: bytes | None = None) -> tuple[str | None, str]:
    """(kind, where told) of the labels of the store at ``store_root``: the kind its manifest records
    (``manifest_data`` when already read), else, for a store an older ctloop made, its newest file's
    (one footer read); ``None`` for a store without labels."""
    import pyarrow as pa

    from ctloop.inference_log.scan import open_parquet
    from ctloop.storage import exists, read_bytes

    manifest = f"{store_root.rstrip('/')}/labels/{STORE_MANIFEST}"
    if manifest_data is None and exists(manifest):
        manifest_data = read_bytes(manifest)
    stored = _manifest_labels(manifest_data)
    if stored is not None:
        return stored, STORE_MANIFEST
    for path in reversed(label_files(store_root)):  # the newest file whose labels have a type
        schema = open_parquet(path, DataSourceError, "label file").schema_arrow
        if schema.get_field_index(LABEL) >= 0 and not pa.types.is_null(schema.field(LABEL).type):
            return _field_kind(schema.field(LABEL)), path.rsplit("/", 1)[-1]
    return None, STORE_MANIFEST  # no files, or only an older ctloop's empty ones (a header-only file, label type null)


def _store_codes(store_root: str) -> bool | None:
    """How the numbers written as text ('01', '10') of a file are read into the existing store at
    ``store_root``: ``False`` for a store of numbers (as numbers: '01' is 1, as before round 47 and as
    a model of numeric classes reads it); ``True`` for a store of names whose manifest says they are
    classes written with a leading zero (``"codes": true``, :func:`_commit`; as the text written:
    '10' is the class '10'); ``None`` otherwise (the file decides: a store of other names still
    refuses a file of numbers). A store takes one kind of label: without this, daily files of
    zero-padded classes (months 01-12) were refused by chance, by whichever came first."""
    from ctloop.storage import exists, read_bytes

    manifest = f"{store_root.rstrip('/')}/labels/{STORE_MANIFEST}"
    data = read_bytes(manifest) if exists(manifest) else None
    stored = _stored_kind(store_root, data)[0]
    if stored == "numbers":
        return False
    try:
        codes = stored == "names" and json.loads(data)["codes"] is True
    except (ValueError, KeyError, TypeError):
        codes = False
    return True if codes else None


def _field_kind(field) -> str:
    """The kind of labels a Parquet field holds: names (text) or numbers."""
    import pyarrow as pa

    return "names" if pa.types.is_string(field.type) or pa.types.is_large_string(field.type) else "numbers"


def _staged_kind(staged: str) -> tuple[str, tuple[int, object]]:
    """(kind, (rows, first label)) of the local staged label file ``staged``."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(staged)
    first = table.read_row_group(0, columns=[LABEL]).column(0)[0].as_py()
    return _field_kind(table.schema_arrow.field(LABEL)), (table.metadata.num_rows, first)


def _manifest_labels(data: bytes | None) -> str | None:
    """The kind of labels a manifest records (``None``: none, a store an older ctloop made)."""
    try:
        kind = json.loads(data)["labels"] if data is not None else None
    except (ValueError, KeyError, TypeError):
        return None
    return kind if kind in ("numbers", "names") else None


def _plain(value):
    """A value as Python has it (numpy scalars as their number; a whole float as the int it was
    given as: labels are stored as floats), for a message's repr."""
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value


def _latest_given(out: pd.DataFrame, key: str) -> pd.DataFrame:
    """``out`` without the rows a later given row of their key (and instance) at the same stored
    ``label_time`` supersedes (:func:`_superseded`), and without the given times."""
    on = [key, *([INSTANCE] if INSTANCE in out.columns else []), LABEL_TIME]
    latest = out.groupby(on, sort=False, dropna=False)[_GIVEN].transform("max")
    return out[(out[_GIVEN] >= latest).to_numpy()].drop(columns=[_GIVEN])


def _refuse_conflicts(out: pd.DataFrame, key: str) -> None:
    """Refuse a file giving one key (and instance) different labels at the same ``label_time`` (as
    given: :data:`_GIVEN`): which one wins would be the rows' order. The same label twice, or a
    relabel at a later time, is fine."""
    on = [key, *([INSTANCE] if INSTANCE in out.columns else []), _GIVEN if _GIVEN in out.columns else LABEL_TIME]
    dup = out.duplicated(on, keep=False).to_numpy()
    if not dup.any():
        return
    same = out[dup]
    clash = same[(same.groupby(on, sort=False)[LABEL].transform("nunique") > 1).to_numpy()]
    if not len(clash):
        return
    first = clash.iloc[0]
    group = clash[(clash[on] == first[on]).all(axis=1).to_numpy()]
    other = group[group[LABEL] != first[LABEL]].iloc[0]
    where = shown_value(first[key]) + (f" instance {first[INSTANCE]}" if INSTANCE in on else "")
    raise DataValidationError([(key, "one_label", len(clash), (
        f"{where} has labels {shown_value(_plain(first[LABEL]))} and {shown_value(_plain(other[LABEL]))} with the "
        "same label_time (rows "
        f"{first.name + 1} and {other.name + 1}): give one label per key and time (a correction needs a later "
        "label_time)"))])


_UNTIMED = re.compile(r"part-[0-9a-f]{32}\.parquet")  # an older ctloop's name: part-<uuid hex>


def ingest_order(uris: list[str]) -> list[str]:
    """Label files oldest ingest first: the files an older ctloop named ``part-<uuid hex>`` (their
    order among themselves unknown) before every file named by its ingest time, in that time's order."""
    return sorted(uris, key=lambda u: (not _UNTIMED.fullmatch(u.rsplit("/", 1)[-1]), u))


def label_files(store_root: str) -> list[str]:
    """The store's label files in :func:`ingest_order`: of two labels for one key with the same
    ``label_time`` the one read later wins."""
    from ctloop.storage import list_files

    return ingest_order(list_files(f"{store_root.rstrip('/')}/labels", ".parquet"))


def read_labels(store_root: str) -> pd.DataFrame:
    """Every label of the store (columns ``<key>``, [``instance``], ``label``, ``label_time``), in
    :func:`ingest_order`."""
    import pandas as pd

    from ctloop.inference_log.reader import read_parquet_files
    from ctloop.inference_log.scan import open_parquet

    frames = []
    for uri in label_files(store_root):
        (frame,) = read_parquet_files([uri])
        if not len(frame.columns):
            continue
        if not positional_keys(open_parquet(uri, DataSourceError, "label file").schema_arrow):
            key = [c for c in frame.columns if c not in (*LABEL_COLUMNS, INSTANCE)]
            if len(key) == 1:  # a file written before round 40: its float ids as str() wrote them
                frame[key[0]] = old_float_keys(frame[key[0]])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()




__all__ = ["LABEL_COLUMNS", "STORE_MANIFEST", "normalise_keys", "decimal_key", "float_key", "label_times", "detect_key", "store_key", "ingest_labels",
           "read_labels", "label_files", "ingest_order", "old_float_keys", "positional_keys", "KEYS_FORMAT"]

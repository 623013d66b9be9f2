"""The inference log's column types: every column of a model has one Parquet type in every file.

A reader that opens the whole log (``pyarrow.dataset``, Spark, BigQuery over Parquet) takes a
column's type from one file and casts the others to it, or unifies the schemas of all files; a
column written as ``double`` in one file and ``string`` in the next breaks either. So the type of
a feature or prediction column is decided once per model, by the first value the log ever saw
for it, and kept in ``<root>/_schema/model=<model>.json`` (a JSON object of column → type):

* JSON numbers (integer or not) → ``double``; ``NaN``/``Infinity`` → null (in a column of any type,
  and within ``_mistyped``/``_overflow``, which are strict JSON). Integers above 2**53
  lose precision: send identifiers as strings.
* JSON strings → ``string``; ``true``/``false`` → ``bool``;
* JSON objects and lists → ``string`` holding their JSON text (``{}`` included: Parquet has no
  struct without fields, and nested types differ from file to file), as strict JSON: NaN/Infinity
  are null and integers beyond 64 bits their double within it, as in a number column;
* identity columns (``request_id``, ``instance`` …) and ``meta_*`` have fixed types.

A model has at most ``max_columns`` feature columns (``ctloop logger serve --max-columns``,
default :data:`~ctloop.inference_log.defaults.MAX_COLUMNS`): a producer sending per-request keys
(``{"user_123": 1.0}``) would otherwise widen every later file of the model for good. Once they
are taken, the values of a feature without a column are kept in the row's ``_overflow`` column
(JSON object text ``{"<key>": <value>}``, nothing lost) and counted
(``ctloop_log_overflow_values_total``). Prediction (``prediction``, ``prediction_*``) and
``meta_*`` columns are not counted: monitoring and the labels join read them, and their names
come from the model and the InferenceService's ``logger.metadataHeaders``. Replicas filling the
registry within the same flush can together register a few more than the cap (each counts only
what it has seen).

A later value of another kind is converted when that loses nothing (a number or a list in a
``string`` column becomes its JSON text) and otherwise written as null, with the value kept in the
row's ``_mistyped`` column (JSON object text ``{"<column>": <value>}``) and counted
(``ctloop_log_mistyped_values_total``). A column that never had a value (all null so far) gets its
type from its first value.

The registry file is merged, never rewritten: entries are only added, an existing entry wins
(first writer wins). On a local root (one node or a shared volume) the merge holds an exclusive
``flock``. An object store (gs://, s3://, az://) has no lock: there each column a replica adds is
first *claimed*, one small object per column (``_schema/model=<model>/c-<column, percent-encoded>.json``)
created only if absent (``storage.create_bytes``: S3 ``If-None-Match: *``, GCS ``ifGenerationMatch=0``,
Azure ``If-None-Match: *``), so of two replicas adding one column at once exactly one decides its type
and the other takes it; the registry file is then merged as before (read, merge, write), an index
that a concurrent writer may still leave without another's column: the readers (:func:`registry`,
:func:`load`, :func:`dataset_schema`) and a sync that adds a column add the claims it lacks (one
listing; a flush that adds none reads the file only). Before round 58 the file alone was read-merged-written: two
replicas writing the first columns of a new schema at once each wrote theirs over the other's (a
column whose acknowledged values were in Parquet was missing from the registry, and from
:func:`dataset_schema`), and two replicas seeing one new column typed it each their own way.
Readers that must never fail take the schema from the registry and cast (:func:`arrow_schema`).
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson

from ctloop import columns as c

SCHEMA_DIR = "_schema"
TYPES = ("double", "string", "bool")
MISTYPED = "_mistyped"  # JSON text of the values that did not fit their column's type
OVERFLOW = "_overflow"  # JSON text of the values of keys that found the model's columns full
# JSON text of one side of a TensorFlow Serving columnar pair or an unbatched v2 sequence, whole (``events.join``), on the first
# row of a half written without its other side: what ``reader.merge_halves`` joins two such halves with
WHOLE = "_whole"
# the text of a response's ``{"error": ...}`` (a server answering its failure with HTTP 200), on every row of
# the call: no prediction was served (``events.join``, ``reader.served``)
ERROR = "_error"
# the Parquet key-value metadata every file a sink writes carries since round 57 (its value: the round): a file
# without it was written before, by a sink that still stored health and metadata GETs' answers as response
# halves of nothing (``reader.no_inference``), which readers may then tell from a null prediction answered
FORMAT_KEY, FORMAT = b"ctloop.inference_log.format", b"57"
_FIXED = {c.INSTANCE: "int64", c.HAS_RESPONSE: "bool", c.HAS_REQUEST: "bool"}
# the identity columns' fixed types, in file order (request_id first, as always)
IDENTITY = {name: _FIXED.get(name, "string")
            for name in (c.REQUEST_ID, *(n for n in c.LOG_IDENTITY if n != c.REQUEST_ID), MISTYPED, OVERFLOW,
                          WHOLE, ERROR)}


def schema_file(model: str) -> str:
    """The type registry of ``model``, relative to the log's root."""
    return f"{SCHEMA_DIR}/model={model}.json"


def column_type(column: str, value: Any) -> str:
    """The type a column gets from its first value (not None)."""
    if column.startswith(c.META_PREFIX):
        return "string"
    kind = type(value)
    if kind is bool:
        return "bool"
    if kind is int or kind is float:
        return "double"
    return "string"  # str, and lists/objects as JSON text


def json_text(value: Any) -> str:
    """``value`` as JSON text (a list or object in a ``string`` column): orjson's, which writes
    NaN/Infinity as null. An integer beyond 64 bits (valid JSON, which orjson refuses) is the double
    it is in a number column, at any depth (:func:`_in_range`): never Python json's ``NaN`` or
    ``Infinity`` tokens, which no JSON reader (DuckDB, BigQuery's ``PARSE_JSON``, Arrow) takes."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # an integer beyond 64 bits
        return orjson.dumps(_in_range(value)).decode()


_INT_RANGE = (-(2**63), 2**64 - 1)  # what orjson writes (int64 and uint64)


def _in_range(value: Any) -> Any:
    """``value`` with every integer beyond :data:`_INT_RANGE` (at any depth) as the double it is
    (beyond a double's range: None, as Infinity is written)."""
    kind = type(value)
    if kind is int and not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
        try:
            return float(value)
        except OverflowError:
            return None
    if kind is list:
        return [_in_range(v) for v in value]
    if kind is dict:
        return {k: _in_range(v) for k, v in value.items()}
    return value


def row_json(row: dict[str, Any]) -> bytes:
    """``row`` as the JSON line the sink buffers. An integer beyond 64 bits (valid JSON: Python's
    json, KServe's Python server and Go's json.Number pass it on; orjson refuses it) is the
    ``double`` it is as a number column (beyond a double's range: null, as Infinity is), in place."""
    try:
        return orjson.dumps(row)
    except TypeError:
        for key, value in row.items():
            if type(value) is int:
                row[key] = _in_range(value)
        return orjson.dumps(row)


_FITS = {"double": frozenset((float, int, type(None))), "string": frozenset((str, type(None))),
         "bool": frozenset((bool, type(None)))}
# identity values are built by the join itself: any type passes
_ANY = frozenset((str, int, bool, float, type(None)))


def accepted(types: dict[str, str]) -> dict[str, frozenset]:
    """Column → Python types its values may have as they are: the fast path of
    :func:`normalise` (NaN/Infinity floats pass: orjson writes them as null)."""
    fits = {name: _ANY for name in IDENTITY}
    fits.update((name, _FITS[kind]) for name, kind in types.items())
    return fits


def is_feature(column: str) -> bool:
    """Whether a typed column counts towards ``max_columns``: not a prediction, not ``meta_*``."""
    return not (column == c.PREDICTION or column.startswith((c.PREDICTION_PREFIX, c.META_PREFIX)))


def normalise(row: dict[str, Any], types: dict[str, str], new: dict[str, str],
              fits: dict[str, frozenset] | None = None, max_columns: int | None = None,
              converted: list[str] | None = None) -> tuple[int, int]:
    """Make ``row``'s feature and prediction values fit ``types`` (in place); returns how many
    values did not fit and went to ``_mistyped``, and how many went to ``_overflow``. A column
    without a type gets one from this value, recorded in ``types`` and ``new`` (to be added to
    the registry at the next flush), unless it is a feature (:func:`is_feature`) and ``types``
    has ``max_columns`` features already: then the value moves to ``_overflow``. A null value of a
    column without a type is left out of the row (the Parquet write refuses a field its schema
    lacks; a missing column reads as null). ``fits`` (:func:`accepted` of ``types``, kept up to date
    here) makes the common case — every value already fits — one dictionary lookup per value.
    ``converted`` gets the columns whose value was written as its JSON text (a number, bool, list
    or object in a ``string`` column): a later retyping under another type reads them back as sent."""
    if fits is not None:
        for key, value in row.items():
            ok = fits.get(key)
            if ok is None or type(value) not in ok:
                break
        else:
            return 0, 0
    mistyped: dict[str, Any] | None = None
    overflow: dict[str, Any] | None = None
    features: int | None = None  # of types, counted once a row brings a new feature
    untyped: list[str] | None = None  # null values of columns without a type: no column to write them to
    for key, value in row.items():
        if value is None:
            if key not in types and key not in IDENTITY:
                if untyped is None:
                    untyped = []
                untyped.append(key)
            continue
        if key in IDENTITY:
            continue
        kind = type(value)
        wanted = types.get(key)
        if wanted is None:
            if max_columns is not None and is_feature(key):
                if features is None:
                    features = sum(map(is_feature, types))
                if features >= max_columns:
                    if overflow is None:
                        overflow = {}
                    overflow[key] = value
                    continue
                features += 1
            wanted = types[key] = new[key] = column_type(key, value)
            if fits is not None:
                fits[key] = _FITS[wanted]
        if wanted == "double":
            if kind is float:
                if not math.isfinite(value):
                    row[key] = None
                continue
            if kind is int:
                continue
        elif wanted == "string":
            if kind is not str:
                if kind is not float or math.isfinite(value):
                    row[key] = json_text(value)
                    if converted is not None:
                        converted.append(key)
                else:
                    row[key] = None
            continue
        elif kind is bool:  # wanted == "bool"
            continue
        elif kind is float and not math.isfinite(value):  # NaN/Infinity: null in every column type
            row[key] = None
            continue
        if mistyped is None:
            mistyped = {}
        mistyped[key] = value
    for key in untyped or ():  # null is what a file without the column reads as: nothing is lost
        del row[key]
    n_overflow = 0
    if overflow is not None:
        for key in overflow:
            del row[key]
        row[OVERFLOW] = _aside_text(overflow)  # the values as sent, nested ones as JSON
        n_overflow = len(overflow)
    if mistyped is None:
        return 0, n_overflow
    for key in mistyped:
        row[key] = None
    earlier = row.get(MISTYPED)
    if earlier:  # retyped again at a flush: keep what was set aside at arrival
        mistyped = {**json.loads(earlier), **mistyped}
    row[MISTYPED] = _aside_text(mistyped)  # the values as sent (integers every digit)
    return len(mistyped), n_overflow


def _aside_text(values: dict[str, Any]) -> str:
    """``_mistyped``/``_overflow`` text: strict JSON, NaN/Infinity within it null (as in a number
    column; before round 40 Python's ``NaN`` tokens, which no strict JSON reader takes), integers
    every digit (Python's json)."""
    try:
        return json.dumps(values, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(values), allow_nan=False)


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float (at any depth) as None."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is list:
        return [_finite(v) for v in value]
    if kind is dict:
        return {k: _finite(v) for k, v in value.items()}
    return value


# a column that held a feature before it became an identity column, and where that feature is stored
# since: a feature named ``_error`` was stored as ``_error`` (a double or string column) until round 42
# made ``_error`` the error column and stored such a feature as ``input__error`` (events.feature_column)
FORMER_FEATURES = {ERROR: f"input_{ERROR}"}


def former_features(schema: Any, file: Any = None) -> dict[str, str]:
    """The columns of a file written before they became identity columns (a feature ``_error`` in
    a file of an older ctloop) → the column that feature is read as now, from the file's Arrow
    ``schema``: the column holds the feature when its type is one only a feature has (integer,
    floating or boolean; nulls or not). A text column (``string``, ``large_string``) holds error
    text or, in an older file, a text feature: with ``file`` (the ``pyarrow.parquet.ParquetFile``)
    its rows decide (:func:`_text_feature`); without, or null-typed, it stays the identity column.
    ``{}`` for files of this layout. Every reader decides here (``read_log`` and the scan alike)."""
    import pyarrow as pa

    out = {}
    for old, new in FORMER_FEATURES.items():
        if old in schema.names and new not in schema.names:
            kind = schema.field(old).type
            if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
                out[old] = new
            elif file is not None and (pa.types.is_string(kind) or pa.types.is_large_string(kind)) \
                    and _text_feature(file, old, schema.names):
                out[old] = new
    return out


def _text_feature(file: Any, column: str, names: list[str], batch_rows: int = 65_536) -> bool:
    """Whether the text ``column`` (``_error``) of the Parquet ``file`` holds a feature, as an older
    ctloop wrote it: the sink writes error text only on the rows of a call whose response reported
    an error instead of predictions (``events.join``), so a value on a request half
    (``has_response`` false) or beside a prediction is a feature's. Decided from the footer where
    it can (a column with no value, a row group whose ``column`` holds none, a prediction column
    with no value: not read), else read batch by batch (``column``, ``has_response``, the
    prediction columns with values) up to the first such value: memory of one batch, not of the
    file's columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    meta = file.metadata
    where = {name: i for i, name in enumerate(meta.schema.names)}

    def empty(name: str, group: int) -> bool:  # the column holds no value in the row group (its statistics)
        if name not in where:
            return False
        st = meta.row_group(group).column(where[name]).statistics
        return st is not None and st.has_null_count and st.null_count == meta.row_group(group).num_rows

    groups = [g for g in range(meta.num_row_groups) if not empty(column, g)]
    if not groups:
        return False
    beside = [n for n in names if n == c.HAS_RESPONSE or n == "prediction" or n.startswith("prediction_")]
    beside = sorted((n for n in beside if not all(empty(n, g) for g in groups)), key=lambda n: n != c.HAS_RESPONSE)
    if not beside:
        return False
    for batch in file.iter_batches(batch_size=batch_rows, row_groups=groups, columns=[column, *beside],
                                   use_pandas_metadata=False):
        valued = pc.is_valid(batch.column(column))
        if not pc.any(valued).as_py():
            continue
        for name in beside:  # has_response first: a request half's value needs no prediction read
            values = batch.column(name)
            if name == c.HAS_RESPONSE:
                hit = pc.and_(valued, pc.equal(values, False)) if pa.types.is_boolean(values.type) else None
            else:
                hit = pc.and_(valued, pc.is_valid(values))
            if hit is not None and pc.any(hit).as_py():
                return True
    return False


def arrow_schema(types: dict[str, str], columns=()) -> Any:
    """The Arrow schema of a file: identity columns (``_mistyped`` included) first, then
    ``columns`` in the order given, then every other column of ``types``, each with its
    registered type. Every file of a model carries every column registered when it was written."""
    import pyarrow as pa

    arrow = {"string": pa.string(), "double": pa.float64(), "bool": pa.bool_(), "int64": pa.int64()}
    names = dict.fromkeys(IDENTITY)
    names.update(dict.fromkeys(columns))
    names.update(dict.fromkeys(types))
    return pa.schema([(name, arrow[IDENTITY.get(name) or types.get(name, "string")]) for name in names])


def dataset_schema(root: str, model: str) -> Any:
    """The schema to read the whole log of ``model`` with, e.g.
    ``pyarrow.dataset.dataset(f"{root}/model={model}", schema=dataset_schema(root, model),
    partitioning="hive")``: files written before a column existed read it as null."""
    import pyarrow as pa

    return arrow_schema(load(root, model)).append(pa.field("date", pa.string()))


# ------------------------------------------------------------------ the registry file
def _merge(current: dict[str, str], new: dict[str, str]) -> tuple[dict[str, str], bool]:
    merged = dict(current)
    changed = False
    for column, kind in new.items():
        if column not in merged:
            merged[column] = kind
            changed = True
    return merged, changed


def _parse(data: bytes | None, where: str) -> dict[str, str]:
    if not data:
        return {}
    try:
        doc = json.loads(data)
        columns = doc["columns"]
        if not isinstance(columns, dict):
            raise TypeError(f"'columns' is a {type(columns).__name__}, not an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{where} is not a ctloop column-type registry ({exc}): move it away, the sink "
                         "recreates it from the next flush") from exc
    # an identity column's type is fixed (IDENTITY): an entry of that name is a feature's from before
    # the column became an identity column (``_error`` before round 42), stored under another name since
    return {str(k): v for k, v in columns.items() if v in TYPES and str(k) not in IDENTITY}


def _dump(columns: dict[str, str]) -> bytes:
    return json.dumps({"format": 1, "columns": columns}, indent=2, sort_keys=True).encode()


def claims_prefix(model: str) -> str:
    """Where the column claims of ``model`` are, relative to the log's root (object stores only)."""
    return f"{SCHEMA_DIR}/model={model}"


def claim_name(column: str) -> str:
    """The object name of ``column``'s claim: ``c-`` and the name percent-encoded (dots too: no
    ``.``/``..`` segment, no hidden name), or ``h-`` and its SHA-256 when that is over 400 bytes."""
    from urllib.parse import quote

    encoded = quote(column, safe="").replace(".", "%2E")
    if len(encoded) <= 400:
        return f"c-{encoded}.json"
    import hashlib

    return f"h-{hashlib.sha256(column.encode('utf-8', 'surrogatepass')).hexdigest()}.json"


def _claimed(data: bytes, where: str) -> tuple[str, str]:
    """A claim's ``(column, type)``."""
    try:
        doc = json.loads(data)
        column, kind = doc["column"], doc["type"]
        if not isinstance(column, str) or kind not in TYPES:
            raise TypeError(f"column {column!r}, type {kind!r}")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{where} is not a ctloop column claim ({exc})") from exc
    return column, kind


log = logging.getLogger("ctloop.inference_log")
_SKIPPED: set[str] = set()  # claims said to be skipped (one warning each per process)
_SKIPPED_LOCK = threading.Lock()


def _readable(data: bytes, where: str) -> tuple[str, str] | None:
    """A claim's ``(column, type)``; None, with one warning per claim, for one this release cannot
    read (cut short, or a type not in :data:`TYPES`: a newer release's), as :func:`_parse` leaves out
    such an entry of the file: the other columns keep their claims."""
    try:
        return _claimed(data, where)
    except ValueError as exc:
        with _SKIPPED_LOCK:
            first = where not in _SKIPPED
            _SKIPPED.add(where)
        if first:
            log.warning("%s; skipped (its column is typed by its values, as a column no claim names)", exc)
        return None


def _with_claims(base: str, model: str, current: dict[str, str]) -> dict[str, str]:
    """``current`` (the registry file of ``model`` under the object-store root ``base``) and every
    column claimed but missing from it (a concurrent read-merge-write of the file left it out): one
    listing, a read only for each claim it lacks. An entry of the file wins (a sink before round 58
    wrote only the file)."""
    from urllib.parse import unquote

    from ctloop.storage import list_objects, read_bytes

    out = dict(current)
    for info in list_objects(f"{base}/{claims_prefix(model)}", scratch=True):
        name = info.uri.rsplit("/", 1)[-1]
        if not name.endswith(".json") or not name.startswith(("c-", "h-")):
            continue
        if name.startswith("c-") and unquote(name[2:-5]) in out:
            continue  # in the file: nothing to read
        claim = _readable(read_bytes(info.uri), info.uri)
        if claim is not None and claim[0] not in IDENTITY:
            out.setdefault(*claim)
    return out


def _claim(base: str, model: str, column: str, kind: str) -> str:
    """The type of ``column``: ``kind`` when this call claimed it first, else the claim's (another
    replica's, made first: the store refused the create)."""
    from ctloop.storage import create_bytes, read_bytes

    uri = f"{base}/{claims_prefix(model)}/{claim_name(column)}"
    data = json.dumps({"column": column, "type": kind}).encode()
    if create_bytes(uri, data, content_type="application/json"):
        return kind
    claim = _readable(read_bytes(uri), uri)
    return kind if claim is None else claim[1]


CLAIMS_AT_ONCE = 16
"""Column claims a flush makes at a time (one conditional create each): one after the other, the 300
new columns of a first flush took 4.6 s on moto."""


def _claim_all(base: str, model: str, new: dict[str, str]) -> dict[str, str]:
    """:func:`_claim` of each of ``new``, up to :data:`CLAIMS_AT_ONCE` at a time; column → its type."""
    if len(new) < 2:
        return {column: _claim(base, model, column, kind) for column, kind in new.items()}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(CLAIMS_AT_ONCE, len(new))) as pool:
        kinds = list(pool.map(lambda item: _claim(base, model, *item), new.items()))
    return dict(zip(new, kinds, strict=True))


def sync(root: str, model: str, new: dict[str, str],
         write_local: Callable[[Path, bytes], None] | None = None,
         known: Mapping[str, str] | None = None) -> dict[str, str]:
    """Add ``new`` column types to the registry of ``model`` (an existing entry wins) and return
    the registry as it now is. Runs in the flush's worker thread (file or object-store I/O);
    ``write_local`` writes a local file durably (the sink's ``write_durably``). On an object store
    each column not registered yet is claimed first (:func:`claim_name`, the module doc); ``known``:
    the columns the caller registered before, with their types (a file that lacks one lost it to a
    concurrent write: the claims are read, one with no claim, registered before round 58, is claimed
    with its type, and the file is written back with them)."""
    from ctloop.storage import is_remote

    if is_remote(root):
        from ctloop.storage import exists, read_bytes, write_bytes

        base = root.rstrip("/")
        uri = f"{base}/{schema_file(model)}"
        current = _parse(read_bytes(uri), uri) if exists(uri) else {}
        wanted = {**(known or {}), **new}
        if all(column in current for column in wanted):  # every flush's case: one read, no listing
            return current
        current = _with_claims(base, model, current)
        claimed = _claim_all(base, model, {column: kind for column, kind in wanted.items() if column not in current})
        # the file an index of the claims: read again just before the write (a replica's entries written
        # meanwhile kept), merged; one a concurrent write leaves out is still read from its claim
        latest = _parse(read_bytes(uri), uri) if exists(uri) else {}
        merged, changed = _merge(latest, {**current, **claimed})
        if changed:
            write_bytes(uri, _dump(merged), content_type="application/json")
        return {**current, **claimed, **latest}
    import fcntl

    path = Path(root) / schema_file(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / ".lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # one merge at a time across processes on this volume
        try:
            current = _parse(path.read_bytes() if path.exists() else None, str(path))
            merged, changed = _merge(current, new)
            if changed:
                (write_local or Path.write_bytes)(path, _dump(merged))
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return merged


def load(root: str, model: str) -> dict[str, str]:
    """The registry of ``model`` ({} when there is none yet); on an object store with the claims
    its file lacks (:func:`sync`)."""
    from ctloop.storage import exists, is_remote, read_bytes

    if is_remote(root):
        uri = f"{root.rstrip('/')}/{schema_file(model)}"
        return _with_claims(root.rstrip("/"), model, _parse(read_bytes(uri), uri) if exists(uri) else {})
    return sync(root, model, {})


def registry(root: str, model: str) -> dict[str, str]:
    """The registry of ``model`` as a reader sees it: read only (no lock, nothing created); {} when
    there is none or it is unreadable (the reader then goes by the types of the values stored)."""
    from ctloop.storage import exists, is_remote, read_bytes

    uri = f"{root.rstrip('/')}/{schema_file(model)}"
    try:
        if is_remote(root):
            return _with_claims(root.rstrip("/"), model, _parse(read_bytes(uri), uri) if exists(uri) else {})
        path = Path(root) / schema_file(model)
        return _parse(path.read_bytes(), str(path)) if path.is_file() else {}
    except (OSError, ValueError):
        return {}


def read_types(root: str) -> dict[str, dict[str, str]]:
    """Every model's registry under a local root (at start, so the first events of a known model
    are typed as before the restart). A ``gs://`` root is read per model at its first flush."""
    from ctloop.storage import is_remote

    if is_remote(root):
        return {}
    out = {}
    directory = Path(root) / SCHEMA_DIR
    for path in sorted(directory.glob("model=*.json")) if directory.is_dir() else []:
        out[path.name[len("model="):-len(".json")]] = _parse(path.read_bytes(), str(path))
    return out


__all__ = ["FORMER_FEATURES", "former_features", "SCHEMA_DIR", "TYPES", "MISTYPED", "OVERFLOW", "WHOLE", "ERROR", "FORMAT_KEY", "FORMAT", "IDENTITY", "is_feature", "schema_file", "column_type", "accepted", "normalise", "arrow_schema",
           "dataset_schema", "sync", "claims_prefix", "claim_name", "CLAIMS_AT_ONCE",
           "load", "read_types", "registry"]

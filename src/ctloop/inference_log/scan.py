"""Reading a window of the inference log in bounded memory: the rows :func:`~.reader.read_log`
returns, as a stream of pandas chunks instead of one frame.

Exactly once, like ``read_log``: rows sharing ``(request_id, instance)`` become one
(:func:`~.reader.merge_halves`), which must see every row of such a ``request_id`` together (a
request and a response half are stitched only when they have as many rows:
:func:`~.reader.halves_involved`). Holding every key of a production day to find them is what
``read_log`` cannot afford, so it takes two passes:

1. :func:`involved_ids` reads only ``request_id`` and ``instance`` (column projection) and
   hashes each row's ``request_id`` and its ``(request_id, instance)`` key to 64 bits each.
   Pairs of hashes are kept in memory up to a budget, then spilled to ``SPILL_BUCKETS`` files on
   local disk by the top bits of the key hash and read back bucket by bucket: memory is bounded
   by the budget, not by rows. The result is the (sorted) hashes of the ``request_id`` of every
   key seen more than once.
2. :func:`scan_window` streams the rows chunk by chunk. A row whose ``request_id`` hash is not
   among them is not involved: it is filtered to the period and handed on at once. The rows of
   an involved id (the rare duplicates and half rows with all the other rows of their id, plus
   any row that merely collides with one) are kept aside; at the end those rows go through
   ``merge_halves`` together, exactly as ``read_log`` does, and are handed on. A hash collision
   can only send an uninvolved row through that exact path, where it stays as it is: collisions
   never change a result.

Every chunk has the columns of the window's unified schema (a column missing from an older file
is null there) with one type per column, ``_time`` (parsed UTC) and ``model_version`` (``""``
where unknown), like ``read_log``'s frame. Files are read with ``pyarrow.parquet`` batch by
batch (``batch_rows``), only the requested columns; local paths and ``gs://``, ``s3://``,
``az://`` roots (through ``ctloop.storage.filesystem``).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ctloop.columns import (
    HAS_REQUEST,
    HAS_RESPONSE,
    INSTANCE,
    MODEL_VERSION,
    PARSED_TIME,
    PREDICTION,
    REQUEST_ID,
    TIME,
)
from ctloop.errors import InferenceLogError
from ctloop.inference_log.events import INFERENCE_ID
from ctloop.inference_log.reader import STAMPED, open_parquet, with_instances
from ctloop.inference_log.schema import WHOLE

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa

DEFAULT_BATCH_ROWS = 131_072
KEY_BUDGET = 2_000_000  # (id, key) hash pairs held in memory (32 MB) before spilling to disk
SPILL_BUCKETS = 64
_EMPTY = np.zeros(0, dtype=np.uint64)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the instance hash spread before it is combined


# ---------------------------------------------------------------------------- files
def window_files(log_root: str, model: str, start: pd.Timestamp, end: pd.Timestamp) -> list[str]:
    """The Parquet files of the ``date=`` partitions holding ``start < time <= end``, in the
    order ``read_log`` reads them (day by day, sorted within a day)."""
    from ctloop.inference_log.layout import date_prefix
    from ctloop.inference_log.reader import log_dates
    from ctloop.storage import list_files

    return [f for day in log_dates(start, end) for f in list_files(date_prefix(log_root, model, day), ".parquet")]


def unified_schema(files: Sequence[str]) -> pa.Schema:
    """One schema over ``files`` (read from their footers): every column of any file, one type
    per column (integers and floats widen to float, as pandas concatenates them). A column whose
    types cannot be unified (int64 in one file, string in another: a business id another tool wrote
    as a number) is read with each file's own type (:data:`PER_FILE`), as ``read_log``'s concat
    holds it (an object column of the files' values); before round 53 the streamed window refused
    such files, naming them, where ``read_log`` read them."""
    import pyarrow as pa

    from ctloop.inference_log.schema import former_features

    schemas = [_renamed(pf.schema_arrow, former_features(pf.schema_arrow, pf)) for pf in map(open_parquet, files)]
    if not schemas:
        return pa.schema([])
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # files disagreeing on a column's type: read as read_log reads them
        mixed = _mixed_columns(schemas)
        unified = pa.unify_schemas([pa.schema([f for f in s if f.name not in mixed], metadata=s.metadata)
                                    for s in schemas], promote_options="permissive")
        order = list(dict.fromkeys(f.name for s in schemas for f in s))  # every column where unify_schemas puts it
        fields = {f.name: f for f in unified}
        fields.update({name: pa.field(name, pa.string(), metadata={PER_FILE[0]: PER_FILE[1]}) for name in mixed})
        return pa.schema([fields[name] for name in order], metadata=unified.metadata)


# the field metadata of a column whose type the window's files disagree on (int64 in one, string in another):
# read with each file's own type (:func:`read_batches`), as ``read_log``'s ``pd.concat`` reads it (an object
# column of the files' values); its schema type (string) is only a placeholder
PER_FILE = (b"ctloop.per_file_type", b"1")


def per_file(field: pa.Field) -> bool:
    """Whether ``field`` of a window's unified schema is read with each file's own type (:data:`PER_FILE`)."""
    return (field.metadata or {}).get(PER_FILE[0]) == PER_FILE[1]


def _mixed_columns(schemas: list[pa.Schema]) -> set[str]:
    """The columns whose types over ``schemas`` cannot be unified (a column's type in a schema does
    not unify with its type merged over the earlier ones: a file of nulls hides no pair)."""
    import pyarrow as pa

    merged: dict[str, pa.DataType] = {}
    mixed: set[str] = set()
    for schema in schemas:
        for f in schema:
            if f.name in mixed:
                continue
            so_far = merged.get(f.name)
            if so_far is None:
                merged[f.name] = f.type
                continue
            try:
                merged[f.name] = pa.unify_schemas([pa.schema([pa.field(f.name, so_far)]), pa.schema([f])],
                                                  promote_options="permissive").field(f.name).type
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                mixed.add(f.name)
    return mixed


def _renamed(schema: pa.Schema, renames: dict[str, str]) -> pa.Schema:
    """``schema`` with the fields of ``renames`` under their new names (a file's column that held a
    feature before it became an identity column: ``schema.former_features``)."""
    import pyarrow as pa

    if not renames:
        return schema
    return pa.schema([f.with_name(renames.get(f.name, f.name)) for f in schema], metadata=schema.metadata)


# ---------------------------------------------------------------------------- progress
@dataclass
class Progress:
    """Rows and files read so far, printed to stderr (the component log) every ``every`` seconds."""

    label: str
    files_total: int
    every: float = 10.0
    rows: int = 0
    files_done: int = 0
    started: float = field(default_factory=time.monotonic)
    _last: float = 0.0
    stream: object = None

    def add(self, rows: int, file_done: bool = False) -> None:
        self.rows += rows
        self.files_done += file_done
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.report()

    def report(self, done: bool = False) -> None:
        seconds = max(time.monotonic() - self.started, 1e-9)
        print(f"ctloop: {self.label}: {self.rows:,} rows, {self.files_done}/{self.files_total} files"
              f"{' (done)' if done else ''}, {self.rows / seconds / 1e6:.2f}M rows/s, {seconds:.0f} s",
              file=self.stream or sys.stderr, flush=True)


def read_batches(files: Sequence[str], schema: pa.Schema, columns: Sequence[str], *,
                 batch_rows: int = DEFAULT_BATCH_ROWS, progress: Progress | None = None) -> Iterator[pa.Table]:
    """``columns`` of ``files`` batch by batch, each as a table with ``schema``'s types (columns a
    file lacks are null; a file's column that held a feature before it became an identity column
    is read as that feature's column now, as :func:`unified_schema` names it). Each table's schema
    metadata holds the sink's stamp (``schema.FORMAT_KEY``) exactly when its file does
    (:func:`~.reader.stamped_schema`: the reading of its response halves of nothing)."""
    import pyarrow as pa

    from ctloop.inference_log.schema import FORMAT_KEY, former_features

    wanted = [c for c in columns if c in schema.names]
    target = pa.schema([schema.field(c) for c in wanted], metadata=schema.metadata)
    own = {c for c in wanted if per_file(target.field(c))}  # the files disagree on its type: each file's own
    unstamped = {k: v for k, v in (target.metadata or {}).items() if k != FORMAT_KEY}
    for uri in files:
        pf = open_parquet(uri)
        stamp = (pf.schema_arrow.metadata or {}).get(FORMAT_KEY)
        shape = target.with_metadata(unstamped if stamp is None else {**unstamped, FORMAT_KEY: stamp})
        renames = former_features(pf.schema_arrow, pf)
        names = _renamed(pf.schema_arrow, renames).names
        source = {new: old for old, new in renames.items()}
        have = [c for c in wanted if c in names]
        try:
            for batch in pf.iter_batches(batch_size=batch_rows, columns=[source.get(c, c) for c in have],
                                         use_pandas_metadata=False):
                n = batch.num_rows
                arrays = [_own(batch.column(source.get(c, c))) if c in own and c in have
                          else pa.nulls(n) if c in own
                          else batch.column(source.get(c, c)).cast(target.field(c).type) if c in have
                          else pa.nulls(n, type=target.field(c).type) for c in wanted]
                if progress is not None:
                    progress.add(n)
                yield pa.Table.from_arrays(arrays, schema=pa.schema(
                    [pa.field(c, a.type) if c in own else target.field(c) for c, a in zip(wanted, arrays, strict=True)],
                    metadata=shape.metadata) if own else shape)
        except (OSError, ValueError, pa.ArrowException) as exc:  # a cast Arrow cannot make (ArrowNotImplementedError)
            raise InferenceLogError(f"cannot read inference log file {uri}: {exc}") from exc
        if progress is not None:
            progress.add(0, file_done=True)


def _own(values: pa.Array) -> pa.Array:
    """A column read with its file's own type (:data:`PER_FILE`): a dictionary column as its values,
    as ``pd.concat`` of a category and another type holds them."""
    import pyarrow as pa

    return values.dictionary_decode() if pa.types.is_dictionary(values.type) else values


# ---------------------------------------------------------------------------- keys
def key_columns(schema: pa.Schema) -> list[str]:
    """The identity of a logged row present in the log: ``request_id`` and ``instance``."""
    return [c for c in (REQUEST_ID, INSTANCE) if c in schema.names]


def id_hashes(frame: pd.DataFrame) -> np.ndarray:
    """64-bit hashes of ``request_id`` (one Arrow type per column in a window: the unified schema)."""
    import pandas as pd

    return pd.util.hash_pandas_object(frame[REQUEST_ID], index=False).to_numpy(dtype=np.uint64)


def key_hashes(frame: pd.DataFrame, ids: Sequence[str], id_hash: np.ndarray | None = None) -> np.ndarray:
    """64-bit hashes of ``(request_id, instance)``; equal keys (as ``DataFrame.duplicated`` sees
    them) get equal hashes; instances as float (``1`` and ``1.0`` are one key), a call of no
    instance (-1) as instance 0 (:func:`~.reader.pair_instances`: :func:`~.reader.halves_involved`'s
    key). ``id_hash``: the :func:`id_hashes` of ``frame`` when already computed."""
    import pandas as pd

    from ctloop.inference_log.reader import pair_instances

    if REQUEST_ID not in ids:
        return np.zeros(len(frame), dtype=np.uint64)
    hashed = id_hashes(frame) if id_hash is None else id_hash
    if INSTANCE not in ids:
        return hashed
    instances = pair_instances(frame[INSTANCE]).astype("float64")  # -1 pairs with 0 (reader.merge_halves)
    spread = pd.util.hash_pandas_object(instances, index=False).to_numpy(dtype=np.uint64) * _MIX
    return hashed ^ (spread + (hashed << np.uint64(6)) + (hashed >> np.uint64(2)))  # boost's hash_combine


class _SpillError(InferenceLogError):
    """The spill directory cannot hold the hashes (not a directory, read-only, full): the caller's
    setting, raised as it is, never taken for an unreadable log."""


@contextlib.contextmanager
def _spilling(spill_dir: str | None) -> Iterator[None]:
    """Spill I/O: an ``OSError`` becomes one :class:`_SpillError` naming ``spill_dir``."""
    try:
        yield
    except OSError as exc:
        where = spill_dir if spill_dir is not None else tempfile.gettempdir()
        raise _SpillError(f"spill_dir {where!r} cannot hold the scan's id hashes: {exc} "
                          "(set spill_dir to a writable directory with room)") from exc


def involved_ids(files: Sequence[str], schema: pa.Schema, *, budget: int = KEY_BUDGET,
                 spill_dir: str | None = None, batch_rows: int = DEFAULT_BATCH_ROWS,
                 progress: Progress | None = None) -> np.ndarray:
    """Sorted hashes of the ``request_id`` of every ``(request_id, instance)`` key that occurs more
    than once in ``files``: the ids whose rows :func:`~.reader.merge_halves` must see together
    (pass 1, module doc). Memory: ``budget`` hash pairs, then one spill bucket at a time."""
    ids = key_columns(schema)
    if REQUEST_ID not in ids:  # no ids: nothing to merge (as read_log)
        return _EMPTY
    held: list[np.ndarray] = []
    count = 0
    spill: tempfile.TemporaryDirectory | None = None
    handles: list = []

    def to_disk(pairs: np.ndarray) -> None:
        bucket = (pairs[:, 0] >> np.uint64(64 - 6)).astype(np.int64)  # 64 buckets by the key's top 6 bits
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(SPILL_BUCKETS + 1))
        for b in range(SPILL_BUCKETS):
            if bounds[b + 1] > bounds[b]:
                pairs[order[bounds[b]:bounds[b + 1]]].tofile(handles[b])

    try:
        for table in read_batches(files, schema, ids, batch_rows=batch_rows, progress=progress):
            frame = table.to_pandas()
            hashed = id_hashes(frame)
            pairs = np.column_stack([key_hashes(frame, ids, hashed), hashed])
            if spill is None:
                held.append(pairs)
                count += len(pairs)
                if count > budget:
                    with _spilling(spill_dir):
                        spill = tempfile.TemporaryDirectory(prefix="ctloop-keys-", dir=spill_dir)
                        handles = [open(os.path.join(spill.name, f"{b:02d}.u64"), "wb") for b in range(SPILL_BUCKETS)]
                        to_disk(np.concatenate(held))
                    held = []
            else:
                with _spilling(spill_dir):
                    to_disk(pairs)
        if spill is None:
            return _involved(np.concatenate(held) if held else _EMPTY.reshape(0, 2))
        with _spilling(spill_dir):
            for h in handles:
                h.close()
            found = [_involved(np.fromfile(os.path.join(spill.name, f"{b:02d}.u64"), dtype=np.uint64).reshape(-1, 2))
                     for b in range(SPILL_BUCKETS)]
        return np.unique(np.concatenate(found))
    finally:
        for h in handles:
            h.close()
        if spill is not None:
            spill.cleanup()


def _involved(pairs: np.ndarray) -> np.ndarray:
    """The sorted id hashes (column 1) of the key hashes (column 0) that repeat."""
    if not len(pairs):
        return _EMPTY
    _, inverse, counts = np.unique(pairs[:, 0], return_inverse=True, return_counts=True)
    return np.unique(pairs[counts[inverse] > 1, 1])


def is_involved(hashes: np.ndarray, involved: np.ndarray) -> np.ndarray:
    """Whether each hash is in the sorted array ``involved``."""
    if not len(involved):
        return np.zeros(len(hashes), dtype=bool)
    at = np.minimum(np.searchsorted(involved, hashes), len(involved) - 1)
    return involved[at] == hashes


# ---------------------------------------------------------------------------- rows
def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """What ``read_log`` adds to logged rows: ``_time`` and a text ``model_version``. The rows of
    calls of no instance stay (their other half may be another replica's row 0): they are left
    out once held rows are merged (:func:`merge_held`), or at once when not held (``_scan_rows``),
    as ``read_log`` leaves them out (:func:`~.reader.calls_with_instances`)."""
    from ctloop.inference_log.reader import utc_times

    frame[PARSED_TIME] = utc_times(frame[TIME])
    if MODEL_VERSION not in frame.columns:
        frame[MODEL_VERSION] = ""
    frame[MODEL_VERSION] = frame[MODEL_VERSION].fillna("").astype(str)
    return frame


def in_period(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    times = frame[PARSED_TIME]
    return frame[(times > start) & (times <= end)]


@dataclass
class Held:
    """The rows of involved ids, kept aside for :func:`merge_held` (rare: duplicates, halves)."""

    frames: list = field(default_factory=list)
    skipped: int = 0  # rows of the period read as no row: response halves of nothing (reader.no_inference)
    answers: int = 0  # ... of them, those of stamped files: answers without a prediction (reader.null_answers)

    @property
    def rows(self) -> int:
        return sum(len(f) for f in self.frames)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        frames = [f for f in self.frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def scan_unique(files: Sequence[str], schema: pa.Schema, columns: Sequence[str] | None,
                start: pd.Timestamp, end: pd.Timestamp, involved: np.ndarray, held: Held, *,
                batch_rows: int = DEFAULT_BATCH_ROWS, progress: Progress | None = None, key_budget: int = KEY_BUDGET,
                spill_dir: str | None = None) -> Iterator[pd.DataFrame]:
    """Pass 2 over ``files``: chunks of the uninvolved rows in ``(start, end]``; rows whose
    ``request_id`` hash is in ``involved`` (:func:`involved_ids`) are appended to ``held``
    instead (whole days: halves either side of ``start`` still meet). ``key_budget``/``spill_dir``:
    the day before's request id hashes held in memory before they spill to disk (:class:`_Lookback`)."""
    wanted = list(schema.names) if columns is None else [c for c in dict.fromkeys([*key_columns(schema), TIME,
                                                                                      *columns]) if c in schema.names]
    if columns is not None and HAS_RESPONSE in wanted and WHOLE in schema.names and WHOLE not in wanted:
        wanted.append(WHOLE)  # what merge_halves joins a TF Serving columnar pair's halves with, as read_log does
    extra = merge_columns(schema, columns, wanted)
    wanted += extra
    if TIME not in schema.names and len(schema.names):
        raise InferenceLogError("the inference log has no 'time' column: not a log written by ctloop's sink")
    ids = key_columns(schema)
    back = _Lookback(files, schema, wanted, start, batch_rows, key_budget, spill_dir, end=end, columns=columns)
    try:
        chunks = itertools.chain(_scan_rows(files, schema, wanted, ids, start, end, involved, held, back, batch_rows,
                                            progress, extra=extra), back.finish(held))
        for chunk in chunks:  # the merge's columns of lone halves handed on: not asked for (nor the stamp)
            dropped = [c for c in (*extra, STAMPED) if c in chunk.columns]
            yield chunk.drop(columns=dropped) if dropped else chunk
        back.finish_ahead(held)
    finally:
        back.close()


def merge_columns(schema: pa.Schema, columns: Sequence[str] | None, wanted: Sequence[str]) -> list[str]:
    """The columns of ``schema`` a projection (``columns``) that merges halves (with
    ``has_response``) reads for :func:`merge_held` only, not returned: the v2 body id (what
    ``merge_halves`` pairs the halves of a reused id by), ``_error`` and the predictions (what it
    tells an answer about an empty batch by, ``reader._no_instance_halves``, and marks a failed
    call's rows with)."""
    from ctloop.inference_log.schema import ERROR, MISTYPED

    if columns is None or HAS_RESPONSE not in wanted:
        return []
    merge = (INFERENCE_ID, ERROR, MISTYPED)  # _mistyped: a prediction that did not fit (reader.no_inference)
    return [c for c in schema.names if c not in wanted
            and (c in merge or c == PREDICTION or c.startswith(f"{PREDICTION}_"))]


def _scan_rows(files, schema, wanted, ids, start, end, involved, held, back, batch_rows, progress, *,
               extra: Sequence[str] = ()):
    """``extra``: the columns added to a projection for :func:`merge_held` (:func:`merge_columns`);
    they are made pandas values only for the rows held or set aside (the v2 body id, a column of
    Python strings per chunk, cost a projected scan 41% more memory per chunk)."""
    from ctloop.inference_log.reader import (
        awaiting,
        lone_responses,
        no_inference_table,
        stamped_schema,
    )

    for table in read_batches(files, schema, wanted, batch_rows=batch_rows, progress=progress):
        empty = no_inference_table(table)  # by position: a response half of nothing (not held: no row)
        stamped = stamped_schema(table.schema)  # its file's: such a half is an answer without a prediction
        body = {c: table.column(c) for c in extra if c in table.column_names}
        if body:
            table = table.drop_columns(list(body))
        frame = prepare(table.to_pandas())
        if body:
            frame = frame.reset_index(drop=True)  # a row's label is its position in the table

        def with_ids(rows, body=body, stamped=stamped):  # held rows say their file's stamp (reader.null_answers)
            rows = rows.assign(**{STAMPED: stamped})
            if not body:
                return rows
            at = rows.index.to_numpy()
            return rows.assign(**{c: values.take(at).to_pandas().to_numpy() for c, values in body.items()})

        hashed = id_hashes(frame) if REQUEST_ID in ids else None
        rep = is_involved(hashed, involved) if hashed is not None else np.zeros(len(frame), dtype=bool)
        if rep.any():
            held.frames.append(with_ids(frame[rep]))
            back.note_held(frame[rep])
            frame, hashed = frame[~rep], hashed[~rep]
        some = with_instances(frame)  # a call of no instance not held: no row (held: once merged)
        if some is not None:
            frame, hashed = frame[some], (hashed[some] if hashed is not None else None)
        period = ((frame[PARSED_TIME] > start) & (frame[PARSED_TIME] <= end)).to_numpy()
        if empty is not None:
            nothing = period & empty[frame.index.to_numpy()]  # labels are positions in the table
            held.skipped += int(nothing.sum())
            held.answers += int(nothing.sum()) if stamped else 0
            period &= ~nothing
        frame, hashed = frame[period], (hashed[period] if hashed is not None else None)
        waiting = awaiting(frame, end).to_numpy()
        if waiting.any() and back.ahead(int(waiting.sum())):  # lone requests whose answer may be in the day after
            held.frames.append(with_ids(frame[waiting]))
            back.waiting.update(frame.loc[waiting, REQUEST_ID].astype(str))
            frame, hashed = frame[~waiting], hashed[~waiting]
        alone = lone_responses(frame).to_numpy()
        if alone.any() and back.possible():
            aside = back.aside(with_ids(frame[alone]), hashed[alone], held)
            frame = frame[~alone]
            if len(frame):
                yield frame.reset_index(drop=True)
            yield from aside
        elif len(frame):
            yield frame.reset_index(drop=True)


class _Lookback:
    """The day before a read, for the response halves whose request half a replica wrote there
    (a call split at midnight): such a call counts once, in its request's window, as
    ``read_log`` counts it (:func:`~.reader.earlier_rows`). In bounded memory:

    * the footers of the day before's files tell whether any may hold a request half (the
      ``has_request`` statistics): when none may (a model logged with ``logger.mode:
      response``), lone response halves are handed on at once, the day before never read;
      when one may, every file of the day before is read as ``read_log`` reads it (response-only
      files too: a day whose logger mode changed has both);
    * otherwise lone response halves wait, up to ``batch_rows`` rows; then the hashes of the
      request ids of the day before are read once (two columns) into an :class:`_IdSet` (in
      memory up to ``key_budget`` hashes, else spilled to sorted files on disk) and every lone
      half is decided against them: handed on, or held with its id's rows of the day before;
    * held rows still only a response (a response half stored twice is involved, then still
      alone once merged) have their id looked up as well, so the merge (:func:`merge_held`, after
      every partition) stitches them with their request.

    The day before is not the window's data: when it cannot be read, the halves count in this
    window as before round 43, with one line on stderr (once: nothing is looked up after it)."""

    def __init__(self, files: Sequence[str], schema: pa.Schema, wanted: list[str], start: pd.Timestamp,
                 batch_rows: int, key_budget: int = KEY_BUDGET, spill_dir: str | None = None, *,
                 end: pd.Timestamp | None = None, columns: Sequence[str] | None = None) -> None:
        self.files, self.schema, self.wanted, self.start, self.batch_rows = files, schema, wanted, start, batch_rows
        self.end = end
        self._ahead: list[str] | None = None  # the day after's files that may hold a response half
        self.ahead_schema = schema  # the window's types widened by the day after's, and its columns (ahead())
        self.ahead_wanted = list(wanted)
        self.columns = columns  # the columns the scan projects to (None: all)
        self.waiting: set[str] = set()  # ids of held lone request halves to look up in the day after
        self.held_waiting: set[str] = set()  # ids of involved rows' request halves before that midnight
        self.answered: set[str] = set()  # ids of involved rows with a response half (merged: not lone)
        self.key_budget, self.spill_dir = key_budget, spill_dir
        self.read_schema = schema  # the window's types widened by the day before's (possible())
        self._possible: list[str] | None = None
        self.ids: _IdSet | None = None  # hashes of the day before's request ids, once read
        self.pending: list[pd.DataFrame] = []  # lone halves waiting (fewer than batch_rows rows)
        self.halves: set[str] = set()  # ids of held response halves
        self.asked: set[str] = set()  # ids of held request halves (their response halves meet them here)
        self.failed = False

    def _warn(self, rows: int, exc: Exception) -> None:
        self.failed = True
        self._possible = []  # nothing more is looked up: one line for the whole scan
        print(f"ctloop: the day before the window was not looked up for the requests of lone response half "
              f"rows ({rows} waiting; they and any after them count in this window): {exc}",
              file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.ids is not None:
            self.ids.close()

    def possible(self) -> list[str]:
        """The day before's files with a ``request_id`` column, all of them when the footers say
        one may hold a request half, else none (as ``read_log``, which looks at every file)."""
        from ctloop.inference_log.reader import earlier_files

        if self._possible is None:
            self._possible = []
            if self.files and not self.failed:
                try:
                    keyed = _footers(earlier_files(self.files[0].rsplit("/date=", 1)[0], self.start), HAS_REQUEST)
                    if any(may for _, may in keyed.values()):
                        self._possible = list(keyed)
                        self.read_schema = _widened(self.schema, [schema for schema, _ in keyed.values()])
                except (InferenceLogError, OSError, ValueError) as exc:
                    self._warn(0, exc)
                    self._possible = []
        return self._possible

    def ahead(self, rows: int = 0) -> list[str]:
        """The files of the day after the read (:func:`~.reader.later_files`) with a ``request_id``,
        none when their footers say none holds a response half (:func:`~.reader.may_hold`): where
        the response halves of the lone request halves just before the midnight ending the read
        are looked up (the mirror of :meth:`possible`; ``read_log`` looks them up alike,
        :func:`~.reader.later_rows`). ``rows``: how many lone request halves are about to wait (the
        warning when the day after cannot be read counts them)."""
        import pyarrow as pa

        from ctloop.inference_log.reader import later_files

        if self._ahead is None:
            self._ahead = []
            if self.files and self.end is not None:
                try:
                    keyed = _footers(later_files(self.files[0].rsplit("/date=", 1)[0], self.end), HAS_RESPONSE)
                    if not any(may for _, may in keyed.values()):
                        keyed = {}  # no response half there (logger.mode: request): nothing to look up
                    others = [schema for schema, _ in keyed.values()]
                    widened = _widened(self.schema, others)
                    try:  # the day after's own columns too (a response's predictions the window's files lack)
                        extra = [f for f in pa.unify_schemas(others, promote_options="permissive")
                                 if f.name not in widened.names and (self.columns is None or f.name in self.columns)]
                    except (pa.ArrowInvalid, pa.ArrowTypeError):
                        extra = []
                    self.ahead_schema = pa.schema([*widened, *extra], metadata=widened.metadata)
                    self.ahead_wanted = [*self.wanted, *(f.name for f in extra)]
                    self._ahead = list(keyed)
                except (InferenceLogError, OSError, ValueError) as exc:
                    self._warn_ahead(len(self.waiting) + rows, exc)
        return self._ahead

    def _warn_ahead(self, waiting: int, exc: Exception) -> None:
        self._ahead = []
        print(f"ctloop: the day after the window was not looked up for the responses of lone request half rows "
              f"({waiting} waiting; they count unanswered in this window): {exc}", file=sys.stderr, flush=True)

    def finish_ahead(self, held: Held) -> None:
        """The day after's rows of the held lone request halves' ids added to ``held``
        (:func:`merge_held` stitches them as a read of both days would)."""
        import pandas as pd

        # an involved id's request half counts as waiting only when no held row of it is answered
        # (the mirror of finish()'s halves - asked): halves of one call two replicas wrote before
        # midnight merge here, and the day after is not read for them
        wanted = self.waiting | (self.held_waiting - self.answered)
        if not wanted or not self.ahead(len(wanted)):
            return
        later = []
        try:
            for uri in self._ahead:  # its request_id column first: a file without the ids is read no further
                if not any(t.column(REQUEST_ID).to_pandas().astype(str).isin(wanted).any()
                           for t in read_batches([uri], self.ahead_schema, [REQUEST_ID], batch_rows=self.batch_rows)):
                    continue
                for table in read_batches([uri], self.ahead_schema, self.ahead_wanted, batch_rows=self.batch_rows):
                    match = table.column(REQUEST_ID).to_pandas().astype(str).isin(wanted).to_numpy()
                    if match.any():
                        later.append(prepare(table.filter(match).to_pandas()))
        except (InferenceLogError, OSError, ValueError) as exc:
            self._warn_ahead(len(wanted), exc)
            return
        if later:
            held.frames.append(pd.concat(later, ignore_index=True))

    def note_held(self, rows: pd.DataFrame) -> None:
        """Note the held rows' response halves, and their ids with a request half in the read (and
        their lone request halves just before the midnight ending the read, :meth:`ahead`, with the
        ids a held row answers: :meth:`finish_ahead` looks up only those left unanswered)."""
        from ctloop.inference_log.reader import awaiting, flag, lone_responses

        if self.end is not None:
            waiting = awaiting(rows, self.end) & (rows[PARSED_TIME] > self.start).to_numpy(bool) & (
                rows[PARSED_TIME] <= self.end).to_numpy(bool)
            if waiting.any():  # looked up only if no held row answers it (finish_ahead)
                self.held_waiting.update(rows.loc[waiting, REQUEST_ID].astype(str))
            answered = flag(rows[HAS_RESPONSE]).to_numpy() if HAS_RESPONSE in rows.columns else slice(None)
            self.answered.update(rows.loc[answered, REQUEST_ID].astype(str))

        alone = lone_responses(rows)
        if alone.any():
            self.halves.update(rows.loc[alone, REQUEST_ID].astype(str))
        if HAS_REQUEST in rows.columns:
            self.asked.update(rows.loc[flag(rows[HAS_REQUEST]).to_numpy(), REQUEST_ID].astype(str))

    def aside(self, rows: pd.DataFrame, hashed: np.ndarray, held: Held) -> Iterator[pd.DataFrame]:
        """Lone response halves: held when their id has a request the day before, else handed on."""
        if self.ids is None:
            self.pending.append(rows.assign(**{_HASH: hashed}))
            if sum(len(f) for f in self.pending) < self.batch_rows:
                return
            if not self._read_ids():
                yield from self._slices(self._take_pending())
                return
            rows = self._take_pending()
            hashed = rows.pop(_HASH).to_numpy(dtype=np.uint64)
        hit = self.ids.contains(hashed)
        if hit.any():
            held.frames.append(rows[hit])
            self.halves.update(rows.loc[hit, REQUEST_ID].astype(str))
        yield from self._slices(rows[~hit])

    def _take_pending(self) -> pd.DataFrame:
        import pandas as pd

        rows = pd.concat(self.pending, ignore_index=True)
        self.pending = []
        return rows

    def _read_ids(self) -> bool:
        """The hashes of the request ids of the day before (its request rows), batch by batch into an
        :class:`_IdSet` (memory: ``key_budget`` hashes, then one batch at a time); False when unreadable."""
        from ctloop.inference_log.reader import flag

        found = _IdSet(self.key_budget, self.spill_dir)
        columns = [c for c in (REQUEST_ID, HAS_REQUEST) if c in self.schema.names]
        try:
            for table in read_batches(self.possible(), self.read_schema, columns, batch_rows=self.batch_rows):
                frame = table.to_pandas()
                if HAS_REQUEST in frame.columns:
                    frame = frame[flag(frame[HAS_REQUEST]).to_numpy()]
                found.add(np.unique(id_hashes(frame[frame[REQUEST_ID].notna()])))
            found.done()
        except _SpillError:  # the spill directory, not the day before: raised, never counted as unreadable
            found.close()
            raise
        except (InferenceLogError, OSError, ValueError) as exc:
            found.close()
            self._warn(sum(len(f) for f in self.pending), exc)
            return False
        self.ids = found
        return True

    def _slices(self, rows: pd.DataFrame) -> Iterator[pd.DataFrame]:
        rows = rows.drop(columns=[_HASH], errors="ignore")
        for at in range(0, len(rows), self.batch_rows):
            yield rows.iloc[at:at + self.batch_rows].reset_index(drop=True)

    def finish(self, held: Held) -> Iterator[pd.DataFrame]:
        """The waiting lone halves decided (their ids looked up in the day before's files), and the
        day before's rows of the held halves' ids added to ``held``."""
        import pandas as pd

        from ctloop.inference_log.reader import flag

        rows = self._take_pending().drop(columns=[_HASH]) if self.pending else None
        wanted = (self.halves - self.asked) | (set(rows[REQUEST_ID].astype(str)) if rows is not None else set())
        if not wanted or self.failed or not self.possible():
            if rows is not None:
                yield from self._slices(rows)
            return
        earlier = []
        try:
            for uri in self.possible():  # its request_id column first: a file without the ids is read no further
                if not any(t.column(REQUEST_ID).to_pandas().astype(str).isin(wanted).any()
                           for t in read_batches([uri], self.read_schema, [REQUEST_ID], batch_rows=self.batch_rows)):
                    continue
                for table in read_batches([uri], self.read_schema, self.wanted, batch_rows=self.batch_rows):
                    match = table.column(REQUEST_ID).to_pandas().astype(str).isin(wanted).to_numpy()
                    if match.any():
                        earlier.append(prepare(table.filter(match).to_pandas()))
        except (InferenceLogError, OSError, ValueError) as exc:
            self._warn(len(rows) if rows is not None else len(self.halves), exc)
            earlier = []
        before = pd.concat(earlier, ignore_index=True) if earlier else pd.DataFrame()
        if before.empty or (HAS_REQUEST in before.columns and not flag(before[HAS_REQUEST]).any()):
            if rows is not None:
                yield from self._slices(rows)
            return
        held.frames.append(before.assign(**{BEFORE: True}))
        if rows is not None:
            found = rows[REQUEST_ID].astype(str).isin(set(before[REQUEST_ID].astype(str)))
            held.frames.append(rows[found])
            yield from self._slices(rows[~found])


class _IdSet:
    """A set of 64-bit hashes: in memory (one sorted array) up to ``budget`` hashes, past it
    spilled to ``SPILL_BUCKETS`` files by their top bits, each then sorted and mapped from disk
    (``numpy.memmap``: a lookup reads the pages it binary-searches, not the set)."""

    def __init__(self, budget: int, spill_dir: str | None) -> None:
        self.budget, self.spill_dir = budget, spill_dir
        self.held: list[np.ndarray] = []
        self.count = 0
        self.spill: tempfile.TemporaryDirectory | None = None
        self.handles: list = []
        self.sorted = _EMPTY
        self.buckets: list[np.ndarray] | None = None

    def add(self, hashes: np.ndarray) -> None:
        if self.spill is not None:
            with _spilling(self.spill_dir):
                self._to_disk(hashes)
            return
        self.held.append(hashes)
        self.count += len(hashes)
        if self.count > self.budget:
            with _spilling(self.spill_dir):
                self.spill = tempfile.TemporaryDirectory(prefix="ctloop-ids-", dir=self.spill_dir)
                self.handles = [open(self._path(b), "wb") for b in range(SPILL_BUCKETS)]
                self._to_disk(np.concatenate(self.held))
            self.held = []

    def _path(self, b: int) -> str:
        return os.path.join(self.spill.name, f"{b:02d}.u64")

    def _to_disk(self, hashes: np.ndarray) -> None:
        bucket = (hashes >> np.uint64(64 - 6)).astype(np.int64)
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(SPILL_BUCKETS + 1))
        for b in range(SPILL_BUCKETS):
            if bounds[b + 1] > bounds[b]:
                hashes[order[bounds[b]:bounds[b + 1]]].tofile(self.handles[b])

    def done(self) -> None:
        """No more hashes: sort them (bucket by bucket when spilled)."""
        if self.spill is None:
            self.sorted = np.unique(np.concatenate(self.held)) if self.held else _EMPTY
            self.held = []
            return
        with _spilling(self.spill_dir):
            for h in self.handles:
                h.close()
            self.buckets = []
            for b in range(SPILL_BUCKETS):
                values = np.unique(np.fromfile(self._path(b), dtype=np.uint64))
                values.tofile(self._path(b))
                self.buckets.append(np.memmap(self._path(b), dtype=np.uint64, mode="r") if len(values) else _EMPTY)
                del values

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        if self.buckets is None:
            return is_involved(hashes, self.sorted)
        out = np.zeros(len(hashes), dtype=bool)
        bucket = (hashes >> np.uint64(64 - 6)).astype(np.int64)
        for b in np.unique(bucket):
            at = bucket == b
            out[at] = is_involved(hashes[at], self.buckets[b])
        return out

    def close(self) -> None:
        for h in self.handles:
            h.close()
        self.buckets, self.sorted = None, _EMPTY
        if self.spill is not None:
            self.spill.cleanup()
            self.spill = None


_HASH = "__ctloop_id_hash"  # a waiting lone half's id hash (never a logged column: the sink writes no double underscore)


def _widened(schema: pa.Schema, others: list[pa.Schema]) -> pa.Schema:
    """``schema`` with its columns' types widened to hold the same columns of ``others`` too (a
    column null-typed in the window, typed the day before: read as ``read_log``'s concat reads
    it); ``schema`` itself when they cannot be unified (the read then fails with a line)."""
    import pyarrow as pa

    own = {f.name for f in schema if per_file(f)}  # read with each file's own type: nothing to widen
    try:
        unified = pa.unify_schemas([pa.schema([f for f in s if f.name not in own]) for s in [schema, *others]],
                                   promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return schema
    return pa.schema([schema.field(name) if name in own else unified.field(name)
                      for name in schema.names], metadata=schema.metadata)


def _footers(uris: Sequence[str], column: str) -> dict[str, tuple[pa.Schema, bool]]:
    """Of each of ``uris`` with a ``request_id`` column: its schema (former features renamed) and
    whether its footer says a row may have ``column`` true (:func:`~.reader.may_hold`). One file
    open at a time: a day may have more files than the process may open."""
    from ctloop.inference_log.reader import may_hold
    from ctloop.inference_log.schema import former_features

    keyed = {}
    for uri in uris:
        pf = open_parquet(uri)
        try:
            if REQUEST_ID in pf.schema_arrow.names:
                keyed[uri] = (_renamed(pf.schema_arrow, former_features(pf.schema_arrow, pf)), may_hold(pf, column))
        finally:
            pf.close(force=True)
    return keyed


def merge_held(held: Held, start: pd.Timestamp, end: pd.Timestamp,
               types: dict[str, str] | None = None) -> pd.DataFrame:
    """The held rows made one per key (``merge_halves``, with the model's column ``types``), then
    filtered to the period. The rows of the day before a lone response half's id was looked up in
    (:class:`_Lookback`, marked :data:`BEFORE`) count as ``read_log`` counts them: merged with the
    rows of the ids still only a response once the window's rows are merged, and no other. The
    rows of calls of no instance are left out once merged (:func:`~.reader.calls_with_instances`)."""
    from ctloop.inference_log.reader import calls_with_instances

    merged = calls_with_instances(_merge_held(held, start, end, types))  # calls of no instance: merged, then no row
    return merged.drop(columns=[STAMPED]) if STAMPED in merged.columns else merged


def _merge_held(held: Held, start: pd.Timestamp, end: pd.Timestamp,
                types: dict[str, str] | None = None) -> pd.DataFrame:
    import pandas as pd

    from ctloop.inference_log.reader import lone_responses, merge_halves, no_inference, null_answers

    rows = held.frame()
    if rows.empty:
        return rows
    before = rows.pop(BEFORE).eq(True).to_numpy() if BEFORE in rows.columns else None
    earlier = rows[before] if before is not None else rows.iloc[:0]
    rows = rows[~before].reset_index(drop=True) if before is not None else rows
    merged = in_period(merge_halves(rows, types), start, end).reset_index(drop=True)
    empty = no_inference(merged)  # as read_log: no row, and not looked up in the day before
    if empty is not None:
        held.skipped += int(empty.sum())
        held.answers += int(null_answers(merged, empty).sum())
        merged = merged[~empty].reset_index(drop=True)
    alone = lone_responses(merged)
    if earlier.empty or not alone.any():
        return merged
    ids = set(merged.loc[alone, REQUEST_ID].astype(str))
    earlier = earlier[earlier[REQUEST_ID].astype(str).isin(ids)]
    found = set(earlier[REQUEST_ID].astype(str))
    if not found:
        return merged
    again = merge_halves(pd.concat([rows[rows[REQUEST_ID].astype(str).isin(found)], earlier], ignore_index=True),
                         types)
    return pd.concat([merged[~merged[REQUEST_ID].astype(str).isin(found)], in_period(again, start, end)],
                     ignore_index=True)


BEFORE = "__ctloop_day_before"  # a held row read from the day before a read (never a logged column)


def scan_window(log_root: str, model: str, start: pd.Timestamp, end: pd.Timestamp, *,
                columns: Sequence[str] | None = None, batch_rows: int = DEFAULT_BATCH_ROWS,
                spill_dir: str | None = None, key_budget: int = KEY_BUDGET, progress: Callable[[str, int], Progress] | bool = True
                ) -> Iterator[pd.DataFrame]:  # fmt: skip
    """The rows ``read_log(log_root, model, start, end)`` returns, chunk by chunk, in bounded
    memory (module doc); ``columns`` projects (the key, ``time`` and the added columns always
    come along). ``progress``: report rows/s and files done on stderr; ``key_budget``: hash pairs
    held in memory in pass 1 before they spill to disk (``spill_dir``)."""
    files = window_files(log_root, model, start, end)
    schema = unified_schema(files)
    report = progress if callable(progress) else (lambda label, n: Progress(label, n)) if progress else None
    first = report(f"log keys of {model}", len(files)) if report else None
    involved = involved_ids(files, schema, budget=key_budget, spill_dir=spill_dir, batch_rows=batch_rows,
                            progress=first)
    if first is not None:
        first.report(done=True)
    second = report(f"log rows of {model}", len(files)) if report else None
    held = Held()
    yield from scan_unique(files, schema, columns, start, end, involved, held, batch_rows=batch_rows,
                           progress=second, key_budget=key_budget, spill_dir=spill_dir)
    from ctloop.inference_log.schema import registry

    merged = merge_held(held, start, end, registry(log_root, model))
    if held.skipped:
        from ctloop.inference_log.reader import say_no_inference

        say_no_inference(held.skipped - held.answers, model, held.answers)
    extra = [c for c in merge_columns(schema, columns, [*key_columns(schema), TIME, *(columns or ())])
             if c in merged.columns]
    if extra:
        merged = merged.drop(columns=extra)  # read for the merge only, as in scan_unique
    if second is not None:
        second.report(done=True)
    if len(merged):
        yield merged


__all__ = ["window_files", "open_parquet", "unified_schema", "Progress", "read_batches", "key_columns", "key_hashes",
           "id_hashes", "involved_ids", "is_involved", "prepare", "in_period", "Held", "scan_unique", "merge_held",
           "scan_window", "DEFAULT_BATCH_ROWS", "KEY_BUDGET"]

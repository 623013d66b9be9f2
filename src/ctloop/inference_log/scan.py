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
    REQUEST_ID,
    TIME,
)
from ctloop.errors import InferenceLogError
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


def open_parquet(uri: str, error: type[Exception] = InferenceLogError, what: str = "inference log file"):
    """A ``pyarrow.parquet.ParquetFile`` of a local or object-store file (read lazily: footer
    first, then the row groups and columns asked for); unreadable: ``error``."""
    import pyarrow.parquet as pq

    from ctloop import storage

    try:
        if storage.is_remote(uri):
            fs, path = storage.filesystem(uri)
            return pq.ParquetFile(fs.open_input_file(path))
        return pq.ParquetFile(uri)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise error(f"cannot read {what} {uri}: {exc}") from exc


def unified_schema(files: Sequence[str]) -> pa.Schema:
    """One schema over ``files`` (read from their footers): every column of any file, one type
    per column (integers and floats widen to float, as pandas concatenates them)."""
    import pyarrow as pa

    from ctloop.inference_log.schema import former_features

    schemas = [_renamed(pf.schema_arrow, former_features(pf.schema_arrow, pf)) for pf in map(open_parquet, files)]
    if not schemas:
        return pa.schema([])
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InferenceLogError(f"inference log files of one window disagree on a column type: {exc}; "
                                "rewrite the odd files with the sink's types") from exc


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
    is read as that feature's column now, as :func:`unified_schema` names it)."""
    import pyarrow as pa

    from ctloop.inference_log.schema import former_features

    wanted = [c for c in columns if c in schema.names]
    target = pa.schema([schema.field(c) for c in wanted], metadata=schema.metadata)
    for uri in files:
        pf = open_parquet(uri)
        renames = former_features(pf.schema_arrow, pf)
        names = _renamed(pf.schema_arrow, renames).names
        source = {new: old for old, new in renames.items()}
        have = [c for c in wanted if c in names]
        try:
            for batch in pf.iter_batches(batch_size=batch_rows, columns=[source.get(c, c) for c in have],
                                         use_pandas_metadata=False):
                n = batch.num_rows
                arrays = [batch.column(source.get(c, c)).cast(target.field(c).type) if c in have
                          else pa.nulls(n, type=target.field(c).type) for c in wanted]
                if progress is not None:
                    progress.add(n)
                yield pa.Table.from_arrays(arrays, schema=target)
        except (OSError, ValueError) as exc:
            raise InferenceLogError(f"cannot read inference log file {uri}: {exc}") from exc
        if progress is not None:
            progress.add(0, file_done=True)


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
    them) get equal hashes; instances as float (``1`` and ``1.0`` are one key). ``id_hash``: the
    :func:`id_hashes` of ``frame`` when already computed."""
    import pandas as pd

    if REQUEST_ID not in ids:
        return np.zeros(len(frame), dtype=np.uint64)
    hashed = id_hashes(frame) if id_hash is None else id_hash
    if INSTANCE not in ids:
        return hashed
    instances = pd.to_numeric(frame[INSTANCE], errors="coerce").astype("float64")
    spread = pd.util.hash_pandas_object(instances, index=False).to_numpy(dtype=np.uint64) * _MIX
    return hashed ^ (spread + (hashed << np.uint64(6)) + (hashed >> np.uint64(2)))  # boost's hash_combine


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
                    spill = tempfile.TemporaryDirectory(prefix="ctloop-keys-", dir=spill_dir)
                    handles = [open(os.path.join(spill.name, f"{b:02d}.u64"), "wb") for b in range(SPILL_BUCKETS)]
                    to_disk(np.concatenate(held))
                    held = []
            else:
                to_disk(pairs)
        if spill is None:
            return _involved(np.concatenate(held) if held else _EMPTY.reshape(0, 2))
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
    """What ``read_log`` adds to logged rows: ``_time`` and a text ``model_version``."""
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

    @property
    def rows(self) -> int:
        return sum(len(f) for f in self.frames)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        frames = [f for f in self.frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def scan_unique(files: Sequence[str], schema: pa.Schema, columns: Sequence[str] | None,
                start: pd.Timestamp, end: pd.Timestamp, involved: np.ndarray, held: Held, *,
                batch_rows: int = DEFAULT_BATCH_ROWS, progress: Progress | None = None) -> Iterator[pd.DataFrame]:
    """Pass 2 over ``files``: chunks of the uninvolved rows in ``(start, end]``; rows whose
    ``request_id`` hash is in ``involved`` (:func:`involved_ids`) are appended to ``held``
    instead (whole days: halves either side of ``start`` still meet)."""
    wanted = list(schema.names) if columns is None else [c for c in dict.fromkeys([*key_columns(schema), TIME,
                                                                                      *columns]) if c in schema.names]
    if columns is not None and HAS_RESPONSE in wanted and WHOLE in schema.names:
        wanted.append(WHOLE)  # what merge_halves joins a TF Serving columnar pair's halves with, as read_log does
    if TIME not in schema.names and len(schema.names):
        raise InferenceLogError("the inference log has no 'time' column: not a log written by ctloop's sink")
    from ctloop.inference_log.reader import lone_responses

    ids = key_columns(schema)
    lone = []  # response halves alone in the read: their request may be in the day before (lookback)
    for table in read_batches(files, schema, wanted, batch_rows=batch_rows, progress=progress):
        frame = prepare(table.to_pandas())
        rep = is_involved(id_hashes(frame), involved) if REQUEST_ID in ids else np.zeros(len(frame), dtype=bool)
        if rep.any():
            held.frames.append(frame[rep])
            frame = frame[~rep]
        frame = in_period(frame, start, end)
        alone = lone_responses(frame)
        if alone.any():
            lone.append(frame[alone])
            frame = frame[~alone]
        if len(frame):
            yield frame.reset_index(drop=True)
    if lone:
        rest = _look_back(files, schema, wanted, start, lone, held, batch_rows)
        if len(rest):
            yield rest.reset_index(drop=True)


def _look_back(files: Sequence[str], schema: pa.Schema, wanted: list[str], start: pd.Timestamp,
               lone: list[pd.DataFrame], held: Held, batch_rows: int) -> pd.DataFrame:
    """The lone response halves of ``lone`` whose ids have no row in the partition of the day
    before the read (:func:`~.reader.earlier_files`); the others go to ``held`` with those rows, to
    be merged as ``read_log`` merges them (:func:`~.reader.earlier_rows`): the call of a request
    half written before midnight and a response half after it counts once, in its request's window.
    The window's files are one model's, so its ``model=`` prefix is any file's."""
    import pandas as pd

    from ctloop.inference_log.reader import earlier_files, flag

    rows = pd.concat(lone, ignore_index=True)
    wanted_ids = set(rows[REQUEST_ID].astype(str))
    earlier = []
    try:
        for uri in earlier_files(files[0].rsplit("/date=", 1)[0], start):
            pf = open_parquet(uri)  # its request_id column first: a file without the ids is read no further
            if REQUEST_ID not in pf.schema_arrow.names or not pf.read(columns=[REQUEST_ID]).column(
                    REQUEST_ID).to_pandas().astype(str).isin(wanted_ids).any():
                continue
            for table in read_batches([uri], schema, wanted, batch_rows=batch_rows):
                match = table.column(REQUEST_ID).to_pandas().astype(str).isin(wanted_ids).to_numpy()
                if match.any():
                    earlier.append(prepare(table.filter(match).to_pandas()))
    except (InferenceLogError, OSError, ValueError) as exc:  # the day before is not this window's data: never fail the window for it
        print(f"ctloop: the day before the window was not looked up for the requests of {len(rows)} lone response "
              f"half row(s) (they count in this window): {exc}", file=sys.stderr, flush=True)
        return rows
    before = pd.concat(earlier, ignore_index=True) if earlier else pd.DataFrame()
    if before.empty or (HAS_REQUEST in before.columns and not flag(before[HAS_REQUEST]).any()):
        return rows
    found = rows[REQUEST_ID].astype(str).isin(set(before[REQUEST_ID].astype(str)))
    held.frames += [before, rows[found]]
    return rows[~found]


def merge_held(held: Held, start: pd.Timestamp, end: pd.Timestamp,
               types: dict[str, str] | None = None) -> pd.DataFrame:
    """The held rows made one per key (``merge_halves``, with the model's column ``types``), then
    filtered to the period."""
    from ctloop.inference_log.reader import merge_halves

    rows = held.frame()
    if rows.empty:
        return rows
    return in_period(merge_halves(rows, types), start, end).reset_index(drop=True)


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
                           progress=second)
    from ctloop.inference_log.schema import registry

    merged = merge_held(held, start, end, registry(log_root, model))
    if second is not None:
        second.report(done=True)
    if len(merged):
        yield merged


__all__ = ["window_files", "open_parquet", "unified_schema", "Progress", "read_batches", "key_columns", "key_hashes",
           "id_hashes", "involved_ids", "is_involved", "prepare", "in_period", "Held", "scan_unique", "merge_held",
           "scan_window", "DEFAULT_BATCH_ROWS", "KEY_BUDGET"]

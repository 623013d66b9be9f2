"""Logged predictions joined with their labels.

**Batched requests.** One request may carry several instances (rows ``instance`` 0..n-1 of one
``request_id``); a request header (and so a ``meta_*`` business key) is the same for all of them.
A label file with an ``instance`` column joins on ``(key, instance)``. Without it, a label can
only mean a single-instance request: rows of multi-instance requests are **not** joined (one
label is never copied onto every instance of a batch) and their count is reported
(``JoinResult.skipped_batched``). A store may hold both kinds (files with the column and files
without): a label without instance is then a label of ``(key, instance 0)`` that joins a single-instance
request only (of it and a label with instance 0 the later wins); it never replaces the label a
batched request's instance 0 has with an instance (that instance joins its latest label with an
instance, the batch's other instances theirs), and rows of a batched request without a label of
their own whose key's latest instance-0 label has no instance are skipped (counted).

A later label for the same key (and instance) replaces an earlier one (by ``label_time``).
Logged rows without a response (``has_response`` false) or whose response reported an error
(``_error``) have no prediction and never join (both counted in ``unserved``);
duplicates of ``(request_id, instance)`` (the sink delivers at least once) count once.

**A reused ce-id.** KServe's payload logger logs a call under the incoming ``Ce-Id`` header, a new
UUID only when there is none (v0.20.0 ``pkg/logger/handler.go`` ``getOrCreateID``): a client that
sends its own ``Ce-Id`` and reuses it makes several calls with one ``request_id``, told apart only
by their request time, which a label keyed by ``request_id`` does not carry. Such a label is joined
to none of them (never counted for two predictions): the rows left are counted
(``JoinResult.reused``) and said. Rows of one ``(request_id, instance)`` that agree on
``model_version`` and every ``prediction*`` column (the streamed monitor: the score columns it
keeps) are one call retried under its Ce-Id (a CloudEvents norm): joined once, its copies counted
(``JoinResult.retried``) and said. A business key (``meta_<header>``) names an entity, which may be
scored more than once: each of its predictions joins its label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ctloop.columns import INSTANCE
from ctloop.inference_log.reader import served
from ctloop.labels.store import (  # noqa: F401 (key_hashes, key_pairs, entry_ids, HASH_KEYS: named here too)
    HASH_KEYS,
    detect_key,
    entry_ids,
    key_hashes,
    key_pairs,
    normalise_keys,
)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd


@dataclass
class JoinResult:
    """Labelled, served predictions and how the join went."""

    frame: pd.DataFrame
    key: str = "request_id"
    by_instance: bool = False
    skipped_batched: int = 0  # rows of multi-instance requests whose label has no instance
    unserved: int = 0  # logged rows without a response, or with an error response (no prediction)
    problem: str = ""  # why nothing could be joined (e.g. the log lacks the key column)
    notes: list[str] = field(default_factory=list)
    reused: int = 0  # rows of calls sharing one labelled request_id (a reused ce-id): not joined
    reused_keys: int = 0  # how many labels (request_id, and instance) those rows matched
    retried: int = 0  # copies of a labelled call retried under its ce-id (the same answer): the call joined once

    def describe(self) -> str:
        parts = [f"{len(self.frame)} labelled rows (key {self.key}{' + instance' if self.by_instance else ''})"]
        if self.skipped_batched:
            parts.append(f"{self.skipped_batched} rows of batched requests skipped (their labels have no instance)")
        if self.reused:
            parts.append(reused_note(self.reused, self.reused_keys))
        if self.retried:
            parts.append(retried_note(self.retried))
        if self.problem:
            parts.append(self.problem)
        return "; ".join([*parts, *self.notes])


def reused_note(rows: int, keys: int) -> str:
    """What a join says of the rows it left because their labelled ``request_id`` is the ce-id of
    several logged calls (the module doc)."""
    return (f"{rows} logged rows not joined: {keys} label{'' if keys == 1 else 's'} matched several logged calls of "
            "one request_id (a client reusing its Ce-Id), which cannot be told apart")


def retried_note(rows: int) -> str:
    """What a join says of the logged rows it did not join because they copy a labelled call retried
    under its ce-id, answered alike (the module doc): the call is joined once, its copies counted."""
    return (f"{rows} logged row{'' if rows == 1 else 's'} not joined again: "
            f"{'a copy' if rows == 1 else 'copies'} of a labelled call retried under its Ce-Id with the same answer "
            "(the call joined once)")


def _shown(key: str, width: int = 20) -> str:
    """A key quoted for a message, cut to ``width`` characters."""
    return repr(key if len(key) <= width else key[:width - 1] + "…")


def unmatched_note(key: str, labelled_keys: int, stored: str | None, logged: str | None) -> str:
    """What the join says when no labelled key is a logged one: how many keys the store has, one
    of each side (the smallest; keys are compared as text, so case, prefixes and padding count)."""
    note = f"{labelled_keys} labelled keys in the store, none matched a logged {key}"
    if stored is not None and logged is not None:
        note += f": e.g. logged {_shown(logged)} vs stored {_shown(stored)}"
    return note


_PLAIN = "_ctloop_plain"  # a latest label that has no instance (stores mixing labels with and without one)
# in stores mixing labels with and without instance: the entry of a batched request's instance 0, the
# latest label *with* instance 0 (a later label without instance, for a single-instance request, never
# replaces it)
_BATCH_0 = -1


@dataclass
class LabelIndex:
    """The labels a join needs, prepared once, in numeric arrays (no key text is kept): per label
    entry (key, and instance when the labels have one) its 128-bit identity — two independent
    64-bit SipHashes of the normalised key (:func:`key_pairs`), mixed with the instance
    (:func:`entry_ids`) — sorted, with the latest label; and the sorted 64-bit hashes of the keys
    to pick candidate log rows chunk by chunk (memory bounded by the labels, not by the log).

    Two different entries share an identity with probability ~ 2**-128 per pair: for 10M labels
    and 100M logged rows a wrong join has probability below 1e-23 per window."""

    key: str
    by_instance: bool
    id1: np.ndarray  # uint64, sorted (then by id2): the entries' identities
    id2: np.ndarray
    label: pd.Series  # the latest label of each entry (category for text labels), aligned with id1
    hashes: np.ndarray  # uint64, sorted, unique: the first hash of every labelled key
    example: str | None = None  # the smallest labelled key (what a join that matched no key shows)
    # labels with an instance and without: per entry, whether its latest label has none (it is then
    # the entry of instance 0, and joins a single-instance request only); None for other stores. Such
    # stores also hold, as instance -1, the latest label *with* instance 0 of each key (:data:`_BATCH_0`)
    plain: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.id1)

    def matches(self, keys: pd.Series) -> np.ndarray:
        """Which normalised keys may have a label (a hash collision only lets a row through to
        the exact join, never changes it)."""
        import numpy as np

        h = key_hashes(keys)
        if not len(self.hashes):
            return np.zeros(len(h), dtype=bool)
        at = np.minimum(np.searchsorted(self.hashes, h), len(self.hashes) - 1)
        return (self.hashes[at] == h) & keys.notna().to_numpy()

    def find(self, id1: np.ndarray, id2: np.ndarray) -> np.ndarray:
        """The position of each identity's entry, ``-1`` where there is none."""
        import numpy as np

        out = np.full(len(id1), -1, dtype=np.int64)
        if not len(self.id1) or not len(id1):
            return out
        lo = np.searchsorted(self.id1, id1, "left")
        hi = np.searchsorted(self.id1, id1, "right")
        one = (hi - lo == 1) & (self.id2[np.minimum(lo, len(self.id1) - 1)] == id2)
        out[one] = lo[one]
        for j in np.flatnonzero(hi - lo > 1):  # entries whose first hashes collide: compare the second
            same = np.flatnonzero(self.id2[lo[j]:hi[j]] == id2[j])
            if len(same):
                out[j] = lo[j] + same[0]
        return out


def label_index(labels: pd.DataFrame) -> LabelIndex:
    """The latest label per key (and per instance when the labels have one): see the module doc."""
    return index_parts(detect_key(labels), [labels])


def index_parts(key: str, parts, rows: int | None = None) -> LabelIndex:
    """:func:`label_index` of label frames read one by one (``parts``: an iterable of frames with
    ``key``, [``instance``], ``label``, ``label_time``); only numeric arrays are kept of each.

    Memory: the parts' hashes, instances and times are written into arrays of ``rows`` entries
    (the number of label rows when known, e.g. from Parquet metadata; grown by doubling when not),
    sorted by one permutation; float labels are kept as float64, others as they came (text labels
    become a category). No concatenation of the parts and no copy of the sorted arrays when
    every entry has one label; the index holds 24 bytes a label (key hashes = first identities), and
    in a store mixing labels with and without instance 24 more per label with instance 0 (its
    :data:`_BATCH_0` entry)."""
    import numpy as np
    import pandas as pd

    from ctloop.columns import LABEL, LABEL_TIME
    from ctloop.inference_log.reader import utc_times

    columns = _Columns(rows or 0)
    example = None
    for part in parts:
        keys = normalise_keys(part[key])
        valid = keys.notna().to_numpy()
        if valid.any():
            least = keys[valid].min()
            example = least if example is None else min(example, least)
        h1, h2 = key_pairs(keys[valid])
        inst = (pd.to_numeric(part[INSTANCE], errors="coerce").to_numpy(dtype=np.float32)[valid]
                if INSTANCE in part.columns else None)
        stamp = utc_times(part[LABEL_TIME].reset_index(drop=True))[valid]
        ns = stamp.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
        ns[stamp.isna().to_numpy()] = np.iinfo(np.int64).max  # sort_values puts a missing time last
        columns.add(h1, h2, inst, ns, part[LABEL].reset_index(drop=True)[valid])
    h1, h2, inst, stamp, label = columns.arrays()
    missing = np.isnan(inst)
    by_instance = bool((~missing).any())
    plain = None
    if by_instance:
        keys = np.unique(h1)
        if missing.any():  # a label without instance is the label of instance 0 of a single-instance request
            inst[missing] = 0
            zero = ~missing & (inst == 0)  # and the labels with instance 0 are a batch's instance 0's too
            h1, h2, stamp = (np.concatenate([a, a[zero]]) for a in (h1, h2, stamp))
            inst = np.concatenate([inst, np.full(int(zero.sum()), _BATCH_0, dtype=inst.dtype)])
            plain = np.concatenate([missing, np.zeros(int(zero.sum()), dtype=bool)])
            label = (pd.concat([label, label[zero]], ignore_index=True) if isinstance(label, pd.Series)
                     else np.concatenate([label, label[zero]]))
            del zero
        h1, h2 = entry_ids(h1, h2, inst)
    del inst, missing
    order = np.lexsort((stamp, h2, h1))  # stable: of equal times the later row wins, as before
    del stamp
    h1 = h1.take(order)
    h2 = h2.take(order)
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (h1[1:] != h1[:-1]) | (h2[1:] != h2[:-1])
    if last.all():  # one label per entry (the common case): no copies of the sorted arrays
        latest = label.take(order)
        id1, id2 = h1, h2
    else:
        latest = label.take(order[last])
        id1, id2 = h1[last], h2[last]
    if plain is not None:
        plain = plain.take(order[last])
    del h1, h2, label, order, last
    latest = pd.Series(latest) if not isinstance(latest, pd.Series) else latest.reset_index(drop=True)
    if latest.dtype == object:
        latest = latest.astype("category")
    if not by_instance:  # the entries are the keys: their first hashes, sorted, made unique
        new_key = np.r_[True, id1[1:] != id1[:-1]] if len(id1) else np.zeros(0, dtype=bool)
        keys = id1 if new_key.all() else id1[new_key]  # the same array when every key is one entry
    return LabelIndex(key, by_instance, id1, id2, latest, keys, example, plain)


class _Columns:
    """The label parts' numeric columns, written into pre-sized arrays (grown by doubling)."""

    def __init__(self, rows: int):
        import numpy as np

        self.n = 0
        self.h1, self.h2 = np.empty(rows, np.uint64), np.empty(rows, np.uint64)
        self.inst, self.stamp = np.empty(rows, np.float32), np.empty(rows, np.int64)
        self.numbers: np.ndarray | None = np.empty(rows, np.float64)  # float labels (None once one is not)
        self.values: list = []  # labels of every part as they came, once one is not a float

    def _grow(self, need: int) -> None:
        import numpy as np

        size = max(need, 2 * len(self.h1), 1024)
        for name in ("h1", "h2", "inst", "stamp", "numbers"):
            old = getattr(self, name)
            if old is None:
                continue
            new = np.empty(size, old.dtype)
            new[:self.n] = old[:self.n]
            setattr(self, name, new)

    def add(self, h1, h2, inst, stamp, label) -> None:
        import numpy as np
        import pandas as pd

        n, m = self.n, len(h1)
        if n + m > len(self.h1):
            self._grow(n + m)
        self.h1[n:n + m], self.h2[n:n + m], self.stamp[n:n + m] = h1, h2, stamp
        self.inst[n:n + m] = np.nan if inst is None else inst
        if self.numbers is not None and label.dtype.kind == "f":
            self.numbers[n:n + m] = label.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            if self.numbers is not None:  # the first label that is not a float: the floats so far become values
                self.values = [pd.Series(self.numbers[:n])] if n else []
                self.numbers = None
            self.values.append(label)
        self.n = n + m

    def arrays(self):
        import pandas as pd

        n = self.n
        cut = [a[:n] if len(a) == n else a[:n].copy() for a in (self.h1, self.h2, self.inst, self.stamp)]
        self.h1 = self.h2 = self.inst = self.stamp = None
        if self.numbers is not None:
            label = self.numbers[:n] if len(self.numbers) == n else self.numbers[:n].copy()
        else:
            label = pd.concat(self.values, ignore_index=True) if self.values else pd.Series(dtype=float)
        self.numbers, self.values = None, []
        return (*cut, label)


def index_store(store_root: str, *, batch_rows: int = 250_000) -> LabelIndex | None:
    """:func:`label_index` of every label in a store, read file by file in batches of
    ``batch_rows`` with only the label columns: memory bounded by the labels' numeric arrays
    (24 bytes a label), never by their text. ``None`` for a store without labels."""
    import gc

    from ctloop.errors import DataSourceError
    from ctloop.inference_log.scan import open_parquet
    from ctloop.labels.store import label_files, old_float_keys, positional_keys, store_key
    from ctloop.storage import memory_said

    files = label_files(store_root)
    key = store_key(store_root)
    if not files and key is None:
        import warnings

        from ctloop.labels.store import STORE_MANIFEST

        # a mistyped labels_root read as "no labels" in every window, with nothing saying why
        warnings.warn(f"labels_root {store_root!r} holds no label store (no labels/{STORE_MANIFEST}, no label "
                      "files): no realized metric until `ctloop labels ingest --store` writes one there; is "
                      "the location typed right?", UserWarning, stacklevel=2)
    columns = {uri: _data_columns(open_parquet(uri, DataSourceError, "label file").schema_arrow) for uri in files}
    found = {_file_key(uri, names) for uri, names in columns.items() if names}
    if not found:
        return None
    if len(found) > 1 or (key is not None and key not in found):
        detect_key(_columns([*(found | {key} - {None}), "label", "label_time"]))  # raises: several keys

    def parts():
        unfreed = 0  # labels read since the last collection
        for uri in files:
            pf = open_parquet(uri, DataSourceError, "label file")
            old = None if positional_keys(pf.schema_arrow) else _file_key(uri, columns[uri])  # before round 40
            try:
                with memory_said(uri, fix="give the step more memory"):  # a store's file: was MemoryError's traceback
                    for batch in pf.iter_batches(batch_size=batch_rows, columns=columns[uri]):
                        # the pandas objects of the batches already indexed (their keys' text) sit in
                        # reference cycles (BlockValuesRefs) that the collector reaches late: free them
                        # every batch_rows labels, or a store's text piles up (3M labels: +180 MiB).
                        # Not every file: a full collection takes ~0.1 s in a process holding 2M
                        # objects, and a store of 500 small files took 55 s to index instead of 1.3 s
                        if unfreed >= batch_rows:
                            gc.collect()
                            unfreed = 0
                        unfreed += batch.num_rows
                        frame = batch.to_pandas()
                        if old is not None:  # its float ids as str() wrote them ("1e-05"): as float_key does
                            frame[old] = old_float_keys(frame[old])
                        yield frame
            except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
                raise DataSourceError(f"cannot read label file {uri}: {exc}") from exc

    rows = sum(open_parquet(uri, DataSourceError, "label file").metadata.num_rows for uri in files if columns[uri])
    index = index_parts(next(iter(found)), parts(), rows)
    return index if len(index) else None


def store_files(store_root: str) -> tuple[tuple[str, int, str], ...]:
    """The label files of a store as ``(uri, size, etag)`` (a local file's etag: its modification
    time and size), sorted: what :class:`StoreIndex` compares to know whether the store changed
    (listed, never read). Listed as :func:`ctloop.labels.store.label_files` lists them
    (``ctloop.storage.list_objects``: a symlinked directory once, a loop left out)."""
    from ctloop.storage import list_objects

    found = list_objects(f"{store_root.rstrip('/')}/labels")
    return tuple(sorted((o.uri, o.size, o.etag) for o in found if o.uri.lower().endswith(".parquet")))


class StoreIndex:
    """:func:`index_store` of one store, built again only when its label files changed (a file
    added, removed or rewritten: :func:`store_files`). The canary's quality check joins at every
    step; building the index is most of a join's time (``benchmarks/results/label_join.md``)."""

    def __init__(self, store_root: str):
        self.store_root = store_root
        self.builds = 0  # how many times the index was built
        self._files: tuple | None = None
        self._index: LabelIndex | None = None

    def get(self) -> LabelIndex | None:
        """The store's index, ``None`` for a store without labels."""
        files = store_files(self.store_root)
        if files != self._files:
            self._files, self._index = None, None  # the old index goes before the new one is built
            self._index = index_store(self.store_root)
            self._files = files
            self.builds += 1
        return self._index


def _file_key(uri: str, names: list[str]) -> str:
    """The key column of the store's label file ``uri`` with columns ``names``; a file the ingest did not write
    (no ``label``/``label_time``, a column more) is one line naming it."""
    from ctloop.errors import DataError, DataSourceError
    from ctloop.labels.store import LABEL_COLUMNS, columns_said

    missing = [c for c in LABEL_COLUMNS if c not in names]
    try:
        if missing:
            raise DataSourceError(f"has no column {missing[0]!r} ({columns_said(names)})")
        return detect_key(_columns(names))
    except DataError as exc:
        raise DataSourceError(f"label file {uri} {exc}: every label file of a store holds its key, label and "
                              "label_time (what `ctloop labels ingest` writes); ingest its labels again, or remove "
                              "it") from exc


def _data_columns(schema) -> list[str]:
    """A Parquet file's columns without the index pandas stored in it (``__index_level_0__``;
    ``pd.read_parquet`` makes it the index)."""
    stored = [c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)]
    return [n for n in schema.names if n not in stored]


def _columns(names: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=list(names))


def latest_labels(labels: pd.DataFrame) -> tuple[str, pd.DataFrame, bool]:
    """``(key, latest, by_instance)``: the latest label per key (and instance) with the key as
    text (``_key`` [, ``instance``], ``label``) — the exact join of :func:`join_labels`."""
    import pandas as pd

    key = detect_key(labels)
    lab = labels.copy()
    lab[key] = normalise_keys(lab[key])
    by_instance = INSTANCE in lab.columns and lab[INSTANCE].notna().any()
    if INSTANCE in lab.columns and not by_instance:
        lab = lab.drop(columns=[INSTANCE])
    on = ["_key", INSTANCE] if by_instance else ["_key"]
    lab = lab.rename(columns={key: "_key"}).dropna(subset=["_key"])
    mixed = bool(by_instance and lab[INSTANCE].isna().any())
    if mixed:  # a label without instance is the label of instance 0 of a single-instance request
        lab[_PLAIN] = lab[INSTANCE].isna()
        lab[INSTANCE] = lab[INSTANCE].fillna(0)
        # and the labels with instance 0 are also those of a batched request's instance 0 (_BATCH_0)
        lab = pd.concat([lab, lab[~lab[_PLAIN] & (lab[INSTANCE] == 0)].assign(**{INSTANCE: _BATCH_0})],
                        ignore_index=True)
    if by_instance:
        lab[INSTANCE] = lab[INSTANCE].astype("int64")
    kept = [*on, "label", *([_PLAIN] if mixed else [])]
    # by the instant (as index_parts orders them), not the text: 10:00+09:00 is before 02:00Z
    from ctloop.inference_log.reader import utc_times

    lab["_ctloop_time"] = utc_times(lab["label_time"].reset_index(drop=True)).to_numpy()
    latest = lab.sort_values("_ctloop_time", kind="stable").drop_duplicates(on, keep="last")[kept]
    return key, latest.reset_index(drop=True), bool(by_instance)


def join_labels(logs: pd.DataFrame, labels: pd.DataFrame | None) -> JoinResult:
    """Served predictions with their latest label (see the module doc for keys and batches)."""
    import pandas as pd

    if labels is None or labels.empty:
        return JoinResult(logs.iloc[:0].assign(label=pd.Series(dtype=float)), problem="no labels")
    ok = served(logs)
    key, latest, by_instance = latest_labels(labels)
    return join_served(ok, key, latest, by_instance, unserved=len(logs) - len(ok), served_rows=len(ok),
                       log_columns=list(ok.columns))


def _unjoinable(key: str, served_rows: int, log_columns: list[str]) -> str:
    """Why a window's log cannot be joined on ``key`` at all ("" when it can)."""
    if not served_rows:
        return "no served rows"
    if key not in log_columns:
        if key.startswith("meta_"):
            return (f"the inference log has no column {key!r} to join the labels on (list the header in the "
                    "InferenceService's logger.metadataHeaders)")
        from ctloop.inference_log.events import metadata_column

        form = metadata_column(key)  # the key as its header's column is named (X-Loan-Id: meta_x_loan_id)
        if form == "meta_ce_id":  # the payload logger's id of the call
            return (f"the inference log has no column {key!r} to join the labels on (the payload logger logs the "
                    "CloudEvent ce-id as request_id: ingest them into a new store with their key column named "
                    "request_id and --key request_id)")
        # a business id's own name (loan_id): the log has it only as a ce-metadata header column; only the
        # header columns that end with the key are named
        headers = sorted(str(c) for c in log_columns if str(c).startswith("meta_"))
        same = [c for c in headers if c == form or c.endswith(form.removeprefix("meta"))]
        named = (f"{same[0]} and --key {same[0]})" if len(same) == 1 else
                 f"one of {', '.join(same)} and --key that name)" if same else
                 "meta_<header> and --key meta_<header>, the header listed in logger.metadataHeaders)")
        return (f"the inference log has no column {key!r} to join the labels on (its header columns: "
                f"{', '.join(headers[:10]) + (', …' if len(headers) > 10 else '') or 'none'}; labels join on request_id, the CloudEvent ce-id, or a "
                "meta_<header> column: ingest them into a new store with their key column named " + named)
    return ""


def join_served(ok: pd.DataFrame, key: str, latest: pd.DataFrame, by_instance: bool, *, unserved: int,
                served_rows: int, log_columns: list[str]) -> JoinResult:
    """:func:`join_labels` of served rows ``ok`` with :func:`latest_labels`; ``served_rows``,
    ``unserved`` and ``log_columns`` describe the whole log."""
    import numpy as np
    import pandas as pd

    result = JoinResult(ok.iloc[:0].assign(label=pd.Series(dtype=float)), key=key, unserved=unserved)
    result.problem = _unjoinable(key, served_rows, log_columns)
    if result.problem:
        return result
    data = ok.copy()
    data["_key"] = normalise_keys(data[key])
    if len(latest) and not data["_key"].isin(latest["_key"]).any():
        result.notes.append(unmatched_note(key, int(latest["_key"].nunique()), latest["_key"].min(),
                                           _smallest(data["_key"])))
    on = ["_key", INSTANCE] if by_instance else ["_key"]
    mixed = _PLAIN in latest.columns
    batched = None
    if (mixed or not by_instance) and INSTANCE in data.columns and "request_id" in data.columns:
        inst = pd.to_numeric(data[INSTANCE], errors="coerce").fillna(0)
        batched = (data.groupby("request_id")[INSTANCE].transform("nunique") > 1) | (inst > 0)
    if by_instance:
        data[INSTANCE] = _instance_numbers(data)
    if mixed and batched is not None:  # a batched request's instance 0 joins its label with an instance
        data.loc[batched & (data[INSTANCE] == 0), INSTANCE] = _BATCH_0
    if batched is not None and not by_instance:
        result.skipped_batched = int(data.loc[batched, "_key"].isin(latest["_key"]).sum())
        data = data[~batched]
    if mixed and batched is not None:
        data = data.assign(_ctloop_row=np.arange(len(data)))
    joined = data.drop(columns=[c for c in ("label",) if c in data.columns]).merge(latest, on=on, how="inner")
    if mixed and batched is not None:
        # rows of a batched request whose key's latest label for instance 0 has no instance: that
        # label is not theirs (never copied onto a batch; they joined only labels with an instance)
        at, batch = joined.pop("_ctloop_row").to_numpy(), batched.to_numpy()
        skip = batch & data["_key"].isin(latest.loc[latest[_PLAIN], "_key"]).to_numpy()
        result.skipped_batched = int(skip.sum() - skip[at].sum())
        joined[INSTANCE] = joined[INSTANCE].clip(lower=0)
    if mixed:
        joined = joined.drop(columns=[_PLAIN])
    if key == "request_id" and len(joined):
        # one call per (request_id, instance) is left by the reader: several are calls reusing a ce-id,
        # unless they answered alike (the same model version and predictions): one call retried, kept once
        call = joined[["_key"]].assign(_n=_instance_numbers(joined).clip(lower=0))
        repeated = call.duplicated(keep=False).to_numpy()
        if repeated.any():
            answers = call.assign(_s=_answers(joined))
            differ = (answers[repeated].drop_duplicates().groupby(["_key", "_n"]).size() > 1).rename("_d")
            reused = repeated & call.join(differ, on=["_key", "_n"])["_d"].eq(True).to_numpy()
            copy = ~reused & call.duplicated().to_numpy()
            result.reused, result.reused_keys = int(reused.sum()), len(call[reused].drop_duplicates())
            result.retried = int(copy.sum())
            joined = joined[~(reused | copy)]
    result.frame = joined.drop(columns=["_key"])
    result.by_instance = bool(by_instance)
    return result


def _smallest(keys: pd.Series) -> str | None:
    """The smallest of normalised keys, ``None`` when every one is missing."""
    keys = keys.dropna()
    return str(keys.min()) if len(keys) else None


def smallest_key(keys: pd.Series) -> str | None:
    """The smallest of normalised keys (:func:`unmatched_note`'s logged example)."""
    return _smallest(keys)


def _instance_numbers(data: pd.DataFrame) -> pd.Series:
    """A log's ``instance`` as labels keyed by instance join it: a number, 0 where missing (and
    for a log without the column)."""
    import pandas as pd

    if INSTANCE not in data.columns:
        return pd.Series(0, index=data.index, dtype="int64")
    return pd.to_numeric(data[INSTANCE], errors="coerce").fillna(0).astype("int64")


def candidate_rows(ok: pd.DataFrame, index: LabelIndex, keep: list[str], numbers: list[str] = (),
                   keys: pd.Series | None = None) -> pd.DataFrame:
    """The served rows ``ok`` whose key may have a label, in the numeric form
    :func:`join_candidates` joins: the key's hashes (``_h1``, ``_h2``), the request's when the key
    is a business key (``_r1``, ``_r2``; ``0`` where the request id is missing), ``instance`` as a
    number, ``keep`` columns (text as categories) and ``numbers`` (score columns) as floats. ~42 bytes a
    row instead of the log's text. ``keys``: ``ok``'s keys already normalised (:func:`normalise_keys`)."""
    import pandas as pd

    from ctloop.columns import REQUEST_ID

    keys = normalise_keys(ok[index.key]) if keys is None else keys
    picked = index.matches(keys)
    rows = ok[picked]
    h1, h2 = key_pairs(keys[picked])
    out = pd.DataFrame({"_h1": h1, "_h2": h2})
    if index.key != REQUEST_ID and REQUEST_ID in rows.columns:
        rid = rows[REQUEST_ID].astype("string").reset_index(drop=True)
        r1, r2 = key_pairs(rid)
        missing = rid.isna().to_numpy()
        r1[missing], r2[missing] = 0, 0
        out["_r1"], out["_r2"] = r1, r2
    if INSTANCE in rows.columns:
        out[INSTANCE] = pd.to_numeric(rows[INSTANCE], errors="coerce").to_numpy(dtype=float)
    for col in numbers:
        if col in rows.columns:
            out[col] = pd.to_numeric(rows[col], errors="coerce").to_numpy(dtype=float)
    for col in keep:
        if col not in rows.columns or col in numbers:
            continue
        values = rows[col].reset_index(drop=True)
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        out[col] = values if numeric or pd.api.types.is_datetime64_any_dtype(values) or isinstance(
            values.dtype, pd.CategoricalDtype) else as_category(values)
    return out.reset_index(drop=True) if len(out) else out.iloc[:0]


def _distinct_per_group(g1: np.ndarray, g2: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per row: how many distinct non-missing ``values`` its group ``(g1, g2)`` has
    (``groupby(...).transform("nunique")``)."""
    import numpy as np

    if not len(values):
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((values, g2, g1))
    a1, a2, v = g1[order], g2[order], values[order]
    new_group = np.ones(len(v), dtype=bool)
    new_group[1:] = (a1[1:] != a1[:-1]) | (a2[1:] != a2[:-1])
    new_value = new_group.copy()
    new_value[1:] |= v[1:] != v[:-1]
    new_value &= ~np.isnan(v)
    starts = np.flatnonzero(new_group)
    counts = np.add.reduceat(new_value.astype(np.int64), starts)
    out = np.empty(len(v), dtype=np.int64)
    out[order] = counts[np.cumsum(new_group) - 1]
    return out


def join_candidates(rows: pd.DataFrame, index: LabelIndex, *, unserved: int, served_rows: int,
                    log_columns: list[str]) -> JoinResult:
    """:func:`join_served` of candidate rows in :func:`candidate_rows`' form: the same rows joined,
    the same batched requests skipped; the frame holds the ``keep`` columns and ``label``."""
    return join_candidate_parts([rows], index, unserved=unserved, served_rows=served_rows, log_columns=log_columns)


def join_candidate_parts(parts: list[pd.DataFrame], index: LabelIndex, *, unserved: int, served_rows: int,
                         log_columns: list[str], release: bool = False) -> JoinResult:
    """:func:`join_candidates` of the concatenation of ``parts`` (candidate rows chunk by chunk),
    joined part by part: the same rows, labels and skipped batched requests (the instances of a
    request are counted over every part), without a copy of all the candidate rows at once.
    ``release``: each part is dropped from ``parts`` (set to ``None``) once joined, so the
    candidates shrink while the joined rows grow."""
    import pandas as pd

    from ctloop.columns import LABEL, REQUEST_ID

    result = JoinResult(pd.DataFrame({LABEL: pd.Series(dtype=float)}), key=index.key, unserved=unserved)
    result.problem = _unjoinable(index.key, served_rows, log_columns)
    if result.problem:
        return result
    result.by_instance = bool(index.by_instance)
    live = [i for i, part in enumerate(parts) if part is not None and len(part)]
    if release:
        taken = set(live)
        parts[:] = [part if i in taken else None for i, part in enumerate(parts)]
    if not live:
        return result
    has_instance = any(INSTANCE in parts[i].columns for i in live)
    batches = (not index.by_instance or index.plain is not None) and has_instance and REQUEST_ID in log_columns
    odd = _odd_requests([parts[i] for i in live]) if batches else None
    joined, calls = [], []
    for n, i in enumerate(live):
        rows = parts[i]
        if release:
            parts[i] = None
        frame, skipped, call = _join_part(rows, index, has_instance, None if odd is None else odd[n])
        del rows
        result.skipped_batched += skipped
        joined.append(frame)
        calls.append(call)
    if index.key == REQUEST_ID:
        joined = _without_reused(joined, calls, result)
    result.frame = joined[0] if len(joined) == 1 else concat_categories(joined)
    return result


def _without_reused(joined: list[pd.DataFrame], calls: list[tuple[np.ndarray, np.ndarray]],
                    result: JoinResult) -> list[pd.DataFrame]:
    """The joined parts without the rows whose (request_id, instance) identity (``calls``, per part)
    is another joined row's too, over every part, with another answer (:func:`_answers`): calls
    reusing a ce-id (the module doc), counted in ``result``; rows of one identity with one answer are
    a retried call, kept once."""
    import numpy as np

    c1, c2 = np.concatenate([c[0] for c in calls]), np.concatenate([c[1] for c in calls])
    if len(c1) < 2:
        return joined
    order = np.lexsort((c2, c1))
    a1, a2 = c1[order], c2[order]
    same = (a1[1:] == a1[:-1]) & (a2[1:] == a2[:-1])
    if not same.any():
        return joined
    answers = np.concatenate([_answers(f) for f in joined])
    order = np.lexsort((answers, c2, c1))  # within a call identity, its rows by their answers
    a1, a2, s = c1[order], c2[order], answers[order]
    same = (a1[1:] == a1[:-1]) & (a2[1:] == a2[:-1])
    starts = np.flatnonzero(np.r_[True, ~same])
    group = np.cumsum(np.r_[True, ~same]) - 1
    differs = (np.add.reduceat(np.r_[False, same & (s[1:] != s[:-1])].astype(np.int64), starts) > 0)[group]
    repeated = differs  # a group that differs has several rows
    result.reused = int(repeated.sum())
    result.reused_keys = int((repeated & np.r_[True, ~same]).sum())
    copies = np.r_[False, same] & ~differs  # a retry's copies: the call kept once
    result.retried = int(copies.sum())
    drop = np.zeros(len(order), dtype=bool)
    drop[order] = repeated | copies
    ends = np.cumsum([len(f) for f in joined])
    return [f.loc[~d].reset_index(drop=True) if d.any() else f
            for f, d in zip(joined, np.split(drop, ends[:-1]), strict=True)]


def _answers(frame: pd.DataFrame) -> np.ndarray:
    """Per row, a hash of what the call answered: its ``model_version`` and ``prediction*`` columns
    (those ``frame`` holds; missing values equal). Rows of one (request_id, instance) with one answer
    are one call sent again (a retry keeps its Ce-Id), not calls reusing a ce-id."""
    import numpy as np
    import pandas as pd

    from ctloop.columns import MODEL_VERSION, PREDICTION

    columns = [c for c in frame.columns if c == MODEL_VERSION or str(c).startswith(PREDICTION)]
    if not columns:
        return np.zeros(len(frame), dtype=np.uint64)
    values = frame[columns].reset_index(drop=True)
    for c in columns:  # a category's values, not its codes (parts have their own categories)
        if isinstance(values[c].dtype, pd.CategoricalDtype):
            values[c] = values[c].astype(object)
    return pd.util.hash_pandas_object(values, index=False).to_numpy(np.uint64)


def _groups(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The request of each candidate row: the request id's hashes (``_r1``, ``_r2``) when the key is a
    business key, else the key's."""
    import numpy as np

    if "_r1" in rows.columns:
        return rows["_r1"].to_numpy(np.uint64), rows["_r2"].to_numpy(np.uint64)
    return rows["_h1"].to_numpy(np.uint64), rows["_h2"].to_numpy(np.uint64)


def _instances(rows: pd.DataFrame, has_instance: bool) -> np.ndarray | None:
    """``instance`` as floats (NaN where missing, all NaN in a part without the column when other
    parts have it: what their concatenation holds)."""
    import numpy as np

    if INSTANCE in rows.columns:
        return rows[INSTANCE].to_numpy(dtype=float)
    return np.full(len(rows), np.nan) if has_instance else None


def _odd_requests(parts: list[pd.DataFrame]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per part, ``(positions, instances per request)`` of its rows whose request has a row with an
    instance other than 0 in any part (the only requests that can be batched); the count is
    :func:`_distinct_per_group` over every part's rows of the request."""
    import numpy as np

    odd_groups = []
    for rows in parts:
        g1, _ = _groups(rows)
        inst = _instances(rows, True)
        odd_groups.append(np.unique(g1[inst != 0]))
    odd_set = np.unique(np.concatenate(odd_groups)) if odd_groups else np.zeros(0, np.uint64)
    at, g1s, g2s, insts = [], [], [], []
    for rows in parts:
        g1, g2 = _groups(rows)
        pos = np.flatnonzero(np.isin(g1, odd_set)) if len(odd_set) else np.zeros(0, dtype=np.int64)
        at.append(pos)
        g1s.append(g1[pos])
        g2s.append(g2[pos])
        insts.append(_instances(rows, True)[pos])
    counts = _distinct_per_group(np.concatenate(g1s), np.concatenate(g2s), np.concatenate(insts))
    ends = np.cumsum([len(p) for p in at])
    return list(zip(at, np.split(counts, ends[:-1]), strict=True))


def _join_part(rows: pd.DataFrame, index: LabelIndex, has_instance: bool,
               odd: tuple[np.ndarray, np.ndarray] | None) -> tuple[pd.DataFrame, int, tuple[np.ndarray, np.ndarray]]:
    """One part of :func:`join_candidate_parts`: its joined rows, how many batched rows it skipped
    (``odd``: its rows of possibly batched requests, from :func:`_odd_requests`; ``None`` when
    batches are not looked for) and the identity of each joined row's call, its key and instance
    (:func:`entry_ids`)."""
    import numpy as np
    import pandas as pd

    from ctloop.columns import LABEL

    h1, h2 = rows["_h1"].to_numpy(np.uint64), rows["_h2"].to_numpy(np.uint64)
    inst = _instances(rows, has_instance)
    batched = None
    if odd is not None:
        # a request whose every row has instance 0 is not batched (nunique 1): instances are counted
        # only for the requests with another instance or a missing one (rare), not for every row
        per_request = np.zeros(len(rows), dtype=np.int64)
        per_request[odd[0]] = odd[1]
        if "_r1" in rows.columns:  # a missing request id is no request (groupby drops it)
            g1, g2 = _groups(rows)
            per_request[(g1 == 0) & (g2 == 0)] = 0
        batched = (per_request > 1) | (np.nan_to_num(inst, nan=0.0) > 0)
    # the store mixes labels with and without instance: each row's key's latest label for instance 0,
    # and whether it has no instance (the rows of a batched request do not join it, see join_served)
    first = None if index.plain is None or batched is None else index.find(*entry_ids(
        h1, h2, np.zeros(len(rows), dtype=np.int64)))
    if index.by_instance:
        number = np.zeros(len(rows), dtype=np.int64) if inst is None else np.nan_to_num(inst, nan=0.0).astype(np.int64)
        if first is not None:  # a batched request's instance 0 joins its latest label with an instance
            number[batched & (number == 0)] = _BATCH_0
        found = index.find(*entry_ids(h1, h2, number))
    else:
        found = index.find(h1, h2)
    keep = found >= 0
    skipped = 0
    if batched is not None:
        if first is None:
            skipped = int((batched & keep).sum())
            keep &= ~batched
        else:  # the batch's rows joined labels with an instance only: those without one are skipped
            skipped = int((batched & ~keep & (first >= 0) & index.plain[np.maximum(first, 0)]).sum())
    # the call of each joined row: its key and instance (a batched request's instance 0 is instance 0)
    call = entry_ids(h1[keep], h2[keep], None if inst is None else np.nan_to_num(inst[keep], nan=0.0).clip(min=0))
    del h1, h2
    drop = [c for c in ("_h1", "_h2", "_r1", "_r2", INSTANCE) if c in rows.columns]
    if keep.all():  # no copy of the rows: a shallow frame without the join's columns
        frame = rows.copy(deep=False)
        for c in drop:
            del frame[c]
    else:
        frame = rows.loc[keep, [c for c in rows.columns if c not in drop]].reset_index(drop=True)
    frame[LABEL] = index.label.take(found[keep]).to_numpy() if not isinstance(
        index.label.dtype, pd.CategoricalDtype) else index.label.take(found[keep]).reset_index(drop=True)
    return frame, skipped, call


def distinct_categories(values: pd.Series) -> bool:
    """Whether ``values`` (a column, or the categories of several) stay apart as pandas categories,
    which are distinct by equality: ``True == 1`` and ``False == 0``, so a bool beside an equal
    number (a revision ``True`` from one log file, ``1`` from another) would be one category, the
    other's rows recoded to it or lost (``1`` and ``1.0`` are one name, ``_series_name``: one category
    is right for them). Only rows equal to 0 or 1 are looked at one by one (pandas' own ``unique``
    and ``isin`` merge them too)."""
    import numpy as np
    import pandas as pd

    values = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values.astype(object)
    suspects = [u for u in pd.unique(values.dropna()) if not isinstance(u, str) and _zero_or_one(u)]
    if not suspects:
        return True
    rows = values[values.isin(suspects)]
    bools = rows.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
    return not bools.any() or bools.all() or not (set(rows[bools]) & set(rows[~bools]))


def _zero_or_one(value) -> bool:
    try:
        return bool(value == 0 or value == 1)
    except (TypeError, ValueError):  # a value that compares as no scalar
        return False


# pandas' infer_dtype names of columns with no bool beside a number (a bool and a number: "mixed",
# "mixed-integer"): plain categories (~0.05 s for 1M True/False/None against ~0.3 s checked row by row)
_ONE_KIND = frozenset({"boolean", "integer", "floating", "mixed-integer-float", "string", "bytes", "decimal",
                       "complex", "datetime", "date", "time", "timedelta", "period", "empty"})


def as_category(values: pd.Series) -> pd.Series:
    """``values`` as a category, or as objects when a bool and an equal number are among them
    (:func:`distinct_categories`): each keeps its own value."""
    import pandas as pd

    values = values.astype(object)
    if pd.api.types.infer_dtype(values, skipna=True) in _ONE_KIND or distinct_categories(values):
        return values.astype("category")
    return values


def concat_categories(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat`` that keeps category columns categories (over the union of their values,
    sorted) instead of turning them into text objects. A column some frame holds as a category
    is one in all (numbers kept in another file's chunk, :func:`candidate_rows`, become categories
    of those numbers: revision ``7`` and ``"7"`` stay apart, as ``read_log`` keeps them). A column
    whose values would merge as categories (``True`` in one frame, ``1`` in another:
    :func:`distinct_categories`) is one of objects instead, each value its own."""
    import pandas as pd

    frames = [f.copy(deep=False) for f in frames]
    for col in dict.fromkeys(c for f in frames for c in f.columns):
        if not any(col in f.columns and isinstance(f[col].dtype, pd.CategoricalDtype) for f in frames):
            continue
        for f in frames:
            if col in f.columns and not isinstance(f[col].dtype, pd.CategoricalDtype):
                f[col] = as_category(f[col])
        held = pd.concat([pd.Series(f[col].cat.categories, dtype=object) if isinstance(
            f[col].dtype, pd.CategoricalDtype) else f[col] for f in frames if col in f.columns], ignore_index=True)
        if not distinct_categories(held):  # before round 54: revision 1 recoded to True, or lost
            for f in frames:
                if col in f.columns:
                    f[col] = f[col].astype(object)
            continue
        values = sorted(set(held), key=str)
        for f in frames:
            if col in f.columns:
                f[col] = f[col].cat.set_categories(values)
    return pd.concat(frames, ignore_index=True)


_POSITION = "_ctloop_position"  # a served row's position, carried through the candidate join


def join_index(logs: pd.DataFrame, index: LabelIndex | None) -> JoinResult:
    """:func:`join_labels` of ``logs`` with the labels of ``index`` (:func:`label_index`,
    :func:`index_store`): the same :class:`JoinResult` — the served rows with every log column,
    their latest label, ``instance`` as a number when the labels have one, the skipped batched
    requests, the problems — joined on the keys' hashes (:func:`candidate_rows`,
    :func:`join_candidates`), so the labels' text is never held."""
    import numpy as np
    import pandas as pd

    from ctloop.columns import LABEL, MODEL_VERSION, PREDICTION

    if index is None or not len(index):
        return JoinResult(logs.iloc[:0].assign(label=pd.Series(dtype=float)), problem="no labels")
    ok = served(logs)
    facts = dict(unserved=len(logs) - len(ok), served_rows=len(ok), log_columns=list(ok.columns))
    if _unjoinable(index.key, len(ok), list(ok.columns)):  # the problem, and a frame of the log's columns
        return join_served(ok, index.key, pd.DataFrame(), index.by_instance, **facts)
    answers = [c for c in ok.columns if c == MODEL_VERSION or str(c).startswith(PREDICTION)]  # _answers
    rows = candidate_rows(ok.assign(**{_POSITION: np.arange(len(ok))}), index, [_POSITION, *answers])
    result = join_candidates(rows, index, **facts)
    if not len(rows):  # no logged key has a label
        result.notes.append(unmatched_note(index.key, len(index.hashes), index.example,
                                           _smallest(normalise_keys(ok[index.key]))))
    # no candidate row (no logged key has a label): the result's frame is the empty label column only
    at = result.frame[_POSITION].to_numpy() if _POSITION in result.frame.columns else np.zeros(0, dtype=np.int64)
    frame = ok.drop(columns=[LABEL], errors="ignore").iloc[at].reset_index(drop=True)
    if index.by_instance:
        frame[INSTANCE] = _instance_numbers(frame)
    label = result.frame[LABEL]
    frame[LABEL] = (label.astype(object) if isinstance(label.dtype, pd.CategoricalDtype) else label).to_numpy()
    result.frame = frame
    return result


def join_store(logs: pd.DataFrame, store_root: str) -> JoinResult:
    """:func:`join_labels` of ``logs`` with every label of the store at ``store_root`` (what
    ``join_labels(logs, read_labels(store_root))`` gives), from its :func:`index_store`: memory
    bounded by the labels' numeric arrays (24 bytes a label), never their text."""
    return join_index(logs, index_store(store_root))


def join_predictions_with_labels(logs: pd.DataFrame, labels: pd.DataFrame | None) -> pd.DataFrame:
    """Logged predictions that have a label (the latest label wins); see :func:`join_labels`."""
    return join_labels(logs, labels).frame


__all__ = ["JoinResult", "LabelIndex", "label_index", "index_parts", "index_store", "key_hashes", "key_pairs",
           "entry_ids", "latest_labels", "join_labels", "join_served", "candidate_rows", "join_candidates",
           "join_candidate_parts", "distinct_categories", "as_category", "concat_categories", "join_index", "join_store", "store_files", "StoreIndex",
           "smallest_key", "unmatched_note", "reused_note", "retried_note",
           "join_predictions_with_labels"]

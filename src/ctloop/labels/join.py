"""Logged predictions joined with their labels.

**Batched requests.** One request may carry several instances (rows ``instance`` 0..n-1 of one
``request_id``); a request header (and so a ``meta_*`` business key) is the same for all of them.
A label file with an ``instance`` column joins on ``(key, instance)``. Without it, a label can
only mean a single-instance request: rows of multi-instance requests are **not** joined (one
label is never copied onto every instance of a batch) and their count is reported
(``JoinResult.skipped_batched``).

A later label for the same key (and instance) replaces an earlier one (by ``label_time``).
Logged rows without a response (``has_response`` false) have no prediction and never join;
duplicates of ``(request_id, instance)`` (the sink delivers at least once) count once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ctloop.columns import INSTANCE
from ctloop.inference_log.reader import served
from ctloop.labels.store import detect_key, normalise_keys

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
    unserved: int = 0  # logged rows without a response (no prediction)
    problem: str = ""  # why nothing could be joined (e.g. the log lacks the key column)
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [f"{len(self.frame)} labelled rows (key {self.key}{' + instance' if self.by_instance else ''})"]
        if self.skipped_batched:
            parts.append(f"{self.skipped_batched} rows of batched requests skipped (their labels have no instance)")
        if self.problem:
            parts.append(self.problem)
        return "; ".join(parts)


@dataclass
class LabelIndex:
    """The labels a join needs, prepared once: the latest label per key (and instance), and the
    sorted 64-bit hashes of those keys to pick candidate log rows chunk by chunk (memory bounded
    by the labels, not by the log)."""

    key: str
    latest: pd.DataFrame  # ``_key`` [, ``instance``], ``label``
    by_instance: bool
    hashes: np.ndarray

    def matches(self, keys: pd.Series) -> np.ndarray:
        """Which normalised keys may have a label (a hash collision only lets a row through to
        the exact join, never changes it)."""
        import numpy as np

        h = key_hashes(keys)
        if not len(self.hashes):
            return np.zeros(len(h), dtype=bool)
        at = np.minimum(np.searchsorted(self.hashes, h), len(self.hashes) - 1)
        return (self.hashes[at] == h) & keys.notna().to_numpy()


def key_hashes(keys: pd.Series) -> np.ndarray:
    """64-bit hashes of normalised keys (:func:`ctloop.labels.store.normalise_keys`)."""
    import numpy as np
    import pandas as pd

    return pd.util.hash_pandas_object(keys.astype("string"), index=False).to_numpy(dtype=np.uint64)


def label_index(labels: pd.DataFrame) -> LabelIndex:
    """The latest label per key (and per instance when the labels have one): see the module doc."""
    import numpy as np

    key = detect_key(labels)
    lab = labels.copy()
    lab[key] = normalise_keys(lab[key])
    by_instance = INSTANCE in lab.columns and lab[INSTANCE].notna().any()
    if INSTANCE in lab.columns and not by_instance:
        lab = lab.drop(columns=[INSTANCE])
    on = ["_key", INSTANCE] if by_instance else ["_key"]
    lab = lab.rename(columns={key: "_key"}).dropna(subset=["_key"])
    if by_instance:
        lab = lab.dropna(subset=[INSTANCE])
        lab[INSTANCE] = lab[INSTANCE].astype("int64")
    latest = lab.sort_values("label_time", kind="stable").drop_duplicates(on, keep="last")[[*on, "label"]]
    latest = latest.reset_index(drop=True)
    return LabelIndex(key, latest, bool(by_instance), np.unique(key_hashes(latest["_key"])))


def join_labels(logs: pd.DataFrame, labels: pd.DataFrame | None) -> JoinResult:
    """Served predictions with their latest label (see the module doc for keys and batches)."""
    import pandas as pd

    if labels is None or labels.empty:
        return JoinResult(logs.iloc[:0].assign(label=pd.Series(dtype=float)), problem="no labels")
    ok = served(logs)
    return join_served(ok, label_index(labels), unserved=len(logs) - len(ok), served_rows=len(ok),
                       log_columns=list(ok.columns))


def join_served(ok: pd.DataFrame, index: LabelIndex, *, unserved: int, served_rows: int,
                log_columns: list[str]) -> JoinResult:
    """:func:`join_labels` on served rows ``ok`` that may be only the candidates of a larger log
    (rows whose key matches a label, and so every instance of their requests); ``served_rows``,
    ``unserved`` and ``log_columns`` describe the whole log."""
    import pandas as pd

    key = index.key
    result = JoinResult(ok.iloc[:0].assign(label=pd.Series(dtype=float)), key=key, unserved=unserved)
    if not served_rows:
        result.problem = "no served rows"
        return result
    if key not in log_columns:
        result.problem = (f"the inference log has no column {key!r} to join the labels on"
                          + (" (list the header in the InferenceService's logger.metadataHeaders)"
                             if key.startswith("meta_") else ""))
        return result
    data = ok.copy()
    data["_key"] = normalise_keys(data[key])
    on = ["_key", INSTANCE] if index.by_instance else ["_key"]
    if index.by_instance:
        if INSTANCE not in data.columns:
            data[INSTANCE] = 0
        data[INSTANCE] = pd.to_numeric(data[INSTANCE], errors="coerce").fillna(0).astype("int64")
    latest = index.latest
    if not index.by_instance and INSTANCE in data.columns and "request_id" in data.columns:
        inst = pd.to_numeric(data[INSTANCE], errors="coerce").fillna(0)
        batched = (data.groupby("request_id")[INSTANCE].transform("nunique") > 1) | (inst > 0)
        result.skipped_batched = int(data.loc[batched, "_key"].isin(latest["_key"]).sum())
        data = data[~batched]
    joined = data.drop(columns=[c for c in ("label",) if c in data.columns]).merge(latest, on=on, how="inner")
    result.frame = joined.drop(columns=["_key"])
    result.by_instance = bool(index.by_instance)
    return result


def join_predictions_with_labels(logs: pd.DataFrame, labels: pd.DataFrame | None) -> pd.DataFrame:
    """Logged predictions that have a label (the latest label wins); see :func:`join_labels`."""
    return join_labels(logs, labels).frame


__all__ = ["JoinResult", "LabelIndex", "label_index", "key_hashes", "join_labels", "join_served",
           "join_predictions_with_labels"]

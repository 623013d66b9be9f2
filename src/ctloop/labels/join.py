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


def join_labels(logs: pd.DataFrame, labels: pd.DataFrame | None) -> JoinResult:
    """Served predictions with their latest label (see the module doc for keys and batches)."""
    import pandas as pd

    empty = logs.iloc[:0].assign(label=pd.Series(dtype=float))
    if labels is None or labels.empty:
        return JoinResult(empty, problem="no labels")
    key = detect_key(labels)
    ok = served(logs)
    result = JoinResult(empty, key=key, unserved=len(logs) - len(ok))
    if ok.empty:
        result.problem = "no served rows"
        return result
    if key not in ok.columns:
        result.problem = (f"the inference log has no column {key!r} to join the labels on"
                          + (" (list the header in the InferenceService's logger.metadataHeaders)"
                             if key.startswith("meta_") else ""))
        return result
    lab = labels.copy()
    lab[key] = normalise_keys(lab[key])
    data = ok.copy()
    data["_key"] = normalise_keys(data[key])
    by_instance = INSTANCE in lab.columns and lab[INSTANCE].notna().any()
    if INSTANCE in lab.columns and not by_instance:
        lab = lab.drop(columns=[INSTANCE])
    on = ["_key", INSTANCE] if by_instance else ["_key"]
    lab = lab.rename(columns={key: "_key"}).dropna(subset=["_key"])
    if by_instance:
        lab = lab.dropna(subset=[INSTANCE])
        lab[INSTANCE] = lab[INSTANCE].astype("int64")
        if INSTANCE not in data.columns:
            data[INSTANCE] = 0
        data[INSTANCE] = pd.to_numeric(data[INSTANCE], errors="coerce").fillna(0).astype("int64")
    latest = lab.sort_values("label_time", kind="stable").drop_duplicates(on, keep="last")[[*on, "label"]]
    if not by_instance and INSTANCE in data.columns and "request_id" in data.columns:
        inst = pd.to_numeric(data[INSTANCE], errors="coerce").fillna(0)
        batched = (data.groupby("request_id")[INSTANCE].transform("nunique") > 1) | (inst > 0)
        result.skipped_batched = int(data.loc[batched, "_key"].isin(latest["_key"]).sum())
        data = data[~batched]
    joined = data.drop(columns=[c for c in ("label",) if c in data.columns]).merge(latest, on=on, how="inner")
    result.frame = joined.drop(columns=["_key"])
    result.by_instance = bool(by_instance)
    return result


def join_predictions_with_labels(logs: pd.DataFrame, labels: pd.DataFrame | None) -> pd.DataFrame:
    """Logged predictions that have a label (the latest label wins); see :func:`join_labels`."""
    return join_labels(logs, labels).frame



__all__ = ["JoinResult", "join_labels", "join_predictions_with_labels"]

"""Ground truth that arrives after the prediction: ingest, join with logged predictions, and
realized performance per model version / revision / time window.

Labels are appended as Parquet under ``<store>/labels/part-<uuid>.parquet`` with columns
``<key>`` (``request_id`` by default, or a business key carried in a metadata header), ``label``
and ``label_time``. Joining them with the inference log (``ctloop.inference_log``) gives the
*realized* metric of what was actually served; a later label for the same key replaces an
earlier one.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ctloop.errors import DataValidationError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def ingest_labels(source_uri: str, store_root: str, *, key: str = "request_id", label: str = "label") -> int:
    """Append the labels of ``source_uri`` (CSV/Parquet, local or gs://) to the store; returns rows."""
    import pandas as pd

    from ctloop.storage import read_table, write_table

    frame = read_table(source_uri)
    for col in (key, label):
        if col not in frame.columns:
            raise DataValidationError([(col, "required", len(frame), f"column is missing from {source_uri}")])
    nulls = int(frame[label].isna().sum())
    if nulls:
        raise DataValidationError([(label, "non_null", nulls, "labels without a value")])
    out = frame[[key, label]].rename(columns={label: "label"})
    out["label_time"] = frame["label_time"] if "label_time" in frame.columns else pd.Timestamp.now("UTC").isoformat()
    write_table(out, f"{store_root.rstrip('/')}/labels/part-{uuid.uuid4().hex}.parquet")
    return len(out)


def read_parquet_tree(root: str) -> pd.DataFrame:
    """Every Parquet file under a local directory or gs:// prefix, concatenated."""
    import io
    from pathlib import Path

    import pandas as pd

    from ctloop.storage import gcs_client, is_gcs, split_gcs

    frames = []
    if is_gcs(root):
        bucket, prefix = split_gcs(root.rstrip("/") + "/x")
        for blob in gcs_client().list_blobs(bucket, prefix=prefix[:-1]):
            if blob.name.endswith(".parquet"):
                frames.append(pd.read_parquet(io.BytesIO(blob.download_as_bytes())))
    else:
        frames = [pd.read_parquet(p) for p in sorted(Path(root).rglob("*.parquet"))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_labels(store_root: str) -> pd.DataFrame:
    return read_parquet_tree(f"{store_root.rstrip('/')}/labels")


def join_predictions_with_labels(logs: pd.DataFrame, labels: pd.DataFrame, key: str = "request_id") -> pd.DataFrame:
    """Logged predictions that have a label (the latest label wins for a key)."""
    if logs.empty or labels is None or labels.empty:
        return logs.iloc[:0].assign(label=[])
    latest = labels.sort_values("label_time").drop_duplicates(key, keep="last")[[key, "label"]]
    return logs.merge(latest, on=key, how="inner")


def realized_metrics(joined: pd.DataFrame, *, task: str = "classification", score: str = "prediction_1",
                     by: tuple[str, ...] = ("model", "revision"), window: str | None = None) -> pd.DataFrame:
    """Per group (and per time window): rows and the realized metric of what was served.

    Classification: ``roc_auc`` of ``score`` (the positive-class probability) and ``accuracy`` at
    0.5; regression: ``rmse`` and ``mae`` of ``score`` against the label.
    """
    import numpy as np
    import pandas as pd

    from ctloop.components.evaluate.core import fast_auc

    if joined.empty:
        return pd.DataFrame()
    data = joined.copy()
    keys = list(by)
    if window:
        data["window"] = pd.to_datetime(data["time"], utc=True, format="mixed").dt.floor(window)
        keys.append("window")
    rows = []
    for group, part in data.groupby(keys, sort=True):
        y = part["label"].to_numpy(dtype=float)
        s = part[score].to_numpy(dtype=float)
        entry = dict(zip(keys, group if isinstance(group, tuple) else (group,), strict=True))
        entry["rows"] = len(part)
        if task == "classification":
            entry["roc_auc"] = fast_auc(y == 1, s)
            entry["accuracy"] = float(np.mean((s >= 0.5) == (y == 1)))
        else:
            entry["rmse"] = float(np.sqrt(np.mean((s - y) ** 2)))
            entry["mae"] = float(np.mean(np.abs(s - y)))
        rows.append(entry)
    return pd.DataFrame(rows)


def register(subparsers) -> None:
    """``ctloop labels ingest``."""
    p = subparsers.add_parser("labels", help="ground truth for logged predictions")
    sub = p.add_subparsers(dest="labels_command", metavar="ACTION")
    i = sub.add_parser("ingest", help="append labels (CSV/Parquet, local or gs://) to the label store")
    i.add_argument("--labels", required=True, help="file with the key column and a label column")
    i.add_argument("--store", required=True, help="label store root (local path or gs://)")
    i.add_argument("--key", default="request_id", help="join key: request_id or a business key")
    i.add_argument("--label-column", default="label")

    def run(args) -> int:
        n = ingest_labels(args.labels, args.store, key=args.key, label=args.label_column)
        print(f"appended {n} labels to {args.store.rstrip('/')}/labels/")
        return 0

    i.set_defaults(handler=run)


__all__ = ["ingest_labels", "read_labels", "read_parquet_tree", "join_predictions_with_labels", "realized_metrics"]

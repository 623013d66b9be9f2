"""Parquet files of the inference log: write one partition file, read a partitioned tree back.

Layout (Hive-style partitions, readable by pandas/pyarrow/BigQuery external tables)::

    <root>/model=<isvc>/date=<YYYY-MM-DD>/revision=<revision>/part-<uuid>.parquet

``<root>`` is a local directory or ``gs://bucket/prefix``. The partition columns are also kept
inside each file, so a single file is self-describing.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctloop.errors import DataSourceError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa


def _column(values: list[Any]):
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # Mixed types in one feature (e.g. 1 and "a"): keep the data as JSON text rather than
        # failing the flush (which would block every later flush).
        return pa.array(
            [None if v is None else v if isinstance(v, str) else json.dumps(v) for v in values]
        )


def rows_to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table from row dicts (union of keys, in first-seen order); ``time`` → UTC
    timestamp."""
    import pyarrow as pa

    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    arrays = {name: _column([row.get(name) for row in rows]) for name in names}
    if "time" in arrays:
        times = [datetime.fromisoformat(t) if t else None for t in arrays["time"].to_pylist()]
        arrays["time"] = pa.array(times, type=pa.timestamp("us", tz="UTC"))
    return pa.table(arrays)


def write_parquet(table: pa.Table, uri: str) -> None:
    """Write ``table`` to a local path or gs:// (atomic rename locally)."""
    import pyarrow.parquet as pq

    from ctloop.storage import write_bytes

    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    write_bytes(uri, buf.getvalue())


def _list_parquet(root: str) -> list[str]:
    from ctloop.storage import gcs_client, is_gcs, split_gcs

    if is_gcs(root):
        bucket, prefix = split_gcs(root.rstrip("/") + "/_")
        prefix = prefix[:-1]
        return sorted(
            f"gs://{bucket}/{blob.name}"
            for blob in gcs_client().list_blobs(bucket, prefix=prefix)
            if blob.name.endswith(".parquet")
        )
    base = Path(root)
    if not base.exists():
        return []
    return sorted(str(p) for p in base.rglob("*.parquet"))


def _partition(uri: str, key: str) -> str | None:
    for part in uri.split("/"):
        if part.startswith(f"{key}="):
            return part[len(key) + 1 :]
    return None


def read_parquet_tree(root: str) -> pd.DataFrame:
    """Every Parquet file under a local directory or gs:// prefix, concatenated (empty frame if
    there is none)."""
    import pandas as pd

    from ctloop.storage import read_bytes

    frames = []
    for uri in _list_parquet(root):
        try:
            frames.append(pd.read_parquet(io.BytesIO(read_bytes(uri))))
        except (OSError, ValueError) as exc:
            raise DataSourceError(f"{uri} is not a readable Parquet file: {exc}") from exc
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_inference_log(
    root: str,
    *,
    model: str | None = None,
    revision: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
) -> pd.DataFrame:
    """The logged rows under ``root``, pruned by partition, deduplicated on
    ``(request_id, instance)`` (delivery is at-least-once).

    Args:
        root: the sink's ``--root`` (local path or gs://).
        model: only this InferenceService (partition ``model=``).
        revision: only this revision (partition ``revision=``).
        start: first date (inclusive, ``YYYY-MM-DD``) of partition ``date=``.
        end: last date (inclusive).
    """
    import pandas as pd

    from ctloop.storage import read_bytes

    lo, hi = (str(d)[:10] if d else None for d in (start, end))
    frames = []
    for uri in _list_parquet(root):
        day = _partition(uri, "date") or ""
        if _partition(uri, "model") is None:  # not a sink file (e.g. a label store inside root)
            continue
        if model and _partition(uri, "model") != model:
            continue
        if revision and _partition(uri, "revision") != revision:
            continue
        if (lo and day < lo) or (hi and day > hi):
            continue
        try:
            frames.append(pd.read_parquet(io.BytesIO(read_bytes(uri))))
        except (OSError, ValueError) as exc:
            raise DataSourceError(f"{uri} is not a readable Parquet file: {exc}") from exc
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    # a row written paired beats an unpaired copy of the same instance (replay after a crash)
    frame = frame.sort_values(["has_request", "has_response"], ascending=False, kind="stable")
    frame = frame.drop_duplicates(["request_id", "instance"], keep="first")
    return frame.sort_values(["time", "request_id", "instance"], kind="stable").reset_index(
        drop=True
    )


__all__ = ["rows_to_table", "write_parquet", "read_parquet_tree", "read_inference_log"]

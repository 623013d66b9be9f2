"""Reading the inference log: the rows of one model and period, with request and response halves
joined. The writer is :mod:`ctloop.inference_log.sink`; both follow :mod:`ctloop.inference_log.layout`.

:func:`read_log` reads only the ``date=`` partitions of the period. Rows sharing
``(request_id, instance)`` become one (:func:`merge_halves`): duplicates from at-least-once
delivery, and a request and its response that reached different sink replicas and were written as
two half rows. :func:`served` keeps the rows with a prediction.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from ctloop.columns import INSTANCE

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def read_parquet_tree(root: str) -> pd.DataFrame:
    """Every Parquet file under a local directory or object-store prefix, concatenated (nothing
    under ``root``: an empty frame)."""
    import pandas as pd

    from ctloop.storage import list_files

    frames = [f for f in read_parquet_files(list_files(root, ".parquet")) if len(f.columns)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_parquet_files(uris: list[str]) -> list[pd.DataFrame]:
    """Each Parquet file of ``uris`` (local paths or objects) as a frame, in that order."""
    import pandas as pd

    from ctloop.storage import is_remote, read_bytes

    return [pd.read_parquet(io.BytesIO(read_bytes(uri)) if is_remote(uri) else uri) for uri in uris]


def log_dates(start: pd.Timestamp, end: pd.Timestamp) -> list[str]:
    """The ``date=`` partitions (UTC days) holding rows with ``start < time <= end``."""
    import pandas as pd

    days = pd.date_range(start.tz_convert("UTC").normalize(), end.tz_convert("UTC").normalize(), freq="D")
    return [d.strftime("%Y-%m-%d") for d in days]


def read_log(log_root: str, model: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Logged rows of ``model`` with ``start < time <= end``, reading only the ``date=``
    partitions of that period (``<root>/model=<model>/date=<YYYY-MM-DD>/revision=*/``).

    Adds ``_time`` (parsed UTC timestamps); ``model_version`` is ``""`` where unknown (older logs
    have no such column). Rows sharing ``(request_id, instance)`` become one (:func:`merge_halves`):
    duplicates from at-least-once delivery, and a request and its response that reached different
    sink replicas and were written as two half rows.
    """
    import pandas as pd

    from ctloop.inference_log.layout import date_prefix

    frames = [read_parquet_tree(date_prefix(log_root, model, day)) for day in log_dates(start, end)]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({"_time": pd.Series(dtype="datetime64[ns, UTC]"), "model_version": pd.Series(dtype=str)})
    logs = pd.concat(frames, ignore_index=True)
    logs["_time"] = utc_times(logs["time"])
    if "model_version" not in logs.columns:
        logs["model_version"] = ""
    logs["model_version"] = logs["model_version"].fillna("").astype(str)
    ids = [c for c in ("request_id", INSTANCE) if c in logs.columns]
    repeated = logs.duplicated(subset=ids, keep=False) if ids else pd.Series(False, index=logs.index)

    def in_period(frame):
        return (frame["_time"] > start) & (frame["_time"] <= end)

    # merged over the whole days read, before the period filter (halves either side of its start
    # still meet); only the period's rows are copied
    if not repeated.any():
        return logs[in_period(logs)].reset_index(drop=True)
    merged = merge_halves(logs[repeated])
    return pd.concat([logs[~repeated & in_period(logs)], merged[in_period(merged)]], ignore_index=True)


def utc_times(values: pd.Series) -> pd.Series:
    """ISO 8601 text → UTC timestamps (NaT where unreadable). What the sink writes (an offset
    on every value) is parsed by Arrow, ~7× faster than pandas; anything else by pandas' ISO
    parser, then its per-value parser for whatever that could not read (older or hand-written
    logs) — the same result as ``pd.to_datetime(format="mixed", errors="coerce")``."""
    import pandas as pd
    import pyarrow as pa

    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values, utc=True)
    try:
        parsed = pa.array(values, type=pa.string(), from_pandas=True).cast(pa.timestamp("ns", tz="UTC"))
        return pd.Series(parsed.to_pandas().array, index=values.index, name=values.name)  # positional
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    times = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
    missed = times.isna() & values.notna()
    if missed.any():
        times = times.copy()
        times[missed] = pd.to_datetime(values[missed], utc=True, format="mixed", errors="coerce")
    return times


def merge_halves(logs: pd.DataFrame) -> pd.DataFrame:
    """One row per ``(request_id, instance)``.

    Each sink replica joins the request and response it received; when the two halves of one
    request reach different replicas (no session affinity, a replica restarting between them)
    each writes a half row (``has_request`` or ``has_response`` only). For a key without a
    complete row, the last request half and the last response half become one row: the
    response's columns (predictions, and ``model_version``/``revision`` when it names them —
    ``""``/``unknown`` do not count, as in the sink's own join), the request's features, time
    and ``meta_*`` where the response has none. A key with a complete row keeps it whole: a WAL
    replayed after a crash writes the same row twice (same ``time``: one is kept), two requests
    sent with the same ``ce-id`` are two rows with their own times (both kept, never stitched
    together).
    """
    import pandas as pd

    ids = [c for c in ("request_id", INSTANCE) if c in logs.columns]
    if not ids or logs.empty:
        return logs
    repeated = logs.duplicated(subset=ids, keep=False)
    if not repeated.any():
        return logs
    group = logs[repeated]
    has_req = flag(group["has_request"]) if "has_request" in group.columns else pd.Series(True, index=group.index)
    has_resp = flag(group["has_response"]) if "has_response" in group.columns else pd.Series(True, index=group.index)
    # a WAL replayed after a crash writes the same complete row twice (same time); two requests
    # that reused one ce-id are two rows with their own times, and both are kept
    same = [*ids, "time"] if "time" in group.columns else ids
    complete = group[has_req & has_resp].drop_duplicates(subset=same, keep="last")
    done = pd.MultiIndex.from_frame(complete[ids].astype(str))
    rest = group[~pd.MultiIndex.from_frame(group[ids].astype(str)).isin(done)]
    rest_req, rest_resp = has_req.loc[rest.index], has_resp.loc[rest.index]
    requests = rest[~rest_resp].drop_duplicates(subset=ids, keep="last").set_index(ids)
    responses = rest[rest_resp & ~rest_req].drop_duplicates(subset=ids, keep="last").set_index(ids)
    unknown = {"model_version": "", "revision": "unknown"}
    blank = {c: v for c, v in unknown.items() if c in responses.columns}
    responses = responses.assign(**{c: responses[c].where(responses[c] != v) for c, v in blank.items()})
    merged = responses.combine_first(requests)
    for column in ("time", "_time", *[c for c in requests.columns if c.startswith("meta_")]):
        if column in requests.columns:  # when the request arrived; its business keys
            merged[column] = requests[column].combine_first(merged[column]).reindex(merged.index)
    for column, value in blank.items():
        merged[column] = merged[column].fillna(value)
    if "has_request" in logs.columns:
        merged["has_request"] = merged.index.isin(requests.index)
    if "has_response" in logs.columns:
        merged["has_response"] = merged.index.isin(responses.index)
    merged = merged.reset_index()[list(logs.columns)]
    return pd.concat([logs[~repeated], complete, merged], ignore_index=True)


def flag(values: pd.Series, missing: bool = True) -> pd.Series:
    """A boolean column (``has_request``/``has_response``) as bools; missing values (files
    written before the column existed) count as ``missing``; ``"false"`` strings are false."""
    import pandas as pd

    def one(v):
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return missing
        if isinstance(v, str):
            return v.strip().lower() not in ("false", "0", "")
        return bool(v)

    return pd.Series([one(v) for v in values], index=values.index, dtype=bool)


def served(logs: pd.DataFrame) -> pd.DataFrame:
    """Rows with a response (``has_response`` true or absent): the ones with predictions."""
    if "has_response" not in logs.columns or logs.empty:
        return logs
    return logs[flag(logs["has_response"])]


__all__ = ["read_log", "read_parquet_tree", "read_parquet_files", "log_dates", "utc_times", "merge_halves", "flag", "served"]

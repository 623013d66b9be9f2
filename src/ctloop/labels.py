"""Ground truth that arrives after the prediction: ingest, join with logged predictions, and
realized performance per model version / revision / time window.

**The label store.** Labels are appended as Parquet under ``<store>/labels/part-<uuid>.parquet``
with columns ``<key>``, optional ``instance``, ``label`` and ``label_time``. ``<key>`` is the join
key with the inference log and keeps its name: ``request_id`` (KServe's ``ce-id``) or a business
key carried in a metadata header (``meta_x_order_id``, see docs/inference-log.md). A store holds
one key: the first ingest records it in ``<store>/labels/_ctloop_labels.json`` and an ingest with
another key is refused (use one store per key). Keys are always **strings** on both sides of the
join: a key read from CSV is read as text (``00123`` stays ``00123``), a numeric key from Parquet
becomes its decimal text (``1001``, never ``1001.0``), so labels join ``meta_*`` columns (strings)
whatever the file format.

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

import io
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ctloop.errors import ConfigError, DataValidationError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

LABEL_COLUMNS = ("label", "label_time")
INSTANCE = "instance"
STORE_MANIFEST = "_ctloop_labels.json"
CLASSIFICATION = ("roc_auc", "accuracy", "log_loss", "precision", "recall", "f1")
REGRESSION = ("rmse", "mae", "r2")


# --------------------------------------------------------------------------- keys
def normalise_keys(values: pd.Series) -> pd.Series:
    """Join keys as text: ``1001``, ``1001.0`` and ``"1001"`` all become ``"1001"``; surrounding
    spaces are dropped; missing values stay missing (they never match). Vectorised for the
    common column types (one type per column), value by value for mixed columns."""
    import pandas as pd

    s = pd.Series(values)
    if pd.api.types.is_bool_dtype(s):
        return s.map({True: "true", False: "false"}).astype("string")
    if pd.api.types.is_integer_dtype(s):
        return s.astype("Int64").astype("string")
    if pd.api.types.is_float_dtype(s):
        integral = s.notna() & (s % 1 == 0)
        out = s.astype("string")
        out[integral] = s[integral].astype("int64").astype("string")
        return out
    if pd.api.types.is_string_dtype(s) and s.map(lambda v: isinstance(v, str) or v is None or v is pd.NA
                                                  or (isinstance(v, float) and v != v)).all():
        return s.astype("string").str.strip()

    def one(v):
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return pd.NA
        if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
            v = v.item()
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()

    return pd.Series([one(v) for v in s], index=s.index, dtype="string")


def detect_key(labels: pd.DataFrame) -> str:
    """The key column of a label frame: the one column besides ``instance``/``label``/``label_time``."""
    keys = [c for c in labels.columns if c not in (*LABEL_COLUMNS, INSTANCE)]
    if len(keys) != 1:
        raise DataValidationError([("*", "one_key", len(labels), (
            f"a label store has exactly one key column besides {INSTANCE}/label/label_time, found {keys}: "
            "ingest each key (request_id, meta_<header>) into its own store"))])
    return keys[0]


# --------------------------------------------------------------------------- ingest
def _exists(uri: str) -> bool:
    from pathlib import Path

    from ctloop.storage import gcs_client, is_gcs, split_gcs

    if is_gcs(uri):
        bucket, name = split_gcs(uri)
        return gcs_client().bucket(bucket).blob(name).exists()
    return Path(uri).exists()


def store_key(store_root: str) -> str | None:
    """The key a label store is keyed by (from its manifest); ``None`` for a new store."""
    from ctloop.storage import read_bytes

    manifest = f"{store_root.rstrip('/')}/labels/{STORE_MANIFEST}"
    if not _exists(manifest):
        return None
    return str(json.loads(read_bytes(manifest))["key"])


def ingest_labels(source_uri: str, store_root: str, *, key: str = "request_id", label: str = "label") -> int:
    """Append the labels of ``source_uri`` (CSV/Parquet, local or gs://) to the store; returns rows.

    Columns: ``key`` (required, no missing values), ``label`` (required: the class as the
    model was trained with — ``0``/``1``, ``2``, or text such as ``approved`` — or the target
    value for a regressor), optional ``instance`` (index of the instance within a batched
    request) and ``label_time`` (ISO 8601; default: now). A label column holding any text is
    stored as text.
    """
    import pandas as pd

    from ctloop.storage import read_table, write_bytes, write_table

    if not key or key in (*LABEL_COLUMNS, INSTANCE):
        raise ConfigError(f"label key {key!r} is not a join key: use request_id or a meta_<header> column")
    known = store_key(store_root)
    if known is not None and known != key:
        raise ConfigError(f"label store {store_root} is keyed by {known!r}, not {key!r}: ingest labels keyed by "
                          f"{key!r} into another store (one key per store)")
    frame = read_table(source_uri, text_columns=(key,))
    for col in (key, label):
        if col not in frame.columns:
            raise DataValidationError([(col, "required", len(frame), f"column is missing from {source_uri} "
                                        f"(columns: {', '.join(map(str, frame.columns))})")])
    violations = []
    keys = normalise_keys(frame[key])
    if int(keys.isna().sum()):
        violations.append((key, "non_null", int(keys.isna().sum()), "labels without a key value"))
    values = pd.to_numeric(frame[label], errors="coerce")
    if int(frame[label].isna().sum()):
        violations.append((label, "non_null", int(frame[label].isna().sum()), "labels without a value"))
    text = values.isna() & frame[label].notna()
    if bool(text.all() or (text | frame[label].isna()).all()):  # class names such as "approved"
        values = frame[label].map(lambda v: v if v is None or v != v else str(v).strip())
    elif bool(text.any()):
        first = frame[label][text].iloc[0]
        violations.append((label, "one_kind", int(text.sum()), f"labels mix numbers and text (e.g. {first!r}): "
                           "give every label as the model's class, all numbers or all names"))
    out = pd.DataFrame({key: keys})
    if INSTANCE in frame.columns:
        inst = pd.to_numeric(frame[INSTANCE], errors="coerce")
        wrong = int((inst.isna() | (inst < 0) | (inst % 1 != 0)).sum())
        if wrong:
            violations.append((INSTANCE, "non_negative_int", wrong, "instance must be the 0-based index of the "
                               "instance within its request"))
        out[INSTANCE] = inst.astype("Int64") if not wrong else inst
    if violations:
        raise DataValidationError(violations)
    out["label"] = values.astype(float) if pd.api.types.is_numeric_dtype(values) else values.astype(str)
    if "label_time" in frame.columns:
        times = pd.to_datetime(frame["label_time"], utc=True, format="mixed", errors="coerce")
        if int(times.isna().sum()):
            raise DataValidationError([("label_time", "datetime", int(times.isna().sum()),
                                        "label_time must be an ISO 8601 time, e.g. 2026-01-06T10:00:00Z")])
        out["label_time"] = times.map(lambda t: t.isoformat())
    else:
        out["label_time"] = pd.Timestamp.now("UTC").isoformat()
    root = store_root.rstrip("/")
    if known is None:
        write_bytes(f"{root}/labels/{STORE_MANIFEST}", json.dumps({"key": key, "format": 1}).encode(),
                    content_type="application/json")
    write_table(out, f"{root}/labels/part-{uuid.uuid4().hex}.parquet")
    return len(out)


# --------------------------------------------------------------------------- reading
def _parquet_files(root: str) -> list:
    """``[(name, reader)]`` of every Parquet file under a local directory or gs:// prefix."""
    from pathlib import Path

    from ctloop.storage import gcs_client, is_gcs, split_gcs

    if is_gcs(root):
        bucket, prefix = split_gcs(root.rstrip("/") + "/x")
        blobs = gcs_client().list_blobs(bucket, prefix=prefix[:-1])
        return [(b.name, (lambda b=b: io.BytesIO(b.download_as_bytes()))) for b in blobs if b.name.endswith(".parquet")]
    base = Path(root)
    return [(str(p), (lambda p=p: p)) for p in sorted(base.rglob("*.parquet"))] if base.is_dir() else []


def read_parquet_tree(root: str) -> pd.DataFrame:
    """Every Parquet file under a local directory or gs:// prefix, concatenated."""
    import pandas as pd

    frames = [pd.read_parquet(open_()) for _, open_ in _parquet_files(root)]
    frames = [f for f in frames if len(f.columns)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


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
    and ``meta_*`` where the response has none. A key with a complete row keeps the last one
    whole (a WAL replayed after a crash writes the same row twice; two requests sent with the
    same ``X-Request-Id`` are never stitched together).
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
    complete = group[has_req & has_resp].drop_duplicates(subset=ids, keep="last")
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


def read_labels(store_root: str) -> pd.DataFrame:
    """Every label of the store (columns ``<key>``, [``instance``], ``label``, ``label_time``)."""
    return read_parquet_tree(f"{store_root.rstrip('/')}/labels")


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


# --------------------------------------------------------------------------- join
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


# --------------------------------------------------------------------------- metrics
def metric_names(task: str) -> tuple[str, ...]:
    if task == "classification":
        return CLASSIFICATION
    if task == "regression":
        return REGRESSION
    raise ConfigError(f"task {task!r} must be classification or regression")


def pd_numeric(values):
    """Labels as numbers (text that is not a number becomes NaN)."""
    import pandas as pd

    return pd.to_numeric(pd.Series(list(values) if not hasattr(values, "dtype") else values), errors="coerce")


def _class_positions(y, classes) -> np.ndarray:
    """Labels → positions in ``classes`` (-1 for a label the model has no class for).

    Numeric classes (``0``/``1``, ``True``/``False``) match numeric labels by value (``1``,
    ``1.0`` and ``"1"`` are one class; ``"true"``/``"false"`` are the booleans); text classes
    match text exactly, after stripping (``"01"`` is not ``"1"``), a label stored as the number
    ``1.0`` being the text ``"1"``.
    """
    import numpy as np

    numeric = all(isinstance(c, int | float | np.integer | np.floating | np.bool_) for c in classes)

    def as_number(v):
        if isinstance(v, str) and v.strip().lower() in ("true", "false"):
            return float(v.strip().lower() == "true")
        try:
            return float(v)
        except (TypeError, ValueError):
            return None

    def as_text(v):
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return str(int(v))
        return str(v).strip()

    norm = as_number if numeric else as_text
    index = {norm(c): i for i, c in enumerate(classes)}
    return np.array([index.get(norm(v), -1) for v in y], dtype=int)


def scorable(y, classes: list | None = None, task: str = "classification") -> np.ndarray:
    """Which labels a metric can use: a class of the model (``classes`` given), else a number.
    Gate label counts (``min_labels``) on this, not on the joined rows."""
    import numpy as np

    if classes and task == "classification":
        return _class_positions(y, classes) >= 0
    return np.isfinite(np.asarray(pd_numeric(y), dtype=float))


def metric_value(name: str, y, score, classes: list | None = None) -> float:
    """One realized metric, named and defined as in ``components/evaluate``. NaN when undefined
    (e.g. ROC AUC with one class present).

    * binary: ``score`` is the positive-class probability (1-D) and 0.5 the decision threshold;
      the positive class is ``classes[1]`` when ``classes`` is given (labels may be text), else
      the label ``1``;
    * multiclass: ``score`` is the ``n × k`` probability matrix in the order of ``classes``
      (``prediction_0 … prediction_<k-1>``); metrics as the evaluation gate computes them (macro
      precision/recall/F1, macro one-vs-rest ROC AUC, defined only when every class is present).
      Labels that are not a class of the model are left out;
    * regression: ``score`` is the prediction.
    """
    import numpy as np

    from ctloop.components.evaluate.core import fast_auc

    s = np.asarray(score, dtype=float)
    if s.ndim == 2:
        if not classes or len(classes) != s.shape[1]:
            raise ConfigError(f"a {s.shape[1]}-column score needs the model's {s.shape[1]} classes, got {classes!r}")
        from ctloop.components.evaluate.core import _metrics_from

        where = _class_positions(y, classes)
        keep = where >= 0
        if not keep.any():
            return float("nan")
        proba = s[keep]
        total = proba.sum(axis=1, keepdims=True)  # logged probabilities are often rounded: back to sum 1
        proba = np.divide(proba, total, out=np.full_like(proba, 1.0 / proba.shape[1]), where=total > 0)
        labels = np.asarray(classes)
        try:
            return float(_metrics_from(labels[where[keep]], proba, list(classes), "classification")[name])
        except ValueError:  # scikit-learn refuses what it cannot score (e.g. negative "probabilities")
            return float("nan")
    if classes is not None and name in CLASSIFICATION:
        where = _class_positions(y, classes)
        known = where >= 0  # a label that is not a class of the model is left out, never "negative"
        y, s = (where[known] == 1).astype(float), s[known]
    else:
        y = np.asarray(pd_numeric(y), dtype=float)
        known = np.isfinite(y)  # a text label cannot be scored as a number: left out
        y, s = y[known], s[known]
    if len(y) == 0:
        return float("nan")
    pos, hat = y == 1, s >= 0.5
    if name == "roc_auc":
        return fast_auc(pos, s)
    if name == "accuracy":
        return float(np.mean(hat == pos))
    if name == "log_loss":
        p = np.clip(s, 1e-15, 1 - 1e-15)
        return float(-np.mean(np.where(pos, np.log(p), np.log(1 - p))))
    if name in ("precision", "recall", "f1"):
        tp = float(np.sum(hat & pos))
        precision = tp / max(float(np.sum(hat)), 1.0)
        recall = tp / max(float(np.sum(pos)), 1.0)
        if name == "precision":
            return precision
        if name == "recall":
            return recall
        return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    err = s - y
    if name == "rmse":
        return float(np.sqrt(np.mean(err**2)))
    if name == "mae":
        return float(np.mean(np.abs(err)))
    if name == "r2":
        ss_tot = float(np.sum((y - y.mean()) ** 2))
        return float(1 - np.sum(err**2) / ss_tot) if ss_tot > 0 else float("nan")
    raise ConfigError(f"unknown realized metric {name!r}; use one of {', '.join(CLASSIFICATION + REGRESSION)}")


def score_columns(score: str | list[str] | tuple[str, ...]) -> list[str]:
    return [score] if isinstance(score, str) else list(score)


def realized_metrics(joined: pd.DataFrame, *, task: str = "classification",
                     score: str | list[str] = "prediction_1", by: tuple[str, ...] = ("model", "revision"),
                     window: str | None = None, metrics: tuple[str, ...] | None = None,
                     classes: list | None = None) -> pd.DataFrame:
    """Per group (and per time window): ``rows`` and the realized metrics of what was served.

    Classification: ``roc_auc``, ``accuracy``, ``log_loss``, ``precision``, ``recall``, ``f1``
    of ``score`` — the positive-class probability column (binary), or the list of the ``k``
    class-probability columns in the order of ``classes`` (multiclass); regression: ``rmse``,
    ``mae``, ``r2`` of ``score`` against the label. See :func:`metric_value`. Rows whose score
    is missing (NaN) are left out.
    """
    import pandas as pd

    names = tuple(metrics or metric_names(task))
    columns = score_columns(score)
    if joined.empty or any(c not in joined.columns for c in columns):
        return pd.DataFrame()
    data = joined.copy()
    for column in columns:
        data[column] = pd.to_numeric(data[column], errors="coerce")
    data = data.dropna(subset=[*columns, "label"])
    data = data[scorable(data["label"], classes, task)]  # rows counts only labels the metric uses
    score = columns[0] if isinstance(score, str) else columns
    keys = list(by)
    if window:
        data["window"] = utc_times(data["time"]).dt.floor(window)
        keys.append("window")
    rows = []
    for group, part in data.groupby(keys, sort=True):
        entry = dict(zip(keys, group if isinstance(group, tuple) else (group,), strict=True))
        entry["rows"] = len(part)
        for name in names:
            entry[name] = metric_value(name, part["label"], part[score], classes)
        rows.append(entry)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- CLI
def _report(args) -> int:
    from ctloop import reports

    report = reports.realized_report(
        args.log_root, args.store, args.model_name, start=args.start, end=args.end, lookback=args.lookback,
        window=args.window, by=args.by, task=args.task, score=args.score_column,
        metrics=tuple(m.strip() for m in (args.metrics or "").split(",") if m.strip()),
        classes=tuple(c.strip() for c in (args.classes or "").split(",") if c.strip()))
    print(f"{args.model_name}: {report.start:%Y-%m-%d %H:%M} → {report.end:%Y-%m-%d %H:%M} UTC, "
          f"{report.logged_rows} logged rows; {report.join}\n")
    print(reports.format_realized(report))
    for warning in report.warnings:
        print(f"warning: {warning}")
    if not args.output:
        return 0

    def write(out) -> tuple[str, ...]:
        report.table.to_csv(out / "realized.csv", index=False)
        (out / "realized.json").write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n")
        reports.plot_realized(report, out / "realized.png")
        return "realized.csv", "realized.json", "realized.png"

    for where in reports.write_outputs(args.output, write):
        print(f"wrote {where}")
    return 0


def register(subparsers) -> None:
    """``ctloop labels ingest`` and ``ctloop labels report``."""
    p = subparsers.add_parser("labels", help="ground truth for logged predictions")
    sub = p.add_subparsers(dest="labels_command", metavar="ACTION")
    i = sub.add_parser("ingest", help="append labels (CSV/Parquet, local or gs://) to the label store")
    i.add_argument("--labels", required=True, help="file with the key column, a label column and optionally "
                   "instance (index within a batched request) and label_time")
    i.add_argument("--store", required=True, help="label store root (local path or gs://); one key per store")
    i.add_argument("--key", default="request_id", help="join key: request_id (default) or a business key column "
                   "of the inference log, e.g. meta_x_order_id")
    i.add_argument("--label-column", default="label")

    def run(args) -> int:
        n = ingest_labels(args.labels, args.store, key=args.key, label=args.label_column)
        print(f"appended {n} labels keyed by {args.key} to {args.store.rstrip('/')}/labels/")
        return 0

    i.set_defaults(handler=run)

    r = sub.add_parser("report", help="realized performance of served predictions whose labels arrived, per model "
                       "version (or revision) and time window; table, CSV/JSON and a PNG plot")
    r.add_argument("--log-root", required=True, help="inference log root written by `ctloop logger serve`")
    r.add_argument("--store", required=True, help="label store root (as for ingest)")
    r.add_argument("--model-name", required=True, help="InferenceService / registered model name")
    r.add_argument("--start", help="start of the period (ISO 8601, UTC when no offset); default: --lookback before --end")
    r.add_argument("--end", help="end of the period (ISO 8601); default: now")
    r.add_argument("--lookback", default="7D", help="period when --start is not given (default 7D)")
    r.add_argument("--window", default="", help="one row per group and window, e.g. 1h or 1D (default: whole period)")
    r.add_argument("--by", default="model_version", choices=("model_version", "revision"))
    r.add_argument("--task", default="classification", choices=("classification", "regression"))
    r.add_argument("--score-column", default="", help="logged score column (default prediction_1 / prediction)")
    r.add_argument("--classes", default="", help="the model's classes in its order, comma-separated (text labels, "
                   "or multiclass: scores prediction_0..prediction_<k-1>)")
    r.add_argument("--metrics", default="", help="comma-separated metrics (default: all of the task; the first is "
                   "plotted)")
    r.add_argument("--output", help="directory (local or gs://) for realized.csv, realized.json, realized.png")
    r.set_defaults(handler=_report)


__all__ = ["ingest_labels", "store_key", "read_labels", "read_log", "merge_halves", "read_parquet_tree", "log_dates", "flag", "served",
           "normalise_keys", "detect_key", "JoinResult", "join_labels", "join_predictions_with_labels",
           "metric_names", "metric_value", "realized_metrics", "score_columns", "scorable"]

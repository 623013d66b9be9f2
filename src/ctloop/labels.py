"""Ground truth that arrives after the prediction: ingest, join with logged predictions, and
realized performance per model, revision and time window.

Labels are appended as Parquet under ``<store>/labels/date=<YYYY-MM-DD>/part-<uuid>.parquet``
(the ingestion date), with columns ``key`` (the key *name*: ``request_id`` or a
``metadataHeaders`` header such as ``X-Order-Id``), ``key_value`` (as text), ``label`` and
``label_time``. Joining them with the inference log (:mod:`ctloop.inference_log`) on
``request_id`` (= KServe's ``ce-id``) or on the ``meta_<header>`` column gives the *realized*
metric of what each revision actually served.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ctloop.errors import ConfigError, DataValidationError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

TASKS = ("classification", "regression")


def key_column(key: str) -> str:
    """The inference-log column of a join key: ``request_id`` stays, a metadata header name
    (``X-Order-Id``) becomes ``meta_x_order_id``."""
    from ctloop.inference_log.events import meta_column

    if key in ("request_id", "") or key.startswith("meta_"):
        return key or "request_id"
    return meta_column(key)


def ingest_labels(
    source_uri: str,
    store: str,
    *,
    key: str = "request_id",
    label: str = "label",
    now: pd.Timestamp | None = None,
) -> int:
    """Append the labels in ``source_uri`` (CSV/Parquet, local or gs://) to ``store``.

    Args:
        source_uri: table with the key column and the label column (optionally ``label_time``).
        store: label store root (local path or gs://); files go under ``<store>/labels/``.
        key: ``request_id`` or the metadata header name carrying a business key; the source
            column is ``key`` itself, or ``key_column(key)``.
        label: name of the label column in the source.
        now: ingestion time (default: now, UTC), used when the source has no ``label_time``.

    Returns:
        The number of labels appended.
    """
    import pandas as pd

    from ctloop.storage import read_table, write_table

    frame = read_table(source_uri)
    column = key if key in frame.columns else key_column(key)
    problems = [
        (col, "required", len(frame), f"column is missing from {source_uri}")
        for col in (column, label)
        if col not in frame.columns
    ]
    if problems:
        raise DataValidationError(problems)
    for col in (column, label):
        nulls = int(frame[col].isna().sum())
        if nulls:
            problems.append((col, "non_null", nulls, "rows without a value: drop or fill them"))
    if problems:
        raise DataValidationError(problems)
    now = now or pd.Timestamp.now(tz="UTC")
    if "label_time" in frame.columns:
        label_time = pd.to_datetime(frame["label_time"], utc=True, format="mixed")
    else:
        label_time = pd.Series(now, index=frame.index)
    out = pd.DataFrame(
        {
            "key": key_column(key),
            "key_value": frame[column].astype(str),
            "label": frame[label],
            "label_time": label_time,
        }
    )
    uri = f"{store.rstrip('/')}/labels/date={now:%Y-%m-%d}/part-{uuid.uuid4().hex}.parquet"
    write_table(out, uri)
    return len(out)


def read_labels(store: str, key: str = "request_id") -> pd.DataFrame:
    """The labels of ``store`` for ``key`` as columns ``<key column>, label, label_time``
    (latest label per key value)."""
    import pandas as pd

    from ctloop.inference_log.store import read_parquet_tree

    frame = read_parquet_tree(f"{store.rstrip('/')}/labels")
    column = key_column(key)
    if frame.empty:
        return pd.DataFrame({column: [], "label": [], "label_time": []})
    frame = frame[frame["key"] == column]
    latest = frame.sort_values("label_time", kind="stable").drop_duplicates("key_value", keep="last")
    return latest.rename(columns={"key_value": column})[[column, "label", "label_time"]]


def join_predictions_with_labels(
    logs_frame: pd.DataFrame, labels_frame: pd.DataFrame, key: str = "request_id"
) -> pd.DataFrame:
    """Logged prediction rows that have a label (inner join on ``key``).

    ``labels_frame`` has the key column (``request_id`` or ``meta_<header>``; a header name is
    mapped with :func:`key_column`) and ``label``; if it has ``label_time``, the latest label
    per key wins. Keys are compared as text. One request with several instances shares its
    label only when keyed by a per-instance business key; keyed by ``request_id`` every
    instance of the request gets the label.
    """
    column = key_column(key)
    for frame, name in ((logs_frame, "logs_frame"), (labels_frame, "labels_frame")):
        if column not in frame.columns and not frame.empty:
            raise DataValidationError(
                [(column, "required", len(frame), f"{name} has no join key column {column!r}")]
            )
    if "label" not in labels_frame.columns and not labels_frame.empty:
        raise DataValidationError([("label", "required", len(labels_frame), "no label column")])
    if logs_frame.empty or labels_frame.empty:
        return logs_frame.iloc[:0].assign(label=[])
    labels = labels_frame
    if "label_time" in labels.columns:
        labels = labels.sort_values("label_time", kind="stable")
    labels = labels.assign(_key=labels[column].astype(str)).drop_duplicates("_key", keep="last")
    logs = logs_frame.drop(columns=["label"], errors="ignore")
    logs = logs.assign(_key=logs[column].astype(str))
    joined = logs.merge(labels[["_key", "label"]], on="_key", how="inner")
    return joined.drop(columns="_key")


def _score_column(joined: pd.DataFrame, task: str, score: str) -> str:
    if score:
        if score not in joined.columns:
            raise ConfigError(f"score column {score!r} is not in the joined frame")
        return score
    candidates = ["prediction_1", "prediction"] if task == "classification" else ["prediction"]
    for name in candidates:
        if name in joined.columns:
            return name
    raise ConfigError(
        f"no prediction column among {candidates} for task {task!r}: pass score= with the column "
        "holding the positive-class probability (classification) or the prediction (regression)"
    )


def realized_metrics(
    joined: pd.DataFrame,
    *,
    task: str,
    by: tuple[str, ...] = ("model", "revision", "window"),
    window: str = "1D",
    score: str = "",
    positive_label: object = 1,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Realized metrics per group of the labelled predictions.

    Args:
        joined: output of :func:`join_predictions_with_labels` (columns ``time``, ``label``, a
            prediction column and the ``by`` columns).
        task: ``classification`` (binary: ``roc_auc`` of the score, ``accuracy`` of
            ``score >= threshold``) or ``regression`` (``rmse``, ``mae``).
        by: grouping columns; ``"window"`` is the prediction ``time`` floored to ``window``.
        window: pandas frequency of the time windows (``1D``, ``1h``...).
        score: the prediction column (default ``prediction_1`` — the positive-class
            probability of a ``predict_proba`` response — else ``prediction``).
        positive_label: the label value of the positive class.
        threshold: decision threshold for ``accuracy``.

    Returns:
        One row per group: the ``by`` columns, ``rows``, ``positives`` (classification) and the
        metrics. ``roc_auc`` is NaN for a group with a single class.
    """
    import numpy as np
    import pandas as pd

    from ctloop.components.evaluate.core import fast_auc

    if task not in TASKS:
        raise ConfigError(f"task {task!r} is not supported: use one of {TASKS}")
    metric_names = ["roc_auc", "accuracy"] if task == "classification" else ["rmse", "mae"]
    keys = list(by)
    extra = ["positives"] if task == "classification" else []
    if joined.empty:
        return pd.DataFrame(columns=[*keys, "rows", *extra, *metric_names])
    score = _score_column(joined, task, score)
    data = joined.dropna(subset=[score, "label"])
    if "window" in keys:
        times = pd.to_datetime(data["time"], utc=True, format="mixed")
        data = data.assign(window=times.dt.floor(window))
    missing = [k for k in keys if k not in data.columns]
    if missing:
        raise ConfigError(f"cannot group by {missing}: not columns of the joined frame")
    rows = []
    for group, part in data.groupby(keys, sort=True):
        s = part[score].to_numpy(dtype=float)
        entry = dict(zip(keys, group if isinstance(group, tuple) else (group,), strict=True))
        entry["rows"] = len(part)
        if task == "classification":
            y = (part["label"] == positive_label).to_numpy()
            entry["positives"] = int(y.sum())
            entry["roc_auc"] = fast_auc(y, s)
            entry["accuracy"] = float(np.mean((s >= threshold) == y))
        else:
            err = s - part["label"].to_numpy(dtype=float)
            entry["rmse"] = float(np.sqrt(np.mean(err**2)))
            entry["mae"] = float(np.mean(np.abs(err)))
        rows.append(entry)
    return pd.DataFrame(rows, columns=[*keys, "rows", *extra, *metric_names])


def register(subparsers) -> None:
    """Add ``labels ingest`` to the ``ctloop`` command."""
    parser = subparsers.add_parser("labels", help="ground truth for logged predictions")
    sub = parser.add_subparsers(dest="labels_command", metavar="ACTION")
    i = sub.add_parser("ingest", help="append labels (CSV/Parquet, local or gs://) to the store")
    i.add_argument("--labels", required=True, help="CSV/Parquet file with the key and a label")
    i.add_argument("--store", required=True, help="label store root (local path or gs://)")
    i.add_argument(
        "--key",
        default="request_id",
        help="join key: request_id (KServe's ce-id) or a metadataHeaders header name",
    )
    i.add_argument("--label-column", default="label", help="label column in --labels")

    def run(args) -> int:
        n = ingest_labels(args.labels, args.store, key=args.key, label=args.label_column)
        print(f"appended {n} labels to {args.store.rstrip('/')}/labels/")
        return 0

    i.set_defaults(handler=run)


__all__ = [
    "ingest_labels",
    "read_labels",
    "key_column",
    "join_predictions_with_labels",
    "realized_metrics",
    "register",
]

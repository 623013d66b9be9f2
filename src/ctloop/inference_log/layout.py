"""Where the inference log keeps its files: the one definition used by the writer (the sink) and
the readers (monitoring, labels report, canary quality check, batch scoring).

::

    <root>/model=<model>/date=<YYYY-MM-DD>/revision=<revision>/part-<uuid>.parquet
    <root>/_quarantine/date=<YYYY-MM-DD>/part-<uuid>.jsonl
    <root>/_batch_runs/model=<model>/<run id>.json
    <root>/_imports/kserve-<hash of the source URI>/checkpoint-<UTC time>-<uuid>.json

``model``, ``date`` and ``revision`` are hive partition keys (``pyarrow.dataset`` reads them with
``partitioning="hive"``). ``date`` is the UTC day of the row's ``time``. Directories starting with
``_`` are never part of the log (pyarrow datasets skip them too). ``_batch_runs`` holds what the
first attempt of a batch-scoring run logged with (its time and model version), so that a retry of
the same run rewrites the same files (:mod:`ctloop.scoring`). ``_imports`` holds, per imported
source, the objects ``ctloop logger import`` has written into the log (:mod:`ctloop.inference_log.blob_import`).
"""

from __future__ import annotations

PARTITION_KEYS = ("model", "date", "revision")
QUARANTINE_DIR = "_quarantine"
BATCH_RUNS_DIR = "_batch_runs"
IMPORTS_DIR = "_imports"
DATE_FORMAT = "%Y-%m-%d"


def model_prefix(root: str, model: str) -> str:
    """``<root>/model=<model>``: every row logged for one model."""
    return f"{root.rstrip('/')}/model={model}"


def date_prefix(root: str, model: str, day: str) -> str:
    """``<root>/model=<model>/date=<day>``: one UTC day of one model (``day`` as ``YYYY-MM-DD``)."""
    return f"{model_prefix(root, model)}/date={day}"


def partition(model: str, day: str, revision: str) -> str:
    """The partition directory of a model, day and revision, relative to the root."""
    return f"model={model}/date={day}/revision={revision}"


def data_file(model: str, day: str, revision: str, name: str) -> str:
    """A Parquet file of a partition, relative to the root."""
    return f"{partition(model, day, revision)}/{name}"


def quarantine_file(day: str, name: str) -> str:
    """A quarantined-records file, relative to the root."""
    return f"{QUARANTINE_DIR}/date={day}/{name}"


def batch_run_file(model: str, run_id: str) -> str:
    """The record of a batch-scoring run's first attempt, relative to the root."""
    return f"{BATCH_RUNS_DIR}/model={model}/{run_id}.json"


def is_log_path(relative: str) -> bool:
    """Whether a path relative to the root is the log's own: under a partition tree
    (``model=…``) or a ``_`` directory (``_imports``, ``_quarantine``, a model's ``_schema``, …).
    Anything else under the root (another tool's objects beside the log) is not."""
    first = relative.lstrip("/").split("/", 1)[0]
    return first.startswith(("_", f"{PARTITION_KEYS[0]}="))


def import_ledger_dir(name: str) -> str:
    """The records of what was imported from one source, relative to the root."""
    return f"{IMPORTS_DIR}/{name}"


def import_ledger_file(name: str, part: str) -> str:
    """One record (a checkpoint) of what was imported from one source, relative to the root."""
    return f"{import_ledger_dir(name)}/{part}.json"


__all__ = ["IMPORTS_DIR", "is_log_path", "import_ledger_dir", "import_ledger_file", "PARTITION_KEYS", "QUARANTINE_DIR", "BATCH_RUNS_DIR", "batch_run_file", "DATE_FORMAT", "model_prefix", "date_prefix", "partition",
           "data_file", "quarantine_file"]

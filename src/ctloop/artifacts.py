"""How ctloop lays out its KFP artifacts on disk. KFP-free: takes plain paths.

* Dataset: one Parquet file at the artifact path (the path has no extension).
* Model: a directory at the artifact path holding ``model.joblib`` (the fitted scikit-learn
  Pipeline) and ``ctloop-model.json`` (task, target, feature columns, classes, training info).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctloop.errors import DataSourceError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

MODEL_FILE = "model.joblib"
MODEL_META_FILE = "ctloop-model.json"


def write_dataset(path: str, frame: pd.DataFrame) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)


def read_dataset(path: str) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise DataSourceError(f"dataset artifact {path} is not readable Parquet: {exc}") from exc


def save_model(path: str, model: Any, meta: dict[str, Any]) -> Path:
    """Write ``model`` (joblib) and ``meta`` (JSON) into directory ``path``; returns it."""
    import joblib

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out / MODEL_FILE)
    (out / MODEL_META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
    return out


def load_model_meta(path: str) -> dict[str, Any]:
    """The metadata :func:`save_model` wrote, without unpickling the model (no scikit-learn
    import: ~1 s of a task's start-up)."""
    out = Path(path)
    if not (out / MODEL_FILE).exists():
        raise DataSourceError(f"model artifact {path} has no {MODEL_FILE}")
    meta_file = out / MODEL_META_FILE
    return json.loads(meta_file.read_text()) if meta_file.exists() else {}


def load_model(path: str) -> tuple[Any, dict[str, Any]]:
    """Read back what :func:`save_model` wrote: ``(model, meta)``."""
    import joblib

    meta = load_model_meta(path)
    return joblib.load(Path(path) / MODEL_FILE), meta


__all__ = ["MODEL_FILE", "MODEL_META_FILE", "write_dataset", "read_dataset", "save_model", "load_model", "load_model_meta"]

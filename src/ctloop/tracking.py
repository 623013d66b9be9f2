"""MLflow tracking for ctloop: one place that configures MLflow and logs a training run.

mlflow 3.17 facts this module handles (see docs/architecture.md):

* loading any sklearn model needs ``MLFLOW_ALLOW_PICKLE_DESERIALIZATION=true``;
* ``log_model`` serialises with skops by default, and HistGradientBoosting / tree models need
  their tree types listed in ``skops_trusted_types``;
* requirement inference costs ~4.5 s per ``log_model``: we pass ``pip_requirements`` explicitly;
* the KServe sklearn runtime cannot read ``model.skops``: a joblib copy is logged next to it under
  ``model-joblib/model.joblib`` with its sha256 recorded as a run tag.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctloop.errors import ConfigError, RegistryError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
REFERENCE_ARTIFACT_DIR = "reference"
REFERENCE_FILE = "reference.parquet"
JOBLIB_ARTIFACT_DIR = "model-joblib"
META_ARTIFACT_DIR = "ctloop"
MODEL_ARTIFACT_NAME = "model"
# Cap on the rows kept as drift reference (a seeded sample when the training set is larger).
REFERENCE_MAX_ROWS = 200_000

TAG_JOBLIB_SHA256 = "ctloop.joblib_sha256"
TAG_DATASET_DIGEST = "ctloop.dataset_digest"
TAG_DATA_URI = "ctloop.data_uri"
TAG_CODE_VERSION = "ctloop.code_version"
TAG_MODEL_ID = "ctloop.model_id"


def configure(tracking_uri: str = "") -> str:
    """Point MLflow at ``tracking_uri`` and set the switches mlflow 3.17 needs. Returns the URI.

    Empty ``tracking_uri`` means ``MLFLOW_TRACKING_URI`` from the environment (how a cluster
    injects it from a Secret/ConfigMap), else a local ``sqlite:///mlflow.db``.
    """
    import mlflow

    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI", "") or DEFAULT_TRACKING_URI
    if uri.startswith("file:") or (uri and "://" not in uri and not uri.startswith("databricks")):
        # A bare path or file: URI is the file store, in maintenance mode since mlflow 3.x.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    os.environ.setdefault("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def local_artifact_root() -> str | None:
    """For a local ``sqlite:///DIR/x.db`` store: ``DIR/mlartifacts`` (absolute), else ``None``.

    Without it MLflow puts artifacts in ``./mlruns`` relative to whatever directory the first
    task happened to run in.
    """
    import mlflow

    uri = mlflow.get_tracking_uri()
    if uri.startswith("sqlite:///"):
        db = Path(uri[len("sqlite:///") :]).resolve()
        return (db.parent / "mlartifacts").as_uri()
    return None


def code_version() -> str:
    """``ctloop <version>`` plus the git commit baked into the image, when known."""
    from ctloop._version import __version__

    commit = os.environ.get("CTLOOP_GIT_COMMIT", "")
    return f"ctloop {__version__}" + (f" ({commit})" if commit else "")


def skops_trusted_types(model: Any) -> list[str]:
    """The non-default types skops must trust to save/load ``model`` (trees, HGB predictors)."""
    import skops.io as sio

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.skops"
        sio.dump(model, path)
        return sorted(sio.get_untrusted_types(file=path))


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pip_requirements() -> list[str]:
    """Explicit requirements for the logged model (skips mlflow's 4.5 s inference)."""
    from importlib.metadata import version

    return [
        f"scikit-learn=={version('scikit-learn')}",
        f"pandas=={version('pandas')}",
        f"numpy=={version('numpy')}",
        f"skops=={version('skops')}",
    ]


def _ensure_experiment(experiment: str) -> str:
    import mlflow

    if not experiment:
        raise ConfigError("an MLflow experiment name is required (the model name is used by default)")
    exp = mlflow.get_experiment_by_name(experiment)
    if exp is None:
        return mlflow.create_experiment(experiment, artifact_location=local_artifact_root())
    if exp.lifecycle_stage == "deleted":
        raise RegistryError(
            f"MLflow experiment {experiment!r} is deleted: restore it or choose another model name"
        )
    return exp.experiment_id


def _dataset(frame: pd.DataFrame, data_uri: str, target: str | None, digest: str):
    """An MLflow dataset for the run's inputs; the source is the data URI when MLflow knows its scheme."""
    import mlflow
    from mlflow.exceptions import MlflowException

    kw = {"targets": target, "name": "train_data", "digest": digest[:36] if digest else None}
    with warnings.catch_warnings():
        # The dataset's schema describes the training data as it is (integer columns stay
        # integers: the "cannot represent missing values" hint is about model inputs, handled in
        # the signature); a local path matches MLflow's two local-artifact sources, which agree.
        warnings.filterwarnings("ignore", message=r"(?s).*[Ii]nteger column", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"(?s).*can be interpreted in multiple ways", category=UserWarning)
        if data_uri:
            try:
                return mlflow.data.from_pandas(frame, source=data_uri, **kw)
            except MlflowException:  # no source resolver for this scheme: record it as a tag only
                pass
        return mlflow.data.from_pandas(frame, **kw)


def log_training_run(
    *,
    tracking_uri: str,
    experiment: str,
    model: Any,
    meta: dict[str, Any],
    params: dict[str, Any],
    metrics: dict[str, float],
    train_frame: pd.DataFrame,
    dataset_digest: str,
    data_uri: str,
    seed: int = 0,
) -> tuple[str, str]:
    """Log one training run to MLflow; returns ``(run_id, model_uri)``.

    The run holds: params, metrics, the training dataset as an MLflow dataset input (digest and
    source), a reference sample for drift detection (``reference/reference.parquet``), the
    model (skops, with signature and explicit pip requirements), a joblib copy for KServe
    (``model-joblib/model.joblib``, sha256 in tag ``ctloop.joblib_sha256``) and ctloop's model
    meta (``ctloop/ctloop-model.json``).
    """
    import json

    import joblib
    import mlflow
    import mlflow.sklearn
    from mlflow.models import infer_signature

    from ctloop.artifacts import MODEL_FILE, MODEL_META_FILE

    configure(tracking_uri)
    experiment_id = _ensure_experiment(experiment)
    features = list(meta.get("features") or [c for c in train_frame.columns])
    target = meta.get("target")
    x = train_frame[features]
    sample = x.head(min(len(x), 200))
    # Integer features are declared double: the model imputes missing values, and an int64 schema
    # would make MLflow's pyfunc refuse a request whose integer feature is missing (NaN).
    sample = sample.astype({c: "float64" for c in sample.columns
                            if str(sample[c].dtype).lower().startswith(("int", "uint"))})
    try:
        with warnings.catch_warnings():
            # the integer hint is about the *output* here (class labels), which is never missing
            warnings.filterwarnings("ignore", message=r"(?s).*[Ii]nteger column", category=UserWarning)
            signature = infer_signature(sample, model.predict(sample))
    except (ValueError, TypeError) as exc:  # mlflow raises these for unsupported frames
        raise RegistryError(f"cannot infer the model signature: {exc}") from exc

    reference = train_frame
    if len(reference) > REFERENCE_MAX_ROWS:
        reference = reference.sample(n=REFERENCE_MAX_ROWS, random_state=seed)

    with mlflow.start_run(experiment_id=experiment_id) as run:
        flat_params = {k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in params.items()}
        mlflow.log_params(flat_params)
        if metrics:
            mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        tags = {
            TAG_DATASET_DIGEST: dataset_digest,
            TAG_DATA_URI: data_uri,
            TAG_CODE_VERSION: code_version(),
            "ctloop.task": str(meta.get("task", "")),
            "ctloop.target": str(target or ""),
            "ctloop.estimator": str(meta.get("estimator", "")),
        }
        mlflow.set_tags(tags)
        with warnings.catch_warnings():  # the dataset's schema is computed lazily, here
            warnings.filterwarnings("ignore", message=r"(?s).*[Ii]nteger column", category=UserWarning)
            mlflow.log_input(_dataset(train_frame, data_uri, target, dataset_digest), context="training")

        with tempfile.TemporaryDirectory() as tmp:
            ref_dir = Path(tmp) / REFERENCE_ARTIFACT_DIR
            ref_dir.mkdir()
            reference.to_parquet(ref_dir / REFERENCE_FILE, index=False)
            mlflow.log_artifacts(str(ref_dir), artifact_path=REFERENCE_ARTIFACT_DIR)

            job_dir = Path(tmp) / JOBLIB_ARTIFACT_DIR
            job_dir.mkdir()
            joblib.dump(model, job_dir / MODEL_FILE)
            sha = sha256_file(job_dir / MODEL_FILE)
            # the serving runtime reads the feature order from the meta next to the model
            (job_dir / MODEL_META_FILE).write_text(json.dumps({**meta, "joblib_sha256": sha}, indent=2,
                                                              sort_keys=True, default=str))
            mlflow.log_artifacts(str(job_dir), artifact_path=JOBLIB_ARTIFACT_DIR)
            mlflow.set_tag(TAG_JOBLIB_SHA256, sha)

            meta_dir = Path(tmp) / META_ARTIFACT_DIR
            meta_dir.mkdir()
            (meta_dir / MODEL_META_FILE).write_text(
                json.dumps({**meta, "joblib_sha256": sha}, indent=2, sort_keys=True, default=str)
            )
            mlflow.log_artifacts(str(meta_dir), artifact_path=META_ARTIFACT_DIR)

        info = mlflow.sklearn.log_model(
            model,
            name=MODEL_ARTIFACT_NAME,
            signature=signature,
            input_example=None,
            pip_requirements=pip_requirements(),
            skops_trusted_types=skops_trusted_types(model),
        )
        mlflow.set_tag(TAG_MODEL_ID, getattr(info, "model_id", "") or "")
        return run.info.run_id, info.model_uri


__all__ = [
    "DEFAULT_TRACKING_URI",
    "REFERENCE_ARTIFACT_DIR",
    "REFERENCE_FILE",
    "JOBLIB_ARTIFACT_DIR",
    "META_ARTIFACT_DIR",
    "TAG_JOBLIB_SHA256",
    "TAG_DATASET_DIGEST",
    "TAG_CODE_VERSION",
    "configure",
    "code_version",
    "log_training_run",
    "pip_requirements",
    "sha256_file",
    "skops_trusted_types",
]

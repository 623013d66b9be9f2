"""How ctloop lays out its model files on disk, and how it loads them safely. KFP-free: plain paths.

* Dataset: one Parquet file at the artifact path (the path has no extension).
* Model: a directory holding

  - ``model.skops`` — the fitted scikit-learn Pipeline in skops format, the file ctloop itself
    loads (evaluation, the ctloop serving runtime): skops builds only the types it trusts, and
    ctloop trusts exactly :data:`TRUSTED_SKOPS_TYPES` beyond skops' defaults, so a crafted file
    cannot run code while it loads;
  - ``model.joblib`` — the same Pipeline pickled, for KServe's stock ``kserve-sklearnserver``
    (it reads only ``.joblib``/``.pkl``/``.pickle``). A pickle runs whatever it was built to run:
    ctloop loads one only after its sha256 matched the hash recorded at training time;
  - ``ctloop-model.json`` — task, target, feature columns, classes, training info, and the
    sha256 of both model files.

The same layout is the MLflow run's ``model-joblib/`` directory (``ctloop.tracking``), which is a
KServe ``storageUri``.

Every load goes through :func:`load_verified`: the file is read once, its sha256 compared with the
hash recorded when it was written, and only those same bytes are deserialised (nothing can swap
the file between the check and the load). A missing hash is a refusal, not a skipped check.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctloop.errors import DataSourceError, ModelIntegrityError, TrainingError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

MODEL_FILE = "model.joblib"
SKOPS_FILE = "model.skops"
MODEL_META_FILE = "ctloop-model.json"
# Keys of ctloop-model.json holding the hashes of the two model files.
META_JOBLIB_SHA256 = "joblib_sha256"
META_SKOPS_SHA256 = "skops_sha256"
# "<file>.sha256": the hash a download was verified against, for a loader in another process.
RECEIPT_SUFFIX = ".sha256"

# The types beyond skops' defaults that ctloop's estimators contain (checked with
# skops.io.get_untrusted_types on every estimator of ctloop.components.train.core.ESTIMATORS,
# scikit-learn 1.9.1 / skops 0.16.0). All are plain data holders. Anything else a file names stays
# untrusted and refuses to load; a model that needs more fails at training, not at serving.
# XGBoost 3.2.0 / LightGBM 4.7.0 (estimators "xgboost", "lightgbm"): ctloop's wrapper, the library's
# scikit-learn estimator and its Booster, whose state is the library's own model bytes (xgboost: the
# UBJSON buffer, lightgbm: the model string), rebuilt by the library's parser, never by unpickling.
TRUSTED_SKOPS_TYPES = (
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
    "ctloop.estimators.boosting.BoostedClassifier",
    "ctloop.estimators.boosting.BoostedRegressor",
    "xgboost.core.Booster",
    "xgboost.sklearn.XGBClassifier",
    "xgboost.sklearn.XGBRegressor",
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMClassifier",
    "lightgbm.sklearn.LGBMRegressor",
)
# ctloop-model.json key: the types a bring-your-own (``module:Class``) model needs beyond
# TRUSTED_SKOPS_TYPES, each declared by the user in ``training.trusted_types`` and checked at training.
META_TRUSTED_TYPES = "trusted_types"


def write_dataset(path: str, frame: pd.DataFrame) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)


def read_dataset(path: str) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise DataSourceError(f"dataset artifact {path} is not readable Parquet: {exc}") from exc


# ---------------------------------------------------------------------------------- integrity
def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_verified(path: str | Path, expected: str, *, recorded_in: str) -> bytes:
    """The bytes of ``path`` once their sha256 equals ``expected``; ModelIntegrityError otherwise.

    ``recorded_in`` says where ``expected`` comes from (e.g. ``"run 3f2a… tag
    ctloop.skops_sha256"``) so the message tells the reader what to compare.
    """
    path = Path(path)
    expected = (expected or "").strip().lower()
    if not expected:
        raise ModelIntegrityError(
            f"refusing to load {path}: no sha256 was recorded for it ({recorded_in} is empty), so "
            "nothing proves it is the file training wrote; retrain it with ctloop's train_model, "
            "which records the hash"
        )
    _refuse_no_sha256(expected, f"refusing to load {path}", recorded_in)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelIntegrityError(f"refusing to load {path}: cannot read it: {exc}") from exc
    actual = sha256_bytes(data)
    if actual != expected:
        raise ModelIntegrityError(
            f"refusing to load {path}: its sha256 is {actual} but {recorded_in} recorded "
            f"{expected} at training time: the file was changed or replaced after training; "
            "restore it from the training run or retrain"
        )
    return data


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _refuse_no_sha256(expected: str, what: str, recorded_in: str) -> None:
    """ModelIntegrityError when ``expected`` (stripped, lower case) is no sha256 in hex: quoted
    short and on one line (a tag or an annotation edited by hand may hold anything)."""
    if not _SHA256_HEX.fullmatch(expected):
        from ctloop.errors import one_line

        shown = one_line(expected[:80]) + ("..." if len(expected) > 80 else "")
        raise ModelIntegrityError(f"{what}: {recorded_in} holds {shown!r}, not a sha256 (64 hex digits): "
                                  "it was changed after training; restore it from the training run")


def receipt(path: str | Path) -> str:
    """The sha256 a verified download recorded beside ``path`` (``<path>.sha256``), or "" when
    there is none. A receipt that is not one sha256 in hex (binary or garbled bytes, an empty or
    cut-short write, anything else) or cannot be read is a ModelIntegrityError naming it: never
    a traceback, and never a value passed on as if it were a hash."""
    file = Path(str(path) + RECEIPT_SUFFIX)
    if not file.exists():
        return ""
    fix = f"delete {file} and download the model again (MlflowRegistry.download_joblib writes it)"
    try:
        with open(file, "rb") as fh:
            raw = fh.read(256)  # a receipt is 65 bytes: a larger file is not one, and not read whole
    except OSError as exc:
        raise ModelIntegrityError(f"cannot read the sha256 receipt {file}: "
                                  f"{exc.strerror or type(exc).__name__}; {fix}") from exc
    text = raw.decode("ascii", errors="replace").strip().lower()
    if not _SHA256_HEX.fullmatch(text):
        shown = "it is empty" if not raw.strip() else f"it holds {raw[:80]!r}{'...' if len(raw) > 80 else ''}"
        raise ModelIntegrityError(f"the sha256 receipt {file} is not a sha256 (64 hex digits): {shown}; {fix}")
    return text


def write_receipt(path: str | Path, sha256: str) -> None:
    """Record beside ``path`` the sha256 it was just verified against (for a later loader): written
    whole or not at all (:func:`ctloop.storage.write_bytes`: a temporary file flushed and renamed into
    place), so a write cut short (a full disk, a kill) leaves the receipt that was there, never a few
    bytes of one that every later load refuses; a failed write is a DataSourceError naming it."""
    from ctloop import storage

    storage.write_bytes(str(path) + RECEIPT_SUFFIX, (sha256.strip().lower() + "\n").encode(), "text/plain")


def extra_skops_types(data: bytes) -> list[str]:
    """The types the skops file ``data`` names beyond skops' defaults and
    :data:`TRUSTED_SKOPS_TYPES` (a bring-your-own estimator's own classes)."""
    import skops.io as sio

    return sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED_SKOPS_TYPES))


class _Names(Sequence):
    """A zip's entry names as a read-only sequence whose ``in`` is one dict lookup."""

    def __init__(self, zip_file: Any):
        self._zip = zip_file

    def __contains__(self, name: object) -> bool:
        return name in self._zip.NameToInfo

    def __getitem__(self, index: Any) -> Any:
        infos = self._zip.filelist[index]
        return [i.filename for i in infos] if isinstance(index, slice) else infos.filename

    def __len__(self) -> int:
        return len(self._zip.filelist)


_SKOPS_WRITES = threading.RLock()


@contextlib.contextmanager
def linear_skops_writes() -> Iterator[None]:
    """Within this block skops writes a model in time linear in its arrays (same bytes).

    skops 0.16 (``skops/io/_numpy.py``, ``ndarray_get_state``) asks, before writing each array,
    whether the zip already holds its name with ``ZipFile.namelist()``, which builds the list of
    every entry written so far: a model of n arrays costs n²/2 name comparisons. A 300-class
    HistGradientBoosting holds 30,000 trees (minutes per copy, and training writes four: the
    check, the KFP artifact, the MLflow serving directory, MLflow's own ``log_model``). Here skops'
    ``ZipFile`` (looked up in ``skops.io._persist`` when it saves) answers ``namelist()`` with a
    view whose ``in`` is the zip's own name index. Without that attribute (another skops release)
    nothing changes."""
    import zipfile

    import skops.io._persist as persist

    class _IndexedZipFile(zipfile.ZipFile):
        def namelist(self) -> Any:  # type: ignore[override]
            return _Names(self)

    with _SKOPS_WRITES:
        saved = getattr(persist, "ZipFile", None)
        if saved is not zipfile.ZipFile:  # another release (or a nested block): leave it alone
            yield
            return
        persist.ZipFile = _IndexedZipFile
        try:
            yield
        finally:
            persist.ZipFile = saved


def dumps_skops(model: Any, *, trusted: tuple[str, ...] | list[str] = ()) -> bytes:
    """``model`` in skops format (:func:`linear_skops_writes`); TrainingError if it holds a type
    ctloop does not trust and ``trusted`` (``training.trusted_types``) does not declare."""
    import skops.io as sio

    with linear_skops_writes():
        data = sio.dumps(model)
    extra = sorted(set(extra_skops_types(data)) - set(trusted))
    if extra:
        raise TrainingError(
            f"the model holds types skops does not trust and ctloop does not list: {', '.join(extra)}; "
            "for an estimator of your own (module:Class) review them and declare them in "
            "training.trusted_types, e.g. trusted_types: [" + ", ".join(repr(t) for t in extra) + "]"
        )
    return data


def loads_skops(data: bytes, *, name: str = SKOPS_FILE, trusted: tuple[str, ...] | list[str] = ()) -> Any:
    """Build the model in ``data`` trusting only skops' defaults, :data:`TRUSTED_SKOPS_TYPES` and
    ``trusted`` (the declared types of a bring-your-own model, see :func:`declared_types`)."""
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        return sio.loads(data, trusted=[*TRUSTED_SKOPS_TYPES, *trusted])
    except UntrustedTypesFoundException as exc:
        raise ModelIntegrityError(
            f"refusing to load {name}: it names types ctloop does not trust: {exc}"
        ) from exc


def load_verified(path: str | Path, expected: str, *, recorded_in: str,
                  trusted: tuple[str, ...] | list[str] = ()) -> Any:
    """Load a model file after :func:`read_verified`: ``.skops`` with the skops allow-list (plus
    ``trusted``), anything else with joblib (a pickle: only ever after the hash matched)."""
    path = Path(path)
    data = read_verified(path, expected, recorded_in=recorded_in)
    if path.suffix == ".skops":
        return loads_skops(data, name=str(path), trusted=trusted)
    import joblib

    return joblib.load(io.BytesIO(data))


def load_serving_dir(model_dir: str | Path, expected: str, *, recorded_in: str,
                     trusted: tuple[str, ...] | list[str] | None = None) -> tuple[Any, Path]:
    """``(model, path)`` from a serving directory (a KServe ``storageUri``): the one of
    ``model.skops`` and ``model.joblib`` whose sha256 is ``expected`` — the skops copy for
    versions
    that have one, the pickle only for versions trained before it existed. Nothing else loads.
    ``trusted``: the declared types of a bring-your-own model; None = those its
    ``ctloop-model.json`` lists (honoured because ``expected`` comes from outside the directory).
    """
    import joblib

    model_dir = Path(model_dir)
    expected = (expected or "").strip().lower()
    if not expected:
        raise ModelIntegrityError(
            f"refusing to load a model from {model_dir}: no sha256 to check it against "
            f"({recorded_in} is "
            "empty); deploy it with ctloop (deploy_canary / ctloop rollout), which writes the hash "
            "the "
            "registry recorded at training time into the InferenceService"
        )
    _refuse_no_sha256(expected, f"refusing to load a model from {model_dir}", recorded_in)
    seen = []
    for filename in (SKOPS_FILE, MODEL_FILE):
        path = model_dir / filename
        if not path.exists():
            continue
        data = path.read_bytes()
        actual = sha256_bytes(data)
        if actual == expected:
            if trusted is None:
                meta_file = model_dir / MODEL_META_FILE
                trusted = declared_types(read_meta(meta_file) if meta_file.exists() else {})
            model = (
                loads_skops(data, name=str(path), trusted=trusted)
                if filename == SKOPS_FILE
                else joblib.load(io.BytesIO(data))
            )
            return model, path
        seen.append(f"{filename} has {actual}")
    found = "; ".join(seen) or f"it holds neither {SKOPS_FILE} nor {MODEL_FILE}"
    raise ModelIntegrityError(
        f"refusing to load a model from {model_dir}: {recorded_in} expects sha256 {expected}, but "
        f"{found}: "
        "the files at the storageUri are not the ones training recorded for this version"
    )


# ---------------------------------------------------------------------------------- model dirs
def save_model(path: str, model: Any, meta: dict[str, Any]) -> Path:
    """Write ``model`` (skops and joblib) and ``meta`` (JSON, with both hashes) into directory
    ``path``; returns it."""
    import joblib

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    skops_bytes = dumps_skops(model, trusted=declared_types(meta))
    (out / SKOPS_FILE).write_bytes(skops_bytes)
    joblib.dump(model, out / MODEL_FILE)
    meta = {
        **meta,
        META_SKOPS_SHA256: sha256_bytes(skops_bytes),
        META_JOBLIB_SHA256: sha256_file(out / MODEL_FILE),
    }
    (out / MODEL_META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
    return out


def load_model_meta(path: str) -> dict[str, Any]:
    """The metadata :func:`save_model` wrote, without loading the model (no scikit-learn
    import: ~1 s of a task's start-up)."""
    out = Path(path)
    if not (out / SKOPS_FILE).exists() and not (out / MODEL_FILE).exists():
        raise DataSourceError(f"model artifact {path} has neither {SKOPS_FILE} nor {MODEL_FILE}")
    meta_file = out / MODEL_META_FILE
    return read_meta(meta_file) if meta_file.exists() else {}


def read_meta(path: str | Path) -> dict[str, Any]:
    """The JSON object in ``ctloop-model.json`` at ``path``; ModelIntegrityError naming it when it
    is not one (binary, cut short, another JSON value): changed after training."""
    try:
        meta = json.loads(Path(path).read_bytes().decode("utf-8"))
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or type(exc).__name__})"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = f"is not JSON text ({type(exc).__name__} at byte {getattr(exc, 'start', getattr(exc, 'pos', '?'))})"
    else:
        if isinstance(meta, dict):
            return meta
        problem = f"holds a JSON {type(meta).__name__}, not an object"
    raise ModelIntegrityError(f"the model meta {path} {problem}: it was changed after training; restore it "
                              "or retrain the model")


def load_model(path: str, *, sha256: str = "") -> tuple[Any, dict[str, Any]]:
    """Read back what :func:`save_model` wrote: ``(model, meta)``, from ``model.skops``.

    The file's sha256 must equal ``sha256`` when given (e.g. from the KFP artifact's metadata,
    which lives outside the artifact store), else the one in ``ctloop-model.json``. A hash next to
    the file catches a replaced model file, not a replaced directory; what keeps the latter from
    running code is the format (skops with ctloop's allow-list; ``model.joblib`` is never read
    here).
    """
    meta = load_model_meta(path)
    out = Path(path)
    if not (out / SKOPS_FILE).exists():
        raise ModelIntegrityError(
            f"refusing to load model artifact {path}: it has no {SKOPS_FILE} (an older "
            f"ctloop saved only the pickle {MODEL_FILE}); re-run train_model"
        )
    recorded_in = (
        "the sha256 passed by the caller"
        if sha256
        else f"{out / MODEL_META_FILE} ({META_SKOPS_SHA256})"
    )
    # A bring-your-own model's declared types are trusted only when the hash comes from outside
    # the directory: a replaced directory could otherwise declare any type next to its own hash.
    trusted = declared_types(meta) if sha256 else ()
    model = load_verified(
        out / SKOPS_FILE, sha256 or str(meta.get(META_SKOPS_SHA256) or ""), recorded_in=recorded_in,
        trusted=trusted,
    )
    return model, meta


def declared_types(meta: dict[str, Any]) -> list[str]:
    """The types beyond :data:`TRUSTED_SKOPS_TYPES` a model's meta declares (``trusted_types``,
    from ``training.trusted_types``); ModelIntegrityError for a name ctloop never trusts."""
    from ctloop.estimators import trusted_type_problem

    declared = meta.get(META_TRUSTED_TYPES) or []
    if not isinstance(declared, list | tuple):
        raise ModelIntegrityError(f"refusing the model's declared trusted types: {META_TRUSTED_TYPES} holds "
                                  f"{str(declared)[:80]!r} ({type(declared).__name__}), not a list of type names")
    names = [str(t) for t in declared]
    problem = trusted_type_problem(names)
    if problem:
        raise ModelIntegrityError(f"refusing the model's declared trusted types: {problem}")
    return names


__all__ = [
    "MODEL_FILE",
    "SKOPS_FILE",
    "MODEL_META_FILE",
    "META_JOBLIB_SHA256",
    "META_SKOPS_SHA256",
    "TRUSTED_SKOPS_TYPES",
    "META_TRUSTED_TYPES",
    "declared_types",
    "extra_skops_types",
    "write_dataset",
    "read_dataset",
    "save_model",
    "load_model",
    "load_model_meta",
    "read_meta",
    "sha256_bytes",
    "sha256_file",
    "read_verified",
    "dumps_skops",
    "linear_skops_writes",
    "loads_skops",
    "load_verified",
    "load_serving_dir",
    "receipt",
    "write_receipt",
    "RECEIPT_SUFFIX",
]

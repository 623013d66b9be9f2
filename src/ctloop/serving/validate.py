"""Serving validation: do the exported model files load and predict like the trained model?

The exported ``model.joblib`` (what KServe's stock sklearn runtime reads) and, next to it,
``model.skops`` (what the ctloop runtime reads) are loaded in a **fresh Python process** (as the
model server would; :mod:`ctloop._validate_child`), with the scikit-learn version the ctloop serving
runtime pins (``SERVING_SKLEARN_VERSION``, the training version); their predictions on sample rows
must equal the training-time model's. Any mismatch blocks deployment. In a local pipeline run that
process is forked by the warm task server when it is the server's own interpreter, as the run's
tasks are (:mod:`ctloop.taskserver`: a pristine parent that only imported libraries).

Each file is loaded only after its sha256 matched (``ctloop.artifacts.load_verified``, in the
child): the hash passed in, else the ``<file>.sha256`` receipt
``MlflowRegistry.download_joblib`` writes beside a download it verified against the registry.
A ``model.joblib`` with neither is refused; a ``model.skops`` with neither is not loaded (and the
reason says so).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctloop.artifacts import RECEIPT_SUFFIX, receipt

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

# The ctloop serving runtime image carries exactly this scikit-learn (the training version) and
# these model libraries (requirements/serving.txt; tests/serving/test_boosted_serving.py checks both).
SERVING_SKLEARN_VERSION = "1.9.1"
SERVING_VERSIONS = {"scikit-learn": SERVING_SKLEARN_VERSION, "xgboost-cpu": "3.2.0", "lightgbm": "4.7.0"}


@dataclass
class ValidationResult:
    valid: bool
    reason: str
    rows: int
    max_abs_diff: float
    serving_sklearn: str
    trained_sklearn: str


def validate_export(joblib_path: str | Path, reference_model: Any, sample: pd.DataFrame, *, trained_sklearn: str,
                    serving_sklearn: str = SERVING_SKLEARN_VERSION, tolerance: float = 1e-9,
                    python: str = sys.executable, expected_sha256: str = "",
                    skops_sha256: str = "", trained_versions: dict[str, str] | None = None,
                    serving_versions: dict[str, str] | None = None,
                    trusted: list[str] | tuple[str, ...] = ()) -> ValidationResult:
    """Compare the exported files' predictions in a fresh process with ``reference_model``'s.

    ``trained_versions``: the train meta's ``versions`` (``{distribution: version}``: scikit-learn,
    xgboost-cpu, lightgbm, a BYO package): each must equal the serving runtime's pin
    (``serving_versions``, default :data:`SERVING_VERSIONS`; a distribution the runtime does not
    pin blocks the deployment) and the version the fresh process actually has. ``trusted``: the
    declared skops types of a bring-your-own model.

    ModelIntegrityError when a file's sha256 is not the expected one (or, for ``model.joblib``,
    no hash is known): such a file is never loaded, valid or not.
    """
    import numpy as np

    from ctloop.artifacts import SKOPS_FILE
    from ctloop.errors import ModelIntegrityError

    if trained_sklearn and trained_sklearn != serving_sklearn:
        return ValidationResult(False, f"model trained with scikit-learn {trained_sklearn}, the serving runtime "
                                f"carries {serving_sklearn}: pickles are not portable across versions", len(sample),
                                float("nan"), serving_sklearn, trained_sklearn)
    pins = {**(SERVING_VERSIONS if serving_versions is None else serving_versions),
            "scikit-learn": serving_sklearn}
    libraries = {k: v for k, v in (trained_versions or {}).items() if k != "scikit-learn"}
    for dist, version in libraries.items():
        if pins.get(dist) != version:
            have = f"pins {dist} {pins[dist]}" if dist in pins else f"does not carry {dist}"
            return ValidationResult(False, f"model trained with {dist} {version}, the serving runtime {have}: "
                                    f"{dist} models load only with the version that wrote them; train with the "
                                    "runtime's version or build the serving image with it (requirements/serving.txt)",
                                    len(sample), float("nan"), serving_sklearn, trained_sklearn)
    def source(path: str | Path, given: str) -> str:
        if given:
            return "the sha256 passed to validate_export"
        return f"the receipt {Path(path).name}{RECEIPT_SUFFIX}"

    files = [(str(joblib_path), expected_sha256 or receipt(joblib_path),
              source(joblib_path, expected_sha256))]
    skops = Path(joblib_path).with_name(SKOPS_FILE)
    skops_note = ""
    if skops.exists():
        if skops_sha256 or receipt(skops):
            files.append((str(skops), skops_sha256 or receipt(skops), source(skops, skops_sha256)))
        else:
            skops_note = f"; {SKOPS_FILE} not checked: no sha256 known for it"
    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "rows.parquet"
        out = Path(tmp) / "out.json"
        sample.to_parquet(rows, index=False)
        proc = subprocess.run([python, "-m", "ctloop._validate_child", str(rows), str(out), json.dumps(files),
                               json.dumps(list(trusted)), json.dumps(sorted(libraries))],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode == 3:
            raise ModelIntegrityError(proc.stderr.strip().splitlines()[-1])
        if proc.returncode != 0:
            return ValidationResult(False, f"the exported model does not load/predict in a fresh process: "
                                    f"{proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}",
                                    len(sample), float("nan"), serving_sklearn, trained_sklearn)
        child = json.loads(out.read_text())
    reference = (reference_model.predict_proba(sample) if hasattr(reference_model, "predict_proba")
                 else reference_model.predict(sample))
    expected = np.asarray(reference, dtype=float)
    checked = " and ".join(Path(p).name for p in child["pred"])
    for path, pred in child["pred"].items():
        shape = np.asarray(pred, dtype=float).shape
        if shape != expected.shape:  # broadcast, the difference meant nothing (or raised)
            return ValidationResult(False, f"{Path(path).name} predicts shape {shape}, the training-time model "
                                    f"{expected.shape}", len(sample), float("inf"), child["sklearn"], trained_sklearn)
    diffs = [_max_abs_diff(np.asarray(pred, dtype=float), expected) for pred in child["pred"].values()]
    diff = max(diffs, default=0.0)
    if child["sklearn"] != serving_sklearn:
        return ValidationResult(False, f"fresh process has scikit-learn {child['sklearn']}, expected {serving_sklearn}",
                                len(sample), diff, child["sklearn"], trained_sklearn)
    for dist, version in libraries.items():
        if child["versions"].get(dist) != version:
            return ValidationResult(False, f"fresh process has {dist} {child['versions'].get(dist) or '(none)'}, "
                                    f"the model was trained with {version}", len(sample), diff, child["sklearn"],
                                    trained_sklearn)
    if diff > tolerance:
        return ValidationResult(False, f"served predictions differ from training-time predictions by up to {diff:.3g}",
                                len(sample), diff, child["sklearn"], trained_sklearn)
    libs = "".join(f", {d} {v}" for d, v in sorted(child["versions"].items()))
    return ValidationResult(True, f"{len(sample)} rows: identical predictions from {checked} "
                            f"(max |Δ| {diff:.1g}), scikit-learn {child['sklearn']}{libs}{skops_note}",
                            len(sample), diff, child["sklearn"],
                            trained_sklearn)


def _max_abs_diff(got, expected) -> float:
    """The largest |got - expected|: NaN on both sides is equal, NaN on one side is infinitely
    different (a plain NaN difference compares false with the tolerance: a pass)."""
    import numpy as np

    if not got.size:
        return 0.0
    diff = np.abs(got - expected)
    diff = np.where(np.isnan(got) & np.isnan(expected), 0.0, diff)
    return float(np.nan_to_num(diff, nan=np.inf).max())


__all__ = ["SERVING_SKLEARN_VERSION", "SERVING_VERSIONS", "ValidationResult", "validate_export"]

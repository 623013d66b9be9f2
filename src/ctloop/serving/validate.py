"""Serving validation: does the exported model.joblib load and predict like the trained model?

The exported file is loaded in a **fresh Python process** (as the model server would), with the
scikit-learn version the ctloop serving runtime pins (``SERVING_SKLEARN_VERSION``, the training
version); its predictions on sample rows must equal the training-time model's. Any mismatch
blocks deployment.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

# The ctloop serving runtime image carries exactly this scikit-learn (the training version).
SERVING_SKLEARN_VERSION = "1.9.1"

_CHILD = r"""
import json, sys, joblib, pandas as pd, sklearn
model = joblib.load(sys.argv[1])
rows = pd.read_parquet(sys.argv[2])
out = model.predict_proba(rows) if hasattr(model, "predict_proba") else model.predict(rows)
json.dump({"sklearn": sklearn.__version__, "pred": out.tolist()}, open(sys.argv[3], "w"))
"""


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
                    python: str = sys.executable) -> ValidationResult:
    import numpy as np

    if trained_sklearn and trained_sklearn != serving_sklearn:
        return ValidationResult(False, f"model trained with scikit-learn {trained_sklearn}, the serving runtime "
                                f"carries {serving_sklearn}: pickles are not portable across versions", len(sample),
                                float("nan"), serving_sklearn, trained_sklearn)
    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "rows.parquet"
        out = Path(tmp) / "out.json"
        sample.to_parquet(rows, index=False)
        proc = subprocess.run([python, "-c", _CHILD, str(joblib_path), str(rows), str(out)], capture_output=True,
                              text=True, timeout=300)
        if proc.returncode != 0:
            return ValidationResult(False, f"the exported model does not load/predict in a fresh process: "
                                    f"{proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}",
                                    len(sample), float("nan"), serving_sklearn, trained_sklearn)
        child = json.loads(out.read_text())
    served = np.asarray(child["pred"], dtype=float)
    expected = (reference_model.predict_proba(sample) if hasattr(reference_model, "predict_proba")
                else reference_model.predict(sample))
    diff = float(np.max(np.abs(served - np.asarray(expected, dtype=float)))) if len(sample) else 0.0
    if child["sklearn"] != serving_sklearn:
        return ValidationResult(False, f"fresh process has scikit-learn {child['sklearn']}, expected {serving_sklearn}",
                                len(sample), diff, child["sklearn"], trained_sklearn)
    if diff > tolerance:
        return ValidationResult(False, f"served predictions differ from training-time predictions by up to {diff:.3g}",
                                len(sample), diff, child["sklearn"], trained_sklearn)
    return ValidationResult(True, f"{len(sample)} rows: identical predictions (max |Δ| {diff:.1g}), scikit-learn "
                            f"{child['sklearn']}", len(sample), diff, child["sklearn"], trained_sklearn)


__all__ = ["SERVING_SKLEARN_VERSION", "ValidationResult", "validate_export"]

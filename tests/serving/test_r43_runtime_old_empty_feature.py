"""A model trained before round 42 lists a feature with no value in any training row as numeric
(its meta has no ``unused``; its numeric imputer still reads the column). Batch scoring and the gate
read such a column as empty since this round (:func:`ctloop.scoring.unused_features`); the KServe
runtime read only the meta's ``unused``, so the same text there was a 400 online ("feature 'note'
must be a finite number") while the batch path scored it. Now the runtime reads it as empty too,
and the answers are the model's answers for the empty column.

Runs ``CtloopModel.load`` and ``predict`` in the serving venv (.venv-serving: kserve is not in the
test venv), without starting the HTTP server: both old models (the imputer keeping the empty
column, and dropping it) in one subprocess, as importing kserve takes seconds."""

from __future__ import annotations

import json
import os
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest

from tests.helpers import REPO
from tests.serving.test_runtime_server import SERVING_PYTHON, sha256_of
from tests.unit.test_r43_model_old_empty_feature import _old_model

SCRIPT = """
import json, sys
from ctloop.serving.runtime import CtloopModel
rows = json.loads(sys.argv[1])
for directory, sha256 in json.loads(sys.argv[2]):
    m = CtloopModel("m", directory, sha256=sha256)
    m.load()
    try:
        print(json.dumps({"predictions": m.predict({"instances": rows})["predictions"]}))
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
"""

CASES = {"keep_empty_features": True, "imputer_drops_it": False}


def test_the_runtime_reads_an_old_models_empty_feature_as_empty(tmp_path):
    from ctloop.artifacts import save_model

    if not SERVING_PYTHON.exists():
        pytest.fail(f"{SERVING_PYTHON} is missing: run `make serving-env` (make test does it)")
    models, saved = {}, []
    for case, keep_empty in CASES.items():
        model, meta = _old_model(keep_empty)
        directory = save_model(str(tmp_path / case), model, meta)
        models[case] = model
        saved.append([str(directory), sha256_of(directory)])
    rows = [
        {"x1": 0.5, "note": "late delivery"},
        {"x1": -0.5, "note": None},
        {"x1": 1.5, "note": 3.5},
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    out = subprocess.run(
        [str(SERVING_PYTHON), "-c", SCRIPT, json.dumps(rows), json.dumps(saved)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    answers = [json.loads(line) for line in out.stdout.strip().splitlines()[-len(CASES) :]]
    for (case, model), answer in zip(models.items(), answers, strict=True):
        assert "error" not in answer, (case, answer)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = model.predict_proba(
                pd.DataFrame({"x1": [0.5, -0.5, 1.5], "note": [np.nan] * 3})
            )
        np.testing.assert_allclose(
            np.asarray(answer["predictions"]), expected, atol=1e-12, err_msg=case
        )

"""A JSON ``true``/``false`` sent for a feature trained on text is a bad request, not a prediction
made without that feature.

Round 43 left alone: the runtime's request frame (``ctloop.serving.payload.to_frame``) let any
scalar through for a text feature, and a JSON boolean matches none of the categories the one-hot
encoder learnt from text ('a', 'b'): ``handle_unknown='ignore'`` encodes it as all zeros, so the
model answered 200 as if the feature were missing — a client bug (a checkbox sent where a plan
name was expected) served silently. A feature trained on True/False (a bool column is a category
column, ``components/train/core.py`` ``_bools_as_categories``) still takes them.

Runs ``CtloopModel.load`` and ``predict`` in the serving venv (.venv-serving: kserve is not in the
test venv) in one subprocess, as test_r43_runtime_old_empty_feature does."""

from __future__ import annotations

import json
import os
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.errors import ServingError
from ctloop.serving.payload import to_frame
from tests.helpers import REPO
from tests.serving.test_runtime_server import SERVING_PYTHON, sha256_of

SCRIPT = """
import json, sys
from ctloop.serving.runtime import CtloopModel
m = CtloopModel("m", sys.argv[1], sha256=sys.argv[2])
m.load()
print(json.dumps({"no_flags": getattr(m, "no_flags", None)}))
for rows in json.loads(sys.argv[3]):
    try:
        print(json.dumps({"predictions": m.predict({"instances": rows})["predictions"]}))
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
"""


def _model():
    from ctloop.components.train.core import fit

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=300),
            "plan": rng.choice(["basic", "gold"], 300),
            "flag": rng.choice([True, False], 300),
        }
    )
    frame["y"] = ((frame.x + 2 * (frame.plan == "gold") - (frame.flag)) > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
    assert set(fitted.meta["categorical"]) == {"plan", "flag"}, fitted.meta
    return fitted.model, fitted.meta


def test_to_frame_refuses_a_flag_for_a_feature_trained_on_text():
    payload = {
        "instances": [
            {"x": 0.1, "plan": "gold", "flag": True},
            {"x": 0.2, "plan": True, "flag": False},
        ]
    }
    with pytest.raises(ServingError) as err:
        to_frame(
            payload, ["x", "plan", "flag"], numeric=["x"], text=["plan", "flag"], no_flags=["plan"]
        )
    message = str(err.value)
    assert (
        "feature 'plan'" in message and "instance 1 has True" in message and "true/false" in message
    ), message
    frame = to_frame(
        {"instances": [{"x": 0.1, "plan": "gold", "flag": True}]},
        ["x", "plan", "flag"],
        numeric=["x"],
        text=["plan", "flag"],
        no_flags=["plan"],
    )
    assert frame["flag"].tolist() == [True]


def test_the_runtime_refuses_true_for_a_text_feature_and_takes_it_for_a_flag(tmp_path):
    from ctloop.artifacts import save_model

    if not SERVING_PYTHON.exists():
        pytest.fail(f"{SERVING_PYTHON} is missing: run `make serving-env` (make test does it)")
    model, meta = _model()
    directory = save_model(str(tmp_path / "m"), model, meta)
    requests = [
        [{"x": 0.3, "plan": True, "flag": False}],  # a flag for the text feature
        [{"x": 0.3, "plan": "gold", "flag": True}],  # a flag for the flag feature
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    out = subprocess.run(
        [
            str(SERVING_PYTHON),
            "-c",
            SCRIPT,
            str(directory),
            sha256_of(directory),
            json.dumps(requests),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [json.loads(line) for line in out.stdout.strip().splitlines()[-3:]]
    refused, served = lines[1], lines[2]
    assert "error" in refused and refused["error"].startswith("InvalidInput"), refused
    assert "feature 'plan'" in refused["error"] and "True" in refused["error"], refused
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = model.predict_proba(pd.DataFrame({"x": [0.3], "plan": ["gold"], "flag": [True]}))
    np.testing.assert_allclose(np.asarray(served["predictions"]), expected, atol=1e-12)
    assert lines[0] == {"no_flags": ["plan"]}

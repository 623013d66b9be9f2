"""The serving runtime's ``CtloopModel.load`` and ``predict`` for a model trained on codes held as
numbers (a category column of 1..3): JSON numbers are served as those codes (``load`` hands
``to_frame`` its ``as_text``, which leaves such codes out: with every text feature there, 1 was read
as the text '1', every request answered with the feature ignored), and text sent there (a JSON "01",
a v2 BYTES tensor's b"2") as the code of its value, counted in ``ctloop_text_as_codes_total``
(``outcome="code"``); text that is no code is an unknown category, as a number that is no code is
(``outcome="unknown"``); each outcome's series is there at 0 from ``load``.

Was (round 45): no test ran the runtime's wiring (``self.as_text`` could be ``self.text``), and text
for such codes was answered with the feature ignored, uncounted. Runs ``CtloopModel`` in the serving
venv (.venv-serving: kserve is not in the test venv) without starting the HTTP server, in one
subprocess, as importing kserve takes seconds."""

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

SCRIPT = """
import json, sys
import kserve
from prometheus_client import REGISTRY
from ctloop.serving.runtime import CtloopModel
directory, sha256, given = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
x1 = given["x1"]
m = CtloopModel("m", directory, sha256=sha256)
m.load()
def counted(outcome):
    return REGISTRY.get_sample_value("ctloop_text_as_codes_total", {"model_name": "m", "model_version": "unknown",
                                                                   "feature": "grade", "outcome": outcome})
out = {"as_text": m.as_text, "at_load": [counted("code"), counted("unknown")]}
for case, grades in given["cases"].items():
    try:
        body = {"instances": [{"x1": a, "grade": g} for a, g in zip(x1, grades)]}
        out[case] = m.predict(body)["predictions"]
    except Exception as exc:
        out[case] = f"{type(exc).__name__}: {exc}"
request = kserve.InferRequest("m", infer_inputs=[
    kserve.InferInput("x1", [len(x1)], "FP64", x1),
    kserve.InferInput("grade", [len(x1)], "BYTES", [str(g).encode() for g in given["cases"]["numbers"]])])
out["bytes"] = m.predict(request).outputs[0].data
out["counted"] = [counted("code"), counted("unknown")]
print(json.dumps(out))
"""


def test_the_runtime_serves_numbers_and_text_for_codes_as_those_codes(tmp_path):
    from ctloop.artifacts import save_model
    from ctloop.components.train import core as train

    if not SERVING_PYTHON.exists():
        pytest.fail(f"{SERVING_PYTHON} is missing: run `make serving-env` (make test does it)")
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {"x1": rng.normal(size=n), "grade": pd.Categorical(rng.choice([1, 2, 3], size=n))}
    )
    frame["y"] = ((frame.x1 + (frame.grade.astype(int) == 1)) > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train.fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
    directory = save_model(str(tmp_path / "model"), result.model, result.meta)
    grades = [1, 2, 3, 1]
    x1 = [0.3, 0.3, -0.2, 0.9]
    cases = {"numbers": grades, "text": ["01", "2", " 3.0", "1"], "word": [1, 2, "x", 1]}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH", "CTLOOP_MODEL"))
    }
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO)])
    out = subprocess.run(
        [
            str(SERVING_PYTHON),
            "-c",
            SCRIPT,
            str(directory),
            sha256_of(directory),
            json.dumps({"x1": x1, "cases": cases}),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer["as_text"] == []  # grade: codes held as numbers, not read as text
    expected = result.model.predict_proba(pd.DataFrame({"x1": x1, "grade": grades}))
    np.testing.assert_allclose(np.asarray(answer["numbers"]), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(answer["text"]), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(answer["bytes"]), expected.ravel(), rtol=0, atol=1e-12)
    # no code, text as a number would be: an unknown category, the feature ignored (as the number 99 is)
    ignored = result.model.predict_proba(pd.DataFrame({"x1": x1, "grade": [1, 2, 99, 1]}))
    np.testing.assert_allclose(np.asarray(answer["word"]), ignored, rtol=0, atol=1e-12)
    assert answer["at_load"] == [0.0, 0.0]  # each outcome's series there before the first request
    assert answer["counted"] == [8.0, 1.0]  # 4 JSON texts and 4 BYTES read as codes; 'x' no code

"""A feature with no value in any training row (a new form field nobody has filled yet) passes the
gate with text in it, as it feeds no step of the model: training takes it out of the steps. Was:
the meta still listed it as numeric, so the serving runtime refused the field's first answers
("InvalidInput credit-default: feature 'note' must be a finite number"), a 400 to every client
that filled it in. Now the meta lists it as ``unused`` and the runtime takes any scalar there.
Through the real KServe model server from .venv-serving, running this checkout's src."""

from __future__ import annotations

import warnings

import httpx
import numpy as np
import pandas as pd
import pytest

from tests.fixtures.servers import stop_group, wait_http
from tests.serving.test_runtime_server import MODEL, sha256_of, start_runtime

pytestmark = pytest.mark.slow


def trained_with_an_empty_feature(directory):
    from ctloop.artifacts import save_model
    from ctloop.components.train.core import fit

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"x1": rng.normal(size=400), "note": np.full(400, np.nan)}
    )  # float64, as read
    frame["y"] = (frame.x1 + rng.normal(scale=0.3, size=400) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
    return save_model(str(directory), result.model, result.meta), result


def test_text_in_a_feature_empty_in_training_is_served(tmp_path):
    directory, result = trained_with_an_empty_feature(tmp_path / "model")
    log = tmp_path / "runtime.log"
    proc, url = start_runtime(directory, log, sha256_of(directory))
    try:
        wait_http(f"{url}/v1/models/{MODEL}", proc, log, timeout=90)
        rows = [
            {"x1": 0.5, "note": "late delivery"},
            {"x1": -0.5, "note": None},
            {"x1": 1.5, "note": 3.5},
        ]
        with httpx.Client(timeout=30) as c:
            answer = c.post(f"{url}/v1/models/{MODEL}:predict", json={"instances": rows})
        assert answer.status_code == 200, answer.text
        expected = result.model.predict_proba(
            pd.DataFrame({"x1": [0.5, -0.5, 1.5], "note": [np.nan] * 3})
        )
        assert pd.DataFrame(answer.json()["predictions"]).to_numpy() == pytest.approx(
            expected, abs=1e-12
        )
        assert result.meta["unused"] == ["note"]
    finally:
        stop_group(proc)

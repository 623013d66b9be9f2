"""XGBoost and LightGBM models in the ctloop serving runtime: KServe's model server started from
``.venv-serving`` (requirements/serving.txt, which pins the training versions) serves exactly the
training predictions, and ``validate_export`` (validate_serving) checks the libraries' versions
in a fresh serving-environment process and blocks a model the runtime cannot load."""

from __future__ import annotations

import re
import tomllib

import httpx
import numpy as np
import pytest

from ctloop.serving.validate import SERVING_VERSIONS, validate_export
from tests.fixtures.servers import stop_group, wait_http
from tests.helpers import REPO
from tests.serving.test_runtime_server import (
    MODEL,
    SERVING_PYTHON,
    records,
    sha256_of,
    start_runtime,
)

CASES = [("xgboost", "classification"), ("lightgbm", "classification"), ("xgboost", "regression"),
         ("lightgbm", "regression")]


def test_serving_pins_are_the_training_pins():
    serving = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (REPO / "requirements/serving.txt").read_text(), re.M))
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    training = dict(d.split("==") for d in project)
    for dist, version in SERVING_VERSIONS.items():
        assert serving[dist] == training[dist] == version


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    from ctloop.artifacts import save_model
    from ctloop.components.train.core import fit
    from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data

    data = make_credit_data(2000, seed=3).drop(columns=[CREDIT_TIME_COLUMN])
    out = {}
    for estimator, task in CASES:
        target = CREDIT_TARGET if task == "classification" else "income"
        frame = data if task == "classification" else data.drop(columns=[CREDIT_TARGET])
        result = fit(frame, target=target, task=task, estimator=estimator, params={"n_estimators": 40})
        directory = save_model(str(tmp_path_factory.mktemp(estimator) / "model-joblib"), result.model, result.meta)
        out[estimator, task] = directory, result, frame.drop(columns=[target]).head(20).reset_index(drop=True)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("estimator, task", CASES)
def test_the_runtime_serves_the_training_predictions(models, tmp_path, estimator, task):
    directory, result, rows = models[estimator, task]
    proc, url = start_runtime(directory, tmp_path / "runtime.log", sha256_of(directory))
    try:
        wait_http(f"{url}/v1/models/{MODEL}", proc, tmp_path / "runtime.log", timeout=90)
        with httpx.Client(timeout=30) as c:
            reply = c.post(f"{url}/v1/models/{MODEL}:predict", json={"instances": records(rows)})
        assert reply.status_code == 200, reply.text
        expected = result.model.predict_proba(rows) if task == "classification" else result.model.predict(rows)
        assert np.asarray(reply.json()["predictions"], dtype=float) == pytest.approx(expected, abs=1e-12)
    finally:
        stop_group(proc)


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ["xgboost", "lightgbm"])
def test_validate_export_checks_the_library_versions_in_the_serving_environment(models, estimator):
    if not SERVING_PYTHON.exists():
        pytest.fail(f"{SERVING_PYTHON} is missing: run `make serving-env`")
    directory, result, rows = models[estimator, "classification"]
    kw = dict(trained_sklearn="1.9.1", python=str(SERVING_PYTHON), expected_sha256=sha256_of(directory, "model.joblib"),
              skops_sha256=sha256_of(directory))
    ok = validate_export(directory / "model.joblib", result.model, rows, trained_versions=result.meta["versions"], **kw)
    dist = "xgboost-cpu" if estimator == "xgboost" else "lightgbm"
    assert ok.valid, ok.reason
    assert f"{dist} {SERVING_VERSIONS[dist]}" in ok.reason and "model.joblib and model.skops" in ok.reason
    older = validate_export(directory / "model.joblib", result.model, rows,
                            trained_versions={**result.meta["versions"], dist: "2.0.0"}, **kw)
    assert not older.valid
    assert older.reason.startswith(f"model trained with {dist} 2.0.0, the serving runtime pins {dist} "
                                   f"{SERVING_VERSIONS[dist]}")
    # the runtime image built without the library (a KServe stock image, an old ctloop image)
    bare = validate_export(directory / "model.joblib", result.model, rows, trained_versions=result.meta["versions"],
                           serving_versions={"scikit-learn": "1.9.1"}, **kw)
    assert not bare.valid and f"the serving runtime does not carry {dist}" in bare.reason

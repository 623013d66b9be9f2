"""XGBoost and LightGBM (classification and regression) through the real components: train_model
logs to MLflow, evaluate_model gates the challenger loaded from its skops file (hash from the KFP
metadata), register_model registers it, and the registry loads it back (hash-verified, ctloop's
skops allow-list) predicting exactly like the trained model."""

import numpy as np
import pandas as pd
import pytest
from kfp.dsl import ClassificationMetrics, Markdown, Metrics, Model

from ctloop.artifacts import load_model
from ctloop.components.evaluate.component import evaluate_model
from ctloop.components.register.component import register_model
from ctloop.components.train.component import train_model
from ctloop.registry import MlflowRegistry
from tests.component.test_components import DATA, art, prepare


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    from ctloop.synthetic import make_credit_data

    path = tmp_path_factory.mktemp("data") / "credit.parquet"
    make_credit_data(n_rows=3000, seed=5).to_parquet(path)
    return path


@pytest.mark.parametrize("estimator", ["xgboost", "lightgbm"])
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_boosted_train_gate_register_load(tmp_path, data_file, sqlite_tracking, estimator, task):
    name = f"{estimator}-{task[:5]}"
    data = DATA if task == "classification" else {**DATA, "target": "risk"}
    _, outs, _ = prepare(tmp_path, data_file)
    if task == "regression":  # a numeric target the features explain (r2 about 0.9)
        for key in ("train_data", "holdout_data"):
            frame = pd.read_parquet(outs[key].path).drop(columns=["default"])
            noise = np.random.default_rng(0).normal(scale=0.2, size=len(frame))
            frame["risk"] = 3 * frame.credit_utilization + frame.debt_to_income + noise
            frame.to_parquet(outs[key].path)
    model = art(Model, tmp_path, "model")
    train_model.python_func(train_data=outs["train_data"], model_name=name, data={**data, "uri": "x"}, model=model,
                            training={"estimator": estimator, "task": task,
                                      "hyperparameters": {"n_estimators": 60.0}},  # floats, as KFP passes them
                            tracking_uri=sqlite_tracking, dataset_digest="d1")
    assert model.metadata["estimator"] == estimator and len(model.metadata["skops_sha256"]) == 64

    metrics = art(Metrics, tmp_path, "metrics")
    gate = evaluate_model.python_func(
        model=model, holdout_data=outs["holdout_data"], model_name=name, metrics=metrics,
        classification_metrics=art(ClassificationMetrics, tmp_path, "cm"), summary=art(Markdown, tmp_path, "s"),
        gate={"thresholds": {"roc_auc": 0.6} if task == "classification" else {"r2": 0.5}, "bootstrap_rounds": 50},
        tracking_uri=sqlite_tracking)
    assert gate.approved, gate.reason

    registered = register_model.python_func(model=model, gate_metrics=metrics, model_name=name,
                                            gate_reason=gate.reason, dataset_digest="d1",
                                            tracking_uri=sqlite_tracking)
    registry = MlflowRegistry(sqlite_tracking)
    loaded = registry.load_model(name, registered.version)
    trained, meta = load_model(model.path, sha256=model.metadata["skops_sha256"])
    assert meta["versions"] == {"scikit-learn": "1.9.1",
                                **({"xgboost-cpu": "3.2.0"} if estimator == "xgboost" else {"lightgbm": "4.7.0"})}
    assert meta["params"]["n_estimators"] == 60 and meta["early_stopping"]["rounds"] <= 60
    holdout = pd.read_parquet(outs["holdout_data"].path)
    predict = "predict_proba" if task == "classification" else "predict"
    assert np.array_equal(getattr(loaded, predict)(holdout), getattr(trained, predict)(holdout))
    run = registry.get_version(name, registered.version)
    assert run.tags.get("ctloop.estimator", estimator) == estimator


BYO = "tests.unit.byo_estimators:NearestCentroidProba"
BYO_TYPE = "tests.unit.byo_estimators.NearestCentroidProba"


def test_byo_estimator_train_gate_register_load(tmp_path, data_file, sqlite_tracking):
    from ctloop.errors import TrainingError

    name = "byo-centroid"
    _, outs, _ = prepare(tmp_path, data_file)
    model = art(Model, tmp_path, "model")
    with pytest.raises(TrainingError, match=f"declare them in training.trusted_types.*'{BYO_TYPE}'"):
        train_model.python_func(train_data=outs["train_data"], model_name=name, data={**DATA, "uri": "x"},
                                model=model, training={"estimator": BYO}, tracking_uri=sqlite_tracking)
    train_model.python_func(train_data=outs["train_data"], model_name=name, data={**DATA, "uri": "x"}, model=model,
                            training={"estimator": BYO, "trusted_types": [BYO_TYPE]}, tracking_uri=sqlite_tracking)
    metrics = art(Metrics, tmp_path, "metrics")
    gate = evaluate_model.python_func(
        model=model, holdout_data=outs["holdout_data"], model_name=name, metrics=metrics,
        classification_metrics=art(ClassificationMetrics, tmp_path, "cm"), summary=art(Markdown, tmp_path, "s"),
        gate={"thresholds": {"roc_auc": 0.6}, "bootstrap_rounds": 50}, tracking_uri=sqlite_tracking)
    assert gate.approved, gate.reason
    registered = register_model.python_func(model=model, gate_metrics=metrics, model_name=name,
                                            gate_reason=gate.reason, tracking_uri=sqlite_tracking)
    registry = MlflowRegistry(sqlite_tracking)
    holdout = pd.read_parquet(outs["holdout_data"].path)
    trained, meta = load_model(model.path, sha256=model.metadata["skops_sha256"])
    assert meta["trusted_types"] == [BYO_TYPE]
    for loaded in (registry.load_model(name, registered.version), registry.load_logged_model(name, registered.version)):
        assert np.array_equal(loaded.predict_proba(holdout), trained.predict_proba(holdout))

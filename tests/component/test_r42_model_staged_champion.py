"""Round 42 (model surface): a champion of MLflow's deprecated stage era (stage ``Production``, no
``champion`` alias) and the evaluation gate, on a local MLflow 3.x store.

MLflow 3.17.2 keeps stages (``MlflowClient.transition_model_version_stage`` warns "deprecated since
2.9" but still writes ``current_stage``, ``store/model_registry/sqlalchemy_store.py``); ctloop reads
the ``champion`` alias only. The gate refuses (fails safe) instead of passing the first challenger on
absolute thresholds, and names the one-line fix."""

from __future__ import annotations

import warnings

import pytest
from kfp.dsl import ClassificationMetrics, Dataset, Markdown, Metrics, Model

from ctloop.components.evaluate.component import evaluate_model
from ctloop.components.train.component import train_model
from ctloop.synthetic import CREDIT_TARGET as Y
from ctloop.synthetic import CREDIT_TIME_COLUMN as T
from ctloop.synthetic import make_credit_data


def art(cls, tmp_path, name):
    return cls(name=name, uri=str(tmp_path / name), metadata={})


@pytest.fixture
def trained(tmp_path, sqlite_tracking):
    frame = make_credit_data(n_rows=1500, seed=3)
    train, holdout = art(Dataset, tmp_path, "train"), art(Dataset, tmp_path, "holdout")
    frame.iloc[:1000].to_parquet(train.path)
    frame.iloc[1000:].to_parquet(holdout.path)
    model = art(Model, tmp_path, "model")
    train_model.python_func(
        train_data=train,
        model_name="credit staged",
        data={"target": Y, "time_column": T, "uri": "x"},
        model=model,
        training={"estimator": "logistic_regression"},
        tracking_uri=sqlite_tracking,
        dataset_digest="d1",
    )
    return model, holdout


def _gate(tmp_path, model, holdout, uri):
    return evaluate_model.python_func(
        model=model,
        holdout_data=holdout,
        model_name="credit staged",
        metrics=art(Metrics, tmp_path, "m"),
        classification_metrics=art(ClassificationMetrics, tmp_path, "cm"),
        summary=art(Markdown, tmp_path, "s"),
        gate={"thresholds": {"roc_auc": 0.5}, "bootstrap_rounds": 50},
        tracking_uri=uri,
    )


def test_a_production_stage_without_alias_is_no_silent_first_champion(
    tmp_path, sqlite_tracking, trained
):
    # Was: "APPROVED (champion none): roc_auc 0.8... >= 0.5 passed; no champion yet: judged on
    # absolute thresholds only" although the registry's Production version is the champion.
    from mlflow import MlflowClient

    model, holdout = trained
    client = MlflowClient(sqlite_tracking, sqlite_tracking)
    client.create_registered_model("credit staged")
    mv = client.create_model_version(
        "credit staged",
        source=f"runs:/{model.metadata['mlflow_run_id']}/model",
        run_id=model.metadata["mlflow_run_id"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client.transition_model_version_stage("credit staged", mv.version, "Production")
    gate = _gate(tmp_path, model, holdout, sqlite_tracking)
    assert not gate.approved and not gate.judged and gate.champion_version == ""
    assert (
        "no champion alias, but version(s) in MLflow's deprecated stages: v1 (Production)"
        in gate.reason
        and "set_registered_model_alias('credit staged', 'champion', '1')" in gate.reason
        and "refusing to approve" in gate.reason
    ), gate.reason
    assert "no champion yet" not in gate.reason


def test_without_any_version_the_first_challenger_still_passes(tmp_path, sqlite_tracking, trained):
    model, holdout = trained
    gate = _gate(tmp_path, model, holdout, sqlite_tracking)
    assert gate.approved and gate.judged and "no champion yet" in gate.reason, gate.reason

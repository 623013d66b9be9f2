"""The gate and MLflow's deprecated stages, on a local MLflow 3.x store (MLflow 3.17.2 still writes
``current_stage`` through ``MlflowClient.transition_model_version_stage``,
``store/model_registry/sqlalchemy_store.py``).

Was: a registry whose only version sat in ``Staging`` (never approved) was refused as if it had a
champion, and the refusal advised making that Staging version the champion; the note also said
"the gate compares a challenger with no champion" while refusing to. Now only a ``Production``
version blocks, and the refusal names both ways on (the alias on it, or its stage archived, each
with the client call against this tracking URI); ``Staging`` alone is a first model, with a note."""

from __future__ import annotations

import warnings

from tests.component.test_r42_model_staged_champion import _gate, trained

__all__ = ["trained"]  # fixture


def _version_in(stage, model, uri):
    from mlflow import MlflowClient

    client = MlflowClient(uri, uri)
    client.create_registered_model("credit staged")
    mv = client.create_model_version(
        "credit staged",
        source=f"runs:/{model.metadata['mlflow_run_id']}/model",
        run_id=model.metadata["mlflow_run_id"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client.transition_model_version_stage("credit staged", mv.version, stage)
    return client, mv.version


def test_a_staging_version_alone_is_no_champion(tmp_path, sqlite_tracking, trained):
    model, holdout = trained
    _version_in("Staging", model, sqlite_tracking)
    gate = _gate(tmp_path, model, holdout, sqlite_tracking)
    assert gate.approved and gate.judged and gate.champion_version == "", gate.reason
    assert "no champion yet" in gate.reason and "v1 (Staging)" in gate.reason, gate.reason
    assert "never approved" in gate.reason and "set_registered_model_alias" not in gate.reason


def test_a_production_version_is_refused_naming_both_ways_on(tmp_path, sqlite_tracking, trained):
    model, holdout = trained
    client, version = _version_in("Production", model, sqlite_tracking)
    gate = _gate(tmp_path, model, holdout, sqlite_tracking)
    assert not gate.approved and not gate.judged, gate.reason
    assert "compares a challenger with no champion" not in gate.reason
    assert (
        f"MlflowClient(tracking_uri={sqlite_tracking!r}).set_registered_model_alias('credit staged', "
        "'champion', '1')" in gate.reason
    ), gate.reason
    assert (
        f"MlflowClient(tracking_uri={sqlite_tracking!r}).transition_model_version_stage('credit staged', "
        "'1', 'Archived')" in gate.reason
    ), gate.reason
    # the second way on, as the note writes it: the stage archived, the challenger is the first model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client.transition_model_version_stage("credit staged", version, "Archived")
    again = _gate(tmp_path, model, holdout, sqlite_tracking)
    assert again.approved and "no champion yet" in again.reason, again.reason

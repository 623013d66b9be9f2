"""A version whose training run is in MLflow's trash (``mlflow runs delete``, the UI's delete; mlflow
3.17.2 ``store/tracking/sqlalchemy_store.py`` ``delete_run`` sets ``lifecycle_stage`` ``deleted``, and
``mlflow gc`` later removes it with its artifacts) is neither approved nor promoted: one line naming
the version and the run, exit 2, the registry untouched (was: approved and promoted, a champion whose
model, meta and reference sample the next ``mlflow gc`` deletes); a canary's promote step refuses it
before the traffic moves. Rejecting it still works. The
session's real MLflow server on loopback."""

from __future__ import annotations

import uuid

import pytest

from ctloop import approval
from ctloop.cli import main
from ctloop.config import RolloutConfig
from ctloop.errors import RegistryError
from ctloop.registry import CHAMPION, MlflowRegistry
from ctloop.serving import release

pytestmark = pytest.mark.slow


def test_a_version_whose_run_is_deleted_is_refused_with_nothing_changed(mlflow_url, capsys):
    reg = MlflowRegistry(mlflow_url)
    name = f"r55-trash-{uuid.uuid4().hex[:8]}"
    reg.client.create_registered_model(name)
    experiment = reg.client.create_experiment(name)
    runs = []
    for _ in (1, 2):
        run = reg.client.create_run(experiment)
        reg.client.set_terminated(run.info.run_id)
        reg.client.create_model_version(
            name, f"{run.info.artifact_uri}/model", run_id=run.info.run_id
        )
        runs.append(run.info.run_id)
    reg.client.set_registered_model_alias(name, CHAMPION, "1")
    approval.request(reg, name, "2", reason="approval required", rollout={"approval": "required"})
    reg.client.delete_run(runs[1])
    before = (reg.aliases(name), reg.get_version(name, "2").tags, len(reg.audit_log(name)))

    capsys.readouterr()
    argv = ["--model-name", name, "--version", "2", "--tracking-uri", mlflow_url]
    assert main(["approve", *argv, "--reason", "review passed"]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in err, err
    assert errors[0].startswith(
        f"error: cannot approve {name} v2: its training run {runs[1]} is deleted"
    )
    assert f"mlflow runs restore --run-id {runs[1]}" in errors[0] and "ctloop reject" in errors[0]
    with pytest.raises(
        RegistryError, match=f"cannot promote {name} v2: its training run {runs[1]} is deleted"
    ):
        reg.promote(name, "2", reason="by hand")
    # a canary's promote step: refused before it moves any traffic (no InferenceService API is reached:
    # `isvcs` None would fail on first use)
    cfg = RolloutConfig(inference_service="credit", namespace="ml")
    with pytest.raises(
        RegistryError, match=f"cannot promote {name} v2: its training run {runs[1]} is deleted"
    ):
        release.promote(reg, None, model_name=name, version="2", reason="canary passed", cfg=cfg)
    assert (reg.aliases(name), reg.get_version(name, "2").tags, len(reg.audit_log(name))) == before
    assert reg._lock_holder(name) is None

    assert main(["reject", *argv, "--reason", "its run was deleted"]) == 0
    assert approval.pending(reg, name) is None
    assert reg.get_version(name, "2").tags[approval.TAG_STATE] == approval.REJECTED


def test_a_run_of_a_deleted_experiment_is_refused_until_it_is_restored(mlflow_url):
    """Deleting an experiment marks its runs deleted, ``mlflow runs restore`` of one leaves the experiment
    in the trash, and ``mlflow gc`` removes it with the run (mlflow 3.17.2 ``store/tracking/
    sqlalchemy_store.py`` ``delete_experiment`` / ``restore_experiment``, which restores its runs): refused,
    pointing at ``mlflow experiments restore`` (was: promoted once the run alone was restored)."""
    reg = MlflowRegistry(mlflow_url)
    name = f"r55-trash-exp-{uuid.uuid4().hex[:8]}"
    reg.client.create_registered_model(name)
    experiment = reg.client.create_experiment(name)
    run = reg.client.create_run(experiment)
    reg.client.set_terminated(run.info.run_id)
    reg.client.create_model_version(name, f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
    reg.client.delete_experiment(experiment)
    # the store marked the run deleted with its experiment
    assert reg.client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    # as deleted, then with the run alone restored (as the line advised before)
    for restore_run in (False, True):
        if restore_run:
            reg.client.restore_run(run.info.run_id)
        with pytest.raises(RegistryError) as caught:
            reg.promote(name, "1", reason="by hand")
        assert str(caught.value).startswith(
            f"cannot promote {name} v1: the experiment {name!r} (id {experiment}) of its training run "
            f"{run.info.run_id} is deleted"
        )
        assert f"mlflow experiments restore --experiment-id {experiment}`" in str(caught.value)
        assert reg.aliases(name) == {} and reg.audit_log(name) == []
    reg.client.restore_experiment(experiment)  # what the line says to do: then it is promoted
    read = reg.client.get_model_version
    reads: list[str] = []
    reg.client.get_model_version = lambda *a: reads.append(a[1]) or read(*a)
    assert reg.promote(name, "1", reason="by hand") is None
    # before the lock, and under it once for the check and its intent (was: read again by the check)
    assert reads.count("1") == 2, reads
    assert reg.aliases(name) == {CHAMPION: "1"}


def test_a_missing_experiment_is_not_reported_as_a_run_deleted_for_good(mlflow_url, monkeypatch):
    """``get_experiment`` answered not found (mlflow 3.17.2 ``store/tracking/sqlalchemy_store.py``
    ``_get_experiment``: RESOURCE_DOES_NOT_EXIST, injected into the real client: a store holds no run
    without its experiment) shared ``get_run``'s try and was reported as the run "deleted for good
    (mlflow gc)"; now its own line names the experiment."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST

    reg = MlflowRegistry(mlflow_url)
    name = f"r55-trash-noexp-{uuid.uuid4().hex[:8]}"
    reg.client.create_registered_model(name)
    experiment = reg.client.create_experiment(name)
    run = reg.client.create_run(experiment)
    reg.client.create_model_version(name, f"{run.info.artifact_uri}/model", run_id=run.info.run_id)

    def gone(experiment_id):
        raise MlflowException(
            f"No Experiment with id={experiment_id} exists", error_code=RESOURCE_DOES_NOT_EXIST
        )

    monkeypatch.setattr(reg.client, "get_experiment", gone)
    with pytest.raises(RegistryError) as caught:
        reg.promote(name, "1", reason="by hand")
    said = str(caught.value)
    assert said.startswith(
        f"cannot promote {name} v1: cannot read the experiment (id {experiment}) of its training "
        f"run {run.info.run_id}: "
    ), said
    assert "deleted for good" not in said and f"No Experiment with id={experiment} exists" in said
    assert reg.aliases(name) == {} and reg._lock_holder(name) is None

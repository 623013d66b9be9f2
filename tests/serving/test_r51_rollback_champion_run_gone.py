"""A rollback whose champion's serving location the registry can no longer give: the champion
version's training run was deleted and collected (``mlflow gc``: MLflow 3.17.2
``store/tracking/sqlalchemy_store.py`` ``_hard_delete_run``, which the gc command calls), so
``MlflowRegistry.model_artifact_uri`` has no run to read the artifact URI from. The rollback raised
MLflow's own ``RESOURCE_DOES_NOT_EXIST`` exception before it wrote anything: the failed canary kept
its share (abort did not win) and the step failed with an error of no ctloop kind. Now that is a
RegistryError naming the version and its run, and the rollback pins the failed canary to 0 % first,
as it does when there is no champion at all. A real MLflow sqlite store; the cluster is
tests/doubles/kube_api.py's Kubernetes API double (a double of the Kubernetes API)."""

from __future__ import annotations

import pytest
from mlflow import MlflowClient

from ctloop.config import RolloutConfig
from ctloop.errors import RegistryError
from ctloop.registry import MlflowRegistry
from ctloop.serving import release
from ctloop.serving.kube import InferenceServices
from ctloop.tracking import JOBLIB_ARTIFACT_DIR, TAG_SKOPS_SHA256
from tests.doubles.kube_api import KubeApiDouble

NS, ISVC, MODEL = "ml", "credit", "credit-model"


@pytest.fixture
def registry(sqlite_tracking):
    """``MODEL`` v1 (champion) and v2, each from a run of its own carrying the serving sha256 (no
    model file is read by a deploy or a rollback)."""
    client = MlflowClient(sqlite_tracking, registry_uri=sqlite_tracking)
    client.create_registered_model(MODEL)
    experiment = client.create_experiment(MODEL)
    for n in (1, 2):
        run = client.create_run(experiment, tags={TAG_SKOPS_SHA256: f"{n:064x}"})
        client.create_model_version(
            MODEL, f"{run.info.artifact_uri}/{JOBLIB_ARTIFACT_DIR}", run_id=run.info.run_id
        )
    reg = MlflowRegistry(sqlite_tracking)
    reg.promote(MODEL, "1", reason="fixture")
    return reg


def test_a_rollback_to_a_champion_whose_run_is_gone_pins_the_canary_out(registry, sqlite_tracking):
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    cfg = RolloutConfig(
        inference_service=ISVC, namespace=NS, traffic_plan=[5, 50], timeout_seconds=10
    )
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        release.deploy(registry, isvcs, model_name=MODEL, version="1", cfg=cfg, run_id="run-1")
        canary, _ = release.deploy(
            registry, isvcs, model_name=MODEL, version="2", cfg=cfg, run_id="run-2"
        )
        champion_run = registry.get_version(MODEL, "1").run_id
        store = SqlAlchemyStore(sqlite_tracking, "/nonexistent")
        store.delete_run(champion_run)
        store._hard_delete_run(champion_run)  # what mlflow gc does to a deleted run
        with pytest.raises(
            RegistryError
        ) as refused:  # was: MlflowException RESOURCE_DOES_NOT_EXIST
            release.rollback(
                registry,
                isvcs,
                model_name=MODEL,
                failed_version="2",
                reason="error rate",
                cfg=cfg,
                run_id="run-2",
            )
        message = str(refused.value)
        assert message.startswith(f"{MODEL} v1: its training run {champion_run} is gone"), message
        assert "the failed v2's canary pinned to 0 %" in message, message
        assert (
            kube.traffic(NS, ISVC)[canary.latest_revision] == 0
        )  # was: 5, the failed model kept its share

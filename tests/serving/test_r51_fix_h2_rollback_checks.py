"""The rollback's checks before it writes (review 51, H2 findings 2 and 3).

A deploy that failed after writing its canary rolled back through ``_rollback_traffic`` directly,
past the check ``rollback`` alone made: with the champion's training run collected (``mlflow gc``:
MLflow 3.17.2 ``store/tracking/sqlalchemy_store.py`` ``_hard_delete_run``) the failed canary kept
``canaryTrafficPercent`` 5 with the failed model's storageUri. And ``--to-version 55`` (a typo for
5) was taken for a version whose model is gone: the failed canary was pinned to 0 % before the
error — bad input must leave serving untouched. Real ``mlflow server`` on loopback (the session's); the cluster is
tests/doubles/kube_api.py's Kubernetes API double (a double of the Kubernetes API)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from mlflow import MlflowClient

from ctloop.config import RolloutConfig
from ctloop.errors import ConfigError, ServingError
from ctloop.registry import CHAMPION, MlflowRegistry
from ctloop.serving import release
from ctloop.serving.kube import InferenceServices
from ctloop.storage import kserve_storage_uri
from ctloop.tracking import JOBLIB_ARTIFACT_DIR, TAG_SKOPS_SHA256
from tests.doubles.kube_api import KubeApiDouble

NS, ISVC, MODEL = "ml", "credit", "credit-model"


@pytest.fixture
def registry(mlflow_url):
    """A model of its own on the session's ``mlflow server``: v1 (champion, as a promotion leaves
    the alias) and v2, each from a run of its own carrying the serving sha256."""
    name = f"{MODEL}-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    client.create_registered_model(name)
    experiment = client.create_experiment(name)
    for n in (1, 2):
        run = client.create_run(experiment, tags={TAG_SKOPS_SHA256: f"{n:064x}"})
        client.create_model_version(
            name, f"{run.info.artifact_uri}/{JOBLIB_ARTIFACT_DIR}", run_id=run.info.run_id
        )
    client.set_registered_model_alias(name, CHAMPION, "1")
    return MlflowRegistry(mlflow_url), name


def _collect(registry: MlflowRegistry, name: str, version: str) -> str:
    """What ``mlflow gc`` does to a deleted run, on the server's own sqlite store (found above the
    run's artifact root, tests/fixtures/servers.py ``mlflow_server``); returns the run id."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    run_id = registry.get_version(name, version).run_id
    root = Path(registry.client.get_run(run_id).info.artifact_uri.removeprefix("file://"))
    db = next(p / "mlflow.db" for p in root.parents if (p / "mlflow.db").exists())
    store = SqlAlchemyStore(f"sqlite:///{db}", "/nonexistent")
    store.delete_run(run_id)
    store._hard_delete_run(run_id)
    return run_id


CFG = RolloutConfig(inference_service=ISVC, namespace=NS, traffic_plan=[5, 50], timeout_seconds=10)


def test_a_failed_deploy_pins_its_canary_out_when_the_champions_run_is_gone(registry):
    reg, name = registry
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        release.deploy(reg, isvcs, model_name=name, version="1", cfg=CFG, run_id="run-1")
        champion_run = _collect(reg, name, "1")
        kube.fail_revisions(kserve_storage_uri(reg.model_artifact_uri(name, "2")))
        with pytest.raises(ServingError) as failed:
            release.deploy(reg, isvcs, model_name=name, version="2", cfg=CFG, run_id="run-2")
        message = str(failed.value)
        assert (
            f"rolling back to v1 failed too ({name} v1: its training run {champion_run} is gone"
            in message
        )
        assert "the failed v2's canary pinned to 0 %" in message, message  # was: not pinned
        assert (
            isvcs.get(ISVC)["spec"]["predictor"]["canaryTrafficPercent"] == 0
        )  # was: 5, v2's storageUri


def test_a_to_version_that_does_not_exist_is_bad_input_and_serving_untouched(registry):
    reg, name = registry
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        release.deploy(reg, isvcs, model_name=name, version="1", cfg=CFG, run_id="run-1")
        canary, _ = release.deploy(
            reg, isvcs, model_name=name, version="2", cfg=CFG, run_id="run-2"
        )
        before = isvcs.get(ISVC)
        with pytest.raises(ConfigError) as refused:  # was: RegistryError, after pinning v2 to 0 %
            release.rollback(
                reg,
                isvcs,
                model_name=name,
                failed_version="2",
                reason="typo",
                cfg=CFG,
                to_version="55",
            )
        assert str(refused.value) == (
            f"--to-version / to_version 55: model '{name}' has no version '55': list its versions with "
            f"`ctloop audit --model-name {name}` or the MLflow UI; nothing written"
        )
        assert isvcs.get(ISVC)["spec"] == before["spec"]  # was: canaryTrafficPercent 0
        assert kube.traffic(NS, ISVC)[canary.latest_revision] == 5
        assert "ctloop.rollout.status" not in reg.get_version(name, "2").tags

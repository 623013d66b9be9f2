"""A rolled-back model version kept the ``challenger`` alias: ``release.rollback`` tagged it
``ctloop.rollout.status=rolled_back`` and left the registry's aliases alone, and MLflow aliases are
last-writer-wins with no history, so after the rollback the registry still called the version that
failed its canary the challenger (``ctloop rollout status`` printed ``challenger=v2, champion=v1``
beside ``rolled back to v1``; ``ctloop score --alias challenger`` would score with it). Now the
rollback removes the alias from the failed version (never moves it to another version: none was
chosen by a gate after it) and its audit record says so (``challenger_alias``). A newer version a
concurrent run registered keeps it. Real ``mlflow server`` on loopback; the cluster is
tests/doubles/kube_api.py's Kubernetes API double (a double of the Kubernetes API)."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.config import RolloutConfig
from ctloop.registry import CHALLENGER, CHAMPION, TAG_REGISTRATION_ID, MlflowRegistry
from ctloop.serving import release
from ctloop.serving.kube import InferenceServices
from ctloop.tracking import JOBLIB_ARTIFACT_DIR, TAG_SKOPS_SHA256
from tests.doubles.kube_api import KubeApiDouble

pytestmark = pytest.mark.slow

NS, ISVC = "ml", "credit"


def _version(client: MlflowClient, experiment: str, name: str, n: int) -> str:
    """A version whose training run carries the serving sha256 a deploy writes (no model file is
    read by a deploy or a rollback); registered and pointed ``challenger`` at as ``register`` does."""
    run = client.create_run(experiment, tags={TAG_SKOPS_SHA256: f"{n:064x}"})
    client.set_terminated(run.info.run_id)
    mv = client.create_model_version(
        name,
        f"{run.info.artifact_uri}/{JOBLIB_ARTIFACT_DIR}",
        run_id=run.info.run_id,
        tags={TAG_REGISTRATION_ID: uuid.uuid4().hex},
    )
    return str(mv.version)


@pytest.fixture
def model(mlflow_url):
    name = f"r51-challenger-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    client.create_registered_model(name)
    experiment = client.create_experiment(name)
    reg = MlflowRegistry(mlflow_url)
    for n in (1, 2):
        reg._point_challenger(name, int(_version(client, experiment, name, n)))
    # the champion as a promotion leaves it (its ~16 writes are not what these tests are about)
    client.set_registered_model_alias(name, CHAMPION, "1")
    return reg, client, experiment, name


@pytest.fixture
def isvcs():
    with KubeApiDouble(ready_after_reads=1) as double:
        yield InferenceServices(NS, api_client=double.api_client())


def _canary_of_v2(reg: MlflowRegistry, isvcs: InferenceServices, name: str) -> RolloutConfig:
    cfg = RolloutConfig(
        inference_service=ISVC, namespace=NS, traffic_plan=[5, 50], timeout_seconds=10
    )
    release.deploy(reg, isvcs, model_name=name, version="1", cfg=cfg, run_id="run-1")
    release.deploy(reg, isvcs, model_name=name, version="2", cfg=cfg, run_id="run-2")
    assert reg.aliases(name) == {CHALLENGER: "2", CHAMPION: "1"}
    return cfg


def test_a_rolled_back_version_is_no_longer_challenger(model, isvcs):
    reg, _, _, name = model
    cfg = _canary_of_v2(reg, isvcs, name)
    target, state = release.rollback(
        reg,
        isvcs,
        model_name=name,
        failed_version="2",
        reason="error rate 0.2",
        cfg=cfg,
        run_id="run-2",
    )
    assert (target, state.action) == ("1", "rolled_back")
    assert reg.aliases(name) == {CHAMPION: "1"}  # was {challenger: 2, champion: 1}
    record = reg.audit_log(name)[-1]
    assert (record["event"], record["challenger_alias"]) == ("rollback", "removed from v2")
    assert reg.get_version(name, "2").tags["ctloop.rollout.status"] == "rolled_back"


def test_a_newer_challenger_registered_meanwhile_keeps_the_alias(model, isvcs):
    reg, client, experiment, name = model
    cfg = _canary_of_v2(reg, isvcs, name)
    # another run's register
    reg._point_challenger(name, int(_version(client, experiment, name, 3)))
    release.rollback(
        reg,
        isvcs,
        model_name=name,
        failed_version="2",
        reason="error rate 0.2",
        cfg=cfg,
        run_id="run-2",
    )
    assert reg.aliases(name) == {CHALLENGER: "3", CHAMPION: "1"}
    assert reg.audit_log(name)[-1]["challenger_alias"] == "on v3, not v2: left"


def test_a_register_racing_the_removal_gets_the_alias_back(model):
    """The removal reads the alias, then deletes it: a register pointing it at a newer version in
    between (last writer wins) would lose it. The removal looks again after its delete."""
    reg, client, experiment, name = model
    newer = _version(client, experiment, name, 3)  # registered, its alias write not yet made
    real = reg.client._client.delete_registered_model_alias

    def racing(model_name, alias):
        # the concurrent register's write
        client.set_registered_model_alias(model_name, alias, newer)
        return real(model_name, alias)

    reg.client._client.delete_registered_model_alias = racing
    reg.set_tags(name, "2", {"ctloop.rollout.status": "rolled_back"})
    assert reg.drop_challenger(name, "2") == "removed from v2; a newer version, v3, is challenger"
    assert reg.aliases(name) == {CHALLENGER: "3", CHAMPION: "1"}

"""Review D of round 39, finding 5: a registered model someone else named ``<model>.ctloop-promotion-lock``
(no ``ctloop.lock.owner`` tag: round 39 stopped reading it as an expired lock and deleting it) made the
read-only ``ctloop registry status`` exit 2 with the refusal meant for promotions, and ``register``
logged that the model "needs `ctloop registry repair`", which repair cannot fix. Now status reports it
as a note (exit 0 when the promotion state is consistent); only taking the lock (promote) and repair stop,
in one line saying to rename or delete that model."""

from __future__ import annotations

import logging

import pytest
from mlflow import MlflowClient

from ctloop.errors import RegistryError
from ctloop.registry import LOCK_SUFFIX, MlflowRegistry
from tests.helpers import run_main


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A sqlite store; MLflow's process-wide tracking and registry URIs (which the registry sets,
    also as environment variables) are put back after it (a client of the session's server made later would read them)."""
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    monkeypatch.setattr(tracking_utils, "_tracking_uri", tracking_utils._tracking_uri)
    monkeypatch.setattr(registry_utils, "_registry_uri", registry_utils._registry_uri)
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):  # mlflow 3.17 sets them with the URIs
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    client = MlflowClient(uri, registry_uri=uri)
    for model in ("m", "m" + LOCK_SUFFIX):
        client.create_registered_model(model)
        client.create_model_version(model, f"s3://bucket/{model}")
    return uri, client


def test_status_reports_the_foreign_model_as_a_note(store, capsys):
    uri, _ = store
    code, out, err = run_main(["registry", "status", "--model-name", "m", "--tracking-uri", uri], capsys, 60)
    assert code == 0, (code, out, err)
    note = next(line for line in out.splitlines() if line.startswith("  note:"))
    assert f"'m{LOCK_SUFFIX}'" in note and "no ctloop lock" in note and "delete" in note, out
    assert "consistent" in out


def test_register_does_not_send_the_user_to_repair(store, caplog):
    uri, client = store
    with caplog.at_level(logging.WARNING, logger="ctloop"):
        MlflowRegistry(uri).register("m", model_uri="s3://bucket/m-2", run_id="", tags={})
    assert "registry repair" not in caplog.text, caplog.text
    assert client.get_registered_model("m" + LOCK_SUFFIX).name == "m" + LOCK_SUFFIX


def test_promote_and_repair_still_stop_naming_it(store, capsys):
    uri, client = store
    with pytest.raises(RegistryError) as info:
        MlflowRegistry(uri, lock_timeout_s=1).promote("m", "1", reason="first")
    assert "no ctloop lock" in str(info.value) and "rename or delete" in str(info.value), info.value
    code, out, err = run_main(["registry", "repair", "--model-name", "m", "--tracking-uri", uri], capsys, 60)
    assert code == 2 and "no ctloop lock" in err and "rename or delete" in err, (code, out, err)
    assert [str(v.version) for v in client.search_model_versions(f"name='m{LOCK_SUFFIX}'")] == ["1"]

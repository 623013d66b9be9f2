"""``register`` after the version is made: pointing alias ``challenger`` at it refused (its version
gone: 404, deleted meanwhile) raised "cannot register <uri> as model 'x': <MLflow's
message as it came>" (several lines when MLflow's did), while the version stayed registered with
no alias: a KFP retry of register_model registered the same model again, and a gone version was a
RegistryError, not RegistryGone. Now one line names the model, the version and the alias; the
version the failed registration made is deleted again (the registry as before the step). Real
``mlflow server`` on loopback, behind tests/integration/registry_support.py's proxy answering the
alias write (``POST /api/2.0/mlflow/registered-models/alias``, mlflow 3.17.2
``protos/model_registry.proto`` SetRegisteredModelAlias) as MLflow answers an error
(``{"error_code": ..., "message": ...}``, ``server/handlers.py`` ``catch_mlflow_exception``)."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.errors import RegistryError, RegistryGone
from ctloop.registry import CHALLENGER, MlflowRegistry
from tests.integration.registry_support import proxy

pytestmark = pytest.mark.slow


def _register_through(mlflow_url: str, status: int, body: bytes):
    """``register`` of a new model through a proxy answering its alias write ``status``/``body``:
    ``(the error raised, the model's name)``."""
    client = MlflowClient(mlflow_url)
    logged = client.create_logged_model(
        client.create_experiment(f"r52-alias-{uuid.uuid4().hex[:8]}")
    )
    name = f"r52-alias-{uuid.uuid4().hex[:8]}"

    def answer(request, path, _body):
        if path.endswith("/registered-models/alias") and request.command == "POST":
            return status, {"Content-Type": "application/json"}, body
        return None

    server = proxy(mlflow_url, answer)
    try:
        reg = MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(RegistryError) as raised:
            reg.register(name, model_uri=f"models:/{logged.model_id}", run_id="", tags={})
    finally:
        server.shutdown()
        server.server_close()
    return raised.value, name


def test_a_refused_challenger_alias_leaves_no_version_and_says_so_on_one_line(mlflow_url):
    body = b'{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Model Version not found:\\nsecond line"}'
    error, name = _register_through(mlflow_url, 404, body)
    text = str(error)
    assert type(error) is RegistryGone, (type(error), text)  # was RegistryError
    assert text == (
        f"model {name!r} v1: pointing alias {CHALLENGER!r} at it failed (RESOURCE_DOES_NOT_EXIST: "
        "Model Version not found:\\nsecond line); v1 deleted again, nothing registered: run the step "
        "again"
    ), text
    direct = MlflowRegistry(mlflow_url)
    assert direct.versions(name) == [] and direct.aliases(name) == {}  # was: v1 left, no alias

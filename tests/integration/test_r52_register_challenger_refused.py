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

from ctloop.errors import RegistryGone
from ctloop.registry import CHALLENGER, TAG_REGISTRATION_ID, MlflowRegistry
from tests.integration.registry_support import proxy, register_via_proxy

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

    return register_via_proxy(mlflow_url, answer, name, logged.model_id), name


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


def test_a_refused_alias_for_a_concurrent_runs_version_keeps_this_runs_version(mlflow_url):
    """``challenger`` goes to the newest READY version: a concurrent run's v2, made after this run's
    v1 and deleted before the alias write reached it (MLflow answers the write 404, for real). Was:
    register raised for v1 and deleted it ('model x v1: pointing alias ... failed'), though it was
    v2's write that failed; now the versions are read again and the alias goes to v1."""
    client = MlflowClient(mlflow_url)
    logged = client.create_logged_model(client.create_experiment(f"r52-alias-{uuid.uuid4().hex[:8]}"))
    name = f"r52-alias-{uuid.uuid4().hex[:8]}"
    made: list[str] = []
    mine: list[bytes] = []

    def answer(request, path, body):
        if path.endswith("/model-versions/create"):
            mine.append(body)
        if path.endswith("/model-versions/search") and "order_by" in request.path and mine and not made:
            made.append(client.create_model_version(name, f"models:/{logged.model_id}", model_id=logged.model_id,
                tags={TAG_REGISTRATION_ID: uuid.uuid4().hex}).version)
        if path.endswith("/registered-models/alias") and request.command == "POST" and b'"2"' in body:
            client.delete_model_version(name, "2")  # the concurrent run's version gone meanwhile
        return None

    server = proxy(mlflow_url, answer)
    try:
        reg = MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}")
        got = reg.register(name, model_uri=f"models:/{logged.model_id}", run_id="", tags={})
    finally:
        server.shutdown()
        server.server_close()
    assert made == ["2"]
    assert str(got.version) == "1"
    direct = MlflowRegistry(mlflow_url)
    assert [str(v.version) for v in direct.versions(name)] == ["1"]  # was: [] (v1 deleted)
    assert direct.aliases(name) == {CHALLENGER: "1"}


def test_a_version_really_gone_before_its_alias_is_said_gone_not_left_registered(mlflow_url):
    """v1 deleted (by someone else) between its create and the alias write: MLflow answers the write
    and then the delete 404 (RESOURCE_DOES_NOT_EXIST), for real. Was: 'v1 left registered without
    the alias (not deleted: ...)', false: nothing is registered."""
    client = MlflowClient(mlflow_url)
    logged = client.create_logged_model(client.create_experiment(f"r52-alias-{uuid.uuid4().hex[:8]}"))
    name = f"r52-alias-{uuid.uuid4().hex[:8]}"

    def answer(request, path, _body):
        if path.endswith("/registered-models/alias") and request.command == "POST":
            client.delete_model_version(name, "1")
        return None

    text = str(register_via_proxy(mlflow_url, answer, name, logged.model_id, RegistryGone))
    assert text.startswith(f"model {name!r} v1: pointing alias {CHALLENGER!r} at it failed (RESOURCE_DOES_NOT_EXIST: "), text
    assert text.endswith("; v1 is gone, nothing registered: run the step again"), text  # was: left registered
    assert MlflowRegistry(mlflow_url).versions(name) == []

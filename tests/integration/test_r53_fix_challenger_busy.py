"""Round 53 review of the registry hardening (commit 5342a832 and after): ``_point_challenger`` returned at
the first busy (503) write of a concurrent run's NEWER version's ``challenger`` alias. When that version's
run then failed (its own alias write busy too: its cleanup deletes it), this run's kept version had no
``challenger`` alias for good, while ``inspect`` saw nothing wrong, ``repair`` did nothing, and the
register component recorded and printed ``alias challenger``; a rollback's ``drop_challenger`` reached the
same return and said "a newer version, v?, is challenger". ``_transient`` took any 500 for a busy server
(a refused connection, a body that is no JSON), and ``_wait_ready``'s own errors (FAILED_REGISTRATION)
left the version registered with no alias.

Real ``mlflow server`` on loopback (the session's) behind tests/integration/registry_support.py's proxy,
answering as MLflow answers an error (``{"error_code": ..., "message": ...}``, mlflow 3.17.2
``server/handlers.py`` ``catch_mlflow_exception``); the alias write is ``POST
/api/2.0/mlflow/registered-models/alias`` (``protos/model_registry.proto`` SetRegisteredModelAlias). MLflow's
client retries are set to 0 (``MLFLOW_HTTP_REQUEST_MAX_RETRIES``): a 503 or 500 still answered then is said
"too many 503 error responses" (``utils/rest_utils.py`` ``http_request``), as after any number of retries."""

from __future__ import annotations

import json
import logging
import os
import uuid

import pytest
from kfp.dsl import Metrics, Model
from mlflow import MlflowClient

from ctloop.errors import RegistryError
from ctloop.registry import CHALLENGER, TAG_REGISTRATION_ID, MlflowRegistry
from tests.integration.registry_support import forward, proxy, register_via_proxy

pytestmark = pytest.mark.slow

BUSY = b'{"error_code": "TEMPORARILY_UNAVAILABLE", "message": "database is locked"}'


@pytest.fixture(autouse=True)
def _no_retries(monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")


def _model(mlflow_url: str, prefix: str) -> tuple[MlflowClient, str, str]:
    client = MlflowClient(
        mlflow_url, registry_uri=mlflow_url
    )  # not MLflow's global URIs (a component sets them)
    logged = client.create_logged_model(
        client.create_experiment(f"{prefix}-{uuid.uuid4().hex[:8]}")
    )
    return client, f"{prefix}-{uuid.uuid4().hex[:8]}", logged.model_id


def _component_env(monkeypatch, mlflow_url) -> tuple[str, str]:
    """MLflow's variables kept for the test (the component points MLflow at the proxy); the global
    tracking and registry URIs as they were, for :func:`_register_component` to restore."""
    import mlflow

    for key in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
        monkeypatch.setenv(key, os.environ.get(key, mlflow_url))
    return mlflow.get_tracking_uri(), mlflow.get_registry_uri()


def _register_component(
    mlflow_url, tmp_path, model_id: str, name: str, answer, before: tuple[str, str]
):
    """The register_model component run through the proxy answering ``answer``; MLflow's global URIs
    (``before``) set back after."""
    import mlflow

    from ctloop.components.register.component import register_model

    model = Model(
        name="model",
        uri=str(tmp_path / "model"),
        metadata={"mlflow_model_uri": f"models:/{model_id}"},
    )
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.skops").write_bytes(
        b""
    )  # the component reads no model, only its metadata
    server = proxy(mlflow_url, answer)
    try:
        return register_model.python_func(
            model=model,
            gate_metrics=Metrics(name="m", uri=str(tmp_path / "m"), metadata={}),
            model_name=name,
            gate_reason="ok",
            tracking_uri=f"http://127.0.0.1:{server.server_address[1]}",
        )
    finally:
        server.shutdown()
        server.server_close()
        mlflow.set_tracking_uri(before[0])
        mlflow.set_registry_uri(before[1])


def _concurrent(client: MlflowClient, name: str, model_id: str, on_newer):
    """A proxy answer: a concurrent run's v2 is made once this run's v1 is made (at the first versions
    search after the create); ``on_newer(v2)`` answers the alias write of v2 (None: forwarded)."""
    made: list[str] = []
    mine: list[bytes] = []

    def answer(request, path, body):
        if path.endswith("/model-versions/create"):
            mine.append(body)
        if (
            path.endswith("/model-versions/search")
            and "order_by" in request.path
            and mine
            and not made
        ):
            made.append(
                client.create_model_version(
                    name,
                    f"models:/{model_id}",
                    model_id=model_id,
                    tags={TAG_REGISTRATION_ID: uuid.uuid4().hex},
                ).version
            )
        if (
            path.endswith("/registered-models/alias")
            and request.command == "POST"
            and b'"1"' not in body
        ):
            return on_newer(made[0])
        return None

    return answer, made


def test_a_newer_version_gone_after_its_busy_write_leaves_the_alias_on_this_runs_version(
    mlflow_url, caplog
):
    """v2's alias write answered 503, and v2's own run (its alias write busy too) deletes v2. Was: register
    returned at the busy write, v1 kept with no alias ({}); now the versions are read again, v2 is gone, and
    the alias falls back to v1."""
    client, name, model_id = _model(mlflow_url, "r53b")

    def busy_then_gone(v2):
        client.delete_model_version(name, v2)  # v2's run failing: its cleanup deletes it
        return 503, {"Content-Type": "application/json"}, BUSY

    answer, made = _concurrent(client, name, model_id, busy_then_gone)
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        got = register_via_proxy(mlflow_url, answer, name, model_id, refused=None)
    assert made == ["2"] and got.version == "1"
    direct = MlflowRegistry(mlflow_url)
    assert [v.version for v in direct.versions(name)] == ["1"]
    assert direct.aliases(name) == {CHALLENGER: "1"}  # was: {}
    assert not [r for r in caplog.records if "left undone" in r.getMessage()]  # nothing left undone


def test_a_register_component_whose_alias_is_left_to_a_newer_run_says_no_alias(
    mlflow_url, tmp_path, capsys, monkeypatch
):
    """v2 busy every time and still there: v1 is kept and the alias left to v2's run, through the register
    component. The component recorded and printed ``alias challenger`` (false: no alias is on v1); now
    what it reads back. v2's run then dies and v2 is deleted: the alias stays unset (status and repair
    choose no version for it: the newest READY one may be one passed over)."""
    before = _component_env(monkeypatch, mlflow_url)
    client, name, model_id = _model(mlflow_url, "r53n")
    answer, made = _concurrent(
        client, name, model_id, lambda _v2: (503, {"Content-Type": "application/json"}, BUSY)
    )
    registered = _register_component(mlflow_url, tmp_path, model_id, name, answer, before)
    assert made == ["2"] and registered.version == "1"
    out = capsys.readouterr().out
    assert f"ctloop: registered {name} v1 (no alias) from run " in out, (
        out
    )  # was: "(alias challenger)"
    direct = MlflowRegistry(mlflow_url)
    [record] = [e for e in direct.audit_log(name) if e["event"] == "register"]
    assert record["alias"] == "", record  # was: "challenger"

    client.delete_model_version(
        name, "2"
    )  # v2's run dies: its version deleted, the alias never written
    # left unset: neither status nor repair names a version for it (round 53 second review: repair chose the
    # newest READY version, which after a rollback is one passed over: see the test below)
    assert direct.aliases(name) == {}
    assert direct.inspect(name).notes == [] and direct.repair(name) == []
    assert direct.aliases(name) == {}


def test_the_register_component_reads_no_aliases_after_registering(
    mlflow_url, tmp_path, capsys, monkeypatch
):
    """After register returned (its last request the version's read-back, ``GET model-versions/get``) and
    before the audit record's first request, ``GET registered-models/get`` answers 503. Was: the component
    read the aliases again with it and failed AFTER registering (a KFP retry then registers a second copy);
    now it uses the aliases on the version."""
    before = _component_env(monkeypatch, mlflow_url)
    _client, name, model_id = _model(mlflow_url, "r53c")
    seen: list[
        str
    ] = []  # after register's alias write: its read-back, then the audit record's requests

    def answer(request, path, body):
        if path.endswith("/registered-models/alias") and request.command == "POST":
            seen.append("alias")
        elif path.endswith("/model-versions/get") and seen == ["alias"]:
            seen.append("read back")  # register's last request
        elif ("/experiments/" in path or "/runs/" in path) and "read back" in seen:
            seen.append("audit")  # the audit record's requests
        elif path.endswith("/registered-models/get") and seen == ["alias", "read back"]:
            return 503, {"Content-Type": "application/json"}, BUSY
        return None

    registered = _register_component(mlflow_url, tmp_path, model_id, name, answer, before)
    assert registered.version == "1" and seen[:2] == ["alias", "read back"]
    assert f"ctloop: registered {name} v1 (alias challenger) from run " in capsys.readouterr().out
    [record] = [e for e in MlflowRegistry(mlflow_url).audit_log(name) if e["event"] == "register"]
    assert record["alias"] == "challenger", record


def test_a_rolled_back_challenger_is_not_replaced_by_a_passed_over_version(mlflow_url):
    """Champion v1; v2 and v3 registered (challenger v3, v2 passed over); v3's canary rolled back, the alias
    removed. Was: status noted "no challenger while READY versions newer than the champion exist (newest v2)"
    and repair set challenger=v2, a version nobody chose; now neither (drop_challenger: "Removed, not
    moved")."""
    from ctloop.registry import CHAMPION, TAG_REGISTRATION_ID, TAG_ROLLOUT_STATUS

    client, name, model_id = _model(mlflow_url, "r53p")
    client.create_registered_model(name)
    for _ in range(3):
        client.create_model_version(
            name,
            f"models:/{model_id}",
            model_id=model_id,
            tags={TAG_REGISTRATION_ID: uuid.uuid4().hex},
        )
    client.set_registered_model_alias(name, CHAMPION, "1")
    client.set_registered_model_alias(name, CHALLENGER, "3")
    client.set_model_version_tag(name, "3", TAG_ROLLOUT_STATUS, "rolled_back")
    registry = MlflowRegistry(mlflow_url)
    assert registry.drop_challenger(name, "3", rolled_back_before=False) == "removed from v3"
    assert not [
        n for n in registry.inspect(name).notes if CHALLENGER in n
    ]  # was: "... (newest v2) ..."
    registry.repair(name)
    assert CHALLENGER not in registry.aliases(name)  # was: challenger -> v2


def test_a_newer_version_rolled_back_between_the_reads_does_not_get_the_alias(
    mlflow_url, monkeypatch
):
    """drop_challenger of v1 (rolled back) reads v2 as newer; a concurrent rollback of v2 tags it rolled back
    before ``_point_challenger`` reads the versions (a hook between the two reads). Was: v2 counted as a target
    regardless, the alias written onto it three times and the rollback failed ("alias 'challenger' not pointed
    at v2 or a newer version: "); now no version is a target and the alias stays unset."""
    from ctloop.registry import TAG_ROLLOUT_STATUS

    client, name, model_id = _model(mlflow_url, "r53r")
    client.create_registered_model(name)
    for _ in range(2):
        client.create_model_version(
            name,
            f"models:/{model_id}",
            model_id=model_id,
            tags={TAG_REGISTRATION_ID: uuid.uuid4().hex},
        )
    client.set_registered_model_alias(name, CHALLENGER, "1")
    reads = []
    search = MlflowRegistry._search_versions

    def rolled_back_between(self, model):
        reads.append(model)
        if len(reads) == 2:  # drop_challenger's read done: v2's rollback tags it
            client.set_model_version_tag(name, "2", TAG_ROLLOUT_STATUS, "rolled_back")
        return search(self, model)

    monkeypatch.setattr(MlflowRegistry, "_search_versions", rolled_back_between)
    said = MlflowRegistry(mlflow_url).drop_challenger(name, "1", rolled_back_before=False)
    assert MlflowRegistry(mlflow_url).aliases(name) == {}  # was: {challenger: 2}
    assert said == (
        "removed from v1; unset: v2, newer, may not be challenger any more (rolled back, rejected or promoted "
        "meanwhile, or a retried create's copy)"
    ), said


def test_a_write_that_lands_on_a_version_rolled_back_meanwhile_is_taken_off_again(
    mlflow_url, monkeypatch
):
    """Round 53's third review: drop_challenger of v1 points the alias at v2; v2's own rollback tags it and
    reads the alias (still unset: "not set") just before that write lands. The next pass saw no target and
    returned, the alias left on rolled-back v2 while the record said "unset"."""
    from ctloop.registry import TAG_ROLLOUT_STATUS

    client, name, model_id = _model(mlflow_url, "r53w")
    client.create_registered_model(name)
    for _ in range(2):
        client.create_model_version(
            name,
            f"models:/{model_id}",
            model_id=model_id,
            tags={TAG_REGISTRATION_ID: uuid.uuid4().hex},
        )
    client.set_registered_model_alias(name, CHALLENGER, "1")
    registry = MlflowRegistry(mlflow_url)
    write = registry.client.set_registered_model_alias
    writes = []

    def rollback_before_the_write_lands(model, alias, version):
        writes.append(version)
        if len(writes) == 1:  # rollback B of v2: tags it, finds the alias unset and leaves it
            client.set_model_version_tag(name, version, TAG_ROLLOUT_STATUS, "rolled_back")
            assert MlflowRegistry(mlflow_url).drop_challenger(
                name, version, rolled_back_before=False
            ) == ("not set (v2 was not challenger)")
        return write(model, alias, version)

    monkeypatch.setattr(
        registry.client, "set_registered_model_alias", rollback_before_the_write_lands
    )
    said = registry.drop_challenger(name, "1", rolled_back_before=False)
    assert MlflowRegistry(mlflow_url).aliases(name) == {}, (
        said
    )  # was: {challenger: 2} (rolled back)
    assert said.startswith("removed from v1; unset: v2"), said


def test_a_rollback_whose_newer_challenger_write_is_busy_says_the_alias_is_unset(
    mlflow_url, caplog
):
    """drop_challenger of v1 (rolled back): v2 is newer; a concurrent run's v3 appears and its write is busy.
    Was: "removed from v1; a newer version, v?, is challenger" and a warning "v2 is registered"; now the
    record says the alias is unset and the warning says what the rollback did."""
    client, name, model_id = _model(mlflow_url, "r53d")
    client.create_registered_model(name)
    for _ in range(2):
        client.create_model_version(
            name,
            f"models:/{model_id}",
            model_id=model_id,
            tags={TAG_REGISTRATION_ID: uuid.uuid4().hex},
        )
    client.set_registered_model_alias(name, CHALLENGER, "1")
    searches: list[str] = []

    def answer(request, path, body):
        if path.endswith("/model-versions/search"):
            searches.append(path)
            if len(searches) == 2:  # _point_challenger's first read: a concurrent run's v3 is made
                client.create_model_version(
                    name,
                    f"models:/{model_id}",
                    model_id=model_id,
                    tags={TAG_REGISTRATION_ID: uuid.uuid4().hex},
                )
        if (
            path.endswith("/registered-models/alias")
            and request.command == "POST"
            and b'"3"' in body
        ):
            return 503, {"Content-Type": "application/json"}, BUSY
        return None

    server = proxy(mlflow_url, answer)
    try:
        with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
            said = MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}").drop_challenger(
                name, "1", rolled_back_before=False
            )
    finally:
        server.shutdown()
        server.server_close()
    assert MlflowRegistry(mlflow_url).aliases(name) == {}
    assert said == (
        "removed from v1; unset: a newer version, v2 or later, could not be made challenger (the "
        "server was busy); its run points it, else set it in the MLflow UI"
    ), said  # was: "v?, is ..."
    [line] = [r.getMessage() for r in caplog.records if "left undone" in r.getMessage()]
    assert line.startswith(
        f"ctloop: alias {CHALLENGER!r} of {name} is removed from v1, but alias "
        f"{CHALLENGER!r} could not be moved to v3, a newer version"
    ), line  # was: "v2 is registered"


def test_a_500_of_a_newer_versions_write_is_a_refusal_not_a_busy_server(mlflow_url):
    """A newer version's alias write answered 500 with a body that is no JSON (a broken proxy, not a busy
    server). Was taken for a busy server (any status in MLflow's private retry list): v1 kept with no alias
    and a line saying v2's run would write it. Now a refusal as any other: raised, v1 deleted again."""
    client, name, model_id = _model(mlflow_url, "r53f")
    answer, made = _concurrent(
        client, name, model_id, lambda _v2: (500, {}, b"<html>Internal Server Error</html>")
    )
    text = str(register_via_proxy(mlflow_url, answer, name, model_id, RegistryError))
    assert made == ["2"]
    assert text.startswith(f"model {name!r} v1: pointing alias {CHALLENGER!r} at it failed ("), text
    assert "too many 500 error responses" in text and text.endswith(
        "; v1 deleted again, nothing registered: run the step again"
    ), text
    assert [v.version for v in MlflowRegistry(mlflow_url).versions(name)] == ["2"]


def test_an_ingress_502_of_a_newer_versions_write_is_a_busy_server(mlflow_url, caplog):
    """A newer version's alias write answered 502 (an ingress before a restarting backend), still so after
    MLflow's retries (mlflow 3.17.2 ``utils/request_utils.py`` _TRANSIENT_FAILURE_RESPONSE_CODES retries 408,
    429, 500, 502, 503, 504; "too many 502 error responses"). Was: a refusal, v1 deleted again; now a busy
    server as for a 503: v1 kept, the alias left to v2's run, said in one line."""
    client, name, model_id = _model(mlflow_url, "r53g")
    answer, made = _concurrent(
        client, name, model_id, lambda _v2: (502, {}, b"<html>502 Bad Gateway</html>")
    )
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        got = register_via_proxy(mlflow_url, answer, name, model_id, refused=None)
    assert made == ["2"] and got.version == "1"
    assert [v.version for v in MlflowRegistry(mlflow_url).versions(name)] == ["1", "2"]
    [line] = [r.getMessage() for r in caplog.records if "left undone" in r.getMessage()]
    assert "too many 502 error responses" in line, line


def test_an_alias_write_answered_but_not_made_says_where_the_alias_is(mlflow_url):
    """Every alias write is answered 200 ``{}`` (as MLflow answers SetRegisteredModelAlias) but not forwarded:
    three passes later the alias is still unset. Was: the error ended in an empty reason ("... or a newer
    version: "); now it says the alias is unset."""
    _client, name, model_id = _model(mlflow_url, "r53e")

    def answer(request, path, body):
        if path.endswith("/registered-models/alias") and request.command == "POST":
            return 200, {"Content-Type": "application/json"}, b"{}"
        return None

    text = str(register_via_proxy(mlflow_url, answer, name, model_id, RegistryError))
    assert f"alias {CHALLENGER!r} not pointed at v1 or a newer version: alias unset)" in text, text


def test_a_version_read_back_as_failed_registration_is_deleted_again(mlflow_url):
    """The read-back (``GET model-versions/get``) answers status FAILED_REGISTRATION (mlflow 3.17.2
    ``protos/model_registry.proto`` ModelVersionStatus). Was: RegistryError "registration of x v1 failed",
    v1 left registered with no alias; now deleted again, as for a read-back MLflow refuses."""
    client, name, model_id = _model(mlflow_url, "r53w")

    def answer(request, path, body):
        if path.endswith("/model-versions/get") and request.command == "GET":
            status, data = forward(mlflow_url, request, body)
            got = json.loads(data)
            got["model_version"].update(
                status="FAILED_REGISTRATION", status_message="artifacts not copied"
            )
            return status, {"Content-Type": "application/json"}, json.dumps(got).encode()
        return None

    text = str(register_via_proxy(mlflow_url, answer, name, model_id, RegistryError))
    assert text == (
        f"model {name!r} v1: reading it back after its create failed (registration of {name} v1 "
        f"failed: artifacts not copied); v1 deleted again, nothing registered: run the step again"
    ), text
    assert MlflowRegistry(mlflow_url).versions(name) == []  # was: [v1], no alias

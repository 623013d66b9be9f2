"""``_point_challenger`` skipped any refused write of a newer version, not only a not-found one (the
round 52 review, finding 4): a concurrent run's newer READY v2 whose alias write was refused (a
503) got this run's older v1 written over it, and three refused newer versions ended
the loop with no alias written and no error. Now only a write answered not found (the version
deleted meanwhile) is skipped; any other refusal is raised, and so is a loop that ends unwritten.
Real ``mlflow server`` on loopback behind tests/integration/registry_support.py's proxy, answering
the alias write (``POST /api/2.0/mlflow/registered-models/alias``, mlflow 3.17.2
``protos/model_registry.proto`` SetRegisteredModelAlias) as MLflow answers an error
(``{"error_code": ..., "message": ...}``, ``server/handlers.py`` ``catch_mlflow_exception``)."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.errors import RegistryError
from ctloop.registry import CHALLENGER, MlflowRegistry
from tests.integration.registry_support import register_via_proxy

pytestmark = pytest.mark.slow


def _register(mlflow_url: str, on_alias):
    """``register`` of a new model through a proxy: a concurrent run's v2 made once this run's v1 is
    made; ``on_alias(client, name, version)`` answers each alias write of a version other than
    v1 (None: forwarded). ``(what register raised, name, the versions the concurrent run made)``."""
    client = MlflowClient(mlflow_url)
    logged = client.create_logged_model(client.create_experiment(f"r52r-{uuid.uuid4().hex[:8]}"))
    name = f"r52r-{uuid.uuid4().hex[:8]}"
    made: list[str] = []
    mine: list[bytes] = []

    def another() -> None:
        made.append(
            client.create_model_version(
                name, f"models:/{logged.model_id}", model_id=logged.model_id
            ).version
        )

    def answer(request, path, body):
        if path.endswith("/model-versions/create"):
            mine.append(body)
        if (
            path.endswith("/model-versions/search")
            and "order_by" in request.path
            and mine
            and not made
        ):
            another()
        if (
            path.endswith("/registered-models/alias")
            and request.command == "POST"
            and b'"1"' not in body
        ):
            return on_alias(client, name, another)
        return None

    return register_via_proxy(mlflow_url, answer, name, logged.model_id), name, made


BUSY = b'{"error_code": "TEMPORARILY_UNAVAILABLE", "message": "database is locked"}'


def test_a_refused_write_of_a_newer_version_is_raised_not_written_over(mlflow_url, monkeypatch):
    """The write of a concurrent run's READY v2 answered 503 (MLflow's JSON error; not retried here:
    MLFLOW_HTTP_REQUEST_MAX_RETRIES=0, mlflow 3.17.2 ``environment_variables.py``, kept by
    ``ctloop.tracking.configure``, which sets it only when unset)."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    error, name, made = _register(
        mlflow_url, lambda *_: (503, {"Content-Type": "application/json"}, BUSY)
    )
    assert made == ["2"]
    assert type(error) is RegistryError, (type(error), str(error))
    assert f"v1: pointing alias {CHALLENGER!r} at it failed (" in str(error), error
    assert "503" in str(error), error
    assert (
        MlflowRegistry(mlflow_url).aliases(name).get(CHALLENGER) != "1"
    )  # was: v1 written over v2


def test_newer_versions_gone_three_times_is_an_error_not_a_silent_return(mlflow_url):
    def gone_and_another(client, name, another):
        versions = sorted(
            int(mv.version) for mv in client.search_model_versions(f"name = '{name}'")
        )
        client.delete_model_version(
            name, str(versions[-1])
        )  # the version being written: gone meanwhile
        another()  # and a newer one made
        return None  # forwarded: MLflow answers the write 404, for real

    error, name, made = _register(mlflow_url, gone_and_another)
    assert type(error) is RegistryError, (type(error), str(error))
    text = str(error)
    assert text.startswith(
        f"model {name!r} v1: pointing alias {CHALLENGER!r} at it failed (model {name!r}: alias {CHALLENGER!r} "
        f"not pointed at v1 or a newer version: v{made[0]}, v{made[1]}, v{made[2]} each gone when written)"
    ), text  # was: register returned v1, no alias written
    assert CHALLENGER not in MlflowRegistry(mlflow_url).aliases(name)

"""A retried ``model-versions/create`` leaves two versions of one registration (see
test_r38_registry_retried_create). Deleting the copy is a tidy-up: a user with EDIT may not delete
(mlflow 3.17.2 ``mlflow/server/auth/permissions.py``: EDIT has no ``can_delete``) and deleting a
version drops every alias on it (``mlflow/store/model_registry/sqlalchemy_store.py``
``delete_model_version``), so neither a refusal nor a concurrent register's alias may be lost."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.registry import CHALLENGER, TAG_DUPLICATE_OF, TAG_REGISTRATION_ID, MlflowRegistry
from tests.integration.registry_support import gateway, log_small_model

pytestmark = pytest.mark.slow


def test_a_refused_delete_of_the_copy_does_not_fail_the_registration(mlflow_url):
    _, run_id, uri, _ = log_small_model(mlflow_url, f"fix38e-copy-{uuid.uuid4().hex[:6]}")
    name = f"fix38e-copy-{uuid.uuid4().hex[:8]}"
    server, seen = gateway(mlflow_url, refuse=("/model-versions/delete",), fail_once="/model-versions/create")
    try:
        mv = MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}").register(
            name, model_uri=uri, run_id=run_id, tags={})
    finally:
        server.shutdown()
        server.server_close()
    assert "DELETE /api/2.0/mlflow/model-versions/delete" in seen  # tried, refused
    direct = MlflowRegistry(mlflow_url)
    versions = {v.version: v.tags for v in direct.versions(name)}
    assert mv.version == "1" and sorted(versions) == ["1", "2"], versions
    assert versions["2"].get(TAG_DUPLICATE_OF) == "1"
    assert TAG_DUPLICATE_OF not in versions["1"]
    assert direct.aliases(name) == {CHALLENGER: "1"}


def test_a_copy_an_alias_points_at_is_kept(mlflow_url):
    name = f"fix38e-alias-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    c = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    c.create_registered_model(name)
    c.create_model_version(name, "s3://fix38e/a", tags={TAG_REGISTRATION_ID: "A"})  # A's create, answered 503
    c.create_model_version(name, "s3://fix38e/b", tags={TAG_REGISTRATION_ID: "B"})  # B's registration
    c.create_model_version(name, "s3://fix38e/a", tags={TAG_REGISTRATION_ID: "A"})  # A's retried copy
    c.set_registered_model_alias(name, CHALLENGER, "3")  # B's _point_challenger: the newest READY
    assert reg._one_registration(name, "A", "3") == "1"
    assert reg.aliases(name) == {CHALLENGER: "3"}
    assert reg.get_version(name, "3").tags.get(TAG_DUPLICATE_OF) == "1"

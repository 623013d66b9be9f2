"""The monitoring store writes a window's run through MLflow's fluent API (``mlflow.start_run``), not
through the registry's client that words a refusal: behind a proxy that lets reads through and
answers a write 401 as MLflow's basic-auth app does (mlflow 3.17.2 ``mlflow/server/auth/__init__.py``
``make_basic_auth_response``), or for a user who may only read (403, ``make_forbidden_response``),
the window's record was an MlflowException quoting the server's body ("API request to endpoint
/api/2.0/mlflow/runs/create failed with error code 401 != 200. Response body: 'You are not
authenticated. Please see ...'"), after the window had been judged. Now it is one line naming the
variables that carry credentials, never their values."""

from __future__ import annotations

import os
import uuid
from http.server import ThreadingHTTPServer

import pandas as pd
import pytest

from ctloop.errors import RegistryError
from ctloop.monitoring.store import MonitoringStore
from ctloop.registry import MlflowRegistry
from tests.integration.registry_support import proxy
from tests.integration.test_r38_registry_auth import SECRET, _auth_proxy

pytestmark = pytest.mark.slow

BODY = (b"You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html"
        b"#authenticating-to-mlflow on how to authenticate.")


def _reads_only(upstream: str) -> ThreadingHTTPServer:
    """Reads pass without credentials; any write is answered 401."""

    def answer(request, path, body):
        if request.command != "GET" and not path.endswith("/search"):
            return 401, {"WWW-Authenticate": 'Basic realm="mlflow"'}, BODY
        return None

    return proxy(upstream, answer)


@pytest.fixture
def model(mlflow_url, monkeypatch):
    for key in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    name = f"r39-store-{uuid.uuid4().hex[:8]}"
    MonitoringStore(MlflowRegistry(mlflow_url).client, name).experiment_id()  # the experiment exists
    return name


def _refused(server: ThreadingHTTPServer, name: str) -> str:
    """The RegistryError's text of a window record through ``server`` (closed after)."""
    try:
        with pytest.raises(RegistryError) as info:
            MonitoringStore(MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}").client, name).record(
                window_end=pd.Timestamp("2026-12-01T00:00Z"), metrics={"rows": 10.0}, tags={}, retrain=False,
                rule="", reason="no rule fired", metric="", warnings=[])
    finally:
        server.shutdown()
        server.server_close()
    return str(info.value)


def test_a_window_record_refused_401_is_one_line(mlflow_url, model):
    text = _refused(_reads_only(mlflow_url), model)
    assert "\n" not in text and "401" in text and "MLFLOW_TRACKING_TOKEN" in text, text
    assert "You are not authenticated" not in text and "Response body" not in text, text


def test_a_window_record_refused_403_names_the_user_not_the_password(mlflow_url, model, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "reader")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", SECRET)
    text = _refused(_auth_proxy(mlflow_url), model)
    assert "\n" not in text and "403" in text and "'reader'" in text, text
    assert SECRET not in text and "Response body" not in text, text
    assert os.environ.get("MLFLOW_RUN_ID") is None

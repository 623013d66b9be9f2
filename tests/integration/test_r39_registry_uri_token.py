"""A token given as the tracking URI's user name, ``http://TOKEN@mlflow:5000`` (the way many token
gateways take one; ``requests`` sends it as basic auth with an empty password, requests 2.x
``utils.get_auth_from_url``): every message showed it, as ``http://TOKEN@...`` and as "it refused
user 'TOKEN' from the tracking URI". It is masked like a password now: ``http://***@mlflow:5000``."""

from __future__ import annotations

import pytest

from ctloop import tracking
from tests.fixtures.servers import dead_port
from tests.helpers import run_main
from tests.integration.test_r38_registry_auth import _auth_proxy

pytestmark = pytest.mark.slow

TOKEN = "tok-9f8e7d6c5b4a"


def test_an_unreachable_uri_with_a_token_hides_it(monkeypatch, capsys):
    monkeypatch.setattr(tracking, "PREFLIGHT_PAUSE_S", 0.0)
    uri = f"http://{TOKEN}@127.0.0.1:{dead_port()}"
    code, out, err = run_main(["registry", "status", "--model-name", "m", "--tracking-uri", uri], capsys, 60)
    assert code == 2, err
    assert TOKEN not in err and "http://***@127.0.0.1" in err and "not answering" in err, err


def test_a_refused_token_is_not_named(mlflow_url, monkeypatch, capsys):
    for key in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    server = _auth_proxy(mlflow_url)
    try:
        uri = f"http://{TOKEN}@127.0.0.1:{server.server_address[1]}"
        code, out, err = run_main(["registry", "status", "--model-name", "m", "--tracking-uri", uri], capsys, 60)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 2, (out, err)
    assert "401" in err and "user name of the tracking URI" in err and "http://***@127.0.0.1" in err, err
    assert TOKEN not in out + err, err


def test_a_url_quoting_the_token_hides_it():
    """MLflow's message for a request that got no answer names the URL it sent (mlflow 3.17.2
    ``mlflow/utils/rest_utils.py`` ``http_request``: "API request to {url} failed with exception")."""
    uri = f"http://{TOKEN}@mlflow:5000"
    text = f"API request to {uri}/api/2.0/mlflow/registered-models/get failed with exception"
    assert tracking.hide_password(text, uri) == text.replace(TOKEN, "***")
    assert tracking.display_uri(uri) == "http://***@mlflow:5000"
    assert tracking.restore_command(uri, "7").count(TOKEN) == 0

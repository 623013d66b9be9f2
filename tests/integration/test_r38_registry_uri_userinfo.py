"""A tracking URI holding basic-auth credentials, ``http://user:password@host:5000``: MLflow's client
passes it to ``requests``, which sends them as basic auth (requests 2.x ``sessions.py``
``prepare_request``: ``get_auth_from_url``). ctloop's preflight probe used ``urllib``, which takes
``user:password@host`` for the host name: a server that answered was reported "not answering
([Errno -2] Name or service not known)" after three attempts, the password printed in every line.
Now the probe goes to the host, and messages show the URI as ``http://user:***@host``."""

from __future__ import annotations

import uuid

import pytest

from ctloop import tracking
from ctloop.registry import MlflowRegistry
from tests.fixtures.servers import dead_port
from tests.helpers import run_main
from tests.integration.registry_support import log_small_model

pytestmark = pytest.mark.slow

PASSWORD = "hunter2-Pw"


def test_a_uri_with_credentials_reaches_the_server(mlflow_url, capsys):
    _, run_id, uri, _ = log_small_model(mlflow_url, f"r38-userinfo-{uuid.uuid4().hex[:6]}")
    name = f"r38-userinfo-{uuid.uuid4().hex[:8]}"
    MlflowRegistry(mlflow_url).register(name, model_uri=uri, run_id=run_id, tags={})
    with_user = mlflow_url.replace("http://", f"http://admin:{PASSWORD}@")
    code, out, err = run_main(["registry", "status", "--model-name", name, "--tracking-uri", with_user], capsys, 60)
    assert code == 0, err
    assert PASSWORD not in err


def test_an_unreachable_uri_with_credentials_hides_the_password(monkeypatch, capsys):
    monkeypatch.setattr(tracking, "PREFLIGHT_PAUSE_S", 0.0)
    uri = f"http://admin:{PASSWORD}@127.0.0.1:{dead_port()}"
    code, out, err = run_main(["registry", "status", "--model-name", "m", "--tracking-uri", uri], capsys, 60)
    assert code == 2, err
    assert PASSWORD not in err and "admin:***@127.0.0.1" in err and "not answering" in err, err


def test_a_server_gone_mid_promotion_does_not_print_the_password(mlflow_url, monkeypatch):
    """MLflow's own message for a request that got no answer names the URL it sent, userinfo and all
    (mlflow 3.17.2 ``mlflow/utils/rest_utils.py`` ``http_request``: "API request to {url} failed with
    exception ..."); ctloop's RegistryError carried it on."""
    from urllib.parse import urlparse

    from ctloop.errors import RegistryError
    from tests.fixtures.cutting_proxy import CuttingProxy

    _, run_id, uri, _ = log_small_model(mlflow_url, f"r38-userinfo-{uuid.uuid4().hex[:6]}")
    name = f"r38-userinfo-{uuid.uuid4().hex[:8]}"
    direct = MlflowRegistry(mlflow_url)
    for _ in range(2):
        direct.register(name, model_uri=uri, run_id=run_id, tags={})
    proxy = CuttingProxy(urlparse(mlflow_url).port, cut=lambda w: w.body.get("alias") == "champion", when="before")
    # the dead server's refusals are not retried (as in test_promotion_protocol.py): MLflow's message
    # for a request that got no answer is the same after 0 retries, without the backoff sleeps
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    try:
        reg = MlflowRegistry(proxy.url.replace("http://", f"http://admin:{PASSWORD}@"), lease_s=1)
        with pytest.raises(RegistryError) as info:
            reg.promote(name, "2", reason="cut")
    finally:
        proxy.close()
    assert PASSWORD not in str(info.value) and "admin:***@" in str(info.value), str(info.value)

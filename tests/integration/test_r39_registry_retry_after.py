"""MLflow (or a gateway in front of it) answering 429 or 503 with ``Retry-After``: MLflow's client
retries such answers through urllib3, which sleeps for whatever ``Retry-After`` says, capped only at
six hours (urllib3 2.x ``util/retry.py`` ``Retry.DEFAULT_RETRY_AFTER_MAX`` = 21600, ``sleep_for_retry``;
mlflow 3.17.2 ``utils/request_utils.py`` ``respect_retry_after_header=True`` unless
``MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER`` says otherwise). ctloop bounds every call to under a minute
(``ctloop.tracking.HTTP_ENV``): a ``Retry-After: 3600`` made ``ctloop registry status`` sleep an hour
per retry instead. Now the retry follows ctloop's own backoff (1 s, 2 s), and an answer still 429
after the retries is one line."""

from __future__ import annotations

import uuid

import pytest

from ctloop.registry import MlflowRegistry
from tests.helpers import run_main
from tests.integration.registry_support import log_small_model, proxy

pytestmark = pytest.mark.slow


def _busy(upstream: str, *, times: int, status: int):
    """Answers the first ``times`` API requests ``status`` with ``Retry-After: 3600``, then forwards."""
    busy: list[str] = []

    def answer(request, path, body):
        if request.path.startswith("/api/") and len(busy) < times:
            busy.append(request.path)
            return (status, {"Retry-After": "3600", "Content-Type": "text/html"},
                    b"<html><body><h1>Too busy</h1>\n<p>Come back later.</p></body></html>")
        return None

    return proxy(upstream, answer), busy


@pytest.fixture(scope="module")
def model(mlflow_url):
    _, run_id, uri, _ = log_small_model(mlflow_url, f"r39-busy-{uuid.uuid4().hex[:6]}")
    name = f"r39-busy-{uuid.uuid4().hex[:8]}"
    MlflowRegistry(mlflow_url).register(name, model_uri=uri, run_id=run_id, tags={})
    return name


@pytest.fixture
def unset(monkeypatch):
    monkeypatch.delenv("MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER", raising=False)


@pytest.mark.parametrize("status", [429, 503])
def test_a_retry_after_of_an_hour_is_not_slept(mlflow_url, model, unset, capsys, status):
    server, busy = _busy(mlflow_url, times=1, status=status)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code, out, err = run_main(["registry", "status", "--model-name", model, "--tracking-uri", url], capsys, 40)
    finally:
        server.shutdown()
        server.server_close()
    assert busy and code == 0, (code, out, err)
    assert f"{model}: champion" in out, out


def test_still_busy_after_the_retries_is_one_line(mlflow_url, model, unset, capsys):
    server, busy = _busy(mlflow_url, times=100, status=429)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code, out, err = run_main(["registry", "status", "--model-name", model, "--tracking-uri", url], capsys, 40)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 2 and len(busy) == 3, (code, busy, err)  # ctloop's 2 retries (HTTP_ENV)
    assert len(err.strip().splitlines()) == 1 and "429" in err, err

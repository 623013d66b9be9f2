"""A real ``mlflow server`` behind a gateway that refuses chosen writes with 403 (an auth app whose
user lacks the permission: mlflow 3.17.2 ``mlflow/server/auth/__init__.py`` answers
PERMISSION_DENIED, HTTP 403). ctloop's registry client (``registry._Client``) words a refusal as a
``RegistryError``: best-effort writes must swallow that as they swallowed the ``MlflowException``."""

from __future__ import annotations

import copy
import threading
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from mlflow import MlflowClient

from ctloop.monitoring import trigger
from ctloop.monitoring.store import SEQ_TAG, SEQ_WIDTH, MonitoringStore
from ctloop.registry import MlflowRegistry

pytestmark = pytest.mark.slow

REFUSED = b'{"error_code": "PERMISSION_DENIED", "message": "Permission denied"}'


def gateway(upstream: str, *, refuse: tuple[str, ...] = (), fail_once: str = ""):
    """Forwards to ``upstream``; a request whose path ends with one of ``refuse`` is answered 403
    without reaching it; the first ending with ``fail_once`` is applied and answered 503."""
    seen: list[str] = []
    failed: list[bool] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def _serve(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?")[0]
            seen.append(f"{self.command} {path}")
            if path.endswith(refuse) and refuse:
                status, data = 403, REFUSED
            else:
                request = urllib.request.Request(upstream + self.path, data=body if self.command != "GET" else None,
                                                 method=self.command,
                                                 headers={"Content-Type": self.headers.get("Content-Type", "")})
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, data = answer.status, answer.read()
                except urllib.error.HTTPError as exc:
                    status, data = exc.code, exc.read()
                if fail_once and path.endswith(fail_once) and not failed:
                    failed.append(True)
                    status, data = 503, b"<html><body>503 Service Temporarily Unavailable</body></html>"
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def test_a_refused_completion_of_a_half_mark_still_answers_the_started_run(mlflow_url):
    model = f"fix38e-trig-{uuid.uuid4().hex[:6]}"
    direct = MlflowClient(mlflow_url)
    exp = direct.create_experiment(f"{model}-monitoring")
    run = direct.create_run(exp, tags={"triggered": "pending", "kfp_run": "kfp-123", "window_end": "w1",
                                       SEQ_TAG: "1".zfill(SEQ_WIDTH)})
    server, seen = gateway(mlflow_url, refuse=("/runs/set-tag",))
    try:
        store = MonitoringStore(MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}").client, model)
        assert trigger._already_started(store, run.info.run_id) == "kfp-123"
    finally:
        server.shutdown()
        server.server_close()
    assert "POST /api/2.0/mlflow/runs/set-tag" in seen  # the completion was tried, and refused


def test_a_refused_read_of_the_window_is_no_started_run(mlflow_url):
    server, _ = gateway(mlflow_url, refuse=("/runs/get",))
    try:
        store = MonitoringStore(MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}").client, "m")
        assert trigger._already_started(store, uuid.uuid4().hex) == ""
    finally:
        server.shutdown()
        server.server_close()


def test_the_registry_client_survives_copy(mlflow_url):
    client = MlflowRegistry(mlflow_url).client
    copied = copy.copy(client)
    assert copied.tracking_uri == client.tracking_uri

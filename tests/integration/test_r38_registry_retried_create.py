"""A gateway in front of a real ``mlflow server`` that answers 503 to a write the server has
applied (an ingress timing out while MLflow commits). MLflow's client retries every method on
408/429/500/502/503/504, POST included (mlflow 3.17.2 ``mlflow/utils/request_utils.py``
``_TRANSIENT_FAILURE_RESPONSE_CODES``, ``allowed_methods=None``), so a retried
``model-versions/create`` makes a second version of one registration: ``register`` answered v2 while
v1, the same run with the same lineage tags, was left beside it as an orphan gate-approved version.
Now one registration leaves one version."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ctloop.registry import CHALLENGER, MlflowRegistry
from tests.integration.registry_support import log_small_model

pytestmark = pytest.mark.slow


def _gateway(upstream: str, fail_once: str) -> tuple[ThreadingHTTPServer, list[str]]:
    """Forwards everything; the first request whose path ends with ``fail_once`` is applied upstream
    and answered 503. Returns the server and the paths it saw."""
    seen: list[str] = []
    failed: list[bool] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def _serve(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?")[0]
            seen.append(f"{self.command} {path}")
            request = urllib.request.Request(upstream + self.path, data=body if self.command != "GET" else None,
                                             method=self.command,
                                             headers={"Content-Type": self.headers.get("Content-Type", "")})
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status, data = answer.status, answer.read()
            except urllib.error.HTTPError as exc:
                status, data = exc.code, exc.read()
            if path.endswith(fail_once) and not failed:
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


def test_a_retried_version_create_leaves_one_version(mlflow_url):
    _, run_id, uri, _ = log_small_model(mlflow_url, f"r38-retry-{uuid.uuid4().hex[:6]}")
    name = f"r38-retry-{uuid.uuid4().hex[:8]}"
    server, seen = _gateway(mlflow_url, "/model-versions/create")
    try:
        reg = MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}")
        mv = reg.register(name, model_uri=uri, run_id=run_id, tags={"ctloop.gate_decision": "approved"})
    finally:
        server.shutdown()
        server.server_close()
    assert seen.count("POST /api/2.0/mlflow/model-versions/create") == 2, seen  # the retry happened
    direct = MlflowRegistry(mlflow_url)
    versions = direct.versions(name)
    assert [v.version for v in versions] == [mv.version], [(v.version, v.tags) for v in versions]
    assert direct.aliases(name) == {CHALLENGER: mv.version}
    assert mv.tags["ctloop.gate_decision"] == "approved"

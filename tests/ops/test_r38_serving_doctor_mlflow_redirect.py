"""``ctloop doctor``'s MLflow line searched experiments with ``MLFLOW_TRACKING_TOKEN`` (or basic
auth) through urllib's default redirect handler, which copies the Authorization header to
wherever a 3xx points (CPython 3.11 ``urllib/request.py`` ``HTTPRedirectHandler.redirect_request``):
a tracking URI behind a proxy that redirects to another host or port (an SSO login) was sent the
token. The tasks' MLflow client does not: it talks through a ``requests`` session, which drops the
Authorization header on a redirect to another host, port or scheme, http→https on the default
ports aside (requests 2.33.0 ``sessions.py`` ``SessionRedirectMixin.should_strip_auth``). Doctor
now follows redirects by the same rule.

The MLflow server that redirects and the one redirected to are doubles (a real MLflow server does
not redirect its API); the cluster is the API doubles of tests/ops/test_doctor.py.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from tests.fixtures.servers import SHUTDOWN_POLL_S, QuietServer
from tests.ops.test_doctor import cluster  # noqa: F401 - fixtures

TOKEN = "mlflow-token-never-elsewhere"  # noqa: S105 - a test token


class _Recorder(BaseHTTPRequestHandler):
    """Answers /health and the experiments search; a ``redirect_to`` server sends the search there."""

    def log_message(self, *args):
        return

    def do_GET(self):
        self.server.seen.append((self.path.split("?")[0], self.headers.get("Authorization")))
        if self.path.startswith("/api/2.0/mlflow/experiments/search") and self.server.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"OK" if self.path == "/health" else json.dumps({"experiments": []}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def servers():
    started = []

    def start(redirect_to: str = "") -> tuple[str, QuietServer]:
        server = QuietServer(("127.0.0.1", 0), _Recorder)
        server.seen, server.redirect_to = [], redirect_to
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()
        started.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def test_a_redirect_to_another_port_does_not_carry_the_token(cluster, servers, capsys, monkeypatch):  # noqa: F811
    from ctloop.cli import main

    elsewhere, other = servers()
    tracking, proxy = servers(redirect_to=elsewhere)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", TOKEN)
    main(cluster.argv("--tracking-uri", tracking))
    out = capsys.readouterr().out
    assert proxy.seen == [("/health", None), ("/api/2.0/mlflow/experiments/search", f"Bearer {TOKEN}")]
    assert other.seen == [("/api/2.0/mlflow/experiments/search", None)]  # was f"Bearer {TOKEN}"
    assert TOKEN not in out


@pytest.mark.parametrize(("old", "new", "strip"), [
    ("http://mlflow.example.com/api", "http://sso.example.com/login", True),      # another host
    ("http://127.0.0.1:5000/api", "http://127.0.0.1:5001/api", True),             # another port
    ("https://mlflow.example.com/api", "http://mlflow.example.com/api", True),    # https -> http
    ("http://mlflow.example.com/api", "https://mlflow.example.com/api", False),   # the default-port upgrade
    ("http://mlflow.example.com/api", "http://mlflow.example.com:80/x", False),   # the same origin
    ("https://mlflow.example.com:8443/a", "https://mlflow.example.com:8443/b", False),
])
def test_the_rule_is_requests_should_strip_auth(old, new, strip):
    from requests.sessions import SessionRedirectMixin

    from ctloop.ops.doctor import _strip_auth

    assert SessionRedirectMixin().should_strip_auth(old, new) is strip
    assert _strip_auth(old, new) is strip

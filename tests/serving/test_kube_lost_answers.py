"""InferenceServices through the real ``kubernetes`` client (built by ``load_api_client`` from a
kubeconfig) against a **double** of the API server whose answers get lost: the request arrives
(and a PATCH is applied), the answer does not come within the read timeout.

- A lost PATCH answer used to end deploy/promote/rollback with "the API server did not answer"
  while the spec had changed. A JSON merge patch applied twice is applied once (RFC 7386), so it
  is sent again.
- urllib3 2.x's default ``Retry(3)`` re-sent a GET whose read timed out three more times
  (``urllib3/util/retry.py`` ``DEFAULT_ALLOWED_METHODS`` holds GET, not PATCH): one poll of
  ``wait_for`` took four read timeouts, past its deadline.
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.errors import ServingUnreachable
from ctloop.serving import isvc as specs
from ctloop.serving.kube import InferenceServices, load_api_client
from tests.doubles.kube_api import write_kubeconfig
from tests.fixtures.servers import InThreadServer


class LossyApiServer:
    """Double of the API server's custom-object endpoints for one InferenceService: applies merge
    patches (as ``kubectl patch --type merge``); ``stall`` requests (by method) are answered only
    after ``delay`` seconds, when the client has given up."""

    def __init__(self):
        self.obj = {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
                    "metadata": {"name": "credit", "namespace": "ml"}, "spec": {"predictor": {}}}
        self.seen: list[str] = []
        self.stall: dict[str, int] = {}
        self.drop: dict[str, int] = {}  # requests answered by closing the connection
        self.delay = 1.5
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                api.seen.append(self.command)
                if api.drop.get(self.command, 0) > 0:
                    api.drop[self.command] -= 1
                    self.close_connection = True
                    self.connection.close()
                    return
                if self.command == "PATCH":
                    body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                    api.obj = specs.merge_patch(api.obj, body)
                if api.stall.get(self.command, 0) > 0:
                    api.stall[self.command] -= 1
                    time.sleep(api.delay)
                data = json.dumps(api.obj).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client hung up
                    pass

            do_GET = do_PATCH = _answer

            def log_message(self, *args):
                pass

        self.http = InThreadServer(Handler).start()
        self.url = self.http.root_url

    def close(self):
        self.http.close()


@pytest.fixture
def api(tmp_path, monkeypatch):
    server = LossyApiServer()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server.url)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    yield server, InferenceServices("ml", api_client=load_api_client(kubeconfig), request_timeout_s=0.5)
    server.close()


def test_a_patch_whose_answer_was_lost_is_sent_again(api):
    server, isvcs = api
    server.stall["PATCH"] = 1
    out = isvcs.patch("credit", specs.traffic_patch(10))
    assert out["spec"]["predictor"]["canaryTrafficPercent"] == 10
    assert server.seen == ["PATCH", "PATCH"]


def test_a_patch_that_never_gets_an_answer_still_fails_in_one_line(api):
    server, isvcs = api
    server.stall["PATCH"] = 10
    with pytest.raises(ServingUnreachable, match="did not answer") as err:
        isvcs.patch("credit", specs.promote_patch())
    assert "\n" not in str(err.value) and server.seen == ["PATCH"] * 3


def test_a_get_whose_answer_is_late_is_sent_once(api):
    """wait_for polls on after an unanswered GET while it has time; urllib3 must not re-send it."""
    server, isvcs = api
    server.stall["GET"] = 10
    with pytest.raises(ServingUnreachable):
        isvcs.get("credit")
    assert server.seen == ["GET"]


def test_a_get_on_a_connection_the_server_closed_is_sent_again(api):
    """Review C: urllib3 counts a kept-alive connection closed by the server (RemoteDisconnected) as
    a read error, which api_retries() does not retry: one stale connection after a long canary
    interval failed the step."""
    server, isvcs = api
    server.drop["GET"] = 1
    assert isvcs.get("credit")["metadata"]["name"] == "credit"
    assert server.seen == ["GET", "GET"]


def test_a_patch_to_a_server_that_refuses_connections_is_not_sent_again(tmp_path, monkeypatch):
    """Review C: urllib3 retried the connection already; re-sending only multiplied the wait."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{probe.getsockname()[1]}")
        monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
        isvcs = InferenceServices("ml", api_client=load_api_client(kubeconfig), request_timeout_s=0.5)
        calls = []
        real = isvcs._call
        monkeypatch.setattr(isvcs, "_call", lambda what, fn: calls.append(what) or real(what, fn))
        with pytest.raises(ServingUnreachable):
            isvcs.patch("credit", specs.promote_patch())
    assert len(calls) == 1

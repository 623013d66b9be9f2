"""Reads of a rollout step keep asking within the step's deadline (review G of round 46).

A refused or reset connection (``ServingUnreachable``) on a GET failed the step at once although
the docs said every read of a step asks again until its deadline; a 429 answered
``Retry-After: 0`` was asked again with no pause at all (some 20 GETs a second). A real HTTP
server on 127.0.0.1 answers (no double: only the transport is under test)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kubernetes import client

from ctloop.errors import ServingError, ServingUnreachable
from ctloop.serving import kube
from tests.fixtures.servers import SHUTDOWN_POLL_S

ISVC = {
    "apiVersion": "serving.kserve.io/v1beta1",
    "kind": "InferenceService",
    "metadata": {"name": "credit", "namespace": "ml"},
}
REVISION = {
    "apiVersion": "serving.knative.dev/v1",
    "kind": "Revision",
    "metadata": {
        "name": "credit-predictor-00001",
        "namespace": "ml",
        "annotations": {kube.SOURCE_URI_ANNOTATION: "gs://models/v1"},
    },
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    throttle = False
    hits: list[float] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits.append(time.monotonic())
        if type(self).throttle:
            self._send(
                429, {"kind": "Status", "message": "Too many requests"}, {"Retry-After": "0"}
            )
            return
        self._send(200, REVISION if "/revisions/" in self.path else ISVC)

    def _send(self, code, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(code)
        for key, value in {
            "Content-Type": "application/json",
            "Content-Length": str(len(data)),
            **(headers or {}),
        }.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _isvcs(port: int, retries=None) -> kube.InferenceServices:
    cfg = client.Configuration()
    cfg.host = f"http://127.0.0.1:{port}"
    cfg.retries = kube.api_retries() if retries is None else retries
    return kube.InferenceServices("ml", client.ApiClient(cfg), request_timeout_s=5)


def _serve_later(port: int, after_s: float, handler) -> tuple[threading.Thread, list]:
    box: list = []

    def run():
        time.sleep(after_s)
        srv = ThreadingHTTPServer(("127.0.0.1", port), handler)
        box.append(srv)
        srv.serve_forever(poll_interval=SHUTDOWN_POLL_S)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


@pytest.fixture
def handler():
    class H(_Handler):
        throttle = False
        hits: list[float] = []

    return H


@pytest.mark.parametrize("read", ["get", "revision_source"])
def test_refused_read_is_asked_again_until_the_step_deadline(handler, read):
    # the API server is restarting: connections are refused for 0.6 s, then it answers. urllib3's
    # own connect retries are off here (Retry(0)), so that the step's own asking is what is tested
    port = _free_port()
    _, box = _serve_later(port, 0.6, handler)
    isvcs = _isvcs(port, retries=0)
    try:
        with kube.step_deadline(time.monotonic() + 5):
            if read == "get":
                assert isvcs.get("credit")["metadata"]["name"] == "credit"
            else:
                assert isvcs.revision_source("credit-predictor-00001") == "gs://models/v1"
    finally:
        for srv in box:
            srv.shutdown()
            srv.server_close()


def test_refused_read_outside_a_step_and_past_the_deadline_still_fails():
    port = _free_port()  # nothing ever listens
    isvcs = _isvcs(port, retries=0)
    start = time.monotonic()
    with pytest.raises(ServingUnreachable, match="Connection refused"):
        isvcs.get("credit")  # no deadline (ctloop rollout status): one quick answer
    assert time.monotonic() - start < 1
    start = time.monotonic()
    with pytest.raises(
        ServingUnreachable, match=r"asked \d+ times over 1 s, until the step's deadline"
    ):
        with kube.step_deadline(time.monotonic() + 0.8):
            isvcs.get("credit")
    assert 0.7 < time.monotonic() - start < 2


def test_throttled_with_retry_after_zero_backs_off(handler):
    handler.throttle = True
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()
    try:
        isvcs = _isvcs(srv.server_address[1])
        with pytest.raises(ServingError, match="HTTP 429"):
            with kube.step_deadline(time.monotonic() + 1.5):
                isvcs.get("credit")
    finally:
        srv.shutdown()
        srv.server_close()
    # 3 quick tries (get's own), then 0.2 s doubled: about 6 in 1.5 s; before, some 30
    assert len(handler.hits) <= 8, len(handler.hits)
    gaps = [b - a for a, b in zip(handler.hits[3:], handler.hits[4:], strict=False)]
    assert all(g >= 0.15 for g in gaps), gaps

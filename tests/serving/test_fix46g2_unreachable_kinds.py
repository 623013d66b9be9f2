"""Only a refused or reset connection is asked again within a step's deadline (review 2G of round 46).

Every urllib3 error was ``ServingUnreachable`` and asked again until the step's deadline (600 s by
default): a kubeconfig naming a wrong scheme, host or CA hung the step instead of failing at once.
And urllib3's own connect retries (``api_retries``: ~1.2 s of backoff per refused request) took the
last try past the deadline. Exceptions are built as urllib3 2.7.0 raises them
(``connection.py`` ``_new_conn``: ``NameResolutionError(host, self, e) from e``,
``NewConnectionError(self, ...) from e``; ``connectionpool.py``: ``ProtocolError("Connection
aborted.", err)``; ``util/retry.py`` ``increment``: ``MaxRetryError(pool, url, reason) from reason``)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from kubernetes import client
from urllib3 import exceptions as u3
from urllib3.connection import HTTPSConnection

from ctloop.errors import ServingUnreachable
from ctloop.serving import kube


def _unreachable(reason: BaseException, cause: BaseException | None = None) -> ServingUnreachable:
    if cause is not None:
        reason.__cause__ = cause
    err = u3.MaxRetryError(None, "/apis", reason)
    exc = ServingUnreachable("get InferenceService ml/credit: the API server did not answer")
    exc.__cause__ = err
    return exc


CONN = HTTPSConnection("api.example.invalid", 443)
KINDS = {
    "refused": (
        _unreachable(
            u3.NewConnectionError(CONN, "refused"), ConnectionRefusedError(111, "refused")
        ),
        True,
    ),
    "reset": (
        _unreachable(u3.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))),
        True,
    ),
    "name-resolution": (
        _unreachable(
            u3.NameResolutionError("api.example.invalid", CONN, socket.gaierror(-2, "unknown")),
            socket.gaierror(-2, "unknown"),
        ),
        False,
    ),
    "ssl": (_unreachable(u3.SSLError("certificate verify failed")), False),
    "proxy": (_unreachable(u3.ProxyError("Unable to connect to proxy", OSError("x"))), False),
    "location": (_unreachable(u3.LocationParseError("https://[api")), False),
    "connect-timeout": (_unreachable(u3.ConnectTimeoutError(CONN, "timed out")), False),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_only_refused_and_reset_are_asked_again(kind):
    exc, again = KINDS[kind]
    pause = kube._pause_until(exc, 1, time.monotonic() + 60)
    assert (pause is not None) is again


def _plain_server() -> tuple[socket.socket, threading.Thread]:
    # speaks plain HTTP where the kubeconfig says https: the TLS handshake fails (SSLError)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def run():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return srv, t


def _isvcs(host: str) -> kube.InferenceServices:
    cfg = client.Configuration()
    cfg.host = host
    cfg.retries = kube.api_retries()
    return kube.InferenceServices("ml", client.ApiClient(cfg), request_timeout_s=5)


def test_a_wrong_scheme_fails_at_once_within_a_step():
    srv, _ = _plain_server()
    try:
        isvcs = _isvcs(f"https://127.0.0.1:{srv.getsockname()[1]}")
        start = time.monotonic()
        with pytest.raises(ServingUnreachable, match="SSLError") as err:
            with kube.step_deadline(time.monotonic() + 4):
                isvcs.get("credit")
        assert time.monotonic() - start < 1.5
        assert "until the step's deadline" not in str(err.value)
        start = time.monotonic()
        with pytest.raises(ServingUnreachable, match="SSLError"):
            kube.wait_for(isvcs, "credit", lambda _: True, what="ready", timeout_s=4, poll_s=0.1)
        assert time.monotonic() - start < 1.5
    finally:
        srv.close()


def test_refused_reads_end_by_the_deadline():
    # urllib3's own connect retries make one refused request take ~1.2 s: the last try is not
    # started when it cannot end by the deadline (9.2 s for a deadline of 8 s before)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    isvcs = _isvcs(f"http://127.0.0.1:{port}")
    start = time.monotonic()
    with pytest.raises(
        ServingUnreachable, match=r"asked \d+ times over \d+ s, until the step's deadline"
    ):
        with kube.step_deadline(start + 3):
            isvcs.get("credit")
    assert time.monotonic() - start <= 3.1


def test_asked_again_then_another_failure_does_not_blame_the_deadline():
    # refused for 0.3 s (asked again), then the port answers plain HTTP to https: the SSLError ends
    # the asking long before the deadline, and the message says so
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box: list = []

    def later():
        time.sleep(0.3)
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))
        srv.listen(8)
        box.append(srv)
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=later, daemon=True).start()
    cfg = client.Configuration()
    cfg.host = f"https://127.0.0.1:{port}"
    cfg.retries = 0  # the step's own asking only
    isvcs = kube.InferenceServices("ml", client.ApiClient(cfg), request_timeout_s=5)
    try:
        with pytest.raises(ServingUnreachable, match=r"SSLError.*\(asked \d+ times over \d+ s\)$"):
            with kube.step_deadline(time.monotonic() + 5):
                isvcs.get("credit")
    finally:
        for srv in box:
            srv.close()


def _closing_server() -> socket.socket:
    # accepts, then closes before the TLS handshake: what a TCP load balancer in front of a
    # restarting API server answers (SSLError UNEXPECTED_EOF_WHILE_READING)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def run():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=run, daemon=True).start()
    return srv


@pytest.mark.parametrize(
    ("kind", "wrong"),
    [
        ("name-resolution", True),
        ("location", True),
        ("ssl", True),  # certificate verify failed
        ("refused", False),
        ("reset", False),
        ("connect-timeout", False),
        ("proxy", False),
    ],
)
def test_a_wait_fails_at_once_only_on_a_wrong_kubeconfig(kind, wrong):
    # final review F3: fix46g2 ended a wait at once on a connect timeout or a closed TLS handshake,
    # which a control plane restarting behind a load balancer gives for a while
    assert kube._wrong_config(KINDS[kind][0]) is wrong


def test_a_wait_polls_on_over_a_closed_handshake():
    srv = _closing_server()
    try:
        isvcs = _isvcs(f"https://127.0.0.1:{srv.getsockname()[1]}")
        polls = []
        real_get = isvcs.get

        def counted(name):
            polls.append(name)
            return real_get(name)

        isvcs.get = counted
        with pytest.raises(ServingUnreachable, match="EOF|closed|reset") as err:
            kube.wait_for(isvcs, "credit", lambda _: True, what="ready", timeout_s=2, poll_s=0.1)
        assert len(polls) > 1, err.value  # asked again, not ended at the first closed handshake
    finally:
        srv.close()

"""A second SIGTERM during a rollback's cleanup was ignored for 30-90 s, not "at most 2 s".

``rollout.UNSTAGE_DEADLINE_S`` bounded only the cleanup's retries (``rollout._unstage_after``):
each request still had the client's 30 s timeout (``InferenceServices.request_timeout_s``), and
``InferenceServices.patch`` sent a PATCH whose answer did not come twice more. Against an API server
that accepts the connection and never answers, the cleanup ran 30-90 s with SIGTERM ignored
(review 2B of round 48). Now each request of the cleanup ends by its deadline
(``kube.request_deadline``) and a PATCH is not sent again past it; a second SIGTERM is ignored
only for ``UNSTAGE_DEADLINE_S`` after the first, then it ends the process as the default action.

The "server" is a socket that listens and never accepts (the kernel completes the handshake from
its backlog): the real ``kubernetes`` client connects and waits for an answer."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices, api_retries
from ctloop.sigterm import sigterm_raises
from tests.serving import test_r48_serving_sigterm_rollback as r48
from tests.serving.test_r48_serving_sigterm_rollback import NAME, NS

staged = r48.staged  # the fixture: v3 staged at 0 %, its deploy stopped; v1 serves


@pytest.fixture
def hole():
    """The URL of a server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(50)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


class Hung:
    """``isvcs`` whose API server stops answering before the cleanup's GET, or its PATCH."""

    def __init__(self, isvcs, hole, when):
        self.isvcs, self.namespace, self.hole, self.when = isvcs, isvcs.namespace, hole, when

    def __getattr__(self, attr):
        return getattr(self.isvcs, attr)

    def _stop(self, now):
        if now == self.when:
            self.isvcs.api.api_client.configuration.host = self.hole

    def get(self, *args, **kwargs):
        self._stop("get")
        return self.isvcs.get(*args, **kwargs)

    def patch(self, name, patch):
        self._stop("patch")
        return self.isvcs.patch(name, patch)


@pytest.mark.parametrize("when", ["get", "patch"])
def test_the_cleanup_keeps_to_its_deadline_when_the_server_never_answers(
    staged, hole, monkeypatch, when
):
    kube, _isvcs = staged
    monkeypatch.setattr(rollout, "UNSTAGE_DEADLINE_S", 0.5)
    from kubernetes import client

    cfg = client.Configuration()
    cfg.host, cfg.retries = kube.url, api_retries()  # as load_api_client
    isvcs = InferenceServices(NS, api_client=client.ApiClient(cfg), request_timeout_s=3)
    read = isvcs.get(NAME)
    start = time.monotonic()
    rollout._unstage_after(Hung(isvcs, hole, when), NAME, read, ServingError("the restore failed"))
    took = time.monotonic() - start
    # before: 3 s (one GET's timeout) or 9 s (the PATCH sent three times)
    assert took < 1.5, took


def test_a_second_sigterm_past_the_window_ends_the_process():
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            with sigterm_raises(SystemExit, then=signal.SIG_IGN, ignore_for=0.3):
                try:
                    os.kill(os.getpid(), signal.SIGTERM)
                    time.sleep(1)
                except SystemExit:
                    os.kill(os.getpid(), signal.SIGTERM)  # within the window: ignored
                    time.sleep(0.5)
                    os.kill(os.getpid(), signal.SIGTERM)  # past it: the default action
                    time.sleep(2)
                    os._exit(7)
        except BaseException:  # noqa: BLE001 - reported through the exit status
            os._exit(99)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM, status

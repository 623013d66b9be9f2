"""A throttled (429) or briefly failing (5xx) Kubernetes API no longer ends a rollout step.

The API server's priority and fairness rejects requests over a priority level's share with 429
before any handler runs, with a ``Retry-After`` of 1 s doubled up to 32 s while the level keeps
dropping (k8s.io/apiserver ``pkg/server/filters/priority-and-fairness.go``,
``pkg/util/flowcontrol/dropped_requests_tracker.go``; maxinflight.go's ``tooManyRequests`` writes
the plain-text body "Too many requests, please try again later."); client-go sends them again after
that pause, the Python client does not. ctloop's writes and reads turned a 429 into a ServingError
at once: a deploy on a busy cluster failed its patch, and one throttled poll among the hundreds of
a canary's wait ended the wait (and the pipeline's deploy step, which then rolls back). A 5xx burst
past ``get``'s own three tries (an API server restarting behind its load balancer) ended a wait of
minutes the same way. Now a 429 is sent again after its ``Retry-After`` (at most
``kube.RETRY_AFTER_MAX_S``, never past a wait's deadline), and a wait polls on over 429s and 5xx
while it has time.

Through KubeApiDouble (tests/doubles/kube_api.py); ``Throttling`` answers the next requests of a
method with the API server's 429 (or a 503) before the double handles them."""

from __future__ import annotations

import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import kube, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"


class Throttling(KubeApiDouble):
    """``refuse(method, n, code)``: the next ``n`` requests of ``method`` to InferenceServices are
    answered ``code`` (429 as priority and fairness answers it, or a 503) and not handled."""

    def __init__(self, *args, **kwargs):
        self.refusals: dict[str, list[int]] = {}
        self.refused = 0
        self.refused_at: list[float] = []  # time.monotonic() of each refused request
        self.armed = True
        super().__init__(*args, **kwargs)

    def refuse(self, method: str, n: int, code: int = 429, after_patch: bool = False) -> None:
        """``after_patch``: from the next PATCH on (the burst meets the wait after a write)."""
        self.refusals.setdefault(method, []).extend([code] * n)
        self.armed = not after_patch

    def api_client(self):
        """As ``kube.load_api_client`` configures it: urllib3 retries no status (``api_retries``)."""
        client = super().api_client()
        client.configuration.retries = kube.api_retries()
        client.rest_client = type(client.rest_client)(client.configuration)
        return client

    def _handler(self):
        base = super()._handler()
        double = self

        class Handler(base):
            def _handle(self, method):
                if method == "PATCH" and not double.armed:
                    double.armed = True
                    return super()._handle(method)
                queue = double.refusals.get(method)
                if queue and double.armed and "/inferenceservices" in self.path:
                    code = queue.pop(0)
                    double.refused += 1
                    double.refused_at.append(time.monotonic())
                    text = (
                        b"Too many requests, please try again later.\n"
                        if code == 429
                        else b"upstream connect error or disconnect/reset before headers"
                    )
                    self.send_response(code)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    if code == 429:
                        self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                    return None
                return super()._handle(method)

        return Handler


@pytest.fixture
def cluster(monkeypatch):
    # the test does not sleep the API server's 1 s
    monkeypatch.setattr(kube, "RETRY_AFTER_MAX_S", 0.05, raising=False)
    with Throttling(ready_after_reads=1) as double:
        yield double


def _isvcs(cluster):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    return isvcs


def test_a_throttled_patch_is_sent_again_after_its_retry_after(cluster):
    isvcs = _isvcs(cluster)
    cluster.refuse("PATCH", 1)
    state = rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=5
    )
    assert state.action == "canary" and sorted(state.traffic.values()) == [10, 90]
    assert cluster.refused == 1


@pytest.mark.parametrize("code", [429, 503])
def test_a_burst_of_refused_polls_does_not_end_the_wait(cluster, code):
    isvcs = _isvcs(cluster)
    # more than get()'s three tries in a row, and again: a canary's wait polls on
    cluster.refuse("GET", 4, code, after_patch=True)
    state = rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=8
    )
    assert state.action == "canary" and sorted(state.traffic.values()) == [10, 90]
    assert cluster.refused == 4


def test_a_throttled_api_until_the_deadline_ends_the_wait_by_then_saying_so(cluster):
    isvcs = _isvcs(cluster)
    rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=5
    )
    cluster.refuse("GET", 10**6)
    deadline = time.monotonic() + 1.0
    with pytest.raises(ServingError) as err:
        kube.wait_for(
            isvcs, NAME, lambda _o: False, timeout_s=1.0, what="x", poll_s=0.05, deadline=deadline
        )
    ended = time.monotonic()
    # no read sent after the deadline plus one poll (0.05 s; 0.5 s for a request on a busy
    # machine), and none sleeping past it (the fixture caps Retry-After at 0.05 s)
    assert max(cluster.refused_at) < deadline + 0.05 + 0.5, max(cluster.refused_at) - deadline
    assert ended < deadline + 1.5, ended - deadline
    assert "HTTP 429" in str(err.value) and "Too many requests" in str(err.value), str(err.value)


def test_a_conflict_or_a_refusal_still_ends_the_wait_at_once(cluster):
    """Only answers that say nothing about the object are polled over: a 403 is not."""
    isvcs = _isvcs(cluster)
    cluster.refuse("GET", 1, 403)
    with pytest.raises(ServingError, match="HTTP 403"):
        kube.wait_for(isvcs, NAME, lambda _o: False, timeout_s=5, what="x", poll_s=0.05)

"""A rollout step's first read and its writes keep to the step's deadline.

Three 503s in a row on a step's first read of the InferenceService (an API server restarting
behind its load balancer, a proxy's ``upstream connect error``) failed the step: ``get`` asked
three times, 0.2 s and 0.4 s apart, and the deploy / promote / rollback step ended with that
503 (in a pipeline, a deploy step failed and rolled back a canary nothing had judged). Only
the reads inside a wait kept polling. Now every read of a step asks again over 5xx and 429
answers, with a backoff, until the step's deadline (``timeout_s`` after it started), then ends
with one line naming the answer, how often it was asked and for how long.

The writes did not know the step's deadline either: a PATCH answered 429 paused its full
``Retry-After`` (up to ``kube.RETRY_AFTER_MAX_S``) per attempt, past the step's end. Now a
throttled write sleeps no further than the step's deadline, and is not sent again after it.

Through KubeApiDouble (tests/doubles/kube_api.py); ``Refusing`` answers the next requests of a
method with a 503 (Envoy's body) or priority and fairness's 429 (k8s.io/apiserver
``pkg/server/filters/priority-and-fairness.go``, ``Retry-After: 1``)."""

from __future__ import annotations

import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import kube, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"


class Refusing(KubeApiDouble):
    """``refuse(method, n, code)``: the next ``n`` requests of ``method`` to InferenceServices are
    answered ``code`` and not handled."""

    def __init__(self, *args, **kwargs):
        self.refusals: dict[str, list[int]] = {}
        self.refused = 0
        super().__init__(*args, **kwargs)

    def refuse(self, method: str, n: int, code: int = 503) -> None:
        self.refusals.setdefault(method, []).extend([code] * n)

    def api_client(self):
        """As ``kube.load_api_client`` configures it: urllib3 retries no status."""
        client = super().api_client()
        client.configuration.retries = kube.api_retries()
        client.rest_client = type(client.rest_client)(client.configuration)
        return client

    def _handler(self):
        base = super()._handler()
        double = self

        class Handler(base):
            def _handle(self, method):
                queue = double.refusals.get(method)
                if queue and "/inferenceservices" in self.path:
                    code = queue.pop(0)
                    double.refused += 1
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
def cluster():
    with Refusing(ready_after_reads=1) as double:
        yield double


def _deployed(cluster) -> InferenceServices:
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    return isvcs


def test_a_burst_of_503s_on_the_first_read_does_not_fail_the_deploy(cluster):
    isvcs = _deployed(cluster)
    cluster.refuse("GET", 4)  # more than get()'s three tries, before anything is written
    state = rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=8
    )
    assert state.action == "canary" and sorted(state.traffic.values()) == [10, 90]
    assert cluster.refused == 4


def test_a_burst_of_503s_on_the_first_read_does_not_fail_the_rollback(cluster):
    isvcs = _deployed(cluster)
    rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=5
    )
    cluster.refuse("GET", 4)
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=8, failed_storage_uri=V2
    )
    assert (
        state.action == "rolled_back"
        and cluster.revision_uri(NS, NAME, state.latest_revision) == V1
    )
    assert cluster.refused == 4


def test_503s_until_the_deadline_end_the_step_by_then_in_one_line(cluster, monkeypatch):
    isvcs = _deployed(cluster)
    cluster.refuse("GET", 10**6)
    start = time.monotonic()
    with pytest.raises(ServingError) as err:
        rollout.promote(isvcs, NAME, timeout_s=1.0)
    took = time.monotonic() - start
    assert 0.9 < took < 2.5, (
        took
    )  # asked until the deadline, not 0.6 s; nothing sleeps long past it
    message = str(err.value)
    assert "\n" not in message and "HTTP 503" in message and "upstream connect error" in message, (
        message
    )
    assert "until the step's deadline" in message and cluster.refused > 3, message
    assert cluster.traffic(NS, NAME) and cluster.refusals["GET"]  # nothing written


def test_a_read_outside_a_step_still_asks_three_times(cluster):
    isvcs = _deployed(cluster)
    cluster.refuse("GET", 3)
    with pytest.raises(ServingError, match="HTTP 503"):
        isvcs.get(NAME)  # `ctloop rollout status`: one quick answer, no step deadline
    assert cluster.refused == 3


def test_a_throttled_write_does_not_pause_past_the_step_deadline(cluster, monkeypatch):
    monkeypatch.setattr(
        kube, "RETRY_AFTER_MAX_S", 1.0
    )  # the double's Retry-After, 1 s, honoured in full
    isvcs = _deployed(cluster)
    cluster.refuse("PATCH", 10**6, 429)
    start = time.monotonic()
    with pytest.raises(ServingError, match="HTTP 429"):
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri=V2,
            percent=10,
            timeout_s=0.4,
        )
    took = time.monotonic() - start
    # before: two pauses of the full Retry-After (2 s) whatever the step's 0.4 s
    assert took < 1.2, took
    assert cluster.refused <= 2


class RefusingRevisions(Refusing):
    """As :class:`Refusing`, for Knative Revision reads (``/revisions/``) instead."""

    def _handler(self):
        base = KubeApiDouble._handler(self)
        double = self

        class Handler(base):
            def _handle(self, method):
                queue = double.refusals.get(method)
                if queue and "/revisions/" in self.path:
                    queue.pop(0)
                    double.refused += 1
                    text = b"upstream connect error or disconnect/reset before headers"
                    self.send_response(503)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                    return None
                return super()._handle(method)

        return Handler


def test_a_burst_of_503s_on_a_revision_read_does_not_fail_a_retried_deploy():
    """A deploy step retried after its patch landed reads the Revision KServe made for the spec
    (which storageUri it serves) before it resumes the canary: three 503s there failed it."""
    with RefusingRevisions(ready_after_reads=1) as cluster:
        isvcs = _deployed(cluster)
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri=V2,
            percent=10,
            timeout_s=5,
        )
        cluster.refuse("GET", 4)
        state = rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri=V2,
            percent=10,
            timeout_s=8,
        )
        assert state.action == "canary" and sorted(state.traffic.values()) == [10, 90]
        assert cluster.refused == 4


def test_a_burst_of_503s_during_the_canary_analysis_does_not_roll_the_canary_back(cluster):
    """walk_plan reads the spec before and after each check (minutes apart): a ServingError there
    makes release.analyze decide "rollback" ("serving error during the canary"). Three 503s used
    to be that error; now they are asked again within the walk's timeout_s."""
    isvcs = _deployed(cluster)
    rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=5
    )

    def check(percent):
        cluster.refuse("GET", 4)  # the burst meets the read after the check
        return True, "ok", {}

    passed, reason, steps = rollout.walk_plan(
        isvcs, NAME, plan=[10], check=check, storage_uri=V2, timeout_s=8
    )
    assert passed and [s["percent"] for s in steps] == [10], reason
    assert cluster.refused == 4

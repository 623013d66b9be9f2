"""A 5xx on a wait's last read is still asked again; only a 429's pause is bound by the deadline.

``kube._pause`` bounded every pause by the time a wait had left and returned "not again" once it
had passed, for a 5xx too: a wait whose last read (taken just past its deadline) met one proxy's
503 failed on it with ``HTTP 503``, where ``get()`` used to send it again after 0.2 s and the wait
returned the service. A 429's ``Retry-After`` (priority and fairness asks for 1 s to 32 s,
k8s.io/apiserver ``pkg/util/flowcontrol/dropped_requests_tracker.go``) is what may hold a wait
past its end, so it alone is bounded; a 5xx keeps ``get()``'s short backoff (0.2 s, 0.4 s: its
three tries), whatever the deadline.

Through ``Throttling`` (tests/serving/test_r45_serving_throttled.py, on KubeApiDouble), which
answers the next requests of a method with a 429 or an Envoy-style 503 before the double handles
them."""

from __future__ import annotations

import time

import pytest
from kubernetes.client.exceptions import ApiException

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import kube
from ctloop.serving.kube import InferenceServices
from tests.serving.test_r45_serving_throttled import Throttling

NS, NAME = "ml", "credit"


@pytest.fixture
def cluster(monkeypatch):
    monkeypatch.setattr(kube, "RETRY_AFTER_MAX_S", 0.05, raising=False)
    with Throttling(ready_after_reads=1) as double:
        double.create_isvc(
            NS,
            specs.inference_service(
                NAME, namespace=NS, model_name="credit", version="1", storage_uri="gs://m/v1"
            ),
        )
        yield double


def _answer(status: int, retry_after: str | None = None) -> ApiException:
    exc = ApiException(status=status, reason="x")
    exc.headers = {"Retry-After": retry_after} if retry_after else {}
    return exc


def test_a_503_on_the_last_read_past_the_deadline_is_asked_again(cluster):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    cluster.refuse("GET", 1, 503)
    obj = kube.wait_for(
        isvcs, NAME, lambda _o: True, timeout_s=5, what="x", deadline=time.monotonic() - 0.01
    )
    assert obj["metadata"]["name"] == NAME
    assert cluster.refused == 1


def test_a_5xx_burst_past_the_deadline_still_ends_after_gets_three_tries(cluster):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    cluster.refuse("GET", 10**6, 503)
    with pytest.raises(ServingError, match="HTTP 503"):
        kube.wait_for(
            isvcs, NAME, lambda _o: True, timeout_s=5, what="x", deadline=time.monotonic() - 0.01
        )
    assert cluster.refused == 3


def test_a_429_on_the_last_read_past_the_deadline_is_not_waited_for(cluster):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    cluster.refuse("GET", 10**6, 429)
    with pytest.raises(ServingError, match="HTTP 429"):
        kube.wait_for(
            isvcs, NAME, lambda _o: True, timeout_s=5, what="x", deadline=time.monotonic() - 0.01
        )
    assert cluster.refused == 1


def test_only_a_429s_pause_is_bounded_by_the_deadline(monkeypatch):
    monkeypatch.setattr(kube, "RETRY_AFTER_MAX_S", 10.0, raising=False)
    now = time.monotonic()
    # a 5xx: get()'s short backoff, whatever the time left
    assert kube._pause(_answer(503), 0, now - 1) == pytest.approx(0.2)
    assert kube._pause(_answer(502), 1, now + 0.01) == pytest.approx(0.4)
    assert kube._pause(_answer(500), 1, None) == pytest.approx(0.4)
    # a 429: its Retry-After, at most the time left, none once it has passed
    assert kube._pause(_answer(429, "5"), 0, None) == 5.0
    assert kube._pause(_answer(429, "5"), 0, now + 0.3) <= 0.3
    assert kube._pause(_answer(429, "5"), 0, now - 0.01) is None
    # any other answer is not sent again
    assert kube._pause(_answer(403), 0, None) is None

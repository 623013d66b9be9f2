"""A 429 applied nothing, and its Retry-After is waited for only while a wait has time.

Priority and fairness turns a request away before any handler runs (k8s.io/apiserver
``pkg/server/filters/priority-and-fairness.go``): a request answered 429 was not applied, unlike
one answered 5xx (a 504 does not stop the write, ``pkg/server/filters/timeout.go``). ctloop counted
a resend after a 429 as one after a 5xx: a 409 on it made a patch report "this rollout's write
may have landed" when nothing of it had, and a create adopted another run's InferenceService of
the same storageUri as its own. Now only a 5xx (or a lost answer) marks a resend.

Its ``Retry-After`` starts at 1 and doubles up to 32 while a priority level keeps dropping
requests (``pkg/util/flowcontrol/dropped_requests_tracker.go``, ``maxRetryAfter``); only
``pkg/server/filters/maxinflight.go`` answers a fixed 1. A wait's poll slept the whole pause (up to
``kube.RETRY_AFTER_MAX_S``) at each of ``get``'s tries: ``wait_for(timeout_s=1)`` returned after
20 s. Now the pauses end by the wait's deadline.

Through ``Throttling`` (tests/serving/test_r45_serving_throttled.py) over KubeApiDouble."""

from __future__ import annotations

import time

import pytest

from ctloop.errors import ServingChangedOutside, ServingConflictError, ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import kube, rollout
from ctloop.serving.kube import InferenceServices
from tests.serving.test_r45_serving_throttled import Throttling

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"


class ChangedDuringThePause(Throttling):
    """While a refused request's client pauses, someone else writes: ``change()`` runs as the
    refusal is answered."""

    change = None

    def _handler(self):
        base = super()._handler()
        double = self

        class Handler(base):
            def _handle(self, method):
                if double.refusals.get(method) and double.armed and double.change:
                    double.change()
                    double.change = None
                return super()._handle(method)

        return Handler


class APF(Throttling):
    """A priority level dropping requests for a while: Retry-After 32 (maxRetryAfter)."""

    def _handler(self):
        base = super()._handler()

        class Handler(base):
            def send_header(self, key, value):
                return super().send_header(key, "32" if key == "Retry-After" else value)

        return Handler


@pytest.fixture
def short_pauses(monkeypatch):
    monkeypatch.setattr(kube, "RETRY_AFTER_MAX_S", 0.05)


def test_a_conflict_after_a_throttled_patch_does_not_say_the_write_may_have_landed(short_pauses):
    with ChangedDuringThePause(ready_after_reads=1) as cluster:
        isvcs = InferenceServices(NS, api_client=cluster.api_client())
        rollout.deploy(
            isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5
        )

        def someone_patches():  # `kubectl patch` of another model during the 429's pause
            obj = cluster.objects[(NS, NAME)]
            obj["spec"]["predictor"]["model"]["storageUri"] = "gs://models/v9"
            obj["metadata"]["generation"] += 1
            cluster._rv += 1
            obj["metadata"]["resourceVersion"] = str(cluster._rv)

        cluster.change = someone_patches
        cluster.refuse("PATCH", 1)
        with pytest.raises(ServingChangedOutside) as err:
            rollout.deploy(
                isvcs,
                name=NAME,
                model_name="credit",
                version="2",
                storage_uri=V2,
                percent=10,
                timeout_s=5,
            )
    message = str(err.value)
    assert cluster.refused == 1
    assert "may have landed" not in message, message
    assert "nothing written" in message, message


@pytest.mark.parametrize("code, adopted", [(429, False), (503, True)], ids=["throttled", "5xx"])
def test_a_create_resent_after_a_429_does_not_adopt_another_runs_service(
    short_pauses, code, adopted
):
    """After a 5xx the first send may have made the service, which is then adopted (as before);
    after a 429 nothing was made: the service the resend meets is someone else's."""
    body = specs.inference_service(
        NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1
    )
    with ChangedDuringThePause(ready_after_reads=1) as cluster:
        cluster.change = lambda: cluster.create_isvc(NS, body)  # another run, the same model
        cluster.refuse("POST", 1, code)
        isvcs = InferenceServices(NS, api_client=cluster.api_client())
        if adopted:
            assert isvcs.create(body)["metadata"]["name"] == NAME
        else:
            with pytest.raises(ServingConflictError):
                isvcs.create(body)
        assert cluster.refused == 1


def test_a_waits_throttled_polls_end_by_its_deadline():
    """Retry-After 32 (the cap, 10 s, kept): a wait of 1 s used to return after 20 s."""
    with APF(ready_after_reads=1) as cluster:
        isvcs = InferenceServices(NS, api_client=cluster.api_client())
        cluster.create_isvc(
            NS,
            specs.inference_service(
                NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1
            ),
        )
        cluster.refuse("GET", 10**6)
        started = time.monotonic()
        with pytest.raises(ServingError, match="HTTP 429"):
            kube.wait_for(isvcs, NAME, lambda _o: False, timeout_s=1.0, what="x", poll_s=0.05)
        assert time.monotonic() - started < 8  # 20 s before the deadline was passed down
        started = time.monotonic()
        with pytest.raises(ServingError, match="HTTP 429"):
            isvcs.get(NAME, deadline=time.monotonic() + 0.3)
        assert time.monotonic() - started < 6  # a 10 s pause before

"""A discovery answer that says neither is asked again at a later poll.

A wait that sees a Knative-mode service without a revision asks the API server's discovery of
``serving.knative.dev/v1`` whether Knative Services are served (``InferenceServices.knative_served``).
It was asked once per wait, marked asked before the answer came: one throttled (429) or failed
discovery request turned the diagnosis off for the whole wait, which then ran out its timeout with
``latestCreated=None`` on a cluster without Knative Serving. Now an answer that says neither is
asked again at the next poll (at most ``kube.KNATIVE_ASKS`` times a wait).

Through ``NoKnative`` (tests/serving/test_r45_serving_no_knative.py) over KubeApiDouble; its
discovery here answers 429 as priority and fairness does, the first ``throttled`` times."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError, ServingTimeoutError
from ctloop.serving import kube, rollout
from ctloop.serving.kube import InferenceServices
from tests.serving.test_r45_serving_no_knative import KNATIVE_DISCOVERY, NoKnative, _isvc_reads

NS, NAME = "ml", "credit"
V1 = "gs://models/v1"


class ThrottledDiscovery(NoKnative):
    throttled = 1

    def api_client(self):
        """As ``kube.load_api_client`` configures it: urllib3 retries no status (``api_retries``);
        its default Retry would send the 429 again by itself."""
        client = super().api_client()
        client.configuration.retries = kube.api_retries()
        client.rest_client = type(client.rest_client)(client.configuration)
        return client

    def _handler(self):
        base = super()._handler()
        double = self

        class Handler(base):
            def _handle(self, method):
                if method == "GET" and self.path.startswith(KNATIVE_DISCOVERY):
                    double.asked += 1
                    if double.throttled > 0:
                        double.throttled -= 1
                        text = b"Too many requests, please try again later.\n"
                        self.send_response(429)
                        self.send_header("Content-Type", "text/plain; charset=utf-8")
                        self.send_header("Retry-After", "1")
                        self.send_header("Content-Length", str(len(text)))
                        self.end_headers()
                        self.wfile.write(text)
                        return None
                return super()._handle(method)

        return Handler


@pytest.fixture
def cluster():
    with ThrottledDiscovery(ready_after_reads=1) as double:
        double.asked = 0
        yield double


def test_a_throttled_discovery_is_asked_again_and_ends_the_wait_at_once(cluster):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    since = len(cluster.calls)
    with pytest.raises(ServingError) as err:
        rollout.deploy(
            isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=30
        )
    assert _isvc_reads(cluster, since) <= 5, "polled out the timeout"
    assert not isinstance(err.value, ServingTimeoutError), str(err.value)
    assert "ServerlessModeRejected" in str(err.value), str(err.value)
    assert cluster.asked == 2


def test_a_discovery_that_never_answers_is_asked_a_bounded_number_of_times(cluster):
    cluster.throttled = 10**6
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    cluster.create_isvc(
        NS, {"metadata": {"name": NAME}, "spec": {"predictor": {"model": {"storageUri": V1}}}}
    )
    with pytest.raises(ServingTimeoutError):
        kube.wait_for(isvcs, NAME, lambda _o: False, timeout_s=0.6, what="x", poll_s=0.02)
    assert cluster.asked == kube.KNATIVE_ASKS

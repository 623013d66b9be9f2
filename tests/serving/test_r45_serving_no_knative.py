"""A cluster without Knative Serving ends a deploy's wait at once, naming it, instead of a timeout.

KServe v0.20.0 resolves ctloop's services to Knative mode; when the API server serves no Knative
Services (``serving.knative.dev/v1`` without kind ``Service``: Knative Serving not installed, or
only KServe's Standard-mode install), its controller
(``pkg/controller/v1beta1/inferenceservice/controller.go``, ``utils.IsCrdAvailable``) records the
Warning event ``ServerlessModeRejected`` ("It is not possible to use Knative deployment mode when
Knative Services are not available"), writes only the initialized status (Ready, PredictorReady,
IngressReady Unknown; ``deploymentMode: Knative``) and returns a terminal error: no revision, no
condition saying why. ctloop's first deployment waited its whole timeout (300 s by default) and
then said ``latestCreated=None, latestReady=None, traffic={}``. Now the wait asks discovery once
(as KServe does) when it sees a Knative-mode service without a revision, and a 404 ends it.

Through KubeApiDouble (tests/doubles/kube_api.py): ``NoKnative`` writes KServe v0.20.0's status of a
rejected service; its discovery of ``/apis/serving.knative.dev/v1`` answers 404 (no such group
version) unless a test serves the APIResourceList Knative Serving 1.21.1 installs."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError, ServingTimeoutError
from ctloop.serving import kube, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"
V1 = "gs://models/v1"
KNATIVE_DISCOVERY = "/apis/serving.knative.dev/v1"
# the kinds of serving.knative.dev/v1 (knative-v1.21.1 config/core/300-resources: the CRDs)
KNATIVE_RESOURCES = {
    "kind": "APIResourceList",
    "apiVersion": "v1",
    "groupVersion": "serving.knative.dev/v1",
    "resources": [
        {
            "name": plural,
            "singularName": kind.lower(),
            "namespaced": True,
            "kind": kind,
            "verbs": [
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "create",
                "update",
                "watch",
            ],
        }
        for plural, kind in (
            ("configurations", "Configuration"),
            ("revisions", "Revision"),
            ("routes", "Route"),
            ("services", "Service"),
        )
    ],
}
# KServe v0.20.0 inference_service_status.go: conditionSet = NewLivingConditionSet(PredictorReady,
# IngressReady), whose InitializeConditions sets them and Ready to Unknown
INITIALIZED = [
    {"type": t, "status": "Unknown"} for t in ("IngressReady", "PredictorReady", "Ready")
]


class NoKnative(KubeApiDouble):
    """KServe v0.20.0 while Knative Services are not served: ``unreconciled`` reads (all, by
    default) show the initialized status of a rejected service and no revision."""

    unreconciled = 10**9

    def _reconcile_once(self, key):
        if self.unreconciled > 0:
            self.objects[key]["status"] = {
                "deploymentMode": "Knative",
                "conditions": [dict(c) for c in INITIALIZED],
            }
            return None
        return super()._reconcile_once(key)

    def _on_read(self, key):
        if self.unreconciled > 0:
            self.unreconciled -= 1
            if self.unreconciled == 0:
                self._publish(key)
            return None
        return super()._on_read(key)


@pytest.fixture
def cluster():
    with NoKnative(ready_after_reads=1) as double:
        yield double


def _isvc_reads(double, since: int = 0) -> int:
    """GETs of an InferenceService the double handled from its call ``since`` on: a wait that
    polled out its timeout (0.5 s apart) shows dozens, one that ended at once a few."""
    return sum(
        1
        for method, path, _ in double.calls[since:]
        if method == "GET" and "/inferenceservices/" in path
    )


def _discoveries(double) -> int:
    return sum(
        1
        for method, path, _ in double.calls
        if method == "GET" and path.startswith(KNATIVE_DISCOVERY)
    )


def test_a_first_deployment_without_knative_serving_ends_at_once_naming_it(cluster):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    since = len(cluster.calls)
    with pytest.raises(ServingError) as err:
        rollout.deploy(
            isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=30
        )
    assert _isvc_reads(cluster, since) <= 5, "polled out the timeout"
    message = str(err.value)
    assert not isinstance(err.value, ServingTimeoutError), message
    assert "ServerlessModeRejected" in message and "Knative Serving" in message, message
    assert "serving.knative.dev/v1" in message and "restart the KServe controller" in message, (
        message
    )
    assert "\n" not in message
    assert _discoveries(cluster) == 1


def test_knative_served_but_not_reconciled_yet_is_waited_for_as_before(cluster):
    cluster.resources[KNATIVE_DISCOVERY] = KNATIVE_RESOURCES
    cluster.unreconciled = 3
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    state = rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5
    )
    assert state.action == "created"
    assert _discoveries(cluster) == 1  # asked once per wait, not at every poll


def test_a_group_without_the_service_kind_is_no_knative(cluster):
    """``IsCrdAvailable`` looks for the kind, not the group: a group version without ``Service``."""
    cluster.resources[KNATIVE_DISCOVERY] = {
        **KNATIVE_RESOURCES,
        "resources": [r for r in KNATIVE_RESOURCES["resources"] if r["kind"] != "Service"],
    }
    assert InferenceServices(NS, api_client=cluster.api_client()).knative_served() is False
    cluster.resources[KNATIVE_DISCOVERY] = KNATIVE_RESOURCES
    assert InferenceServices(NS, api_client=cluster.api_client()).knative_served() is True


def test_a_discovery_that_fails_claims_nothing_and_the_wait_times_out_as_before(cluster):
    cluster.forbid(KNATIVE_DISCOVERY)  # an answer that says neither (403)
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    assert isvcs.knative_served() is None
    cluster.create_isvc(
        NS, {"metadata": {"name": NAME}, "spec": {"predictor": {"model": {"storageUri": V1}}}}
    )
    with pytest.raises(ServingTimeoutError) as err:
        kube.wait_for(isvcs, NAME, lambda _o: False, timeout_s=0.3, what="x", poll_s=0.05)
    assert "ServerlessModeRejected" not in str(err.value)


def test_rollout_status_says_knative_serving_is_missing(cluster, tmp_path, monkeypatch, capsys):
    from ctloop.cli import main
    from ctloop.serving import isvc as specs
    from tests.doubles.kube_api import write_kubeconfig

    monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", cluster.url))
    cluster.create_isvc(
        NS,
        specs.inference_service(
            NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1
        ),
    )
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    out = capsys.readouterr().out
    assert "  NO KNATIVE: it is in Knative mode" in out and "ServerlessModeRejected" in out, out
    cluster.resources[KNATIVE_DISCOVERY] = (
        KNATIVE_RESOURCES  # installed, not reconciled yet: nothing claimed
    )
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    assert "NO KNATIVE" not in capsys.readouterr().out

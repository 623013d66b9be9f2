"""deploy(template=) and the deployment mode: a template is held to the mode a canary needs.

Round 43 left alone: ``rollout.deploy(template=...)`` created the template as it was, with no
deploymentMode check. KServe v0.20.0 resolves an InferenceService's mode from its
``serving.kserve.io/deploymentMode`` annotation, else the cluster's default — ConfigMap
``inferenceservice-config`` key ``deploy``, ``defaultDeploymentMode``
(``pkg/controller/v1beta1/inferenceservice/utils/utils.go`` ``GetDeploymentMode``, read by
``controller.go`` ``Reconcile``). In Standard (RawDeployment) mode there are no Knative revisions
and no ``status.components.predictor.traffic[]`` (the raw reconciler's ``PropagateRawStatus``),
so:

* a template that asked for Standard/RawDeployment (or ModelMesh) was created, and the deploy
  waited out its whole timeout for a traffic split KServe never reports;
* a template without the annotation took the cluster's default, Standard on many clusters
  (KServe's own raw-deployment install guide sets it), with the same timeout.

Now a template naming another mode is refused before anything is written, one line naming the
mode; a template without the annotation is created with ``deploymentMode: Knative`` (what
ctloop's own ``isvc.inference_service`` writes), so the cluster's default cannot make it
Standard; and a wait that finds the service in another mode (``status.deploymentMode``, which the
controller records) ends at once instead of timing out.

Through KubeApiDouble (tests/doubles/kube_api.py), with the cluster default set to Standard and the
raw reconciler's status (no revisions, no traffic[]) for Standard services, as KServe v0.20.0
reports them (``pkg/apis/serving/v1beta1/inference_service_status.go`` ``PropagateRawStatus``)."""

from __future__ import annotations

import copy
import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles import kube_api
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"
V1 = "gs://models/v1"


class StandardDefaultCluster(KubeApiDouble):
    """A cluster whose ``defaultDeploymentMode`` is Standard: a service in Standard mode gets the
    raw reconciler's status (a URL and conditions, no revisions, no traffic[])."""

    def _reconcile_once(self, key):
        super()._reconcile_once(key)
        obj = self.objects[key]
        if obj["status"]["deploymentMode"] == specs.STANDARD:
            obj["status"]["components"] = {
                "predictor": {"url": f"http://{key[1]}-predictor.{key[0]}"}
            }
            obj["status"]["conditions"] = [{"type": "PredictorReady", "status": "True"}]


@pytest.fixture
def cluster(monkeypatch):
    monkeypatch.setattr(kube_api, "DEFAULT_MODE", specs.STANDARD)
    with StandardDefaultCluster(ready_after_reads=1) as double:
        yield double


def _template(mode):
    body = specs.inference_service(
        NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1
    )
    annotations = body["metadata"]["annotations"]
    annotations.pop(specs.MODE_ANNOTATION)
    if mode:
        annotations[specs.MODE_ANNOTATION] = mode
    return body


def _deploy(cluster, template, timeout=4):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    return rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version="1",
        storage_uri=V1,
        timeout_s=timeout,
        template=template,
    )


@pytest.mark.parametrize("mode", ["RawDeployment", "Standard", "ModelMesh"])
def test_a_template_in_another_mode_is_refused_before_anything_is_written(cluster, mode):
    template = _template(mode)
    kept = copy.deepcopy(template)
    started = time.monotonic()
    with pytest.raises(ServingError) as err:
        _deploy(cluster, template)
    assert time.monotonic() - started < 2, "waited for a traffic split KServe never reports"
    message = str(err.value)
    assert mode in message and "canaryTrafficPercent" in message and "\n" not in message, message
    assert not [c for c in cluster.calls if c[0] != "GET"]  # nothing written
    assert (NS, NAME) not in cluster.objects
    assert template == kept  # the caller's template is not changed


def test_a_template_without_the_mode_is_created_in_knative_mode(cluster):
    template = _template(None)
    kept = copy.deepcopy(template)
    state = _deploy(cluster, template)
    assert state.action == "created", state
    created = cluster.objects[(NS, NAME)]
    assert created["metadata"]["annotations"][specs.MODE_ANNOTATION] == specs.KNATIVE
    assert created["status"]["deploymentMode"] == specs.KNATIVE
    assert cluster.traffic(NS, NAME) == {state.latest_revision: 100}
    assert template == kept


def test_a_service_found_in_standard_mode_while_waiting_ends_the_wait(cluster):
    """A service created without the annotation (by someone else, or before this check) takes the
    cluster's default; the controller records it in status.deploymentMode, which ends the wait."""
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    cluster.create_isvc(NS, _template(None))
    started = time.monotonic()
    with pytest.raises(ServingError) as err:
        rollout._wait_split(isvcs, NAME, 100, 4, "first revision ready with 100 % traffic")
    assert time.monotonic() - started < 2
    assert "Standard" in str(err.value) and "canaryTrafficPercent" in str(err.value)


def test_a_template_of_another_model_or_form_is_refused_before_anything_is_written(cluster):
    """The template is what gets created: one naming another storageUri made the deploy report
    v1 serving a model it never deployed; one in KServe's per-framework form (``sklearn:``) was
    created, and every later patch of ``spec.predictor.model`` then gave it a second model."""
    other = _template(specs.KNATIVE)
    other["spec"]["predictor"]["model"]["storageUri"] = "gs://models/v9"
    legacy = _template(specs.KNATIVE)
    legacy["spec"]["predictor"] = {"sklearn": {"storageUri": V1}}
    for template, said in (
        (other, "names storageUri gs://models/v9, not gs://models/v1"),
        (legacy, "has no spec.predictor.model.storageUri"),
    ):
        with pytest.raises(ServingError) as err:
            _deploy(cluster, template)
        assert said in str(err.value), str(err.value)
    assert not [c for c in cluster.calls if c[0] != "GET"]
    assert (NS, NAME) not in cluster.objects

"""An InvalidSpec status left from before the deploy's write does not end the deploy at once.

Review G44: round 44 ended a deploy's wait at the first status whose
``modelStatus.transitionStatus`` is ``InvalidSpec`` (``kube.wait_for``). KServe v0.20.0 does not
reconcile an InferenceService when its ServingRuntime is created: its watch of ServingRuntimes
passes updates of their spec only (``pkg/controller/v1beta1/inferenceservice/controller.go``
``servingRuntimesPredicate``: ``CreateFunc`` returns false); the service is reconciled again when
it changes, or when the controller's error backoff comes round. So after a first deploy failed for
want of ``ctloop-sklearn`` and the user applied the runtime:

* the next version's deploy patched the spec, but the first status it read could still be the
  one from before its patch (not reconciled yet): the deploy failed at once, telling the user to
  apply the runtime they had just applied;
* the same version deployed again made no patch at all and failed in 0 s with the same advice.

Now an InvalidSpec read before the deploy's write is remembered (as ``failed_before`` is for a
failed revision): a status still saying the same is polled for a bounded grace
(``kube.INVALID_SPEC_GRACE_S``) before the wait ends, and its message says that KServe does not
reconcile a service when its runtime is created, and to change, annotate or recreate it.

Through KubeApiDouble (tests/doubles/kube_api.py), whose controller here knows only the
ServingRuntimes of ``runtimes``, reports any other as KServe does, and — as KServe — does not
reconcile a service when a runtime appears."""

from __future__ import annotations

import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import kube, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"


class RuntimesCluster(KubeApiDouble):
    """Only the ServingRuntimes in ``runtimes`` exist; a predictor naming another gets KServe's
    InvalidSpec model status and no revision. Adding a runtime reconciles nothing."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.runtimes: set[str] = set()

    def _reconcile_once(self, key):
        obj = self.objects[key]
        if obj["spec"]["predictor"]["model"].get("runtime") in self.runtimes:
            return super()._reconcile_once(key)
        obj["status"] = {
            "deploymentMode": specs.KNATIVE,
            "conditions": [{"type": "Ready", "status": "Unknown"}],
            "modelStatus": {
                "transitionStatus": "InvalidSpec",
                "lastFailureInfo": {
                    "reason": "RuntimeNotRecognized",
                    "message": "Waiting for runtime to become available",
                },
            },
        }


@pytest.fixture
def failed_first(monkeypatch):
    """v1's first deployment failed for want of its runtime; then the runtime was applied."""
    monkeypatch.setattr(kube, "INVALID_SPEC_GRACE_S", 1.0, raising=False)
    with RuntimesCluster(ready_after_reads=1) as cluster:
        isvcs = InferenceServices(NS, api_client=cluster.api_client())
        with pytest.raises(ServingError, match="InvalidSpec"):
            _deploy(isvcs, "1", V1, timeout_s=5)
        cluster.runtimes.add(specs.RUNTIME)  # kubectl apply -f manifests/base/servingruntime.yaml
        yield cluster, isvcs


def _deploy(isvcs, version, uri, timeout_s):
    return rollout.deploy(
        isvcs, name=NAME, model_name="credit", version=version, storage_uri=uri, timeout_s=timeout_s
    )


def test_a_new_version_is_deployed_once_its_patch_is_reconciled(failed_first):
    cluster, isvcs = failed_first
    # the first reads after v2's patch still show the InvalidSpec from before it
    cluster.lag_reconcile(3)
    state = _deploy(isvcs, "2", V2, timeout_s=5)
    assert state.action == "created" and state.version == "2"
    assert cluster.traffic(NS, NAME) == {state.latest_revision: 100}


def test_the_same_version_again_says_kserve_did_not_reconcile_it(failed_first):
    cluster, isvcs = failed_first
    started = time.monotonic()
    with pytest.raises(ServingError) as err:
        _deploy(isvcs, "1", V1, timeout_s=30)
    waited = time.monotonic() - started
    assert 0.9 <= waited < 5, waited  # the grace, not 0 s and not the deploy's 30 s
    message = str(err.value)
    assert "RuntimeNotRecognized" in message and "\n" not in message, message
    assert "does not reconcile an InferenceService when its ServingRuntime is created" in message
    assert "annotate" in message and "recreate" in message, message
    assert [c for c in cluster.calls if c[0] == "PATCH"] == []  # the deploy wrote nothing
    # what the message says to do: a change to the service makes KServe reconcile it
    isvcs.patch(NAME, {"metadata": {"annotations": {"example.com/reconcile": "1"}}})
    assert _deploy(isvcs, "1", V1, timeout_s=5).action == "unchanged"


def test_an_invalid_spec_that_stays_after_the_patch_still_ends_the_wait_early(failed_first):
    cluster, isvcs = failed_first
    cluster.runtimes.clear()  # the runtime is still missing: the patched spec is InvalidSpec too
    started = time.monotonic()
    with pytest.raises(ServingError) as err:
        _deploy(isvcs, "2", V2, timeout_s=30)
    assert time.monotonic() - started < 5
    assert "RuntimeNotRecognized" in str(err.value)

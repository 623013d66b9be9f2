"""KubeApiDouble never moved ``metadata.resourceVersion`` on a status change, while a real API
server writes a new one on every status update (KServe v0.20.0
``pkg/controller/v1beta1/inferenceservice/controller.go`` ``updateStatus`` → ``Status().Update``;
k8s.io/apiserver ``pkg/registry/generic/registry/store.go`` ``Update``): a reconcile between a
rollout's read and its conditional patch — the most common real 409 — was never exercised. The
double now moves it, and a patch over a reconcile is retried on the new resourceVersion, not
reported as a change outside."""

from __future__ import annotations

from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))


def test_a_status_update_moves_the_resource_version():
    with KubeApiDouble(ready_after_reads=2) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
        isvcs.patch(NAME, specs.canary_patch(version="2", storage_uri=V2, percent=10))
        seen = [(o["metadata"]["resourceVersion"], o["status"]["components"]["predictor"]["latestReadyRevision"])
                for o in (isvcs.get(NAME) for _ in range(3))]
        assert seen[0][1] != seen[1][1]  # the canary's revision became ready on the second read
        assert seen[0][0] != seen[1][0]  # that status write moved resourceVersion
        assert seen[1] == seen[2]  # an unchanged status is not written


class ReconcileBeforePatch:
    """A GET (which lets the double's controller reconcile) between the rollout's read and its patch."""

    def __init__(self, isvcs):
        self.isvcs, self.namespace, self.done = isvcs, isvcs.namespace, False

    def get(self, name):
        return self.isvcs.get(name)

    def revision_source(self, revision):
        return self.isvcs.revision_source(revision)

    def patch(self, name, patch):
        if not self.done:
            self.done = True
            self.isvcs.get(name)
        return self.isvcs.patch(name, patch)


def test_a_reconcile_between_read_and_patch_is_retried_not_reported_as_changed_outside():
    with KubeApiDouble(ready_after_reads=2) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
        isvcs.patch(NAME, specs.canary_patch(version="2", storage_uri=V2, percent=10))
        patches = len([c for c in kube.calls if c[0] == "PATCH"])
        state = rollout.set_traffic(ReconcileBeforePatch(isvcs), NAME, 50, timeout_s=5)
        assert state.action == "traffic"
        sent = [c for c in kube.calls if c[0] == "PATCH"][patches:]
        assert len(sent) == 2  # refused once (409 on the pre-reconcile resourceVersion), then retried
        assert sent[0][2]["metadata"]["resourceVersion"] != sent[1][2]["metadata"]["resourceVersion"]
        assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 50

"""deploy chose its path (first deployment, blue-green, canary) from its read, and its conditional
patch, refused with 409 after a controller status update, was sent again on the new read without
asking whether that read still chose the same path. The failed first revision turning ready in
that update (Knative ``MarkLatestReadyRevision``, knative-v1.21.1
``pkg/apis/serving/v1/configuration_lifecycle.go``, copied by KServe v0.20.0
``inference_service_status.go`` ``PropagateStatus``) made the resend a first deployment: the new
model took all traffic with nothing compared. deploy now chooses again on the new read: a
10 % canary, as a fresh deploy would. Through KubeApiDouble."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))


class RecoverBeforePatch:
    """The failed revision turns ready (a controller status update: new resourceVersion, same
    generation) between deploy's read and its first patch."""

    def __init__(self, isvcs, kube):
        self.isvcs, self.kube, self.namespace, self.done = isvcs, kube, isvcs.namespace, False

    def get(self, name):
        return self.isvcs.get(name)

    def revision_source(self, revision):
        return self.isvcs.revision_source(revision)

    def patch(self, name, patch):
        if not self.done:
            self.done = True
            key = (self.namespace, name)
            with self.kube._lock:
                meta = self.kube.meta[key]
                self.kube.failing_uris.clear()
                meta.pop("failed", None)
                meta["ready"] = meta["revisions"][-1]
                self.kube._publish(key)
        return self.isvcs.patch(name, patch)


def test_a_revision_ready_between_read_and_patch_makes_the_deploy_a_canary(isvcs, kube):
    kube.fail_revisions(V1)
    with pytest.raises(ServingError):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=3)
    first = kube.objects[(NS, NAME)]["status"]["components"]["predictor"].get("latestCreatedRevision")
    st = rollout.deploy(RecoverBeforePatch(isvcs, kube), name=NAME, model_name="credit", version="2",
                        storage_uri=V2, percent=10, timeout_s=5)
    predictor = kube.objects[(NS, NAME)]["spec"]["predictor"]
    assert st.action == "canary"
    assert predictor["canaryTrafficPercent"] == 10
    split = kube.traffic(NS, NAME)
    assert split[first] == 90 and sorted(split.values()) == [10, 90]

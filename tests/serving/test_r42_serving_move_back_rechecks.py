"""deploy of the version already in the spec as a canary at another share moves that canary back
to the first step of the plan ("moving its canary back"); that conditional patch was the one of
deploy's writes sent again after a 409 over an unchanged spec (a status update) without the
caller's checks: a status update that failed the latest revision (Knative
``MarkLatestCreatedFailed``, knative-v1.21.1 ``pkg/apis/serving/v1/configuration_lifecycle.go``,
copied into ``PredictorConfigurationReady`` by KServe v0.20.0 ``PropagateStatus``) still got the
share written. Now the object read after the 409 is checked again, as set_traffic's and promote's are: a failed
revision is refused with one line naming the failure, nothing written. Through KubeApiDouble."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from tests.doubles.kube_api import with_canary

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))


class FailsBeforePatch:
    """A status update between deploy's read and its patch: the latest created revision failed."""

    def __init__(self, isvcs, kube):
        self.isvcs, self.kube, self.namespace, self.done = isvcs, kube, isvcs.namespace, False

    def get(self, name):
        return self.isvcs.get(name)

    def revision_source(self, revision):
        return self.isvcs.revision_source(revision)

    def patch(self, name, patch):
        if not self.done:
            self.done = True
            obj = self.kube.objects[(NS, name)]
            obj["status"]["components"]["predictor"]["latestCreatedRevision"] = (
                f"{name}-predictor-00099"
            )
            obj["status"]["conditions"] = [
                {
                    "type": "PredictorConfigurationReady",
                    "status": "False",
                    "reason": "RevisionFailed",
                    "message": f'Revision "{name}-predictor-00099" failed with message: OOMKilled.',
                }
            ]
            obj["metadata"]["resourceVersion"] = str(int(obj["metadata"]["resourceVersion"]) + 1000)
        return self.isvcs.patch(name, patch)


def test_a_canary_failed_between_read_and_move_back_gets_no_share(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2, percent=30)
    kube.stall()  # the status stays as the test wrote it
    before = len(kube.calls)
    with pytest.raises(ServingError, match="OOMKilled.*moving its canary back to 5 % would wait"):
        rollout.deploy(
            FailsBeforePatch(isvcs, kube),
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri=V2,
            percent=5,
            timeout_s=2,
        )
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 30
    moved = [
        c for c in kube.calls[before:] if c[0] == "PATCH" and "canaryTrafficPercent" in str(c[2])
    ]
    assert len(moved) == 1  # the first send, refused with 409; not sent again over the failure

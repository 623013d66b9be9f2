"""A conditional patch refused with 409 over an unchanged spec (a status update since the read)
was sent again with the first read's preconditions: a canary whose revision failed in that status
update (Knative ``MarkLatestCreatedFailed``, knative-v1.21.1
``pkg/apis/serving/v1/configuration_lifecycle.go``, copied by KServe v0.20.0 ``PropagateStatus``)
still got its new share or its promotion. The caller's checks now run again on the object read
after the 409, before the resend. Through KubeApiDouble."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

from .test_fix41g_status_moves_resource_version import ReconcileBeforePatch

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))


@pytest.mark.parametrize("step", ["set_traffic", "promote"])
def test_a_canary_that_failed_between_read_and_patch_gets_no_traffic(step):
    with KubeApiDouble(ready_after_reads=2) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
        kube.fail_revisions(V2)
        isvcs.patch(NAME, specs.canary_patch(version="2", storage_uri=V2, percent=10))
        with pytest.raises(ServingError, match="will never be ready"):
            if step == "set_traffic":
                rollout.set_traffic(ReconcileBeforePatch(isvcs), NAME, 50, timeout_s=5)
            else:
                rollout.promote(ReconcileBeforePatch(isvcs), NAME, timeout_s=5)
        assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 10

"""Round 39 left alone (review G2's suspicion): a deploy that created the InferenceService, whose
first revision failed, then deployed again, and the promote after it.

Checked with the KubeApiDouble: the same version deployed again after the failure is retried
at 100 % with no pin ("created") and promoted (test below). The suspicion holds for another
version deployed next, as the next training run does: with no revision ever ready, KServe
ignores ``canaryTrafficPercent`` — v0.20.0
``pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go``
``createKnativeService`` splits traffic only once a ``latestRolledoutRevision`` exists; before,
the ``latestRevision`` target gets 100 %, and the ready revision becomes rolled out
(``inference_service_status.go`` ``PropagateStatus``) and is then split with itself. The canary
deploy waited for N % on it until its timeout, wrote a pin that no analysis set, and the next
attempt answered ``unchanged`` with that pin, which promote then refused as "changed outside"
(the plan's last step is not the pin). Nothing serves and nothing is compared with: the version is
now deployed as a first deployment, with no canaryTrafficPercent, and reported ``created``.
"""

import pytest

from ctloop.serving import rollout

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))
REV = "credit-default-predictor-{:05d}".format
PLAN_LAST = 100  # config.RolloutConfig.traffic_plan's default [5, 25, 50, 100]


def _created_with_a_failed_revision(isvcs, kube):
    kube.fail_revisions(V1)
    with pytest.raises(rollout.ServingError, match="will not be reached"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)


@pytest.mark.parametrize("strategy", ["canary", "blue-green"])
def test_the_same_version_retried_after_its_first_revision_failed_is_created_and_promoted(isvcs, kube, strategy):
    _created_with_a_failed_revision(isvcs, kube)
    kube.failing_uris.clear()  # the model files fixed in place
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, percent=5,
                           strategy=strategy, timeout_s=5)
    assert state.action == "created" and state.traffic == {REV(2): 100}
    assert "canaryTrafficPercent" not in isvcs.get(NAME)["spec"]["predictor"]
    assert rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V1, version="1", percent=PLAN_LAST).action == "promoted"


@pytest.mark.parametrize("strategy", ["canary", "blue-green"])
def test_another_version_after_a_first_revision_that_failed_is_a_first_deployment(isvcs, kube, strategy):
    _created_with_a_failed_revision(isvcs, kube)
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5,
                           strategy=strategy, timeout_s=5)  # was a ServingTimeoutError (canary at 5 %)
    assert state.action == "created" and state.traffic == {REV(2): 100}
    assert kube.revision_uri(NS, NAME, REV(2)) == V2
    assert "canaryTrafficPercent" not in isvcs.get(NAME)["spec"]["predictor"]
    again = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5,
                           strategy=strategy, timeout_s=5)  # the step retried
    assert again.action == "unchanged"
    assert rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V2, version="2", percent=PLAN_LAST).action == "promoted"


def test_another_version_failing_too_then_retried_is_a_first_deployment(isvcs, kube):
    _created_with_a_failed_revision(isvcs, kube)
    kube.fail_revisions(V2)
    with pytest.raises(rollout.ServingError, match="will not be reached"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5, timeout_s=5)
    kube.failing_uris.clear()
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5,
                           timeout_s=5)  # was a ServingTimeoutError waiting for 5 %
    assert state.action == "created" and state.traffic == {REV(3): 100}
    assert rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V2, version="2", percent=PLAN_LAST).action == "promoted"

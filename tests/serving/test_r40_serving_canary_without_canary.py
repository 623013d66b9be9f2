"""``set_traffic`` (``ctloop rollout canary --percent N``, ``make canary``) on a service that has
no canary: one revision serving everything (a first deployment), or none ready yet.

KServe v0.20.0 ``pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go``
``createKnativeService`` splits ``canaryTrafficPercent`` between the latest revision and the one
rolled out before it; with a single revision it routes it under both targets (100 % in all), and
before any was rolled out the latest alone at 100 %. The pin was written and the wait for N %
timed out after ``--timeout``, leaving a pin that moves no traffic. It is refused at once now,
writing nothing; a real canary still moves."""

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))
REV = "credit-default-predictor-{:05d}".format


@pytest.mark.parametrize("percent", [0, 10, 99])
def test_moving_the_canary_of_a_single_revision_is_refused_writing_nothing(isvcs, kube, percent):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    with pytest.raises(ServingError, match=f"has no canary to move to {percent} %: its only revision "
                                           f"{REV(1)} serves all traffic"):
        rollout.set_traffic(isvcs, NAME, percent, timeout_s=5)  # was a timeout after 5 s
    assert "canaryTrafficPercent" not in isvcs.get(NAME)["spec"]["predictor"]


def test_a_single_revision_at_100_and_a_real_canary_still_move(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    assert rollout.set_traffic(isvcs, NAME, 100, timeout_s=5).traffic == {REV(1): 100}
    rollout.promote(isvcs, NAME, timeout_s=5)
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5, timeout_s=5)
    assert rollout.set_traffic(isvcs, NAME, 25, timeout_s=5).traffic == {REV(2): 25, REV(1): 75}
    rollout.promote(isvcs, NAME, timeout_s=5)
    # promoted: previousRolledoutRevision is where a new share of the latest sends the rest
    assert rollout.set_traffic(isvcs, NAME, 10, timeout_s=5).traffic == {REV(2): 10, REV(1): 90}

"""A rollback of an InferenceService none of whose revisions was ever ready: a first deployment
(the registry already had a champion, served nowhere yet) whose revision failed, which
``release.deploy`` then rolls back to that champion.

The rollback wrote the champion with ``canaryTrafficPercent: 0`` and waited for its revision at
0 %. KServe ignores the pin until a revision was rolled out (v0.20.0
``pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go``
``createKnativeService``), so the champion got 100 % and the wait never ended; the pin 0 it left
then made the champion look rolled back (deploy and promote refuse a pinned-back canary). With
nothing serving and nothing to pin back to, the champion now goes out as a first deployment."""

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))
REV = "credit-default-predictor-{:05d}".format


def test_a_failed_first_deployment_rolls_back_to_the_champion_at_100(isvcs, kube):
    kube.fail_revisions(V2)
    with pytest.raises(ServingError, match="will not be reached"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, timeout_s=5)
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)  # was a timeout
    assert state.action == "rolled_back" and state.traffic == {REV(2): 100}
    assert kube.revision_uri(NS, NAME, REV(2)) == V1
    assert "canaryTrafficPercent" not in isvcs.get(NAME)["spec"]["predictor"]
    again = rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    assert again.action == "unchanged"  # was refused: "canaryTrafficPercent 0: its canary was rolled back"


def test_a_champion_whose_only_revision_failed_is_started_again(isvcs, kube):
    kube.fail_revisions(V1)
    with pytest.raises(ServingError, match="will not be reached"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    kube.failing_uris.clear()  # the model files fixed in place
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "rolled_back" and state.traffic == {REV(2): 100}
    assert "canaryTrafficPercent" not in isvcs.get(NAME)["spec"]["predictor"]

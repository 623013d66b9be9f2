"""The only revision with a canaryTrafficPercent set by hand, deployed again: deploy answers
``unchanged`` (fix39t: a first deployment, nothing to compare with), the analysis decides
``promote`` with nothing analysed, and ``promote_model`` (``release.promote``, which passes the
plan's last step as the share the analysis left) refused it as "changed outside": the pin is not
the plan's last step. No analysis set that pin, and it moves no traffic: with no other revision
KServe v0.20.0 routes its ``latest`` target at the pin and its ``prev`` target — the same
rolled-out revision (``ksvc_reconciler.go`` ``createKnativeService``) — at the rest, so the
revision serves 100 % either way. Promoting removes it and undoes nothing. A pin beside another
revision (a real split) moved by hand is still refused.
"""

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import rollout

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))
REV = "credit-default-predictor-{:05d}".format
PLAN_LAST = 100  # config.RolloutConfig.traffic_plan's default [5, 25, 50, 100]


def test_the_only_revision_pinned_by_hand_unchanged_is_promoted(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    isvcs.patch(NAME, specs.traffic_patch(10))  # an operator: canary --percent 10 on the only revision
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, percent=5,
                           timeout_s=5)
    assert state.action == "unchanged"
    promoted = rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V1, version="1", percent=PLAN_LAST)
    assert promoted.action == "promoted" and promoted.traffic == {REV(1): 100}
    assert "canaryTrafficPercent" not in isvcs.get(NAME)["spec"]["predictor"]


def test_a_canary_beside_the_stable_revision_moved_by_hand_is_still_refused(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5, timeout_s=5)
    isvcs.patch(NAME, specs.traffic_patch(10))
    isvcs.get(NAME)  # the controller reconciles the pin
    with pytest.raises(rollout.ChangedOutside, match="canaryTrafficPercent is 10, the analysis last set 100"):
        rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V2, version="2", percent=PLAN_LAST)
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 10

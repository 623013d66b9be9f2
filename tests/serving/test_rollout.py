"""Deploy / traffic / promote / rollback through the real kubernetes client against KubeApiDouble."""

import pytest

from ctloop.errors import ServingConflictError, ServingError, ServingTimeoutError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit-default"
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=2) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return InferenceServices(NS, api_client=kube.api_client())


def deploy(isvcs, version, uri, **kw):
    return rollout.deploy(isvcs, name=NAME, model_name="credit", version=version, storage_uri=uri, timeout_s=5, **kw)


def patches(kube):
    return [c for c in kube.calls if c[0] == "PATCH"]


def test_first_deployment_goes_straight_to_100(isvcs, kube):
    state = deploy(isvcs, "1", V1, percent=5)
    assert state.action == "created"
    assert kube.traffic(NS, NAME) == {"credit-default-predictor-00001": 100}


def test_redeploying_the_same_version_changes_nothing(isvcs, kube):
    deploy(isvcs, "1", V1)
    n = len(kube.calls)
    assert deploy(isvcs, "1", V1).action == "unchanged"
    assert [c for c in kube.calls[n:] if c[0] != "GET"] == []


def test_canary_steps_then_promote(isvcs, kube):
    deploy(isvcs, "1", V1)
    state = deploy(isvcs, "2", V2, percent=5)
    assert state.action == "canary" and state.traffic == {"credit-default-predictor-00002": 5, "credit-default-predictor-00001": 95}
    assert rollout.set_traffic(isvcs, NAME, 25, timeout_s=5).traffic["credit-default-predictor-00002"] == 25
    final = rollout.promote(isvcs, NAME, timeout_s=5)
    assert final.traffic == {"credit-default-predictor-00002": 100}
    assert "canaryTrafficPercent" not in kube.objects[(NS, NAME)]["spec"]["predictor"]


def test_rollback_is_durable_and_never_gives_the_bad_model_traffic_back(isvcs, kube):
    deploy(isvcs, "1", V1)
    deploy(isvcs, "2", V2, percent=25)
    mark = len(kube.history)
    final = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    obj = kube.objects[(NS, NAME)]
    assert obj["spec"]["predictor"]["model"]["storageUri"] == V1  # the spec no longer names v2
    assert "canaryTrafficPercent" not in obj["spec"]["predictor"]
    assert obj["metadata"]["labels"]["ctloop.dev/model-version"] == "1"
    assert final.traffic == {"credit-default-predictor-00003": 100}
    assert kube.revision_uri(NS, NAME, "credit-default-predictor-00003") == V1
    bad = "credit-default-predictor-00002"
    after = [split.get(bad, 0) for _, split in kube.history[mark:]]
    assert max(after) <= 25 and after[-1] == 0
    first_zero = after.index(0)
    assert all(x == 0 for x in after[first_zero:]), after  # once pinned back, never again


def test_raw_deployment_mode_is_refused(isvcs, kube):
    deploy(isvcs, "1", V1)
    kube.objects[(NS, NAME)]["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] = "RawDeployment"
    kube.objects[(NS, NAME)]["status"]["deploymentMode"] = "RawDeployment"
    with pytest.raises(ServingError, match="ignores canaryTrafficPercent"):
        deploy(isvcs, "2", V2)
    assert patches(kube) == []


def test_transient_500_is_retried(isvcs, kube):
    deploy(isvcs, "1", V1)
    kube.fail_next(500)
    assert deploy(isvcs, "2", V2, percent=10).action == "canary"


def test_409_is_a_clear_error(isvcs, kube):
    deploy(isvcs, "1", V1)
    kube.fail_next(409)
    with pytest.raises(ServingConflictError, match="409"):
        deploy(isvcs, "2", V2)


def test_timeout_names_what_was_awaited(isvcs, kube):
    deploy(isvcs, "1", V1)
    kube.stall()
    with pytest.raises(ServingTimeoutError, match="canary revision ready with 5 % traffic"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5, timeout_s=1)


def run_canary(isvcs, check, plan=(5, 25, 50, 100), **kw):
    events = []
    outcome = rollout.canary_rollout(isvcs, NAME, model_name="credit", version="2", storage_uri=V2,
                                     champion_version="1", champion_uri=V1, plan=list(plan), check=check,
                                     timeout_s=kw.pop("timeout_s", 5), on_event=events.append, **kw)
    return outcome, events


def test_healthy_canary_walks_the_plan_and_is_promoted(isvcs, kube):
    deploy(isvcs, "1", V1)
    seen = []
    outcome, events = run_canary(isvcs, lambda p: (seen.append(p) or True, "ok", {"error_rate": 0.0}))
    assert outcome.decision == "promoted" and seen == [5, 25, 50, 100]
    assert kube.traffic(NS, NAME) == {"credit-default-predictor-00002": 100}
    assert [e["event"] for e in events] == ["deploy", "traffic", "traffic", "traffic", "promote"]


def test_failed_check_rolls_back(isvcs, kube):
    deploy(isvcs, "1", V1)
    outcome, events = run_canary(isvcs, lambda p: (p < 25, "error rate 3 % > 1 %" if p >= 25 else "ok", {}))
    assert outcome.decision == "rolled_back" and "error rate" in outcome.reason
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["model"]["storageUri"] == V1
    assert list(kube.traffic(NS, NAME).values()) == [100]
    assert events[-1]["event"] == "rollback"


@pytest.mark.parametrize("fault", ["500", "409", "timeout"])
def test_fault_mid_rollout_ends_on_the_stable_model(isvcs, kube, fault):
    deploy(isvcs, "1", V1)

    def check(percent):
        if percent == 25:  # the fault strikes while traffic is moving
            if fault == "500":
                kube.fail_next(500, n=3)  # more than the client's retries
            elif fault == "409":
                kube.fail_next(409)
        return True, "ok", {}

    if fault == "timeout":
        kube.stall(True)  # the new revision never becomes ready: deploy times out, then so does the restore
        with pytest.raises(ServingTimeoutError):
            run_canary(isvcs, check, timeout_s=1)
        (revision,) = kube.traffic(NS, NAME)  # meanwhile all traffic is on the stable model
        assert kube.revision_uri(NS, NAME, revision) == V1
        kube.stall(False)  # the controller recovers; re-running the rollback finishes the job
        final = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
        assert list(final.traffic.values()) == [100]
    else:
        outcome, _ = run_canary(isvcs, check)
        assert outcome.decision == "rolled_back", outcome.reason
    obj = kube.objects[(NS, NAME)]
    assert obj["spec"]["predictor"]["model"]["storageUri"] == V1
    assert "canaryTrafficPercent" not in obj["spec"]["predictor"]
    (revision,) = kube.traffic(NS, NAME)
    assert kube.revision_uri(NS, NAME, revision) == V1


def test_blue_green_switches_at_once_and_keeps_the_previous_addressable(isvcs, kube):
    deploy(isvcs, "1", V1)
    state = deploy(isvcs, "2", V2, strategy="blue-green")
    assert state.action == "switched"
    assert kube.traffic(NS, NAME) == {"credit-default-predictor-00002": 100, "credit-default-predictor-00001": 0}
    tags = {t["revisionName"]: t.get("tag") for t in kube.objects[(NS, NAME)]["status"]["components"]["predictor"]["traffic"]}
    assert tags["credit-default-predictor-00001"] == "prev"  # reachable at its prev- URL
    back = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    (revision,) = back.traffic
    assert kube.revision_uri(NS, NAME, revision) == V1


def test_unknown_strategy(isvcs):
    with pytest.raises(ServingError, match="strategy must be one of"):
        deploy(isvcs, "1", V1, strategy="shadow")

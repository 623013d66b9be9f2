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


def test_409_is_a_clear_error(isvcs, kube, monkeypatch):
    monkeypatch.setattr(rollout, "CONFLICT_BACKOFF_S", 0.0)  # the count, without the pauses
    deploy(isvcs, "1", V1)
    # deploy's patch is conditional: a 409 over an unchanged spec is retried on the new
    # resourceVersion, and one refused every time is a clear error
    kube.fail_next(409, rollout.CONFLICT_ATTEMPTS)
    with pytest.raises(ServingConflictError, match="409"):
        deploy(isvcs, "2", V2)
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["model"]["storageUri"] == V1


def test_timeout_names_what_was_awaited(isvcs, kube):
    deploy(isvcs, "1", V1)
    kube.stall()
    with pytest.raises(ServingTimeoutError, match="canary revision ready with 5 % traffic"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5, timeout_s=1)


def predictor(kube):
    return kube.objects[(NS, NAME)]["status"]["components"]["predictor"]


def test_blue_green_switches_at_once_and_routes_only_the_new_revision(isvcs, kube):
    # KServe v0.20.0 ksvc_reconciler.go createKnativeService adds the `prev` target only while
    # canaryTrafficPercent < 100: at 100 the previous revision is not routed (no prev- URL), and
    # PropagateStatus (inference_service_status.go) makes the new revision the rolled-out one
    deploy(isvcs, "1", V1)
    state = deploy(isvcs, "2", V2, strategy="blue-green")
    assert state.action == "switched"
    assert predictor(kube)["traffic"] == [{"tag": "latest", "latestRevision": True, "percent": 100,
                                          "revisionName": "credit-default-predictor-00002"}]
    assert predictor(kube)["latestRolledoutRevision"] == "credit-default-predictor-00002"
    assert (state.latest_revision, state.previous_revision) == ("credit-default-predictor-00002",
                                                                "credit-default-predictor-00001")


@pytest.mark.parametrize("strategy", ["blue-green", "canary"])
def test_rollback_after_the_new_revision_had_100_puts_traffic_on_the_previous_one(isvcs, kube, strategy):
    # once the new revision had 100 % (blue-green, or a canary walked to its 100 % step) it is
    # KServe's latestRolledoutRevision; pinning back to 0 % first routes `prev` to it again, and
    # only the next reconcile hands traffic to previousRolledoutRevision (PropagateStatus,
    # KServe v0.20.0). The rollback waited for the bad revision to have 100 %: done at once on a
    # cluster (the first reconcile), never once KServe had moved traffic back (a timeout)
    deploy(isvcs, "1", V1)
    deploy(isvcs, "2", V2, strategy=strategy, percent=5)
    if strategy == "canary":
        rollout.set_traffic(isvcs, NAME, 100, timeout_s=5)
    bad, good = "credit-default-predictor-00002", "credit-default-predictor-00001"
    assert predictor(kube)["latestRolledoutRevision"] == bad
    mark = len(kube.history)
    final = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    (revision,) = final.traffic
    assert kube.revision_uri(NS, NAME, revision) == V1 and final.traffic[revision] == 100
    after = [split.get(bad, 0) for _, split in kube.history[mark:]]
    assert after[-1] == 0 and all(x == 0 for x in after[after.index(0):]), after
    pinned = [split for _, split in kube.history[mark:] if split.get(good) == 100]
    assert pinned, "traffic never went back to the stable revision before the champion's new one"


def test_unknown_strategy(isvcs):
    with pytest.raises(ServingError, match="strategy must be one of"):
        deploy(isvcs, "1", V1, strategy="shadow")


def test_walk_stops_when_the_spec_was_changed_by_hand(isvcs, kube):
    # `kubectl patch isvc ... canaryTrafficPercent: 0` while a check waited: the next step used to
    # set 50 % again and undo the operator's rollback
    from ctloop.serving import isvc as specs

    deploy(isvcs, "1", V1)
    deploy(isvcs, "2", V2, percent=5)

    def check(percent):
        if percent == 25:
            isvcs.patch(NAME, specs.pin_back_patch())
        return True, "ok", {}

    with pytest.raises(rollout.ChangedOutside, match=r"canaryTrafficPercent is 0, this rollout set 25"):
        rollout.walk_plan(isvcs, NAME, plan=[5, 25, 50, 100], check=check, storage_uri=V2, timeout_s=5)
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 0
    assert kube.traffic(NS, NAME)["credit-default-predictor-00002"] == 0


def test_walk_stops_when_another_model_was_deployed_meanwhile(isvcs, kube):
    deploy(isvcs, "1", V1)
    deploy(isvcs, "2", V2, percent=5)
    v3 = "gs://models/run3/artifacts/model-joblib"
    with pytest.raises(rollout.ChangedOutside, match="storageUri is gs://models/run3"):
        rollout.walk_plan(isvcs, NAME, plan=[5, 25], storage_uri=V2, timeout_s=5,
                          check=lambda p: (deploy(isvcs, "3", v3, percent=5) and True, "ok", {}))
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["model"]["storageUri"] == v3


@pytest.mark.parametrize("strategy, share", [("canary", 5), ("blue-green", 100)])
def test_redeploying_a_version_still_in_canary_resumes_it_to_be_analysed(isvcs, kube, strategy, share):
    # a deploy step retried after its patch landed (its audit write failed) read "unchanged", and
    # the analysis promoted an unchanged deployment without judging it
    deploy(isvcs, "1", V1)
    first = deploy(isvcs, "2", V2, percent=5, strategy=strategy)
    n = len(patches(kube))
    again = deploy(isvcs, "2", V2, percent=5, strategy=strategy)
    assert again.action == first.action and again.action != "unchanged"
    assert (again.latest_revision, again.previous_revision) == (first.latest_revision, first.previous_revision)
    assert patches(kube)[n:] == []  # already where the first step puts it
    rollout.set_traffic(isvcs, NAME, 25 if strategy == "canary" else 100, timeout_s=5)
    resumed = deploy(isvcs, "2", V2, percent=5, strategy=strategy)  # a rollout run again mid-walk
    assert resumed.traffic[first.latest_revision] == share
    rollout.promote(isvcs, NAME, timeout_s=5)
    assert deploy(isvcs, "2", V2, percent=5, strategy=strategy).action == "unchanged"  # serves all: nothing to do


def test_a_failed_revision_fails_the_wait_at_once_and_a_rollback_still_completes(isvcs, kube):
    # Knative marks the configuration RevisionFailed (knative-v1.21.1 configuration_lifecycle.go
    # MarkLatestCreatedFailed) and KServe v0.20.0 copies it into PredictorConfigurationReady: the
    # deploy waited out its whole timeout for a revision that would never be ready
    import time

    deploy(isvcs, "1", V1)
    kube.fail_revisions(V2)
    started = time.monotonic()
    with pytest.raises(ServingError, match=r'credit-default-predictor-00002" failed with message') as info:
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5, timeout_s=20)
    assert not isinstance(info.value, ServingTimeoutError)
    assert time.monotonic() - started < 10
    # the failed revision's condition is still there when the rollback patches: not a new failure
    final = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    (revision,) = final.traffic
    assert kube.revision_uri(NS, NAME, revision) == V1 and revision != "credit-default-predictor-00001"


# ---------------------------------------------------------------------------- a failed revision, retried
# Knative makes a revision per Configuration generation (knative-v1.21.1
# pkg/reconciler/configuration/configuration.go createRevision): re-deploying the storageUri
# already in the spec after its revision failed changed nothing, so no new revision came — the
# deploy waited out its timeout (or called the never-analysed canary "unchanged"). KServe v0.20.0
# copies spec.predictor.annotations into the revision template (components/predictor.go
# buildObjectMeta, reconcilers/knative/ksvc_reconciler.go createKnativeService), so a new
# annotation value is a new revision.
def _failed_canary(isvcs, kube):
    deploy(isvcs, "1", V1)
    kube.fail_revisions(V2)
    with pytest.raises(ServingError, match="00002"):
        deploy(isvcs, "2", V2, percent=5)


def test_redeploying_a_failed_revision_starts_a_new_one(isvcs, kube):
    import time

    from ctloop.serving.isvc import RETRY_ANNOTATION

    _failed_canary(isvcs, kube)
    kube.failing_uris.discard(V2)  # the model files fixed in place / a transient failure cleared
    started = time.monotonic()
    state = deploy(isvcs, "2", V2, percent=5)
    assert time.monotonic() - started < 4
    assert state.action == "canary"
    assert state.traffic == {"credit-default-predictor-00003": 5, "credit-default-predictor-00001": 95}
    spec = kube.objects[(NS, NAME)]["spec"]["predictor"]
    assert spec["annotations"][RETRY_ANNOTATION] == "credit-default-predictor-00002"
    assert spec["model"]["storageUri"] == V2 and spec["canaryTrafficPercent"] == 5
    rollout.promote(isvcs, NAME, timeout_s=5)
    deploy(isvcs, "3", "gs://models/run3/artifacts/model-joblib", percent=5)  # a new model: the mark goes
    assert RETRY_ANNOTATION not in kube.objects[(NS, NAME)]["spec"]["predictor"]["annotations"]


def test_redeploying_a_revision_that_fails_again_fails_at_once_naming_it(isvcs, kube):
    import time

    _failed_canary(isvcs, kube)
    started = time.monotonic()
    with pytest.raises(ServingError, match=r'Revision "credit-default-predictor-00003" failed with message: '
                                           r"Container failed with: model load failed") as info:
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5, timeout_s=20)
    assert not isinstance(info.value, ServingTimeoutError)
    assert time.monotonic() - started < 10
    assert kube.traffic(NS, NAME) == {"credit-default-predictor-00001": 100}  # never on a failed revision
    assert "\n" not in str(info.value)


def test_a_first_deployment_that_fails_fails_at_once_and_a_redeploy_retries_it(isvcs, kube):
    import time

    kube.fail_revisions(V1)
    started = time.monotonic()
    with pytest.raises(ServingError, match='"credit-default-predictor-00001" failed') as info:
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=20)
    assert not isinstance(info.value, ServingTimeoutError)
    assert time.monotonic() - started < 10
    kube.failing_uris.discard(V1)
    state = deploy(isvcs, "1", V1)  # was "unchanged", with no revision ready at all
    assert state.action == "created" and state.traffic == {"credit-default-predictor-00002": 100}


def test_a_rollback_run_again_after_the_champion_revision_failed_never_routes_the_bad_canary(isvcs, kube):
    deploy(isvcs, "1", V1)
    deploy(isvcs, "2", V2, percent=25)
    kube.fail_revisions(V1)  # the champion's new revision fails to start (a node, a pull)
    with pytest.raises(ServingError, match="00003"):
        rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    assert kube.traffic(NS, NAME)["credit-default-predictor-00001"] == 100
    kube.failing_uris.discard(V1)
    mark = len(kube.history)
    final = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    (revision,) = final.traffic
    assert kube.revision_uri(NS, NAME, revision) == V1 and revision == "credit-default-predictor-00004"
    # promoting before the champion's revision was ready would route latest = the ready V2 canary
    assert all(split.get("credit-default-predictor-00002", 0) == 0 for _, split in kube.history[mark:])

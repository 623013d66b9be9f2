"""A deploy "at 0 % first" stopped between its two writes resumes when retried (review G of round 46).

After an unfinished rollback (the latest ready revision serves a model pinned out) a deploy writes
its model at 0 % first and moves it to its share once its revision is ready. A step that died
between those writes (a pod evicted, KFP's retry) found its own model "pinned at 0", refused as
for a rolled-back canary, and release.deploy then rolled the unjudged version back as a failed
deploy. The write is now marked (isvc.STAGED_ANNOTATION, with the generation it gave the spec):
the retry resumes it, and a pin-back (a later spec change) is still refused.
The double is tests/doubles/kube_api.py (no API server can run here)."""

import json

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import release, rollout
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_fix38b_release_deploy_rollback import NAME, NS, _v1_deployed


class Killed(BaseException):
    """The step's pod going away: nothing after it runs, no except clause sees it."""


def _parked(kube):
    """v1 serving, v2's canary pinned back to 0 % by a rollback that stopped there."""
    isvcs, cfg, reg = _v1_deployed(kube)
    rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version="2",
        storage_uri="gs://models/v2",
        percent=10,
        timeout_s=4,
    )
    rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)
    assert rollout._parked(isvcs.get(NAME))
    return isvcs, cfg, reg


def _killed_after_staging(monkeypatch, reg, isvcs, cfg):
    real, calls = rollout._conditional_patch, []

    def patch_then_die(*args, **kwargs):
        calls.append(args[3])
        if len(calls) == 2:  # the move to its share: the pod dies before it is sent
            raise Killed()
        return real(*args, **kwargs)

    monkeypatch.setattr(rollout, "_conditional_patch", patch_then_die)
    with pytest.raises(Killed):
        release.deploy(reg, isvcs, model_name="credit", version="3", cfg=cfg)
    monkeypatch.setattr(rollout, "_conditional_patch", real)


def test_a_retry_between_the_two_writes_resumes_the_staging(monkeypatch):
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _parked(kube)
        _killed_after_staging(monkeypatch, reg, isvcs, cfg)
        staged = isvcs.get(NAME)
        assert staged["spec"]["predictor"]["canaryTrafficPercent"] == 0
        mark = json.loads(staged["metadata"]["annotations"][specs.STAGED_ANNOTATION])
        assert mark["version"] == "3" and mark["generation"] == staged["metadata"]["generation"]
        state, uri = release.deploy(reg, isvcs, model_name="credit", version="3", cfg=cfg)
        assert (state.action, uri) == ("canary", "gs://models/v3")
        now = isvcs.get(NAME)
        assert now["spec"]["predictor"]["model"]["storageUri"] == "gs://models/v3"
        assert now["spec"]["predictor"]["canaryTrafficPercent"] == int(cfg.traffic_plan[0])
        assert kube.traffic(NS, NAME) == {
            "credit-predictor-00003": int(cfg.traffic_plan[0]),
            "credit-predictor-00001": 100 - int(cfg.traffic_plan[0]),
        }


def test_a_staged_version_pinned_back_since_is_still_refused(monkeypatch):
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _parked(kube)
        state, _ = release.deploy(reg, isvcs, model_name="credit", version="3", cfg=cfg)
        assert state.action == "canary"
        rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)  # a rollback's pin-back, stopped there
        # the stale marker names v3 still, but not the spec's generation now
        assert specs.STAGED_ANNOTATION in isvc_annotations(isvcs)
        with pytest.raises(
            ServingError, match="canaryTrafficPercent 0: its canary was rolled back"
        ):
            rollout.deploy(
                isvcs,
                name=NAME,
                model_name="credit",
                version="3",
                storage_uri="gs://models/v3",
                percent=10,
                timeout_s=4,
            )
        assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 0


def isvc_annotations(isvcs):
    return isvcs.get(NAME)["metadata"].get("annotations") or {}


def test_a_marker_of_another_version_or_garbage_is_no_staging():
    obj = {
        "metadata": {
            "generation": 7,
            "labels": {specs.VERSION_LABEL: "3"},
            "annotations": {
                specs.STAGED_ANNOTATION: json.dumps(
                    {"version": "3", "generation": 7, "after": "r-2", "created": "r-2"}
                )
            },
        },
        "spec": {
            "predictor": {"canaryTrafficPercent": 0, "model": {"storageUri": "gs://models/v3"}}
        },
    }
    assert rollout._staged(obj, "3", "gs://models/v3")["after"] == "r-2"
    assert rollout._staged(obj, "4", "gs://models/v3") is None
    assert rollout._staged(obj, "3", "gs://models/v4") is None
    obj["metadata"]["generation"] = 8
    assert rollout._staged(obj, "3", "gs://models/v3") is None
    obj["metadata"]["generation"] = 7
    obj["metadata"]["annotations"][specs.STAGED_ANNOTATION] = "{not json"
    assert rollout._staged(obj, "3", "gs://models/v3") is None

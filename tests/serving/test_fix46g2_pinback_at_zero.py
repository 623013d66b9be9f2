"""A pin-back of a canary staged at 0 % is not resumed by the next deploy (review 2G of round 46).

A deploy after an unfinished rollback writes its model at 0 % first, marked with the generation
that write gave the spec (isvc.STAGED_ANNOTATION), so that a retried step resumes it. A pin-back
while it is still at 0 % — ``set_traffic(…, 0)``, a rollback's step 1, a rollback with no champion
(release._pin_out_then_raise) — changed no field of the spec (already 0): the generation stayed,
the marker held, and deploying that version again resumed the model pinned back on purpose. Each
pin-back now deletes the marker. The double is tests/doubles/kube_api.py (no API server can run
here)."""

import pytest

from ctloop.errors import RegistryError, ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import release, rollout
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_fix38b_release_deploy_rollback import NAME, NS
from tests.serving.test_fix46g_staged_retry import _killed_after_staging, _parked


def _annotations(isvcs):
    return isvcs.get(NAME)["metadata"].get("annotations") or {}


def _redeploy_refused(isvcs):
    with pytest.raises(ServingError, match="canaryTrafficPercent 0: its canary was rolled back"):
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


def test_set_traffic_zero_on_a_staged_canary_voids_the_marker(monkeypatch):
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _parked(kube)
        _killed_after_staging(monkeypatch, reg, isvcs, cfg)
        assert specs.STAGED_ANNOTATION in _annotations(isvcs)
        rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)  # pinned back by hand, still at 0 %
        assert specs.STAGED_ANNOTATION not in _annotations(isvcs)
        _redeploy_refused(isvcs)
        assert kube.traffic(NS, NAME).get("credit-predictor-00001") == 100


def test_a_rollback_without_a_champion_voids_the_marker(monkeypatch):
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _parked(kube)
        _killed_after_staging(monkeypatch, reg, isvcs, cfg)
        reg.champ = None
        with pytest.raises(RegistryError, match="canary pinned to 0 %"):
            release.rollback(
                reg, isvcs, model_name="credit", failed_version="3", reason="bad", cfg=cfg
            )
        assert specs.STAGED_ANNOTATION not in _annotations(isvcs)
        _redeploy_refused(isvcs)


def test_a_pin_back_from_a_share_leaves_the_annotation_alone():
    # the spec changes (10 % -> 0 %): its new generation voids the marker, and a template left
    # alone makes no revision of the failed model
    obj = {
        "metadata": {"generation": 5, "annotations": {specs.STAGED_ANNOTATION: '{"version": "3"}'}},
        "spec": {
            "predictor": {"canaryTrafficPercent": 10, "model": {"storageUri": "gs://models/v3"}}
        },
    }
    assert rollout._unstaged(obj, specs.pin_back_patch()) == specs.pin_back_patch()
    assert not rollout.staged_at_zero(obj)


def test_a_rollback_stopped_after_its_pin_back_voids_the_marker(monkeypatch):
    # step 1 pins the staged v3 back (at 0 % already), then the champion's URI is refused: the
    # rollback stops there, and deploying v3 again must not resume it
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _parked(kube)
        _killed_after_staging(monkeypatch, reg, isvcs, cfg)
        with pytest.raises(ServingError, match="pinned back"):
            rollout.rollback(
                isvcs,
                NAME,
                version="1",
                storage_uri="ftp://models/v1",
                timeout_s=4,
                failed_storage_uri="gs://models/v3",
            )
        assert specs.STAGED_ANNOTATION not in _annotations(isvcs)
        _redeploy_refused(isvcs)

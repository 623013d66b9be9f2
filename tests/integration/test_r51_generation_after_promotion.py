"""Every rollout after the first full-plan promotion was held at its first step ("its spec changed
since the analysis judged revision ..."), so no pipeline promotion was possible again: the
analysis compared the InferenceService's ``metadata.generation`` with its
``status.observedGeneration``, which KServe v0.20.0 copies from the Knative Service
(``pkg/apis/serving/v1beta1/inference_service_status.go`` ``PropagateStatus``:
``ss.ObservedGeneration = serviceStatus.ObservedGeneration``) — a counter of another object. The
promote patch (canaryTrafficPercent 100 -> none) builds the same ksvc traffic
(``pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go``
``createKnativeService``: one ``latestRevision`` target at 100 % either way; ``semanticEquals``:
no update), so the Knative Service's generation stays while the InferenceService's moves on. The
double (tests/doubles/kube_api.py, a double of the Kubernetes API) used to report the
InferenceService's own generation there; it now reports the Knative Service's counter, as KServe
v0.20.0 does. Now the analysis records the ``metadata.generation`` it judged and the promotion
refuses another one. Found by review 51 (H2, finding 1); real ``mlflow server`` on loopback."""

from __future__ import annotations

import functools

import pytest

from ctloop.config import RolloutConfig
from ctloop.registry import CHAMPION
from ctloop.serving import kube as kube_mod
from ctloop.serving import release, rollout
from ctloop.serving.kube import InferenceServices
from ctloop.serving.rollout import ChangedOutside
from tests.doubles.kube_api import KubeApiDouble
from tests.integration.test_r51_rollback_challenger_alias import (  # noqa: F401 - fixtures
    ISVC,
    NS,
    _version,
    model,
)

pytestmark = pytest.mark.slow

PLAN = [5, 25, 50, 100]  # the default traffic_plan (config.py)


@pytest.fixture
def cluster(monkeypatch):
    monkeypatch.setattr(rollout, "wait_for", functools.partial(kube_mod.wait_for, poll_s=0.02))
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double, InferenceServices(NS, api_client=double.api_client())


def _judged(isvcs) -> str:
    return isvcs.get(ISVC)["status"]["components"]["predictor"]["latestCreatedRevision"]


def _analyze(reg, isvcs, name, version, cfg):
    return release.analyze(
        reg,
        isvcs,
        model_name=name,
        version=version,
        cfg=cfg,
        deploy_action="canary",
        canary_revision=_judged(isvcs),
        stable_revision="",
        run_id=f"run-{version}",
        check=lambda percent: (True, "fine", {}),
    )


def _promote(reg, isvcs, name, version, cfg):
    return release.promote(
        reg,
        isvcs,
        model_name=name,
        version=version,
        reason="canary passed",
        cfg=cfg,
        run_id=f"run-{version}",
    )


def test_a_rollout_after_a_full_plan_promotion_walks_and_promotes(model, cluster):  # noqa: F811
    reg, client, experiment, name = model
    _, isvcs = cluster
    cfg = RolloutConfig(inference_service=ISVC, namespace=NS, traffic_plan=PLAN, timeout_seconds=10)
    release.deploy(reg, isvcs, model_name=name, version="1", cfg=cfg, run_id="run-1")
    release.deploy(reg, isvcs, model_name=name, version="2", cfg=cfg, run_id="run-2")
    # v2's walk and promotion on the cluster alone (its registry records are not what this is about)
    uri = isvcs.get(ISVC)["spec"]["predictor"]["model"]["storageUri"]
    walked = rollout.walk_plan(
        isvcs,
        ISVC,
        plan=PLAN,
        check=lambda percent: (True, "fine", {}),
        storage_uri=uri,
        revision=_judged(isvcs),
        timeout_s=10,
    )
    assert walked[0], walked
    rollout.promote(
        isvcs, ISVC, timeout_s=10, storage_uri=uri, percent=100, revision=_judged(isvcs)
    )
    after = isvcs.get(ISVC)
    # the skew KServe leaves: the promote patch moved the InferenceService's generation, not the ksvc's
    assert after["status"]["observedGeneration"] < after["metadata"]["generation"]
    three = _version(client, experiment, name, 3)
    release.deploy(reg, isvcs, model_name=name, version=three, cfg=cfg, run_id=f"run-{three}")
    result = _analyze(reg, isvcs, name, three, cfg)
    assert result.decision == "promote", result.reason  # was: hold, "its spec changed since ..."
    assert [s["percent"] for s in result.steps] == PLAN
    _promote(reg, isvcs, name, three, cfg)
    assert reg.aliases(name)[CHAMPION] == three
    assert "canaryTrafficPercent" not in isvcs.get(ISVC)["spec"]["predictor"]


def test_a_hand_edit_kserve_has_not_reconciled_is_still_refused(model, cluster):  # noqa: F811
    """The edit after the analysis, its status not reconciled yet (the latest revision still the
    one judged): the generation the analysis recorded differs, nothing is promoted."""
    reg, _, _, name = model
    double, isvcs = cluster
    cfg = RolloutConfig(
        inference_service=ISVC, namespace=NS, traffic_plan=[5, 50], timeout_seconds=10
    )
    release.deploy(reg, isvcs, model_name=name, version="1", cfg=cfg, run_id="run-1")
    release.deploy(reg, isvcs, model_name=name, version="2", cfg=cfg, run_id="run-2")
    judged = _judged(isvcs)
    assert _analyze(reg, isvcs, name, "2", cfg).decision == "promote"
    generation = isvcs.get(ISVC)["metadata"]["generation"]
    double.lag_reads = 1000  # KServe has not reconciled the edit below yet
    isvcs.patch(
        ISVC, {"spec": {"predictor": {"model": {"resources": {"limits": {"memory": "2Gi"}}}}}}
    )
    assert _judged(isvcs) == judged
    with pytest.raises(ChangedOutside) as refused:
        _promote(reg, isvcs, name, "2", cfg)
    assert f"metadata.generation {generation + 1}, the analysis judged it at {generation}" in str(
        refused.value
    )
    assert isvcs.get(ISVC)["spec"]["predictor"]["canaryTrafficPercent"] == 50
    assert reg.aliases(name)[CHAMPION] == "1"

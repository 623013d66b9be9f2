"""A rollback after a blue-green switch whose previous revision was deleted or garbage-collected.

A blue-green deploy (``canaryTrafficPercent: 100``) or a canary stepped to 100 % makes the new
revision KServe's ``latestRolledoutRevision``; a rollback's pin-back to 0 % hands traffic back to
``previousRolledoutRevision`` (KServe v0.20.0 ``inference_service_status.go`` ``PropagateStatus``)
as the ksvc's ``prev`` target. That revision may be gone: deleted by hand, or collected by Knative
under a tightened ``config-gc`` (knative-v1.21.1 ``pkg/reconciler/gc`` keeps the
``min-non-active-revisions`` non-active revisions last active most recently, 20 by default with
``retain-since-create-time`` 48 h and ``retain-since-last-active-time`` 15 h, so with the defaults
the previous revision is never collected; some install guides set ``min-non-active-revisions`` to
0). A ``prev`` target naming a revision that does not exist fails the Route (knative-v1.21.1
``pkg/reconciler/route/traffic/traffic.go``: ``RevisionMissing``), which keeps the traffic it had:
the failed model at 100 %. ctloop waited for "all traffic back on the stable revision" until its
timeout, with the pin written. Now a rollback whose pin-back target is gone (Knative Revision GET
answers 404) writes the champion back without a pin: the failed model serves until the champion's
new revision is ready, which then takes 100 %.

Through KubeApiDouble (tests/doubles/kube_api.py); ``Collecting`` adds Knative's GC: a collected
revision's GET answers 404, and a route naming it keeps its previous traffic."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"


class Collecting(KubeApiDouble):
    collected: set[str]

    def revision_object(self, ns, name):
        return None if name in self.collected else super().revision_object(ns, name)

    def _reconcile_once(self, key):
        before = (
            ((self.objects[key].get("status") or {}).get("components") or {})
            .get("predictor", {})
            .get("traffic")
        )
        super()._reconcile_once(key)
        predictor = self.objects[key]["status"]["components"]["predictor"]
        if before is not None and any(
            t["revisionName"] in self.collected for t in predictor["traffic"]
        ):
            predictor["traffic"] = before  # RevisionMissing: the Route keeps the traffic it had
            self.history[-1] = ("publish", {t["revisionName"]: t["percent"] for t in before})


def _isvc_reads(double, since: int = 0) -> int:
    """GETs of an InferenceService the double handled from its call ``since`` on: a wait that
    polled out its timeout (0.5 s apart) shows dozens, one that ended at once a few."""
    return sum(
        1
        for method, path, _ in double.calls[since:]
        if method == "GET" and "/inferenceservices/" in path
    )


@pytest.fixture
def cluster():
    with Collecting(ready_after_reads=1) as double:
        double.collected = set()
        yield double


def _switched(cluster, strategy: str):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version="2",
        storage_uri=V2,
        timeout_s=5,
        strategy=strategy,
        percent=10,
    )
    if strategy == "canary":
        rollout.set_traffic(isvcs, NAME, 100, timeout_s=5)
    assert cluster.traffic(NS, NAME) == {f"{NAME}-predictor-00002": 100}
    return isvcs


@pytest.mark.parametrize("strategy", ["blue-green", "canary"])
def test_a_rollback_whose_previous_revision_was_collected_restores_the_champion(cluster, strategy):
    isvcs = _switched(cluster, strategy)
    cluster.collected.add(f"{NAME}-predictor-00001")
    seen = len(cluster.history)
    since = len(cluster.calls)
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=30, failed_storage_uri=V2
    )
    assert _isvc_reads(cluster, since) <= 5, "polled out the timeout"
    assert state.action == "rolled_back"
    new = f"{NAME}-predictor-00003"
    assert cluster.traffic(NS, NAME) == {new: 100}
    assert cluster.revision_uri(NS, NAME, new) == V1
    # the failed model kept all traffic until the champion's revision took it, never the collected one
    splits = [split for _, split in cluster.history[seen:]]
    assert all(set(split) <= {f"{NAME}-predictor-00002", new} for split in splits), splits


def test_an_existing_previous_revision_is_still_pinned_back_to(cluster):
    isvcs = _switched(cluster, "blue-green")
    seen = len(cluster.history)
    rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2)
    pins = [
        b
        for m, _p, b in cluster.calls
        if m == "PATCH"
        and (b["spec"]["predictor"] or {}).get("canaryTrafficPercent", "-") == 0
        and "model" not in b["spec"]["predictor"]
    ]
    assert pins, "the pin-back was skipped"
    # the pin-back gave the previous revision all traffic (the history since the rollback: the
    # first deploy's entries also name it), then the champion's new revision took it
    splits = [split for _, split in cluster.history[seen:]]
    assert any(split.get(f"{NAME}-predictor-00001") == 100 for split in splits), splits
    assert cluster.traffic(NS, NAME) == {f"{NAME}-predictor-00003": 100}
    assert cluster.revision_uri(NS, NAME, f"{NAME}-predictor-00003") == V1


def test_an_unusable_champion_uri_writes_nothing_when_the_previous_revision_was_collected(cluster):
    isvcs = _switched(cluster, "blue-green")
    cluster.collected.add(f"{NAME}-predictor-00001")
    patches = sum(1 for m, _p, _b in cluster.calls if m == "PATCH")
    with pytest.raises(ServingError, match="runs:/"):
        rollout.rollback(
            isvcs,
            NAME,
            version="1",
            storage_uri="runs:/abc/model",
            timeout_s=2,
            failed_storage_uri=V2,
        )
    assert sum(1 for m, _p, _b in cluster.calls if m == "PATCH") == patches

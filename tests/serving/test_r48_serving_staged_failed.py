"""A deploy "staged at 0 %" (``isvc.STAGED_ANNOTATION``: written at 0 % first after an
unfinished rollback, moved to its share once ready) whose revision FAILED:

1. Pinned back (``ctloop rollout canary --percent 0``, a held or failed rollback), the marker was
   kept when the revision had failed, on the belief that a deploy resuming it "ends at that
   failure". A failed Knative revision can turn ready later (tests/doubles/kube_api_recovering.py
   names the upstream code: a Deployment past its progress deadline whose pods come up), and a
   deploy of that version run again then resumed the staging and gave the model pinned back on
   purpose its share. The pin-back now deletes the marker, failed or not (the revision that
   starts at 0 % is the lesser harm), and the deploy is refused as for any canary rolled back.
2. Run again while the revision stays failed, the deploy resumed the staging and ended at the
   same failure, every time: nothing could start a new revision of that spec. It now starts one
   (``isvc.retry_patch``, still at 0 %, the marker carried to the new generation), as a deploy of
   any failed spec does, and moves it to its share once ready.

Through tests/doubles/kube_api_recovering.py (no API server can run here)."""

from __future__ import annotations

import functools

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import kube as kube_mod
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api_recovering import RecoveringKubeApiDouble

NS, NAME = "ml", "credit"
V1, V2, V3 = "gs://models/v1", "gs://models/v2", "gs://models/v3"


def _deploy(isvcs, version, uri):
    return rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version=version,
        storage_uri=uri,
        percent=10,
        timeout_s=4,
    )


@pytest.fixture
def staged_failed(monkeypatch):
    """v1 serving, v2's canary pinned back to 0 % (a rollback that stopped there), v3 then written
    at 0 % first and its revision failed (its deploy ended there)."""
    monkeypatch.setattr(rollout, "wait_for", functools.partial(kube_mod.wait_for, poll_s=0.02))
    with RecoveringKubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        _deploy(isvcs, "1", V1)
        _deploy(isvcs, "2", V2)
        rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)
        kube.fail_revisions(V3)
        with pytest.raises(ServingError, match="failed"):
            _deploy(isvcs, "3", V3)
        assert rollout._failed(isvcs.get(NAME))
        assert specs.STAGED_ANNOTATION in isvcs.get(NAME)["metadata"]["annotations"]
        yield kube, isvcs


def _v3_share(kube, isvcs):
    return sum(
        pct for rev, pct in kube.traffic(NS, NAME).items() if kube.revision_uri(NS, NAME, rev) == V3
    )


def test_a_failed_staging_pinned_back_gets_no_traffic_once_its_revision_recovers(staged_failed):
    kube, isvcs = staged_failed
    rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)  # pinned back on purpose
    kube.recover(NS, NAME, V3)  # its pods came up after the progress deadline
    with pytest.raises(ServingError, match="canaryTrafficPercent 0: its canary was rolled back"):
        _deploy(isvcs, "3", V3)
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 0
    assert _v3_share(kube, isvcs) == 0, kube.traffic(NS, NAME)


class RestoreRefused:
    """``isvcs`` whose rollback restore (the champion's storageUri written back) is answered 500."""

    def __init__(self, isvcs):
        self.isvcs, self.namespace = isvcs, isvcs.namespace

    def __getattr__(self, attr):
        return getattr(self.isvcs, attr)

    def patch(self, name, patch):
        if (((patch.get("spec") or {}).get("predictor") or {}).get("model") or {}).get(
            "storageUri"
        ) == V1:
            raise ServingError("patch InferenceService: HTTP 500")
        return self.isvcs.patch(name, patch)


def test_a_rollback_whose_restore_fails_leaves_no_marker_of_a_failed_staging(staged_failed):
    kube, isvcs = staged_failed
    with pytest.raises(ServingError, match="HTTP 500"):
        rollout.rollback(
            RestoreRefused(isvcs),
            NAME,
            version="1",
            storage_uri=V1,
            timeout_s=4,
            failed_storage_uri=V3,
        )
    kube.recover(NS, NAME, V3)
    with pytest.raises(ServingError, match="canaryTrafficPercent 0: its canary was rolled back"):
        _deploy(isvcs, "3", V3)
    assert _v3_share(kube, isvcs) == 0, kube.traffic(NS, NAME)


def test_deploying_a_failed_staging_again_starts_a_new_revision(staged_failed):
    kube, isvcs = staged_failed
    before = kube.revisions_of(NS, NAME, V3)
    kube.failing_uris.discard(V3)  # the model files fixed in place, a transient failure gone
    state = _deploy(isvcs, "3", V3)
    made = kube.revisions_of(NS, NAME, V3)
    assert len(made) == len(before) + 1, (before, made)
    assert state.action == "canary" and kube.traffic(NS, NAME).get(made[-1]) == 10, kube.traffic(
        NS, NAME
    )


def test_deploying_a_failed_staging_again_that_fails_again_ends_at_once(staged_failed):
    kube, isvcs = staged_failed
    with pytest.raises(ServingError, match="failed") as failed:
        _deploy(isvcs, "3", V3)
    made = kube.revisions_of(NS, NAME, V3)
    assert len(made) == 2 and made[-1] in str(failed.value), str(failed.value)
    assert _v3_share(kube, isvcs) == 0
    # and the marker still holds: a deploy run again retries once more (one revision per failure)
    assert rollout.staged_at_zero(isvcs.get(NAME))

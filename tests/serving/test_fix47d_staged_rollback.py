"""A rollback of a model staged at 0 % voids the staging marker whatever stops it.

A deploy writes a new model at 0 % first and marks that write (``isvc.STAGED_ANNOTATION``), so a
step retried between its two writes resumes it. A rollback of that model pinned it back — a
no-op at 0 %, which kept the marker (``rollout._unstaged(replaced=True)``: the restore's new
generation was to void it) — then restored the champion. Stopped between the two (a pod
preempted, the restore refused), the marker stayed valid and a deploy of the failed model run
again resumed it at the canary's share (review D of round 47: the base refused it). Now, staged at
0 % with all traffic on the stable revision, the rollback skips the no-op pin-back and sends the
restore first; if the restore fails, the marker is deleted on the way out (the revision that
starts at 0 % is the lesser harm). Through tests/doubles/kube_api.py."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

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
def staged(monkeypatch):
    """v3 written at 0 % first, its deploy stopped before it gave v3 its share; v1 serves."""
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        _deploy(isvcs, "1", V1)
        _deploy(isvcs, "2", V2)
        rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)

        def stop(isvcs_, name, current, **kw):
            rollout._wait_split(
                isvcs_,
                name,
                0,
                4,
                "v3 at 0 %",
                new_revision_after=kw["after"],
                created_before=kw["created"],
                written=0,
                model=V3,
            )
            raise KeyboardInterrupt

        with monkeypatch.context() as m:
            m.setattr(rollout, "_from_zero", stop)
            with pytest.raises(KeyboardInterrupt):
                _deploy(isvcs, "3", V3)
        assert rollout.staged_at_zero(isvcs.get(NAME))
        yield kube, isvcs


class FailsAtRestore:
    """Records the patches; the rollback's restore (the champion's storageUri) does not land:
    ``error`` is raised (None: it lands)."""

    def __init__(self, isvcs, error):
        self.isvcs, self.namespace, self.error, self.patches = isvcs, isvcs.namespace, error, []

    def __getattr__(self, attr):
        return getattr(self.isvcs, attr)

    def patch(self, name, patch):
        self.patches.append(patch)
        model = ((patch.get("spec") or {}).get("predictor") or {}).get("model") or {}
        if self.error is not None and model.get("storageUri") == V1:
            raise self.error
        return self.isvcs.patch(name, patch)


@pytest.mark.parametrize(
    "error",
    [KeyboardInterrupt(), ServingError("patch InferenceService: HTTP 500")],
    ids=["stopped", "refused"],
)
def test_a_failed_restore_leaves_no_staging_to_resume(staged, error):
    kube, isvcs = staged
    with pytest.raises(type(error)):
        rollout.rollback(
            FailsAtRestore(isvcs, error),
            NAME,
            version="1",
            storage_uri=V1,
            timeout_s=4,
            failed_storage_uri=V3,
        )
    now = isvcs.get(NAME)
    assert not rollout.staged_at_zero(now)
    assert now["spec"]["predictor"]["canaryTrafficPercent"] == 0
    with pytest.raises(ServingError, match="canaryTrafficPercent 0"):
        _deploy(isvcs, "3", V3)  # refused as any canary pinned back, not resumed
    assert kube.traffic(NS, NAME).get(rollout._stable_revision(now)) == 100


def test_the_restore_is_sent_first_and_the_rollback_ends(staged):
    kube, isvcs = staged
    sent = FailsAtRestore(isvcs, None)
    state = rollout.rollback(
        sent, NAME, version="1", storage_uri=V1, timeout_s=4, failed_storage_uri=V3
    )
    assert state.action == "rolled_back" and list(state.traffic.values()) == [100]
    first = sent.patches[0]["spec"]["predictor"]
    # no pin-back before it
    assert first.get("model", {}).get("storageUri") == V1 and first["canaryTrafficPercent"] == 0
    assert isvcs.get(NAME)["spec"]["predictor"]["model"]["storageUri"] == V1

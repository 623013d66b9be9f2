"""The cleanup of a rollback's failed restore deletes only its own staging marker, and promptly.

A rollback of a model staged at 0 % sends the restore first; should it fail, the marker of that
staging is deleted on the way out (``rollout._unstage_after``, fix47d). Review 2D of round 47:

* it deleted any marker on the service naming the same storageUri — also the one another run
  wrote after this rollback read the service (another run rolled back and staged v4, a third
  staged v3 again, to be retried): that run's retry found no marker and deployed anew. Now only a
  marker and ``metadata.generation`` equal to those of the rollback's own read are deleted, and
  nothing is after :class:`ServingChangedOutside` (a new generation voids the old marker);
* its read asked an unreachable API server again until the step's deadline, so the restore's
  error — and a Ctrl-C — surfaced only then. It now keeps to ``rollout.UNSTAGE_DEADLINE_S``.

Through tests/doubles/kube_api.py (the real ``kubernetes`` client on loopback)."""

from __future__ import annotations

import time

import pytest

from ctloop.errors import ServingChangedOutside, ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from tests.serving import test_fix47d_staged_rollback as staged_rollback
from tests.serving.test_fix47d_staged_rollback import NAME, V1, V3, _deploy

staged = staged_rollback.staged  # the fixture: v3 staged at 0 %, its deploy stopped; v1 serves
V4 = "gs://models/v4"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused


def _restore(patch):
    model = ((patch.get("spec") or {}).get("predictor") or {}).get("model") or {}
    return model.get("storageUri") == V1


def _stage(isvcs, monkeypatch, version, uri):
    """A deploy of ``uri`` stopped after its write at 0 % first (its marker written)."""

    def stop(isvcs_, name, current, **kw):
        rollout._wait_split(
            isvcs_,
            name,
            0,
            4,
            "at 0 %",
            new_revision_after=kw["after"],
            created_before=kw["created"],
            written=0,
            model=uri,
        )
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(rollout, "_from_zero", stop)
        with pytest.raises(KeyboardInterrupt):
            _deploy(isvcs, version, uri)


class OthersMeanwhile:
    """Before the rollback's restore is sent: another run stages v4, then a third run stages v3
    again (its retry is to resume it). ``error``: the restore is not sent
    but raises it (the pod stopped); None: it is sent (and refused, 409). Records the patches."""

    def __init__(self, isvcs, monkeypatch, error=None):
        self.isvcs, self.namespace, self.mp, self.error = isvcs, isvcs.namespace, monkeypatch, error
        self.patches, self.theirs = [], None

    def __getattr__(self, attr):
        return getattr(self.isvcs, attr)

    def patch(self, name, patch):
        self.patches.append(patch)
        if _restore(patch) and self.theirs is None:
            _stage(self.isvcs, self.mp, "4", V4)
            _stage(self.isvcs, self.mp, "3", V3)
            now = self.isvcs.get(NAME)
            assert rollout.staged_at_zero(now)
            self.theirs = now["metadata"]["annotations"][specs.STAGED_ANNOTATION]
            if self.error is not None:
                raise self.error
        return self.isvcs.patch(name, patch)


@pytest.mark.parametrize(
    "error",
    [None, KeyboardInterrupt(), ServingError("patch InferenceService ml/credit: HTTP 500")],
    ids=["refused-409", "stopped", "failed"],
)
def test_another_runs_marker_survives_a_failed_restore(staged, monkeypatch, error):
    kube, isvcs = staged
    mine = isvcs.get(NAME)["metadata"]["annotations"][specs.STAGED_ANNOTATION]
    others = OthersMeanwhile(isvcs, monkeypatch, error)
    with pytest.raises(ServingChangedOutside if error is None else type(error)):
        rollout.rollback(
            others, NAME, version="1", storage_uri=V1, timeout_s=4, failed_storage_uri=V3
        )
    assert others.theirs != mine  # a marker of the third run, not the one this rollback read
    now = isvcs.get(NAME)
    assert now["metadata"]["annotations"].get(specs.STAGED_ANNOTATION) == others.theirs
    assert rollout.staged_at_zero(now)
    # the restore was the rollback's last write: no deletion sent after it
    assert _restore(others.patches[-1]), others.patches[-1]


class DownAtRestore:
    """The API server becomes unreachable as the restore is sent; ``error``: raised there too
    (the operator's Ctrl-C while it is in flight)."""

    def __init__(self, isvcs, error=None):
        self.isvcs, self.namespace, self.error, self.failed_at = isvcs, isvcs.namespace, error, None

    def __getattr__(self, attr):
        return getattr(self.isvcs, attr)

    def patch(self, name, patch):
        if _restore(patch):
            self.isvcs.api.api_client.configuration.host = UNREACHABLE
            if self.error is not None:
                self.failed_at = time.monotonic()
                raise self.error
            try:
                return self.isvcs.patch(name, patch)
            finally:
                self.failed_at = time.monotonic()
        return self.isvcs.patch(name, patch)


@pytest.mark.parametrize("error", [None, KeyboardInterrupt()], ids=["unreachable", "ctrl-c"])
def test_the_restore_error_surfaces_promptly_when_the_api_server_is_gone(staged, error):
    kube, isvcs = staged
    down = DownAtRestore(isvcs, error)
    with pytest.raises(ServingError if error is None else KeyboardInterrupt) as exc:
        rollout.rollback(
            down, NAME, version="1", storage_uri=V1, timeout_s=120, failed_storage_uri=V3
        )
    took = time.monotonic() - down.failed_at
    # the cleanup's own deadline (rollout.UNSTAGE_DEADLINE_S, 2 s), not the step's 120 s: a bound
    # half the step's, so a loaded machine cannot fail it while waiting for the step's deadline does
    assert took < 60, took
    if error is None:
        assert "the API server did not answer" in str(exc.value)

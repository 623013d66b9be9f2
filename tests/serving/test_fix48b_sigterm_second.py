"""A second SIGTERM cut a rollback's cleanup short part-way.

A rollback's SIGTERM handler (round 48) raised ``rollout.Terminated`` on every SIGTERM, also while
the cleanup the first one started was running (``rollout._unstage_after``: the marker of a staging
of the model being rolled back deleted, within ``UNSTAGE_DEADLINE_S``): the second raised inside
it, and the marker stayed valid — a deploy of the failed model run again resumed it. ``ctloop
local compare`` had its own handler, where a second SIGTERM kills at once. Both now use
``ctloop.sigterm.sigterm_raises``; the rollback ignores a second SIGTERM while its bounded cleanup
runs. The rollback runs in a forked child, through tests/doubles/kube_api.py on loopback."""

from __future__ import annotations

import os
import signal
import time

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.sigterm import sigterm_raises
from tests.serving.test_r48_serving_sigterm_rollback import (  # noqa: F401
    NAME,
    V1,
    V3,
    _rollback_in_child,
    staged,
)


class StoppedTwice:
    """``isvcs`` whose process gets SIGTERM while the restore is on its way, and again as the
    cleanup reads the InferenceService."""

    def __init__(self, isvcs):
        self.isvcs, self.namespace = isvcs, isvcs.namespace
        self.stopped = False

    def __getattr__(self, attr):
        return getattr(self.isvcs, attr)

    def get(self, *args, **kwargs):
        if self.stopped:
            os.kill(os.getpid(), signal.SIGTERM)  # the second one, in the cleanup
        return self.isvcs.get(*args, **kwargs)

    def patch(self, name, patch):
        if (((patch.get("spec") or {}).get("predictor") or {}).get("model") or {}).get(
            "storageUri"
        ) == V1:
            self.stopped = True
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        return self.isvcs.patch(name, patch)


def test_a_second_sigterm_does_not_cut_the_rollbacks_cleanup_short(staged, monkeypatch):  # noqa: F811
    _kube, isvcs = staged
    import tests.serving.test_r48_serving_sigterm_rollback as r48

    monkeypatch.setattr(r48, "Stopped", StoppedTwice)
    code, killed, err = _rollback_in_child(isvcs)
    assert (code, killed) == (143, None), (code, killed, err)
    now = isvcs.get(NAME)
    assert now["spec"]["predictor"]["model"]["storageUri"] == V3  # the restore never landed
    assert specs.STAGED_ANNOTATION not in (now["metadata"].get("annotations") or {})
    assert not rollout.staged_at_zero(now)


@pytest.mark.parametrize("then", [signal.SIG_IGN, signal.SIG_DFL], ids=["ignore", "default"])
def test_a_second_sigterm_gets_what_the_block_asked(then):
    with pytest.raises(SystemExit) as raised:
        with sigterm_raises(SystemExit, then=then):
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(1)
            except SystemExit:
                assert signal.getsignal(signal.SIGTERM) is then
                raise
    assert raised.value.code == 143
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

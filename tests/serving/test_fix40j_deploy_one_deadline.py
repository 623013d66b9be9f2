"""Review I, finding 1: ``rollout.deploy`` gave each of its waits the whole ``timeout_s``. A
champion revision still starting was waited for (``_await_starting``) for up to ``timeout_s``,
then the canary's split got ``timeout_s`` again: with timeout_s=3 and the champion ready just
before its timeout, a canary that never came failed after some 5.5 s, its message saying "not
reached within 3 s". Now a deploy has one deadline, ``timeout_s`` after it starts: each later
wait gets what is left, and the message names the whole ``timeout_s``. (The starting revision
and the split follow KServe v0.20.0 as in ``test_fix40g_deploy_champion_still_starting``.)
"""

import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from tests.serving.test_fix40g_deploy_champion_still_starting import NAME, V1, V2

T = 3.0


def test_a_deploy_waits_timeout_s_in_all_not_per_wait(isvcs, kube):
    kube.stall()  # v1's image still pulling
    with pytest.raises(ServingError, match="not reached within"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=0.5)
    get, started = isvcs.get, []

    def champion_ready_late_then_canary_stalls(name):
        if started and time.monotonic() - started[0] >= 0.7 * T and kube._stalled and not started[1:]:
            kube.stall(False)  # v1 becomes ready on this read, late in the deploy's timeout ...
            obj = get(name)
            kube.stall(True)  # ... and v2's revision then never does
            started.append("ready")
            return obj
        return get(name)

    isvcs.get = champion_ready_late_then_canary_stalls
    started.append(time.monotonic())
    with pytest.raises(ServingError, match=f"canary revision ready with 10 % traffic not reached within {T:.0f} s"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=T)
    elapsed = time.monotonic() - started[0]
    assert started[1:] == ["ready"]  # the champion's wait ended, the canary's was the one that timed out
    assert elapsed < T + 1.2, elapsed  # was about 0.7 T + T: each wait had all of timeout_s

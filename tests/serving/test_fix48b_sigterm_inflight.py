"""A rollback stopped by SIGTERM while a write of its was on its way said "nothing written".

SIGTERM raises ``rollout.Terminated`` wherever the rollback is (round 48) — also after its restore
PATCH was applied by the API server and before its answer was read. The stop line then said
"nothing written" while the spec already named the champion: whoever read it believed the failed
model still staged. Now a write on its way is named ("may have landed"): the process cannot know.
The rollback runs in a forked child that sends itself SIGTERM once the restore has landed, through
tests/doubles/kube_api.py on loopback (no API server can run here)."""

from __future__ import annotations

import io
import os
import signal
import sys
import time

from ctloop.serving import rollout
from tests.serving.test_r48_serving_sigterm_rollback import NAME, V1, V3, staged  # noqa: F401


class StoppedAfterLanding:
    """``isvcs`` whose process gets SIGTERM once the restore (the champion's storageUri) was
    applied, while its answer is on the way back."""

    def __init__(self, isvcs):
        self.isvcs, self.namespace = isvcs, isvcs.namespace

    def __getattr__(self, attr):
        return getattr(self.isvcs, attr)

    def patch(self, name, patch):
        out = self.isvcs.patch(name, patch)
        if (((patch.get("spec") or {}).get("predictor") or {}).get("model") or {}).get(
            "storageUri"
        ) == V1:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        return out


def _stopped_rollback(isvcs) -> tuple[int, str]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        sys.stderr = io.StringIO()
        try:
            rollout.rollback(
                StoppedAfterLanding(isvcs),
                NAME,
                version="1",
                storage_uri=V1,
                timeout_s=8,
                failed_storage_uri=V3,
            )
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - reported through the exit status
            code = 99
        finally:
            os.write(write, sys.stderr.getvalue().encode())
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        return os.waitstatus_to_exitcode(status), f.read()


def test_a_rollback_stopped_after_its_restore_landed_does_not_say_nothing_written(staged):  # noqa: F811
    _kube, isvcs = staged
    code, err = _stopped_rollback(isvcs)
    assert code == 143, err
    assert isvcs.get(NAME)["spec"]["predictor"]["model"]["storageUri"] == V1  # it landed
    assert "nothing written" not in err, err
    assert (
        "its restore (v1's storageUri written back at 0 %) was on its way and may have landed"
        in err
    )


def test_a_write_that_was_answered_is_no_longer_on_its_way():
    done: list[str] = []
    with rollout._sending(done, "pin"):
        assert done == ["~pin"]
    assert done == []
    try:
        with rollout._sending(done, "restore"):
            raise rollout.Terminated(143)
    except rollout.Terminated:
        pass
    assert done == ["~restore"]

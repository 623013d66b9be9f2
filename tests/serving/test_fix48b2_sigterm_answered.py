"""A rollback stopped by SIGTERM after a write of it was answered said "nothing written", or that
the write "was on its way and may have landed".

Only the pin-back, the restore and the garbage-collected branch's switch entered the record of
writes that landed (``rollout._rollback_until``'s ``done``): the switch of a rollback after a failed
first deployment, the retry of a failed revision, the relabel and the last step (the promote) did
not, and ``_sending(done, "retry")`` covered ``_retry``'s wait for readiness too (review 2B of round
48). Now each is recorded once answered and the stop line names it; "on its way" covers the write
alone. The rollback runs in a forked child (SIGTERM's default action would end the test run), at the
first read after the write was answered (the wait that follows it), through
tests/doubles/kube_api.py on loopback."""

from __future__ import annotations

import io
import os
import signal
import sys
import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_r48_serving_sigterm_rollback import NAME, NS, V1, V2, _deploy


def _predictor(patch):
    return (patch.get("spec") or {}).get("predictor") or {}


class StopAfter:
    """``isvcs`` whose process gets SIGTERM at the first read after a write ``which(patch)`` was
    answered."""

    def __init__(self, isvcs, which):
        self.isvcs, self.namespace, self.which, self.answered = isvcs, isvcs.namespace, which, False

    def __getattr__(self, attr):
        return getattr(self.isvcs, attr)

    def patch(self, name, patch):
        out = self.isvcs.patch(name, patch)
        self.answered = self.answered or self.which(patch)
        return out

    def get(self, *args, **kwargs):
        if self.answered:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        return self.isvcs.get(*args, **kwargs)


def _stopped(isvcs, which, before=lambda: None, **kwargs) -> tuple[int | None, str]:
    """(exit status, stderr) of a forked child running the rollback."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        sys.stderr = io.StringIO()
        try:
            before()
            rollout.rollback(StopAfter(isvcs, which), NAME, timeout_s=20, **kwargs)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # noqa: BLE001 - reported through the exit status
            print(repr(exc), file=sys.stderr)
            code = 99
        finally:
            os.write(write, sys.stderr.getvalue().encode())
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        err = f.read()
    return os.waitstatus_to_exitcode(status), err


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=3) as kube:
        yield kube, InferenceServices(NS, api_client=kube.api_client())


def test_the_switch_after_a_failed_first_deployment_is_named(kube):
    kube, isvcs = kube
    kube.fail_revisions(V2)
    with pytest.raises(ServingError):
        _deploy(isvcs, "2", V2)  # the first deployment: its revision failed
    code, err = _stopped(
        isvcs,
        lambda p: (_predictor(p).get("model") or {}).get("storageUri") == V1,
        version="1",
        storage_uri=V1,
        failed_storage_uri=V2,
    )
    assert code == 143, err
    assert "written before: v1's storageUri written without a pin" in err, err
    assert "nothing written" not in err, err
    assert isvcs.get(NAME)["spec"]["predictor"]["model"]["storageUri"] == V1


def test_a_retry_answered_is_named_written_not_on_its_way(kube):
    kube, isvcs = kube
    kube.fail_revisions(V1)
    with pytest.raises(ServingError):
        _deploy(isvcs, "1", V1)
    code, err = _stopped(
        isvcs,
        lambda p: specs.RETRY_ANNOTATION in (_predictor(p).get("annotations") or {}),
        before=lambda: kube.failing_uris.discard(V1),
        version="1",
        storage_uri=V1,
    )
    assert code == 143, err
    assert "written before: a new revision of v1 started (its revision had failed)" in err, err
    assert "on its way" not in err, err


def test_the_last_step_answered_is_named(kube):
    kube, isvcs = kube
    _deploy(isvcs, "1", V1)
    _deploy(isvcs, "2", V2)  # a canary at 10 %
    code, err = _stopped(
        isvcs,
        lambda p: p["spec"] == specs.promote_patch()["spec"],  # with the resourceVersion read
        version="1",
        storage_uri=V1,
        failed_storage_uri=V2,
    )
    assert code == 143, err
    assert "v1's revision moved to 100 %" in err, err
    assert "on its way" not in err, err


def test_a_relabel_answered_is_named(kube):
    kube, isvcs = kube
    _deploy(isvcs, "1", V1)
    code, err = _stopped(
        isvcs,
        lambda p: "labels" in (p.get("metadata") or {}),
        version="7",  # another registry version of the same model directory
        storage_uri=V1,
    )
    assert code == 143, err
    assert "written before: v7's labels written" in err, err
    assert "nothing written" not in err, err

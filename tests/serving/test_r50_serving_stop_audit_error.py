"""SIGTERM in the canary analysis whose ``stopped`` audit write fails with an error that is not
ctloop's (an ``OSError`` of the store's disk or socket, anything the registry did not wrap).

The stop's line was printed, then that error replaced the stop on its way out: the process
exited 1 (a traceback in the component's log) instead of 143, and nothing said the audit event
of the stop was missing. Whatever the write raised, the stop ends the process with 143, and the
line after the stop's names the write's error (its type too: ``OSError: ...``).

The analyses run in forked children (tests/serving/test_r49_serving_sigterm_analysis.py's
``in_child``); the InferenceService is tests/doubles/kube_api.py's, served on loopback."""

from __future__ import annotations

import os
import signal

import pytest

from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary
from tests.serving.test_fix49c_sigterm_analysis_windows import Sends, _analyze
from tests.serving.test_r49_serving_sigterm_analysis import (
    NAME,
    NS,
    PLAN,
    V1,
    V2,
    Registry,
    in_child,
)


@pytest.fixture
def isvcs():
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        with_canary(isvcs, NAME, V1, V2, percent=PLAN[0])
        yield isvcs


class FailingStopRecord(Registry):
    """SIGTERM in the first check; the write of the stop's audit event raises ``error``."""

    def __init__(self, fd: int, error: BaseException):
        super().__init__(fd)
        self.error = error

    def record_event(self, model, version, event):
        if event.get("decision") == "stopped":
            raise self.error
        super().record_event(model, version, event)


def test_a_stop_whose_audit_write_fails_still_exits_143_naming_both(isvcs):
    # its text made one line (review 50 L4): a second line of it read as another error of the log
    error, said = (
        OSError(28, "No space left on device\nerror: forged"),
        "OSError: [Errno 28] No space left on device\\nerror: forged",
    )

    def analysis(events_fd):
        checked: list[int] = []

        class Stopping(Sends):
            def get(self, name, *args):
                if checked:  # the read after the first check
                    os.kill(os.getpid(), signal.SIGTERM)
                return self.inner.get(name, *args)

        _analyze(
            isvcs, events_fd, Stopping(isvcs, checked), checked, FailingStopRecord(events_fd, error)
        )

    code, killed, err, _ = in_child(analysis)
    assert (code, killed) == (143, None), (code, killed, err)
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 2, err
    assert lines[0].startswith(
        "ctloop: the canary analysis was stopped (SIGTERM) at its 5 % step"
    ), err
    assert lines[1] == (f"ctloop: the audit event of that stop was not recorded: {said}"), err

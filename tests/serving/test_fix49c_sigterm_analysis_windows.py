"""Two windows of a SIGTERM in the canary analysis (review C of round 49).

1. Between a check and the next step's traffic move walk_plan reads the spec again
   (``check_unchanged``): a stop there has sent no patch, yet the line said "moving the canary
   from 5 % to 25 % (that move may have landed)" — an operator then went looking for a move that
   never went out. "Moving" is said only once the move's patch was on its way.
2. The ``analysis`` audit record of the decision was written outside the block where SIGTERM
   raises: a stop there (a slow MLflow answer) ended the process with no line at all, the
   decision neither acted on nor told. Now the stop is told in one line naming the decision, and
   the exit status is 143.

The analyses run in forked children (tests/serving/test_r49_serving_sigterm_analysis.py's
``in_child``); the InferenceService is tests/doubles/kube_api.py's, served on loopback."""

from __future__ import annotations

import os
import signal
import time

import pytest

from ctloop.serving import release
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary
from tests.serving.test_r49_serving_sigterm_analysis import (
    NAME,
    NS,
    PLAN,
    V1,
    V2,
    Registry,
    analysis_config,
    in_child,
)


@pytest.fixture
def isvcs():
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        with_canary(isvcs, NAME, V1, V2, percent=PLAN[0])
        yield isvcs


class Sends:
    """The InferenceServices the walk is given, counting the patches it sends; ``stop_on_read(n)``
    ``stop_after_checks``: SIGTERM while the spec is read once that many checks were judged and no
    patch was sent."""

    def __init__(self, inner, checked: list[int], stop_after_checks: int = 0):
        self.inner, self.namespace = inner, inner.namespace
        self.checked, self.stop_after_checks = checked, stop_after_checks
        self.patches = 0

    def __getattr__(self, attr):
        return getattr(self.inner, attr)

    def patch(self, name, patch):
        self.patches += 1
        return self.inner.patch(name, patch)

    def get(self, name, *args):
        out = self.inner.get(name, *args)
        if (
            self.stop_after_checks
            and len(self.checked) == self.stop_after_checks
            and not self.patches
        ):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        return out


def _analyze(
    isvcs, events_fd: int, walked: Sends, checked: list[int], registry=None, passing=True
) -> None:
    def check(percent):
        checked.append(percent)
        return passing, "ok" if passing else "error rate 0.2 > 0.01", {"canary_requests": 500.0}

    release.analyze(
        registry or Registry(events_fd),
        walked,
        model_name="credit",
        version="2",
        cfg=analysis_config(),
        deploy_action="canary",
        canary_revision="credit-predictor-00002",
        stable_revision="credit-predictor-00001",
        check=check,
    )


def test_a_stop_in_the_read_after_a_check_is_at_its_step_not_moving(isvcs):
    def analysis(events_fd):
        checked: list[int] = []
        _analyze(isvcs, events_fd, Sends(isvcs, checked, stop_after_checks=1), checked)

    code, killed, err, events = in_child(analysis)
    assert (code, killed) == (143, None), (code, killed, err)
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 5  # no move went out
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 1, err
    assert lines[0].startswith(
        "ctloop: the canary analysis was stopped (SIGTERM) at its 5 % step, 1 check judged (1 passed): "
        "v2 keeps its canary share of InferenceService ml/credit undecided"
    ), err
    assert "moving" not in err, err
    assert "analysis|stopped|the canary analysis was stopped (SIGTERM) at its 5 % step" in events


class StoppedRecording(Registry):
    """The registry answering slowly on the decision's record: SIGTERM arrives while it is written."""

    def record_event(self, model, version, event):
        if event.get("event") == "analysis" and event.get("decision") != "stopped":
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        super().record_event(model, version, event)


@pytest.mark.parametrize(
    ("passing", "told"),
    [
        (
            True,
            "at its 50 % step, 3 checks judged (3 passed), as it recorded its decision "
            "(promote: all 3 steps passed), which was not acted on",
        ),
        (
            False,
            "at its 5 % step, 1 check judged (0 passed), as it recorded its decision "
            "(rollback: canary at 5 %: error rate 0.2 > 0.01), which was not acted on",
        ),
    ],
    ids=["promote", "rollback"],
)
def test_a_stop_while_the_decision_is_recorded_is_told_in_one_line(isvcs, passing, told):
    def analysis(events_fd):
        checked: list[int] = []
        _analyze(
            isvcs, events_fd, Sends(isvcs, checked), checked, StoppedRecording(events_fd), passing
        )

    code, killed, err, events = in_child(analysis)
    assert (code, killed) == (143, None), (code, killed, err)
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 1, err
    assert lines[0].startswith(
        f"ctloop: the canary analysis was stopped (SIGTERM) {told}: v2 keeps"
    ), err
    assert "moving" not in err, err  # the rollback decided at 5 %: its next move was never sent
    assert events.splitlines()[-1].startswith(
        f"analysis|stopped|the canary analysis was stopped (SIGTERM) {told}"
    )
    share = 50 if passing else 5
    assert (
        isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == share
    )  # nothing written on the stop

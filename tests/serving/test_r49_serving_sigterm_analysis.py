"""SIGTERM while the canary analysis walks its plan (KFP stopping the run, the pod evicted or
preempted: the analysis is the step that lasts minutes, so the likeliest one to be stopped).

Python's default action for SIGTERM ends the process at once: the canary was left serving its
share (up to the plan's last step) with no decision, no audit event and no line saying so —
``analyze_canary`` is not retried (ctloop.ops.settings.RETRIED_STEPS), the exit handler records
only that the run failed, and only ``ctloop rollout status`` showed a canary nobody had decided.
Now SIGTERM during the walk prints one line (the step, the checks judged, what to do) and records
an ``analysis`` audit event with decision ``stopped``, then exits 143 as the default action.
Nothing is written to the InferenceService: a stop is no verdict on the canary. A deploy of the
same version run again resumes the canary at the plan's first step (rollout._deploy), which is
shown here too.

The analysis runs in a forked child that sends itself SIGTERM from its check (the default action
would end the test run itself); the InferenceService is tests/doubles/kube_api.py's, served on
loopback to both processes."""

from __future__ import annotations

import io
import os
import signal
import sys
import time
from collections.abc import Callable

import pytest

from ctloop.config import RolloutConfig
from ctloop.serving import release, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"
PLAN = [5, 25, 50]


class Registry:
    """The calls analyze makes (as tests/serving/test_r44_serving_analyze_steps.py's); the events
    go to ``fd`` as lines, so the parent reads what the child recorded."""

    def __init__(self, fd: int):
        self.fd = fd

    def model_artifact_uri(self, m, v):
        return f"gs://models/v{v}"

    def record_event(self, model, version, event):
        os.write(
            self.fd,
            f"{event.get('event')}|{event.get('decision', '')}|{event.get('reason', '')}\n".encode(),
        )


# an analysis here takes well under a second: a hung child fails its test, never hangs the run
CHILD_DEADLINE_S = 30.0


def in_child(analysis: Callable[[int], object]) -> tuple[int | None, int | None, str, str]:
    """(exit status, terminating signal, stderr, audit lines) of ``analysis(events_fd)`` run in a
    forked child. All of the child's code runs inside its try/finally ``os._exit``: an error in
    it, setup included, is exit status 99 with its repr on stderr — never a return into pytest,
    which went on running the session in the child while the parent waited for it forever. A
    child still running after ``CHILD_DEADLINE_S`` is killed and the test fails."""
    err_r, err_w = os.pipe()
    ev_r, ev_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            sys.stderr = io.StringIO()
            analysis(ev_w)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # noqa: BLE001 - reported through the exit status
            sys.stderr.write(repr(exc))
            code = 99
        finally:
            try:
                os.write(err_w, sys.stderr.getvalue().encode())
            finally:
                os._exit(code)
    os.close(err_w)
    os.close(ev_w)
    deadline = time.monotonic() + CHILD_DEADLINE_S
    while not (done := os.waitpid(pid, os.WNOHANG))[0]:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(err_r)
            os.close(ev_r)
            pytest.fail(f"the analysis child ran over {CHILD_DEADLINE_S} s: killed")
        time.sleep(0.01)
    status = done[1]
    with os.fdopen(err_r) as f:
        err = f.read()
    with os.fdopen(ev_r) as f:
        events = f.read()
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status), err, events
    return os.WEXITSTATUS(status), None, err, events


def _analyze_in_child(
    isvcs, stop_at: int, *, in_check: bool = True
) -> tuple[int | None, int | None, str, str]:
    """:func:`in_child` of an analysis that gets SIGTERM in its check at ``stop_at`` %
    (``in_check``), or while moving traffic to it."""

    def analysis(events_fd: int) -> None:
        def check(percent):
            if in_check and percent == stop_at:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
            return True, "ok", {"canary_requests": 500.0}

        class Stopping:
            def __init__(self, inner):
                self.inner, self.namespace = inner, inner.namespace

            def __getattr__(self, attr):
                return getattr(self.inner, attr)

            def patch(self, name, patch):
                answer = self.inner.patch(name, patch)
                share = ((patch.get("spec") or {}).get("predictor") or {}).get(
                    "canaryTrafficPercent"
                )
                if not in_check and share == stop_at:
                    os.kill(os.getpid(), signal.SIGTERM)  # the move written, its wait not done
                    time.sleep(5)
                return answer

        release.analyze(
            Registry(events_fd),
            Stopping(isvcs),
            model_name="credit",
            version="2",
            cfg=analysis_config(),
            deploy_action="canary",
            canary_revision="credit-predictor-00002",
            stable_revision="credit-predictor-00001",
            check=check,
        )

    return in_child(analysis)


def analysis_config() -> RolloutConfig:
    return RolloutConfig(
        inference_service=NAME,
        namespace=NS,
        traffic_plan=PLAN,
        timeout_seconds=5,
        interval_seconds=1,
    )


@pytest.fixture
def canary():
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        with_canary(isvcs, NAME, V1, V2, percent=PLAN[0])
        yield kube, isvcs


def test_a_stopped_analysis_says_so_in_one_line_and_in_the_audit_trail(canary):
    kube, isvcs = canary
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    code, killed, err, events = _analyze_in_child(isvcs, 25)
    assert (code, killed) == (143, None), (code, killed, err)
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 1, err
    assert lines[0].startswith(
        "ctloop: the canary analysis was stopped (SIGTERM) at its 25 % step, "
        "1 check judged (1 passed): v2 keeps its canary share of InferenceService "
        "ml/credit undecided; promote it (ctloop rollout promote), roll it back"
    ), err
    assert (
        "analysis|stopped|the canary analysis was stopped (SIGTERM) at its 25 % step" in events
    ), events
    # nothing written on the stop: the canary serves the share the walk had given it
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 25
    # a deploy of the same version run again resumes the canary at the plan's first step
    state = rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version="2",
        storage_uri=V2,
        percent=PLAN[0],
        timeout_s=5,
    )
    assert state.action == "canary"
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == PLAN[0]


def test_a_stop_while_moving_traffic_says_the_move_may_have_landed(canary):
    kube, isvcs = canary
    code, killed, err, _ = _analyze_in_child(isvcs, 50, in_check=False)
    assert (code, killed) == (143, None), (code, killed, err)
    assert (
        "stopped (SIGTERM) moving the canary from 25 % to 50 % (that move may have landed), "
        "2 checks judged (2 passed)"
    ) in err, err


def test_sigterm_keeps_its_default_action_after_an_analysis(canary):
    kube, isvcs = canary
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, traffic_plan=[5], timeout_seconds=5)
    result = release.analyze(
        Registry(os.open(os.devnull, os.O_WRONLY)),
        isvcs,
        model_name="credit",
        version="2",
        cfg=cfg,
        deploy_action="canary",
        canary_revision="credit-predictor-00002",
        stable_revision="credit-predictor-00001",
        check=lambda p: (True, "ok", {"canary_requests": 500.0}),
    )
    assert result.decision == "promote"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

"""The retries of the idempotent steps happen on KFP 2.17 for a step that ran longer than ten minutes.

``apply_step_settings`` compiled ``backoffMaxDuration: 600s``, read as the longest wait between two
attempts ("doubled each retry, at most 600 s"). Argo reads it as the window of all attempts:
argo-workflows ``workflow/controller/operator.go`` ``processNodeRetries`` (v4.0.5 is what KFP 2.17.0
installs, ``third_party/argo/VERSION``; the same code since v3) takes the deadline as the first
attempt's start plus ``maxDuration``, retries nothing that failed after it ("Max duration limit
exceeded") nor when the backoff would end after it ("Backoff would exceed max duration limit"), and
gives each retry that deadline as its pod's ``activeDeadlineSeconds`` (``opts.executionDeadline``).
KFP 2.17's compiler copies the IR's retryPolicy there unchanged (kubeflow/pipelines
``backend/src/v2/compiler/argocompiler/container.go`` ``getTaskRetryStrategyFromInput``: limit,
``backoff.duration``, ``backoff.factor``, ``backoff.maxDuration`` = the IR's seconds).

So a ``prepare_data`` or ``score_batch`` that met a storage outage after 15 minutes, or a
``deploy_canary`` that waited its ``rollout.timeout_seconds`` (600 s by default) and failed, was
never retried; and ``--retries 10`` gave at most 4 (30+60+120+240 s of backoff fit in 600 s, the
fifth wait does not).

:func:`argo_attempts` is that decision, step by step, on the retryPolicy the real kfp 2.17 compiler
writes (no cluster: the Argo controller is modelled from the source named above).
"""

from __future__ import annotations

import yaml

from tests.helpers import REPO

GOLDEN = REPO / "tests" / "golden" / "pipelines"


def _seconds(text: str) -> int:
    assert text.endswith("s"), text  # kfp 2.17 RetryPolicy.to_proto writes whole seconds
    return int(text[:-1])


def argo_attempts(policy: dict, runs: list[float]) -> int:
    """How many attempts Argo starts for a step whose attempts each fail after ``runs[i]`` seconds
    (the last value repeats), under the compiled ``policy`` (argo-workflows v4.0.5
    ``processNodeRetries``; the first attempt starts at 0)."""
    limit = int(policy["maxRetryCount"])
    base = _seconds(policy["backoffDuration"])
    factor = int(float(policy["backoffFactor"]))  # intstr.Int32 of KFP's "%v" of the float
    deadline = _seconds(policy["backoffMaxDuration"])  # firstChildNode.StartedAt + maxDuration
    start, attempts = 0.0, 0
    while True:
        run = runs[min(attempts, len(runs) - 1)]
        # a retry's pod carries the deadline (executionDeadline); the first attempt does not
        end = start + run if attempts == 0 else min(start + run, deadline)
        attempts += 1
        if end >= deadline:
            return attempts  # "Max duration limit exceeded"
        wait = base * factor ** (attempts - 1)
        if end + wait > deadline:
            return attempts  # "Backoff would exceed max duration limit"
        if attempts > limit:
            return attempts  # "No more retries left"
        start = end + wait


def _compiled_policy(step: str, retries: int | None, tmp_path) -> dict:
    """The retryPolicy the kfp compiler writes for a task given ``step``'s settings."""
    from kfp import compiler, dsl

    from ctloop.config import PlatformConfig
    from ctloop.ops.settings import apply_step_settings

    @dsl.container_component
    def noop():
        return dsl.ContainerSpec(image="busybox", command=["true"])

    @dsl.pipeline(name="retry-window")
    def pipe():
        apply_step_settings(
            noop(), step, PlatformConfig(retries=retries) if retries is not None else None
        )

    out = tmp_path / "p.yaml"
    compiler.Compiler().compile(pipe, str(out))
    task = next(yaml.safe_load_all(out.read_text()))["root"]["dag"]["tasks"]["noop"]
    return task["retryPolicy"]


def test_a_step_failing_after_fifteen_minutes_is_retried(tmp_path):
    policy = _compiled_policy("prepare_data", None, tmp_path)
    assert int(policy["maxRetryCount"]) == 2
    # main: 1 (it failed at 900 s, the window ended at 600 s)
    assert argo_attempts(policy, [900.0]) == 3


def test_a_deploy_that_waited_its_timeout_is_retried(tmp_path):
    from ctloop.config import RolloutConfig

    # the pod's start, then the whole default wait for a traffic change, then a failure
    policy = _compiled_policy("deploy_canary", None, tmp_path)
    assert argo_attempts(policy, [60.0 + RolloutConfig.timeout_seconds]) == 3  # main: 1


def test_every_configured_retry_happens(tmp_path):
    policy = _compiled_policy("score_batch", 10, tmp_path)
    assert argo_attempts(policy, [10.0]) == 11  # main: 5 (the fifth backoff, 480 s, passed 600 s)


def test_the_compiled_pipelines_carry_the_window():
    seen = 0
    for path in sorted(GOLDEN.glob("*.yaml")):
        lines = path.read_text().splitlines()
        for line_no, line in enumerate(lines):
            if line.strip() == "retryPolicy:":
                block = lines[line_no + 1 : line_no + 5]
                policy = dict(item.strip().split(": ", 1) for item in block)
                assert argo_attempts(policy, [900.0]) == int(policy["maxRetryCount"]) + 1, path.name
                seen += 1
    assert seen >= 10

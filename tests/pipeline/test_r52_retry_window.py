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
writes (no cluster: the Argo controller is modelled from the source named above), merged as Argo
merges it with the cluster's ``workflowDefaults.spec.templateDefaults``: ``mergedTemplateDefaultsInto``
(operator.go v4.0.5) strategic-merges those defaults under every template, so a field the template
leaves out comes from the defaults. KFP's compiler writes no ``retryPolicy``, and KFP 2.17.0's own
install (tests/fixtures/kfp/workflow-controller-configmap.2.17.0.yaml; kubeflow/pipelines 2dea6fd468,
PR #13485) sets ``templateDefaults.retryStrategy {limit: '2', retryPolicy: OnError}``: with it a step
that fails (a non-zero exit: node phase Failed) is "not set to be retried", and a step ctloop does not
retry (no retryStrategy of its own) is retried twice on Argo errors (phase Error: a deleted pod, a
failed init or wait container; :func:`pod_phase`). ``RetryPolicyActual`` (v4.0.5 ``pkg/apis/workflow/v1alpha1/workflow_types.go``) is
OnFailure when no policy and no expression is set.
"""

from __future__ import annotations

import yaml

from tests.helpers import REPO

GOLDEN = REPO / "tests" / "golden" / "pipelines"


def _seconds(text: str) -> int:
    assert text.endswith("s"), text  # kfp 2.17 RetryPolicy.to_proto writes whole seconds
    return int(text[:-1])


STOCK_KFP = yaml.safe_load(
    (REPO / "tests" / "fixtures" / "kfp" / "workflow-controller-configmap.2.17.0.yaml").read_text()
)
STOCK_DEFAULTS = yaml.safe_load(STOCK_KFP["data"]["workflowDefaults"])["spec"]["templateDefaults"]
ON_FAILURE = {"retryStrategy": {"retryPolicy": "OnFailure"}}
# retryPolicy -> (retried when Failed, retried when Error): processNodeRetries' switch (v4.0.5)
# (OnTransientError, retried only on messages Argo takes as transient, is not modelled: a KeyError)
RETRIED_ON = {"Always": (True, True), "OnError": (False, True), "OnFailure": (True, False)}


def _argo_retry_strategy(policy: dict | None, template_defaults: dict | None) -> dict | None:
    """The executor template's retryStrategy as the controller sees it: what KFP 2.17.0's compiler
    writes for the IR ``policy`` (``getTaskRetryStrategyFromInput``: limit and backoff, no
    retryPolicy; none without a policy), with ``template_defaults``' retryStrategy under it
    (``mergedTemplateDefaultsInto``: a strategic merge, the template's fields win)."""
    own = None
    if policy is not None:
        own = {
            "limit": policy["maxRetryCount"],
            "backoff": {
                "duration": policy["backoffDuration"],
                "factor": policy["backoffFactor"],
                "maxDuration": policy["backoffMaxDuration"],
            },
        }
    default = (template_defaults or {}).get("retryStrategy")
    if default is None or own is None:
        return own or default
    return {**default, **own, "backoff": {**(default.get("backoff") or {}), **own["backoff"]}}


def argo_attempts(
    policy: dict | None, runs: list[float], *, phase: str = "Failed", defaults: dict | None = None
) -> int:
    """How many attempts Argo starts for a step whose attempts each end in ``phase`` (Failed: the
    container exited non-zero, or the kubelet evicted the pod; Error: the pod was deleted; see
    :func:`pod_phase`) after ``runs[i]`` seconds (the
    last value repeats), under the compiled ``policy`` (None: the task has none) and the cluster's
    ``defaults`` (``templateDefaults``; None: none) (argo-workflows v4.0.5 ``processNodeRetries``;
    the first attempt starts at 0)."""
    strategy = _argo_retry_strategy(policy, defaults)
    if strategy is None:
        return 1  # no retryStrategy: the node is the pod
    retry_policy = strategy.get("retryPolicy") or (
        "Always" if strategy.get("expression") else "OnFailure"
    )
    if not RETRIED_ON[retry_policy][phase == "Error"]:
        return 1  # "Node not set to be retried"
    limit = int(strategy["limit"])
    backoff = strategy.get("backoff") or {}
    base = _seconds(backoff.get("duration", "0s"))
    factor = int(float(backoff.get("factor", 1)))  # intstr.Int32 of KFP's "%v" of the float
    # firstChildNode.StartedAt + maxDuration; no maxDuration: no deadline
    deadline = _seconds(backoff["maxDuration"]) if "maxDuration" in backoff else float("inf")
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


def pod_phase(pod: dict | None) -> str:
    """The node phase Argo gives a failed pod (argo-workflows v4.0.5 operator.go
    ``inferFailedReason``; None: the pod is gone, "pod deleted" in ``podReconciliation``, Error). A
    pod status message wins and is Failed, so a kubelet eviction under node pressure (phase Failed,
    reason Evicted, message "The node was low on resource: ...", kubernetes
    pkg/kubelet/eviction/helpers.go ``nodeLowMessageFmt``) is Failed; a drain through the Eviction
    API or a preemption deletes the pod: Error. Containers: one still waiting (failed before it
    started), a failed init or wait container: Error; the main container: Failed."""
    if pod is None:
        return "Error"
    if pod.get("message"):
        return "Failed"
    for name, state in [*pod.get("init", {}).items(), *pod.get("containers", {}).items()]:
        if state == "waiting" or (state != 0 and name in ("init", "wait")):
            return "Error"
        if state != 0 and name == "main":
            return "Failed"
    return "Failed"


def _compiled_policy(step: str, retries: int | None, tmp_path) -> dict | None:
    """The retryPolicy the kfp compiler writes for a task given ``step``'s settings (None: none)."""
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
    return task.get("retryPolicy")


# The first three tests: an Argo without a templateDefaults retryStrategy (its own default OnFailure:
# what the patch ctloop doctor gives leaves, docs/operations.md), or one whose policy is OnFailure.
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


def test_on_a_stock_kfp_install_a_failing_step_is_not_retried(tmp_path):
    """KFP 2.17.0's templateDefaults retryPolicy OnError reaches every ctloop retried step (the
    compiler writes none): a storage or MLflow outage that makes prepare_data exit non-zero (phase
    Failed) ends the run; only a pod error (phase Error) is retried. The model on main ignored
    retryPolicy and the cluster's defaults, and said 3."""
    policy = _compiled_policy("prepare_data", None, tmp_path)
    assert _argo_retry_strategy(policy, STOCK_DEFAULTS)["retryPolicy"] == "OnError"
    assert argo_attempts(policy, [30.0], defaults=STOCK_DEFAULTS) == 1
    assert argo_attempts(policy, [30.0], phase="Error", defaults=STOCK_DEFAULTS) == 3
    # templateDefaults with retryPolicy OnFailure, or none: retried when it fails, not on pod errors
    for defaults in (ON_FAILURE, None):
        assert argo_attempts(policy, [30.0], defaults=defaults) == 3
        assert argo_attempts(policy, [30.0], phase="Error", defaults=defaults) == 1


def test_on_a_stock_kfp_install_the_steps_ctloop_does_not_retry_are_retried_on_pod_errors(tmp_path):
    """train_model has no retryPolicy (RETRIED_STEPS: each attempt logs another MLflow run), so its
    template has no retryStrategy and takes KFP 2.17.0's whole default: limit 2, OnError."""
    policy = _compiled_policy("train_model", None, tmp_path)
    assert policy is None
    assert argo_attempts(policy, [30.0], phase="Error", defaults=STOCK_DEFAULTS) == 3
    assert argo_attempts(policy, [30.0], defaults=STOCK_DEFAULTS) == 1
    assert argo_attempts(policy, [30.0], phase="Error") == 1  # no templateDefaults: never retried


def test_on_a_stock_kfp_install_a_kubelet_eviction_is_no_pod_error(tmp_path):
    """Round 51's docs said a pod error is an evicted pod: Argo takes a pod with a status message as
    Failed (inferFailedReason), so a kubelet eviction under node pressure is not retried under KFP
    2.17.0's OnError, while a drained (deleted) pod or a failed wait container is."""
    evicted = {"message": "The node was low on resource: memory. ", "containers": {"main": 137}}
    assert pod_phase(evicted) == "Failed"
    assert pod_phase(None) == "Error"  # drained through the Eviction API, preempted: deleted
    assert pod_phase({"containers": {"main": 0, "wait": 1}}) == "Error"
    assert pod_phase({"containers": {"main": "waiting"}}) == "Error"  # e.g. ImagePullBackOff
    assert pod_phase({"containers": {"main": 1, "wait": 0}}) == "Failed"
    for step in ("prepare_data", "train_model"):
        policy = _compiled_policy(step, None, tmp_path)
        assert argo_attempts(policy, [30.0], phase=pod_phase(evicted), defaults=STOCK_DEFAULTS) == 1
        assert argo_attempts(policy, [30.0], phase=pod_phase(None), defaults=STOCK_DEFAULTS) == 3

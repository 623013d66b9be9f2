"""analyze_canary keeps the steps judged before a check that raised.

Round 43 left alone: :func:`ctloop.serving.release.analyze` reported ``steps=[]`` when a step's
check raised (Prometheus unreachable at the 25 % step, a serving error while moving traffic), so
the report and the KFP Metrics of the analysis lost the 5 % step that had passed and been
measured — the rollback's reason named the error alone, and nobody could see how far the canary
had got. The steps judged before the error are kept, as they already were for a spec changed
outside the rollout (:class:`ctloop.errors.ServingChangedOutside`).

Through KubeApiDouble (tests/doubles/kube_api.py) and the registry stand-in the release tests use
(only the calls analyze makes; test_fix38b_release_deploy_rollback.py)."""

from __future__ import annotations

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import CtloopError, ServingError
from ctloop.serving import release
from tests.doubles.kube_api import with_canary

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"


class Registry:
    def __init__(self):
        self.events = []

    def model_artifact_uri(self, m, v):
        return f"gs://models/v{v}"

    def record_event(self, model, version, event):
        self.events.append(event)


def _analyze(isvcs, check, plan=(5, 25, 50)):
    with_canary(isvcs, NAME, V1, V2, percent=plan[0])
    cfg = RolloutConfig(
        inference_service=NAME,
        namespace=NS,
        traffic_plan=list(plan),
        timeout_seconds=5,
        interval_seconds=1,
    )
    registry = Registry()
    result = release.analyze(
        registry,
        isvcs,
        model_name="credit",
        version="2",
        cfg=cfg,
        deploy_action="canary",
        canary_revision="credit-predictor-00002",
        stable_revision="credit-predictor-00001",
        check=check,
    )
    return result, registry


def _check(error: CtloopError):
    def check(percent):
        if percent == 5:
            return True, "error rate 0 %", {"canary_requests": 120.0, "canary_error_rate": 0.0}
        raise error

    return check


@pytest.mark.parametrize(
    "error, said",
    [
        (CtloopError("Prometheus http://prom:9090 did not answer"), "could not be analysed"),
        (
            ServingError("get InferenceService ml/credit: HTTP 500 Internal Server Error"),
            "serving error during the canary",
        ),
    ],
    ids=["ctloop-error", "serving-error"],
)
def test_a_check_that_raises_keeps_the_steps_judged_before(isvcs, error, said):
    result, registry = _analyze(isvcs, _check(error))
    assert result.decision == "rollback", result
    assert said in result.reason and str(error) in result.reason, result.reason
    assert [(s["percent"], s["passed"]) for s in result.steps] == [(5, True)], result.steps
    assert release.step_metrics(result) == {
        "step_5.canary_requests": 120.0,
        "step_5.canary_error_rate": 0.0,
    }
    assert "| 5 % | yes |" in release.render_markdown(result)
    assert registry.events[-1]["decision"] == "rollback"


def test_an_error_at_the_first_step_has_no_steps(isvcs):
    def check(percent):
        raise CtloopError("Prometheus http://prom:9090 did not answer")

    result, _ = _analyze(isvcs, check)
    assert result.decision == "rollback" and result.steps == []

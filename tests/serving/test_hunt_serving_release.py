"""analyze_canary on a canary it cannot measure: the decision must be the safe one (rollback,
saying why), never a crashed component that leaves the new model serving its first step's share
undecided (the rollout pipeline branches only on analyze_canary's decision: pipelines/rollout.py)."""

from __future__ import annotations

import pytest

from ctloop.components.deploy.component import deploy_canary
from tests.serving.test_rollout_components import (
    ISVC,
    MODEL,
    NS,
    RELEASE,
    kube,
    registered,
    run_canary,
)

__all__ = ["kube", "registered"]  # fixtures


@pytest.mark.parametrize("url", ["", "prometheus:9090"])
def test_a_canary_without_a_usable_prometheus_url_is_rolled_back_saying_why(registered, kube, monkeypatch, url):
    """Before: ConfigError from live_check, outside the walk's error handling: the component
    failed with the canary at 5 %."""
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    if url:
        monkeypatch.setenv("PROMETHEUS_URL", url)
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    outcome = run_canary(registry, None)
    assert outcome.decision == "rolled_back", outcome
    assert "could not be analysed" in outcome.reason and "Prometheus" in outcome.reason, outcome.reason
    assert "\n" not in outcome.reason
    (revision,) = kube.traffic(NS, ISVC)
    assert kube.revision_uri(NS, ISVC, revision) == registry.model_artifact_uri(MODEL, "1")
    assert registry.champion(MODEL).version == "1"


def test_step_metrics_leave_out_what_json_cannot_carry():
    """A step failed on a corrupt counter (+Inf requests, NaN error rate) is in the report; its
    non-finite numbers stay out of the KFP Metrics artifact (json.dumps writes Infinity/NaN, which
    RFC 8259 JSON and the backend's Go decoder refuse)."""
    import json

    from ctloop.serving.release import Analysis, step_metrics

    result = Analysis("rollback", "corrupt", [
        {"percent": 5, "passed": False, "canary_requests": float("inf"), "canary_error_rate": float("nan"),
         "canary_p99_seconds": 0.099},
        {"percent": 25, "passed": True, "canary_requests": 600.0, "canary_error_rate": 0.0,
         "canary_p99_seconds": None},
    ])
    metrics = step_metrics(result)
    assert metrics == {"step_5.canary_p99_seconds": 0.099, "step_25.canary_requests": 600.0,
                       "step_25.canary_error_rate": 0.0}
    json.loads(json.dumps(metrics), parse_constant=lambda c: pytest.fail(f"{c} in the metrics"))

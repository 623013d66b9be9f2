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

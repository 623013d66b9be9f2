"""PROMETHEUS_URL and PUSHGATEWAY_URL read by one rule (``metric_sources.configured_url``).

A ConfigMap value written as a YAML block (``PROMETHEUS_URL: |``) ends in a newline. The
Pushgateway's URL was stripped, the Prometheus URL refused ("holds a space or control character"),
so one ``ctloop-settings`` ConfigMap worked for the monitoring push and failed every canary
analysis. Both are stripped now; a space inside a URL is still refused.
"""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.monitoring import publish
from ctloop.serving.metric_sources import Prometheus

BLOCK = "http://prometheus-operated.monitoring.svc:9090\n"  # what `PROMETHEUS_URL: |` holds


def test_a_configmap_block_value_is_a_prometheus_url():
    assert Prometheus(BLOCK).url == "http://prometheus-operated.monitoring.svc:9090"


def test_both_settings_read_the_environment_the_same_way(monkeypatch):
    from ctloop.serving.metric_sources import configured_url

    monkeypatch.setenv("PROMETHEUS_URL", BLOCK)
    monkeypatch.setenv("PUSHGATEWAY_URL", "http://pg.monitoring.svc:9091\n")
    assert configured_url("", "PROMETHEUS_URL") == BLOCK.strip()
    assert publish.gateway("") == "http://pg.monitoring.svc:9091"
    assert (
        configured_url(" http://given:9090 ", "PROMETHEUS_URL") == "http://given:9090"
    )  # given wins


def test_the_canary_check_of_a_rollout_reads_a_block_value(monkeypatch):
    from ctloop.config import RolloutConfig
    from ctloop.serving.release import live_check

    monkeypatch.setenv("PROMETHEUS_URL", BLOCK)
    check = live_check(
        None,
        RolloutConfig(),
        model_name="m",
        version="2",
        canary_revision="m-predictor-00002",
        stable_revision="m-predictor-00001",
    )
    assert callable(check)


def test_a_space_inside_the_url_is_still_refused():
    with pytest.raises(ConfigError, match="space or control character"):
        Prometheus("http://prometheus operated:9090")

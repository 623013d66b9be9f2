"""``rollout.prometheus_url`` and ``monitoring.pushgateway_url`` are checked where ctloop.yaml is
validated: ``prometheus:9090`` (no scheme), ``ftp://...`` or a URL holding a password validated,
was compiled into the schedule, and the rollout's or the monitoring run's first use of it failed
(``Prometheus URL 'prometheus:9090' must start with http:// or https://``) — on the cluster, runs later."""

from __future__ import annotations

import pytest

from ctloop.config import MonitoringConfig, RolloutConfig
from ctloop.errors import ConfigError
from ctloop.ops.spec import parse_spec

BAD = [
    pytest.param("prometheus:9090", "must start with http:// or https://", id="no-scheme"),
    pytest.param("ftp://prometheus:9090", "must start with http:// or https://", id="ftp"),
    pytest.param("http://prometheus:90x0", "not a URL", id="bad-port"),
    pytest.param("http://prom etheus:9090", "space", id="space"),
    pytest.param("http://:9090", "no host", id="no-host"),
    pytest.param("http://admin:s3cret@prometheus:9090", "user name or password", id="password"),
    pytest.param("http://prometheus:9090/?x=1", "query or fragment", id="query"),
]


@pytest.mark.parametrize(("url", "said"), BAD)
def test_a_bad_prometheus_url_is_refused_by_the_section(url, said):
    with pytest.raises(ConfigError) as exc:
        RolloutConfig.from_dict({"prometheus_url": url}, "rollout")
    line = str(exc.value)
    assert "rollout.prometheus_url:" in line and said in line, line
    assert "s3cret" not in line and "\n" not in line


@pytest.mark.parametrize(("url", "said"), BAD)
def test_a_bad_pushgateway_url_is_refused_by_the_section(url, said):
    with pytest.raises(ConfigError) as exc:
        MonitoringConfig.from_dict({"log_root": "/tmp/log", "pushgateway_url": url}, "monitoring")
    line = str(exc.value)
    assert "monitoring.pushgateway_url:" in line and said in line, line
    assert "s3cret" not in line and "\n" not in line


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://prometheus-operated.monitoring.svc:9090",
        "https://thanos.example.com/prometheus",
        "http://prometheus:9090\n",
    ],
)
def test_good_urls_and_empty_pass(url):
    assert RolloutConfig.from_dict({"prometheus_url": url}).prometheus_url == url
    assert (
        MonitoringConfig.from_dict({"log_root": "/tmp/log", "pushgateway_url": url}).pushgateway_url
        == url
    )


def test_ctloop_yaml_names_the_field_of_the_model():
    doc = {
        "apiVersion": "ctloop.dev/v1alpha2",
        "kind": "ContinuousTraining",
        "models": [
            {
                "name": "credit",
                "data": {"uri": "/tmp/x.parquet", "target": "y", "time_column": "t"},
                "gate": {"thresholds": {"roc_auc": 0.7}},
                "rollout": {
                    "inference_service": "credit",
                    "namespace": "ml",
                    "prometheus_url": "prometheus:9090",
                },
                "monitoring": {"log_root": "/tmp/log", "pushgateway_url": "pushgateway:9091"},
            }
        ],
    }
    with pytest.raises(ConfigError) as exc:
        parse_spec(doc, "ctloop.yaml")
    said = str(exc.value)
    assert (
        "models[0].rollout.prometheus_url:" in said
        and "models[0].monitoring.pushgateway_url:" in said
    ), said

"""The recording rules (and so the alerts and the Grafana dashboard) under every metric naming a
stock KServe 0.20 / Knative Serving 1.21 cluster can expose, put to the real promtool.

The rules read only the default names' classic series (``http_server_request_duration_seconds_
{count,bucket}``), while the canary analysis also asks the other OTLP translation strategies'
names and native histograms (``MetricSource.alternates``, ``stats``): under
``UnderscoreEscapingWithoutSuffixes`` the contract series stayed empty, the alerts silent and the
dashboard blank while the analysis judged the same revision. The rule group is now built from the
same names (``MetricSource.rule_group``).

Names: knative/serving knative-v1.21.1 ``pkg/queue/sharedmain/handlers.go`` (otelhttp outermost:
``http.server.request.duration``, seconds, attribute ``http.response.status_code``),
``pkg/queue/sharedmain/otel.go`` (resource ``kn.revision.name``, ``kn.configuration.name``,
``k8s.namespace.name`` on ``target_info``); prometheus/otlptranslator ``strategy.go`` (the
escaping strategies). The dotted strategies (``NoUTF8EscapingWithSuffixes``, ``NoTranslation``)
need Prometheus 3's quoted names, which promtool 2.42 cannot parse: they stay out of the rules
(docs/serving.md#metric-sources). Native histograms: test_r42_metrics_native_rules.py (promtool
2.42 cannot write a native histogram input series).
"""

from __future__ import annotations

import json

import pytest

from tests.manifests.rules_support import promtool, render_monitoring, rule_groups, write_rules

NS, CONFIG = "ml", "credit-default-predictor"
REVISION = f"{CONFIG}-00003"  # a real Knative revision name: <configuration>-<5 digits>
TARGET = {
    "job": "ml/ctloop-inferenceservices",
    "instance": "10.0.0.7:9091",
    "pod": f"{REVISION}-deployment-7d9c6bd7f-x2x7q",
}
SUMMARY = f"credit-default revision {REVISION} answers 10% 5xx (over 1 % for 5 minutes)"
RUNBOOK = (
    f"If this is the canary: kubectl -n {NS} patch isvc credit-default --type merge -p "
    """'{"spec":{"predictor":{"canaryTrafficPercent":0}}}', then restore the champion """
    "(docs/manifests.md, Roll back)"
)
NAMINGS = {  # strategy -> the histogram's series name prefix
    "UnderscoreEscapingWithSuffixes": "http_server_request_duration_seconds",
    "UnderscoreEscapingWithoutSuffixes": "http_server_request_duration",
}


def _series(name: str, labels: dict, values: str) -> dict:
    body = ", ".join(f"{k}={json.dumps(v)}" for k, v in labels.items())
    return {"series": f"{name}{{{body}}}", "values": values}


@pytest.mark.parametrize("strategy", list(NAMINGS))
def test_contract_series_under_each_naming(strategy, tmp_path):
    rules = write_rules(
        tmp_path, rule_groups(render_monitoring(tmp_path / "render", "knative-otel"))
    )
    name = NAMINGS[strategy]
    ok, failed = (
        {**TARGET, "http_response_status_code": "200"},
        {**TARGET, "http_response_status_code": "503"},
    )
    info = {
        **TARGET,
        "kn_revision_name": REVISION,
        "kn_configuration_name": CONFIG,
        "k8s_namespace_name": NS,
    }
    series = [
        _series("target_info", info, "1+0x20"),
        _series(f"{name}_count", ok, "0+54x20"),  # 0.9/s answered 200
        _series(f"{name}_count", failed, "0+6x20"),  # 0.1/s answered 503 by the queue-proxy
        _series(f"{name}_bucket", {**ok, "le": "0.05"}, "0+27x20"),
        _series(f"{name}_bucket", {**ok, "le": "0.1"}, "0+54x20"),
        _series(f"{name}_bucket", {**ok, "le": "+Inf"}, "0+54x20"),
        _series(f"{name}_bucket", {**failed, "le": "0.1"}, "0+6x20"),
        _series(f"{name}_bucket", {**failed, "le": "+Inf"}, "0+6x20"),
    ]
    contract = f'{{namespace="{NS}", isvc="credit-default", revision="{REVISION}"}}'
    test = {
        "rule_files": [rules.name],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "promql_expr_test": [
                    {
                        "expr": "round(ctloop:request_rate:rate5m, 0.001)",
                        "eval_time": "10m",
                        "exp_samples": [{"labels": contract, "value": 1.0}],
                    },
                    {
                        "expr": "round(ctloop:request_error_ratio:rate5m, 0.001)",
                        "eval_time": "10m",
                        "exp_samples": [{"labels": contract, "value": 0.1}],
                    },
                    # 0.05 + 0.05 * (0.99 - 0.45) / (0.6 - 0.45)... of 1.0/s: 0.45/s <= 50 ms, all <= 100 ms
                    {
                        "expr": "round(ctloop:request_latency_p99_seconds:5m, 0.001)",
                        "eval_time": "10m",
                        "exp_samples": [{"labels": contract, "value": 0.099}],
                    },
                ],
                "alert_rule_test": [
                    {
                        "alertname": "CtloopRevisionErrorRateHigh",
                        "eval_time": "10m",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    "severity": "critical",
                                    "namespace": NS,
                                    "isvc": "credit-default",
                                    "revision": REVISION,
                                },
                                "exp_annotations": {"summary": SUMMARY, "runbook": RUNBOOK},
                            }
                        ],
                    }
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(json.dumps(test))
    out = promtool("test", "rules", "test.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr

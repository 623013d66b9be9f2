"""The PrometheusRule is the source: its spec is written to a plain rules file for promtool.

`promtool check rules` and `promtool test rules` (tests/manifests/promtool/*.yaml) must pass; every
alert has a firing and a quiet case; the recording-rule names and labels are the contract the
canary analysis (ctloop.serving) queries; the dashboard's queries are valid PromQL and read the
traffic split right.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.manifests.support import (
    CONTRACT_LABELS,
    MANIFESTS,
    PROMTOOL_TESTS,
    RECORDING_CONTRACT,
    load_strict,
)

RULE_SOURCE = MANIFESTS / "components" / "monitoring" / "prometheusrule.yaml"
DASHBOARD = MANIFESTS / "components" / "monitoring" / "dashboards" / "ctloop-canary.json"


def rule_spec() -> dict:
    return load_strict(RULE_SOURCE)["spec"]


def rules(kind: str) -> dict[str, dict]:
    return {r[kind]: r for g in rule_spec()["groups"] for r in g["rules"] if kind in r}


def write_rules(directory: Path) -> Path:
    """The PrometheusRule's spec as a plain Prometheus rules file (``groups:``)."""
    path = directory / "rules.yaml"
    path.write_text(yaml.safe_dump(rule_spec(), sort_keys=False))
    return path


def run(promtool: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [promtool, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def test_promtool_check_rules(promtool, tmp_path):
    path = write_rules(tmp_path)
    out = run(promtool, "check", "rules", path, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    count = sum(len(g["rules"]) for g in rule_spec()["groups"])
    assert f"SUCCESS: {count} rules found" in out.stdout


def test_promtool_unit_tests(promtool, tmp_path):
    write_rules(tmp_path)
    files = sorted(PROMTOOL_TESTS.glob("*.yaml"))
    assert files
    for f in files:
        shutil.copy(f, tmp_path / f.name)
    out = run(promtool, "test", "rules", *(f.name for f in files), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_promtool_test_fails_on_a_wrong_expectation(promtool, tmp_path):
    """Control: the runner above would notice a wrong expected value."""
    write_rules(tmp_path)
    (tmp_path / "wrong.yaml").write_text(
        yaml.safe_dump(
            {
                "rule_files": ["rules.yaml"],
                "evaluation_interval": "30s",
                "tests": [
                    {
                        "interval": "30s",
                        "input_series": [
                            {
                                "series": 'revision_app_request_count{namespace_name="ml", configuration_name="a-predictor", '
                                'revision_name="a-predictor-00001", response_code_class="2xx"}',
                                "values": "0+30x20",
                            }
                        ],
                        "promql_expr_test": [
                            {
                                "expr": "ctloop:request_rate:rate5m",
                                "eval_time": "10m",
                                "exp_samples": [
                                    {
                                        "labels": 'ctloop:request_rate:rate5m{namespace="ml", isvc="a", revision="a-predictor-00001"}',
                                        "value": 2,
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        )
    )
    out = run(promtool, "test", "rules", "wrong.yaml", cwd=tmp_path)
    assert out.returncode != 0 and "FAILED" in out.stdout + out.stderr


def test_every_alert_has_a_firing_and_a_quiet_case():
    cases = [
        c
        for f in PROMTOOL_TESTS.glob("*.yaml")
        for t in load_strict(f)["tests"]
        for c in t.get("alert_rule_test", [])
    ]
    alerts = rules("alert")
    assert set(alerts) == {"CtloopRevisionErrorRateHigh", "CtloopRevisionLatencyP99High"}
    for name in alerts:
        assert any(c["alertname"] == name and c["exp_alerts"] for c in cases), (
            f"{name}: no firing case"
        )
        assert any(c["alertname"] == name and not c["exp_alerts"] for c in cases), (
            f"{name}: no quiet case"
        )


def test_every_contract_rule_has_an_expected_value():
    tested = {
        e["expr"].split("{")[0]
        for f in PROMTOOL_TESTS.glob("*.yaml")
        for t in load_strict(f)["tests"]
        for e in t.get("promql_expr_test", [])
        if e["exp_samples"]
    }
    assert set(RECORDING_CONTRACT) <= tested


def test_alert_thresholds_are_the_documented_ones():
    """Issue 3: error rate > 1 % for 5 minutes; p99 latency > 500 ms for 10 minutes."""
    alerts = rules("alert")
    errors, latency = alerts["CtloopRevisionErrorRateHigh"], alerts["CtloopRevisionLatencyP99High"]
    assert (
        errors["expr"].split() == ["ctloop:request_error_ratio:rate5m", ">", "0.01"]
        and errors["for"] == "5m"
    )
    assert (
        latency["expr"].split() == ["ctloop:request_latency_p99_seconds:5m", ">", "0.5"]
        and latency["for"] == "10m"
    )
    for alert in alerts.values():
        assert {"summary", "runbook"} <= set(alert["annotations"])


def test_recording_rule_contract_names_and_labels():
    """The names and labels the canary analysis queries (ctloop.serving) exist, aggregated by
    exactly namespace, isvc, revision (promtool tests above check the resulting label sets)."""
    recorded = rules("record")
    assert set(RECORDING_CONTRACT) <= set(recorded)
    for name in (
        "ctloop:request_rate:rate5m",
        "ctloop:revision_app_request_count:rate5m",
        "ctloop:revision_app_request_latencies_bucket:rate5m",
    ):
        by = recorded[name]["expr"].split("by (", 1)[1].split(")", 1)[0]
        assert set(CONTRACT_LABELS) <= {x.strip() for x in by.split(",")}
    groups = rule_spec()["groups"]
    assert all(g.get("interval") == "30s" for g in groups)


# ------------------------------------------------------------------------------- dashboard
def dashboard_exprs(namespace: str = "ml", isvc: str = "credit-default") -> dict[str, str]:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = {p["title"]: t["expr"] for p in dashboard["panels"] for t in p["targets"]}
    for var in dashboard["templating"]["list"]:
        if var["type"] == "query":
            exprs[f"variable {var['name']}"] = var["query"].split("(", 1)[1].rsplit(",", 1)[0]
    return {k: v.replace("$namespace", namespace).replace("$isvc", isvc) for k, v in exprs.items()}


def test_dashboard_queries_are_valid_promql_over_existing_rules(promtool, tmp_path):
    exprs = dashboard_exprs()
    used = {
        w
        for e in exprs.values()
        for w in e.replace("(", " ").replace("{", " ").split()
        if w.startswith("ctloop:")
    }
    assert used and used <= set(rules("record")), (
        f"dashboard reads unknown recording rules: {used - set(rules('record'))}"
    )
    as_rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:panel{i}", "expr": e}
                    for i, e in enumerate(exprs.values())
                ],
            }
        ]
    }
    (tmp_path / "dashboard.yaml").write_text(yaml.safe_dump(as_rules))
    out = run(promtool, "check", "rules", "dashboard.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_dashboard_shows_the_traffic_split_and_model_version_per_revision(promtool, tmp_path):
    """270 requests / 30 s on the stable revision (version 1), 30 on the canary (version 2), i.e.
    9/s and 1/s: the traffic panels read 0.9 / 0.1 and the version panel maps each revision to
    its version."""
    exprs = dashboard_exprs()
    write_rules(tmp_path)

    def series(rev: str, version: str, per_30s: int) -> dict:
        return {
            "series": f'revision_app_request_count{{namespace_name="ml", configuration_name="credit-default-predictor", '
            f'revision_name="credit-default-predictor-{rev}", response_code_class="2xx", '
            f'namespace="ml", isvc="credit-default", revision="credit-default-predictor-{rev}", '
            f'model_version="{version}"}}',
            "values": f"0+{per_30s}x40",
        }

    stable, canary = "credit-default-predictor-00001", "credit-default-predictor-00002"
    label = 'namespace="ml", isvc="credit-default"'
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "30s",
        "tests": [
            {
                "interval": "30s",
                "input_series": [series("00001", "1", 270), series("00002", "2", 30)],
                "promql_expr_test": [
                    {
                        "expr": exprs["Traffic share per revision"],
                        "eval_time": "10m",
                        "exp_samples": [
                            {"labels": f'{{{label}, revision="{stable}"}}', "value": 0.9},
                            {"labels": f'{{{label}, revision="{canary}"}}', "value": 0.1},
                        ],
                    },
                    {
                        "expr": exprs["Model version per revision"],
                        "eval_time": "10m",
                        "exp_samples": [
                            {"labels": f'{{revision="{stable}", model_version="1"}}', "value": 1},
                            {"labels": f'{{revision="{canary}", model_version="2"}}', "value": 1},
                        ],
                    },
                    {
                        "expr": exprs["Traffic share per model version"],
                        "eval_time": "10m",
                        "exp_samples": [
                            {"labels": '{model_version="1"}', "value": 0.9},
                            {"labels": '{model_version="2"}', "value": 0.1},
                        ],
                    },
                ],
            }
        ],
    }
    (tmp_path / "dashboard.test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    out = run(promtool, "test", "rules", "dashboard.test.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("variable", ["namespace", "isvc"])
def test_dashboard_variables_read_contract_labels(variable):
    dashboard = json.loads(DASHBOARD.read_text())
    (var,) = [v for v in dashboard["templating"]["list"] if v["name"] == variable]
    assert var["query"].startswith("label_values(ctloop:request_rate:rate5m")
    assert var["query"].rstrip(")").rsplit(",", 1)[1].strip() == variable

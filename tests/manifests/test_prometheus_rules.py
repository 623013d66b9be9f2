"""The PrometheusRules are the source: their groups are written to a plain rules file for promtool.

`promtool check rules` and `promtool test rules` (tests/manifests/promtool/*.yaml) must pass for
the default metric source and for every ``sources/<name>`` component; every alert has a firing
and a quiet case; the recording-rule names and labels are the contract the canary analysis
(ctloop.serving) and the dashboard read; the sources' rule groups are generated from
ctloop.serving.metric_sources (golden); the dashboard's queries are valid PromQL and read the
traffic split right.
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from ctloop.serving.metric_sources import DEFAULT_SOURCE, SOURCE_GROUP, SOURCES, get_source
from tests.helpers import check_golden
from tests.manifests.rules_support import (
    CANARY_RULES,
    LOG_RULES,
    MONITORING,
    QUALITY_RULES,
    SOURCES_DIR,
    expected_canary_rules,
    expected_files,
    promtool,
    render_monitoring,
    rule_groups,
    write_rules,
)
from tests.manifests.support import CONTRACT_LABELS, PROMTOOL_TESTS, RECORDING_CONTRACT, load_strict

DASHBOARD = MONITORING / "dashboards" / "ctloop-canary.json"


def groups() -> list[dict]:
    """Every group of the component's PrometheusRules, as Prometheus loads them."""
    return [
        g
        for path in (CANARY_RULES, QUALITY_RULES, LOG_RULES)
        for g in load_strict(path)["spec"]["groups"]
    ]


def rules(kind: str, path=CANARY_RULES) -> dict[str, dict]:
    return {
        r[kind]: r for g in load_strict(path)["spec"]["groups"] for r in g["rules"] if kind in r
    }


# ---------------------------------------------------------------------- generated from Python
def test_default_source_group_golden():
    """Group 0 of prometheusrule.yaml is the default source's group, as generated."""
    check_golden(expected_canary_rules(), CANARY_RULES)
    assert load_strict(CANARY_RULES)["spec"]["groups"][0] == get_source(DEFAULT_SOURCE).rule_group()


def test_source_components_golden():
    files = expected_files()
    for path, text in files.items():
        check_golden(text, path)
    on_disk = {p for p in SOURCES_DIR.rglob("*") if p.is_file()}
    assert on_disk == set(files), f"stale files in {SOURCES_DIR}: {sorted(on_disk - set(files))}"


@pytest.mark.parametrize("source", [None, *SOURCES])
def test_each_source_renders_one_rule_set_promtool_accepts(source, tmp_path):
    from tests.manifests.test_render import validate

    objects = render_monitoring(tmp_path / "render", source)
    for obj in objects:
        validate(obj)
    (canary,) = [
        o
        for o in objects
        if o["kind"] == "PrometheusRule" and o["metadata"]["name"] == "ctloop-canary"
    ]
    assert canary["spec"]["groups"][0] == get_source(source or DEFAULT_SOURCE).rule_group()
    assert [g["name"] for g in canary["spec"]["groups"]].count(SOURCE_GROUP) == 1
    path = write_rules(tmp_path, rule_groups(objects))
    out = promtool("check", "rules", path, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (
        f"SUCCESS: {sum(len(g['rules']) for g in rule_groups(objects))} rules found" in out.stdout
    )


def test_a_source_component_refuses_a_rule_file_whose_group_0_is_not_the_source_group(tmp_path):
    """The patch tests group 0's name before replacing it: a reordered file fails to render."""
    from tests.manifests.support import kustomize

    copy = tmp_path / "monitoring"
    shutil.copytree(MONITORING, copy)
    rule = yaml.safe_load((copy / "prometheusrule.yaml").read_text())
    rule["spec"]["groups"].reverse()
    (copy / "prometheusrule.yaml").write_text(yaml.safe_dump(rule))
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "components": ["monitoring", "monitoring/sources/istio"],
            }
        )
    )
    with pytest.raises(AssertionError, match="kustomize"):
        kustomize(tmp_path)


# ----------------------------------------------------------------------------- promtool
def test_promtool_check_rules(tmp_path):
    path = write_rules(tmp_path, groups())
    out = promtool("check", "rules", path, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"SUCCESS: {sum(len(g['rules']) for g in groups())} rules found" in out.stdout


def test_promtool_unit_tests(tmp_path):
    write_rules(tmp_path, groups())
    files = sorted(PROMTOOL_TESTS.glob("*.yaml"))
    assert files
    for f in files:
        shutil.copy(f, tmp_path / f.name)
    out = promtool("test", "rules", *(f.name for f in files), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_promtool_test_fails_on_a_wrong_expectation(tmp_path):
    """Control: the runner above would notice a wrong expected value."""
    write_rules(tmp_path, groups())
    series = (
        'ctloop:source_requests:rate5m{namespace="ml", isvc="a", revision="a-predictor-00001", '
        'code_class="2xx"}'
    )
    (tmp_path / "wrong.yaml").write_text(
        yaml.safe_dump(
            {
                "rule_files": ["rules.yaml"],
                "evaluation_interval": "30s",
                "tests": [
                    {
                        "interval": "30s",
                        "input_series": [{"series": series, "values": "1x20"}],
                        "promql_expr_test": [
                            {
                                "expr": "ctloop:request_rate:rate5m",
                                "eval_time": "10m",
                                "exp_samples": [
                                    {
                                        "labels": "ctloop:request_rate:rate5m"
                                        '{namespace="ml", isvc="a", revision="a-predictor-00001"}',
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
    out = promtool("test", "rules", "wrong.yaml", cwd=tmp_path)
    assert out.returncode != 0 and "FAILED" in out.stdout + out.stderr


def alert_cases() -> list[dict]:
    """Alert cases of the checked-in promtool files and of the model-quality tests (generated
    from what push_window pushes, tests/monitoring/test_monitoring/prometheus.py)."""
    from tests.monitoring.test_monitoring_metrics import ALERT_CASES

    cases = [
        c
        for f in PROMTOOL_TESTS.glob("*.yaml")
        for t in load_strict(f)["tests"]
        for c in t.get("alert_rule_test", [])
    ]
    return cases + [c for t in ALERT_CASES for c in t["alert_rule_test"]]


def test_every_alert_has_a_firing_and_a_quiet_case():
    cases = alert_cases()
    alerts = {**rules("alert"), **rules("alert", QUALITY_RULES), **rules("alert", LOG_RULES)}
    assert set(alerts) == {
        "CtloopLogOverflowValues",
        "CtloopLogEventsRefusedForSize",
        "CtloopLogMismatchedPairs",
        "CtloopLogRecordsQuarantined",
        "CtloopLogRowsQuarantined",
        "CtloopLogFlushFailing",
        "CtloopLogFlushStale",
        "CtloopLogScrapeFailing",
        "CtloopLogClockSkew",
        "CtloopRevisionErrorRateHigh",
        "CtloopRevisionFailsLargeBatches",
        "CtloopRevisionLatencyP99High",
        "CtloopModelDrift",
        "CtloopRealizedBelowFloor",
        "CtloopRealizedDropped",
        "CtloopNoLabels",
        "CtloopMonitoringRunMissing",
    }
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
    for alert in [
        *alerts.values(),
        *rules("alert", QUALITY_RULES).values(),
        *rules("alert", LOG_RULES).values(),
    ]:
        assert {"summary", "runbook"} <= set(alert["annotations"])
        assert alert["labels"]["severity"] in ("critical", "warning")


def test_recording_rule_contract_names_and_labels():
    """The names and labels the canary analysis and the dashboard query exist, aggregated by
    exactly namespace, isvc, revision (promtool tests above check the resulting label sets)."""
    recorded = rules("record")
    assert set(RECORDING_CONTRACT) <= set(recorded)
    by = recorded["ctloop:request_rate:rate5m"]["expr"].split("by (", 1)[1].split(")", 1)[0]
    assert {x.strip() for x in by.split(",")} == set(CONTRACT_LABELS)
    for source in SOURCES.values():
        for rule in source.rule_group()["rules"]:
            by = rule["expr"].split("by (", 1)[1].split(")", 1)[0]
            assert set(CONTRACT_LABELS) <= {x.strip() for x in by.split(",")}
    assert all(g.get("interval") == "30s" for g in load_strict(CANARY_RULES)["spec"]["groups"])


# ------------------------------------------------------------------------------- dashboard
def dashboard_exprs(namespace: str = "ml", isvc: str = "credit-default") -> dict[str, str]:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = {
        f"{p['title']} {t['refId']}": t["expr"]
        for p in dashboard["panels"]
        for t in p.get("targets", [])
    }
    for var in dashboard["templating"]["list"]:
        if var["type"] == "query":
            exprs[f"variable {var['name']}"] = var["query"].split("(", 1)[1].rsplit(",", 1)[0]
    return {k: v.replace("$namespace", namespace).replace("$isvc", isvc) for k, v in exprs.items()}


def test_dashboard_queries_are_valid_promql_over_existing_rules(tmp_path):
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
    out = promtool("check", "rules", "dashboard.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_dashboard_model_quality_panels_read_what_push_window_publishes():
    from ctloop.monitoring.prometheus import HELP, PREFIX

    exprs = dashboard_exprs()
    read = {
        w.split("{")[0]
        for e in exprs.values()
        for w in e.replace("(", " ").split()
        if w.startswith(PREFIX)
    }
    assert read and read <= {PREFIX + name for name in HELP}, read - {
        PREFIX + name for name in HELP
    }
    assert {f"{PREFIX}drift_share", f"{PREFIX}realized", f"{PREFIX}gate_value"} <= read


def test_dashboard_shows_the_traffic_split_and_model_version_per_revision(tmp_path):
    """The ctloop runtime's counters as the PodMonitor scrapes them (default source): 270
    predictions / 30 s on the stable revision (version 1), 30 on the canary (version 2), i.e. 9/s
    and 1/s: the traffic panels read 0.9 / 0.1 and the version panel maps each revision to its
    version."""
    exprs = dashboard_exprs()
    write_rules(tmp_path, groups())

    def series(rev: str, version: str, per_30s: int) -> dict:
        return {
            "series": f'ctloop_predictions_total{{namespace="ml", isvc="credit-default", '
            f'revision="credit-default-predictor-{rev}", model_version="{version}", '
            f'exported_model_version="{version}", model_name="credit-default", outcome="ok", '
            f'job="ml/ctloop-inferenceservices", container="kserve-container"}}',
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
                        "expr": exprs["Traffic share per revision A"],
                        "eval_time": "10m",
                        "exp_samples": [
                            {"labels": f'{{{label}, revision="{stable}"}}', "value": 0.9},
                            {"labels": f'{{{label}, revision="{canary}"}}', "value": 0.1},
                        ],
                    },
                    {
                        "expr": exprs["Model version per revision A"],
                        "eval_time": "10m",
                        "exp_samples": [
                            {"labels": f'{{revision="{stable}", model_version="1"}}', "value": 1},
                            {"labels": f'{{revision="{canary}", model_version="2"}}', "value": 1},
                        ],
                    },
                    {
                        "expr": exprs["Traffic share per model version A"],
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
    out = promtool("test", "rules", "dashboard.test.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("variable", ["namespace", "isvc"])
def test_dashboard_variables_read_contract_labels(variable):
    dashboard = json.loads(DASHBOARD.read_text())
    (var,) = [v for v in dashboard["templating"]["list"] if v["name"] == variable]
    assert var["query"].startswith("label_values(ctloop:request_rate:rate5m")
    assert var["query"].rstrip(")").rsplit(",", 1)[1].strip() == variable


# ------------------------------------------------------------------------------------ docs
def test_docs_describe_every_source_every_published_metric_and_every_alert():
    from ctloop.monitoring.prometheus import HELP, PREFIX
    from tests.helpers import REPO

    serving = (REPO / "docs" / "serving.md").read_text()
    assert "\n## Metric sources\n" in serving  # the anchor every "no data" reason points to
    section = serving.split("\n## Metric sources\n", 1)[1].split("\n## ", 1)[0]
    for name in SOURCES:
        assert f"| `{name}`" in section, name
    assert f"| `{DEFAULT_SOURCE}` (**default**)" in section
    monitoring = (
        (REPO / "docs" / "monitoring.md").read_text().split("\n## Prometheus and alerts\n", 1)[1]
    )
    monitoring = monitoring.split("\n## ", 1)[0]
    for name in HELP:
        assert f"`{PREFIX}{name}`" in monitoring, name
    for alert in rules("alert", QUALITY_RULES):
        assert f"| `{alert}` |" in monitoring, alert


# ------------------------------------------------------------------------- inference log sink
def test_inference_log_alerts_read_metrics_the_sink_exports_and_cover_the_silent_ones(tmp_path):
    """Before, values kept in ``_overflow``, mismatched pairs and quarantined records and rows
    were only counted: nothing alerted on them. Every ``ctloop_log_*`` name the alerts read is one
    the sink exports, and the rule is in the rendered component."""
    import re

    from ctloop.inference_log.sink import Sink

    exported = {
        line.split()[2]
        for line in Sink(str(tmp_path / "root"), str(tmp_path / "wal")).metrics_text().splitlines()
        if line.startswith("# TYPE ")
    }
    exprs = " ".join(r["expr"] for r in rules("alert", LOG_RULES).values())
    read = set(re.findall(r"ctloop_log_\w+", exprs))
    assert read <= exported, read - exported
    assert {
        "ctloop_log_overflow_values_total",
        "ctloop_log_mismatched_pairs_total",
        "ctloop_log_quarantined_total",
        "ctloop_log_rows_quarantined_total",
        "ctloop_log_flush_failing",
        "ctloop_log_last_flush_success_timestamp_seconds",
        "ctloop_log_clock_skewed_events_total",
    } <= read
    rendered = render_monitoring(tmp_path / "render")
    assert ("PrometheusRule", "ctloop-inference-log") in {
        (o["kind"], o["metadata"]["name"]) for o in rendered
    }


def test_docs_list_the_inference_log_alerts():
    from tests.helpers import REPO

    text = (REPO / "docs" / "inference-log.md").read_text()
    for alert in rules("alert", LOG_RULES):
        assert f"`{alert}`" in text, alert

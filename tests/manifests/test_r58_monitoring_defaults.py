"""Round 58: the model-quality alerts' fallback thresholds are generated from the one default.

``CtloopModelDrift`` compares the pushed drift share with the run's own ``drift_share`` threshold
(``ctloop_monitoring_threshold{rule="drift_share"}``); a window that carries none (the drift rule
switched off in ctloop.yaml: ``MonitoringRules.active()`` leaves it out, so ``push_window`` pushes
no threshold) falls back to a value. That value was the literal 0.5 typed into the manifest, a
second copy of ``MonitoringRules.drift_share``'s default: now the alert's expression is generated
from ``ctloop.monitoring.prometheus`` (``make golden`` rewrites the manifest).
"""

from __future__ import annotations

import yaml

from ctloop.config import MonitoringRules
from ctloop.monitoring.prometheus import REALIZED_DROP_ALERT_FALLBACK, threshold_alert_expr
from tests.helpers import REPO, check_golden
from tests.manifests.rules_support import QUALITY_RULES, expected_quality_rules, promtool
from tests.manifests.support import load_strict


def alert(name: str) -> dict:
    (rule,) = [
        r
        for g in load_strict(QUALITY_RULES)["spec"]["groups"]
        for r in g["rules"]
        if r.get("alert") == name
    ]
    return rule


def test_model_quality_rule_golden():
    """The alerts' expressions in prometheusrule-model-quality.yaml are the generated ones."""
    check_golden(expected_quality_rules(), QUALITY_RULES)


def test_the_drift_fallback_is_the_monitoring_rules_default():
    default = MonitoringRules().drift_share
    expr = alert("CtloopModelDrift")["expr"]
    assert expr == threshold_alert_expr(
        "ctloop_monitoring_drift_share", "drift_share", ">=", default
    )
    assert f"ctloop_monitoring_drift_share >= {default!r}" in expr


def test_a_generated_fallback_fires_on_its_value_and_none_only_on_a_pushed_threshold(tmp_path):
    """promtool on the generated expressions: with a fallback of 0.3 a share of 0.4 without a pushed
    threshold is drift; with no default (None) it is not, and a pushed threshold still counts."""
    share = 'ctloop_monitoring_drift_share{job="ctloop-monitoring", model="m", version="1"}'
    pushed = 'ctloop_monitoring_threshold{job="ctloop-monitoring", model="p", rule="drift_share"}'
    groups = [
        {
            "name": f"g{i}",
            "rules": [
                {
                    "alert": f"Drift{i}",
                    "expr": threshold_alert_expr(
                        "ctloop_monitoring_drift_share", "drift_share", ">=", fallback
                    ),
                }
            ],
        }
        for i, fallback in enumerate((0.3, None))
    ]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    fired = {"exp_labels": {"job": "ctloop-monitoring", "model": "m", "version": "1"}}
    fired_p = {"exp_labels": {"job": "ctloop-monitoring", "model": "p", "version": "1"}}
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": share, "values": "0.4x5"},
                    {"series": share.replace('model="m"', 'model="p"'), "values": "0.4x5"},
                    {"series": pushed, "values": "0.35x5"},
                ],
                "alert_rule_test": [
                    {"alertname": "Drift0", "eval_time": "2m", "exp_alerts": [fired, fired_p]},
                    {"alertname": "Drift1", "eval_time": "2m", "exp_alerts": [fired_p]},
                ],
            }
        ],
    }
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    out = promtool("test", "rules", "t.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_docs_state_each_fallback_as_its_one_value():
    """docs/monitoring.md names the drift fallback (MonitoringRules' default) and the realized-drop
    one (REALIZED_DROP_ALERT_FALLBACK, the alert's own) with their values."""
    text = (REPO / "docs" / "monitoring.md").read_text()
    default = MonitoringRules().drift_share
    assert (
        f"`drift_share` threshold (the `rules.drift_share` default, {default}, when none was pushed"
        in text
    )
    assert (
        f"by more than `realized_drop` (when none was pushed, {REALIZED_DROP_ALERT_FALLBACK}: the "
        "alert's own" in text
    )

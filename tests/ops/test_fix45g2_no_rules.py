"""A Prometheus that loaded no rules is not taken for VictoriaMetrics without vmalert.

Prometheus v2.42 answers ``GET /api/v1/rules`` 200 ``{"groups": []}`` when it has no rule file
(``web/api/v1/api.go`` ``rules``: one group per loaded group, none loaded) — what a
prometheus-operator Prometheus whose ``spec.ruleSelector``/``spec.ruleNamespaceSelector`` selects
no PrometheusRule serves (it writes no rule file). ``ctloop doctor``'s *Prometheus rules and
targets* line named only "VictoriaMetrics without vmalert, a label proxy?" for that answer, and as
the fix only to look in another Prometheus: the common cause, kube-prometheus-stack selecting only
its own ``release`` label, went unsaid. The answer does not tell the two apart, so the line names
both causes and both fixes.

Against a real Prometheus with no rule file: the session's (``prometheus`` of tests/ops/conftest.py)."""

from __future__ import annotations

import json
import urllib.request

import pytest

from ctloop.ops.doctor import WARN, Doctor, DoctorOptions


@pytest.fixture
def clean_env(monkeypatch):
    for var in (
        "PROMETHEUS_URL",
        "PROMETHEUS_TOKEN",
        "PROMETHEUS_TOKEN_FILE",
        "PROMETHEUS_USERNAME",
        "PROMETHEUS_PASSWORD",
        "PROMETHEUS_CA_FILE",
    ):
        monkeypatch.delenv(var, raising=False)


def test_prometheus_without_rules_answers_no_groups(prometheus):
    with urllib.request.urlopen(f"{prometheus}/api/v1/rules", timeout=5) as answer:
        assert json.load(answer) == {"status": "success", "data": {"groups": []}}


def test_the_line_names_the_rule_selector_and_a_query_api_without_rules(prometheus, clean_env):
    check = Doctor(DoctorOptions(prometheus_url=prometheus, timeout=3)).check_monitoring()
    line = check.line()
    assert check.status == WARN, line
    problem, _, fix = line.partition(" — fix: ")
    assert "lists no rule groups at all" in problem, line
    # cause 1: prometheus-operator selects no PrometheusRule; cause 2: vmselect without vmalert
    assert "selects no PrometheusRule (its ruleSelector/ruleNamespaceSelector)" in problem, line
    assert "vmselect without vmalert" in problem, line
    assert "spec.ruleSelector and spec.ruleNamespaceSelector of its Prometheus resource" in fix, (
        line
    )
    assert "kube-prometheus-stack selects only its release label" in fix, line
    assert "check in the Prometheus (or vmalert) that evaluates the rules" in fix, line

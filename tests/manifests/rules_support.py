"""The monitoring component's rules as promtool sees them, per metric source.

``rule_groups(source)`` renders ``manifests/components/monitoring`` (+ ``sources/<name>``) with
kubectl kustomize and returns every PrometheusRule group, in the order Prometheus would load
them; ``expected_files()`` is what ``make golden`` writes for the sources (generated from
``ctloop.serving.metric_sources``, the definition the Python analysis queries too);
``expected_dashboard()`` is the dashboard with each threshold line (and its title's "alert above
… for …") taken from the alert it draws.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
from pathlib import Path

import yaml

from ctloop.monitoring.prometheus import alert_exprs, alert_fallbacks
from ctloop.serving.metric_sources import (
    DEFAULT_SOURCE,
    PODMONITOR,
    SOURCES,
    dump_yaml,
    get_source,
    podmonitor_patch,
    rule_patch,
)
from tests.manifests.support import MANIFESTS, kustomize, load_strict, need_tool

MONITORING = MANIFESTS / "components" / "monitoring"
CANARY_RULES = MONITORING / "prometheusrule.yaml"
QUALITY_RULES = MONITORING / "prometheusrule-model-quality.yaml"
LOG_RULES = MONITORING / "prometheusrule-inference-log.yaml"
DASHBOARD = MONITORING / "dashboards" / "ctloop-canary.json"
SOURCES_DIR = MONITORING / "sources"
BEGIN, END = "    # BEGIN ctloop-source", "    # END ctloop-source"


def render_monitoring(workdir: Path, source: str | None = None) -> list[dict]:
    """The monitoring component (and the ``sources/<source>`` component after it) rendered."""
    workdir.mkdir(parents=True, exist_ok=True)
    rel = Path(os.path.relpath(MONITORING, workdir))
    components = [str(rel)] + ([str(rel / "sources" / source)] if source else [])
    (workdir / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "namespace": "ml",
                "components": components,
            }
        )
    )
    return kustomize(workdir)


def rule_groups(objects: list[dict]) -> list[dict]:
    return [g for o in objects if o["kind"] == "PrometheusRule" for g in o["spec"]["groups"]]


def write_rules(directory: Path, groups: list[dict], name: str = "rules.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    return path


def promtool(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [need_tool("promtool"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def _indented(text: str, spaces: int) -> str:
    return "".join(
        " " * spaces + line if line.strip() else line for line in text.splitlines(keepends=True)
    )


# the canary alerts: series compared, and the CanaryRules default it is compared with
CANARY_ALERTS = {
    "CtloopRevisionErrorRateHigh": ("ctloop:request_error_ratio:rate5m", "max_error_rate"),
    "CtloopRevisionFailsLargeBatches": ("ctloop:failed_instance_share_bound:5m", "max_error_rate"),
    "CtloopRevisionLatencyP99High": ("ctloop:request_latency_p99_seconds:5m", "max_p99_seconds"),
}


def canary_alert_thresholds() -> dict[str, str]:
    """Each canary alert's expression, ``series > value``: the value is the canary analysis'
    default (``ctloop.config.CanaryRules``), written once there."""
    from ctloop import config

    defaults = config.CanaryRules()
    return {name: f"{series} > {getattr(defaults, field)!r}" for name, (series, field) in CANARY_ALERTS.items()}


def _canary_alerts(tail: str) -> str:
    """The rules after the generated source group with the alerts' thresholds, their summaries'
    words ("over 1 %", "over 500 ms", "99 % confidence") and the large-batch bound's z generated
    from the analysis' defaults."""
    from ctloop.serving import analysis

    confidence = analysis.FAILED_SHARE_CONFIDENCE
    z = f"{statistics.NormalDist().inv_cdf(confidence):.6f}"
    tail, n = re.subn(r"(\n\s+- )[\d.]+( / \(3 \* sqrt\(ctloop:failed_requests_effective:5m\)\))",
                      rf"\g<1>{z}\2", tail)
    assert n == 1, "the large-batch bound's z is not where it was"
    tail = re.sub(r"z = [\d.]+\)", f"z = {z})", tail)
    tail = re.sub(r"at the [\d.]+ % lower bound of a", f"at the {confidence * 100:g} % lower bound of a", tail)
    for name, expr in canary_alert_thresholds().items():
        series, value = expr.split(" > ")
        unit = "s" if "latency" in series else "percentunit"
        block = re.compile(rf"(- alert: {name}\n\s+expr: ){re.escape(series)} > [\d.]+\n(.*?)(?=\n\s+- alert:|\Z)",
                           re.S)
        match = block.search(tail)
        assert match, f"{name}: expr is not `{series} > value`"
        rest = re.sub(r"over [\d.]+ (%|ms|s) for", f"over {_shown(float(value), unit)} for", match.group(2))
        rest = re.sub(r"\([\d.]+ % confidence;", f"({confidence * 100:g} % confidence;", rest)
        tail = tail[: match.start()] + f"{match.group(1)}{expr}\n{rest}" + tail[match.end():]
    return tail


def expected_canary_rules() -> str:
    """prometheusrule.yaml with group 0 = the default source's generated group, and the canary
    alerts' thresholds from the analysis' defaults (:func:`_canary_alerts`)."""
    text = CANARY_RULES.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    generated = _indented(dump_yaml([get_source(DEFAULT_SOURCE).rule_group()]), 4)
    from ctloop.serving import analysis

    head = re.sub(r"the [\d.]+ % lower bound of their", f"the {analysis.FAILED_SHARE_CONFIDENCE * 100:g} % lower bound of their",
                  head)
    return (
        f"{head}{BEGIN} (generated: python -m ctloop.serving.metric_sources rules "
        f"{DEFAULT_SOURCE})\n"
        f"{generated}{END}{_canary_alerts(tail)}"
    )


ALERT_GENERATED = "          # expr generated by `make golden` from ctloop.monitoring.prometheus.alert_exprs\n"


def expected_quality_rules() -> str:
    """prometheusrule-model-quality.yaml with each threshold alert's ``expr`` as generated: the
    fallback thresholds come from their one default (the drift share's is MonitoringRules')."""
    text = QUALITY_RULES.read_text()
    for name, expr in alert_exprs().items():
        head = f"        - alert: {name}\n"
        before, rest = text.split(head, 1)
        lines = rest.splitlines(keepends=True)
        n = 1 if lines[0] == ALERT_GENERATED else 0
        assert lines[n] == "          expr: |\n", f"{name}: expr is not the alert's first key"
        n += 1
        while n < len(lines) and (lines[n].startswith(" " * 12) or not lines[n].strip()):
            n += 1
        text = before + head + ALERT_GENERATED + "          expr: |\n" + _indented(expr, 12) + "".join(lines[n:])
    return text


# the series a dashboard panel draws with a threshold line -> the alert whose threshold that line is
DASHBOARD_ALERTS = {
    "ctloop:request_error_ratio:rate5m": (CANARY_RULES, "CtloopRevisionErrorRateHigh"),
    "ctloop:request_latency_p99_seconds:5m": (CANARY_RULES, "CtloopRevisionLatencyP99High"),
    "ctloop_monitoring_drift_share": (QUALITY_RULES, "CtloopModelDrift"),
}
ALERT_IN_TITLE = re.compile(r"\(alert above (.+) for (\d+ [smh])\)$")


def _alert(path: Path, name: str) -> dict:
    (rule,) = [r for g in load_strict(path)["spec"]["groups"] for r in g["rules"] if r.get("alert") == name]
    return rule


def dashboard_thresholds() -> dict[str, tuple[float, str]]:
    """Per series a panel draws a threshold line on: the value its alert compares with, and the
    alert's ``for``. The canary alerts' literal (``series > value``, written once in
    prometheusrule.yaml); the drift alert's fallback (MonitoringRules' default, :func:`alert_fallbacks`)."""
    out = {}
    for series, (path, name) in DASHBOARD_ALERTS.items():
        rule = _alert(path, name)
        if name == "CtloopModelDrift":
            value = alert_fallbacks()["drift_share"]
        else:
            words = rule["expr"].split()
            assert words[:2] == [series, ">"] and len(words) == 3, f"{name}: expr is not `{series} > value`"
            value = float(words[2])
        out[series] = (value, rule["for"])
    return out


def _shown(value: float, unit: str) -> str:
    """A threshold as a title says it: 0.01 percentunit "1 %", 0.5 s "500 ms"."""
    if unit == "percentunit":
        return f"{value * 100:g} %"
    assert unit == "s", unit
    return f"{value * 1000:g} ms" if value < 1 else f"{value:g} s"


def expected_dashboard() -> str:
    """ctloop-canary.json with each panel's red threshold line at its alert's threshold and the
    title's "(alert above X for D)" saying the same (the drift panel: "the threshold", a run's own
    or the fallback drawn)."""
    dashboard = json.loads(DASHBOARD.read_text())
    thresholds, drawn = dashboard_thresholds(), set()
    for panel in dashboard["panels"]:
        steps = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps")
        if not steps:
            continue
        series = panel["targets"][0]["expr"].split("{", 1)[0]
        assert series in thresholds, f"panel {panel['title']!r} draws a threshold line no alert defines"
        value, duration = thresholds[series]
        assert steps[-1]["color"] == "red", panel["title"]
        steps[-1]["value"] = value
        shown = "the threshold" if series == "ctloop_monitoring_drift_share" else _shown(
            value, panel["fieldConfig"]["defaults"]["unit"])
        assert ALERT_IN_TITLE.search(panel["title"]), f"{panel['title']!r} does not say its alert"
        panel["title"] = ALERT_IN_TITLE.sub(f"(alert above {shown} for {duration[:-1]} {duration[-1]})",
                                            panel["title"])
        drawn.add(series)
    assert drawn == set(thresholds), f"no panel draws {set(thresholds) - drawn}"
    return json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n"


GENERATED = "Generated by `make golden` from ctloop.serving.metric_sources; do not edit by hand."
COMPONENT = {
    "apiVersion": "kustomize.config.k8s.io/v1alpha1",
    "kind": "Component",
    "patches": [
        {
            "target": {
                "group": "monitoring.coreos.com",
                "version": "v1",
                "kind": "PrometheusRule",
                "name": "ctloop-canary",
            },
            "path": "rules.yaml",
        }
    ],
}


def _comment(text: str, prefix: str = "# ", width: int = 96) -> str:
    return "\n".join(f"{prefix}{line}" for line in _wrap(text, width)) + "\n"


SCRAPE = {
    "target": {"group": "monitoring.coreos.com", "version": "v1", "kind": "PodMonitor", "name": PODMONITOR},
    "path": "podmonitor.yaml",
}


def expected_files() -> dict[Path, str]:
    """``sources/<name>/{kustomization,rules}.yaml`` for every source, and ``podmonitor.yaml`` for
    a source that scrapes a port beyond the model server's."""
    files = {}
    for name, source in SOURCES.items():
        doc = "docs/serving.md#metric-sources"
        component = {**COMPONENT, "patches": [*COMPONENT["patches"], *([SCRAPE] if source.scrape_port else [])]}
        files[SOURCES_DIR / name / "kustomization.yaml"] = (
            _comment(f"Canary metric source `{name}` ({doc}): {source.description}.")
            + "# Needs:\n"
            + _comment(source.required_config, "#   ", 94)
            + _comment(f"Add this component AFTER ../../components/monitoring. {GENERATED}")
            + yaml.safe_dump(component, sort_keys=False)
        )
        if source.scrape_port:
            files[SOURCES_DIR / name / "podmonitor.yaml"] = (
                _comment(f"Port {source.scrape_port} of every predictor pod, scraped for the `{name}` metric "
                         "source (PodMonitor ctloop-inferenceservices).")
                + _comment(GENERATED)
                + dump_yaml(podmonitor_patch(name))
            )
        files[SOURCES_DIR / name / "rules.yaml"] = (
            _comment(
                f"Group 0 (ctloop-source) of PrometheusRule ctloop-canary for the `{name}` "
                "metric source."
            )
            + _comment(GENERATED)
            + dump_yaml(rule_patch(name))
        )
    return files


def _wrap(text: str, width: int = 94) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line]

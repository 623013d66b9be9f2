"""Round 58: every dashboard panel counts what its title and unit say.

"Traffic share per model version" and "Predictions per model version" (unit req/s) read
``ctloop_predictions_total``, which counts *instances* (rows): one batch of 500 rows weighed 500
requests there, while "Traffic share per revision" beside it counts requests
(``ctloop:request_rate:rate5m``, from ``ctloop_requests_total``). Each panel's expressions are
checked here against the series that exist — the recording rules of the PrometheusRules, the
counters of the ctloop serving runtime (read from ``src/ctloop/serving/runtime.py``, the
Counter/Histogram definitions prometheus_client exports), what ``push_window`` publishes — and
against what each counts, and promtool evaluates the traffic panels on batches of two sizes.
"""

from __future__ import annotations

import ast
import json
import re

import yaml

from ctloop.monitoring.prometheus import HELP, PREFIX
from tests.helpers import REPO
from tests.manifests.rules_support import (
    CANARY_RULES,
    LOG_RULES,
    QUALITY_RULES,
    promtool,
    write_rules,
)
from tests.manifests.support import load_strict

DASHBOARD = REPO / "manifests" / "components" / "monitoring" / "dashboards" / "ctloop-canary.json"
RUNTIME = REPO / "src" / "ctloop" / "serving" / "runtime.py"
# what each series counts (a rate of it is that per second)
REQUESTS = {"ctloop:request_rate:rate5m", "ctloop:source_requests:rate5m", "ctloop_requests_total"}
INSTANCES = {
    "ctloop_predictions_total",
    "ctloop:source_instances:rate5m",
    "ctloop_request_instances_squared_total",
}
# the ctloop metric source's own fallback (ctloop.serving.metric_sources, group ctloop-source): a
# pod of a runtime image without ctloop_requests_total counts its instances, series by series
FALLBACK = re.compile(
    r"rate\(ctloop_requests_total(\{[^}]*\})\[(\w+)\]\) or rate\(ctloop_predictions_total\1\[\2\]\)"
)
NAME = re.compile(r"\bctloop[:_][A-Za-z0-9_:]*")


def runtime_series() -> set[str]:
    """The series names the serving runtime exports: ``Counter("x_total", ...)`` is ``x_total``,
    ``Histogram("x", ...)`` is ``x_bucket``, ``x_sum``, ``x_count`` (prometheus_client)."""
    names = set()
    for node in ast.walk(ast.parse(RUNTIME.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("Counter", "Histogram"):
            name = node.args[0].value
            if node.func.id == "Counter":
                names.add(name if name.endswith("_total") else f"{name}_total")
            else:
                names.update(f"{name}_{s}" for s in ("bucket", "sum", "count"))
    return names


def recorded() -> set[str]:
    return {
        r["record"]
        for path in (CANARY_RULES, QUALITY_RULES, LOG_RULES)
        for g in load_strict(path)["spec"]["groups"]
        for r in g["rules"]
        if "record" in r
    }


def panels() -> list[dict]:
    return [p for p in json.loads(DASHBOARD.read_text())["panels"] if p.get("targets")]


def counts(expr: str) -> set[str]:
    """``requests`` and/or ``instances``: what the expression's traffic rates count (a recording
    rule's, or a counter's ``rate``/``increase``; ``count by (...) (counter)`` counts series)."""
    expr = FALLBACK.sub(" rate(ctloop_requests_total[5m]) ", expr)
    names = {n for n in NAME.findall(expr) if ":" in n}
    names |= set(re.findall(r"\b(?:rate|increase)\((ctloop_\w+)", expr))
    return {
        kind for kind, read in (("requests", REQUESTS), ("instances", INSTANCES)) if names & read
    }


def test_every_series_a_panel_reads_exists():
    known = recorded() | runtime_series() | {PREFIX + n for n in HELP}
    assert {
        "ctloop_requests_total",
        "ctloop_predictions_total",
        "ctloop_predict_seconds_bucket",
    } <= known
    for panel in panels():
        for target in panel["targets"]:
            unknown = set(NAME.findall(target["expr"])) - known
            assert not unknown, f"{panel['title']!r} reads series nothing exports: {unknown}"


def test_each_traffic_panel_counts_what_its_title_and_unit_say():
    judged = 0
    for panel in panels():
        title, unit = panel["title"].lower(), panel["fieldConfig"]["defaults"].get("unit")
        counted = set().union(*(counts(t["expr"]) for t in panel["targets"]))
        if not counted:
            continue
        judged += 1
        assert len(counted) == 1, f"{panel['title']!r} mixes requests and instances"
        if counted == {"requests"}:
            assert "instance" not in title and "prediction" not in title, panel["title"]
            assert unit in ("reqps", "percentunit", "none"), (panel["title"], unit)
        else:
            assert "request" not in title and "traffic" not in title, panel["title"]
            assert unit != "reqps" and "instances" in f"{title} {unit}", (panel["title"], unit)
    assert judged >= 5


def test_traffic_panels_count_requests_not_rows(tmp_path):
    """Version 1 answers 2 requests/s of 50 rows each, version 2 2 requests/s of one row: the
    traffic is half and half, as the per-revision panel says; the rows are 100 and 2 per second."""
    exprs = {
        f"{p['title']} {t['refId']}": t["expr"]
        .replace("$namespace", "ml")
        .replace("$isvc", "credit")
        for p in panels()
        for t in p["targets"]
    }
    write_rules(tmp_path, [g for g in load_strict(CANARY_RULES)["spec"]["groups"]])

    def series(name: str, version: str, per_30s: int) -> dict:
        return {
            "series": f'{name}{{namespace="ml", isvc="credit", revision="credit-predictor-0000{version}", '
            f'model_version="{version}", exported_model_version="{version}", model_name="credit", '
            f'outcome="ok", job="ml/ctloop-inferenceservices", container="kserve-container"}}',
            "values": f"0+{per_30s}x40",
        }

    def samples(*pairs) -> list[dict]:
        return [{"labels": labels, "value": value} for labels, value in pairs]

    revision = 'namespace="ml", isvc="credit", revision="credit-predictor-0000{}"'
    rows_unit = next(
        p["fieldConfig"]["defaults"]["unit"] for p in panels() if p["title"].startswith("Instances")
    )
    assert rows_unit.startswith("suffix:") and "instances/s" in rows_unit
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "30s",
        "tests": [
            {
                "interval": "30s",
                "input_series": [
                    series("ctloop_requests_total", "1", 60),
                    series("ctloop_predictions_total", "1", 3000),
                    series("ctloop_requests_total", "2", 60),
                    series("ctloop_predictions_total", "2", 60),
                ],
                "promql_expr_test": [
                    {
                        "expr": exprs["Traffic share per revision A"],
                        "eval_time": "10m",
                        "exp_samples": samples(
                            (f"{{{revision.format(1)}}}", 0.5), (f"{{{revision.format(2)}}}", 0.5)
                        ),
                    },
                    {
                        "expr": exprs["Traffic share per model version A"],
                        "eval_time": "10m",
                        "exp_samples": samples(
                            ('{model_version="1"}', 0.5), ('{model_version="2"}', 0.5)
                        ),
                    },
                    {
                        "expr": exprs["Requests per second per model version (model server) A"],
                        "eval_time": "10m",
                        "exp_samples": samples(
                            ('{model_version="1", outcome="ok"}', 2),
                            ('{model_version="2", outcome="ok"}', 2),
                        ),
                    },
                    {
                        "expr": exprs["Instances per second per model version (model server) A"],
                        "eval_time": "10m",
                        "exp_samples": samples(
                            ('{model_version="1", outcome="ok"}', 100),
                            ('{model_version="2", outcome="ok"}', 2),
                        ),
                    },
                ],
            }
        ],
    }
    (tmp_path / "dashboard.test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    out = promtool("test", "rules", "dashboard.test.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr

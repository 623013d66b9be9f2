"""``CtloopLogEventsRefusedForSize`` (manifests/components/monitoring/prometheusrule-inference-log.yaml)
sees a reason's first refusal.

The inference log sink wrote ``ctloop_log_events_rejected_total{reason=…}`` only for the reasons
it had refused once, so the first ``oversize`` refusal made a series whose first sample was
already 1, and ``increase()`` sees nothing before a series' first sample: one event refused for
its size (and lost: KServe's payload logger does not retry) raised no alert. Round 44 counted a
series new in the hour whole (``unless … offset 1h and up offset 1h``); that still missed it on
a sink pod younger than an hour (a fresh install: no ``up`` an hour ago) and fired for an old
count when the monitor's target labels changed. Now the sink exports every reason at 0 from its
first scrape on (``Sink.metrics_text``), as the runtime does its outcomes, and the alert is a
plain ``increase()``. Only refusals before the pod's first scrape are in the first sample.

Run with promtool (Debian's prometheus 2.42) against the rules as shipped, as
tests/manifests/test_prometheus_rules.py runs tests/manifests/promtool/*.yaml.
"""

import json

import pytest

from ctloop.inference_log.events import REASONS
from ctloop.inference_log.sink import Sink
from tests.manifests.rules_support import promtool, write_rules
from tests.manifests.test_prometheus_rules import LOG_RULES, groups, load_strict

LABELS = 'namespace="ml", pod="ctloop-inference-log-0", job="ctloop-inference-log"'


def _case(values: str, up: str, at: str, alerts: list[dict]) -> dict:
    return {
        "interval": "1m",
        "input_series": [
            {
                "series": f'ctloop_log_events_rejected_total{{{LABELS}, reason="oversize"}}',
                "values": values,
            },
            {
                "series": f"up{{{LABELS}}}",
                "values": up,
            },  # the sink's scrapes (a gap: Prometheus down)
        ],
        "alert_rule_test": [
            {"eval_time": at, "alertname": "CtloopLogEventsRefusedForSize", "exp_alerts": alerts}
        ],
    }


def _firing(count: str) -> list[dict]:
    """The alert as it fires in namespace ml for reason oversize, ``count`` as humanize writes it."""
    rule = next(
        r
        for g in load_strict(LOG_RULES)["spec"]["groups"]
        for r in g["rules"]
        if r.get("alert") == "CtloopLogEventsRefusedForSize"
    )
    notes = {
        k: v.replace("{{ $labels.namespace }}", "ml")
        .replace("{{ $labels.reason }}", "oversize")
        .replace("{{ $value | humanize }}", count)
        for k, v in rule["annotations"].items()
    }
    return [
        {
            "exp_labels": {"severity": "warning", "namespace": "ml", "reason": "oversize"},
            "exp_annotations": notes,
        }
    ]


def test_the_sink_exports_every_reason_before_its_first_refusal(tmp_path):
    """The premise, from the sink itself: a line at 0 for each reason before any refusal."""
    sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"))
    text = sink.metrics_text()
    for reason in ("oversize", "too_many_values", *REASONS):
        assert f'ctloop_log_events_rejected_total{{reason="{reason}"}} 0' in text, text
    sink.stats.reject("oversize")
    assert 'ctloop_log_events_rejected_total{reason="oversize"} 1' in sink.metrics_text()


@pytest.mark.parametrize(
    ("values", "up", "at", "count"),
    [
        ("0x80 1x100", "1x200", "100m", "1"),  # one refusal
        ("_x50 0x30 1x20", "_x50 1x50", "100m", "1"),  # a fresh install: its pod 50 minutes old
        ("0x80 3x100", "1x200", "100m", "3"),  # three at once
        ("0x80 1x100", "1x200", "145m", ""),  # an hour later it is over
        ("0x80 0x100", "1x200", "100m", ""),  # a series at 0 is quiet
        ("0x10 1x80 3x40", "1x200", "100m", "2"),  # its increase in the hour, not its 3
        ("7x50 _x11 7x80", "1x50 _x11 1x80", "117m", ""),  # Prometheus down an hour ago: quiet
        ("5x40 0x39 1x40", "1x120", "100m", "1"),  # the sink restarted (a reset to 0), then one
    ],
    ids=[
        "one",
        "fresh-install",
        "three",
        "an-hour-later",
        "zero",
        "older-series",
        "prometheus-gap",
        "restarted",
    ],
)
def test_a_refusal_alerts(tmp_path, values, up, at, count):
    write_rules(tmp_path, groups())
    case = _case(values, up, at, _firing(count) if count else [])
    (tmp_path / "born.test.yaml").write_text(
        json.dumps({"rule_files": ["rules.yaml"], "tests": [case]})
    )
    out = promtool("test", "rules", "born.test.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr

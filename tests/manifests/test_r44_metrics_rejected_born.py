"""``CtloopLogEventsRefusedForSize`` (manifests/components/monitoring/prometheusrule-inference-log.yaml)
when a reason's counter is born at its first refusal.

The inference log sink writes ``ctloop_log_events_rejected_total{reason=…}`` only for the reasons
it has refused once (``Sink.metrics_text``: one line per key of ``stats.rejected``, which starts
empty), so the first ``oversize`` refusal makes a series whose first sample is already 1.
``increase()`` sees nothing before a series' first sample: one event refused for its size (and
lost: KServe's payload logger does not retry) raised no alert, nor did any number of them that
came before the first scrape. Now a series born within the hour counts its whole value: one
absent an hour ago from a scrape of its pod that succeeded (``up``), so that a gap in Prometheus'
own data then (the reason fix40 reverted counting first values as new in the canary analysis,
tests/serving/test_fix40a_scrape_gap.py) does not count an old series' whole value again.

Run with promtool (Debian's prometheus 2.42) against the rules as shipped, as
tests/manifests/test_prometheus_rules.py runs tests/manifests/promtool/*.yaml.
"""

import json

import pytest

from ctloop.inference_log.sink import Stats
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


def test_the_sink_writes_a_reason_only_once_it_refused_one():
    """The premise, from the sink itself: no line for a reason before its first refusal."""
    stats = Stats()
    assert stats.rejected == {}
    stats.reject("oversize")
    assert stats.rejected == {"oversize": 1}


@pytest.mark.parametrize(
    ("values", "up", "at", "count"),
    [
        ("_x80 1x100", "1x200", "100m", "1"),  # one refusal: born at 1, never more
        ("_x80 3x100", "1x200", "100m", "3"),  # three before the first scrape
        ("_x80 1x100", "1x200", "145m", ""),  # an hour later it is over
        ("0x80 0x100", "1x200", "100m", ""),  # a series at 0 is quiet
        ("_x10 1x80 3x40", "1x200", "100m", "2"),  # born over an hour ago: its increase, not its 3
        ("7x50 _x11 7x80", "1x50 _x11 1x80", "117m", ""),  # old, Prometheus down an hour ago: quiet
    ],
    ids=[
        "one",
        "three-before-the-first-scrape",
        "an-hour-later",
        "zero",
        "older-series",
        "prometheus-gap",
    ],
)
def test_a_reason_born_at_its_first_refusal_alerts(tmp_path, values, up, at, count):
    write_rules(tmp_path, groups())
    case = _case(values, up, at, _firing(count) if count else [])
    (tmp_path / "born.test.yaml").write_text(
        json.dumps({"rule_files": ["rules.yaml"], "tests": [case]})
    )
    out = promtool("test", "rules", "born.test.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr

"""``CtloopLogEventsRefusedForSize`` stays quiet when the monitor's target labels change.

Round 44's rule counted the whole value of a series absent an hour ago from a scrape of its
pod that succeeded: a relabeling that adds a target label (``container="sink"``) makes new
series of the same counters, and a sink that refused 7 events days ago fired an alert for 7
lost events. The sink now exports every reason at 0 from its first scrape on
(tests/manifests/test_r44_metrics_rejected_born.py), so the rule is a plain ``increase()``,
which sees no increase in a series that starts at its old count.

Run with promtool (Debian's prometheus 2.42) against the rules as shipped.
"""

import json

from tests.manifests.rules_support import promtool, write_rules
from tests.manifests.test_prometheus_rules import groups

LABELS = 'namespace="ml", pod="ctloop-inference-log-0", job="ctloop-inference-log"'


def test_a_target_label_added_is_no_refusal(tmp_path):
    old, new = LABELS, f'{LABELS}, container="sink"'
    case = {
        "interval": "1m",
        "input_series": [
            {
                "series": f'ctloop_log_events_rejected_total{{{old}, reason="oversize"}}',
                "values": "7x60 stale",
            },
            {"series": f"up{{{old}}}", "values": "1x60 stale"},
            {
                "series": f'ctloop_log_events_rejected_total{{{new}, reason="oversize"}}',
                "values": "_x61 7x60",
            },
            {"series": f"up{{{new}}}", "values": "_x61 1x60"},
        ],
        "alert_rule_test": [
            {"eval_time": t, "alertname": "CtloopLogEventsRefusedForSize", "exp_alerts": []}
            for t in ("70m", "100m", "120m")
        ],
    }
    write_rules(tmp_path, groups())
    (tmp_path / "relabel.test.yaml").write_text(
        json.dumps({"rule_files": ["rules.yaml"], "tests": [case]})
    )
    out = promtool("test", "rules", "relabel.test.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr

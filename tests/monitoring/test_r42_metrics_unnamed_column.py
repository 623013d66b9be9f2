"""A feature named "" (an empty column name) in a pushed window.

Prometheus drops a label whose value is empty (the text format and the Pushgateway alike), so
``ctloop_monitoring_drift_score{column=""}`` arrived as ``drift_score{version="3"}``: a series
without a column, read by the dashboard and the per-column alerts as the model's own. The
column's series are not published now, and the accepted push returns a warning naming it (the
window is recorded in MLflow whole; a refusal at push time would fail a run already recorded).

Real part: the Debian package's prometheus-pushgateway (tests/monitoring/test_monitoring_metrics.py).
"""

from __future__ import annotations

import urllib.request

from ctloop.monitoring.prometheus import push_window, window_samples
from tests.monitoring.test_monitoring_metrics import pushgateway

WINDOW = {
    "window_end": "2026-12-02T10:00:00+00:00",
    "champion_version": "3",
    "rows": 120,
    "drift_share": 0.5,
    "drift_scores": {"": 0.01, "age": 0.2},
    "drifted": {"": True, "age": False},
    "realized": 0.81,
    "realized_metric": "roc_auc",
    "realized_rows": 100,
    "gate_value": 0.86,
    "retrain": False,
    "rule": None,
}


def test_no_drift_series_without_a_column_label():
    samples = window_samples(WINDOW, now=1.0)
    per_column = [
        labels for name, labels, _ in samples if name.endswith(("drift_score", "column_drifted"))
    ]
    assert per_column == [{"version": "3", "column": "age"}] * 2


def test_the_push_is_accepted_and_warns_naming_the_column(tmp_path):
    with pushgateway(tmp_path) as url:
        warning = push_window(url, model="credit", window=WINDOW)
        text = urllib.request.urlopen(f"{url}/metrics", timeout=5).read().decode()
    assert warning is not None and "column named ''" in warning and "\n" not in warning
    scores = [
        line for line in text.splitlines() if line.startswith("ctloop_monitoring_drift_score{")
    ]
    assert len(scores) == 1 and 'column="age"' in scores[0], scores

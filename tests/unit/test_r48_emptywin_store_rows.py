"""A monitoring window's history is read back from MLflow by ``store.to_record``; the recovery's
deferral (``policy._nothing_new``) decides on each window's logged ``rows`` (fix48g). ``to_record``
did not return ``rows`` (the monitor logs it as a metric, components/monitor/core.py), so every
window read back had none and monitoring never deferred: a live ``monitor_model`` retrained again
in empty windows on the rows of the retrain before (review M of round 48)."""

from __future__ import annotations

from types import SimpleNamespace

from ctloop.monitoring import policy
from ctloop.monitoring.store import to_record
from tests.unit.test_r48_emptywin_recovery import GATE, RULES, _loss_then, _record


def _as_logged(record: dict) -> SimpleNamespace:
    """A finished window's MLflow run as monitor_model logs it: its numbers as metrics (``rows``
    among them), the champion and the window's end as tags."""
    metrics = {k: float(v) for k, v in record.items()
               if k in ("rows", "drift_share", "realized", "realized_rows", "realized_se", "rows_since_training")
               and v is not None}
    tags = {"window_end": record["window_end"], "champion_version": record["champion_version"]}
    return SimpleNamespace(info=SimpleNamespace(run_id=f"run-{record['window_end']}"),
                           data=SimpleNamespace(tags=tags, metrics=metrics))


def test_to_record_returns_the_rows_the_window_logged():
    assert to_record(_as_logged(_record(0, "1", 0, counted=False, served=0)))["rows"] == 0
    assert to_record(_as_logged(_record(1, "1", 500, counted=False, served=500)))["rows"] == 500


def test_a_history_read_back_through_to_record_defers_in_an_empty_window():
    """The same walk as test_monitoring_records_defer_on_no_rows_served_since_the_last_retrain, with
    every earlier window read back as monitoring reads it: ``rows`` must survive the round trip."""
    history: list[dict] = []
    for day in range(-6, 0):
        current = _record(day, "1", 500, counted=False, served=500 * (day + 7))
        policy.judge(history, current, RULES, champion_gate=GATE, metric="roc_auc", min_labels=100, window="1D")
        history.append({**current, "rows": to_record(_as_logged(current)).get("rows")})
    rules = []
    for current, gate in _loss_then([0, 0, 500], counted=False):
        rules.append(policy.judge(history, current, RULES, champion_gate=gate, metric="roc_auc", min_labels=100,
                                  window="1D").rule)
        history.append({**current, "rows": to_record(_as_logged(current)).get("rows")})
    assert rules[3:] == ["none", "cooldown", "recovery"], rules


def test_a_missed_run_with_rows_served_to_a_new_champion_is_no_deferral():
    """Review M2 of round 48: the windows read back all logged 0 rows, but a run is missing and the
    champion promoted since the retrain has rows counted since its promotion: those are new rows."""
    last = {**_record(2, "1", 500, counted=False, served=1000), "triggered": True}
    gap = _record(4, "2", 0, counted=False, served=300)
    current = _record(5, "2", 0, counted=False, served=300)
    assert policy._nothing_new([last, gap], current, last) == ""
    # nothing served to the new champion either: the retrain would train on the same rows
    assert policy._nothing_new([last, {**gap, "rows_since_training": 0}], {**current, "rows_since_training": 0},
                               last).startswith("no rows served since")

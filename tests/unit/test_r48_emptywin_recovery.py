"""A recovery's scheduled retrain in a window that brought no new labelled rows.

On a weekday-only daily stream a recovery retrained every two windows, weekends included: a
retrain on Friday was followed by one on Sunday, with no row served (and so no label arrived) in
between — the same training rows again. The retrain spent the budget, and as a challenger of the
same rows it did not beat the champion, so the recovery read "did not pay" and doubled its gap.
``policy.judge`` now defers such a retrain to the next window with new labelled rows (the
recovery's schedule is kept, not lost): the backtest counts the labels that arrived in each window
(record ``new_labels``); ``monitor_model``, which does not know when a label arrived, counts the
rows served since the retrain (``rows_since_training``). A window without rows after one with new
labels still retrains: it trains on them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.config import TrainingConfig
from ctloop.monitoring import policy

RULES = {"realized_z": 2.326, "cusum_h": 5.0}
GATE = {"roc_auc": 0.90, "roc_auc_se": 0.01}
PAID = {**GATE, "roc_auc.delta": 0.05, "roc_auc.ci_low": 0.02}  # a challenger that beat the champion
MONDAY = pd.Timestamp("2026-01-05", tz="UTC")


def _record(day: int, version: str, rows: int, *, counted: bool = True, served: int | None = None,
            realized: float = 0.90) -> dict:
    """A window record as the backtest writes it (``counted``: with ``new_labels``) or as monitoring
    reads it back (``rows_since_training`` instead)."""
    out = {"window_end": (MONDAY + pd.Timedelta(days=day)).isoformat(), "champion_version": version, "rows": rows,
           "drift_share": 0.0 if rows else None, "realized": realized if rows else None, "realized_rows": rows,
           "realized_se": 0.01 if rows else None}
    if counted:
        out["new_labels"] = rows
    if served is not None:
        out["rows_since_training"] = served
    return out


def _walk(windows: list[tuple[dict, dict]]) -> tuple[list[str], list[dict], list[policy.Verdict]]:
    """Six quiet windows (a budget for the recovery's scheduled retrains), then ``windows``."""
    history: list[dict] = []
    for day in range(-6, 0):
        current = _record(day, "1", 500, served=500 * (day + 7))
        policy.judge(history, current, RULES, champion_gate=GATE, metric="roc_auc", min_labels=100, window="1D")
        history.append(current)
    verdicts = []
    for current, gate in windows:
        verdicts.append(policy.judge(history, current, RULES, champion_gate=gate, metric="roc_auc", min_labels=100,
                                     window="1D"))
        history.append(current)
    return [v.rule for v in verdicts], history[6:], verdicts


def _loss_then(rows: list[int], *, counted: bool = True) -> list[tuple[dict, dict]]:
    """A loss on Monday (v1), paid retrains since (a new champion each), then windows of ``rows``
    rows from Thursday on; the recovery's retrain on Wednesday (two windows after the loss)."""
    out = [(_record(0, "1", 500, realized=0.80, counted=counted, served=3500), GATE),
           (_record(1, "2", 500, counted=counted, served=500), PAID),
           (_record(2, "2", 500, counted=counted, served=1000), PAID)]
    served = 0
    for k, n in enumerate(rows):
        served += n
        out.append((_record(3 + k, "3", n, counted=counted, served=served), PAID))
    return out


def test_a_recovery_retrain_with_no_new_labelled_rows_since_the_last_waits_for_them():
    rules, records, verdicts = _walk(_loss_then([0, 0, 500, 500]))
    assert rules == ["realized_z", "none", "recovery", "none", "cooldown", "recovery", "none"], rules
    deferred, wednesday = verdicts[4].reason, records[2]["window_end"]
    assert deferred.startswith(f"recovery retrain deferred: no new labelled rows since the retrain in the window "
                               f"ending {wednesday} (it would train on the same rows)"), deferred
    assert "would retrain: recovery after the change" in deferred
    # nothing spent, nothing lost: the budget fills, the schedule (change, gap) is carried to the next window
    assert records[4]["budget"] > records[3]["budget"] and not records[4]["triggered"]
    assert records[4]["train_since"] is None
    assert (records[4]["change"], records[4]["gap"]) == (records[0]["window_end"], policy.MIN_GAP)
    assert records[5]["triggered"] and records[5]["train_since"] == records[0]["window_end"]


def test_monitoring_records_defer_on_no_rows_served_since_the_last_retrain():
    """``monitor_model``'s records carry no label count: the rows logged since the champion was
    promoted (``rows_since_training``) say whether anything new was served since the retrain."""
    rules, _, verdicts = _walk(_loss_then([0, 0, 500], counted=False))
    assert rules == ["realized_z", "none", "recovery", "none", "cooldown", "recovery"], rules
    assert "no rows served since the retrain in the window ending" in verdicts[4].reason, verdicts[4].reason
    # a champion the retrain did not replace: the count goes on, the difference since the retrain counts
    same = [(_record(0, "1", 500, realized=0.80, counted=False, served=3500), GATE),
            (_record(1, "2", 500, counted=False, served=500), PAID),
            (_record(2, "2", 500, counted=False, served=1000), PAID),
            *((_record(day, "2", 0, counted=False, served=1000), GATE) for day in range(3, 7))]  # v2 kept
    rules, _, verdicts = _walk(same)  # the retrain did not pay: the gap doubles to 4 windows
    assert rules == ["realized_z", "none", "recovery", "none", "none", "none", "cooldown"], rules
    assert "no rows served since the retrain in the window ending" in verdicts[-1].reason, verdicts[-1].reason


def test_a_window_without_rows_after_one_with_new_labels_still_retrains():
    """Friday's rows arrived after Thursday's retrain: a retrain on Saturday trains on them."""
    for counted in (True, False):
        rules, _, _ = _walk(_loss_then([500, 0, 0], counted=counted))
        assert rules == ["realized_z", "none", "recovery", "none", "recovery", "none"], (counted, rules)


def _weekdays(change_day: int = 17, days: int = 23, per_day: int = 120, seed: int = 48) -> pd.DataFrame:
    """SEA-shaped (Street & Kim 2001: label x0 + x1 above a threshold, 10 % label noise), 120 rows a
    weekday and none on weekends, the concept reversed from ``change_day`` on."""
    rng = np.random.default_rng(seed)
    parts = []
    for d in range(days):
        day = pd.Timestamp("2024-03-04") + pd.Timedelta(days=d)  # a Monday
        if day.weekday() >= 5:
            continue
        x = rng.random((per_day, 3)) * 10
        y = (x[:, 0] + x[:, 1] > 9).astype(int)
        if d >= change_day:
            y = 1 - y
        noise = rng.random(per_day) < 0.1
        y[noise] = 1 - y[noise]
        ts = day + pd.to_timedelta(np.sort(rng.random(per_day)) * 86_000, unit="s")
        parts.append(pd.DataFrame({"ts": ts, "f0": x[:, 0], "f1": x[:, 1], "f2": x[:, 2], "target": y}))
    return pd.concat(parts, ignore_index=True)


def test_a_weekday_stream_replays_no_retrain_on_the_rows_of_the_retrain_before():
    """The backtest of a weekday-only stream: on today's main the recovery retrained on Sunday
    (window 20) on Friday's training rows; no retrain of the default policy does that now."""
    report = run_backtest(_weekdays(), BacktestConfig(target="target", time_column="ts", window="1D",
                                                      training=TrainingConfig(estimator="logistic_regression")))
    judged = [w for w in report.windows if w.rule not in ("history", "initial", "skip")]
    assert len(judged) == len(report.records)
    new, last = 0, None
    for window, record in zip(judged, report.records, strict=True):
        assert record["new_labels"] == window.rows  # no label delay: a row's label arrives in its window
        new += record["new_labels"]
        if window.retrained:
            assert last is None or new, f"window {window.index} retrained on the rows of window {last}'s retrain"
            last, new = window.index, 0
    sunday = report.windows[20]
    assert sunday.rows == 0 and not sunday.retrained
    assert "recovery retrain deferred: no new labelled rows since the retrain in the window ending" in sunday.reason
    assert report.windows[21].retrained and report.windows[21].rule == "recovery"

"""A run of drifted windows restarts when the champion changes. Stop 55's unseen stream
smarket_few_rows (ISLP 0.6.0's Smarket, 60D windows; docs/backtest-quality.md, "Unseen streams,
third batch") fired prediction drift at window 13 on the PSI of window 12, served by the champion
that window 12's retrain retired, and of window 13, served by its successor: the windows another
model served (its scores, its reference) say nothing about the new one. Seen failing on main: both
rules fired on a streak spanning two champions."""

from __future__ import annotations

from ctloop.monitoring import policy
from ctloop.monitoring.rules import decide

RULES = {"drift_share": 0.5, "drift_windows": 2, "prediction_psi": 0.2}


def rec(day: int, version, share: float | None = 0.1, psi: float | None = 0.05, **extra) -> dict:
    return {
        "window_end": f"2026-03-{day:02d}T00:00:00+00:00",
        "drift_share": share,
        "psi": psi,
        "psi_bound": 0.1,
        "realized": None,
        "realized_rows": 0,
        "triggered": False,
        "champion_version": version,
        **extra,
    }


def test_feature_drift_in_the_retired_champions_window_does_not_count_for_its_successor():
    history = [rec(1, 1, share=0.8, triggered=True)]  # window 1's retrain promoted v2
    v = decide(history, rec(2, 2, share=0.9), RULES, window="1D")
    assert not v.fire, v.reason
    assert (
        "drift share 0.90 >= 0.5 in 1 window(s) since v2 started serving, 2 needed" in v.reason
    ), v.reason
    assert (
        decide([*history, rec(2, 2, share=0.9)], rec(3, 2, share=0.7), RULES, window="1D").rule
        == "drift"
    )


def test_prediction_drift_restarts_with_the_champion_as_in_smarket_window_13():
    history = [rec(12, "3", psi=1.4, triggered=True)]  # MLflow tags hold versions as text
    v = decide(history, rec(13, 4, psi=1.2), RULES, window="1D")
    assert not v.fire, v.reason
    assert (
        "prediction drift (PSI 1.200) in 1 window(s) since v4 started serving, 2 needed" in v.reason
    )
    v = policy.judge(
        history,
        rec(13, 4, psi=1.2),
        RULES,
        champion_gate={},
        metric="roc_auc",
        min_labels=100,
        window="1D",
    )  # the entry of the backtest and monitor_model
    assert not v.fire, v.reason


def test_the_same_champion_or_an_unknown_version_keeps_the_run():
    assert (
        decide([rec(1, 2, psi=1.4)], rec(2, 2, psi=1.2), RULES, window="1D").rule
        == "prediction_drift"
    )
    assert (
        decide([rec(1, "2", share=0.8)], rec(2, 2, share=0.9), RULES, window="1D").rule == "drift"
    )
    for old in (None, ""):  # a record written before versions were kept
        assert (
            decide([rec(1, old, share=0.8)], rec(2, 2, share=0.9), RULES, window="1D").rule
            == "drift"
        )
    assert (
        decide([rec(1, 1, share=0.8)], rec(2, None, share=0.9), RULES, window="1D").rule == "drift"
    )

"""Review 48 G of the r48-emptywin deferral (a recovery's retrain with nothing new since the last
one waits): it must not defer a retrain the champion's being behind asks for, must not read a
champion promoted after its window's rows as "no rows served", and must not park a recovery for
ever through a label outage."""

from __future__ import annotations

from ctloop.monitoring import policy
from tests.unit.test_r48_emptywin_recovery import GATE, PAID, _loss_then, _record, _walk

LOW = {"roc_auc": 0.80, "roc_auc_se": 0.01, "roc_auc.delta": 0.05, "roc_auc.ci_low": 0.02}


def test_a_champion_still_behind_retrains_in_a_window_without_new_rows():
    """0 rows served in the window, but 500 late labels in the lookback read the champion confidently
    worse than before the change: the recovery retrains now, as the backtest would."""
    behind = _record(2, "3", 0, counted=False, served=0)
    behind.update(realized=0.80, realized_rows=500, realized_se=0.01)
    rules, _, verdicts = _walk([(_record(0, "1", 500, realized=0.80, counted=False, served=3500), GATE),
                                (_record(1, "2", 500, counted=False, served=500, realized=0.80), LOW),
                                (behind, LOW)])
    assert rules[-1] == "recovery", (rules, verdicts[-1].reason)
    assert "still confidently worse than" in verdicts[-1].reason


def test_a_champion_promoted_after_its_windows_rows_were_served_is_no_deferral():
    """v3 promoted at the end of day 3, after that day's 500 rows (served by v2): its
    ``rows_since_training`` is 0, but the window's rows are new rows to train on."""
    windows = [(_record(0, "1", 500, realized=0.80, counted=False, served=3500), GATE),
               (_record(1, "2", 500, counted=False, served=500), PAID),
               (_record(2, "2", 500, counted=False, served=1000), PAID),  # the recovery's retrain
               (_record(3, "3", 500, counted=False, served=0), PAID),  # served by v2, then v3 promoted
               (_record(4, "3", 0, counted=False, served=0), PAID)]  # a quiet day
    rules, _, verdicts = _walk(windows)
    assert rules == ["realized_z", "none", "recovery", "none", "recovery"], (rules, verdicts[-1].reason)


def test_a_recovery_parked_past_the_longest_gap_ends_and_a_later_loss_starts_afresh():
    outage = 10  # windows without labels after Wednesday's retrain
    rules, records, verdicts = _walk(_loss_then([0] * outage) + [
        (_record(3 + outage, "3", 500, realized=0.70, served=500), PAID)])
    parked = [i for i, v in enumerate(verdicts) if "recovery retrain deferred" in v.reason]
    ended = next(i for i, r in enumerate(records) if i > 2 and r["change"] is None)
    assert len(parked) <= policy.MAX_GAP and ended == 3 + policy.MAX_GAP, (parked, ended, rules)
    assert (f"recovery ends: {policy.MAX_GAP + 1} windows since the retrain in the window ending "
            f"{records[2]['window_end']} without new rows to train on, past the longest gap ({policy.MAX_GAP} "
            "windows)") in verdicts[ended].reason, verdicts[ended].reason
    assert not records[ended]["triggered"] and records[ended]["train_since"] is None
    loss = records[-1]  # a new change: trained on its own window on, not on the data since Monday
    assert rules[-1] == "realized_z" and loss["change"] == loss["window_end"] == loss["try_since"], loss
    assert loss["train_since"] is None


def test_a_weekend_still_parks_the_recovery():
    """Two empty windows after a Friday retrain stay within the longest gap: the schedule is kept."""
    rules, records, _ = _walk(_loss_then([0, 0, 500]))
    assert rules[-2:] == ["cooldown", "recovery"] and records[-2]["change"] == records[0]["window_end"]

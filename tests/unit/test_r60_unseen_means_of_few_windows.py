"""Stop 60's unseen stream krkp_one_class_days (the kr-vs-kp chess endgames in file order, which runs in long
blocks of one class): 9 of the 10 daily windows the first model served hold one class only, where the ROC AUC
is undefined, so every policy's mean is that of one window. ``ctloop backtest --compare`` printed

    never    mean roc_auc 0.8002  retrains   0  promotions   0  -19.98 pts vs always
    always   mean roc_auc 1.0000  retrains  10  promotions   3  +0.00 pts vs always

and nothing of the nine windows left out (the CSV's ``skipped_windows`` column held them; a single policy's
summary prints ``skipped windows = 9``; a table with no window scored says why). The table is now followed by
a line saying of how many windows each mean is, and why the others were not scored.

Review 60 (M2): a window before the initial model ("no initial model yet": one class, nothing to train on) was
counted as one after it, in the line and in ``BacktestReport.skipped``; (L4) the line is tested on reports built
by hand (``_scored_note``), the replay run once (a replay took 5-9 s)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.backtest import BacktestReport, WindowResult
from ctloop.cli.local import _scored_note

NOWIN, WON = "roc_auc undefined on one class ['nowin']", "roc_auc undefined on one class ['won']"


def _window(i: int, rule: str = "", unscored: str | None = None, skip: str | None = None) -> WindowResult:
    reason = f"no initial model yet: {skip}" if skip else f"not scored: {unscored}" if unscored else "kept"
    return WindowResult(i, f"2024-04-0{i + 1}", f"2024-04-0{i + 2}", 120, None if unscored or skip or rule else 0.9,
                        None, False, False, False, False, 1, reason, rule=rule)


def _report(windows: list[WindowResult], skipped: int) -> BacktestReport:
    """A report built by hand, its ``skipped`` (windows after the initial model not scored) written out, not
    computed with the product's formula (the replay below checks the product's count)."""
    report = BacktestReport({}, windows, 0.9, 0, 0, "roc_auc")
    report.skipped = skipped
    return report


def _krkp() -> BacktestReport:
    """Days 0-1 the initial model's history and window, day 3 'won' only, day 5 'nowin' only."""
    return _report([_window(0, "history"), _window(1, "initial"), _window(2), _window(3, unscored=WON),
                    _window(4), _window(5, unscored=NOWIN)], skipped=2)


def test_the_table_says_of_how_many_windows_each_mean_is():
    assert _scored_note({"never": _krkp(), "always": _krkp()}) == [
        f"each mean is of 2 of the 4 windows after the initial model; 2 not scored: {WON} in 1 window, {NOWIN} in 1 "
        "window"]


def test_one_policy_compared_says_it_too():
    assert _scored_note({"never": _krkp()}) == [
        f"each mean is of 2 of the 4 windows after the initial model; 2 not scored: {WON} in 1 window, {NOWIN} in 1 "
        "window"]


def test_policies_that_left_out_other_windows_say_it_each():
    scored = _krkp()
    scored.windows[3] = _window(3)
    scored.skipped = 1
    assert _scored_note({"never": _krkp(), "always": scored}) == [
        f"never: mean is of 2 of the 4 windows after the initial model; 2 not scored: {WON} in 1 window, {NOWIN} in "
        "1 window",
        f"always: mean is of 3 of the 4 windows after the initial model; 1 not scored: {NOWIN} in 1 window"]


def test_a_window_before_the_initial_model_is_not_one_after_it():
    report = _report([_window(0, skip=f"TrainingError: one class {WON}"), _window(1, "initial"), _window(2),
                      _window(3), _window(4), _window(5, unscored=NOWIN)], skipped=1)
    assert _scored_note({"never": report, "always": report}) == [
        f"each mean is of 3 of the 4 windows after the initial model; 1 not scored: {NOWIN} in 1 window"]


def test_more_reasons_than_three_say_how_many_more():
    report = _report([_window(0, "initial"), *(_window(i, unscored=f"{i} rows (< 30)") for i in range(1, 5)),
                      _window(5), _window(6, unscored="1 rows (< 30)")], skipped=5)
    assert report.unscored() == "1 rows (< 30) in 2 windows, 2 rows (< 30) in 1 window, 3 rows (< 30) in 1 window, " \
                                "and 1 more window"
    assert _scored_note({"never": report}) == [
        "each mean is of 1 of the 6 windows after the initial model; 5 not scored: " + report.unscored()]


def test_a_table_with_every_window_scored_prints_as_before():
    report = _report([_window(0, "history"), _window(1, "initial"), _window(2), _window(3)], skipped=0)
    assert _scored_note({"never": report, "always": report}) == []


def test_the_replay_counts_the_windows_after_the_initial_model(tmp_path, capsys):
    """The reviewer's scenario: day 0 'won' only (no initial model yet), days 1-4 both classes, day 5 'nowin'
    only, ``--train-window 1D`` (one policy: one replay, no retrains): was "3 of the 5 windows after the initial
    model; 2 not scored", and ``skipped_windows`` 2."""
    from ctloop.cli import main

    rng = np.random.default_rng(60)
    days = np.repeat(np.arange(6), 60)
    a, b = rng.normal(size=len(days)), rng.normal(size=len(days))
    y = np.where(a + rng.normal(scale=0.7, size=len(days)) > 0, "won", "nowin").astype(object)
    y[days == 0], y[days == 5] = "won", "nowin"
    ts = pd.Timestamp("2024-04-01") + pd.to_timedelta(days, unit="D") + pd.to_timedelta(
        np.tile(np.arange(60) * 1200, 6), unit="s")
    path = tmp_path / "krkp.csv"
    pd.DataFrame({"ts": ts, "a": a, "b": b, "target": y}).to_csv(path, index=False)
    rc = main(["backtest", "--data", str(path), "--target", "target", "--time-column", "ts", "--window", "1D",
               "--train-window", "1D", "--compare", "never", "--jobs", "1", "--estimator",
               "logistic_regression", "--bootstrap-rounds", "10", "--output", str(tmp_path / "out"), "--quiet"])
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    table = [i for i, line in enumerate(out) if line.startswith("  never ")]
    assert len(table) == 1, out
    assert out[table[-1] + 1] == (f"  each mean is of 3 of the 4 windows after the initial model; 1 not scored: "
                                  f"{NOWIN} in 1 window"), out
    skipped = pd.read_csv(next((tmp_path / "out").glob("*.csv")))
    assert skipped["skipped_windows"].tolist() == [1], skipped

"""Stop 60's unseen stream krkp_one_class_days (the kr-vs-kp chess endgames in file order, which runs in long
blocks of one class): 9 of the 10 daily windows the first model served hold one class only, where the ROC AUC
is undefined, so every policy's mean is that of one window. ``ctloop backtest --compare`` printed

    never    mean roc_auc 0.8002  retrains   0  promotions   0  -19.98 pts vs always
    always   mean roc_auc 1.0000  retrains  10  promotions   3  +0.00 pts vs always

and nothing of the nine windows left out (the CSV's ``skipped_windows`` column held them; a single policy's
summary prints ``skipped windows = 9``; a table with no window scored says why). The table is now followed by
a line saying of how many windows each mean is, and why the others were not scored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def _blocks(tmp_path) -> str:
    """6 days of 120 rows: days 0-2 both classes, then day 3 'won' only, day 4 both, day 5 'nowin' only."""
    rng = np.random.default_rng(60)
    days = np.repeat(np.arange(6), 120)
    a, b = rng.normal(size=len(days)), rng.normal(size=len(days))
    y = np.where(a + rng.normal(scale=0.7, size=len(days)) > 0, "won", "nowin").astype(object)
    y[days == 3], y[days == 5] = "won", "nowin"
    ts = pd.Timestamp("2024-04-01") + pd.to_timedelta(days, unit="D") + pd.to_timedelta(
        np.tile(np.arange(120) * 600, 6), unit="s")
    path = tmp_path / "krkp.csv"
    pd.DataFrame({"ts": ts, "a": a, "b": b, "target": y}).to_csv(path, index=False)
    return str(path)


def _compare(tmp_path, capsys, path: str, policies: str) -> tuple[int, list[str]]:
    from ctloop.cli import main

    rc = main(["backtest", "--data", path, "--target", "target", "--time-column", "ts", "--window", "1D",
               "--train-window", "2D", "--compare", policies, "--jobs", "1", "--estimator", "logistic_regression",
               "--bootstrap-rounds", "20", "--output", str(tmp_path / "out"), "--quiet"])
    return rc, capsys.readouterr().out.splitlines()


def test_the_table_says_of_how_many_windows_each_mean_is(tmp_path, capsys):
    rc, out = _compare(tmp_path, capsys, _blocks(tmp_path), "never,always")
    assert rc == 0
    table = [i for i, line in enumerate(out) if line.startswith("  never ") or line.startswith("  always ")]
    assert len(table) == 2, out
    after = out[table[-1] + 1]
    assert after == ("  each mean is of 2 of the 4 windows after the initial model; 2 not scored: roc_auc "
                     "undefined on one class ['won'] in 1 window, roc_auc undefined on one class ['nowin'] in 1 "
                     "window"), out


def test_a_table_with_every_window_scored_prints_as_before(tmp_path, capsys):
    path = tmp_path / "both.csv"
    rng = np.random.default_rng(61)
    days = np.repeat(np.arange(5), 120)
    a = rng.normal(size=len(days))
    ts = pd.Timestamp("2024-04-01") + pd.to_timedelta(days, unit="D") + pd.to_timedelta(
        np.tile(np.arange(120) * 600, 5), unit="s")
    pd.DataFrame({"ts": ts, "a": a, "b": rng.normal(size=len(days)),
                  "target": np.where(a > 0, "won", "nowin")}).to_csv(path, index=False)
    rc, out = _compare(tmp_path, capsys, str(path), "never,always")
    assert rc == 0 and not [line for line in out if "not scored" in line or "each mean" in line], out


@pytest.mark.parametrize("policies", ["never"])
def test_one_policy_compared_says_it_too(tmp_path, capsys, policies):
    rc, out = _compare(tmp_path, capsys, _blocks(tmp_path), policies)
    assert rc == 0 and any(line.startswith("  each mean is of 2 of the 4 windows") for line in out), out

"""``benchmarks/fuzz_backtest.py`` counted a case that exits 0 with no window scored as clean: its
``check_report`` asked for a finite ``mean_metric`` only where some window was scored, so a replay
that scored nothing (every window ``metric: null``, ``mean_metric: null``) passed as a success
(round 53). Now such a report is a failure of its own."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

FUZZ = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz_backtest.py"


def _fuzz():
    spec = importlib.util.spec_from_file_location("fuzz_backtest", FUZZ)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _window(index: int, metric: float | None, rows: int) -> dict:
    return {
        "index": index,
        "metric": metric,
        "rows": rows,
        "retrained": index == 0,
        "promoted": index == 0,
        "rule": "initial" if index == 0 else "none",
    }


def _report(windows: list[dict], mean: float | None) -> dict:
    return {
        "windows": windows,
        "mean_metric": mean,
        "retrains": 0,
        "promotions": 0,
        "skipped": 0,
        "config": {"policy": "never"},
    }


def test_exit_0_with_no_window_scored_is_a_failure(tmp_path):
    fuzz = _fuzz()
    (tmp_path / "backtest.json").write_text(
        json.dumps(_report([_window(0, None, 40), _window(1, None, 40)], None))
    )
    assert fuzz.check_report(tmp_path, 80) == [
        "exit 0 with no window scored (2 windows)"
    ]  # was: []


def test_a_compare_policy_that_scored_nothing_is_named(tmp_path):
    fuzz = _fuzz()
    scored = _report([_window(0, None, 40), _window(1, 0.8, 40)], 0.8)
    unscored = _report([_window(0, None, 40), _window(1, None, 40)], None)
    (tmp_path / "compare.json").write_text(
        json.dumps({"reports": {"always": scored, "never": unscored}})
    )
    assert fuzz.check_report(tmp_path, 80) == ["never: exit 0 with no window scored (2 windows)"]
    (tmp_path / "compare.json").write_text(json.dumps({"reports": {"always": scored}}))
    assert fuzz.check_report(tmp_path, 80) == []


def test_no_window_scored_with_the_reason_said_is_no_failure(tmp_path):
    """A regression on a constant target: no window is scored and each says why ("not scored: ..."), which
    the CLI prints as "n/a (no window scored: <reason>)" on purpose (tests/unit/test_backtest_realdata2.py).
    Was a failure (fuzz seeds 239 and 338 of 40-339); only an unscored report saying no reason is one."""
    fuzz = _fuzz()
    said = [{**_window(i, None, 40), "reason": f"drift 0.0; not scored: {why}"}
            for i, why in enumerate(["undefined metric", "9 rows (< 30)"])]
    (tmp_path / "backtest.json").write_text(json.dumps(_report(said, None)))
    assert fuzz.check_report(tmp_path, 80) == []  # was: ["exit 0 with no window scored (2 windows)"]
    blank = [{**w, "reason": "drift 0.0; not scored: "} for w in said]
    (tmp_path / "backtest.json").write_text(json.dumps(_report(blank, None)))
    assert fuzz.check_report(tmp_path, 80) == ["exit 0 with no window scored (2 windows)"]

"""``detect_drift`` and ``ctloop drift`` on ±inf and finite values beyond ±metrics.LARGEST_VALUE
(1e150). The CLI refuses them naming column, side and value. The component's core judged a window
holding 1e308 and -1e308 (the score was computed on them) and then its HTML report was numpy's 'Too
many bins for data range' ValueError traceback, and it dropped ±inf without a word; it now leaves
those values out (null), judges the column on the rest and names them (reason, left_out_values):
the reference is the champion's training sample, so refusing would fail every later pipeline run,
a forced retraining included, for values prepare_data accepted, and leaving the whole column out
would let one bad row of a window hide its drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.drift import core
from ctloop.config import DriftConfig


def _frames(values):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=500), "y": rng.normal(size=500)})
    cur = pd.DataFrame({"x": rng.normal(size=500), "y": rng.normal(size=500)})
    cur.loc[: len(values) - 1, "x"] = values
    return ref, cur


@pytest.mark.parametrize("values, token", [
    ([1e308, -1e308], "column 'x' holds values beyond ±1e+150 in the current"),
    ([-3e200, 5.0], "e.g. -3e+200"),
    ([np.inf, -np.inf], "column 'x' holds 2 infinite value(s) (inf/-inf) in the current"),
])
def test_the_cli_refuses_the_values_the_component_leaves_out(tmp_path, capsys, values, token):
    from ctloop.cli import main
    from ctloop.drift import report

    ref, cur = _frames(values)
    decision = core.judge(ref, cur, DriftConfig.from_dict({}), target="t", time_column="time")
    assert [c.column for c in decision.result.columns] == ["x", "y"]
    (note,) = decision.metadata["left_out_values"]
    assert note.startswith("x: ") and "the current window" in note and "left out" in decision.reason
    report.render_html(*decision.judged, path=str(tmp_path / "r.html"), sample_size=500, seed=0,
                       **report.options_from_result(decision.result))
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_parquet(tmp_path / "cur.parquet")
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                 "--engine", "memory", "--no-report"])
    err = capsys.readouterr().err
    assert code == 2 and token in err and "--exclude x" in err, err


def test_a_champion_trained_on_huge_values_does_not_block_the_pipeline():
    """The reference (the champion's training sample) holds 4.6e158: every later run, forced ones
    included, raised DriftError before a verdict."""
    ref, cur = _frames([1.0])
    ref.loc[0, "y"] = 4.6e158
    for force in (False, True):
        decision = core.judge(ref, cur, DriftConfig.from_dict({"force_retrain": force}), target="t",
                              time_column="time")
        assert decision.retrain is force and "y: 1 value(s) beyond ±1e+150 in the reference" in decision.reason


def test_one_bad_row_in_the_window_does_not_hide_the_columns_drift():
    """Leaving the whole column out (the first version of this fix) let one ±inf row of the window
    hide a 5-sigma shift of that column."""
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"a": rng.normal(size=500)})
    cur = pd.DataFrame({"a": rng.normal(5, 1, size=500)})
    cur.loc[0, "a"] = np.inf
    decision = core.judge(ref, cur, DriftConfig.from_dict({}), target="t", time_column="time")
    assert decision.drifted and [c.column for c in decision.result.columns if c.drifted] == ["a"]


def test_values_within_the_bound_are_judged():
    ref, cur = _frames([1e150, -1e150])
    assert core.judge(ref, cur, DriftConfig.from_dict({}), target="t", time_column="time").result is not None

"""``detect_drift`` and ``ctloop drift`` refuse the same values. The CLI refuses ±inf and finite
values beyond ±metrics.LARGEST_VALUE (1e150) naming column, side and value; the component's core
judged a window holding 1e308 and -1e308 (the score was computed on them) and then its HTML report
was numpy's 'Too many bins for data range' ValueError traceback, and it dropped ±inf without a
word. Both now run the same checks (ctloop.drift.engine.refuse_infinite / refuse_extremes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.drift import core
from ctloop.config import DriftConfig
from ctloop.errors import DriftError


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
def test_the_component_and_the_cli_refuse_the_same_values(tmp_path, capsys, values, token):
    from ctloop.cli import main

    ref, cur = _frames(values)
    with pytest.raises(DriftError) as info:
        core.judge(ref, cur, DriftConfig.from_dict({}), target="t", time_column="time")
    assert token in str(info.value) and "--exclude" not in str(info.value), str(info.value)
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_parquet(tmp_path / "cur.parquet")
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                 "--engine", "memory", "--no-report"])
    err = capsys.readouterr().err
    assert code == 2 and token in err and "--exclude x" in err, err


def test_values_within_the_bound_are_judged():
    ref, cur = _frames([1e150, -1e150])
    assert core.judge(ref, cur, DriftConfig.from_dict({}), target="t", time_column="time").result is not None

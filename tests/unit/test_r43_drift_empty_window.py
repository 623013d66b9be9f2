"""An empty side is refused alike by both engines of ``ctloop drift`` (round 43).

The memory engine refused a side with fewer than ``--min-rows`` rows naming it ("the current data
(<uri>) has 0 rows: ... (--min-rows) ..."); the streamed engine reached the comparison first and
said "the current data has no rows: nothing to compare", naming neither the input nor the option
(an empty log window, a day with no traffic). Both now say the first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main


@pytest.mark.parametrize("empty_side", ["current", "reference"])
def test_an_empty_side_is_named_by_both_engines(tmp_path, capsys, empty_side):
    full = pd.DataFrame({"a": np.random.default_rng(3).normal(size=60), "b": list("ab") * 30})
    full.to_parquet(tmp_path / "full.parquet")
    (tmp_path / "empty").mkdir()
    for k in range(2):  # a window of files without rows (a day without traffic)
        full.iloc[:0].to_parquet(tmp_path / "empty" / f"part-{k}.parquet")
    sides = {"reference": str(tmp_path / "full.parquet"), "current": str(tmp_path / "full.parquet")}
    sides[empty_side] = str(tmp_path / "empty")
    errors = []
    for engine in ("memory", "stream"):
        code = main(
            ["drift", "--reference", sides["reference"], "--current", sides["current"]]
            + ["--engine", engine, "--no-report", "--quiet", "--output", str(tmp_path / engine)]
        )
        assert code == 2
        errors.append(capsys.readouterr().err.strip().splitlines()[-1])
    assert errors[0] == errors[1]
    assert errors[1].startswith(f"error: the {empty_side} data ({tmp_path / 'empty'}) has 0 rows")
    assert "--min-rows" in errors[1]

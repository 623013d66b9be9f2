"""The memory and streamed engines of ``ctloop drift`` on the same data give the same verdict.

Three inputs where they disagreed (hunt 36):

* Hellinger (and the binned PSI/KL/JS) on two values one float step apart: the memory engine bins
  the differences from the smallest value (numpy cannot make bins that fine; see
  test_hunt_numeric_drift_adjacent.py), which puts the two values in different bins as the
  statistic's definition does (evidently 0.7.23 ``hellinger_distance.py``: density histograms on
  Sturges bins over the distinct values): 0.2265 for shares 50/50 against 80/20. The streamed
  engine put both values in one collapsed bin: 0.707.
* int64 ids near 2**62: 1000 distinct integers are a numeric column (evidently's rule counts the
  integers), but the streamed engine counted them as float64, where they collapse into two values,
  and judged the column categorical.
* a CSV column empty in every row: float64 to the memory engine (pandas.read_csv), Arrow's null
  type to the streamed one; against numbers or text on the other side one engine refused the
  column and the other judged it. A side without a value has no type to check: the column is
  judged empty on that side (drifted, the engine's documented rule) by both.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.drift import engine, stats, streaming


def _run(capsys, tmp_path, ref, cur, engine_name, *extra):
    out = tmp_path / f"out-{engine_name}"
    code = main(["drift", "--reference", str(ref), "--current", str(cur), "--engine", engine_name,
                 "--quiet", "--no-report", "--output", str(out), *extra])
    err = capsys.readouterr().err
    assert code == 0, err
    return {c["column"]: c for c in json.loads((out / "drift.json").read_text())["columns"]}


@pytest.mark.parametrize("method", ["hellinger", "psi"])
def test_two_adjacent_floats_score_the_same_in_both_engines(tmp_path, capsys, method):
    step = np.nextafter(1.0, 2.0)
    pd.DataFrame({"x": [1.0] * 50 + [step] * 50}).to_parquet(tmp_path / "r.parquet")
    pd.DataFrame({"x": [1.0] * 80 + [step] * 20}).to_parquet(tmp_path / "c.parquet")
    # by the definition: two distinct values, each in its own bin, shares 0.5/0.5 against 0.8/0.2
    expected = stats.column_stat(np.r_[[0.0] * 50, [1.0] * 50], np.r_[[0.0] * 80, [1.0] * 20],
                                 kind="numeric", method=method).score
    for name in ("memory", "stream"):
        col = _run(capsys, tmp_path, tmp_path / "r.parquet", tmp_path / "c.parquet", name, "--method", method)["x"]
        assert col["score"] == pytest.approx(expected, rel=1e-12), name
    if method == "hellinger":
        assert expected == pytest.approx(np.sqrt(1 - np.sqrt(0.4) - np.sqrt(0.1)))


@pytest.mark.parametrize("method", [None, "hellinger", "wasserstein"])
def test_int64_ids_near_2_to_62_are_numeric_in_both_engines(tmp_path, capsys, method):
    rng = np.random.default_rng(0)
    base = np.int64(2**62)
    pd.DataFrame({"id": base + rng.integers(0, 1000, 400)}).to_parquet(tmp_path / "r.parquet")
    pd.DataFrame({"id": base + rng.integers(500, 1500, 400)}).to_parquet(tmp_path / "c.parquet")
    extra = ["--method", method] if method else []
    got = [_run(capsys, tmp_path, tmp_path / "r.parquet", tmp_path / "c.parquet", name, *extra)["id"]
           for name in ("memory", "stream")]
    assert got[0]["kind"] == got[1]["kind"] == "numeric"
    assert got[0]["method"] == got[1]["method"] and got[0]["score"] == pytest.approx(got[1]["score"], rel=1e-12)


def test_the_integer_count_survives_a_state_round_trip_and_a_merge():
    base = 2**62
    frame = pd.DataFrame({"id": pd.array([base + i for i in range(12)] + [None], dtype="Int64")})
    halves = [streaming.DriftState().update(frame.iloc[:6]), streaming.DriftState().update(frame.iloc[6:])]
    assert halves[0].columns["id"].kind() == "categorical"  # 6 ids: at most 10
    merged = streaming.DriftState.from_dict(halves[0].to_dict()).merge(
        streaming.DriftState.from_dict(halves[1].to_dict()))
    assert merged.columns["id"].kind() == engine.column_kind(frame["id"]) == "numeric"


@pytest.mark.parametrize("other", ["numbers", "text", "empty"])
@pytest.mark.parametrize("empty_side", ["reference", "current"])
def test_a_csv_column_empty_in_every_row_is_judged_alike_by_both_engines(tmp_path, capsys, other, empty_side):
    rng = np.random.default_rng(1)
    n = 200
    values = {"numbers": rng.normal(0, 1, n), "text": rng.choice(["u", "v"], n), "empty": [None] * n}[other]
    pd.DataFrame({"x": rng.normal(0, 1, n), "e": [None] * n}).to_csv(tmp_path / "empty.csv", index=False)
    pd.DataFrame({"x": rng.normal(0, 1, n), "e": values}).to_csv(tmp_path / "other.csv", index=False)
    ref, cur = ((tmp_path / "empty.csv", tmp_path / "other.csv") if empty_side == "reference"
                else (tmp_path / "other.csv", tmp_path / "empty.csv"))
    got = [_run(capsys, tmp_path, ref, cur, name)["e"] for name in ("memory", "stream")]
    for key in ("kind", "method", "score", "drifted", "detail"):
        assert got[0][key] == got[1][key], (key, got)
    assert got[0]["drifted"] == (other != "empty")
    assert got[0]["score"] is None


def test_an_empty_csv_column_of_a_directory_is_float_as_in_a_single_file(tmp_path, capsys):
    rng = np.random.default_rng(2)
    (tmp_path / "d").mkdir()
    for name in ("a", "b"):
        pd.DataFrame({"x": rng.normal(0, 1, 100), "e": [None] * 100}).to_csv(tmp_path / "d" / f"{name}.csv",
                                                                           index=False)
    frame, _ = streaming.read_side(str(tmp_path / "d"))
    assert str(frame["e"].dtype) == "float64"

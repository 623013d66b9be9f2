"""Date and time-of-day columns are compared as numbers (seconds), by both engines.

A Parquet ``date32``/``date64``/``time32``/``time64`` column reads into pandas as objects of
``datetime.date``/``datetime.time``; both engines compared them as categories, so a window of
dates the reference never held (every later week: dates only move forward) scored chi-square
p = 0 and drifted even when drawn from the same distribution. Like datetimes, they are now
compared as seconds (a date: its midnight since the epoch; a time: seconds since midnight).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main
from ctloop.drift import engine, streaming
from ctloop.errors import DriftError

N = 400
BASE = dt.date(2024, 1, 1)


def _table(seed: int, shift_days: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    days = [BASE + dt.timedelta(days=int(x) + shift_days) for x in rng.integers(0, 365, N)]
    times = [dt.time(int(h), int(m), int(s)) for h, m, s in zip(rng.integers(8, 18, N), rng.integers(0, 60, N),
                                                             rng.integers(0, 60, N), strict=True)]
    return pa.table({"d": pa.array(days, pa.date32()), "d64": pa.array(days, pa.date64()),
                     "t": pa.array(times, pa.time64("us")), "t32": pa.array(times, pa.time32("s")),
                     "x": rng.normal(size=N)})


def _cli(tmp_path, capsys, ref: pa.Table, cur: pa.Table) -> dict[str, str]:
    pq.write_table(ref, tmp_path / "ref.parquet")
    pq.write_table(cur, tmp_path / "cur.parquet")
    tables = {}
    for used in ("memory", "stream"):
        code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                     "--engine", used, "--quiet"])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        tables[used] = captured.out[captured.out.index("\ncolumn  "):]
    assert tables["stream"] == tables["memory"]
    return tables


def test_dates_and_times_of_one_distribution_do_not_drift(tmp_path, capsys):
    table = _cli(tmp_path, capsys, _table(1), _table(2))["memory"]
    rows = {line.split()[0]: line.split() for line in table.splitlines()[3:8]}
    for name in ("d", "d64", "t", "t32"):
        assert rows[name][1:3] == ["numeric", "ks"], table
    assert rows["d"][-1] == "-" and rows["t"][-1] == "-", table


def test_dates_that_moved_drift(tmp_path, capsys):
    table = _cli(tmp_path, capsys, _table(1), _table(2, shift_days=200))["memory"]
    rows = {line.split()[0]: line.split() for line in table.splitlines()[3:8]}
    assert rows["d"][-1] == "DRIFT" and rows["d64"][-1] == "DRIFT"
    assert rows["t"][-1] == "-"


def test_every_engine_reads_dates_as_the_same_seconds():
    ref, cur = _table(1).to_pandas(), _table(2, shift_days=30).to_pandas()
    assert ref["d"].dtype == object and isinstance(ref["d"].iloc[0], dt.date)
    memory = engine.detect(ref, cur)
    arrow_backed = engine.detect(ref.convert_dtypes(dtype_backend="pyarrow"),
                                 cur.convert_dtypes(dtype_backend="pyarrow"))
    streamed = streaming.compare(streaming.DriftState().update(_table(1)),
                                 streaming.DriftState().update(_table(2, shift_days=30)))
    from_pandas = streaming.compare(streaming.DriftState().update(ref), streaming.DriftState().update(cur))
    want = [(c.column, c.kind, c.method, c.score) for c in memory.columns]
    for other in (arrow_backed, streamed, from_pandas):
        assert [(c.column, c.kind, c.method, c.score) for c in other.columns] == want
    assert engine.numeric_values(ref["d"]).min() == (ref["d"].min() - dt.date(1970, 1, 1)).days * 86400.0


def test_a_date_against_a_timestamp_is_refused_by_both_engines():
    ref = _table(1).select(["d"])
    cur = pa.table({"d": pa.array(pd.to_datetime(ref.column("d").to_pandas()))})
    with pytest.raises(DriftError, match="column 'd'"):
        engine.detect(ref.to_pandas(), cur.to_pandas())
    with pytest.raises(DriftError, match="column 'd'"):
        streaming.compare(streaming.DriftState().update(ref), streaming.DriftState().update(cur))


def test_a_csv_date_stays_text_in_both_engines(tmp_path, capsys):
    ref, cur = (tmp_path / "ref", tmp_path / "cur")
    for folder, seed in ((ref, 1), (cur, 2)):
        folder.mkdir()
        _table(seed).select(["d", "x"]).to_pandas().to_csv(folder / "part.csv", index=False)
    tables = {}
    for used in ("memory", "stream"):
        assert main(["drift", "--reference", str(ref), "--current", str(cur), "--engine", used, "--quiet"]) == 0
        out = capsys.readouterr().out
        tables[used] = out[out.index("\ncolumn  "):]
    assert tables["memory"] == tables["stream"]
    assert "d       categorical" in tables["memory"]


@pytest.mark.parametrize("null_first", [True, False])
def test_a_pandas_chunk_of_null_dates_is_nulls(null_first):
    """A Parquet batch whose dates are all null reads into pandas as objects of ``None``: the
    streamed state counts it as nulls (as Arrow's null type), wherever it comes, instead of
    refusing a chunk of another type."""
    table = _table(1).select(["d", "x"])
    frames = [b.to_pandas() for b in table.to_batches(max_chunksize=100)]
    frames[1 if null_first else 2] = frames[1 if null_first else 2].assign(d=None)
    frames = frames[1:] if null_first else frames
    state = streaming.DriftState()
    for frame in frames:
        state.update(frame)
    whole = pd.concat(frames, ignore_index=True)
    ref = _table(2).select(["d", "x"]).to_pandas()
    streamed = streaming.compare(streaming.DriftState().update(ref), state)
    assert [(c.column, c.kind, c.score) for c in streamed.columns] == [
        (c.column, c.kind, c.score) for c in engine.detect(ref, whole).columns]
    assert state.columns["d"].nulls == 100

"""A Parquet ``time64[ns]`` column with non-zero nanoseconds: pyarrow refuses to convert it to
pandas' ``datetime.time`` (microseconds): "Value 1 has non-zero nanoseconds". The memory engine
could not read such a file or directory at all while the streamed engine compared it as seconds
since midnight (review B, finding 7; observed with the pinned pyarrow 25.0.1, pandas 2.3.3).
It is now read as ``pd.ArrowDtype(time64[ns])``, its nanoseconds exact, and both engines judge it
alike."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.drift import engine, streaming
from ctloop.storage import read_table


def _times(path, shift_ns: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ns = rng.integers(0, 86_400 * 10**9 // 2, 300) + shift_ns  # the first half of the day, shifted
    pq.write_table(pa.table({"t": pa.array(ns, pa.int64()).cast(pa.time64("ns")),
                             "x": rng.normal(size=300)}), path)


@pytest.mark.parametrize("shift_hours", [0, 6])
def test_nanosecond_times_read_and_judged_alike_by_both_engines(tmp_path, shift_hours):
    (tmp_path / "ref").mkdir()
    _times(tmp_path / "ref" / "a.parquet", 0, 1)
    _times(tmp_path / "cur.parquet", shift_hours * 3600 * 10**9, 2)
    single = read_table(str(tmp_path / "cur.parquet"))
    assert engine.temporal_type(engine.series_dtype(single["t"])) == "time"
    reference, _ = streaming.read_side(str(tmp_path / "ref"))
    exact = engine.detect(reference, single, columns=["t", "x"]).columns[0]
    streamed = streaming.detect_sources(str(tmp_path / "ref"), str(tmp_path / "cur.parquet"),
                                        columns=["t", "x"]).result.columns[0]
    assert (exact.kind, exact.method, exact.drifted) == (streamed.kind, streamed.method, streamed.drifted)
    assert exact.score == pytest.approx(streamed.score, rel=1e-6, abs=1e-300)
    assert exact.drifted is (shift_hours > 0)

"""Real-table column types the two engines read differently (round 42).

* A pandas ``Period`` column is categorical in the memory engine (pandas reads the Parquet
  ``pandas.period`` extension back as a Period dtype); the streaming engine read the file's int64
  ordinals as a numeric column (``ks`` on ordinals) — the two engines judged one column two ways.
* An object column of ``datetime.datetime`` values (a frame built from Python rows) stayed
  categorical: every window of new timestamps drifted (chisquare p = 0) where a datetime64
  column of the same instants is compared as seconds.
* A streamed side fed an object chunk of integers, then a chunk of text, was "neither" where
  the concatenation is ``mixed-integer`` (text): chunked must equal one pass.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming
from ctloop.errors import DriftError

RNG = np.random.default_rng(42)
MONTHS = pd.period_range("2020-01", periods=60, freq="M")


def _periods(lo: int, hi: int, n: int = 400) -> pd.DataFrame:
    values = pd.Series(MONTHS[RNG.integers(lo, hi, n)])
    values[::37] = pd.NaT
    return pd.DataFrame({"month": values, "x": RNG.normal(size=n)})


def _verdicts(result: engine.DriftResult) -> list[tuple]:
    return [(c.column, c.kind, c.method, round(c.score, 12), c.drifted) for c in result.columns]


@pytest.mark.parametrize("shift", [0, 10], ids=["same", "shifted"])
def test_a_parquet_period_column_is_judged_alike_by_both_engines(tmp_path, shift):
    ref, cur = _periods(0, 40), _periods(shift, 40 + shift)
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_parquet(tmp_path / "cur.parquet")
    memory = engine.detect(pd.read_parquet(tmp_path / "ref.parquet"), pd.read_parquet(tmp_path / "cur.parquet"))
    streamed = streaming.detect_sources(str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet")).result
    assert memory.columns[0].kind == "categorical"
    assert _verdicts(streamed) == _verdicts(memory)


def test_period_states_from_pandas_and_from_arrow_agree_and_round_trip():
    import pyarrow as pa

    ref, cur = _periods(0, 40), _periods(5, 45)
    memory = engine.detect(ref, cur)
    from_pandas = streaming.compare(streaming.DriftState().update(ref), streaming.DriftState().update(cur))
    arrow_ref = streaming.DriftState().update(pa.Table.from_pandas(ref))
    arrow_cur = streaming.DriftState().update(pa.Table.from_pandas(cur))
    from_arrow = streaming.compare(arrow_ref, arrow_cur)
    again = streaming.DriftState.from_dict(arrow_ref.to_dict())  # a Period state serialises
    assert _verdicts(from_pandas) == _verdicts(from_arrow) == _verdicts(memory)
    assert _verdicts(streaming.compare(again, arrow_cur)) == _verdicts(memory)


def _stamps(hours: np.ndarray, tz: dt.tzinfo | None = None) -> pd.Series:
    start = dt.datetime(2024, 1, 1, tzinfo=tz)
    return pd.Series([start + dt.timedelta(hours=int(h)) for h in hours], dtype=object)


@pytest.mark.parametrize("tz", [None, dt.UTC], ids=["naive", "utc"])
def test_an_object_column_of_datetimes_is_compared_as_a_datetime_column(tz):
    ref_hours, cur_hours = RNG.integers(0, 2000, 500), RNG.integers(0, 2000, 500)
    ref, cur = pd.DataFrame({"t": _stamps(ref_hours, tz)}), pd.DataFrame({"t": _stamps(cur_hours, tz)})
    as_datetime64 = engine.detect(ref.astype({"t": "datetime64[us, UTC]" if tz else "datetime64[us]"}),
                                  cur.astype({"t": "datetime64[us, UTC]" if tz else "datetime64[us]"}))  # fmt: skip
    got = engine.detect(ref, cur).columns[0]
    assert (got.kind, got.method, got.drifted) == ("numeric", "ks", False)
    assert got.score == pytest.approx(as_datetime64.columns[0].score)
    streamed = streaming.compare(streaming.DriftState().update(ref), streaming.DriftState().update(cur))
    assert _verdicts(streamed) == _verdicts(engine.detect(ref, cur))


def test_object_datetimes_naive_against_aware_or_mixed_are_refused():
    hours = np.arange(100)
    naive, aware = pd.DataFrame({"t": _stamps(hours)}), pd.DataFrame({"t": _stamps(hours, dt.UTC)})
    with pytest.raises(DriftError, match="'t' is object \\(datetime64\\[ns\\]\\) in the current data.*time zone"):
        engine.detect(aware, naive)
    mixed = pd.DataFrame({"t": pd.concat([naive["t"][:50], aware["t"][50:]], ignore_index=True)})
    with pytest.raises(DriftError, match="'t' holds datetimes .*same time zone"):
        engine.detect(mixed, mixed)


def test_the_monitoring_window_reads_logged_text_of_an_object_datetime_column():
    """The label names the zone as ``as_temporal`` reads it (``tz-aware)`` was no time zone)."""
    from ctloop.monitoring import window

    ref = pd.DataFrame({"t": _stamps(np.arange(5), dt.UTC)})
    (name, label), = window.temporal_columns(ref)
    parsed = window.as_temporal(pd.Series(["2024-01-01T03:00:00+00:00"]), label)
    assert engine.temporal_type(label) == "datetime (tz-aware)"
    assert parsed.iloc[0] == pd.Timestamp("2024-01-01T03:00:00Z")


INTS = pd.DataFrame({"c": pd.Series([1, 2, 3] * 30, dtype=object)})
TEXT = pd.DataFrame({"c": pd.Series(["a", "b"] * 45, dtype=object)})


@pytest.mark.parametrize(
    "chunks",
    [(INTS, TEXT), (TEXT, INTS), (INTS, INTS), (INTS, TEXT, INTS)],
    ids=["ints-text", "text-ints", "ints-ints", "ints-text-ints"],
)
def test_chunked_object_integers_join_as_one_pass(chunks):
    state = streaming.DriftState()
    for chunk in chunks:
        state.update(chunk)
    one_pass = pd.concat(chunks, ignore_index=True)["c"]
    assert streaming._number_or_text(state.columns["c"]) == engine.number_or_text(one_pass)
    parts = [streaming.DriftState().update(c) for c in chunks]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    assert streaming._number_or_text(merged.columns["c"]) == engine.number_or_text(one_pass)
    restored = streaming.DriftState.from_dict(state.to_dict())
    assert streaming._number_or_text(restored.columns["c"]) == engine.number_or_text(one_pass)

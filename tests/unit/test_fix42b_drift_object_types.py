"""Object columns the round-42 drift engine misread (review B, findings 2, 5, 6 and 7):

* an object column of datetimes holding an open-ended SQL date (``datetime(9999, 12, 31)``) was
  refused with time-zone advice: it was converted at nanosecond precision (years 1677-2262); it
  is converted at a datetime's own microsecond precision now;
* a Period column against its text: the memory engine counted periods, the streamed one their
  text (scores 0.83 and 0.05); both count the text now;
* a reference of Decimals (``pd.read_parquet`` of a ``decimal128``) was not a numeric column for
  monitoring, so logged number strings were never read as numbers (frame path: every value
  new, state path: refused);
* Decimals with one plain int among them: categorical in one pass, refused chunk by chunk with
  "object in this chunk but object before"; both numeric now, and the chunk message names what
  the values are."""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.drift import engine, streaming
from ctloop.errors import DriftError
from ctloop.monitoring.window import coerce_like, numeric_columns

D = decimal.Decimal


def _both(ref: pd.DataFrame, cur: pd.DataFrame):
    """The memory engine's and the state engine's result for the first column."""
    return (engine.detect(ref, cur).columns[0],
            streaming.compare(streaming.DriftState().update(ref), streaming.DriftState().update(cur)).columns[0])  # fmt: skip


def _valid_to(rng: np.random.Generator, tz: dt.tzinfo | None = None) -> pd.DataFrame:
    values = [
        dt.datetime(2024, 1, 1, tzinfo=tz) + dt.timedelta(hours=int(h))
        for h in rng.integers(0, 2000, 300)
    ]
    values[::10] = [dt.datetime(9999, 12, 31, tzinfo=tz)] * len(
        values[::10]
    )  # the open-ended SQL date
    return pd.DataFrame({"valid_to": pd.Series(values, dtype=object)})


@pytest.mark.parametrize("tz", [None, dt.UTC], ids=["naive", "utc"])
def test_an_open_ended_sql_date_is_compared_as_a_datetime(tz):
    rng = np.random.default_rng(4)
    ref, cur = _valid_to(rng, tz), _valid_to(rng, tz)
    memory, state = _both(ref, cur)
    unit = "datetime64[us, UTC]" if tz else "datetime64[us]"
    expected = engine.detect(ref.astype(unit), cur.astype(unit)).columns[
        0
    ]  # a Parquet timestamp[us] column
    assert (memory.kind, memory.method) == (state.kind, state.method) == ("numeric", "ks")
    assert memory.score == pytest.approx(expected.score) and state.score == pytest.approx(
        expected.score
    )


def test_naive_and_aware_datetimes_in_one_object_column_are_refused():
    values = [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, tzinfo=dt.UTC)] * 20
    frame = pd.DataFrame({"t": pd.Series(values, dtype=object)})
    with pytest.raises(
        DriftError, match=r"column 't' holds datetimes .*naive and tz-aware.*same time zone"
    ):
        engine.detect(frame, frame)


def test_a_period_column_against_its_text_scores_the_same_in_both_engines():
    rng = np.random.default_rng(5)
    months = pd.period_range("2020-01", periods=12, freq="M")
    ref = pd.DataFrame({"p": pd.Series(months[rng.integers(0, 12, 2000)])})
    ref.loc[3, "p"] = pd.NaT  # a null stays a null, not the text "NaT"
    cur = pd.DataFrame({"p": pd.Series(months[rng.integers(0, 12, 2000)]).astype(str)})
    memory, state = _both(ref, cur)
    assert (memory.kind, memory.method, memory.drifted) == (state.kind, state.method, state.drifted)
    assert (
        memory.score == pytest.approx(state.score) and not memory.drifted
    )  # the same months: no drift


def test_logged_number_strings_are_read_as_numbers_against_a_decimal_reference(tmp_path):
    rng = np.random.default_rng(9)
    prices = pa.array([D(f"{x:.2f}") for x in rng.normal(100, 5, 500)], pa.decimal128(10, 2))
    pq.write_table(pa.table({"price": prices}), tmp_path / "ref.parquet")
    ref = pd.read_parquet(
        tmp_path / "ref.parquet"
    )  # as registry.load_reference reads it: objects of Decimal
    assert numeric_columns(ref) == ["price"]
    logged = pd.DataFrame(
        {"price": pd.Series([f"{x:.2f}" for x in rng.normal(100, 5, 500)], dtype=object)}
    )
    aligned = coerce_like(logged, ref, ["price"])
    memory, state = _both(ref, aligned)
    assert (memory.kind, memory.method, memory.drifted) == (state.kind, state.method, state.drifted) == (
        "numeric", "ks", False)  # fmt: skip
    assert memory.score == pytest.approx(state.score)


def _decimals_with_an_int(rng: np.random.Generator) -> pd.DataFrame:
    values: list[object] = [D(f"{x:.2f}") for x in rng.normal(100, 5, 300)]
    values[250] = 100  # one plain int among the Decimals
    values[260] = 99.5  # and one float
    return pd.DataFrame({"d": pd.Series(values, dtype=object)})


def test_decimals_with_a_plain_number_are_numeric_in_one_pass_and_chunk_by_chunk():
    rng = np.random.default_rng(6)
    ref, cur = _decimals_with_an_int(rng), _decimals_with_an_int(rng)
    one_pass = engine.detect(ref, cur).columns[0]
    chunked = streaming.DriftState()
    for part in np.array_split(np.arange(len(ref)), 3):
        chunked.update(ref.iloc[part])
    streamed = streaming.compare(chunked, streaming.DriftState().update(cur)).columns[0]
    assert (one_pass.kind, one_pass.method) == (streamed.kind, streamed.method) == ("numeric", "ks")
    assert one_pass.score == pytest.approx(streamed.score)


def test_decimals_with_a_bool_are_not_numbers():
    assert not engine.decimal_object(pd.Series([D("1.5"), True], dtype=object))
    assert not engine.decimal_object(pd.Series([D("1.5"), "x"], dtype=object))


def test_a_chunk_of_text_after_decimals_names_what_each_holds():
    state = streaming.DriftState().update(
        pd.DataFrame({"d": pd.Series([D("1.5"), D("2")], dtype=object)})
    )
    with pytest.raises(
        DriftError,
        match=r"column 'd' holds text or other objects in this chunk \(object\) "
        r"but numbers before",
    ):
        state.update(pd.DataFrame({"d": pd.Series(["a", "b"], dtype=object)}))


def _hours(tz: dt.tzinfo | None) -> pd.DataFrame:
    values = [dt.datetime(2024, 1, 1, tzinfo=tz) + dt.timedelta(hours=h) for h in range(50)]
    return pd.DataFrame({"t": pd.Series(values, dtype=object)})


@pytest.mark.parametrize("unit", ["object", "datetime64[ns]"])
def test_naive_then_aware_chunks_are_refused_as_one_pass_refuses_them(unit):
    naive, aware = _hours(None), _hours(dt.UTC)
    if unit != "object":
        naive, aware = naive.astype(unit), aware.astype("datetime64[ns, UTC]")
    with pytest.raises(DriftError, match=r"column 't' holds datetimes|localize both"):  # one pass
        engine.detect(pd.concat([naive, aware], ignore_index=True), naive)
    with pytest.raises(
        DriftError, match=r"column 't' is .*UTC.* in this chunk but .* before.*one time zone"
    ):
        streaming.DriftState().update(naive).update(aware)
    with pytest.raises(DriftError, match=r"cannot merge drift states: column 't' .*one time zone"):
        streaming.DriftState().update(naive).merge(streaming.DriftState().update(aware))

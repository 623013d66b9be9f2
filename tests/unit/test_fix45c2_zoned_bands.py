"""Interval bands (pd.cut) of tz-aware timestamps in a drift state: at a fixed offset (a Parquet
``timestamp(tz="+02:00")`` reads as ``pytz.FixedOffset(120)``) or in a dateutil zone they saved
a state that could not be loaded ("column 'b' lacks 'pytz.FixedOffset(120)'"). A fixed offset is
now kept in the ISO text, a named zone by its name, and a band that would not read back is
refused at save in one line."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.drift import streaming
from ctloop.errors import DriftError


def _round_trip(state: streaming.DriftState) -> streaming.DriftState:
    return streaming.DriftState.from_dict(json.loads(json.dumps(state.to_dict())))


def _parquet_offset_times() -> pd.Series:
    arr = pa.array(
        np.arange(6, dtype="int64") * 43_200 * 10**9, type=pa.timestamp("ns", tz="+02:00")
    )
    return pa.table({"t": arr}).to_pandas()["t"]


@pytest.mark.parametrize("zone", ["parquet +02:00", "dateutil/Europe/Paris", "Europe/Paris", "UTC"])
def test_interval_bands_of_zoned_timestamps_load_back_as_they_were_saved(zone):
    if zone == "parquet +02:00":
        times = _parquet_offset_times()
    else:
        times = pd.Series(pd.date_range("2024-03-30", periods=6, freq="12h", tz=zone))
    state = streaming.DriftState().update(pd.DataFrame({"b": pd.cut(times, 3)}))
    loaded = _round_trip(state)
    assert dict(loaded.columns["b"].categories.counts) == dict(state.columns["b"].categories.counts)
    assert streaming.compare(state, loaded).columns[0].score == pytest.approx(1.0)


def _zone_without_a_name() -> dt.tzinfo:
    """Europe/Paris read from a file object under a name no zone database has."""
    import io
    import tarfile

    from dateutil import tz, zoneinfo

    with tarfile.open(fileobj=zoneinfo.getzoneinfofile_stream()) as tar:
        data = tar.extractfile("Europe/Paris").read()
    return tz.tzfile(io.BytesIO(data), filename="my-zone")


def test_a_band_whose_time_zone_cannot_be_read_back_is_refused_at_save_in_one_line():
    times = pd.Series(pd.date_range("2024-03-30", periods=6, freq="12h", tz=_zone_without_a_name()))
    state = streaming.DriftState().update(pd.DataFrame({"b": pd.cut(times, 3)}))
    with pytest.raises(
        DriftError,
        match=r"^column 'b': a drift state cannot save its values .*has no name that reads back",
    ) as caught:
        state.to_dict()
    assert "\n" not in str(caught.value)

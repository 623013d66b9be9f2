"""Round 46: a live monitoring window (``as_of`` empty) ended at the moment it was read, but the
inference-log sink writes a call to Parquet only at the flush after its response
(``--flush-seconds``, 5) or, for a request alone, after ``--join-ttl-seconds`` (30) and a flush,
with its request's time: the calls of the last seconds were in neither that window (not written
yet) nor the next (their time is before it). A live window now ends ``core.LIVE_SETTLE`` before
the run (steps.context: core.window_end); an ``as_of`` closer to the run than that is judged as
given, and its record says so."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.components.monitor import core

NOW = pd.Timestamp("2026-03-02T10:00:07.5Z")


def test_a_live_window_ends_the_settle_time_before_the_run():
    end, notes = core.window_end("", NOW)
    assert end == NOW - pd.Timedelta(core.LIVE_SETTLE) == pd.Timestamp("2026-03-02T09:59:07.5Z")
    assert notes == []


def test_an_as_of_within_the_settle_time_is_kept_and_said():
    end, (note,) = core.window_end("2026-03-02T10:00:00Z", NOW)
    assert end == pd.Timestamp("2026-03-02T10:00:00Z")
    assert note.startswith("the window ends 2026-03-02T10:00:00+00:00, less than 1min before it was read "
                           "(2026-03-02T10:00:07.500000+00:00)")
    assert "not have been written to the inference log yet" in note


@pytest.mark.parametrize("as_of", ["2026-03-02T09:59:07.5Z", "2026-03-01T00:00:00Z"], ids=["settle", "day"])
def test_an_as_of_settled_before_the_run_says_nothing(as_of):
    assert core.window_end(as_of, NOW) == (pd.Timestamp(as_of), [])


def test_a_future_as_of_is_said_too():
    assert core.window_end("2026-03-02T11:00:00Z", NOW)[1]

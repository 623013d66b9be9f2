"""A saved drift state of version 1 summarised a date/time column as counted objects (family
``object``, type ``date32[day]``); this version sketches it as seconds (family ``temporal``). Such
a state loaded, then compare/merge against a new one gave misleading type errors. The format
changed: the state version is 2 and an older state is refused with what to do (review h1,
finding 2)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from ctloop.drift import streaming
from ctloop.errors import DriftError

DAYS = [dt.date(2024, 1, 1) + dt.timedelta(days=i % 3) for i in range(30)]


def _version_1_state() -> dict:
    """As ``DriftState.to_dict`` of ctloop before this change wrote a ``date32`` and an int column."""
    return {
        "format": "ctloop.drift.state", "version": 1, "sketch_size": 16384, "max_categories": 16384, "rows": 30,
        "columns": [
            {"name": "d", "family": "object", "type": "date32[day]", "rows": 30, "nulls": 0, "infs": 0,
             "nullable_int": False, "values_kind": None,
             "categories": {"limit": 16384, "hashed": False,
                            "keys": [["d", "2024-01-01"], ["d", "2024-01-02"], ["d", "2024-01-03"]],
                            "counts": [10, 10, 10]}},
        ],
    }


def test_a_version_1_state_is_refused_with_what_to_do():
    with pytest.raises(DriftError, match=r"drift state version 1 is not supported .*recompute the state"):
        streaming.DriftState.from_dict(_version_1_state())


def test_a_state_of_this_version_round_trips_its_date_column():
    state = streaming.DriftState().update(pa.table({"d": pa.array(DAYS, pa.date32())}))
    data = state.to_dict()
    assert data["version"] == streaming.STATE_VERSION >= 2  # 3 since fix42 B (Periods, object datetimes, Decimals), 4 since fix43c2
    back = streaming.DriftState.from_dict(data)
    assert back.columns["d"].family == streaming.TEMPORAL
    assert streaming.compare(back, state).columns[0].drifted is False

"""Round 46, drift: a state of MultiIndex (tuple) column names reads back after its JSON round trip
(it was called damaged: JSON writes a tuple as a list)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming
from ctloop.errors import DriftError


def _reloaded(state: streaming.DriftState) -> streaming.DriftState:
    return streaming.DriftState.from_dict(json.loads(json.dumps(state.to_dict())))


def _verdicts(result: engine.DriftResult) -> list[tuple]:
    return [(c.column, c.kind, c.method, round(c.score, 12), c.drifted) for c in result.columns]


# --------------------------------------------------------------- MultiIndex column names
def test_multiindex_column_names_survive_the_state_json_round_trip():
    # JSON writes the tuple name ("income", "net") as a list: loading called the file damaged
    # (TypeError: unhashable type: 'list')
    rng = np.random.default_rng(46)
    names = pd.MultiIndex.from_tuples([("income", "net"), ("income", "gross"), ("age", "")])
    ref = pd.DataFrame(rng.normal(size=(300, 3)), columns=names)
    cur = pd.DataFrame(rng.normal(0.4, size=(300, 3)), columns=names)
    rs, cs = streaming.DriftState().update(ref), streaming.DriftState().update(cur)
    loaded_r, loaded_c = _reloaded(rs), _reloaded(cs)
    assert list(loaded_r.columns) == list(names)
    assert _verdicts(streaming.compare(loaded_r, loaded_c)) == _verdicts(streaming.compare(rs, cs))
    assert _verdicts(streaming.compare(loaded_r, loaded_c)) == _verdicts(engine.detect(ref, cur))
    # a loaded part merges with one in memory (a fan-out's parts)
    assert loaded_r.merge(streaming.DriftState().update(cur)).rows == 600


def test_nested_tuple_names_read_back_as_tuples():
    assert streaming.column_name(["a", ["b", 1]]) == ("a", ("b", 1))
    assert streaming.column_name("a") == "a" and streaming.column_name(3) == 3


def test_numpy_scalar_names_save_as_their_python_twins():
    frame = pd.DataFrame({"b": np.arange(30.0)})
    frame[np.int64(3)] = np.arange(30.0)
    state = streaming.DriftState().update(frame)
    loaded = _reloaded(state)  # json.dumps raised "Object of type int64 is not JSON serializable"
    assert list(loaded.columns) == ["b", 3]
    assert _verdicts(streaming.compare(loaded, state)) == _verdicts(streaming.compare(state, state))


def test_a_name_json_cannot_carry_back_is_refused_when_saved():
    frame = pd.DataFrame({pd.Timestamp("2024-01-01"): np.arange(30.0)})
    state = streaming.DriftState().update(frame)
    with pytest.raises(
        DriftError, match=r"^column Timestamp\('2024-01-01 00:00:00'\): a drift state cannot save"
    ):
        state.to_dict()

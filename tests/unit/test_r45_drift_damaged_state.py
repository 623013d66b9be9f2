"""A drift state (``DriftState.to_dict``, passed between KFP tasks as JSON) or a monitoring
window's ``state.json`` that is truncated or edited (a key missing, a field of the wrong type, a
cut base64 array) stopped the task with a bare ``KeyError: 'sketch_size'``, ``TypeError: 'int'
object is not iterable`` or ``AttributeError: 'list' object has no attribute 'get'``: now one
line naming the file's part (a column) and what is wrong (``DriftError``; the window's
``InferenceLogError`` naming the file). So is a chunk (pandas or Arrow) with a column name twice,
which ``DriftState.update`` met with ``AttributeError: 'DataFrame' object has no attribute
'dtype'`` or ``KeyError: 'Column a does not exist in schema'``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import streaming
from ctloop.errors import DriftError, InferenceLogError
from ctloop.monitoring import window as W


def _state() -> dict:
    frame = pd.DataFrame({"x": np.arange(100.0), "c": ["a", "b"] * 50})
    return json.loads(json.dumps(streaming.DriftState().update(frame).to_dict()))


def _without(data: dict, *path: str | int) -> dict:
    *parents, last = path
    node = data
    for key in parents:
        node = node[key]
    del node[last]
    return data


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda d: _without(d, "sketch_size"), "the state lacks 'sketch_size'"),
        (lambda d: _without(d, "columns", 0, "family"), "column 'x' lacks 'family'"),
        (lambda d: _without(d, "columns", 0, "numeric", "m2"), "column 'x' lacks 'm2'"),
        (lambda d: _without(d, "columns", 1, "categories", "counts"), "column 'c' lacks 'counts'"),
        (lambda d: {**d, "columns": 5}, "the state has a damaged value (TypeError"),
        (lambda d: {**d, "rows": "many"}, "the state has a damaged value (ValueError"),
    ],
    ids=[
        "no-sketch-size",
        "no-family",
        "no-m2",
        "no-counts",
        "columns-not-a-list",
        "rows-not-a-number",
    ],
)
def test_a_damaged_drift_state_is_one_line(damage, words):
    with pytest.raises(DriftError, match="not a readable ctloop drift state of version") as caught:
        streaming.DriftState.from_dict(damage(_state()))
    assert words in str(caught.value) and "recompute the state" in str(caught.value)


def test_a_cut_array_of_a_drift_state_is_one_line():
    data = _state()
    data["columns"][0]["numeric"]["counts"] = data["columns"][0]["numeric"]["counts"][:-12]
    with pytest.raises(DriftError, match="column 'x' has a damaged value"):
        streaming.DriftState.from_dict(data)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[]", "is not a ctloop window state (a JSON list, not an object)"),
        (json.dumps({"format": W.STATE_FORMAT, "version": W.STATE_VERSION}), "it lacks 'spec'"),
        (  # was "it lacks 'start'", as if the state had no key start
            json.dumps({"format": W.STATE_FORMAT, "version": W.STATE_VERSION, "spec": {}}),
            "it lacks 'spec.start'",
        ),
    ],
    ids=["a-list", "no-spec", "no-spec-start"],
)
def test_a_damaged_window_state_is_one_line_naming_the_file(tmp_path, content, words):
    (tmp_path / "state.json").write_text(content)
    with pytest.raises(InferenceLogError, match="state.json") as caught:
        W.WindowState.load(str(tmp_path))
    assert words in str(caught.value)


@pytest.mark.parametrize("arrow", [False, True], ids=["pandas", "arrow"])
def test_a_chunk_with_a_column_name_twice_is_one_line(arrow):
    import pyarrow as pa

    frame = pd.DataFrame(np.zeros((40, 2)), columns=["a", "a"])
    chunk = pa.table([pa.array(np.zeros(40))] * 2, names=["a", "a"]) if arrow else frame
    state = streaming.DriftState()
    with pytest.raises(DriftError, match="a chunk has column 'a' more than once"):
        state.update(chunk)
    assert state.columns == {} and state.rows == 0

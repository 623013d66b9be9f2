"""A drift state saved a str subclass column name (``np.str_``, an ``enum.StrEnum`` member) as the
text it is; round 46's exact-type check refused it (review 46, fix E item 4)."""

from __future__ import annotations

import enum
import json

import numpy as np
import pandas as pd

from ctloop.drift import streaming


class Feature(enum.StrEnum):
    AGE = "age"


def test_str_subclass_names_are_saved_as_their_text():
    for name in (np.str_("age"), Feature.AGE):
        saved = streaming.saved_name(name)
        assert saved == "age" and type(saved) is str


def test_a_state_of_numpy_text_names_saves_and_compares():
    frame = pd.DataFrame({"age": np.arange(40.0), "city": ["a", "b"] * 20})
    frame.columns = pd.Index([np.str_("age"), np.str_("city")], dtype=object)
    state = streaming.DriftState()
    state.update(frame)
    saved = json.loads(json.dumps(state.to_dict()))
    again = streaming.DriftState.from_dict(saved)
    result = streaming.compare(again, state)
    assert sorted(c.column for c in result.columns) == ["age", "city"]

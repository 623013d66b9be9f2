"""A JSON ``true``/``false`` sent for a feature trained on text is a bad request, not a prediction
made without that feature.

Round 43 left alone: the runtime's request frame (``ctloop.serving.payload.to_frame``) let any
scalar through for a text feature, and a JSON boolean matches none of the categories the one-hot
encoder learnt from text ('a', 'b'): ``handle_unknown='ignore'`` encodes it as all zeros, so the
model answered 200 as if the feature were missing — a client bug (a checkbox sent where a plan
name was expected) served silently. A feature trained on True/False (a bool column is a category
column, ``components/train/core.py`` ``_bools_as_categories``) still takes them.

Which features refuse a flag is ``payload.flag_features`` of the fitted encoder's categories,
what ``CtloopModel.load`` calls (tested without kserve in test_fix44g_flag_values); the runtime's
own 400 for it is one case of test_runtime_server's bad-payload test, on its running server.
"""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving.payload import to_frame


def test_to_frame_refuses_a_flag_for_a_feature_trained_on_text():
    payload = {
        "instances": [
            {"x": 0.1, "plan": "gold", "flag": True},
            {"x": 0.2, "plan": True, "flag": False},
        ]
    }
    with pytest.raises(ServingError) as err:
        to_frame(
            payload, ["x", "plan", "flag"], numeric=["x"], text=["plan", "flag"], no_flags=["plan"]
        )
    message = str(err.value)
    assert (
        "feature 'plan'" in message and "instance 1 has True" in message and "true/false" in message
    ), message
    frame = to_frame(
        {"instances": [{"x": 0.1, "plan": "gold", "flag": True}]},
        ["x", "plan", "flag"],
        numeric=["x"],
        text=["plan", "flag"],
        no_flags=["plan"],
    )
    assert frame["flag"].tolist() == [True]

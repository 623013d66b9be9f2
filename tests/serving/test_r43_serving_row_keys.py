"""A v1 row (``{"instances": [{feature: value, ...}]}``) that lacks a feature was refused when
alone (``missing feature(s) ['region']``, HTTP 400) but served when another row of the same
request had that key: pandas fills the gap with NaN and the row was predicted with ``region``
missing — a client's typo (``"regoin"``) in one row of a batch silently changed that row's
prediction instead of being answered 400 like the same row alone. ``null`` is the missing value
of the JSON protocols (KServe v0.20.0 parses a V1 body with orjson:
``python/kserve/kserve/protocol/dataplane.py`` ``decode``); a row must name every feature. Unit
level: ``to_frame`` is what ``CtloopModel.predict`` calls, and its ServingError is the runtime's
400 (tests/serving/test_runtime_server.py)."""

from __future__ import annotations

import math

import pytest

from ctloop.errors import ServingError
from ctloop.serving.payload import to_frame

FEATURES, NUMERIC, TEXT = ["income", "region"], ["income"], ["region"]


def frame(rows):
    return to_frame({"instances": rows}, FEATURES, NUMERIC, TEXT, {})


def test_a_row_lacking_a_feature_is_refused_whatever_its_neighbours_hold():
    with pytest.raises(ServingError, match=r"instance 1 .*'region'") as alone_in_batch:
        frame([{"income": 1.0, "region": "north"}, {"income": 2.0, "regoin": "south"}])
    message = str(alone_in_batch.value)
    assert "regoin" in message and "null" in message, message


def test_the_same_row_alone_is_refused_as_before():
    with pytest.raises(ServingError, match="region"):
        frame([{"income": 2.0, "regoin": "south"}])


def test_null_is_still_the_missing_value():
    out = frame([{"income": 1.0, "region": "north"}, {"income": 2.0, "region": None}])
    assert out["region"].iloc[0] == "north" and math.isnan(out["region"].iloc[1])


def test_extra_keys_beside_every_feature_are_still_ignored():
    out = frame([{"income": 1.0, "region": "north", "request_id": "a"}])
    assert list(out.columns) == FEATURES

"""Payload shapes a client can send that escaped to_frame as AttributeError / OverflowError:
the runtime answers 400 (``InvalidInput``, outcome="invalid") only for ServingError, ValueError,
TypeError and KeyError (serving/runtime.py ``CtloopModel.predict``), so these were 500s counted
against the serving revision — by the queue-proxy and Istio sources as 5xx, which roll a canary
back for a bad client. Each is now a ServingError naming what is wrong."""

from __future__ import annotations

import json

import pytest

from ctloop.errors import ServingError
from ctloop.serving.payload import to_frame

FEATURES, NUMERIC, TEXT = ["income", "region"], ["income"], ["region"]
HUGE = json.loads("1" + "0" * 400)  # JSON numbers have no size limit; Python parses an int


@pytest.mark.parametrize("payload, message", [
    ({"instances": [{"income": 1.0, "region": "n"}, [2.0, "s"]]}, "instance 1 is [2.0, 's']"),
    ({"instances": [[1.0, "n"], 7]}, "instance 1 is 7"),
    ({"inputs": "income"}, "'inputs' must be a non-empty list of tensors"),
    ({"inputs": [[1.0, "n"]]}, "'inputs' must be a non-empty list of tensors"),
    ({"inputs": [{"name": ["income"], "shape": [1], "data": [1.0]}]}, "each an object with a 'name' (text)"),
    ({"instances": [{"income": HUGE, "region": "n"}]}, "too large for a float"),
    ({"inputs": [{"name": "income", "shape": [1], "datatype": "INT64", "data": [HUGE]},
                 {"name": "region", "shape": [1], "datatype": "BYTES", "data": ["n"]}]}, "too large for a float"),
])
def test_a_hostile_payload_is_a_bad_request_not_a_model_failure(payload, message):
    with pytest.raises(ServingError) as err:
        to_frame(payload, FEATURES, NUMERIC, TEXT)
    assert message in str(err.value), err.value

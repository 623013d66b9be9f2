"""v2 tensors a client can send that the runtime mishandled (serving/payload.py ``to_frame``).

KServe passes a v2 REST tensor's ``shape`` and ``data`` as sent, with no check that they agree
(kserve v0.20.0 ``python/kserve/kserve/protocol/infer_type.py``: ``InferRequest.from_rest``,
``InferInput``), and the ctloop runtime's ``predict`` runs in the server's event loop:

* ``shape [2**40, 2]`` with two values built 2**40 empty rows before comparing sizes: one
  request froze the predictor (every other request timed out, the pod ran out of memory) — the
  canary analysis then rolled a healthy revision back for one bad client;
* tensors of shape [0] became an empty frame, which the model refused (``0 sample(s)``): a 500
  counted against the revision, where ``"instances": []`` is a 400;
* a feature sent by two tensors was taken from the later one, silently;
* tensors of different lengths raised pandas' "All arrays must be of the same length";
* a refused tensor's ``shape[0]`` was counted as its instances (``outcome="invalid"``): one
  request with ``shape [10**9]`` added a billion.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from ctloop.errors import ServingError
from ctloop.serving.payload import instances, to_frame

FEATURES, NUMERIC = ["income", "age"], ["income", "age"]


def test_a_shape_far_beyond_its_data_is_refused_without_building_rows():
    code = ("from ctloop.serving.payload import to_frame\n"
            "from ctloop.errors import ServingError\n"
            "try:\n"
            "    to_frame({'inputs': [{'name': 'x', 'shape': [2**40, 2], 'data': [1.0, 2.0]}]}, ['income', 'age'])\n"
            "except ServingError as exc:\n"
            "    print(exc)\n")
    # a hang on main (2**40 rows built one by one): the bound only ends the test, it measures nothing
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "data does not match shape [1099511627776, 2]" in done.stdout, (done.stdout, done.stderr)


@pytest.mark.parametrize("payload, message", [
    ({"inputs": [{"name": "income", "shape": [0], "data": []}, {"name": "age", "shape": [0], "data": []}]},
     "'inputs' hold no instances"),
    ({"inputs": [{"name": "x", "shape": [0, 2], "data": []}]}, "'inputs' hold no instances"),
    ({"inputs": [{"name": "income", "shape": [1], "data": [1.0]}, {"name": "age", "shape": [1], "data": [30]},
                 {"name": "income", "shape": [1], "data": [9.0]}]},
     "input tensor 'income': feature(s) ['income'] already sent by another tensor"),
    ({"inputs": [{"name": "x", "shape": [1, 2], "data": [1.0, 30]}, {"name": "age", "shape": [1], "data": [40]}]},
     "input tensor 'age': feature(s) ['age'] already sent by another tensor"),
    ({"inputs": [{"name": "income", "shape": [2], "data": [1.0, 2.0]}, {"name": "age", "shape": [3], "data": [1, 2, 3]}]},
     "input tensors hold different numbers of instances: 'income' 2, 'age' 3"),
    ({"inputs": [{"name": "x", "shape": [2, 2], "data": [[1.0, 30], 3]}]}, "data does not match shape [2, 2]"),
    ({"inputs": [{"name": "x", "shape": [1, True], "data": [1.0]}]}, "is not [n] or [n, k] (whole numbers >= 0)"),
])
def test_a_tensor_that_does_not_add_up_is_a_bad_request(payload, message):
    with pytest.raises(ServingError) as err:
        to_frame(payload, FEATURES, NUMERIC)
    assert message in str(err.value), err.value


def test_a_refused_tensor_counts_no_more_instances_than_it_sent():
    assert instances({"inputs": [{"name": "income", "shape": [10**9], "data": [1.0]}]}) == 1
    assert instances({"inputs": [{"name": "x", "shape": [3, 2], "data": [1, 2, 3, 4, 5, 6]}]}) == 3


def test_well_formed_tensors_still_read():
    frame = to_frame({"inputs": [{"name": "x", "shape": [2, 2], "data": [1.0, 30, 2.0, 40]}]}, FEATURES, NUMERIC)
    assert frame.to_dict("list") == {"income": [1.0, 2.0], "age": [30, 40]}
    frame = to_frame({"inputs": [{"name": "income", "shape": [1], "data": [1.0]},
                                 {"name": "age", "shape": [1, 1], "data": [[30]]}]}, FEATURES, NUMERIC)
    assert frame.to_dict("list") == {"income": [1.0], "age": [30]}

"""Two replicas give the one-replica row, as stored text, for a 1-D v2 request half (review revH2 #2, #3).

Since review revC #4 a half of a v2 request of 1-D tensors carries only the marker ``"rows"`` in
``_whole`` and the reader rebuilds the request from the half's rows. Two things the rows cannot say:

* inputs of different lengths (``input_ids`` 4 tokens, ``word`` 2): the rows are padded to the
  longest, so ``word`` came back ``["a","b",null,null]`` (one replica: ``["a","b"]``). Such a half
  now keeps the copy of its inputs;
* integers: a number column is ``double``, so ``input_ids`` came back ``[101.0, 7.0, …]`` in
  ``_mistyped`` (one replica: ``[101, 7, …]``, the values as sent). The marker now names the inputs
  sent as integers (``["rows", "input_ids"]``) and the reader gives those back as integers.

The comparison is of the stored JSON text, not of ``json.loads`` (``101.0 == 101`` in Python).
Bodies: KServe's v2 protocol (Open Inference Protocol, ``docs/predict-api/v2/required_api.md``:
tensor ``data`` flat, ``datatype`` INT64/BYTES/FP32), as KServe v0.20.0's agent logs them.
"""

from __future__ import annotations

import json

from ctloop.inference_log.events import Event, join
from tests.inference_log.test_fix40c_whole_pair_types import _frame, _logs

ANSWER = {"model_name": "tf", "outputs": [{"name": "logits", "shape": [1, 1], "datatype": "FP32", "data": [0.1]}]}
PLAIN = ({"inputs": [{"name": "input_ids", "shape": [1], "datatype": "INT64", "data": [5]},
                     {"name": "word", "shape": [1], "datatype": "BYTES", "data": ["z"]}]},
         {"model_name": "tf", "outputs": [{"name": "logits", "shape": [1, 1], "datatype": "FP32", "data": [0.5]}]})


def _tensors(ids: list, words: list) -> dict:
    return {"inputs": [{"name": "input_ids", "shape": [len(ids)], "datatype": "INT64", "data": ids},
                       {"name": "word", "shape": [len(words)], "datatype": "BYTES", "data": words}]}


def _texts(tmp_path, request: dict) -> tuple[list, list]:
    joined, halves = (_frame(root) for root in _logs(tmp_path, PLAIN, (request, ANSWER)))
    assert joined["request_id"].tolist() == halves["request_id"].tolist() == ["b1", "p0"]
    columns = ["input_ids", "word", "_mistyped", "prediction_logits"]
    return ([[None if v != v else v for v in f.loc[0, columns]] for f in (joined, halves)])


def test_inputs_of_different_lengths_come_back_unpadded(tmp_path):
    one, two = _texts(tmp_path, _tensors([101, 7, 8, 102], ["a", "b"]))
    assert one[1] == '["a","b"]'
    assert two == one


def test_integer_inputs_come_back_as_the_integers_sent(tmp_path):
    one, two = _texts(tmp_path, _tensors([101, 7, 8, 102], ["a", "b", "c", "d"]))
    assert json.loads(one[2]) == {"input_ids": [101, 7, 8, 102]} and "101.0" not in one[2]
    assert two == one


def test_the_marker_says_what_the_rows_cannot():
    def whole(request: dict) -> object:
        event = Event(id="r1", kind="request", model="tf", namespace="ns", component="predictor", revision="",
                      source="s", time="2026-11-22T10:31:02Z", body=request)
        return json.loads(join(event, None)[0]["_whole"])

    assert whole(_tensors([1.5, 2.5], ["a", "b"])) == "rows"
    assert whole(_tensors([101, 7], ["a", "b"])) == ["rows", "input_ids"]
    assert whole(_tensors([101, 7, 8], ["a", "b"])) == {"input_ids": [101, 7, 8], "word": ["a", "b"]}
    assert whole(_tensors([1, 2.5], ["a", "b"])) == {"input_ids": [1, 2.5], "word": ["a", "b"]}  # mixed
    assert whole(_tensors([2**60, 7], ["a", "b"])) == {"input_ids": [2**60, 7], "word": ["a", "b"]}

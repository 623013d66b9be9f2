"""An unbatched v2 (Open Inference Protocol) sequence: 1-D tensors of n tokens answered with one
row (round 40, item 2).

The protocol has no batch dimension of its own: KServe's Python servers answer each input row with
an output row (v0.20.0 ``python/kserve/kserve/utils/utils.py`` ``get_predict_response``), so a
``[n]`` input is n rows when the outputs have n. A sequence model (token ids ``[n]``) answers
``[1]``/``[1, k]``: before, the pair was a ``PairMismatch`` (the request's n rows, one per token,
without a response; the pair quarantined), while the same model over TensorFlow Serving's columnar
format made one row (``test_fix39c_tf_serving_columnar``). Now every 1-D input answered by outputs of
one row each is one row, each input whole; two replicas' halves give the same row (``_whole``).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ctloop.inference_log.events import Event, PairMismatch, join
from ctloop.inference_log.reader import merge_halves

TOKENS = {"inputs": [{"name": "input_ids", "shape": [5], "datatype": "INT64", "data": [101, 7, 8, 9, 102]},
                     {"name": "attention_mask", "shape": [5], "datatype": "INT64", "data": [1, 1, 1, 1, 1]}]}
ANSWER = {"model_name": "m", "outputs": [{"name": "logits", "shape": [1, 2], "datatype": "FP32", "data": [0.1, 0.9]}]}


def _event(kind: str, body: dict, time: str) -> Event:
    return Event(id="r1", kind=kind, model="m", namespace="ns", component="predictor", revision="",
                 source="s", time=time, body=body)


def test_one_replica_makes_one_row_each_input_whole():
    (row,) = join(_event("request", TOKENS, "2026-11-22T10:31:02Z"), _event("response", ANSWER, "2026-11-22T10:31:03Z"))
    assert row["input_ids"] == [101, 7, 8, 9, 102] and row["attention_mask"] == [1, 1, 1, 1, 1]
    assert (row["prediction_logits_0"], row["prediction_logits_1"], row["has_response"]) == (0.1, 0.9, True)


def test_two_replicas_make_the_same_row():
    request = join(_event("request", TOKENS, "2026-11-22T10:31:02Z"), None)
    response = join(None, _event("response", ANSWER, "2026-11-22T10:31:03Z"))
    assert len(request) == 5  # alone, a request cannot tell: one row per token
    # every file has the identity columns _mistyped and _overflow (schema.arrow_schema); the reader
    # returns only the columns read (a projected scan's: review revC #6)
    frame = pd.DataFrame(request + response).assign(_mistyped=None, _overflow=None)
    (row,) = merge_halves(frame).to_dict("records")
    assert row["has_request"] and row["has_response"] and (row["prediction_logits_0"], row["prediction_logits_1"]) == (0.1, 0.9)
    # the half rows typed input_ids as a number: the whole value is set aside, as the sink does
    assert json.loads(row["_mistyped"]) == {"input_ids": [101, 7, 8, 9, 102], "attention_mask": [1, 1, 1, 1, 1]}


@pytest.mark.parametrize("inputs, outputs", [
    ([{"name": "x", "shape": [3], "data": [1, 2, 3]}], [{"name": "p", "shape": [2], "data": [0, 1]}]),  # 3 vs 2
    ([{"name": "x", "shape": [2, 2], "data": [1, 2, 3, 4]}], [{"name": "p", "shape": [1], "data": [0]}]),  # [N, k]
])
def test_other_unequal_pairs_stay_a_mismatch(inputs, outputs):
    with pytest.raises(PairMismatch):
        join(_event("request", {"inputs": inputs}, "t"), _event("response", {"outputs": outputs}, "t"))


def test_a_batch_of_one_answer_per_row_is_rows_as_before():
    rows = join(_event("request", {"inputs": [{"name": "x", "shape": [3], "data": [1, 2, 3]}]}, "t"),
                _event("response", {"outputs": [{"name": "p", "shape": [3], "data": [0, 1, 0]}]}, "t"))
    assert [(r["x"], r["prediction_p"]) for r in rows] == [(1, 0), (2, 1), (3, 0)]

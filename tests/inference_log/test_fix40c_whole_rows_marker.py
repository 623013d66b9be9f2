"""A half whose own rows hold its side whole carries no copy of it in ``_whole`` (review revC #4).

Round 40 wrote, in ``_whole`` of every half, the JSON of a one-row v2 response's predictions and of
a 1-D v2 request's inputs (``events._whole_side``) — also for the ordinary batched v2 pair whose
halves are stitched row by row, where it is never read: two replicas stored +79%. Such a half now
carries only the marker ``"rows"`` (``events.WHOLE_ROWS``); the reader rebuilds the side from the
half's rows (its rows in instance order; the response's instance-0 prediction columns) and gives the
row one replica gives. TensorFlow Serving's columnar halves keep their copy (their rows cannot give
it back: ``{"inputs": [[1], [2]]}`` and ``{"inputs": [1, 2]}`` make the same rows).
Bodies: KServe's v2 protocol (Open Inference Protocol), 1-D tensors of a sequence model.
"""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from ctloop.inference_log.events import Event, join
from tests.inference_log.test_fix40c_whole_pair_types import _frame, _logs, _same

TOKENS = {"inputs": [{"name": "input_ids", "shape": [4], "datatype": "INT64", "data": [101, 7, 8, 102]},
                     {"name": "mask", "shape": [4], "datatype": "BOOL", "data": [True, True, False, True]}]}
ANSWER = {"model_name": "tf", "outputs": [{"name": "logits", "shape": [1, 2], "datatype": "FP32", "data": [0.1, 0.9]}]}
BATCH = {"model_name": "tf", "outputs": [{"name": "logits", "shape": [4], "datatype": "FP32",
                                          "data": [0.1, 0.2, 0.3, 0.4]}]}


def _event(kind: str, body: dict) -> Event:
    return Event(id="r1", kind=kind, model="tf", namespace="ns", component="predictor", revision="", source="s",
                 time="2026-11-22T10:31:02Z", body=body)


def test_a_v2_half_carries_the_marker_not_a_copy():
    # the request's marker names its integer input (review revH2 #3: stored as doubles)
    assert json.loads(join(_event("request", TOKENS), None)[0]["_whole"]) == ["rows", "input_ids"]
    assert json.loads(join(None, _event("response", ANSWER))[0]["_whole"]) == "rows"
    # a TF Serving columnar half keeps its copy
    assert json.loads(join(_event("request", {"inputs": [[1, 2], [3, 4]]}), None)[0]["_whole"]) == {"f0": [[1, 2],
                                                                                                           [3, 4]]}


def test_two_replicas_give_the_one_replica_row_and_store_less(tmp_path):
    plain = ({"inputs": [{"name": "input_ids", "shape": [1], "datatype": "INT64", "data": [5]},
                         {"name": "mask", "shape": [1], "datatype": "BOOL", "data": [True]}]},
             {"model_name": "tf", "outputs": [{"name": "logits", "shape": [1, 2], "datatype": "FP32",
                                               "data": [0.5, 0.5]}]})
    joined, halves = (_frame(root) for root in _logs(tmp_path, plain, (TOKENS, ANSWER)))
    assert joined["request_id"].tolist() == halves["request_id"].tolist() == ["b1", "p0"]
    assert json.loads(joined["_mistyped"][0]) == {"input_ids": [101, 7, 8, 102], "mask": [True, True, False, True]}
    _same(joined, halves, ["input_ids", "mask", "prediction_logits_0", "prediction_logits_1", "_mistyped",
                           "has_request", "has_response"])
    whole = [v for f in (tmp_path / "halves").rglob("*.parquet") for v in pq.read_table(f)["_whole"].to_pylist()]
    assert sorted(v for v in whole if v) == ['"rows"', '["rows","input_ids"]']  # no copy of either side


def test_halves_written_with_a_copy_before_still_join():
    """Halves of round 40 carry the copy itself: read as before."""
    import pandas as pd

    from ctloop.inference_log.reader import merge_halves

    request = join(_event("request", TOKENS), None)
    response = join(None, Event(**{**_event("response", ANSWER).__dict__, "time": "2026-11-22T10:31:03Z"}))
    request[0]["_whole"] = json.dumps({"input_ids": [101, 7, 8, 102], "mask": [True, True, False, True]})
    response[0]["_whole"] = json.dumps({"prediction_logits_0": 0.1, "prediction_logits_1": 0.9})
    frame = pd.DataFrame(request + response).assign(_mistyped=None, _overflow=None)
    (row,) = merge_halves(frame).to_dict("records")
    assert (row["prediction_logits_0"], row["prediction_logits_1"], row["has_request"]) == (0.1, 0.9, True)
    assert json.loads(row["_mistyped"]) == {"input_ids": [101, 7, 8, 102], "mask": [True, True, False, True]}

"""A TensorFlow Serving columnar pair whose sides make different row counts, joined by one sink
replica or written as two halves by two (review F2, finding 2: closed in round 40).

One replica's join (``events.join``) stores one row, each side whole ("need not share the same 0-th
dimension": ``tensorflow_serving/g3doc/api_rest.md``, "Specifying input tensors in column format").
Halves keep only their rows, and those do not say what the body was: ``{"inputs": [[1, 2], [3, 4]]}``
and ``{"instances": [[1, 2], [3, 4]]}`` both make rows ``f0``/``f1``, and ``{"outputs": [0.1]}``
and ``{"predictions": [0.1]}`` both a row ``prediction``; yet the first pair is one whole row and the
second a :class:`~ctloop.inference_log.events.PairMismatch` (request rows, the pair quarantined). So
the rows alone cannot say which rule applies: since round 40 a half of a columnar body carries its
side whole in the identity column ``_whole`` (``events._whole_side``), and ``merge_halves`` joins
two such halves into the join's one row.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.inference_log.events import Event, PairMismatch, join
from ctloop.inference_log.reader import merge_halves


def _event(kind: str, body: dict, time: str) -> Event:
    return Event(id="r1", kind=kind, model="m", namespace="ns", component="predictor",
                 revision="m-predictor-00001", source="s", time=time, body=body)


def _both(request_body: dict, response_body: dict) -> tuple[list[dict], list[dict]]:
    request = _event("request", request_body, "2026-12-05T10:00:00+00:00")
    response = _event("response", response_body, "2026-12-05T10:00:01+00:00")
    one = join(request, response)
    halves = merge_halves(pd.DataFrame(join(request, None) + join(None, response)))
    return one, halves.to_dict("records")


def test_only_whole_tells_a_columnar_pair_from_a_mismatch():
    """The half rows of the two pairs differ only in ``_whole``; their one-replica joins differ."""
    columnar = (_event("request", {"inputs": [[1, 2], [3, 4]]}, "t"), _event("response", {"outputs": [0.1]}, "t"))
    v1 = (_event("request", {"instances": [[1, 2], [3, 4]]}, "t"), _event("response", {"predictions": [0.1]}, "t"))
    def without_whole(rows):
        return [{k: v for k, v in row.items() if k != "_whole"} for row in rows]
    assert without_whole(join(columnar[0], None)) == join(v1[0], None)
    assert without_whole(join(None, columnar[1])) == join(None, v1[1])
    assert join(columnar[0], None)[0]["_whole"] == '{"f0":[[1,2],[3,4]]}'
    assert len(join(*columnar)) == 1  # one row, each side whole
    with pytest.raises(PairMismatch, match="predictions for 2 instances"):
        join(*v1)  # PairMismatch: the sink writes the request's rows, the pair quarantined


@pytest.mark.parametrize("request_body, response_body", [
    ({"inputs": [[1, 2], [3, 4]]}, {"outputs": [0.1]}),
    ({"inputs": {"a": [1, 2, 3], "b": [4]}}, {"outputs": {"p": [0.1, 0.2]}}),
])
def test_one_replica_and_two_give_the_same_rows(request_body, response_body):
    one, halves = _both(request_body, response_body)
    assert len(halves) == len(one)
    assert all(row.get("has_response") for row in halves)

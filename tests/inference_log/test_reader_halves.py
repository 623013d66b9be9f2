"""The reader stitches request and response halves written by different sink replicas only when
they are one request and its response with as many rows each (:func:`reader.merge_halves`).

Before: for every ``(request_id, instance)`` without a complete row the last request half and the
last response half (in file order) became one row, so

* a request of 3 instances and a response of 2 predictions that reached different replicas gave 2
  served rows (the sink refuses that very pair when both halves reach one replica: the request's
  rows without a response, the pair quarantined);
* two requests sent with one ``ce-id`` (two producers, or a client retrying) whose halves were
  spread over replicas gave one row with the features of one request and the prediction of
  either, and the other two halves were dropped;
* the halves of a second request next to a complete row of the same id were dropped.
"""

from __future__ import annotations

import pandas as pd

from ctloop.inference_log import reader

T0 = "2026-01-05T00:30:00.000+00:00"


def half(kind: str, time: str, instance: int = 0, request_id: str = "r", **columns) -> dict:
    return {"request_id": request_id, "instance": instance, "model": "credit", "time": time,
            "model_version": "2" if kind != "request" else "", "revision": "v2" if kind != "request" else "unknown",
            "has_request": kind != "response", "has_response": kind != "request", **columns}


def requests(time: str, incomes: list[float], request_id: str = "r") -> list[dict]:
    return [half("request", time, i, request_id, income=v) for i, v in enumerate(incomes)]


def responses(time: str, predictions: list[float], request_id: str = "r") -> list[dict]:
    return [half("response", time, i, request_id, prediction_1=p) for i, p in enumerate(predictions)]


def logged(tmp_path, *files: list[dict]) -> pd.DataFrame:
    """Each list of rows as the Parquet file of one sink replica; what read_log returns."""
    for n, rows in enumerate(files):
        path = tmp_path / "log" / "model=credit" / "date=2026-01-05" / "revision=v2" / f"part-{n}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(rows).to_parquet(path)
    end = pd.Timestamp("2026-01-05T01:00:00Z")
    frame = reader.read_log(str(tmp_path / "log"), "credit", end - pd.Timedelta("1h"), end)
    return frame.sort_values(["time", "has_request", "instance"]).reset_index(drop=True)


def pairs(frame: pd.DataFrame) -> list[tuple]:
    """(income, prediction) of every row, None for a missing side."""
    def value(v):
        return None if pd.isna(v) else float(v)
    return sorted(((value(r.income), value(r.prediction_1)) for r in frame.itertuples()),
                  key=lambda p: (p[0] is None, p[0] or 0, p[1] is None, p[1] or 0))


def test_halves_whose_row_counts_differ_are_not_stitched(tmp_path):
    """3 instances on one replica, 2 predictions on another: the request's 3 rows, not served."""
    frame = logged(tmp_path, requests(T0, [1.0, 2.0, 3.0]), responses("2026-01-05T00:30:00.2+00:00", [0.1, 0.2]))
    assert pairs(frame) == [(1.0, None), (2.0, None), (3.0, None)]
    assert reader.served(frame).empty and not frame.has_response.any()
    frame = logged(tmp_path / "more", requests(T0, [1.0]), responses("2026-01-05T00:30:00.2+00:00", [0.1, 0.2]))
    assert pairs(frame) == [(1.0, None)] and reader.served(frame).empty


def test_halves_of_one_request_and_its_response_are_still_stitched(tmp_path):
    frame = logged(tmp_path, requests(T0, [1.0, 2.0]), responses("2026-01-05T00:30:00.2+00:00", [0.1, 0.2]),
                   requests(T0, [1.0, 2.0]))  # the request delivered twice (an agent retry)
    assert pairs(frame) == [(1.0, 0.1), (2.0, 0.2)]
    assert frame.has_request.all() and frame.has_response.all() and set(frame.time) == {T0}


def test_two_requests_with_one_ce_id_spread_over_replicas_are_never_stitched_across(tmp_path):
    """Two producers reuse one ce-id; the four halves reach four replicas. Which response
    answers which request is unknown: every half stays as written, none is dropped."""
    frame = logged(tmp_path, requests(T0, [1.0]), responses("2026-01-05T00:30:00.3+00:00", [0.9]),
                   requests("2026-01-05T00:30:00.1+00:00", [2.0]), responses("2026-01-05T00:30:00.2+00:00", [0.1]))
    assert pairs(frame) == [(1.0, None), (2.0, None), (None, 0.1), (None, 0.9)]


def test_a_second_requests_halves_next_to_a_complete_row_of_its_id_are_kept_and_stitched(tmp_path):
    complete = {**half("request", T0, income=1.0, prediction_1=0.1), "has_response": True,
                "model_version": "2", "revision": "v2"}
    second = [*requests("2026-01-05T00:31:00+00:00", [2.0]), *responses("2026-01-05T00:31:00.2+00:00", [0.9])]
    frame = logged(tmp_path, [complete], second[:1], second[1:])
    assert pairs(frame) == [(1.0, 0.1), (2.0, 0.9)]
    # the complete pair's own halves delivered again elsewhere are duplicates: one row
    frame = logged(tmp_path / "dup", [complete], requests(T0, [1.0]), responses("2026-01-05T00:30:00.2+00:00", [0.1]))
    assert pairs(frame) == [(1.0, 0.1)]


def test_a_second_requests_response_half_equal_to_the_complete_row_is_not_taken_for_a_copy(tmp_path):
    """A client retries with the same id (KServe's ce-id is the request's id) and gets the same
    prediction; its request half reaches one replica, its response half another. The response half
    equals the first, complete row in every ``prediction*`` column, and was dropped as that pair's
    response delivered again: the retry was logged as a request without a response. A copy cannot
    answer a request that arrived after it, so a response half is a copy only when no request half
    of its id (other than the complete row's own) arrived at or before it; otherwise the halves are
    stitched as any other pair."""
    complete = {**half("request", T0, income=1.0, prediction_1=0.1), "has_response": True,
                "model_version": "2", "revision": "v2"}
    retry = [*requests("2026-01-05T00:31:00+00:00", [1.0]), *responses("2026-01-05T00:31:00.2+00:00", [0.1])]
    frame = logged(tmp_path, [complete], retry[:1], retry[1:])
    assert pairs(frame) == [(1.0, 0.1), (1.0, 0.1)]
    assert frame.has_request.all() and frame.has_response.all()
    assert list(frame.time) == [T0, "2026-01-05T00:31:00+00:00"]
    # the complete pair's response half delivered again before the second request: still a copy
    early = [*requests("2026-01-05T00:31:00+00:00", [2.0]), *responses("2026-01-05T00:30:00.2+00:00", [0.1])]
    frame = logged(tmp_path / "copy", [complete], early[:1], early[1:])
    assert pairs(frame) == [(1.0, 0.1), (2.0, None)]

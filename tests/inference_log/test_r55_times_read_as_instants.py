"""Round 55 review, item 2: readers deduplicated and counted a call's events by the stored time
*text* (``reader._merged``: ``keys.duplicated``, the ``done`` index, ``nunique`` of events per side;
``reader._reused_ids``). Round 55 (merge aff76892) stores ``ce-time`` as UTC with ``Z``, and a WAL
line is renormalised when replayed (``Event.from_json``), so a row a round-54 sink wrote
(``…417396+00:00``) and the same event replayed by a round-55 sink (``…417396Z``) were two rows,
or three halves nothing stitched. Times are now keyed by their instant.
"""

from __future__ import annotations

import pandas as pd

from ctloop.inference_log import reader


def test_an_event_replayed_in_the_round_55_time_form_is_the_same_event(tmp_path):
    old, new = (
        "2026-11-22T10:31:02.417396+00:00",
        "2026-11-22T10:31:02.417396Z",
    )  # round 54, round 55

    def row(t, req, resp, pred, body_id=None):
        return {
            "request_id": "c1",
            "instance": 0,
            "time": t,
            "has_request": req,
            "has_response": resp,
            "income": 1.0 if req else None,
            "prediction": pred,
            "meta_inference_id": body_id,
            "model_version": "",
            "revision": "unknown",
        }

    part = tmp_path / "model=credit" / "date=2026-11-22" / "revision=unknown"
    part.mkdir(parents=True)
    # the round-54 sink wrote the complete row and a request half of call c2; a round-55 sink
    # replayed both from the WAL (a crash before the segment's delete), in its own form
    pd.DataFrame(
        [row(old, True, True, 0.5), {**row(old, True, False, None), "request_id": "c2"}]
    ).to_parquet(part / "part-54.parquet")
    pd.DataFrame(
        [
            row(new, True, True, 0.5),
            {**row(new, True, False, None), "request_id": "c2"},
            {**row("2026-11-22T10:31:02.6Z", False, True, 0.7), "request_id": "c2"},
        ]
    ).to_parquet(part / "part-55.parquet")
    logs = reader.read_log(
        str(tmp_path),
        "credit",
        pd.Timestamp("2026-11-22", tz="UTC"),
        pd.Timestamp("2026-11-23", tz="UTC"),
    )
    assert logs.sort_values("request_id")[
        ["request_id", "has_request", "has_response", "prediction"]
    ].values.tolist() == [["c1", True, True, 0.5], ["c2", True, True, 0.7]]
    # a v2 call's halves: one request half in both forms is one event, not an id reused by two calls
    halves = pd.DataFrame(
        [
            row(old, True, False, None, "b1"),
            row(new, True, False, None, "b1"),
            row("2026-11-22T10:31:02.6Z", False, True, 0.7, "b1"),
        ]
    )
    assert reader._reused_ids(halves) is None
    assert reader.merge_halves(halves)[
        ["has_request", "has_response", "prediction"]
    ].values.tolist() == [[True, True, 0.7]]

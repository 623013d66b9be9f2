"""A call retried under its Ce-Id (the same model version and answer, another request time: the
reader keeps both rows, ``merge_halves`` merging rows of one time only) is joined once since round
52's review; its copy was left out and counted nowhere, while every other row the join leaves
(batched requests without instance, calls reusing a ce-id) is counted and said. Now the copies are
counted (``JoinResult.retried``) and said in the join's summary: ``ctloop labels report``'s header,
and the monitor's ``label_join`` in both paths (test_r52_labels_reused_ce_id)."""

from __future__ import annotations

import pandas as pd

from ctloop.labels.join import join_index, join_labels, label_index


def test_both_joins_count_the_copies_of_a_retried_call():
    logs = pd.DataFrame(
        {
            "request_id": ["a", "a", "a", "b", "c", "c"],
            "time": [f"2026-01-05T00:00:0{s}Z" for s in (1, 2, 3, 4, 5, 6)],
            "model_version": ["1", "1", "1", "1", "1", "2"],
            "prediction_1": [0.7, 0.7, 0.7, 0.2, 0.6, 0.6],
            "has_response": True,
        }
    )
    labels = pd.DataFrame(
        {"request_id": ["a", "b", "c"], "label": [1, 0, 1], "label_time": "2026-01-06T00:00:00Z"}
    )
    for joined in (join_labels(logs, labels), join_index(logs, label_index(labels))):
        assert sorted(joined.frame["request_id"]) == ["a", "b"]
        assert (joined.retried, joined.reused) == (
            2,
            2,
        )  # was (0, 2): a's two copies counted nowhere
        assert joined.describe().endswith(
            "; 2 logged rows not joined again: copies of a labelled call retried under its Ce-Id with the "
            "same answer (the call joined once)"
        ), joined.describe()

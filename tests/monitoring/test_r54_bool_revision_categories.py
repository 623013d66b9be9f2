"""A window whose log files disagree on the revision's type so that one holds ``True`` and another
``1`` (a bool column beside a number one: Python's ``True == 1``). The in-memory window
(``read_log``'s ``pd.concat``) keeps them two values, two per-revision series ``True`` and ``1``;
the streamed window held them as one pandas category (``labels.join.concat_categories``, and
``window._read_rows`` loading a saved partition): categories are unique by equality, so the number's
rows were recoded to ``True`` or, in the other file order, lost (``NaN``): one series instead of two.
Now such a column is kept as objects (:func:`ctloop.labels.join.as_category`)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.components.monitor import core
from ctloop.labels.join import (
    as_category,
    candidate_rows,
    concat_categories,
    join_candidate_parts,
    join_labels,
    label_index,
)
from ctloop.monitoring import window as W


def _served(revisions: list) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "request_id": [f"q{i}" for i in range(len(revisions))],
            "revision": revisions,
            "prediction_1": 0.5,
        }
    )


def test_a_bool_and_a_number_revision_stay_two_series_through_the_streamed_join():
    """The streamed window's path in small: three log chunks whose revision is read with each file's
    own type (a bool column, an int64 one, text; ``scan.PER_FILE``) and a chunk of objects holding
    ``True`` and ``1`` at once, each made candidate rows (:func:`candidate_rows`), concatenated
    (:func:`concat_categories`), joined part by part as
    ``WindowState.join`` joins them (:func:`join_candidate_parts`) and named (``core._by_name``): four series True, 1, r2 as the
    in-memory window (``join_labels`` of ``pd.concat``) names them. Before round 54 the streamed
    window had realized_rows.revision.True 27 and no revision.1 (concat_categories), and a chunk of
    objects holding both recoded 1 to True (candidate_rows' ``astype("category")``)."""
    chunks = [
        _served([True] * 3),
        _served([1] * 2),
        _served(["r2"] * 2),
        _served(pd.Series([True, 1, 1, None], dtype=object)),
    ]
    chunks = [c.assign(request_id=c["request_id"] + f"-{k}") for k, c in enumerate(chunks)]
    logs = pd.concat(chunks, ignore_index=True)
    labels = pd.DataFrame(
        {"request_id": logs["request_id"], "label": 1.0, "label_time": "2026-01-05T02:00:00Z"}
    )
    index = label_index(labels)
    parts = [candidate_rows(c, index, ["revision"], ["prediction_1"]) for c in chunks]
    assert [(type(v), v) for v in parts[3]["revision"].dropna()] == [
        (bool, True),
        (int, 1),
        (int, 1),
    ]  # was True x3
    streamed = join_candidate_parts(  # WindowState.join's call: part by part, then concat_categories
        list(parts),
        index,
        unserved=0,
        served_rows=len(logs),
        log_columns=list(logs.columns),
    )
    in_memory = join_labels(logs, labels)

    def named(frame):
        return core._by_name(frame["revision"]).value_counts().to_dict()

    assert named(streamed.frame) == named(in_memory.frame) == {"True": 4, "1": 4, "r2": 2}


@pytest.mark.parametrize("first, second", [([True, True], [1, 2]), ([1, 2], [True, True])])
def test_concat_categories_keeps_a_bool_and_an_equal_number_apart(first, second):
    frames = [pd.DataFrame({"revision": pd.Categorical(first)}), pd.DataFrame({"revision": second})]
    merged = concat_categories(frames)["revision"]
    assert [(type(v), v) for v in merged] == [
        (type(v), v) for v in first + second
    ]  # was [True]*3 + [2] / NaNs
    assert (
        as_category(pd.Series(["a", 1, 1.0, None]).astype(object)).dtype == "category"
    )  # 1 and 1.0: one name


def test_a_saved_partition_keeps_a_bool_and_an_equal_number_apart(tmp_path):
    rows = concat_categories(
        [
            pd.DataFrame({"revision": pd.Categorical([True]), "x": [1]}),
            pd.DataFrame({"revision": pd.Categorical([1]), "x": [2]}),
        ]
    )
    files = W._write_rows(rows, str(tmp_path), "labelled")
    back = W._read_rows(str(tmp_path), "labelled", [files, 2])
    assert [(type(v), v) for v in back["revision"]] == [(bool, True), (int, 1)]  # was [True, True]

"""A window whose log files disagree on the revision's type so that one holds ``True`` and another
``1`` (a bool column beside a number one: Python's ``True == 1``). The in-memory window
(``read_log``'s ``pd.concat``) keeps them two values, two per-revision series ``True`` and ``1``;
the streamed window held them as one pandas category (``labels.join.concat_categories``, and
``window._read_rows`` loading a saved partition): categories are unique by equality, so the number's
rows were recoded to ``True`` or, in the other file order, lost (``NaN``): one series instead of two.
Now such a column is kept as objects (:func:`ctloop.labels.join.as_category`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ctloop.labels.join import as_category, concat_categories
from ctloop.monitoring import window as W
from tests.monitoring.test_hunt_labels_window import END, _judged
from tests.monitoring.test_r53_streamed_mixed_types import _ingest

P = np.linspace(0.05, 0.95, 40)


def _log(root: Path, revisions: tuple) -> None:
    day = root / "model=m" / "date=2026-01-05" / "revision=r1"
    day.mkdir(parents=True)
    for k, part in enumerate(np.array_split(np.arange(40), len(revisions))):
        pd.DataFrame(
            {
                "request_id": [str(i + 1) for i in part],
                "instance": 0,
                "model": "m",
                "revision": [revisions[k]] * len(part),
                "model_version": "1",
                "has_request": True,
                "has_response": True,
                "time": [
                    (END - pd.Timedelta(minutes=30) + pd.Timedelta(seconds=int(i))).isoformat()
                    for i in part
                ],
                "prediction_0": 1 - P[part],
                "prediction_1": P[part],
            }
        ).to_parquet(day / f"part-{k}.parquet")


def test_a_bool_and_a_number_revision_stay_two_series_in_the_streamed_window(tmp_path, capsys):
    """Three files whose revision is True, 1 and 'r2' (read with each file's own type,
    ``scan.PER_FILE``): the in-memory window has three per-revision series; the streamed one had
    realized_rows.revision.True 27 and no revision.1."""
    _log(tmp_path / "logs", (True, 1, "r2"))
    _ingest(tmp_path)
    frame, streamed = _judged(tmp_path, 2)
    rows = {k: v for k, v in frame.series.items() if k.startswith("realized_rows.revision.")}
    assert rows == {
        "realized_rows.revision.True": 14,
        "realized_rows.revision.1": 13,
        "realized_rows.revision.r2": 13,
    }
    assert streamed.series == frame.series
    assert streamed.record["realized_rows"] == frame.record["realized_rows"] == 40


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

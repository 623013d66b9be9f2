"""Round 53's review of the streamed window's mixed types (commit d8f8d9a7): a keep-column
(``revision``) held as numbers in a later file than the first chunk's text crashed the merge of the
candidate rows (``concat_categories``: ``.cat`` of an int64 column, an AttributeError traceback), and
a partition saved per value type (``window._write_rows``) came back with its categories turned into
objects, which crashed the merge with a normally saved partition the same way."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ctloop.components.monitor import core
from ctloop.errors import InferenceLogError
from ctloop.labels.join import concat_categories, index_store
from ctloop.monitoring import window as W
from ctloop.monitoring.champion import Champion
from tests.monitoring.test_hunt_labels_window import END, _cfg, _judged
from tests.monitoring.test_r53_streamed_mixed_types import _ingest

P = np.linspace(0.05, 0.95, 40)


def _log(root: Path, files: int, odd: int, value, others: str = "r1") -> None:
    """40 calls in ``files`` files; file ``odd``'s ``revision`` column is ``value(n)``, the others'
    ``others``."""
    day = root / "model=m" / "date=2026-01-05" / "revision=r1"
    day.mkdir(parents=True)
    for k, part in enumerate(np.array_split(np.arange(40), files)):
        frame = pd.DataFrame(
            {
                "request_id": [str(i + 1) for i in part],
                "instance": 0,
                "model": "m",
                "revision": others,
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
        )
        if k == odd:
            frame["revision"] = value(len(frame))
        frame.to_parquet(day / f"part-{k}.parquet")


@pytest.mark.parametrize("odd", [0, 1, 2], ids=["first", "middle", "last"])
def test_a_revision_of_numbers_in_any_file_joins_alike_in_both_paths(tmp_path, capsys, odd):
    """Files of revision "r1", 7 (int64), "r1" (the deleted r52 test's order: string, int, string),
    and the int file first and last. Was: AttributeError 'Can only use .cat accessor with a
    'category' dtype' once a file after the first chunk's held the numbers."""
    _log(tmp_path / "logs", 3, odd, lambda n: np.full(n, 7, dtype="int64"))
    _ingest(tmp_path)
    frame, streamed = _judged(tmp_path, 1)
    assert frame.tags["label_join"] == "40 labelled rows (key request_id)"
    assert streamed.tags["label_join"] == frame.tags["label_join"]
    assert streamed.record["realized"] == frame.record["realized"]
    assert streamed.series == frame.series  # revision 7 and "r1": two groups in both paths
    assert (
        frame.series["realized_rows.revision.7"] + frame.series["realized_rows.revision.r1"] == 40
    )


@pytest.mark.parametrize("partitions", [1, 2])
def test_a_revision_written_7_and_7_as_text_is_one_series_of_all_its_rows(
    tmp_path, capsys, partitions
):
    """Round 53's second review: revision 7 (int64, one file) and "7" (text, three files) were two
    groups writing one series name, ``realized_rows.revision.7``: the later overwrote the earlier (30
    in memory, 10 streamed, of 40), exit 0. A series is named by the revision's text: one group."""
    _log(tmp_path / "logs", 4, 2, lambda n: np.full(n, 7, dtype="int64"), others="7")
    _ingest(tmp_path)
    frame, streamed = _judged(tmp_path, partitions)
    assert frame.series["realized_rows.revision.7"] == 40
    assert streamed.series == frame.series


@pytest.mark.parametrize(
    "odd",
    [
        lambda n: pd.Series(
            ["7"] * (n - 1) + [None], dtype="string"
        ),  # pd.NA: was a TypeError traceback
        lambda n: np.array(
            [7.0] * (n - 1) + [np.nan]
        ),  # whole numbers with a null, read as floats: was 7.0
        lambda n: pd.Categorical([7] * (n - 1) + [None]),
    ],
    ids=["string-na", "float", "category-nan"],
)
def test_a_revision_with_a_missing_value_is_named_as_its_other_rows(tmp_path, capsys, odd):
    """Round 53's review of the series fix: a revision column of pandas' "string" dtype with a missing
    value crashed the run ('boolean value of NA is ambiguous'); whole numbers with a null (floats) made
    a series revision.7.0 beside revision.7."""
    _log(tmp_path / "logs", 4, 2, odd, others="7")
    _ingest(tmp_path)
    frame, streamed = _judged(tmp_path, 1)
    assert frame.series["realized_rows.revision.7"] == 39
    assert not [
        k
        for k in frame.series
        if k.startswith("realized_rows.revision.") and k != "realized_rows.revision.7"
    ]
    assert streamed.series == frame.series


def test_a_category_column_of_none_is_named_none():
    """Round 53's final review: an all-null dictionary column (no categories) raised IndexError."""
    out = core._by_name(pd.Series([np.nan, np.nan]).astype("category"))
    assert out.isna().all() and len(out) == 2


def test_numbers_beside_a_category_stay_apart_from_their_text():
    """``concat_categories`` makes the numbers a category of numbers, not of text: revision 7 and
    "7" are two revisions, as ``read_log``'s concat keeps them (not ``astype(str)``)."""
    text = pd.DataFrame({"revision": pd.Series(["7", "r1"], dtype="category"), "x": [1.0, 2.0]})
    numbers = pd.DataFrame({"revision": np.array([7, 7], dtype="int64"), "x": [3.0, 4.0]})
    for frames in ([text, numbers], [numbers, text]):
        out = concat_categories(frames)
        assert isinstance(out["revision"].dtype, pd.CategoricalDtype)
        assert sorted(map(repr, out["revision"])) == sorted(
            map(repr, [*frames[0]["revision"], *frames[1]["revision"]])
        )
        assert out["revision"].nunique() == 3  # 7, "7", "r1"


def test_a_partition_saved_per_value_type_merges_with_one_saved_whole(tmp_path, capsys):
    """4 files, file 2's revision a dictionary column of numbers (Categorical([7])), 2 partitions:
    partition 1's rows hold revision 7 and "r1" (no Parquet type: saved one file per type), partition
    0's only "r1" (saved whole). The split save turned the categories into objects and never back:
    the merge crashed in join_candidate_parts (concat_categories: AttributeError)."""
    _log(tmp_path / "logs", 4, 2, lambda n: pd.Categorical([7] * n))
    _ingest(tmp_path)
    frame, streamed = _judged(tmp_path, 2)
    assert (tmp_path / "p1" / "labelled.1.parquet").exists()  # the split save
    assert not (tmp_path / "p0" / "labelled.1.parquet").exists()
    assert (
        streamed.tags["label_join"]
        == frame.tags["label_join"]
        == "40 labelled rows (key request_id)"
    )
    assert streamed.record["realized"] == frame.record["realized"]
    assert streamed.series == frame.series
    assert frame.series["realized_rows.revision.7"] == 10
    split = W.WindowState.load(str(tmp_path / "p1")).labelled_rows()
    assert isinstance(split["revision"].dtype, pd.CategoricalDtype), split.dtypes  # was: object
    assert sorted(map(repr, split["revision"].cat.categories)) == ["'r1'", "7"]


def _split(tmp_path: Path) -> tuple[str, object]:
    """Partition 1 of the 4 files above (revision 7 and "r1": saved one file per type), saved in
    ``p1``; the directory and the label index."""
    _log(tmp_path / "logs", 4, 2, lambda n: pd.Categorical([7] * n))
    _ingest(tmp_path)
    champion = Champion(
        "1", "classification", ["x"], [0, 1], None, {}, pd.Timestamp("2026-01-01", tz="UTC")
    )
    cfg = _cfg(tmp_path)
    spec = core.window_spec(core.bounds(END, cfg), champion, None, cfg)
    index = index_store(str(tmp_path / "store"))
    plan = W.plan(str(tmp_path / "logs"), "m", spec, 2, progress=False)
    W.collect_partition(plan, 1, index, batch_rows=7, progress=False).save(str(tmp_path / "p1"))
    assert (tmp_path / "p1" / "labelled.1.parquet").exists()
    return str(tmp_path / "p1"), index


def test_a_save_cut_short_between_two_files_is_not_read_as_fewer_rows(
    tmp_path, capsys, monkeypatch
):
    """The partition saved again in its directory (a retried task), killed after labelled.parquet and
    before labelled.1.parquet: the earlier save's state.json and partition.json were read with the
    new first file only, 10 of 20 labelled rows, exit 0. Now the state files go first, are written
    last, and the directory is refused in one line."""
    directory, index = _split(tmp_path)
    part = W.Partial.load(directory, index)
    assert len(part.state.labelled_rows()) == 20
    real, calls = pq.write_table, []

    def killed(table, where, *args, **kwargs):
        calls.append(where)
        if len(calls) == 2:
            raise OSError("the task was killed")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", killed)
    with pytest.raises(OSError):
        part.save(directory)
    monkeypatch.undo()
    assert [Path(c).name for c in calls] == ["labelled.parquet", "labelled.1.parquet"]
    cut = "it is missing: its save was cut short"  # before: FileNotFoundError(2, ...) / [Errno 2] ..., no hint
    with pytest.raises(
        InferenceLogError, match=f"cannot read the partition state .*partition.json: {cut}"
    ):
        W.Partial.load(directory, index)  # was: 10 labelled rows, nothing said
    with pytest.raises(
        InferenceLogError, match=f"cannot read the window state .*state.json: {cut}"
    ):
        W.WindowState.load(directory, index)


def test_files_missing_after_a_save_are_refused(tmp_path, capsys):
    directory, index = _split(tmp_path)
    os.remove(os.path.join(directory, "labelled.1.parquet"))
    with pytest.raises(InferenceLogError) as refused:
        W.WindowState.load(directory, index)  # was: 10 of 20 rows, nothing said
    assert str(refused.value) == (
        f"cannot read the window state {directory}/state.json: it records 20 labelled row(s) in 2 file(s), "
        f"{directory} holds 10 in 1: a save was cut short or its files were edited: re-run the monitoring run"
    )


def test_a_split_save_of_one_file_drops_its_row_positions(tmp_path, capsys):
    """Categories of two types (7 and "r1", 7 unused: a file's dictionary) have no Parquet type while
    every value has one type: the split save wrote one file, and the load kept its internal
    ``__ctloop_row`` column (read only when a second file existed)."""
    directory, index = _split(tmp_path)
    state = W.WindowState.load(directory, index)
    rows = state.labelled_rows()
    state.labelled = [
        rows.assign(revision=pd.Categorical(["r1"] * len(rows), categories=[7, "r1"]))
    ]
    state.save(str(tmp_path / "again"))
    assert not (tmp_path / "again" / "labelled.1.parquet").exists()
    back = W.WindowState.load(str(tmp_path / "again"), index).labelled_rows()
    assert list(back.columns) == list(rows.columns)  # was: ... "__ctloop_row"
    assert back["revision"].tolist() == ["r1"] * len(rows)

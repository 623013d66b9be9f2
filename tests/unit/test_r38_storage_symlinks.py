"""A local directory holding symlinks, listed by ``ctloop.storage.list_files``/``list_objects``
(the inference log reader, the label store) and by the dataset reader (``ctloop drift``,
``ctloop score --data DIR``: ``ctloop.drift.streaming.open_source``). Arrow's local listing
(pyarrow 25.0.1 ``LocalFileSystem`` with a recursive ``FileSelector``; its ``stat`` follows links)
goes into symlinked directories and follows a symlink loop until the kernel refuses (ELOOP, 40
levels): a directory linking to itself was read 81 times over, without a word. Python's
``Path.rglob`` (3.11) goes into none, so the two listings of one directory differed. Now both
follow symlinked directories, each directory once: a link to a directory listed already (a
loop, or a second way to the same files) and a dangling link are left out with a warning naming
them, as Arrow leaves a dangling link out."""

from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from ctloop import storage
from ctloop.drift import streaming


@pytest.fixture
def tree(tmp_path):
    data, real = tmp_path / "data", tmp_path / "real"
    (data / "day1").mkdir(parents=True)  # no key=value: beside linked/sub/ it is refused as a conflicting layout
    (real / "sub").mkdir(parents=True)
    pd.DataFrame({"a": [1, 2]}).to_parquet(data / "day1" / "p0.parquet")
    pd.DataFrame({"a": [3, 4]}).to_parquet(real / "sub" / "p1.parquet")
    os.symlink("../real", data / "linked")  # a directory outside: followed
    os.symlink("..", data / "day1" / "loop")  # back to data: a loop
    os.symlink("day1", data / "again")  # the same files a second way
    os.symlink("../nowhere.parquet", data / "dangling.parquet")
    return data


def _expected(data):
    return [f"{data}/day1/p0.parquet", f"{data}/linked/sub/p1.parquet"]


def test_list_files_follows_symlinked_directories_once(tree):
    started = time.monotonic()
    with pytest.warns(UserWarning) as caught:
        found = storage.list_files(str(tree), ".parquet")
    assert found == _expected(tree)
    said = " ".join(str(w.message) for w in caught)
    assert f"{tree}/day1/loop" in said and f"{tree}/again" in said and f"{tree}/dangling.parquet" in said
    assert time.monotonic() - started < 5


def test_list_objects_lists_the_same_files(tree):
    with pytest.warns(UserWarning):
        found = storage.list_objects(str(tree))
    assert [o.uri for o in found] == _expected(tree)
    assert all(o.size > 0 for o in found)


def test_the_dataset_reader_lists_what_list_files_lists(tree):
    with pytest.warns(UserWarning):
        source = streaming.open_source(str(tree))
    assert source.files == _expected(tree)
    assert source.count_rows() == 4  # was 162: each file read 81 times through the loop


def test_a_glob_lists_the_same_files(tree):
    with pytest.warns(UserWarning):
        source = streaming.open_source(f"{tree}/**/*.parquet")
    assert source.files == _expected(tree)
    assert source.count_rows() == 4


def test_the_memory_engine_reads_the_directory_once(tree):
    with pytest.warns(UserWarning):
        frame, _ = streaming.read_side(str(tree))
    assert sorted(frame["a"]) == [1, 2, 3, 4]


def test_a_directory_without_links_warns_nothing(tmp_path):
    (tmp_path / "d" / "x").mkdir(parents=True)
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "d" / "x" / "p.parquet")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert storage.list_files(str(tmp_path / "d")) == [f"{tmp_path}/d/x/p.parquet"]
        assert streaming.open_source(str(tmp_path / "d")).files == [f"{tmp_path}/d/x/p.parquet"]

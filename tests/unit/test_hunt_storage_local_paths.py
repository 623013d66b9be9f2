"""storage on local paths that are not plain files: a symlink loop, a dangling link, a directory
given where a file is meant. Each is one DataSourceError line naming the path, or (listing) left
out as list_files leaves it out — never an OSError traceback."""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError


@pytest.fixture
def tree(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("hi")
    os.symlink("loop", d / "loop")  # a link to itself: ELOOP on every stat
    os.symlink("nowhere", d / "dangling")
    return tmp_path


def test_list_objects_leaves_out_a_symlink_loop_as_list_files_does(tree):
    assert storage.list_files(str(tree)) == [f"{tree}/d/a.txt"]
    assert [o.uri for o in storage.list_objects(str(tree))] == [f"{tree}/d/a.txt"]


def test_reading_a_symlink_loop_is_one_line_naming_it(tree):
    with pytest.raises(DataSourceError, match="d/loop") as err:
        storage.read_bytes(str(tree / "d" / "loop"))
    assert "\n" not in str(err.value)


def test_deleting_a_directory_is_one_line_and_leaves_it(tree):
    with pytest.raises(DataSourceError, match="is a directory") as err:
        storage.delete(str(tree / "d"))
    assert "\n" not in str(err.value)
    assert (tree / "d" / "a.txt").read_text() == "hi"

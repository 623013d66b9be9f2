"""``local_files`` took a symlink to an ancestor of a target it had already followed for "a
directory listed already": with ``base/a_sub -> ../out/T/sub`` and ``base/b_T -> ../out/T`` it
left out ``out/T/other.csv`` (which Arrow's listing, pyarrow 25.0.1 ``LocalFileSystem`` with a
recursive ``FileSelector``, lists) with a false warning. Now every file Arrow lists is listed,
each once, and loops still end (a link to an ancestor of base is a loop)."""

from __future__ import annotations

import os
import warnings

import pyarrow.fs

from ctloop import storage


def _arrow_real_files(base) -> set[str]:
    found = pyarrow.fs.LocalFileSystem().get_file_info(pyarrow.fs.FileSelector(str(base), recursive=True))
    return {os.path.realpath(f.path) for f in found if f.type == pyarrow.fs.FileType.File}


def test_a_link_to_an_ancestor_of_a_followed_target_lists_its_other_files(tmp_path):
    base, target = tmp_path / "base", tmp_path / "out" / "T"
    (target / "sub").mkdir(parents=True)
    base.mkdir()
    (target / "sub" / "x.csv").write_text("a\n1\n")
    (target / "other.csv").write_text("a\n2\n")
    os.symlink("../out/T/sub", base / "a_sub")
    os.symlink("../out/T", base / "b_T")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = storage.local_files(base)
    assert {os.path.realpath(p) for p in found} == _arrow_real_files(base)
    assert len(found) == len({os.path.realpath(p) for p in found}) == 2  # each file once
    assert not any("b_T " in str(w.message) or str(w.message).endswith("b_T") for w in caught)


def test_a_loop_inside_a_followed_target_still_ends(tmp_path):
    base, target = tmp_path / "base", tmp_path / "out" / "T"
    (target / "sub").mkdir(parents=True)
    base.mkdir()
    (target / "sub" / "x.csv").write_text("a\n1\n")
    (target / "other.csv").write_text("a\n2\n")
    os.symlink("..", target / "sub" / "up")  # out/T/sub/up -> out/T
    os.symlink("../out/T/sub", base / "a_sub")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        found = storage.local_files(base)
    # a_sub/up leads to out/T: Arrow lists its other.csv (and the loop's files over and over)
    assert {os.path.realpath(p) for p in found} == _arrow_real_files(base)
    assert len(found) == 2

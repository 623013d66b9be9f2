"""A local file replaced by ``write_bytes`` lost its permissions (round 45, storage).

``write_bytes`` writes a temporary file and renames it over the old one (atomic for readers), and the
temporary file had the process's default mode (0666 less the umask): a file kept private (0600: a
scoring output with customer ids, a ledger) became readable by every user of the machine after its
next write, and a file a team shares (0664 in a group directory) stopped being writable by the others.
Now the new file takes the old one's mode; a new file still gets the default."""

from __future__ import annotations

import os
import stat

import pytest

from ctloop import storage


@pytest.mark.parametrize("mode", [0o600, 0o664, 0o640], ids=["private", "group-writable", "group-readable"])
def test_a_replaced_file_keeps_its_mode(tmp_path, mode):
    target = tmp_path / "scores.csv"
    target.write_bytes(b"old\n")
    os.chmod(target, mode)
    storage.write_bytes(str(target), b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_a_new_file_gets_the_default_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        storage.write_bytes(str(tmp_path / "new.csv"), b"a\n")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644

"""A local create acknowledged before its bytes reached the disk (round 43, storage hunt).

``storage.create_bytes`` writes a temporary file and links (or renames) it into place: atomic for
readers, but not across a crash. Without ``fsync`` of the file before the link and of the directory
after it, a node that lost power right after the label store's manifest was created could come back
with the name empty (fsync(2): nothing is durable before it; ext4 flushes early only a rename over an
existing file): every later ingest then failed on a 0-byte manifest, and the name being taken, it was
never made again. (``write_bytes`` is not flushed: 8 ms a write instead of 0.4 on ext4.) Power cannot be cut in a test: the order of the system calls made is what is checked here,
on real files."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from ctloop import storage


@pytest.fixture
def calls(monkeypatch):
    """Each fsync (of a 'file' or a 'dir'), rename and link, in the order made."""
    seen: list[tuple[str, str]] = []
    real_fsync, real_replace, real_link = os.fsync, os.replace, os.link

    def fsync(fd):
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        seen.append(("fsync", kind))
        return real_fsync(fd)

    def replace(src, dst, **kw):
        seen.append(("rename", Path(dst).name))
        return real_replace(src, dst, **kw)

    def link(src, dst, **kw):
        seen.append(("link", Path(dst).name))
        return real_link(src, dst, **kw)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "link", link)
    return seen


def test_a_create_is_on_disk_before_it_is_acknowledged(tmp_path, calls):
    assert storage.create_bytes(str(tmp_path / "m.json"), b"{}") is True
    assert calls == [("fsync", "file"), ("link", "m.json"), ("fsync", "dir")]


def test_a_create_without_hard_links_too(tmp_path, calls, monkeypatch):
    def no_link(_src, _dst, **_kw):
        raise OSError(errno.EPERM, "no hard links here")

    monkeypatch.setattr(os, "link", no_link)
    assert storage.create_bytes(str(tmp_path / "m.json"), b"{}") is True
    assert calls == [("fsync", "file"), ("rename", "m.json"), ("fsync", "dir")]
    assert (tmp_path / "m.json").read_bytes() == b"{}"


def test_a_name_taken_syncs_nothing_more(tmp_path, calls):
    (tmp_path / "m.json").write_bytes(b"first")
    assert storage.create_bytes(str(tmp_path / "m.json"), b"second") is False
    assert calls == [("fsync", "file"), ("link", "m.json")]
    assert (tmp_path / "m.json").read_bytes() == b"first"

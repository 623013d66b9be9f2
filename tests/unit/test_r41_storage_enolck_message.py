"""A writer whose ``flock`` keeps answering ENOLCK (NFS with lockd unreachable) waited the whole
deadline and then read ".NAME.lock is held (remove it if no ctloop job writes NAME)": nobody held
it, and removing the file would not help (review K). Now the error says locking is unavailable."""

from __future__ import annotations

import errno
import fcntl
import os

import pytest

from ctloop import storage


def test_a_lasting_enolck_says_locking_is_unavailable_not_held(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "_LOCK_STALE_S", 0.05)

    def flock(_fd, _op):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", flock)
    tmp = tmp_path / ".new.tmp"
    tmp.write_text("x")
    with pytest.raises(OSError) as err:
        storage._create_by_rename(tmp, tmp_path / "manifest.json")
    assert err.value.errno == errno.ENOLCK
    assert "file locking is unavailable" in str(err.value) and "remove it" not in str(err.value)
    assert not (tmp_path / "manifest.json").exists()

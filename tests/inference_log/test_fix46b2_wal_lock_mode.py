"""The WAL lock file is ``0644`` whatever the umask (review r46 2B #3).

``Sink.lock_wal`` created ``<wal>/.lock`` with mode ``0644`` masked by the process umask: under
``umask 077`` it was ``0600``, so a later sink of another user (a new ``runAsUser`` on an
``fsGroup`` volume) could not even open it read-only to lock it and stopped (exit 2). The file
holds only a pid: it is now made ``0644`` when created. A sink that holds the directory refuses a
second one as before, naming its own pid (it could write the file).
"""

from __future__ import annotations

import os
import stat

import pytest

from ctloop.errors import ConfigError
from ctloop.inference_log.sink import Sink


def test_a_lock_file_made_under_umask_077_is_readable_by_others(tmp_path):
    old = os.umask(0o077)
    try:
        first = Sink(str(tmp_path / "log"), str(tmp_path / "wal"))
        first.lock_wal()
    finally:
        os.umask(old)
    try:
        mode = stat.S_IMODE((tmp_path / "wal" / ".lock").stat().st_mode)
        assert mode == 0o644, oct(mode)  # before: 0o600
        with pytest.raises(ConfigError, match=rf"in use by another sink \(pid {os.getpid()}\)"):
            Sink(str(tmp_path / "log"), str(tmp_path / "wal")).lock_wal()
    finally:
        first._unlock_wal()


def test_an_existing_lock_file_keeps_its_mode(tmp_path):
    """Only a lock file the sink creates is made 0644: one already there (an operator's) is not changed."""
    wal = tmp_path / "wal"
    wal.mkdir()
    (wal / ".lock").write_text("")
    (wal / ".lock").chmod(0o640)
    sink = Sink(str(tmp_path / "log"), str(wal))
    sink.lock_wal()
    try:
        assert stat.S_IMODE((wal / ".lock").stat().st_mode) == 0o640
    finally:
        sink._unlock_wal()

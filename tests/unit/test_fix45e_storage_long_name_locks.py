"""Round 45 named the lock files of every name over 200 bytes by its hash (fix45e, storage).

Round 45 let names of 242 to 255 bytes be written (their temporary file ``.NAME.<8 hex>.tmp`` was over
NAME_MAX) by naming a long name's helper files by its SHA-256, from 201 bytes. But names of 201 to 220
bytes had worked: their longest helper, a dead taker's guard ``.NAME.lock.x.takeover.takeover.takeover``
(``_TAKEOVER_DEPTH + 1`` levels), fits 255 bytes. On a file system without hard links an old process
(locking ``.NAME.lock.x``) and a new one (``.<hash>.lock.x``) did not exclude each other during an
upgrade, and both could create the name. Now a name keeps its helpers' names while the longest fits."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError


@pytest.fixture
def no_links(monkeypatch):
    def no_link(_src, _dst):
        raise OSError(errno.EPERM, "no hard links here")

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(storage, "_LOCK_STALE_S", 0.1)  # a writer gives up after 0.2 s


def _name(size: int) -> str:
    return "m" * (size - 5) + ".json"


@pytest.mark.parametrize("size", [201, 220], ids=["201", "220"])
def test_a_writer_of_the_release_before_still_excludes(tmp_path, no_links, size):
    name = _name(size)
    (tmp_path / f".{name}.lock.x").write_bytes(
        storage._lock_owner()
    )  # held by a live writer: this process
    with pytest.raises(DataSourceError, match=r"is held by pid \d+ on this host"):
        storage.create_bytes(str(tmp_path / name), b"new")  # before: created beside the held lock
    assert not (tmp_path / name).exists()


def test_the_longest_helper_fits_exactly_up_to_the_threshold():
    for size in range(1, 256):
        short = storage._short(_name(size))
        longest = f".{short}.lock.x" + ".takeover" * (storage._TAKEOVER_DEPTH + 1)
        assert len(os.fsencode(longest)) <= 255, size
        assert (short == _name(size)) == (size <= 220), size


def _dead_record() -> bytes:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    boot, pidns = storage._this_kernel()
    return (
        json.dumps(
            {
                "pid": proc.pid,
                "start": 1,
                "boot": boot,
                "pidns": pidns,
                "host": "h",
                "timens": storage._time_namespace(),
            }
        ).encode()
        + b"\n"
    )


def test_a_220_byte_names_dead_lock_is_taken_over_through_every_guard(tmp_path, no_links):
    """The deepest guard is made for a 220-byte name: the threshold leaves room for it."""
    name = _name(220)
    dead = _dead_record()
    lock = tmp_path / f".{name}.lock.x"
    for level in range(storage._TAKEOVER_DEPTH + 1):  # the lock, and guards left by dead takers
        (tmp_path / (lock.name + ".takeover" * level)).write_bytes(dead)
    assert storage.create_bytes(str(tmp_path / name), b"first") is True
    assert (tmp_path / name).read_bytes() == b"first"
    assert os.listdir(tmp_path) == [name]  # every guard and the lock removed

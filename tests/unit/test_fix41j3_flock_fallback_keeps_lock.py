"""The no-hard-links create never lets two writers both create one name, whichever errno each one's
``flock`` gives (fix round 41j3, review j).

Before, ``_flock`` counted ENOLCK (NFS when lockd cannot be reached: transient) as "no flock on this
file system"; the fallback then unlinked ``.NAME.lock`` while another writer still held an flock on it
and went ahead under ``.NAME.lock.x`` alone, so both writers created the name and the later
``os.replace`` overwrote the earlier file. Now ENOLCK is waited out like a held lock (then the busy
error), the fallback never removes ``.NAME.lock``, and every writer also takes ``.NAME.lock.x``
(``O_EXCL``), the lock both kinds of writer see. Deterministic: the second writer is run from inside
the first one's rename."""

from __future__ import annotations

import errno
import fcntl
import os

import pytest

from ctloop import storage

_REAL_FLOCK = fcntl.flock
_REAL_REPLACE = os.replace


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr(storage, "_LOCK_STALE_S", 0.1)  # a writer gives up after 0.2 s


def _refusing(err: int):
    def flock(_fd, _op):
        raise OSError(err, os.strerror(err))

    return flock


def _second_writer_inside_first(tmp_path, monkeypatch, first_flock, second_flock):
    """Writer 1 is inside its lock (at its rename) when writer 2 tries: what writer 2 got."""
    path = tmp_path / "manifest.json"
    tmp1, tmp2 = tmp_path / ".one.tmp", tmp_path / ".two.tmp"
    tmp1.write_text("one")
    tmp2.write_text("two")
    second: dict[str, object] = {}

    def replace(src, dst):
        if src == tmp1 and "r" not in second:
            monkeypatch.setattr(fcntl, "flock", second_flock)
            try:
                second["r"] = storage._create_by_rename(tmp2, path)
            except OSError as exc:
                second["r"] = exc
            monkeypatch.setattr(fcntl, "flock", first_flock)
        return _REAL_REPLACE(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(fcntl, "flock", first_flock)
    assert storage._create_by_rename(tmp1, path) is True
    assert path.read_text() == "one"
    return second["r"]


@pytest.mark.parametrize("err", [errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL])
def test_a_writer_without_flock_does_not_create_while_an_flock_holder_is_inside(tmp_path, monkeypatch,
                                                                                short_wait, err):
    got = _second_writer_inside_first(tmp_path, monkeypatch, _REAL_FLOCK, _refusing(err))
    # a lasting ENOLCK says locking is unavailable (test_r41_storage_enolck_message), else busy
    assert isinstance(got, OSError) and got.errno == (errno.ENOLCK if err == errno.ENOLCK else errno.EBUSY), got


@pytest.mark.parametrize("err", [errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL])
def test_an_flock_writer_does_not_create_while_a_writer_without_flock_is_inside(tmp_path, monkeypatch,
                                                                                short_wait, err):
    got = _second_writer_inside_first(tmp_path, monkeypatch, _refusing(err), _REAL_FLOCK)
    assert isinstance(got, OSError) and got.errno == errno.EBUSY, got


def test_enolck_leaves_the_held_lock_file_in_place(tmp_path, monkeypatch, short_wait):
    """The probe's case: A holds the flock; B's flock says ENOLCK. B waits, then gives up; A's lock stays."""
    path, lock = tmp_path / "part.json", tmp_path / ".part.json.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        _REAL_FLOCK(fd, fcntl.LOCK_EX)
        held = os.fstat(fd).st_ino
        tmp = tmp_path / ".b.tmp"
        tmp.write_text("B")
        monkeypatch.setattr(fcntl, "flock", _refusing(errno.ENOLCK))
        with pytest.raises(OSError) as caught:
            storage._create_by_rename(tmp, path)
        assert caught.value.errno == errno.ENOLCK and ".part.json.lock" in str(caught.value)
        assert not path.exists() and os.stat(lock).st_ino == held
    finally:
        os.close(fd)


def test_a_passing_enolck_is_waited_out(tmp_path, monkeypatch, short_wait):
    calls = []

    def flaky(fd, op):
        calls.append(op)
        if len(calls) <= 2:
            raise OSError(errno.ENOLCK, "No locks available")  # lockd back after a moment
        return _REAL_FLOCK(fd, op)

    monkeypatch.setattr(fcntl, "flock", flaky)
    path, tmp = tmp_path / "manifest.json", tmp_path / ".a.tmp"
    tmp.write_text("A")
    assert storage._create_by_rename(tmp, path) is True
    assert len(calls) == 3 and path.read_text() == "A"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_without_flock_the_second_writer_finds_the_name_and_no_exclusive_lock_is_left(tmp_path, monkeypatch):
    monkeypatch.setattr(fcntl, "flock", _refusing(errno.EOPNOTSUPP))
    path = tmp_path / "manifest.json"
    for text, created in (("A", True), ("B", False)):
        tmp = tmp_path / f".{text}.tmp"
        tmp.write_text(text)
        assert storage._create_by_rename(tmp, path) is created
        tmp.unlink(missing_ok=True)
    assert path.read_text() == "A"
    assert not (tmp_path / ".manifest.json.lock.x").exists()  # the .lock file may stay: it is never removed here

"""``artifacts.write_receipt`` wrote ``<model>.sha256`` in place (round 45, storage).

The receipt is what a loader in another process checks a downloaded model against
(``ctloop.serving.validate``). Written with ``Path.write_text`` it was truncated first and then
filled: a write cut short (a full disk, a file-size limit, a kill) left a receipt of a few bytes,
and every later load of that model failed with "the sha256 receipt ... is not a sha256" until someone
deleted it by hand; a reader at the wrong moment saw it empty. Now it is written as every local write
of ``ctloop.storage`` is (a temporary file flushed, then renamed into place): the receipt is the old
one or the new one, whole, and a failed write is one line naming it. The file-size limit
(``RLIMIT_FSIZE``) makes a real write fail after part of its bytes, as a full disk does."""

from __future__ import annotations

import hashlib
import resource
import signal

import pytest

from ctloop import artifacts
from ctloop.errors import CtloopError

OLD = hashlib.sha256(b"old model").hexdigest()
NEW = hashlib.sha256(b"new model").hexdigest()


@pytest.fixture
def size_limit():
    """Files of this process may grow to 20 bytes (EFBIG past it, SIGXFSZ ignored) inside the block."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    @__import__("contextlib").contextmanager
    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20, hard))
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

    try:
        yield limited
    finally:
        signal.signal(signal.SIGXFSZ, previous)


def test_a_receipt_write_cut_short_leaves_the_old_receipt_whole(tmp_path, size_limit):
    model = tmp_path / "model.joblib"
    model.write_bytes(b"old model")
    artifacts.write_receipt(model, OLD)
    with size_limit(), pytest.raises(CtloopError, match=r"model\.joblib\.sha256") as caught:
        artifacts.write_receipt(model, NEW)
    assert "\n" not in str(caught.value)
    assert artifacts.receipt(model) == OLD  # before: 20 bytes of NEW, "not a sha256" on every load
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.joblib", "model.joblib.sha256"]


def test_a_first_receipt_cut_short_leaves_none(tmp_path, size_limit):
    model = tmp_path / "model.joblib"
    with size_limit(), pytest.raises(CtloopError):
        artifacts.write_receipt(model, NEW)
    assert artifacts.receipt(model) == ""  # no receipt: the loader asks for the hash, never a broken one
    assert list(tmp_path.iterdir()) == []


def test_a_receipt_still_reads_back(tmp_path):
    model = tmp_path / "model.joblib"
    artifacts.write_receipt(model, NEW.upper() + " ")
    assert artifacts.receipt(model) == NEW
    assert (tmp_path / "model.joblib.sha256").read_text() == NEW + "\n"

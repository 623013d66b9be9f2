"""Round 58: ``--output /dev/stderr`` into a pipe whose reader is gone (``ctloop … --output /dev/stderr 2>&1 >/dev/null | true``).

Round 57 made a reader gone from our own standard output end quietly with SIGPIPE's status (141), as ``print``
does under ``| head``; the same write into our own standard error was wrapped as bad output, and its error line,
printed to that same closed pipe, raised a second BrokenPipeError out of ``main`` (exit 1, a traceback to nowhere).
Here fd 2 is dup2'd onto the write end of a pipe whose read end is closed, and restored after.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys

from ctloop.cli import main


@contextlib.contextmanager
def stderr_gone(monkeypatch):
    """fd 2 the write end of a pipe nobody reads (sys.stderr a text stream on it), restored after. Entered in
    the test's body: pytest's capture dup2s its own file onto fd 2 again when the call phase starts."""
    saved = os.dup(2)
    read, write = os.pipe()
    os.close(read)
    os.dup2(write, 2)
    os.close(write)
    monkeypatch.setattr(sys, "stderr", open(2, "w", buffering=1, closefd=False))  # noqa: SIM115 (line-buffered, as Python makes stderr)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def test_a_reader_gone_from_our_own_stderr_ends_quietly_as_for_stdout(monkeypatch):
    with stderr_gone(monkeypatch):
        code = main(["config", "docs", "--output", "/dev/stderr"])
    assert code == 128 + 13


def test_an_error_line_to_a_closed_stderr_still_exits_2(monkeypatch):
    # bad output with nobody reading stderr: the error's exit code, not a BrokenPipeError out of main
    with stderr_gone(monkeypatch):
        code = main(["config", "docs", "--output", "/proc/ctloop-r58.md"])
    assert code == 2


class _NoSpace(io.RawIOBase):
    """A double of ``2>/dev/full``: every write fails with ENOSPC, as Linux's full device answers
    (drivers/char/mem.c, ``write_full``: ``return -ENOSPC``); its descriptor is /dev/null of its own."""

    def __init__(self):
        self.fd = os.open(os.devnull, os.O_WRONLY)

    def writable(self):
        return True

    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    def fileno(self):
        return self.fd

    def close(self):
        if not self.closed:
            os.close(self.fd)
        super().close()


def test_an_error_line_to_a_full_stderr_still_exits_2(monkeypatch):
    # ctloop config docs --output /proc/nope.md 2>/dev/full: the error line's ENOSPC (an OSError, not a
    # BrokenPipeError) came out of main: exit 1 instead of the bad output's 2
    stream = io.TextIOWrapper(io.BufferedWriter(_NoSpace()), line_buffering=True)
    monkeypatch.setattr(sys, "stderr", stream)
    try:
        assert main(["config", "docs", "--output", "/proc/ctloop-r58.md"]) == 2
    finally:
        monkeypatch.undo()
        with contextlib.suppress(OSError):
            stream.close()

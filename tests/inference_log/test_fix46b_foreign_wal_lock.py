"""A WAL lock file another user owns (review r46 B #1).

``Sink.lock_wal`` opened ``<wal>/.lock`` read-write outside its error handling: a lock file left
``0644`` by another user (a sink run as root before one run as a non-root user, a new
``runAsUser`` on an ``fsGroup`` volume) made ``ctloop logger serve`` die with a ``PermissionError``
traceback (exit 1) where the sink started before round 46. Now such a file is opened read-only
(``flock`` locks a read-only descriptor alike; the holder's pid is just not written) and the sink
starts, still refusing a second sink on the directory; a lock file it cannot open at all is one
line naming ``--wal`` and the file, exit 2.

The condition is real: the file belongs to another user (as root: the sink runs as ``nobody`` in a
child process; otherwise: the file is made read-only for its owner).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

PR_CAPBSET_DROP = 24  # linux/prctl.h
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2  # linux/capability.h: what lets root open any file


def _without_file_override() -> None:  # pragma: no cover - runs in the child before exec
    """As root: drop the capabilities that let root ignore a file's mode from the bounding set, so
    the child (still uid 0, still able to run this interpreter) is refused a ``0444`` file for
    writing as any other user is."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _run_as_other_user(code: str, tmp_path) -> subprocess.CompletedProcess:
    """``code`` run by a Python that may not write ``tmp_path``'s lock file (skipped when this
    cannot be arranged)."""
    probe = f"""
        import os, sys
        try:
            os.close(os.open({str(tmp_path / "wal" / ".lock")!r}, os.O_WRONLY))
        except PermissionError:
            pass
        else:
            sys.exit(3)
        """
    code = textwrap.dedent(probe) + textwrap.dedent(code)
    preexec = _without_file_override if os.geteuid() == 0 else None
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            preexec_fn=preexec,
        )
    except subprocess.SubprocessError as exc:  # prctl refused (no CAP_SETPCAP)
        pytest.skip(f"cannot drop the capability to override file modes: {exc}")
    if done.returncode == 3:
        pytest.skip("cannot make a lock file this user may not write")
    return done


def _foreign_lock(tmp_path, mode: int):
    wal = tmp_path / "wal"
    wal.mkdir()
    lock = wal / ".lock"
    lock.write_text("1\n")
    lock.chmod(mode)  # another user's file as the sink sees it: readable (0444) or not (0000)
    return wal


def test_a_read_only_lock_file_of_another_user_still_locks(tmp_path):
    wal = _foreign_lock(tmp_path, 0o444)
    done = _run_as_other_user(
        f"""
        from ctloop.errors import ConfigError
        from ctloop.inference_log.sink import Sink
        first = Sink({str(tmp_path / "log")!r}, {str(wal)!r})
        first.lock_wal()
        try:
            Sink({str(tmp_path / "log")!r}, {str(wal)!r}).lock_wal()
        except ConfigError as exc:
            print("refused:", exc)
        else:
            print("second sink not refused")
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr  # before: PermissionError traceback
    assert done.stdout.startswith("refused: --wal "), done.stdout
    # the pid left in the file is an old run's, not the holder's (which could not write its own):
    # before the review fix (r46 2B #2) the refusal named it as the holder, "(pid 1)"
    assert (
        "in use by another sink (pid unknown: the lock file belongs to another user "
        "(it last named pid 1))" in done.stdout
    ), done.stdout


def test_a_lock_file_that_cannot_be_opened_is_one_line_exit_2(tmp_path):
    wal = _foreign_lock(tmp_path, 0o000)
    done = _run_as_other_user(
        f"""
        import sys
        from ctloop.cli import main
        sys.exit(main(["logger", "serve", "--root", {str(tmp_path / "log")!r}, "--wal", {str(wal)!r},
                       "--port", "65431"]))
        """,
        tmp_path,
    )
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"--wal {str(wal)!r}" in lines[0] and str(wal / ".lock") in lines[0], lines[0]


def test_a_lock_path_that_is_a_directory_is_one_line(tmp_path):
    from ctloop.errors import ConfigError
    from ctloop.inference_log.sink import Sink

    wal = tmp_path / "wal"
    (wal / ".lock").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"--wal .*cannot open its lock file .*\.lock"):
        Sink(str(tmp_path / "log"), str(wal)).lock_wal()

"""``ctloop logger serve`` whose --wal cannot be created is one line and exit 2, not a traceback.

Found trying docs/inference-log.md's ``ctloop logger serve --root /tmp/log`` with a --wal under a
stale symlink (a volume mount gone, a renamed directory): the option check walks up to the
nearest existing directory (the symlink's parent, writable) and passes, then the sink's
``mkdir(parents=True)`` met the dangling link and the command ended in ``FileExistsError``'s
traceback, exit 1 (a --root there started, and would have failed at its first flush). The option
check now refuses a dangling symlink on the way, for both, and the sink refuses a WAL directory it
cannot create for any other reason in one line naming --wal, before anything listens.
"""

from __future__ import annotations

import socket

import pytest

from ctloop.cli import main


def _serve(*flags):
    # a port already bound: had the options passed, serving could not start either (no test left listening)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        return main(["logger", "serve", *flags, "--port", str(taken.getsockname()[1])])


@pytest.mark.parametrize("flag", ["--wal", "--root"])
def test_a_directory_under_a_dangling_symlink_is_one_line(tmp_path, capsys, flag):
    (tmp_path / "mnt").symlink_to(tmp_path / "gone")
    paths = {"--wal": str(tmp_path / "wal"), "--root": str(tmp_path / "log")}
    paths[flag] = str(tmp_path / "mnt" / "x")
    code = _serve("--root", paths["--root"], "--wal", paths["--wal"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err == (
        f"error: {flag} {paths[flag]!r}: {str(tmp_path / 'mnt')!r} is a symlink to "
        f"{str(tmp_path / 'gone')!r}, which does not exist\n"
    ), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnt"]


def test_a_wal_the_sink_cannot_create_is_one_line(tmp_path):
    from ctloop.errors import ConfigError
    from ctloop.inference_log.sink import Sink

    # a file where the WAL directory goes: what the option check passed, changed since (a race)
    (tmp_path / "wal").write_text("")
    sink = Sink(str(tmp_path / "log"), str(tmp_path / "wal" / "x"))
    with pytest.raises(
        ConfigError, match=r"^--wal '.*/wal/x': cannot create it \(.*: .*/wal/x\); give a directory"
    ):
        sink.lock_wal()


def test_a_symlink_loop_is_named_a_loop(tmp_path, capsys):
    # review, stop 56: a loop (mnt -> loop2 -> mnt) was "a symlink to 'loop2', which does not exist"
    (tmp_path / "mnt").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "mnt")
    code = _serve("--root", str(tmp_path / "log"), "--wal", str(tmp_path / "mnt" / "x"))
    err = capsys.readouterr().err
    assert code == 2, err
    assert err == f"error: --wal {str(tmp_path / 'mnt' / 'x')!r}: {str(tmp_path / 'mnt')!r} is a symlink loop\n", err


def test_a_wal_symlinked_to_a_file_is_not_called_missing(tmp_path):
    from ctloop.errors import ConfigError
    from ctloop.inference_log.sink import Sink

    # review, stop 56: a WAL path that is a symlink to an existing file was "a symlink to …, which does not exist"
    (tmp_path / "file").write_text("")
    (tmp_path / "wal").symlink_to(tmp_path / "file")
    sink = Sink(str(tmp_path / "log"), str(tmp_path / "wal"))
    with pytest.raises(ConfigError) as err:
        sink.lock_wal()
    assert "does not exist" not in str(err.value), err.value
    assert str(err.value).startswith(f"--wal {str(tmp_path / 'wal')!r}: cannot create it ("), err.value

"""``ctloop logger serve`` whose --wal cannot be created is one line and exit 2, not a traceback.

Found trying docs/inference-log.md's ``ctloop logger serve --root /tmp/log`` with a --wal under a
stale symlink (a volume mount gone, a renamed directory): the option check walks up to the
nearest existing directory (the symlink's parent, writable) and passes, then the sink's
``mkdir(parents=True)`` met the dangling link and the command ended in ``FileExistsError``'s
traceback, exit 1. The sink now refuses a WAL directory it cannot create in one line naming --wal,
before anything listens.
"""

from __future__ import annotations

import socket

from ctloop.cli import main


def test_a_wal_under_a_dangling_symlink_is_one_line(tmp_path, capsys):
    (tmp_path / "mnt").symlink_to(tmp_path / "gone")
    wal = str(tmp_path / "mnt" / "wal")
    root = str(tmp_path / "log")
    # a port already bound: had the WAL passed, serving could not start either (no test left listening)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code = main(["logger", "serve", "--root", root, "--wal", wal, "--port", port])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert err.startswith(f"error: --wal {wal!r}: cannot create it ("), err
    assert f"{tmp_path / 'mnt'} is a symlink to {tmp_path / 'gone'}, which does not exist" in err, (
        err
    )
    assert not (tmp_path / "log").exists()

"""Round 57 review of the data work (r57-data-fix).

* A local write (``storage.write_bytes``: ``config docs --output``, ``generate-data --output``, ``score --output``,
  drift.json, receipts, logger files) and a compiled pipeline moved into place made a temporary file and renamed it
  over the name: a FIFO or a character device the user named became a regular file, exit 0 (it replaced /dev/full on
  the review's machine), ``--output /dev/stdout`` failed (its link resolved to ``pipe:[N]``), and a dangling link
  made its target's missing folders. Device nodes here are made with mknod in a tmp folder, never /dev's own;
  ``c 1 3`` is Linux's null device, ``c 1 7`` its full device (Documentation/admin-guide/devices.txt).
"""

from __future__ import annotations

import os
import socket
import stat
import sys
import threading

import pytest

from ctloop import compiler, storage
from ctloop.cli import main
from ctloop.errors import ConfigError


def _node(tmp_path, name, kind, major, minor):
    path = tmp_path / name
    try:
        os.mknod(path, kind | 0o666, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("mknod needs CAP_MKNOD")
    return path


def test_a_fifo_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "out.md"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    storage.write_bytes(str(fifo), b"the docs\n")
    reader.join(5)
    assert got == [b"the docs\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["out.md"]  # no temporary file left


def test_a_character_device_is_written_into_and_a_full_one_is_one_line_exit_2(tmp_path, capsys):
    null = _node(tmp_path, "null", stat.S_IFCHR, 1, 3)
    storage.write_bytes(str(null), b"x")
    assert stat.S_ISCHR(os.stat(null).st_mode)
    full = _node(tmp_path, "full", stat.S_IFCHR, 1, 7)
    assert main(["config", "docs", "--output", str(full)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: --output {full}: cannot write {full}: No space left on device\n"
    assert stat.S_ISCHR(os.stat(full).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["full", "null"]


def test_dev_stdout_writes_into_the_pipe_standard_output_is(monkeypatch):
    read_end, write_end = os.pipe()
    saved = os.dup(1)
    os.dup2(write_end, 1)
    os.close(write_end)
    # the pipe, as a shell gives it
    monkeypatch.setattr(sys, "stdout", open(1, "w", closefd=False))  # noqa: SIM115
    try:
        code = main(["config", "docs", "--output", "/dev/stdout"])
        sys.stdout.flush()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    with open(read_end, "rb") as pipe:
        text = pipe.read().decode()
    assert code == 0
    assert text.startswith("# ") and text.endswith("\n") and "wrote /dev/stdout" not in text


@pytest.mark.parametrize("kind", ["socket", "block device"])
def test_a_socket_or_block_device_is_refused_untouched(kind, tmp_path):
    path = tmp_path / "node"
    if kind == "socket":
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))
    else:
        # a loop device's numbers: stat'ed, never opened
        path = _node(tmp_path, "node", stat.S_IFBLK, 7, 0)
    with pytest.raises(ConfigError, match=f"^cannot write {path}: it is a {kind}, not a file"):
        storage.write_bytes(str(path), b"x")
    assert os.listdir(tmp_path) == ["node"]


def test_a_dangling_link_into_a_missing_folder_is_refused_not_made(tmp_path):
    link = tmp_path / "latest.csv"
    link.symlink_to(tmp_path / "runs" / "3" / "data.csv")
    said = r"it is a symlink to .*/runs/3/data.csv, whose folder .*/runs/3 does not"
    with pytest.raises(ConfigError, match=said):
        storage.write_bytes(str(link), b"x")
    assert os.listdir(tmp_path) == ["latest.csv"]
    # a dangling link into a folder that exists: written through
    (tmp_path / "runs" / "3").mkdir(parents=True)
    storage.write_bytes(str(link), b"x")
    assert (tmp_path / "runs" / "3" / "data.csv").read_bytes() == b"x" and link.is_symlink()


def test_a_compiled_pipeline_goes_into_a_device_and_not_through_a_dangling_link(tmp_path):
    null = _node(tmp_path, "retrain.yaml", stat.S_IFCHR, 1, 3)
    work = tmp_path / "work.yaml"
    work.write_text("a: 1\n")
    compiler._move_into_place(work, null)
    assert stat.S_ISCHR(os.stat(null).st_mode)
    link = tmp_path / "evaluate.yaml"
    link.symlink_to(tmp_path / "gone" / "evaluate.yaml")
    said = "it is a symlink to .*, whose folder .*/gone does not exist"
    with pytest.raises(ConfigError, match=said):
        compiler._staged(lambda: None, link, None, ())
    assert not (tmp_path / "gone").exists()

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
    # the reader opens first, as a shell's `cat fifo &` does before the writer starts: a reader thread
    # that had not reached its open() yet found the write refused (a FIFO no process reads, round 57)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        storage.write_bytes(str(fifo), b"the docs\n")
        got = [os.read(reader, 100)]
    finally:
        os.close(reader)
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


# A data file of a table named on its own (storage.refuse_table_file) was looked for a table above it in every
# folder up to '/', whatever its format. Delta writes Parquet data files only, in its root, partition folders
# (key=value) and random 2-character prefix folders, never a hidden one (delta-io/delta v4.4.0 PROTOCOL.md "Data
# Files"; TransactionalWrite.getCommitter); Iceberg's go under data/ (apache/iceberg, LocationProviders).
def _tree(root, *names):
    for name in names:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
    return root


# no table writes CSV; proj/ and out/ are no partition, prefix or data/; a hidden folder holds no data file
@pytest.mark.parametrize(
    "made, named",
    [
        (("_delta_log/", "proj/c.csv"), "proj/c.csv"),
        (("_delta_log/", "proj/pq/train.parquet"), "proj/pq/train.parquet"),
        (("metadata/run.metadata.json", "out/ref.csv"), "out/ref.csv"),
        (("metadata/run.metadata.json", "out/ref.parquet"), "out/ref.parquet"),
        (("_delta_log/", "_exports/s.parquet"), "_exports/s.parquet"),
    ],
)
def test_a_file_beside_a_table_log_but_in_no_table_folder_is_read(made, named, tmp_path):
    _tree(tmp_path, *made)
    storage.refuse_table_file(str(tmp_path / named))


@pytest.mark.parametrize(
    "named",
    [
        "part-0.parquet",
        "Ab/part-0.parquet",
        "Xy/part-0.parquet",
        "region=eu/day=1/part-0.parquet",
    ],
)
def test_a_delta_data_file_in_its_root_partition_or_prefix_folder_is_refused(named, tmp_path):
    _tree(tmp_path, "_delta_log/", named)
    with pytest.raises(ConfigError, match=f"is a data file of {tmp_path}, a Delta Lake table"):
        storage.refuse_table_file(str(tmp_path / named))


def test_a_file_of_a_delta_log_is_said_to_be_the_log_not_a_data_file(tmp_path):
    named = "_delta_log/00000000000000000010.checkpoint.parquet"
    _tree(tmp_path, named)
    said = (
        rf"is a file of the log of the Delta Lake table {tmp_path} \(its _delta_log/\), not a data"
    )
    with pytest.raises(ConfigError, match=said):
        storage.refuse_table_file(str(tmp_path / named))


def test_a_physical_name_is_col_and_a_version_4_uuid():
    named = storage.DELTA_PHYSICAL_NAME.fullmatch
    assert named("col-a7f4159c-53be-4cb0-b81a-f7e5240cfc49")  # PROTOCOL.md's example
    assert not named("col-a7f4159c-53be-1cb0-b81a-f7e5240cfc49")  # version 1
    assert not named("col-a7f4159c-53be-4cb0-781a-f7e5240cfc49")  # variant 0


def test_a_hudi_date_partitions_file_is_still_refused_by_its_marker(tmp_path):
    # Hudi's default partition path 2025/01/01 has no key=value level to go up through; its
    # .hoodie_partition_metadata marker (apache/hudi HoodiePartitionMetadata) says what it is
    _tree(tmp_path, ".hoodie/", "2025/01/01/.hoodie_partition_metadata", "2025/01/01/f1.parquet")
    with pytest.raises(
        ConfigError, match=r"a partition of an Apache Hudi table \(.hoodie_partition_metadata"
    ):
        storage.refuse_table_file(str(tmp_path / "2025/01/01/f1.parquet"))

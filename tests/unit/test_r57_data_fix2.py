"""Round 57's second review of the data work (r57-data-fix2).

* Any 2-character folder (``eu``, ``us``, ``v1``, ``01``) was taken for Delta's random prefix and started the upward
  walk, each level asked for Delta, Hudi and Iceberg: ``proj/eu/`` was refused as inside ``proj``, "an Apache
  Iceberg table", for ``proj/metadata/run.metadata.json``. Delta puts the prefix directly under the table's root
  and uses it instead of the partition folder (delta-io/delta v4.4.0 ``DelayedCommitProtocol.newTaskTempFile``:
  ``randomPrefixLength.map(getRandomPrefix).orElse(dir)``), so only the innermost such folder is one, and only its
  parent is asked, only for ``_delta_log/``.
* Writes into standard output (``--output /dev/stdout``) reopened it (a new offset) and the "wrote" lines went to
  standard output too; a FIFO no process reads made the write wait forever. Below, fd 1 is dup2'd onto a file as
  a shell's ``>`` makes it; FIFOs are made with mkfifo in a tmp folder, never under /dev.
"""

from __future__ import annotations

import os
import stat
import sys

import pandas as pd
import pytest

from ctloop import compiler, storage
from ctloop.cli import main
from ctloop.errors import ConfigError


def _tree(root, *names):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PAR1")  # not empty: an empty file is scratch
    return root


def test_a_two_character_folder_beside_an_iceberg_metadata_folder_is_read(tmp_path):
    _tree(tmp_path, "proj/metadata/run.metadata.json")
    (tmp_path / "proj/eu").mkdir()
    pd.DataFrame({"x": [1, 2]}).to_csv(tmp_path / "proj/eu/a.csv", index=False)
    assert storage.read_table(f"{tmp_path}/proj/eu/")["x"].tolist() == [
        1,
        2,
    ]  # refused as Iceberg before


@pytest.mark.parametrize("log", ["metadata/run.metadata.json", ".hoodie/hoodie.properties"])
def test_a_file_in_a_two_character_folder_is_no_iceberg_or_hudi_data_file(log, tmp_path):
    _tree(tmp_path, log, "us/part-0.parquet")
    storage.refuse_table_file(str(tmp_path / "us/part-0.parquet"))


def test_a_random_prefix_is_a_level_only_innermost_and_its_parent_is_the_root():
    assert storage.table_level("Ab", innermost=True) == "prefix"
    assert storage.table_level("Ab") is None  # above another level: Delta writes none there
    assert storage.table_level("region=eu") == storage.table_level("data") == "level"
    assert storage.table_level("_x", innermost=True) is None


def test_a_delta_random_prefix_folder_and_its_file_are_still_refused(tmp_path):
    _tree(tmp_path, "t/_delta_log/00000000000000000000.json", "t/Ab/part-0.parquet")
    with pytest.raises(ConfigError, match="a Delta Lake table"):
        storage.read_table(f"{tmp_path}/t/Ab/")
    with pytest.raises(ConfigError, match=f"is a data file of {tmp_path}/t, a Delta Lake table"):
        storage.refuse_table_file(str(tmp_path / "t/Ab/part-0.parquet"))


def test_a_two_character_folder_under_a_partition_does_not_walk_up(tmp_path):
    # eu is innermost, its parent day=1 is asked for _delta_log only; the table above it is not reached
    _tree(tmp_path, "_delta_log/00000000000000000000.json", "day=1/eu/part-0.parquet")
    storage.refuse_table_file(str(tmp_path / "day=1/eu/part-0.parquet"))


# * ``generate-data --output /dev/stdout > g.bin`` wrote "wrote 200 rows to /dev/stdout …" on top of the Parquet
#   bytes (exit 0, pyarrow could not read it), and ``{ echo HEADER; ctloop config docs --output /dev/stdout; echo
#   FOOTER; } > grp.md`` had FOOTER over the docs' start: /dev/stdout was reopened for appending, a new file offset
#   beside the shell's. Now our own descriptor is written at its offset and the "wrote" lines go to stderr.
@pytest.fixture
def stdout_on(monkeypatch, capsys):
    """A function that dup2s fd 1 onto the file given (as a shell's ``>`` makes it), sys.stdout a text stream on
    fd 1, and one that gives what was written to sys.stderr (capsys's)."""
    saved = os.dup(1)

    def redirect(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT)
        os.dup2(fd, 1)
        os.close(fd)
        monkeypatch.setattr(sys, "stdout", open(1, "w", closefd=False))  # noqa: SIM115

    yield redirect, lambda: capsys.readouterr().err
    sys.stdout.flush()
    os.dup2(saved, 1)
    os.close(saved)


def test_generate_data_into_dev_stdout_is_parquet_alone(stdout_on, tmp_path):
    import pyarrow.parquet as pq

    redirect, stderr = stdout_on
    redirect(tmp_path / "g.bin")
    assert main(["generate-data", "--rows", "200", "--output", "/dev/stdout"]) == 0
    sys.stdout.flush()
    assert pq.read_table(tmp_path / "g.bin").num_rows == 200  # not a Parquet file on main
    assert stderr().startswith("wrote 200 rows to /dev/stdout\n")


@pytest.mark.parametrize("named", ["/dev/stdout", "/dev/fd/1", "the file itself"])
def test_config_docs_into_standard_output_keeps_the_shells_offset(named, stdout_on, tmp_path):
    redirect, stderr = stdout_on
    grp = tmp_path / "grp.md"
    redirect(grp)
    os.write(
        1, b"HEADER\n"
    )  # { echo HEADER; ctloop config docs --output /dev/stdout; echo FOOTER; } > grp.md
    output = str(grp) if named == "the file itself" else named
    assert main(["config", "docs", "--output", output]) == 0
    os.write(1, b"FOOTER\n")
    text = grp.read_text()
    assert text.startswith("HEADER\n# ") and text.endswith(
        "\nFOOTER\n"
    )  # FOOTER over the docs' start on main
    assert text.count("FOOTER") == 1 and "wrote" not in text
    assert stderr() == f"wrote {output}\n"


@pytest.fixture
def no_hang():
    """A write that waits for a FIFO's reader raises TimeoutError after 10 s instead of hanging the suite."""
    import signal

    def expired(signum, frame):
        raise TimeoutError("waited 10 s for a FIFO's reader")

    before = signal.signal(signal.SIGALRM, expired)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, before)


def test_a_fifo_no_process_reads_is_one_line_exit_2(no_hang, tmp_path, capsys):
    fifo = tmp_path / "ff"
    os.mkfifo(fifo)
    assert main(["config", "docs", "--output", str(fifo)]) == 2  # waited forever on main
    err = capsys.readouterr().err
    assert (
        err
        == f"error: --output {fifo}: cannot write {fifo}: no process reads the FIFO {fifo}: start its reader first\n"
    )
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_compile_all_refuses_a_fifo_no_process_reads_before_compiling(no_hang, tmp_path):
    os.mkfifo(tmp_path / "continuous-training.yaml")
    with pytest.raises(ConfigError, match="no process reads the FIFO"):
        compiler.compile_all(tmp_path)
    assert os.listdir(tmp_path) == ["continuous-training.yaml"]


def _pipe_on_stdout(monkeypatch):
    """fd 1 made the write end of a new pipe (sys.stdout a text stream on it); its read end returned."""
    read, write = os.pipe()
    os.dup2(write, 1)
    os.close(write)
    monkeypatch.setattr(sys, "stdout", open(1, "w", closefd=False))  # noqa: SIM115
    return read


def test_a_reader_gone_from_our_own_stdout_ends_quietly_as_with_head(stdout_on, monkeypatch, capsys):
    # `ctloop config docs --output /dev/stdout | true`: the EPIPE of the write into our own descriptor was
    # wrapped as bad output ("error: ... Broken pipe", exit 2) where `| head` ends quietly with SIGPIPE's
    # status (review of round 57)
    os.close(_pipe_on_stdout(monkeypatch))
    assert main(["config", "docs", "--output", "/dev/stdout"]) == 128 + 13
    assert "error" not in capsys.readouterr().err


def test_our_own_stdout_left_non_blocking_by_a_parent_gets_every_byte(stdout_on, monkeypatch):
    # a parent (node, some CI runners) may leave fd 1 non-blocking: the write stopped at the pipe's
    # 65,536 bytes with "Resource temporarily unavailable", exit 2 (review of round 57)
    import fcntl
    import threading

    read = _pipe_on_stdout(monkeypatch)
    fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK)
    got = bytearray()

    def drain():
        while chunk := os.read(read, 65536):
            got.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    data = bytes(range(256)) * 4096  # 1 MiB
    try:
        assert storage.write_through(storage.Path("/dev/stdout"), data, "/dev/stdout")
    finally:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)  # fd 1 was the pipe's last write end: the reader sees its end
        os.close(null)
        reader.join(timeout=10)
        os.close(read)
    assert bytes(got) == data

"""Hostile input at the data-reading boundary and the CLI, round 57 (r57-data).

* A data file of a Delta Lake table named on its own (``t/part-….parquet``, or ``t/Ab/part-….parquet`` under
  column mapping) was read as a plain Parquet file, where its folder and a glob of its files are refused: a file
  the log may have removed, and under column mapping mode ``name`` or ``id`` its columns are the physical
  ``col-<uuid>`` names, not the table's (``ctloop drift`` compared ``col-5f42…`` columns, exit 0). The layout is
  delta-io/delta v4.4.0's: PROTOCOL.md "Data Files" (any non-hidden directory below the root), "Column Mapping"
  (``delta.columnMapping.physicalName``, its example's ``col-a7f4159c-…``), ``DeltaColumnMapping.
  generatePhysicalName`` (``"col-" + UUID.randomUUID()``) and ``TransactionalWrite.getCommitter`` ("We force the
  use of random prefixes in column mapping modes": ``delta.randomPrefixLength``, 2 alphanumeric characters).
  Such a file is refused naming the table's folder (``storage.refuse_table_file``); an object's parents are
  asked only when its columns are physical names.
"""

from __future__ import annotations

import io
import json
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import ConfigError, DriftError

_PHYSICAL = (
    "col-a7f4159c-53be-4cb0-b81a-f7e5240cfc49"  # PROTOCOL.md's example physical name (v4.4.0)
)
_PART = "Ab/part-00000-3935a07c-416b-4344-ad97-2a38342ee2fc.c000.snappy.parquet"  # a random prefix dir, as Delta's


def _mapped_table(put) -> None:
    """A Delta table in column mapping mode 'name' (``put(name, bytes)``): its schema shows ``income``, its one
    data file, in a random prefix directory, holds the column under its physical name (PROTOCOL.md v4.4.0,
    "Column Mapping" and "Change Metadata")."""
    field = {"name": "income", "type": "double", "nullable": True,
             "metadata": {"delta.columnMapping.id": 1, "delta.columnMapping.physicalName": _PHYSICAL}}  # fmt: skip
    commit = [
        {"protocol": {"minReaderVersion": 2, "minWriterVersion": 5}},
        {"metaData": {"id": str(uuid.uuid4()), "format": {"provider": "parquet", "options": {}},
                      "schemaString": json.dumps({"type": "struct", "fields": [field]}), "partitionColumns": [],
                      "configuration": {"delta.columnMapping.mode": "name", "delta.columnMapping.maxColumnId": "1"}}},
        {"add": {"path": _PART, "partitionValues": {}, "size": 1, "modificationTime": 0, "dataChange": True}},
    ]  # fmt: skip
    out = io.BytesIO()
    pq.write_table(pa.table({_PHYSICAL: [float(i) for i in range(40)]}), out)
    put(_PART, out.getvalue())
    put(
        "part-00001-0b9e.c000.snappy.parquet", out.getvalue()
    )  # a file at the root, as without column mapping
    put(
        "_delta_log/00000000000000000000.json",
        "".join(json.dumps(a) + "\n" for a in commit).encode(),
    )


def _local_table(root) -> None:
    def put(name: str, data: bytes) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)

    _mapped_table(put)


def test_a_delta_tables_data_file_named_on_its_own_is_refused_naming_the_table(tmp_path, capsys):
    table = tmp_path / "t"
    _local_table(table)
    said = f" is a data file of {table}, a Delta Lake table (its _delta_log/"
    # was read: 40 rows of 'col-a7f4…'; the prefix folder's file by both readers, the root's by one (the CLI below
    # reads through the other)
    for name, read in ((_PART, storage.read_table), ("part-00001-0b9e.c000.snappy.parquet", storage.read_table),
                       (_PART, streaming.open_source)):  # fmt: skip
        with pytest.raises(ConfigError) as refused:
            read(str(table / name))
        assert str(refused.value).startswith(f"{table / name}{said}"), str(refused.value)
    (tmp_path / "ref.csv").write_text("income\n" + "".join(f"{i}\n" for i in range(40)))
    code = main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(table / _PART),
                 "--quiet", "--no-report", "--output", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and not (tmp_path / "out").exists(), err
    assert err.startswith(f"error: --current: {table / _PART}{said}; its columns are the table's physical names "
                          f"({_PHYSICAL}: column mapping)") and err.count("\n") == 1, err  # fmt: skip


def test_physical_names_alone_refuse_a_file_copied_out_of_its_table(tmp_path):
    table = tmp_path / "t"
    _local_table(table)
    copied = tmp_path / "copy.parquet"  # no _delta_log above it: its names still say what it is
    copied.write_bytes((table / _PART).read_bytes())
    for read in (storage.read_table, streaming.open_source):
        with pytest.raises(ConfigError, match=f"^{copied} is a data file of a Delta Lake table, its columns are the "
                                              rf"table's physical names \({_PHYSICAL}: column mapping\)"):  # fmt: skip
            read(str(copied))
    plain = tmp_path / "plain.parquet"  # a name like it that is no UUID reads
    pq.write_table(pa.table({"col-1": [1.0]}), plain)
    assert list(storage.read_table(str(plain)).columns) == ["col-1"]


def test_an_objects_physical_names_find_its_table_above_it(moto_fs, on_moto):
    from tests.unit.test_r56_data import _bucket

    objects: dict[str, bytes] = {}
    _mapped_table(lambda name, data: objects.__setitem__(f"exports/t/{name}", data))
    bucket = _bucket(moto_fs, objects)
    uri = f"s3://{bucket}/exports/t/{_PART}"
    for read in (storage.read_table, streaming.open_source):
        with pytest.raises(ConfigError) as refused:  # read on main
            read(uri)
        assert str(refused.value).startswith(
            f"{uri} is a data file of s3://{bucket}/exports/t/, a Delta Lake table (its _delta_log/; its columns are "
            f"the table's physical names ({_PHYSICAL}"
        ), str(refused.value)


# ---------------------------------------------------------------------------- --max-categories
def test_max_categories_is_set_by_ctloop_drift_and_named_where_a_column_meets_it(tmp_path, capsys):
    """A categorical column past ``max_categories`` (16384) is counted in hash buckets, its score approximate,
    and no flag set the limit (docs/drift.md spoke of ``--max-categories``; ``ctloop drift`` refused it as an
    unrecognized argument on main). The flag sets it, bounded as ``DriftState`` is (``MAX_CATEGORIES``), and the
    approximate score's detail says where to raise it."""
    import argparse

    import pandas as pd

    from ctloop.cli.drift import max_categories
    from ctloop.drift.streaming import MAX_CATEGORIES, DriftState

    values = "c\n" + "".join(f"v{i % 100}\n" for i in range(400))
    (tmp_path / "ref.csv").write_text(values)
    (tmp_path / "cur.csv").write_text(values)
    code = main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
                 "--engine", "stream", "--quiet", "--no-report", "--max-categories", "64",
                 "--output", str(tmp_path / "out")])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    detail = json.loads((tmp_path / "out" / "drift.json").read_text())["columns"][0]["detail"]
    assert detail.endswith(
        "; approximate: more than 64 distinct values, counted in hash buckets (max_categories; "
        f"ctloop drift --max-categories, at most {MAX_CATEGORIES:,})"
    ), detail
    # the setting the hashed column met, not the sketch size (r57-data-fix: "(sketch size 16384)" was said)
    assert "; 1 of 1 scores approximate (max categories 64, --max-categories)\n" in out.out, out.out
    run = streaming.detect_sources(str(tmp_path / "ref.csv"), str(tmp_path / "cur.csv"), max_categories=128)
    assert not run.result.columns[0].approximate  # 100 values counted exactly
    with pytest.raises(argparse.ArgumentTypeError) as refused:  # beyond the library's bound: the flag's one line
        max_categories(str(MAX_CATEGORIES + 1))
    assert str(refused.value).startswith(
        f"must be a whole number in 64..{MAX_CATEGORIES}, got '{MAX_CATEGORIES + 1}': at 100 bytes a count that "
        "is up to 200 MB for each categorical column"
    ), str(refused.value)
    # a value it cannot hash past the limit: the refusal says where to count more exactly
    state = DriftState(max_categories=64)
    chunk = pd.DataFrame({"b": pd.Series([f"n{i}" for i in range(70)] + [(1, 2)], dtype=object)})
    with pytest.raises(DriftError, match=r"or count more values exactly \(max_categories; ctloop drift "
                                        r"--max-categories, at most 2,000,000\)$"):  # fmt: skip
        state.update(chunk)


# ---------------------------------------------------------------------------- the CLI's hostile paths
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_pipe_or_device_named_as_a_table_is_said_to_be_one(kind, tmp_path, capsys):
    """The stream engine (drift, score) said a named pipe (``--reference <(zcat ref.csv.gz)``) or ``/dev/null``
    "does not exist as a file and is an empty directory": Arrow types it neither file nor directory, and the
    directory lister found nothing. It is named for what it is (the engine reads a file more than once)."""
    import os
    import stat

    if kind == "fifo":
        path = str(tmp_path / "ref.csv")
        os.mkfifo(path)  # no writer: never opened, so no hang
        said = "a named pipe (a FIFO; a shell's <(...) is one)"
    else:  # a null device of its own (c 1 3), never /dev's
        path, said = str(tmp_path / "null"), "a device"
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("mknod needs CAP_MKNOD")
    (tmp_path / "cur.csv").write_text("x\n1\n")
    code = main(["drift", "--reference", path, "--current", str(tmp_path / "cur.csv"), "--quiet", "--no-report"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err == (
        f"error: --reference: {path} is {said}, not a file: ctloop reads a file more than once (its schema, then "
        "its rows batch by batch; drift with either engine, score); write the data to a file and name that\n"
    ), err


@pytest.mark.parametrize(
    "argv, said",
    [
        (["rollout", "canary", "--isvc", "m", "--percent", "０.5"], "argument --percent: must be a whole number in 0..100, got '０.5'"),
        (["drift", "--reference", "r", "--current", "c", "--batch-rows", "٠"], "argument --batch-rows: must be a whole number >= 1, got '٠'"),
        (["generate-data", "--rows", "９９９９９９９"], "argument --rows: must be a whole number in 1..5000000, got '９９９９９９９'"),
        (["runs", "--timeout", "٠"], "argument --timeout: must be a number of seconds > 0, got '٠'"),
    ],
)  # fmt: skip
def test_a_number_in_other_digits_is_not_told_to_become_a_value_refused_too(argv, said, capsys):
    """A number flag refused '０.5' for ``--percent`` telling the user to "(write 0.5)", '٠' for ``--batch-rows``
    "(write 0)", and 9999999 in full-width digits for ``--rows`` "(write 9999999)": each refused again once
    written in 0-9 (as ``CTLOOP_LOG_*`` variables were, round 54's review). The ASCII form is checked first: the
    refusal is the flag's rule; a value it takes is still told how to write it (``'٣'``: "(write 3)")."""
    with pytest.raises(SystemExit) as refused:
        main(argv)
    err = capsys.readouterr().err
    assert refused.value.code == 2 and said in err and "(write" not in err, err


def _unstatable(tmp_path) -> tuple[str, str]:
    """(a directory, a name below it that this process may list but not stat): a directory without search
    permission (not as root), else ``/proc/1``'s ``cwd`` where the kernel refuses it (a container's root)."""
    import os

    if os.geteuid() != 0:
        locked = tmp_path / "d" / "locked"
        locked.mkdir(parents=True)
        (locked / "x.csv").write_text("a\n1\n")
        locked.chmod(0o600)  # listable, not searchable: stat of x.csv is EACCES
        return str(tmp_path / "d"), str(locked / "x.csv")
    try:
        os.stat("/proc/1/cwd")
    except PermissionError:
        return "/proc/1", "/proc/1/cwd"
    pytest.skip("root here may stat every name: no name to refuse")


def test_a_directory_holding_a_name_that_cannot_be_looked_at_is_one_line(tmp_path, capsys):
    """``read_table`` of a directory (backtest --data, labels ingest --labels) listed its names and asked each
    ``is_file()``, which raises for EACCES (pathlib ignores ENOENT, ENOTDIR, ELOOP only): ``ctloop backtest
    --data /`` was a PermissionError traceback on ``/proc/1/cwd``. Said as a listing refused is."""
    directory, name = _unstatable(tmp_path)
    try:
        code = main(["backtest", "--data", directory, "--target", "y", "--time-column", "t", "--window", "30D",
                     "--output", str(tmp_path / "out")])  # fmt: skip
    finally:
        if directory.startswith(str(tmp_path)):
            (tmp_path / "d" / "locked").chmod(0o700)
    err = capsys.readouterr().err
    assert code == 2 and err == f"error: cannot list {name}: permission denied\n", err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [["apply", "--dry-run", "-f"], ["doctor", "-f"]])
def test_a_spec_that_never_ends_is_refused_at_the_spec_bound(command, capsys):
    """``apply -f /dev/zero`` read until the kernel killed the process: the spec's 4 MB bound was asked of the
    file's size, which a device or a pipe gives as 0. One byte past the bound is read, and more refused."""
    import os

    code = main([*command, os.devnull.replace("null", "zero")])
    err = capsys.readouterr().err
    assert (
        code == 2
        and err
        == "error: --file: spec file /dev/zero holds more than a spec's 4 MB: is it the right file?\n"
    ), err


@pytest.mark.parametrize(
    "argv",
    [
        ["runs", "--host", "http://127.0.0.1:9", "--timeout", "3"],
        ["upload", "--dry-run", "--image", "r.example/c:1"],
    ],
)
def test_a_token_file_that_never_ends_is_refused_before_any_request(argv, capsys):
    """``--token-file /dev/zero`` was read whole (``Path.read_bytes``): a MemoryError traceback, exit 1, after
    growing to the memory limit. It is read one byte past ``TOKEN_MAX_BYTES`` (1 MiB) and refused."""
    code = main([*argv, "--token-file", "/dev/zero"])
    err = capsys.readouterr().err
    assert code == 2 and err == (
        "error: --token-file /dev/zero: the file holds more than 1 MiB, far more than a bearer token (a service "
        "account's is about 1 KB): is it the right file?\n"
    ), err


def test_logger_import_of_a_pipe_says_it_is_one(tmp_path, capsys):
    """``ctloop logger import <fifo>`` said the named pipe "does not exist: no object at or under that prefix"."""
    import os

    fifo = str(tmp_path / "records")
    os.mkfifo(fifo)  # no writer: never opened
    code = main(["logger", "import", fifo, "--root", str(tmp_path / "log")])
    err = capsys.readouterr().err
    assert code == 2 and err == (
        f"error: {fifo} is a named pipe (a FIFO; a shell's <(...) is one), not a file or directory of logged "
        "records: copy the records to a directory and name that\n"
    ), err
    assert not (tmp_path / "log").exists()

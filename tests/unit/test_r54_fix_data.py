"""Reading tables, round 54 review fixes (r54-fix-data).

* An empty ``_delta_log/`` on an object store is a zero-byte folder marker ``t/_delta_log/`` (Hadoop's S3A
  ``mkdirs`` and GCS connector, the consoles' "Create folder"), which the listings dropped with every name
  ending in '/': ``gs://B/t/`` holding ``part-0.parquet`` and that marker read 1 row, where the local layout
  is refused. The marker of a table log is kept in the listing read_table takes anyway (no request added).
* The empty log's refusal advised reading it with Delta Lake, which cannot read a table with no commit
  (delta-io/delta#407): it says to wait for the first commit, or remove an empty log beside plain files.
* r54-fix-data2: only a zero-byte bare ``_delta_log`` is Azure HNS's folder blob (one holding bytes was told
  as an empty log); the empty log's advice names the files beside it by their format ("plain CSV files"),
  not "plain Parquet files" beside CSV parts; the log named itself lists no marker of itself ("e.g. " and
  nothing after).
* The stream engine told a NUL in a number cell past Arrow's first CSV block (where it typed the column) as
  the column changing type (CsvTypeChanged); it is the NUL refusal a text column's NUL gets.
* read_table told a NUL further on in pandas' read-ahead in place of the parse error of an earlier row (a bad
  row on line 4, a NUL on line 901: the NUL); the NUL is told when the text before its line parses alone
  (r54-fix-data2: comparing its line with pandas' "in line N", a count of rows, erred after a quoted line
  end and in a file of lone \r line ends, and "EOF inside string" names no line).
* The prepare component (no file) was told to "write data.time_format: ... in the file" when the contract's
  time format differed; one wording serves a file, the component's ``data`` dict and any caller: "set
  data.time_format to ..." (r54-fix-data2: "pass time_format" named an input the component has not).
"""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.errors import ConfigError, CtloopError, DataSourceError
from tests.unit.test_r54_data import _count_listings

PART = pd.DataFrame({"x": [0.5], "target": [1]})
NO_COMMIT = (
    "no commit yet, so no rows: wait for the first commit; if these are plain {}files and no "
    "Delta write is running, remove the empty _delta_log/"
)
NO_DATA_BESIDE = "no commit yet, so no rows, and no data file beside its log either: wait for the first commit"


def test_an_empty_delta_log_folder_marker_on_gcs_is_refused_as_a_table_with_no_commits(
    gcs, gcs_bucket, monkeypatch
):
    listed = _count_listings(monkeypatch, type(storage._BACKENDS["gs"]()))
    bucket = gcs.bucket(gcs_bucket)
    # a zero-byte folder marker, as Hadoop's GCS connector makes a directory
    bucket.blob("t/_delta_log/").upload_from_string(b"")
    table = f"gs://{gcs_bucket}/t/"
    said = r"is a Delta Lake table \(its _delta_log/ holds no file: a table with no commits"
    for shown, advice in (("the log alone", NO_DATA_BESIDE), ("a first commit's file beside it",
                                                             NO_COMMIT.format("Parquet "))):
        for uri in (table, table.rstrip("/")):
            listed.clear()
            with pytest.raises(ConfigError, match=said) as refused:
                storage.read_table(uri)
            assert str(refused.value).endswith(advice), (shown, str(refused.value))
            # found in the listing read_table takes anyway: listed once
            assert sum(listed.values()) == 1, (shown, uri, listed)
        bucket.blob("t/part-0.parquet").upload_from_string(PART.to_parquet())
    # a folder marker of no table log is still left out: the files are read
    bucket.blob("u/_SUCCESS/").upload_from_string(b"")
    bucket.blob("u/part-0.parquet").upload_from_string(PART.to_parquet())
    assert len(storage.read_table(f"gs://{gcs_bucket}/u/")) == 1


def test_an_empty_local_delta_log_is_told_to_wait_for_the_first_commit(tmp_path):
    (tmp_path / "t" / "_delta_log").mkdir(parents=True)
    with pytest.raises(ConfigError) as refused:
        storage.read_table(str(tmp_path / "t"))
    # r55-data: nothing beside the log to read if it were removed (was "remove the empty _delta_log/")
    assert str(refused.value).endswith(NO_DATA_BESIDE), str(refused.value)
    assert "read it with Delta Lake" not in str(refused.value)


def test_a_nul_in_a_number_column_past_arrows_first_csv_block_is_refused_as_a_nul(tmp_path, capsys):
    # Arrow infers a column's type from the first 1 MiB block (ReadOptions.block_size, pyarrow 25.0.1): a
    # NUL in a number cell later is a conversion error, which was told as the column turning into text
    rows = b"x,c,target\n" + b"".join(b"%d.5,a,%d\n" % (i, i % 2) for i in range(120_000))
    start = rows.index(b"\n", 1 << 20) + 1  # a row in the second block
    line = rows[:start].count(b"\n") + 1
    data = rows[:start] + b"7\x003" + rows[rows.index(b",", start) :]
    reference = tmp_path / "ref.csv"
    # small: the current file is the point
    reference.write_bytes(rows[: rows.index(b"\n", 4096) + 1])
    current = tmp_path / "cur.csv"
    current.write_bytes(data)
    code = main(
        [
            "drift",
            "--reference",
            str(reference),
            "--current",
            str(current),
            "--quiet",
            "--no-report",
            "--engine",
            "stream",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert f"column 'x' holds a NUL byte on row {line - 1} ('7\\x003')" in err, err


@pytest.mark.parametrize(
    "nul_line, told", [(901, "Expected 3 fields in line 4, saw 4"), (4, "NUL byte")]
)
def test_a_nul_past_a_bad_row_in_pandas_read_ahead_leaves_the_bad_rows_error(
    tmp_path, nul_line, told
):
    # pandas 2.3.3's C parser reads its source ahead of the row it fails on, whose line it names
    # ("Expected %d fields in line %d, saw %d": pandas/_libs/src/parser/tokenizer.c, file_lines from 1)
    rows = ["x,c,target"] + [f"{i}.5,a,{i % 2}" for i in range(1000)]
    rows[3] = "1.5,a,1,9"  # line 4: a field too many
    rows[nul_line - 1] = rows[nul_line - 1].replace(",a,", ",a\0b,")
    path = tmp_path / "cur.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataSourceError) as refused:
        storage.read_table(str(path))
    assert told in str(refused.value), str(refused.value)


def test_the_prepare_component_is_told_to_set_data_time_format_as_any_caller_is():
    # components/prepare/component.py reads its `data` dict with DataConfig.from_dict, then core.run: neither has
    # a file or a time_format input, so "write data.time_format ... in the file" and "pass time_format" misled
    from ctloop.components.prepare import core
    from ctloop.config import DataConfig

    frame = pd.DataFrame({"ts": ["01/02/2024", "02/02/2024"], "y": [0, 1]})
    data = {
        "uri": "unread.csv",
        "target": "y",
        "time_column": "ts",
        "contract": {"columns": {"ts": {"dtype": "datetime", "format": "%d/%m/%Y"}}},
    }
    said = (
        "contract.columns.ts.format '%d/%m/%Y' is not data.time_format (empty), which the time column "
        "is read with: set data.time_format to '%d/%m/%Y' (or drop the contract's format)"
    )
    with pytest.raises(ConfigError) as refused:
        DataConfig.from_dict(data)
    assert str(refused.value) == f"data.{said}"
    # the core's own check (a caller building DataConfig itself), in the same words
    with pytest.raises(ConfigError) as refused:
        core.run(frame, DataConfig(**data))
    assert str(refused.value) == said
    # done as told: read
    assert (
        len(core.run(frame, DataConfig.from_dict({**data, "time_format": "%d/%m/%Y"})).train) >= 1
    )


def _rows_with(changes: dict[int, bytes], end: bytes = b"\n") -> bytes:
    """A CSV of 1000 rows (header on line 1) with line ``n`` (1-based, counting each row once) as ``changes[n]``."""
    rows = [b"x,c,target"] + [b"%d.5,a,%d" % (i, i % 2) for i in range(1000)]
    for line, row in changes.items():
        rows[line - 1] = row
    return end.join(rows) + end


@pytest.mark.parametrize(
    "changes, end, told",
    [
        # a quoted value holding line ends (row 501) before the bad row: pandas' "in line N" counts its rows,
        # not the file's lines, so a NUL on an earlier line was compared with a smaller number
        ({501: b'1.5,"a\nb\nc",1', 502: b"1.5,7\x003,1", 503: b"1.5,a,1,9"}, b"\n", "NUL byte"),
        # ... and a NUL that breaks the row itself (the quote after it opens no quoted value: 4 fields)
        ({501: b'1.5,"a\nb\nc",1', 503: b'1.5,\x00"a,b",1'}, b"\n", "NUL byte"),
        # ... and a NUL inside the quoted value itself, after its first line end: the text before the NUL's line
        # ends inside the quote ("EOF inside string starting at row 500"), not an error before the NUL
        ({501: b'1.5,"a\nb\x00\nc",1', 503: b"1.5,a,1,9"}, b"\n", "NUL byte"),
        # ... while a bad row before the NUL keeps its error
        (
            {3: b'1.5,"a\nb\nc",1', 4: b"1.5,a,1,9", 900: b"1.5,7\x003,1"},
            b"\n",
            "Expected 3 fields in line 4",
        ),
        # a file ending its lines with a lone \r (pandas' parser ends a row there; no \n to count; a NUL in
        # the first 4 KiB is refused before pandas reads: refuse_other_encoding)
        ({4: b"1.5,a,1,9", 900: b"1.5,7\x003,1"}, b"\r", "Expected 3 fields in line 4, saw 4"),
        ({600: b"1.5,7\x003,1", 900: b"1.5,a,1,9"}, b"\r", "NUL byte at offset 5886 (line 600)"),
        # an unclosed quote names no line ("EOF inside string starting at row 3", tokenizer.c)
        ({4: b'1.5,"a,1', 900: b"1.5,7\x003,1"}, b"\n", "EOF inside string starting at row 3"),
    ],
    ids=[
        "nul-before-bad-row",
        "nul-breaks-row",
        "nul-in-quoted-lines",
        "bad-row-first",
        "cr-bad-row-first",
        "cr-nul-first",
        "eof",
    ],
)
def test_a_nul_or_an_earlier_parse_error_is_told_whatever_the_line_ends(
    tmp_path, changes, end, told
):
    # the text before the NUL's line is parsed alone on the refusal's path: the NUL is told when it parses
    path = tmp_path / "cur.csv"
    path.write_bytes(_rows_with(changes, end))
    with pytest.raises(DataSourceError) as refused:
        storage.read_table(str(path))
    assert told in str(refused.value), str(refused.value)


def test_an_empty_logs_advice_names_the_files_beside_it_by_their_format(tmp_path):
    # "if these are plain Parquet files" was said beside CSV parts too
    for name, kind in (("part-0.csv", "CSV "), ("part-0.parquet", "Parquet "), ("notes.bin", "")):
        table = tmp_path / name.replace(".", "_")
        (table / "_delta_log").mkdir(parents=True)
        (table / name).write_bytes(b"x\n1\n")
        with pytest.raises(ConfigError) as refused:
            storage.read_table(str(table))  # a format given names them: below
        assert str(refused.value).endswith(NO_COMMIT.format(kind)), str(refused.value)


def test_an_empty_logs_advice_names_extensionless_parts_by_the_format_given(tmp_path):
    # Hive's part-00000 read with data.format: csv was "plain files", the format given left out
    for fmt, kind in (("csv", "CSV "), ("parquet", "Parquet ")):
        table = tmp_path / fmt
        (table / "_delta_log").mkdir(parents=True)
        (table / "part-00000").write_bytes(b"x\n1\n")
        with pytest.raises(ConfigError) as refused:
            storage.read_table(str(table), fmt)
        assert str(refused.value).endswith(NO_COMMIT.format(kind)), str(refused.value)


def test_only_a_zero_byte_bare_delta_log_is_taken_for_an_hns_folder_blob():
    # Azure HNS and blobfuse2 list a directory as a zero-byte blob without the '/'; an object of that name
    # holding bytes is no empty folder (no request: the listing is given)
    part = storage.ObjectInfo("az://c/t/part-0.parquet", 600, "e1")
    for size, told in ((0, "no commit yet"), (42, "read it with Delta Lake")):
        log = storage.ObjectInfo("az://c/t/_delta_log", size, "e2")
        with pytest.raises(ConfigError) as refused:
            storage._directory_table("az://c/t/", objects=[log, part])
        assert told in str(refused.value), (size, str(refused.value))


def test_a_table_log_named_itself_is_not_listed_as_its_own_marker(gcs, gcs_bucket):
    # read_table of the log's own prefix listed its folder marker with the relative name "": "... e.g. "
    gcs.bucket(gcs_bucket).blob("t/_delta_log/").upload_from_string(b"")
    log = f"gs://{gcs_bucket}/t/_delta_log"
    for uri in (log + "/", log):
        with pytest.raises(CtloopError) as refused:
            storage.read_table(uri)
        assert not str(refused.value).endswith("e.g. "), str(refused.value)
    assert storage.list_objects(log + "/", scratch=True, markers=True) == []

"""Reading tables, round 55 (r55-data-fix3: review of r55-data-fix2).

* The memory engine (``--engine memory``, and ``auto`` for a small side) read a side of several CSV files
  through the dataset's ``to_table``, never file by file (``Source._file_batches``), so a file whose text ends
  inside a quoted value (its first row opens a quote in its last column, never closed) was read as one row
  holding the rest of the file: 301 rows from 600 lines, and "no drift", exit 0, where the stream engine and
  ``read_table`` refuse the file. A CSV side is read file by file (measured on 8 files, 1.6 M rows, 248 MB:
  1.8 s before, 1.6 s after; peak RSS 616 vs 591 MiB). ``storage.read_table`` of such a directory reads each
  file with pandas and refused it already.
* A read of every column (``batches(None)``) read each file into the dataset's schema (its first file's), so
  a later file's own last column, one its first file lacks, was never read, and a quote left open in it took
  the rest of the file unsaid (3 rows). It is read as when columns are asked, and left out of what is handed on.
* A file Arrow reads under another name (a gzipped ``b.csv`` as ``b.csv.gz``: ``Source.stored``) was named by
  that name, a file that does not exist, when ``check_files`` refused it (a missing column, text where numbers
  are needed). Its own name is given.
"""

from __future__ import annotations

import gzip

import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import DataSourceError

_BODY = "".join(f"{i},{i % 3},y\n" for i in range(300))


def _open_quote_dir(path):
    path.mkdir()
    (path / "a.csv").write_text("x,e,s\n" + _BODY)
    # s opens a quote in b.csv's first row, never closed
    (path / "b.csv").write_text('x,e,s\n1,0,"q\n' + _BODY)
    return path


def test_the_memory_engine_refuses_a_csv_part_ending_inside_a_quoted_value(tmp_path):
    side = _open_quote_dir(tmp_path / "cur")
    with pytest.raises(DataSourceError) as expected:
        storage.read_table(str(side / "b.csv"))
    assert str(expected.value).endswith("EOF inside string starting at row 1")
    # was 301 rows: b.csv's 301 lines read as one value
    with pytest.raises(DataSourceError) as refused:
        streaming.read_frame(str(side))
    assert str(refused.value).endswith(str(expected.value))
    # the directory, read by pandas file by file: refused already
    with pytest.raises(DataSourceError, match="EOF inside string"):
        storage.read_table(str(side))


def test_the_drift_cli_memory_engine_exits_2_on_a_csv_part_ending_inside_a_quoted_value(
    tmp_path, capsys
):
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "a.csv").write_text("x,e,s\n" + _BODY)
    (ref / "b.csv").write_text("x,e,s\n" + _BODY)
    cur = _open_quote_dir(tmp_path / "cur")
    code = main(["drift", "--reference", str(ref), "--current", str(cur), "--quiet", "--no-report",
                 "--engine", "memory", "--output", str(tmp_path / "out")])  # fmt: skip
    assert code == 2  # was 0, "no drift"
    assert "b.csv is not a readable csv file" in capsys.readouterr().err


def test_a_whole_read_refuses_a_quote_left_open_in_a_column_only_a_later_file_has(tmp_path):
    (tmp_path / "open").mkdir()
    (tmp_path / "open" / "a.csv").write_text("a,b\n1,x\n2,y\n")
    # c: not in the dataset's schema (a.csv's), so a read of every column never read it
    (tmp_path / "open" / "b.csv").write_text(
        'a,b,c\n1,x,"q\n' + "".join(f"{i},y,z\n" for i in range(300))
    )
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "a.csv").write_text("a,b\n1,x\n")
    (tmp_path / "closed" / "b.csv").write_text('a,b,c\n1,x,"q\nz"\n2,y,w\n')
    read = [
        (b.schema.names, b.num_rows)
        for b, _, _ in streaming.open_source(str(tmp_path / "closed")).batches(None)
    ]
    assert read == [(["a", "b"], 1), (["a", "b"], 2)]  # c read to be looked at, handed on as before
    # was 3 rows: b.csv's 301 lines read as one value of c, and c left out
    with pytest.raises(
        DataSourceError,
        match=r"b.csv is not a readable csv file: .*EOF inside string starting at row 1",
    ):
        sum(b.num_rows for b, _, _ in streaming.open_source(str(tmp_path / "open")).batches(None))


def test_check_files_names_a_gzipped_csv_file_by_its_own_name(tmp_path):
    (tmp_path / "a.csv").write_text("x,e\n1,2\n")
    (tmp_path / "b.csv").write_bytes(
        gzip.compress(b"x\n1\n")
    )  # gzip bytes, no .gz: read as b.csv.gz
    with pytest.raises(DataSourceError) as missing:
        streaming.open_source(str(tmp_path)).check_files(["x", "e"])
    assert str(missing.value) == f"{tmp_path / 'b.csv'} has no column 'e', a column that is read"
    (tmp_path / "b.csv").write_bytes(gzip.compress(b"x,e\n1,a\n"))
    with pytest.raises(DataSourceError) as text:
        streaming.open_source(str(tmp_path)).check_files(["x", "e"], numeric=["e"])
    assert (
        str(text.value)
        == f"column 'e' of {tmp_path / 'b.csv'} is string, but numbers are needed there"
    )

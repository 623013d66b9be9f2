"""A CSV saved as UTF-16 or UTF-32 (Excel's "Unicode Text", PowerShell's ``Out-File``) was refused
with a misleading line: ``'utf-8' codec can't decode byte 0xff`` (pandas) or ``Row #5: Expected
3 columns, got 1`` (the streamed pyarrow reader, which reads UTF-8 only: pyarrow.csv.ReadOptions
has no encoding, arrow/python/pyarrow/_csv.pyx, pyarrow 25). The byte-order mark now names the
encoding and the fix, on every CSV reader, gzipped or not. A UTF-8 BOM is read as before.
BOMs: Unicode 15, section 23.8 (Table 23-4)."""

from __future__ import annotations

import gzip

import pytest

from ctloop.errors import DataSourceError

TEXT = "a,b,c\n1,x,1.5\n2,y,2.5\n3,é,3.5\n"


def _read_table(path):
    from ctloop.storage import read_table

    return read_table(str(path))


def _stream(path):
    from ctloop.drift import streaming

    return streaming.open_source(str(path))


@pytest.mark.parametrize("read", [_read_table, _stream], ids=["pandas", "pyarrow"])
@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzipped"])
@pytest.mark.parametrize("codec, named", [
    ("utf-16", "UTF-16"), ("utf-16-be", "UTF-16 (big-endian)"), ("utf-32", "UTF-32"),
    ("utf-32-be", "UTF-32 (big-endian)"),
])
def test_a_csv_in_another_unicode_encoding_names_it(tmp_path, read, packed, codec, named):
    body = ("\ufeff" + TEXT if codec.endswith("-be") else TEXT).encode(codec)
    path = tmp_path / "t.csv"
    path.write_bytes(gzip.compress(body) if packed else body)
    with pytest.raises(DataSourceError) as info:
        read(path)
    line = str(info.value)
    assert "\n" not in line and str(path) in line and f"is {named} text" in line and "save it as UTF-8" in line, line


@pytest.mark.parametrize("read", [_read_table, _stream], ids=["pandas", "pyarrow"])
def test_a_utf8_bom_is_read(tmp_path, read):
    path = tmp_path / "t.csv"
    path.write_bytes(TEXT.encode("utf-8-sig"))
    assert read(path) is not None


def test_the_cli_says_it_in_one_line_exit_2(tmp_path, capsys):
    from ctloop.cli import main

    (tmp_path / "ref.csv").write_text(TEXT)
    (tmp_path / "cur.csv").write_bytes(TEXT.encode("utf-16"))
    code = main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
                 "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cur.csv is UTF-16 text" in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("head, named", [(b"+/v8a,b\n", "UTF-7"), ("\ufeffa,b\n".encode("gb18030"), "GB 18030"),
                                         (b"+/value,b\n", None), (b"\xef\xbb\xbfa,b\n", None)])
def test_the_other_marks_and_text_that_only_starts_like_one(head, named):
    from ctloop.storage import refuse_other_encoding

    if named is None:
        refuse_other_encoding("t.csv", head)  # a header '+/value', a UTF-8 mark: read
        return
    with pytest.raises(DataSourceError, match=f"t.csv is {named} text"):
        refuse_other_encoding("t.csv", head)

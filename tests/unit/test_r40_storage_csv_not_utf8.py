"""A CSV file in a directory or glob that is not UTF-8 text was a traceback: a spreadsheet's
Windows-1252 export (``Préféré`` in its header) or a bzip2/xz/zstd-compressed file named ``.csv``
(or ``.csv.gz``) made pyarrow's schema carry a header it could not decode, and ``open_source``
(``ctloop drift``, ``ctloop score --data DIR``) ended in ``UnicodeDecodeError: 'utf-8' codec can't
decode byte 0x8d`` from ``Schema.names``. ``refuse_other_encoding``, which every CSV reader runs on a
file's first stored bytes, named only byte-order marks. Now it also names a compression ctloop does
not read (bzip2, xz, zstd, zip: by their magic numbers) and bytes that are not UTF-8, in one line
naming the file; a UTF-8 character cut by the end of the bytes looked at is no error."""

from __future__ import annotations

import bz2
import gzip
import lzma

import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import DataSourceError

ROWS = "".join(f"{i}.5,{'ab'[i % 2]}\n" for i in range(40))
LATIN = ("Préféré,c\n" + ROWS).encode("cp1252")


@pytest.mark.parametrize(("name", "data", "said"), [
    ("a.csv", LATIN, "not UTF-8"),
    ("a.csv.gz", gzip.compress(LATIN), "not UTF-8"),
    ("a.csv", bz2.compress(("x,c\n" + ROWS).encode()), "bzip2"),
    ("a.csv.gz", bz2.compress(("x,c\n" + ROWS).encode()), "bzip2"),
    ("a.csv", lzma.compress(("x,c\n" + ROWS).encode()), "xz"),
    ("a.csv", b"\x28\xb5\x2f\xfd" + b"\x00" * 40, "zstd"),
])
def test_a_csv_that_is_not_utf8_text_is_one_line_naming_it(tmp_path, capsys, name, data, said):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / name).write_bytes(data)
    (tmp_path / "d" / f"b-{name}").write_bytes(gzip.compress(("x,c\n" + ROWS).encode()) if name.endswith(".gz")
                                               else ("x,c\n" + ROWS).encode())
    with pytest.raises(DataSourceError, match=said) as caught:
        streaming.open_source(str(tmp_path / "d"))
    assert name in str(caught.value)
    with pytest.raises(DataSourceError, match=said):
        storage.read_table(str(tmp_path / "d" / name), "csv")
    for engine in ("stream", "memory"):
        code = main(["drift", "--reference", str(tmp_path / "d"), "--current", str(tmp_path / "d"), "--engine", engine,
                     "--quiet", "--no-report", "--output", str(tmp_path / "out")])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_a_utf8_character_cut_by_the_bytes_looked_at_is_no_error(tmp_path):
    header = "x" * (storage.CSV_HEAD_BYTES - 1) + "é"  # 'é' is two bytes: the first is byte 512
    (tmp_path / "a.csv").write_text(f"{header},c\n1.5,a\n", encoding="utf-8")
    storage.refuse_other_encoding(str(tmp_path / "a.csv"), (tmp_path / "a.csv").read_bytes()[:storage.CSV_HEAD_BYTES])
    assert list(storage.read_table(str(tmp_path / "a.csv")).columns) == [header, "c"]

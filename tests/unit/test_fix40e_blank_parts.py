"""A part file with no text in it but not zero bytes long still refused the whole input (review revE,
finding 3). Hadoop's gzip output (``mapreduce.output.fileoutputformat.compress``) writes a reducer with
no output as a 20-25 byte ``part-r-00003.csv.gz`` (a gzip stream of nothing, as ``gzip -c /dev/null``),
the case docs/storage.md cites, and a job may write a CSV holding only a newline: the zero-byte rule (a55ed82) let them through, pyarrow said "Empty CSV file or
block: cannot infer number of columns" and every other file's rows were refused with it. Now a CSV
file whose whole text (decompressed) is blank, seen in the first bytes the reader reads anyway, is
left out of a directory or glob as a zero-byte one is; named on its own it is still refused."""

from __future__ import annotations

import gzip

import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import fresh_bucket

CSV = b"x,c\n1.5,a\n2.5,b\n"
BLANK = {"gzip of nothing": ("csv.gz", gzip.compress(b"")), "a newline": ("csv", b"\n"),
         "CRLF lines": ("csv", b"\r\n\r\n"), "gzip of a newline": ("csv.gz", gzip.compress(b"\n"))}


def _write(root: str, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        storage.write_bytes(f"{root}/{name}", data)


def _parts(ext: str, blank: bytes, first: bool) -> dict[str, bytes]:
    packed = ext == "csv.gz"
    data = gzip.compress(CSV) if packed else CSV
    return {f"part-r-00000.{ext}": data, f"part-r-0000{0 if first else 3}{'-a' if first else ''}.{ext}": blank,
            f"part-r-00004.{ext}": data}


@pytest.mark.parametrize("first", [True, False], ids=["listed-first", "listed-between"])
@pytest.mark.parametrize("case", sorted(BLANK))
def test_a_blank_part_file_is_left_out_and_the_others_are_read(tmp_path, case, first):
    ext, blank = BLANK[case]
    assert len(blank) > 0
    _write(str(tmp_path / "d"), _parts(ext, blank, first))
    for source in ("d", "d/part-*"):
        src = streaming.open_source(str(tmp_path / source))
        assert len(src.files) == 2, src.files
        assert src.check_files().dataset.to_table().num_rows == 4


def test_drift_over_hadoop_gzip_output_with_an_empty_reducer(tmp_path, capsys):
    rows = b"x,c\n" + b"".join(b"%d.5,%s\n" % (i, b"ab"[i % 2 : i % 2 + 1]) for i in range(40))
    _write(str(tmp_path / "d"), {"part-r-00000.csv.gz": gzip.compress(rows), "part-r-00001.csv.gz": gzip.compress(b""),
                                 "part-r-00002.csv.gz": gzip.compress(rows)})
    code = main(["drift", "--reference", str(tmp_path / "d"), "--current", str(tmp_path / "d"), "--engine", "stream",
                 "--quiet", "--no-report", "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err


def test_a_directory_of_blank_files_only_is_one_line(tmp_path):
    _write(str(tmp_path / "d"), {"part-00000.csv.gz": gzip.compress(b""), "part-00001.csv": b"\n"})
    for source in ("d", "d/part-*"):
        with pytest.raises(DataSourceError) as caught:
            streaming.open_source(str(tmp_path / source))
        message = str(caught.value)
        assert "\n" not in message and "2 file(s)" in message and "no text" in message, message


def test_a_blank_file_named_on_its_own_is_still_refused(tmp_path):
    _write(str(tmp_path / "d"), {"part-00003.csv.gz": gzip.compress(b"")})
    with pytest.raises(DataSourceError):
        streaming.open_source(str(tmp_path / "d" / "part-00003.csv.gz")).dataset.to_table()


def test_a_header_only_file_is_kept(tmp_path):
    _write(str(tmp_path / "d"), {"a.csv": CSV, "b.csv": b"x,c\n"})
    src = streaming.open_source(str(tmp_path / "d"))
    assert len(src.files) == 2 and src.dataset.to_table().num_rows == 2


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["gs", "s3", "az"])
def test_a_blank_part_object_on_an_object_store_is_left_out(stores, scheme, monkeypatch, tmp_path):
    root = fresh_bucket(stores[scheme], monkeypatch, tmp_path / "home", "d")
    _write(root, _parts("csv.gz", gzip.compress(b""), False))
    src = streaming.open_source(root).check_files()
    assert len(src.files) == 2 and src.dataset.to_table().num_rows == 4

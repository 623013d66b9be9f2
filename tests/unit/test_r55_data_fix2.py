"""Reading tables, round 55 (r55-data-fix2: review of r55-data-fix).

* The stream engine's check for a quote left open in a CSV file's last value read the dataset's last column (its
  first file's), not the file's: a file whose header orders the columns otherwise (``b,a`` after ``a,b``) never had
  its own last column read when another was asked, and a quote opened in it took the rest of the file into one
  value again (301 rows read of a file read_table refuses). Each file's own last column is read.
* A closed quoted value holding a line end in a gzip file's last row had the file inflated whole once more
  (downloaded again from an object store) for every text column of that row, on every pass over the file:
  only the file's last column can hold a quote left open (in another, its row is short of columns, which Arrow
  refuses), and the answer is kept for the source's next passes.
* A file whose extension says the wrong thing about its bytes (a gzipped ``gz_named.csv``, a plain
  ``plain_named.csv.gz``) was named in a refusal met while reading it by the name Arrow reads it under
  (``gz_named.csv.gz``, ``plain_named.csv.gz.csv``): a file that does not exist. Its own name is given.
* Every gzip file over 512 stored bytes cost a ranged read of its last 64 KiB (to tell appended members and BGZF
  from padding) where its last 4 bytes were read before: those 4 first, the 64 KiB only when they are no size of
  its text (``storage.gzip_size_fits``: appended, BGZF, padded files), still from the one handle.
"""

from __future__ import annotations

import gzip
import io
import re

import pyarrow as pa
import pyarrow.fs as pafs
import pytest

from ctloop import storage
from ctloop.drift import streaming
from ctloop.errors import DataSourceError
from tests.fixtures.local_fs import LocalFiles


def _rows(path: str, columns: list[str] | None = None) -> int:
    return sum(batch.num_rows for batch, _, _ in streaming.open_source(path).batches(columns))


def test_a_quote_left_open_in_a_file_whose_columns_are_ordered_otherwise_is_refused(tmp_path):
    (tmp_path / "a.csv").write_text("a,b\n" + "".join(f"{i},x{i % 5}\n" for i in range(300)))
    # b.csv's last column is a (the dataset's is b): its first row opens a quote in a, never closed
    (tmp_path / "b.csv").write_text(
        'b,a\nx1,"open\n' + "".join(f"x{i % 5},{i}\n" for i in range(300))
    )
    with pytest.raises(DataSourceError) as expected:
        storage.read_table(str(tmp_path / "b.csv"))
    assert str(expected.value).endswith("EOF inside string starting at row 1")
    with pytest.raises(DataSourceError) as refused:  # was 301 rows: b.csv's a read as one value
        _rows(str(tmp_path), ["b"])
    assert str(refused.value) == str(expected.value)


def test_a_quote_left_open_in_a_column_only_a_later_file_has_is_refused(tmp_path):
    (tmp_path / "a.csv").write_text("a,b\n1,x\n2,y\n")
    (tmp_path / "b.csv").write_text(
        'a,b,c\n1,x,"q\n2,y,z\n'
    )  # c: not in the dataset's schema (a.csv's)
    with pytest.raises(
        DataSourceError,
        match=r"b.csv is not a readable csv file: .*EOF inside string starting at row 1",
    ):
        _rows(str(tmp_path), ["a"])  # was 3 rows


def test_a_gzip_files_closed_last_value_is_inflated_again_once_per_source_not_per_column_and_pass(
    tmp_path, monkeypatch
):
    path = tmp_path / "cur.csv.gz"
    text = "x,s,t\n" + "".join(f"{i},s{i % 7},t{i % 5}\n" for i in range(50))
    path.write_bytes(gzip.compress((text + '1,"a\nb","c\nd"\n').encode()))
    looked = []
    real = streaming._open_quote_at_end
    monkeypatch.setattr(
        streaming, "_open_quote_at_end", lambda f, v: looked.append(v) or real(f, v)
    )
    source = streaming.open_source(str(path))
    for columns in (None, None, ["x"], ["s"]):
        assert sum(batch.num_rows for batch, _, _ in source.batches(columns)) == 51
    assert looked == ["c\nd"]  # was 7: s and t on each whole pass, t when x or s was read


OPEN = '100,"open\n101,z\n'
NUL = "100,n\0ul\n"  # past the first bytes a gzip file's text is looked at in for one


@pytest.mark.parametrize(
    "name, tail, said",
    [
        (
            "gz_named.csv",
            OPEN,
            " is not a readable csv file: .*EOF inside string starting at row 101",
        ),
        (
            "plain_named.csv.gz",
            OPEN,
            " is not a readable csv file: .*EOF inside string starting at row 101",
        ),
        ("plain_named.csv.gz", NUL, ": column 'b' holds a NUL byte on row 101"),
    ],
)
def test_a_file_read_under_another_name_is_refused_under_its_own(tmp_path, name, tail, said):
    data = ("a,b\n" + "".join(f"{i},x{i}\n" for i in range(100)) + tail).encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name == "gz_named.csv" else data)
    with pytest.raises(DataSourceError) as refused:
        _rows(str(path))
    # was ".../gz_named.csv.gz ...", ".../plain_named.csv.gz.csv ...": no such file
    assert re.match(re.escape(str(path)) + said, str(refused.value)), str(refused.value)


class _Reads(io.BytesIO):
    """A file's bytes (a double of a store's random-access file), each read noted as (offset, size)."""

    def __init__(self, data: bytes, reads: list[tuple[int, int]]) -> None:
        super().__init__(data)
        self.reads = reads

    def read(self, size=-1):
        at = self.tell()
        out = super().read(size)
        self.reads.append((at, len(out)))
        return out


class _Recorded(LocalFiles):
    """The local disk, each file opened for random access read through :class:`_Reads`."""

    def __init__(self) -> None:
        super().__init__()
        self.opens: list[str] = []
        self.reads: list = []

    def open_input_file(self, path):
        self.opens.append(path)
        with open(path, "rb") as fh:
            return pa.PythonFile(_Reads(fh.read(), self.reads), mode="r")

    open_input_stream = LocalFiles._read_only


@pytest.mark.parametrize("kind", ["plain", "appended"])
def test_a_gzip_files_last_4_bytes_are_read_before_its_last_64_kib(tmp_path, kind):
    text = b"x,c\n" + b"".join(b"%d.5,c%d\n" % (i * 7919 % 10007, i % 7) for i in range(3000))
    data = gzip.compress(text) + (gzip.compress(b"1.5,c1\n") if kind == "appended" else b"")
    assert len(data) > 512
    path = tmp_path / "cur.csv.gz"
    path.write_bytes(data)
    handler = _Recorded()
    padded: dict[str, int] = {}
    streaming._codec_names(pafs.PyFileSystem(handler), [str(path)], True, None, [], {}, padded)
    assert (padded, handler.opens) == ({}, [str(path)])
    size = len(data)
    tail = max(0, size - storage.GZIP_TAIL_BYTES)
    # was a read of its last 64 KiB for every gzip file over 512 bytes; appended members: their last size
    # is no size of the whole file's text, so the 64 KiB are read (and show it unpadded)
    assert handler.reads[:2] == [(0, 512), (512, 1)]  # its head, and whether there is more
    assert handler.reads[2:] == [(size - 4, 4)] + [(tail, size - tail)] * (kind == "appended")

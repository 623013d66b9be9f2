"""A gzipped CSV cut short (an upload interrupted, a disk full while writing) was a traceback from
every command that reads a table (``ctloop drift``, ``score``, ``backtest``, prepare_data):
``EOFError: Compressed file ended before the end-of-stream marker was reached`` (CPython 3.11
``Lib/gzip.py`` ``_GzipReader.read``); a corrupt deflate stream was ``zlib.error``. Both are one
``DataSourceError`` line naming the file."""

from __future__ import annotations

import gzip
import io

import pandas as pd
import pytest

from ctloop.errors import DataSourceError
from ctloop.storage import read_table

ROWS = "".join(f"{i},{i * 2},x{i}\n" for i in range(20000))


def _write(path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_a_gzipped_csv_cut_short_is_one_line(tmp_path):
    whole = gzip.compress(("a,b,c\n" + ROWS).encode())
    uri = _write(tmp_path / "labels.csv.gz", whole[: len(whole) // 2])
    with pytest.raises(DataSourceError) as err:
        read_table(uri)
    assert str(tmp_path / "labels.csv.gz") in str(err.value) and "\n" not in str(err.value)


def test_a_gzip_whose_deflate_stream_is_corrupt_is_one_line(tmp_path):
    whole = bytearray(gzip.compress(("a,b,c\n" + ROWS).encode()))
    whole[40:60] = b"\xff" * 20  # inside the deflate stream
    uri = _write(tmp_path / "corrupt.csv.gz", bytes(whole))
    with pytest.raises(DataSourceError) as err:
        read_table(uri)
    assert "corrupt.csv.gz" in str(err.value) and "\n" not in str(err.value)


def test_a_gzipped_parquet_cut_short_is_one_line(tmp_path):
    buf = io.BytesIO()
    pd.DataFrame({"a": range(5000)}).to_parquet(buf)
    whole = gzip.compress(buf.getvalue())
    uri = _write(tmp_path / "table.parquet", whole[: len(whole) // 2])
    with pytest.raises(DataSourceError, match="table.parquet"):
        read_table(uri)


def test_a_whole_gzipped_csv_still_reads(tmp_path):
    uri = _write(tmp_path / "ok.csv.gz", gzip.compress(("a,b,c\n" + ROWS).encode()))
    assert len(read_table(uri)) == 20000

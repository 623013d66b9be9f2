"""Round 58's review of the hostile-input merge: the header-only probe of a CSV (``storage._header_only``,
``header_frame``: pandas 2.3.3 reads a header-only file in time quadratic in its columns) had two holes. A name
longer than ``csv.field_size_limit()`` (131,072 characters) made ``csv.reader`` raise ``_csv.Error`` (a traceback,
exit 1); and its ``readline()`` had no limit, so a file of lone ``\\r`` line ends (classic Mac) or without any line
end was read whole as one line (a 150 MB one peaked at 310 MB RSS in the probe alone). Both now leave the file to
pandas, which reads them."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from ctloop import storage
from ctloop.storage import read_table


class _Counting(io.BytesIO):
    """A file that remembers the most bytes one read or readline returned."""

    most = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.most = max(self.most, len(data))
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data = super().readline(size)
        self.most = max(self.most, len(data))
        return data


def test_a_header_only_csv_with_a_name_beyond_the_csv_field_limit_reads_as_pandas(tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes(b"a," + b"x" * 140_000 + b"\n")
    frame = read_table(str(path))  # was: _csv.Error: field larger than field limit (131072)
    assert list(frame.columns) == list(pd.read_csv(path).columns) == ["a", "x" * 140_000]
    assert len(frame) == 0


def test_lone_cr_line_ends_are_not_read_as_one_line(tmp_path):
    data = b"a,b\r" + b"1,2\r" * 250_000  # 1 MB of classic Mac line ends
    fh = _Counting(data)
    assert storage._header_only(fh, None) is None and fh.tell() == 0
    assert fh.most <= storage.HEADER_SCAN_BYTES, fh.most  # was: the whole file, 1,000,004 bytes
    path = tmp_path / "cr.csv"
    path.write_bytes(data)
    pd.testing.assert_frame_equal(read_table(str(path)), pd.read_csv(path))


@pytest.mark.parametrize("tail", [b"", b"\n"])
def test_a_line_longer_than_the_limit_is_left_to_pandas(monkeypatch, tmp_path, tail):
    monkeypatch.setattr(storage, "HEADER_LINE_MAX_BYTES", 1 << 17, raising=False)
    # newline-free, or one line beyond the limit
    data = b"a," + b"x" * 200_000 + b",b" + tail
    fh = _Counting(data)
    assert storage._header_only(fh, None) is None and fh.tell() == 0
    assert fh.most <= 1 << 17, fh.most  # was: the whole line
    path = tmp_path / "long.csv"
    path.write_bytes(data)
    frame = read_table(str(path))
    assert list(frame.columns) == list(pd.read_csv(path).columns) and len(frame) == 0

"""A CSV header longer than the 512 bytes ``_codec_names`` read, holding a Windows-1252 byte after
them, ended the stream engine in a raw ``UnicodeDecodeError`` traceback from ``Schema.names`` in
``open_source`` (review revE, finding 2; 40 columns named ``column_number_NNN`` are 720 bytes). Now
the check reads on to the end of the header line (bounded), and a header it still missed is the
one-line DataSourceError naming the file, exit code 2."""

from __future__ import annotations

import gzip
import hashlib
import zlib

import pytest

from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import DataSourceError

COLUMNS = [f"column_number_{i:03d}" for i in range(40)]
# names gzip packs little: 512 stored bytes of the gzipped file are well short of the last name
HASHED = [hashlib.sha256(c.encode()).hexdigest() for c in COLUMNS]


def _long_latin1(name: str = "caf\xe9", columns: list[str] = COLUMNS) -> bytes:
    header = ",".join([*columns, name])
    assert len(header.encode()) > 512 and header.encode("latin-1").index(b"\xe9") > 512
    return (header + "\n" + ",".join("1" for _ in range(41)) + "\n").encode("latin-1")


def _good(extra: str = "x") -> bytes:
    return (",".join([*COLUMNS, extra]) + "\n" + ",".join("1" for _ in range(41)) + "\n").encode()


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_a_long_windows_1252_header_in_a_directory_is_one_line_naming_the_file(tmp_path, packed):
    data = tmp_path / "longhdr"
    data.mkdir()
    if packed:
        stored = gzip.compress(_long_latin1(columns=HASHED))
        assert b"\xe9" not in zlib.decompressobj(wbits=31).decompress(stored[:512])
        (data / "a.csv.gz").write_bytes(stored)
    else:
        (data / "a.csv").write_bytes(_long_latin1())
    (data / "b.csv").write_bytes(_good())
    with pytest.raises(DataSourceError, match=r"a\.csv(\.gz)? is not UTF-8 text \(byte 0xe9 at offset \d+\)"):
        streaming.open_source(str(data))


def test_a_long_windows_1252_header_named_on_its_own(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(_long_latin1())
    with pytest.raises(DataSourceError, match=r"a\.csv is not UTF-8 text"):
        streaming.open_source(str(path))


def test_a_long_utf8_header_still_reads(tmp_path):
    data = tmp_path / "ok"
    data.mkdir()
    (data / "a.csv").write_bytes(_long_latin1().decode("latin-1").encode())
    (data / "b.csv").write_bytes(_good("caf\xe9"))
    assert streaming.open_source(str(data)).count_rows() == 2


def test_the_drift_command_says_one_line_exit_2(tmp_path, capsys):
    ref, cur = tmp_path / "ref", tmp_path / "cur"
    ref.mkdir()
    cur.mkdir()
    (ref / "a.csv").write_bytes(_good("caf\xe9"))
    (cur / "a.csv").write_bytes(_long_latin1())
    code = main(["drift", "--reference", str(ref), "--current", str(cur), "--engine", "stream", "--quiet",
                 "--no-report"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "a.csv is not UTF-8 text" in err


def test_a_header_past_the_bounded_read_is_still_one_line_naming_the_file(tmp_path, monkeypatch):
    from ctloop import storage

    monkeypatch.setattr(storage, "CSV_HEADER_MAX_BYTES", storage.CSV_HEAD_BYTES)  # the read stops at 512 bytes
    data = tmp_path / "longhdr"
    data.mkdir()
    (data / "a.csv").write_bytes(_long_latin1())
    (data / "b.csv").write_bytes(_good())
    with pytest.raises(DataSourceError, match=r"longhdr/a\.csv is not UTF-8 text \(its header: "):
        streaming.open_source(str(data))

"""Reading tables, round 53 (r53-data): drift's listings, globs of directories, compressed CSV.

* ``ctloop drift`` with the default engine (``auto``) opened each side twice: once to count its cells
  (``streaming.choose_engine``), once to read it (``streaming.read_side``). A directory was listed twice
  and each listing warning (a zero-byte part, a README left out) said twice where warnings are not
  deduplicated (``-W always``, a notebook, pytest). Each side is now opened once.
* ``ctloop drift``/``ctloop score`` given a glob matching directories (``data/*/``) listed each without the
  refusals ``storage.directory_table`` makes for a directory (a Hudi table, a Spark job's ``_temporary/``
  without ``_SUCCESS``, a part whose format its name does not say: left out silently). Each matched
  directory is now read as it is named on its own.
* CSV written by Spark or Hive with a codec ctloop does not read (``.csv.snappy``, ``.lz4``, ``.deflate``,
  ``.zst``, ``.bz2``) was refused as a file whose format its name does not say ("name its files .csv"), or,
  with ``data.format: csv`` or renamed ``.csv``, as text that is not UTF-8 ("iconv -f WINDOWS-1252"). Now
  one line names the file and the codec and says to write gzip (or Parquet).
* A required column missing from a Parquet table whose names look like data (years) was told "a CSV written
  without a header row? ... option("header", "true")": the hint is given where the table was read from CSV
  only, the format ``read_table`` read it in carried in ``frame.attrs[storage.TABLE_FORMAT]``.
* A datetime contract column's day-first dates that read both ways were read month first with a warning
  naming ``data.time_format``, which is the time column's: a column rule takes ``format`` now.
* Hunt: a CSV in UTF-16 without a byte-order mark (NUL bytes, valid UTF-8) was read by training as columns of
  gaps; a NUL in a row cut its value to a gap. Refused, naming the offset. The dataset reader (a directory, a
  glob, the stream engine's file) said pyarrow's words for a CSV header naming a column twice and for a named
  file of no text; now the words training's reader says. A CSV starting with two UTF-8 byte-order marks named
  its first column '\ufeffx', a feature no request names: refused. Training refused a directory holding a CSV
  part of no text (Hadoop's 20-byte gzip of nothing for a reducer with no output), which drift reads: left out.
"""

from __future__ import annotations

import bz2
import gzip
import re
import struct
import warnings
import zlib

import pandas as pd
import pyarrow as pa
import pytest

from ctloop import scoring, storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import ConfigError, CtloopError, DataSourceError, DataValidationError


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


ROWS = pd.DataFrame({"x": [float(i % 7) for i in range(40)], "n": [i % 3 for i in range(40)]})


def _write(root, files: dict[str, bytes]) -> str:
    for name, data in files.items():
        storage.write_bytes(f"{root}/{name}", data)
    return str(root)


def test_ctloop_drift_lists_a_directory_once_and_warns_once(tmp_path, capsys, monkeypatch):
    ref = _write(tmp_path / "ref", {"part-0.csv": _csv(ROWS)})
    cur = _write(tmp_path / "cur", {"part-0.csv": _csv(ROWS), "part-1.csv": b"", "README.md": b"# export\n"})
    listed = []
    real = storage.directory_table

    def counted(uri, *args, **kwargs):
        listed.append(uri)
        return real(uri, *args, **kwargs)

    monkeypatch.setattr(storage, "directory_table", counted)  # the real listing, counted
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["drift", "--reference", ref, "--current", cur, "--quiet"]) == 0, capsys.readouterr().err
    assert sorted(listed) == sorted([ref, cur])  # one listing a side (was two: the engine's choice, then the read)
    said = [str(w.message) for w in caught if cur in str(w.message)]
    assert len(said) == 2 and any("zero-byte" in s for s in said) and any("README.md" in s for s in said), said


GLOBBED = {
    # a Hudi partition matched by the glob: every version's rows were read
    "hudi": ({"a/.hoodie/hoodie.properties": b"x", "a/part-0.csv": b"", "b/part-0.csv": b""}, "Apache Hudi table"),
    # a Hive job's part without an extension beside the CSV parts: left out silently, its rows lost
    "stray": ({"a/part-0.csv": b"", "b/part-0.csv": b"", "b/000000_0": b"x,n\n1.0,1\n"}, "cannot tell the format"),
    # a Spark job still writing: its _temporary/ attempt read
    "temporary": ({"a/part-0.csv": b"", "b/part-0.csv": b"", "b/_temporary/0/part-1.csv": b""}, "no _SUCCESS"),
}


@pytest.mark.parametrize("layout", GLOBBED)
def test_a_glob_of_directories_refuses_each_as_a_directory_is_refused(tmp_path, capsys, layout):
    files, said = GLOBBED[layout]
    _write(tmp_path / "g", {name: data or _csv(ROWS) for name, data in files.items()})
    cur = _write(tmp_path / "cur", {"part-0.csv": _csv(ROWS)})
    for side in (["--reference", f"{tmp_path}/g/*/", "--current", cur], ["--reference", cur, "--current", f"{tmp_path}/g/*"]):
        assert main(["drift", *side, "--quiet"]) == 2
        err = capsys.readouterr().err
        assert said in err and len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"error: {side[0] if '*' in side[1] else side[2]}: {tmp_path}/g/"), err  # the flag, the glob
    with pytest.raises(CtloopError, match=said):  # ctloop score's reader: the same
        scoring.open_input(f"{tmp_path}/g/*/")


def _hadoop_block(text: bytes, codec: str) -> bytes:
    """One block as Hadoop's BlockCompressorStream writes it (Lz4Codec, SnappyCodec): the uncompressed length,
    then each compressed chunk's length and bytes, 4-byte big-endian ints (apache/hadoop hadoop-common
    io/compress/BlockCompressorStream.java, rawWriteInt)."""
    packed = pa.compress(text, codec=codec, asbytes=True)
    return struct.pack(">II", len(text), len(packed)) + packed


TEXT = _csv(ROWS)
# Spark's CSV writer's option("compression", ...) (Spark 3.5 CompressionCodecs: bzip2, deflate, gzip, lz4,
# snappy; zstd) names each part by its Hadoop codec's extension (hadoop-common io/compress/CodecConstants.java,
# Hadoop 3.3): none but gzip is read by ctloop (pandas 2.3.3 reads bz2, xz, zip and zstd, pyarrow's CSV reader
# another set; the two engines read one).
CODECS = {
    "deflate": (zlib.compress(TEXT), "deflate"),
    "lz4": (_hadoop_block(TEXT, "lz4_raw"), "LZ4"),
    "snappy": (_hadoop_block(TEXT, "snappy"), "Snappy"),
    "zst": (pa.compress(TEXT, codec="zstd", asbytes=True), "zstd"),
    "bz2": (bz2.compress(TEXT), "bzip2"),
}


@pytest.mark.parametrize("ext", CODECS)
def test_csv_in_a_codec_ctloop_does_not_read_is_refused_naming_file_and_codec(tmp_path, capsys, ext):
    data, codec = CODECS[ext]
    part = f"part-00000-c000.csv.{ext}"
    folder = _write(tmp_path / "spark", {"_SUCCESS": b"", part: data})
    single = _write(tmp_path / "one", {part: data}) + f"/{part}"
    cur = _write(tmp_path / "cur", {"part-0.csv": TEXT})
    for side in (folder, single, f"{tmp_path}/spark/*.csv.{ext}"):
        assert main(["drift", "--reference", side, "--current", cur, "--quiet"]) == 2
        err = capsys.readouterr().err
        assert part in err and codec in err and "gzip" in err and len(err.strip().splitlines()) == 1, err
    for fmt in (None, "csv"):  # training's reader; data.format csv read the bytes as text
        with pytest.raises(DataSourceError, match=rf"{re.escape(part)}.*{codec}.*gzip"):
            storage.read_table(folder, fmt)
        with pytest.raises(DataSourceError, match=rf"{re.escape(part)}.*{codec}.*gzip"):
            storage.read_table(single, fmt)
    hive = _write(tmp_path / "hive", {f"000000_0.{ext}": data})  # Hive's compressed text output, data.format csv
    with pytest.raises(DataSourceError, match=rf"000000_0.{ext} is compressed with {codec}"):
        storage.read_table(hive, "csv")


@pytest.mark.parametrize("ext", ["deflate", "lz4", "snappy"])
def test_a_csv_name_holding_hadoop_compressed_bytes_is_refused_naming_the_codec(tmp_path, capsys, ext):
    data, codec = CODECS[ext]
    named = _write(tmp_path / "d", {"part-0.csv": data}) + "/part-0.csv"  # renamed, or its codec extension cut
    cur = _write(tmp_path / "cur", {"part-0.csv": TEXT})
    for side in (named, str(tmp_path / "d")):
        assert main(["drift", "--reference", side, "--current", cur, "--quiet"]) == 2
        err = capsys.readouterr().err
        assert codec in err and "not UTF-8" not in err and len(err.strip().splitlines()) == 1, err


def test_the_headerless_csv_hint_is_for_csv_only(tmp_path):
    # a Parquet table's columns are its schema's names, never a first row of data: years for names ('2023',
    # '2024') were told "a CSV written without a header row? ... option("header", "true")"
    from ctloop.components.prepare.core import prepare

    wide = pd.DataFrame({"2023": [1.5, 2.5], "2024": [3.5, 4.5], "2025-01-01": ["a", "b"]})
    storage.write_table(wide, str(tmp_path / "wide.parquet"))
    with pytest.raises(DataValidationError) as refused:
        prepare(storage.read_table(str(tmp_path / "wide.parquet")), target="y", time_column="time")
    said = str(refused.value)
    assert "its columns: '2023', '2024', '2025-01-01'" in said and "header" not in said, said
    framed = wide.assign(y=[0, 1], time=["2024-01-01", "2024-01-02"])  # the contract's check of a column
    storage.write_table(framed, str(tmp_path / "framed.parquet"))
    with pytest.raises(DataValidationError) as refused:
        prepare(storage.read_table(str(tmp_path / "framed.parquet")), target="y", time_column="time",
                contract={"columns": {"qqqqqqq": {"dtype": "float"}}})
    assert "its columns: '2023'" in str(refused.value) and "header" not in str(refused.value), refused.value
    storage.write_table(wide, str(tmp_path / "wide.csv"))  # the same names as a CSV's first line: hinted
    with pytest.raises(DataValidationError, match="without a header row"):
        prepare(storage.read_table(str(tmp_path / "wide.csv")), target="y", time_column="time")


def test_day_first_dates_of_a_contract_column_are_read_as_its_format_says(tmp_path):
    # 01/02/2024 .. 05/02/2024 (February, day first) read both ways and are in order both ways: read month
    # first with a warning that named data.time_format, which applies to the time column only
    from ctloop.contract import DataContract, validate

    frame = pd.DataFrame({"time": ["2024-03-01"] * 5, "opened": [f"0{d}/02/2024" for d in range(1, 6)]})
    inferred = DataContract.from_dict({"columns": {"opened": {"dtype": "datetime"}}})
    with pytest.warns(UserWarning, match=r"column 'opened'.*read month first.*contract\.columns\.opened\.format"):
        validate(frame, inferred, {"time": ""})
    stated = DataContract.from_dict({"columns": {"opened": {"dtype": "datetime", "format": "%d/%m/%Y"}}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = validate(frame, stated, {"time": ""})
    assert out["opened"].dt.strftime("%Y-%m-%d").tolist() == [f"2024-02-0{d}" for d in range(1, 6)]
    assert DataContract.from_dict(stated.to_dict()) == stated
    for bad, said in (({"dtype": "float", "format": "%d/%m/%Y"}, "datetime"), ({"dtype": "datetime", "format": 3}, "text"),
                      ({"dtype": "datetime", "format": "%Q"}, "format")):
        with pytest.raises(ConfigError, match=rf"contract\.columns\.opened\.format.*{said}"):
            DataContract.from_dict({"columns": {"opened": bad}})
    from ctloop.components.prepare.core import prepare

    with pytest.raises(ConfigError, match=r"contract\.columns\.time\.format '%d/%m/%Y'.*set data\.time_format to '%d/%m/%Y'"):
        prepare(frame.assign(y=1), target="y", time_column="time",  # one of the two would go unread
                contract={"columns": {"time": {"dtype": "datetime", "format": "%d/%m/%Y"}}})


@pytest.mark.parametrize("data", [TEXT.decode().encode("utf-16-le"), TEXT.decode().encode("utf-16-be"),
                                  TEXT[:9] + b"\x00" + TEXT[9:]], ids=["utf-16-le", "utf-16-be", "nul"])
def test_a_csv_holding_nul_bytes_is_refused_not_read_as_gaps(tmp_path, capsys, data):
    # UTF-16 without a byte-order mark (PowerShell's Out-File -Encoding Unicode of some versions, a tool's
    # "Unicode" export) was read by training as columns 'x', 'Unnamed: 1' of gaps only; a NUL in a row cut its
    # value to a gap (pandas' C parser), while drift read the column as text
    named = _write(tmp_path / "d", {"part-0.csv": data})
    cur = _write(tmp_path / "cur", {"part-0.csv": TEXT})
    with pytest.raises(DataSourceError, match="NUL byte"):
        storage.read_table(named)
    assert main(["drift", "--reference", named, "--current", cur, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "NUL byte" in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_both_engines_say_a_repeated_csv_header_and_a_blank_named_file_as_training_does(tmp_path, capsys, engine):
    # the dataset reader (a directory, a glob; the stream engine's single file) said pyarrow's words: "Error creating
    # dataset. Could not read schema ... CSV file contained multiple columns named x", "... Empty CSV file or block"
    cur = _write(tmp_path / "cur", {"part-0.csv": TEXT})
    twice = _write(tmp_path / "twice", {"part-0.csv": b"x,x\n1,2\n"})
    blank = _write(tmp_path / "blank", {"part-0.csv.gz": gzip.compress(b"")}) + "/part-0.csv.gz"
    for side, said in ((twice, "has column 'x' twice (columns 1 and 2)"), (f"{twice}/*", "twice"),
                       (blank, "has no columns or rows")):
        assert main(["drift", "--reference", side, "--current", cur, "--quiet", "--engine", engine]) == 2
        err = capsys.readouterr().err
        assert said in err and "Could not read schema" not in err and len(err.strip().splitlines()) == 1, err


def test_a_csv_starting_with_two_byte_order_marks_is_refused(tmp_path, capsys):
    # a UTF-8 file with a mark written again with one (Excel's 'CSV UTF-8' of a file that had one, PowerShell's
    # Out-File -Encoding utf8 of Get-Content output): both readers strip one, and the first column was named
    # '\ufeffx', a feature no request names, which training took silently
    twice = _write(tmp_path / "d", {"part-0.csv": b"\xef\xbb\xbf\xef\xbb\xbf" + TEXT})
    with pytest.raises(DataSourceError, match="two UTF-8 byte-order marks"):
        storage.read_table(f"{twice}/part-0.csv")
    assert main(["drift", "--reference", twice, "--current", twice, "--quiet"]) == 2
    assert "two UTF-8 byte-order marks" in capsys.readouterr().err


@pytest.mark.parametrize("blank", [gzip.compress(b""), b"\n\n"], ids=["gzip of nothing", "blank lines"])
def test_training_leaves_out_a_csv_part_of_no_text_as_drift_does(tmp_path, blank):
    # Hadoop's gzip output of a reducer with no output (mapreduce.output.fileoutputformat.compress) is a 20-byte
    # part-r-00001.csv.gz: drift and scoring leave it out (round 40), read_table refused the whole directory with
    # it ("has no columns or rows"; a part of blank lines: "is empty (0 bytes of data)")
    ext = "csv.gz" if blank[:2] == b"\x1f\x8b" else "csv"
    root = _write(tmp_path / "out", {"part-r-00000.csv": TEXT, f"part-r-00001.{ext}": blank, "part-r-00002.csv": TEXT})
    assert len(storage.read_table(root)) == 2 * len(ROWS) == streaming.open_source(root).count_rows()
    only = _write(tmp_path / "none", {f"part-r-00001.{ext}": blank})
    with pytest.raises(DataSourceError, match="hold no text"):
        storage.read_table(only)
    partitioned = _write(tmp_path / "hive", {"day=1/part-0.csv": TEXT, f"day=2/part-0.{ext}": blank})
    assert storage.read_table(partitioned)["day"].unique().tolist() == [1]

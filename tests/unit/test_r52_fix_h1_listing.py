"""Review of round 52's one listing (r52-hunt-data): false refusals of real directories.

* A stray file that is no table (a ``README.md``, Athena's ``<query>.csv.metadata`` beside its result,
  Redshift's ``UNLOAD ... MANIFEST`` file ``<prefix>manifest``: docs.aws.amazon.com/redshift/latest/dg/
  r_UNLOAD.html) made drift/score refuse the whole directory ("cannot tell the format of its file
  README.md ... give the format (data.format ...)", an option drift has not); before round 52 drift read
  the other files. Now such a name is left out with one warning, by read_table too; a name that may be
  data (no extension: a Hive job's ``000000_0``; any other extension: test_r52_fix_h1b_data.py) is
  still refused, with advice the caller can follow.
* Spark writes timestamps as Parquet INT96 by default (``spark.sql.parquet.outputTimestampType``,
  Spark 3.5 ``SQLConf``) and reads them as UTC instants; pyarrow reads them without a zone. INT96 parts
  beside TIMESTAMP_MICROS (isAdjustedToUTC=true) parts were refused as "times without a time zone".
* The headerless-CSV check ran on every CSV directory drift read, and took one number-like field in a
  first line as a data row: ``id,2023,2024,2025,2026`` beside ``id,2023,score`` was refused though the
  compared column ``id`` is in both.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import CtloopError
from tests.unit.test_r52_data_one_listing import A, B, _parquet  # the same tables and writer


def _write(root, files: dict[str, bytes]) -> str:
    for name, data in files.items():
        storage.write_bytes(f"{root}/{name}", data)
    return str(root)


STRAYS = {
    "readme": ({"part-0.parquet": _parquet(A), "README.md": b"# daily export\n"}, "README.md"),
    # an Athena query's result folder: the CSV and its binary metadata beside it
    "athena": (
        {"q1.csv": b"x,n\n1.5,1\n2.5,2\n", "q1.csv.metadata": b"\n\x05\x08\x01"},
        "q1.csv.metadata",
    ),
    # Redshift UNLOAD ... FORMAT PARQUET MANIFEST
    "redshift": (
        {
            "0000_part_00.parquet": _parquet(A.head(1)),
            "0001_part_00.parquet": _parquet(A.tail(1)),
            "manifest": b'{"entries": []}',
        },
        "manifest",
    ),
    # a note beside key=value directories: no conflicting layout either
    "partitioned": ({"day=1/part-0.parquet": _parquet(A), "NOTES.md": b"x"}, "NOTES.md"),
}


@pytest.mark.parametrize("layout", list(STRAYS))
def test_a_stray_file_that_is_no_table_is_left_out_with_one_warning(tmp_path, layout):
    files, stray = STRAYS[layout]
    root = _write(tmp_path / "t", files)
    for read in (storage.read_table, streaming.open_source):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = read(root)
        rows = len(got) if isinstance(got, pd.DataFrame) else got.count_rows()
        said = [str(w.message) for w in caught if "left out" in str(w.message)]
        assert rows == 2 and len(said) == 1 and stray in said[0] and "\n" not in said[0], said


def test_ctloop_drift_reads_a_directory_with_a_readme_exit_0(tmp_path, capsys):
    ref = _write(tmp_path, {"ref.parquet": _parquet(A)}) + "/ref.parquet"
    cur = _write(tmp_path / "readme", STRAYS["readme"][0])
    argv = ["drift", "--reference", ref, "--current", cur, "--engine", "stream", "--no-report",
            "--min-rows", "1", "--output", str(tmp_path / "out"), "--quiet"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err  # exit 2: "give the format (data.format ...)"


def test_a_name_that_may_be_data_is_refused_with_advice_drift_can_follow(tmp_path):
    root = _write(tmp_path / "t", {"part-0.parquet": _parquet(A), "000000_0": _parquet(B)})
    said = _refusal(lambda: streaming.open_source(root))
    assert "cannot tell the format of its file 000000_0" in said and "data.format" not in said, said
    assert f"point at the files that have one ({root}/*.parquet)" in said, said
    assert streaming.open_source(f"{root}/*.parquet").count_rows() == 2  # the advice, followed
    assert "give the format (data.format: parquet or csv)" in _refusal(
        lambda: storage.read_table(root)
    )
    only = _write(tmp_path / "notes", {"notes.md": b"x"})
    for read in (storage.read_table, streaming.open_source):
        assert "holds no data files" in _refusal(lambda r=read: r(only))


def _refusal(call) -> str:
    with pytest.raises(CtloopError) as caught:
        call()
    return str(caught.value)


def test_spark_int96_times_beside_utc_times_are_read_as_utc_instants(tmp_path):
    root = tmp_path / "t"
    root.mkdir()
    moments = pa.array([1_700_000_000_000_000], pa.timestamp("us", "UTC"))
    # Spark's default: INT96, which pyarrow reads without a zone
    pq.write_table(pa.table({"t": moments.cast(pa.timestamp("us"))}), root / "part-0.parquet",
                   use_deprecated_int96_timestamps=True)  # fmt: skip
    pq.write_table(
        pa.table({"t": moments}), root / "part-1.parquet"
    )  # TIMESTAMP_MICROS, isAdjustedToUTC
    assert pq.ParquetFile(root / "part-0.parquet").schema.column(0).physical_type == "INT96"
    moment = pd.Timestamp(1_700_000_000_000_000, unit="us", tz="UTC")
    assert storage.read_table(str(root))["t"].tolist() == [moment, moment]
    assert streaming.read_side(str(root))[0]["t"].tolist() == [moment, moment]  # the memory engine
    table = streaming.open_source(str(root)).check_files().dataset.to_table()  # the stream engine
    assert table.column("t").type == pa.timestamp("us", "UTC") and table.column("t").to_pylist() == [
        moment.to_pydatetime(), moment.to_pydatetime()]  # fmt: skip


def test_csv_parts_with_years_for_names_and_every_read_column_are_read(tmp_path, capsys):
    cur = _write(tmp_path / "cur", {"part-0.csv": b"id,2023,2024,2025,2026\n1,2,3,4,5\n2,3,4,5,6\n",
                                    "part-1.csv": b"id,2023,score\n3,4,0.5\n4,5,0.6\n"})  # fmt: skip
    ref = _write(tmp_path, {"ref.csv": b"id\n1\n2\n3\n4\n"}) + "/ref.csv"
    for engine in ("stream", "memory"):
        argv = ["drift", "--reference", ref, "--current", cur, "--columns", "id", "--engine", engine,
                "--no-report", "--min-rows", "1", "--output", str(tmp_path / engine), "--quiet"]  # fmt: skip
        assert main(argv) == 0, (
            capsys.readouterr().err
        )  # exit 2: "its CSV parts have no header row"
    # a column read that a part lacks: said as before, not a headerless CSV (part-1's first line is mostly names)
    said = _refusal(lambda: streaming.state_of(cur, ["score"]))
    assert "no header row" not in said and "column 'score' is not in" in said, said


@pytest.mark.parametrize(
    ("files", "shown", "hint"),
    [
        # Hadoop's checksum and Flink's in-progress part: no file to point at ("point at .../.part-00000.crc")
        ({".part-00000.crc": b"x", "_SUCCESS": b""}, ".part-00000.crc", None),
        ({".part-0.inprogress.1f3a": b"x"}, ".part-0.inprogress.1f3a", None),
        # a table's file under a '_' directory, beside a checksum listed first: it, and where to point
        ({"._x.crc": b"x", "_data/part-0.parquet": _parquet(A)}, "_data/part-0.parquet", "_data"),
    ],
)
def test_a_scratch_only_directory_points_only_at_a_table_file(tmp_path, files, shown, hint):
    root = _write(tmp_path / "out", files)
    for read in (storage.read_table, streaming.open_source):
        said = _refusal(lambda r=read: r(root))
        assert f"e.g. {shown}" in said, said
        assert (
            (f"; to read them, point at {root}/{hint}" in said) if hint else "point at" not in said
        ), said


def test_a_partition_looks_for_a_table_log_above_each_key_value_level_innermost_first(
    gcs_bucket, monkeypatch
):
    # ctloop's own inference log, log/model=m/date=D/: the logs (_delta_log, .hoodie, metadata) are looked
    # for in log/model=m/, then in log/: 6 requests. Round 52 asked in log/ only (3), and so missed a table
    # whose root is named key=value (test_r52_fix_h1b_data.py); before it the same 6 were asked.
    root = f"gs://{gcs_bucket}/lookups/log"
    _write(root, {"model=m/date=2025-01-01/part-0.parquet": _parquet(A)})
    backend = type(storage._BACKENDS["gs"]())
    asked: list[str] = []
    first_below, names = backend.first_below, backend.names
    monkeypatch.setattr(
        backend,
        "first_below",
        lambda self, loc, prefix: asked.append(prefix) or first_below(self, loc, prefix),
    )
    monkeypatch.setattr(
        backend,
        "names",
        lambda self, loc, prefix, uri: asked.append(prefix) or names(self, loc, prefix, uri),
    )
    assert len(storage.read_table(f"{root}/model=m/date=2025-01-01/")) == 2
    assert asked == [
        f"lookups/log/model=m/{log}/" for log in ("_delta_log", ".hoodie", "metadata")
    ] + [f"lookups/log/{log}/" for log in ("_delta_log", ".hoodie", "metadata")], asked

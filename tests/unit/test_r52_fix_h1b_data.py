"""Second review of round 52's data path (r52-fix-h1): wrong reads where the base refused.

* A file beside the parts whose name has an extension other than a table's was left out as "no table":
  an ORC or Avro part, pandas' ``df.parquet.gzip`` (the name ``DataFrame.to_parquet``'s docs use), an
  LZO-compressed CSV part, a month's ``events.2024-02``: half the rows read, drift exit 0. Now only names
  whose producer writes no table are left out (a README, ``.md``, Athena's ``.metadata``, Hadoop's
  ``.crc``, Redshift's ``manifest``), with ``data.format`` set too; any other name is refused as before.
* An INT96 part (Spark's default timestamps, instants in UTC) beside parts in UTC and in Europe/Paris was
  read without a zone when it came first (datetime64, each time shown as a wall clock in UTC): now in UTC.
* A partition under a table root that is itself named ``key=value`` (``features/version=3/_delta_log``,
  parts under ``version=3/date=D/``) was read: the log was looked for only above the outermost
  ``key=value`` level.
"""

from __future__ import annotations

import io
import warnings

import pandas as pd
import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

from ctloop import storage
from ctloop.drift import streaming
from tests.unit.test_r52_fix_h1_listing import _refusal, _write  # one writer, one refusal reader

A = pd.DataFrame({"x": [1, 2]})
B = pd.DataFrame({"x": [3, 4]})


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _orc(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    orc.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("part-1.orc", _orc(B)),  # Spark's df.write.orc
        ("df.parquet.gzip", _parquet(B)),  # pandas: DataFrame.to_parquet docs
        ("part-1.lzo", b"x\n3\n4\n"),  # Hadoop's LzopCodec text part
        ("events.2024-02", b"x\n3\n4\n"),  # a month's export
    ],
)
def test_a_part_with_another_extension_is_refused_not_left_out(tmp_path, name, data):
    root = _write(tmp_path / "t", {"part-0.parquet": _parquet(A), name: data})
    for read in (storage.read_table, streaming.open_source):
        said = _refusal(lambda r=read: r(root))  # was: 2 of the 4 rows, a "left out" warning
        assert f"cannot tell the format of its file {name} from its name" in said, said


def test_a_readme_is_left_out_with_data_format_given_too(tmp_path):
    # one rule: with data.format a README.md was read as Parquet ("Parquet magic bytes not found")
    root = _write(tmp_path / "t", {"part-0.parquet": _parquet(A), "README.md": b"# export\n"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert storage.read_table(root, "parquet")["x"].tolist() == [1, 2]
    assert any(
        "left out 1 file(s)" in str(w.message) and "README.md" in str(w.message) for w in caught
    )


DELTA_LOG = b'{"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}}\n'


@pytest.mark.parametrize("store", ["local", "gcs"])
def test_a_partition_of_a_delta_table_whose_root_is_named_key_value_is_refused(
    tmp_path, request, store
):
    # features/version=3 is the Delta table (its _delta_log/ there), partitioned by date: the log was looked
    # for only above version=3, and date=2024-01-01/ read with the files its log removed
    base = (
        str(tmp_path) if store == "local" else f"gs://{request.getfixturevalue('gcs_bucket')}/h1b"
    )
    table = f"{base}/lake/features/version=3"
    _write(table, {"_delta_log/00000000000000000000.json": DELTA_LOG,
                   "date=2024-01-01/part-0.parquet": _parquet(A)})  # fmt: skip
    said = _refusal(lambda: storage.read_table(f"{table}/date=2024-01-01"))
    shown = table if store == "local" else f"{table}/"
    assert f"is inside {shown}, a Delta Lake table (its _delta_log/)" in said, said


def test_a_data_directory_under_a_partition_of_a_delta_table_is_refused(tmp_path):
    table = tmp_path / "t"
    _write(table, {"_delta_log/00000000000000000000.json": DELTA_LOG,
                   "region=eu/data/part-0.parquet": _parquet(A)})  # fmt: skip
    said = _refusal(lambda: storage.read_table(f"{table}/region=eu/data"))
    assert f"is inside {table}, a Delta Lake table" in said, said


MOMENT = pd.Timestamp("2024-01-01 12:00", tz="UTC")


@pytest.mark.parametrize(
    "order", [("int96", "UTC", "Europe/Paris"), ("UTC", "Europe/Paris", "int96")]
)
def test_an_int96_part_beside_parts_in_two_zones_is_read_in_utc(tmp_path, order):
    moments = pa.array([MOMENT.to_pydatetime()], pa.timestamp("us", "UTC"))
    for i, kind in enumerate(
        order
    ):  # Spark's INT96: written as UTC instants, read by pyarrow without a zone
        zoned = moments if kind == "int96" else moments.cast(pa.timestamp("us", kind))
        pq.write_table(pa.table({"t": zoned, "x": [float(i)]}), tmp_path / f"part-{i}.parquet",
                       use_deprecated_int96_timestamps=kind == "int96")  # fmt: skip
    source = streaming.check_side(streaming.open_source(str(tmp_path)), ["t", "x"], "current")
    table = source.dataset.to_table()  # the stream engine
    assert table.schema.field("t").type == pa.timestamp("us", "UTC")
    assert (
        table.column("t").to_pylist() == [MOMENT.to_pydatetime()] * 3
    )  # the same instant, each file
    frame = streaming.read_side(str(tmp_path))[0]  # the memory engine
    assert frame["t"].tolist() == [MOMENT] * 3, frame["t"]


def _int96_directory(root, parts: int, created_by: str | None = None) -> None:
    """``parts`` INT96 parts (Spark's default), then one part in UTC; ``created_by`` the INT96 parts' writer."""
    root.mkdir()
    moments = pa.array([MOMENT.to_pydatetime()], pa.timestamp("us", "UTC"))
    for i in range(parts):
        pq.write_table(pa.table({"t": moments, "x": [float(i)]}), root / f"part-{i}.parquet",
                       use_deprecated_int96_timestamps=True)  # fmt: skip
        if created_by is not None:  # the footer's created_by, same length: the thrift stays valid
            data = (root / f"part-{i}.parquet").read_bytes()
            ours = pq.ParquetFile(root / f"part-{i}.parquet").metadata.created_by.encode()
            assert data.count(ours) == 1 and len(created_by) <= len(ours)
            (root / f"part-{i}.parquet").write_bytes(
                data.replace(ours, created_by.encode().ljust(len(ours)))
            )
    pq.write_table(pa.table({"t": moments, "x": [9.0]}), root / f"part-{parts}.parquet")


def test_int96_columns_are_read_from_each_footer_once(tmp_path, monkeypatch):
    _int96_directory(tmp_path / "t", 4)
    asked: list[str] = []
    int96_columns, table_file = storage.int96_columns, storage._table_file
    monkeypatch.setattr(
        storage, "int96_columns", lambda m: asked.append("footer") or int96_columns(m)
    )
    monkeypatch.setattr(storage, "_table_file", lambda uri: asked.append(uri) or table_file(uri))
    assert storage.read_table(str(tmp_path / "t"))["t"].tolist() == [MOMENT] * 5
    opened = [a for a in asked if a != "footer"]
    # was: 9, the 4 INT96 parts fetched again
    assert len(opened) == 5 and asked.count("footer") == 5, asked
    asked.clear()
    table = streaming.check_side(streaming.open_source(str(tmp_path / "t")), ["t"], "current")
    assert table.dataset.to_table().column("t").to_pylist() == [MOMENT.to_pydatetime()] * 5
    # each footer once at most (the fragment scan per file asked, O(N²), is no call to count: check_side
    # of 1000 INT96 parts took 1.7 s before, 0.04 s now)
    assert asked.count("footer") <= 5, asked


def test_impala_int96_times_beside_utc_times_are_refused_not_shifted(tmp_path):
    # Impala writes INT96 as the wall clock, unconverted (SPARK-12297): not the UTC instants Spark writes
    _int96_directory(tmp_path / "t", 1, created_by="impala version 4.1.0-RELEASE")
    assert pq.ParquetFile(tmp_path / "t" / "part-0.parquet").metadata.created_by.startswith(
        "impala"
    )
    for read in (
        storage.read_table,
        lambda d: streaming.check_side(streaming.open_source(d), ["t"], "current"),
    ):
        said = _refusal(lambda r=read: r(str(tmp_path / "t")))
        assert "part-0.parquet" in said and "UTC" in said, said

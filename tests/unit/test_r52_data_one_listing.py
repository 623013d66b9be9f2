"""One listing of a part directory for training and for drift/scoring (round 52).

``read_table`` (``prepare_data``, ``ctloop backtest``) lists a directory with ``storage.directory_table``,
which refuses what cannot be read as one table: a Spark job's ``_temporary/`` without ``_SUCCESS``
(Hadoop 3.3 ``FileOutputCommitter``), Delta/Hudi/Iceberg tables and directories inside them, conflicting
``key=value`` layouts (Spark 3.5 ``PartitioningUtils``: "Conflicting directory structures detected"), and it
hides the files of a Databricks transaction that did not commit (docs.databricks.com/archive/legacy/
dbio-commit.html). The dataset reader of ``ctloop drift`` and ``ctloop score``
(``ctloop.drift.streaming.open_source``) listed on its own with none of these rules, so drift and
training read different rows of one directory. Now both take the directory's files from the one function.

Also: Spark's CSV writer writes no header row unless ``header`` is true (``CSVOptions.headerFlag``, Spark
3.5): each part's first row was taken as its column names ("has no column '2025-01-01T00:00:00.000Z'");
and a Delta/Hudi/Iceberg parent that prefix-scoped credentials may not list is read as plain files with
a warning that it could not be checked.
"""

from __future__ import annotations

import io
import json
import warnings

import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import CtloopError, DataSourceError, DataValidationError

A = pd.DataFrame({"x": [1.5, 2.5], "n": [1, 2]})
B = pd.DataFrame({"x": [3.5], "n": [3]})


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _write(root: str, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        storage.write_bytes(f"{root}/{name}", data or _parquet(A))


LAYOUTS = {
    # a Spark job still writing (or failed): _temporary/ and no _SUCCESS
    "temporary": (
        {"part-0.parquet": b"", "_temporary/0/_temporary/attempt_1/part-1.parquet": b""},
        "",
        "no _SUCCESS",
    ),
    # a Delta table, and a partition of one (its removed files were read)
    "delta": (
        {"_delta_log/00000000000000000001.json": b"{}", "part-0.parquet": b""},
        "",
        "Delta Lake table",
    ),
    "delta partition": (
        {"_delta_log/0.json": b"{}", "day=1/part-0.parquet": b""},
        "day=1",
        "Delta Lake table",
    ),
    "hudi": ({".hoodie/hoodie.properties": b"x", "part-0.parquet": b""}, "", "Apache Hudi table"),
    "iceberg": (
        {"metadata/v2.metadata.json": b"{}", "data/0-a.parquet": b""},
        "data",
        "Apache Iceberg table",
    ),
    # a plain directory beside key=value ones: its rows read with day null
    "conflicting": (
        {"day=1/part-0.parquet": b"", "backup/part-0.parquet": b""},
        "",
        "conflicting directory",
    ),
}


def _refusal(call) -> str:
    with pytest.raises(CtloopError) as caught:
        call()
    return str(caught.value)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_drift_and_scoring_refuse_the_directories_training_refuses_in_the_same_words(
    tmp_path, layout
):
    files, below, said = LAYOUTS[layout]
    root = str(tmp_path / "t")
    _write(root, files)
    uri = f"{root}/{below}" if below else root
    trained = _refusal(lambda: storage.read_table(uri))
    streamed = _refusal(lambda: streaming.open_source(uri))  # read every row before
    assert said in trained and streamed == trained and "\n" not in streamed


def test_drift_reads_only_the_files_a_databricks_commit_added_as_training_does(tmp_path):
    root = str(tmp_path / "t")
    _write(
        root,
        {
            "part-00000-tid-5-a.parquet": _parquet(A),
            "part-00001-tid-5-b.parquet": _parquet(B),
            "part-00002-tid-6-c.parquet": _parquet(B),
            "_started_5": b"x",
            "_started_6": b"x",
            "_committed_5": json.dumps(
                {"added": ["part-00000-tid-5-a.parquet"], "removed": []}
            ).encode(),
        },
    )
    # tid-5-b: not added by its commit; tid-6: started, never committed
    assert storage.read_table(root)["n"].tolist() == [1, 2]
    source = streaming.open_source(root)
    assert source.files == [f"{root}/part-00000-tid-5-a.parquet"]  # read all three (5 rows) before
    assert source.count_rows() == 2


def test_ctloop_drift_exits_2_on_a_job_still_writing(tmp_path, capsys):
    ref, cur = str(tmp_path / "ref.parquet"), str(tmp_path / "cur")
    storage.write_bytes(ref, _parquet(A))
    _write(cur, {"part-0.parquet": _parquet(A), "_temporary/0/part-1.parquet": _parquet(B)})
    code = main(
        [
            "drift",
            "--reference",
            ref,
            "--current",
            cur,
            "--engine",
            "stream",
            "--no-report",
            "--output",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no _SUCCESS" in err[0], err


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["gs", "s3", "az"])
def test_one_listing_on_an_object_store(stores, scheme, monkeypatch, tmp_path):
    from tests.fixtures.object_stores import fresh_bucket

    root = fresh_bucket(stores[scheme], monkeypatch, tmp_path / "home", "exports/t")
    _write(
        root,
        {"part-00000-tid-5-a.parquet": _parquet(A), "_temporary/0/part-00001-tid-5-b.parquet": b""},
    )
    backend = type(storage._BACKENDS[scheme]())
    calls: list[str] = []

    def counting(name: str):
        real = getattr(backend, name)

        def counted(self, *args):
            calls.append(name)
            return real(self, *args)

        return counted

    for method in ("objects", "list", "first_below", "names"):  # every listing a backend makes
        monkeypatch.setattr(backend, method, counting(method))
    for uri in (root, root + "/"):
        calls.clear()
        assert "no _SUCCESS" in _refusal(lambda u=uri: streaming.open_source(u))
        # one listing of the files (objects); no key=value level: no table root looked for (first_below);
        # names: storage.refuse_unlistable's look for '//' names before pyarrow lists (a listing of its own)
        assert sorted(calls) == ["names", "objects"], calls
    _write(root, {"_SUCCESS": b"-", "_started_7": b"x", "part-00002-tid-7-c.parquet": _parquet(B)})
    calls.clear()
    assert storage.read_table(root + "/")["n"].tolist() == [1, 2]
    # (named without its '/', read_table lists once more first: is it a prefix?)
    assert calls == ["objects"], calls
    calls.clear()
    assert streaming.open_source(root).count_rows() == 2  # tid-7 never committed: read before
    assert sorted(calls) == ["names", "objects"], calls


SPARK_CSV = {  # df.write.csv(path): no header row (Spark 3.5 CSVOptions.headerFlag defaults to false)
    "part-00000-3f1c-c000.csv": b"2025-01-01T00:00:00.000Z,1.5,1,a\n2025-01-02T00:00:00.000Z,2.5,0,b\n",
    "part-00001-3f1c-c000.csv": b"2025-01-03T00:00:00.000Z,3.5,1,c\n",
    "_SUCCESS": b"-",
}


def test_spark_csv_parts_without_a_header_row_are_said_to_have_none(tmp_path, capsys):
    root = str(tmp_path / "out")
    _write(root, SPARK_CSV)
    # read_table said "has no column '2025-01-01T00:00:00.000Z'", drift "lacks column(s) 'time', 'x', 'y'"
    # drift asks where a column read is missing (round 52 review: not of every CSV directory)
    for read in (storage.read_table, lambda r: streaming.state_of(r, ["time"])):
        message = _refusal(lambda r=read: r(root))
        assert (
            "no header row" in message
            and 'option("header", "true")' in message
            and "\n" not in message
        )
    ref = str(tmp_path / "ref.csv")
    storage.write_bytes(ref, b"time,x,y,c\n2025-01-01T00:00:00.000Z,1.5,1,a\n")
    code = main(
        [
            "drift",
            "--reference",
            ref,
            "--current",
            root,
            "--no-report",
            "--output",
            str(tmp_path / "o"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no header row" in err[0], err


def test_parts_that_repeat_one_header_are_not_headerless(tmp_path):
    # header=true: each part starts with the same line, even when its names are numbers (a year per column)
    root = str(tmp_path / "out")
    _write(root, {"part-0.csv": b"2019,2020\n1,2\n", "part-1.csv": b"2019,2020\n3,4\n"})
    assert storage.read_table(root)["2019"].tolist() == [1, 3]
    assert streaming.open_source(root).count_rows() == 2


def test_one_headerless_part_is_said_to_look_like_a_row_of_data_when_a_column_is_missing(tmp_path):
    from ctloop.components.prepare.core import prepare

    root = str(tmp_path / "out")
    _write(
        root, {"part-00000-3f1c-c000.csv": SPARK_CSV["part-00000-3f1c-c000.csv"], "_SUCCESS": b"-"}
    )
    with pytest.raises(
        DataValidationError, match=r"look like a row of data .*option\(\"header\", \"true\"\)"
    ):
        prepare(storage.read_table(root), target="y", time_column="time")


def test_a_table_log_above_a_prefix_the_credentials_may_not_list_is_warned_of_once(
    gcs_bucket, monkeypatch
):
    # credentials scoped to the prefix read (an s3:prefix condition on ListBucket, a GCS managed folder): the
    # look for _delta_log/.hoodie/metadata above it is refused; read as plain files, and said once
    root = f"gs://{gcs_bucket}/scoped/sales"
    _write(root, {"region=eu/part-0.parquet": _parquet(A)})
    backend = type(storage._BACKENDS["gs"]())
    listed = backend.first_below

    def scoped(self, loc, prefix):
        if not prefix.startswith("scoped/sales/region=eu/"):
            raise DataSourceError(
                f"gs://{gcs_bucket}/{prefix}: access denied (listing outside the granted prefix)"
            )
        return listed(self, loc, prefix)

    monkeypatch.setattr(backend, "first_below", scoped)
    monkeypatch.setattr(
        backend, "names", lambda self, loc, prefix, uri: scoped(self, loc, prefix) or iter(())
    )
    for read in (storage.read_table, streaming.open_source):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            read(f"{root}/region=eu/")
        said = [str(w.message) for w in caught if "could not check" in str(w.message)]
        assert len(said) == 1 and "\n" not in said[0], said
        assert (
            f"gs://{gcs_bucket}/scoped/sales/ above it" in said[0] and "removed are read" in said[0]
        ), said


@pytest.mark.parametrize("at", ["2025/01/01", "2025", "2025/01/01/"])
def test_a_hudi_partition_without_key_value_levels_is_refused_not_read_with_every_file_version(
    tmp_path, at
):
    # Hudi writes .hoodie_partition_metadata in each partition (HoodiePartitionMetadata.java, apache/hudi); its
    # default partition paths are 2025/01/01, so the look above key=value levels never reached .hoodie/.
    # A copy-on-write update writes a new version of a file group beside the old one: both were read.
    root = str(tmp_path / "t")
    day = "2025/01/01"
    _write(
        root,
        {
            ".hoodie/hoodie.properties": b"hoodie.table.name=t\n",
            f"{day}/.hoodie_partition_metadata": b"commitTime=20250101000000\npartitionDepth=3\n",
            f"{day}/6f1c-0_0-1-1_20250101000000.parquet": _parquet(A),
            f"{day}/6f1c-0_0-2-2_20250102000000.parquet": _parquet(A),  # the same rows, updated
        },
    )
    uri = f"{root}/{at}"
    for read in (storage.read_table, streaming.open_source):  # read 4 rows of 2 before
        message = _refusal(lambda r=read: r(uri))
        assert (
            "Apache Hudi table" in message and ".hoodie_partition_metadata marks one" in message
        ), message


def _sink_log(*paths: str, action: str = "add") -> bytes:
    # FileStreamSinkLog (Spark 3.5 FileStreamSinkLog.scala): "v1", then one SinkFileStatus JSON per file
    entries = [
        json.dumps(
            {
                "path": p,
                "size": 1,
                "isDir": False,
                "modificationTime": 1,
                "blockReplication": 1,
                "blockSize": 1,
                "action": action,
            }
        )
        for p in paths
    ]
    return "\n".join(["v1", *entries]).encode()


def test_a_spark_streaming_sinks_directory_reads_the_files_its_log_lists(tmp_path):
    # a file sink's micro-batch that failed and was retried leaves its first attempt's file beside the log,
    # which Spark's reader leaves out (MetadataLogFileIndex); read as plain files, its rows counted twice
    root = str(tmp_path / "sink")
    job = "s3a://lake/events"  # where the job wrote: the log names the store it wrote to
    a1, b2, c3 = (f"part-00000-{u}.c000.snappy.parquet" for u in ("a1", "b2", "c3"))
    _write(
        root,
        {
            a1: _parquet(A),
            b2: _parquet(B),
            c3: _parquet(A),  # batch 2's failed first attempt
            "_spark_metadata/0": _sink_log(f"{job}/{a1}"),
            "_spark_metadata/1.compact": _sink_log(f"{job}/{a1}", f"{job}/{b2}"),
            "_spark_metadata/2": b"v1\n",  # a batch without rows
        },
    )
    assert storage.read_table(root)["n"].tolist() == [1, 2, 3]  # was [1, 2, 3, 1, 2]
    source = streaming.open_source(root)
    assert source.files == [f"{root}/{a1}", f"{root}/{b2}"] and source.count_rows() == 3
    storage.write_bytes(f"{root}/_spark_metadata/3", b"v2\n{}")
    for read in (storage.read_table, streaming.open_source):
        message = _refusal(lambda r=read: r(root))
        assert "_spark_metadata/3 is not a log of files" in message and "\n" not in message, message


def test_parquet_parts_of_zoned_and_unzoned_times_are_refused_by_drift_as_by_training(tmp_path):
    # Spark's TIMESTAMP_NTZ beside TIMESTAMP (or pandas' naive beside UTC): read_table refuses the two kinds;
    # drift read the naive ones as UTC (Arrow's permissive promotion), shifted by the writer's offset
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path / "t"
    root.mkdir()
    moments = pa.array([1_700_000_000_000_000], pa.timestamp("us", "UTC"))
    pq.write_table(pa.table({"a": [1], "t": moments}), root / "part-0.parquet")
    pq.write_table(
        pa.table({"a": [2], "t": moments.cast(pa.timestamp("us"))}), root / "part-1.parquet"
    )
    assert "times in UTC" in _refusal(lambda: storage.read_table(str(root)))
    message = _refusal(
        lambda: streaming.read_side(str(root))
    )  # the memory engine; the stream engine alike
    assert (
        "times in UTC in" in message and "without a time zone in" in message and "part-1" in message
    ), message

"""Reading tables, round 56 (r56-data).

* An inference log's CSV file written before ``_error`` became an identity column (a number ``_error``: the
  feature ``input__error``, ``Source.with_former_features``) was read by ``Source._former_batches``, which had
  none of the checks every other stream-engine file gets (round 55): a quote opened in its last row's last
  value and never closed took the rest of the file into that value (301 rows of 601 lines, "no drift", exit
  0), a NUL byte in a value was read, and a number column whole in its first block and fractional further on
  failed as Arrow's conversion error where it is widened in any other file. Such a file is read by the one loop every CSV file is read by
  (``Source._file_batches``), under its own names, and handed on renamed.
* A gzipped CSV file whose name does not end in .gz (``gsutil cp -z``, a renamed export), which Arrow reads
  under ``<name>.gz`` (round 55: ``Source.stored``), was named by that name, a file that does not exist, in
  ``check_files``' refusal of two files' kinds (``_widest``), in Arrow's own errors (a row of too many fields:
  "Could not open CSV input source '.../b.csv.gz'") and in a header that is not UTF-8 (``_header_not_utf8``).
  Its own name is given (``_own_words``: Arrow's quoted names replaced).
* ``max_categories`` had no upper bound (``DriftState`` checked >= 64 only; no flag or setting exposes it):
  ``10**12`` never hashed, so a categorical column's exact counts grew with the rows (2M distinct values: 184 MB
  for one column and side, 1 MB at the default; saving the state 29.8 s, 52 MB of JSON). A new state is refused
  above ``MAX_CATEGORIES`` (2,000,000: 200 MB at about 100 bytes an exact count, ``MAX_SKETCH_SIZE``'s budget); a
  saved or merged state keeps its own.
* A glob of a Delta Lake table's files (``t/*.parquet``, ``t/region=eu/*.parquet``) was read by the stream
  engine (drift, score) as plain files: every version's rows, those the log removed too (6 rows of a 3-row
  table after one UPDATE, ``ctloop drift`` exit 0). Only a directory a glob matched was checked for a table
  log. The directories holding the matched files are now (``storage.refuse_table_files``), locally and on an
  object store (from the glob's own listing).
* ``read_table`` (prepare_data, ctloop backtest) refused a directory of Parquet files whose column is pandas'
  ``category`` (Arrow's dictionary type) in some files and plain text in others ("holds categories in a.parquet
  but text in b.parquet"), where drift read it: such a column is read as its values.
* Review: an object store's Delta log that is only a zero-byte folder marker (``t/_delta_log/``), which Arrow
  lists as a directory, was missing from the glob's listing of files, so ``t/*.parquet`` and (once a glob's
  parents were answered from that listing) ``**/*.parquet`` of a partition beside it were read as plain
  Parquet. The listing's log directories are kept (``streaming._list_files(logs=...)``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import ConfigError, DataSourceError

_LOG = "request_id,has_request,has_response,_error,x,s\n"  # _error a number: the feature of a former layout
_BODY = "".join(f"r{i},true,true,{i % 2},{i % 3},y\n" for i in range(300))


def _drift(capsys, tmp_path, engine: str) -> tuple[int, str]:
    (tmp_path / "ref.csv").write_text(
        "_error,x,s\n" + "".join(f"{i % 2},{i % 3},y\n" for i in range(300))
    )
    code = main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "log"),
                 "--quiet", "--no-report", "--engine", engine, "--output", str(tmp_path / "out")])  # fmt: skip
    return code, capsys.readouterr().err


@pytest.mark.parametrize("engine", ["stream", "memory"])
@pytest.mark.parametrize(
    "b, said",
    [
        # s opens a quote in b.csv's first row, never closed: was 301 rows, exit 0
        (
            _LOG + 'q,true,true,0,1,"q\n' + _BODY,
            " is not a readable csv file: Error tokenizing data. C error: EOF "
            "inside string starting at row 1",
        ),
        (
            _LOG + _BODY + "z,true,true,0,1,n\0ul\n",
            ": column 's' holds a NUL byte on row 301 ('n\\x00ul')",
        ),
    ],
    ids=["open-quote", "nul"],
)
def test_a_former_layouts_csv_file_gets_every_files_checks(tmp_path, capsys, engine, b, said):
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "a.csv").write_text(_LOG + _BODY)
    (tmp_path / "log" / "b.csv").write_text(b)
    code, err = _drift(capsys, tmp_path, engine)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"error: --current: {tmp_path / 'log' / 'b.csv'}{said}"), err
    assert not (tmp_path / "out").exists()


def test_a_former_layouts_csv_file_with_a_closed_quoted_line_end_is_read(tmp_path):
    (tmp_path / "a.csv").write_text(_LOG + _BODY)
    (tmp_path / "b.csv").write_text(_LOG + _BODY + 'q,true,true,1,1,"q\nz"\n')
    source = streaming.open_source(str(tmp_path)).with_former_features()
    batches = [batch for batch, _, _ in source.batches(["input__error", "s"])]
    assert sum(batch.num_rows for batch in batches) == 601
    assert batches[-1].to_pylist()[-1] == {"input__error": 1, "s": "q\nz"}


def test_a_former_layouts_csv_file_is_widened_past_its_first_block(tmp_path):
    body = "".join(
        f"r{i},true,true,{i % 2},{i % 3},y\n" for i in range(60000)
    )  # past Arrow's 1 MiB block
    (tmp_path / "a.csv").write_text(_LOG + body)
    (tmp_path / "b.csv").write_text(_LOG + body + "z,true,true,0.5,1,y\n")
    source = streaming.open_source(str(tmp_path)).with_former_features()
    assert list(source.former.values()) == [{"_error": "input__error"}] * 2
    # was "cannot read b.csv: In CSV column #3: Row #60002: CSV conversion error to int64: invalid value '0.5'"
    batches = [batch for batch, _, _ in source.batches(["input__error", "x"])]
    assert sum(batch.num_rows for batch in batches) == 120001
    assert batches[-1].column("input__error")[-1].as_py() == 0.5


# a gzipped CSV file not named .gz (gsutil cp -z, a renamed export): Arrow reads it as <name>.gz (Source.stored)
def _gzipped_dir(path, b: bytes):
    path.mkdir()
    (path / "a.csv").write_text("x,y\n1,2\n")
    (path / "b.csv").write_bytes(gzip.compress(b))
    return path


def test_a_refusal_of_two_files_kinds_names_a_gzipped_file_by_its_own_name(tmp_path):
    side = _gzipped_dir(tmp_path / "cur", b"x,y\ntrue,3\n")
    with pytest.raises(DataSourceError) as refused:
        streaming.open_source(str(side)).check_files(["x", "y"])
    # was "... but bool in .../cur/b.csv.gz": no such file
    assert str(refused.value).startswith(
        f"column 'x' is int64 in {side / 'a.csv'} but bool in {side / 'b.csv'}: "
    )


def test_arrows_parse_error_names_a_gzipped_file_by_its_own_name(tmp_path, capsys):
    side = _gzipped_dir(tmp_path / "cur", b"x,y\n1,2\n3,4,5\n")
    (tmp_path / "ref.csv").write_text("x,y\n1,2\n")
    code = main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(side), "--quiet", "--no-report",
                 "--engine", "stream"])  # fmt: skip
    assert (code, capsys.readouterr().err) == (
        2,
        f"error: --current: {side}: cannot read a file's first rows: Could not open CSV input source "
        f"'{side / 'b.csv'}': Invalid: CSV parse error: Row #3: Expected 2 columns, got 3: 3,4,5\n",
    )  # was '.../cur/b.csv.gz'
    with pytest.raises(DataSourceError) as single:  # a file named on its own
        streaming.open_source(str(side / "b.csv"))
    assert f"{side / 'b.csv'}.gz" not in str(single.value) and f"'{side / 'b.csv'}'" in str(
        single.value
    )


def test_a_header_not_utf8_names_a_gzipped_file_by_its_own_name(tmp_path, monkeypatch):
    from ctloop import storage

    monkeypatch.setattr(
        storage, "CSV_HEADER_MAX_BYTES", storage.CSV_HEAD_BYTES
    )  # the bounded read stops early
    # names gzip packs little, the dataset's first file: its header is read by Arrow, past the bounded read
    names = [hashlib.sha256(b"%d" % i).hexdigest() for i in range(40)]
    side = tmp_path / "cur"
    side.mkdir()
    (side / "a.csv").write_bytes(
        gzip.compress(",".join([*names, "caf\xe9"]).encode("latin-1") + b"\n" + b"1," * 40 + b"1\n")
    )
    (side / "b.csv").write_text(",".join([*names, "x"]) + "\n" + "1," * 40 + "1\n")
    with pytest.raises(DataSourceError) as refused:
        streaming.open_source(str(side))
    assert str(refused.value).startswith(
        f"{side / 'a.csv'} is not UTF-8 text (its header: "
    )  # was a.csv.gz


# ---------------------------------------------------------------------------- max_categories' bound
@pytest.mark.parametrize("limit", [10**12, 2_000_001])
def test_a_new_drift_state_beyond_the_category_bound_is_refused(limit):
    """On main DriftState(max_categories=10**12) was taken and never hashed: 2M distinct values of one column
    held 184 MB (1 MB at the default) and saving the state took 29.8 s, growing with the rows."""
    with pytest.raises(ConfigError) as refused:
        streaming.DriftState(max_categories=limit)
    assert str(refused.value) == f"max_categories must be an integer in 64..2000000, got {limit!r}"
    assert (
        streaming.MAX_CATEGORIES == 2_000_000
    )  # 200 MB at 100 bytes a count, as MAX_SKETCH_SIZE at 40 a bucket
    assert streaming.DriftState(max_categories=streaming.MAX_CATEGORIES).max_categories == 2_000_000


def test_detect_sources_refuses_the_category_bound(tmp_path):
    path = tmp_path / "side.csv"
    path.write_text("c\na\nb\n")
    with pytest.raises(
        ConfigError,
        match=r"^max_categories must be an integer in 64\.\.2000000, got 1000000000000$",
    ):
        streaming.detect_sources(str(path), str(path), max_categories=10**12)


def test_a_saved_state_of_more_categories_is_still_read_and_merged():
    """A state saved before round 56 may hold any max_categories: read and merged as saved, not called damaged."""
    saved = streaming.DriftState().update(pd.DataFrame({"c": ["a", "b", "a"]})).to_dict()
    saved["max_categories"] = big = 10**12
    saved["columns"][0]["categories"]["limit"] = big
    state = streaming.DriftState.from_dict(saved)
    assert state.max_categories == big and state.columns["c"].categories.limit == big
    merged = state.merge(streaming.DriftState.from_dict(saved))
    assert merged.max_categories == big and merged.rows == 6
    assert merged.columns["c"].categories.counts == {"a": 4, "b": 2}
    assert streaming.DriftState.from_dict(merged.to_dict()).max_categories == big


# ---------------------------------------------------------------------------- a glob of a table's files
def _delta_table(put) -> None:
    """A Delta table of two commits (``put(name, bytes)``): version 1 rewrote part-0 as part-1 (an UPDATE), so
    the log removes part-0; its files hold both versions' rows (Delta protocol: ``add``/``remove`` actions in
    ``_delta_log/<version>.json``, delta-io/delta PROTOCOL.md)."""
    for name, rows in (("part-0.parquet", [1.0, 2.0, 3.0]), ("part-1.parquet", [1.0, 2.0, 30.0])):
        out = io.BytesIO()
        pq.write_table(pa.table({"x": rows}), out)
        put(name, out.getvalue())
    put("region=eu/part-2.parquet", out.getvalue())
    put("_delta_log/00000000000000000000.json", b'{"add": {"path": "part-0.parquet"}}\n')
    put("_delta_log/00000000000000000001.json",
        b'{"remove": {"path": "part-0.parquet"}}\n{"add": {"path": "part-1.parquet"}}\n')  # fmt: skip


_TABLE_SAID = (
    " a Delta Lake table (its _delta_log/): its files hold every version's rows, and only its log says which are "
    "the table"
)


def test_a_glob_of_a_delta_tables_files_is_refused_as_the_table_is(tmp_path, capsys):
    table = tmp_path / "t"

    def put(name: str, data: bytes) -> None:
        (table / name).parent.mkdir(parents=True, exist_ok=True)
        (table / name).write_bytes(data)

    _delta_table(put)
    for pattern, said in (
        (
            "*.parquet",
            f"matches files in {table},",
        ),  # was 6 rows: both versions of the updated rows
        ("**/*.parquet", f"matches files in {table},"),
        ("part-?.parquet", f"matches files in {table},"),
        ("region=eu/*.parquet", f"matches files inside {table},"),  # a partition of it
    ):
        with pytest.raises(ConfigError) as refused:
            streaming.open_source(f"{table}/{pattern}")
        assert str(refused.value).startswith(f"{table}/{pattern} {said}{_TABLE_SAID}"), str(
            refused.value
        )
    (tmp_path / "ref.parquet").write_bytes((table / "part-1.parquet").read_bytes())
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", f"{table}/*.parquet",
                 "--quiet", "--no-report", "--output", str(tmp_path / "out")])  # fmt: skip
    assert code == 2 and not (tmp_path / "out").exists()  # was 0, "no drift", comparing 6 rows
    assert capsys.readouterr().err.startswith(
        f"error: --current: {table}/*.parquet matches files in {table},"
    )
    # a glob of files beside no table log reads them
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.parquet").write_bytes((table / "part-1.parquet").read_bytes())
    assert streaming.open_source(f"{plain}/*.parquet").count_rows() == 3


def test_a_glob_of_a_delta_tables_objects_is_refused(moto_fs, on_moto):
    objects: dict[str, bytes] = {}
    _delta_table(lambda name, data: objects.__setitem__(f"t/{name}", data))
    bucket = _bucket(moto_fs, objects)
    root = f"s3://{bucket}/t"
    # the glob's own listing shows the log below it; the partition's parent is asked (storage._table_above)
    for pattern, said in (("*.parquet", f"matches files in {root},"),
                          ("region=eu/*.parquet", f"matches files inside {root}/,")):  # fmt: skip
        with pytest.raises(ConfigError) as refused:
            streaming.open_source(f"{root}/{pattern}")
        assert str(refused.value).startswith(f"{root}/{pattern} {said}{_TABLE_SAID}"), str(
            refused.value
        )


# ---------------------------------------------------------------------------- category beside plain values
def test_a_directory_of_parquet_files_some_with_a_category_column_is_read_as_its_values(tmp_path):
    side = tmp_path / "side"
    side.mkdir()
    # pandas writes a category column as Arrow's dictionary type: one day's job did astype("category")
    pd.DataFrame(
        {
            "c": pd.Categorical(["a", "b", None]),
            "k": pd.Categorical([1, None, 3]),
            "x": [1.0, 2.0, 3.0],
        }
    ).to_parquet(side / "a.parquet")
    pd.DataFrame({"c": ["b", "d", "a"], "k": [4, 5, 6], "x": [4.0, 5.0, 6.0]}).to_parquet(
        side / "b.parquet"
    )
    # was "column 'c' holds categories in a.parquet but text in b.parquet" (prepare_data, ctloop backtest)
    frame = storage.read_table(str(side))
    assert (
        frame["c"].tolist()[:2] + frame["c"].tolist()[3:] == ["a", "b", "b", "d", "a"]
        and frame["c"].isna()[2]
    )
    assert str(frame["c"].dtype) == "object"
    assert (
        frame["k"].dtype == "float64" and frame["k"].isna().tolist() == [False, True] + [False] * 4
    )
    assert frame["k"].dropna().tolist() == [1.0, 3.0, 4.0, 5.0, 6.0]
    # every file's column a category: one category column, as before
    both = tmp_path / "both"
    both.mkdir()
    pd.DataFrame({"c": pd.Categorical(["a", "b"])}).to_parquet(both / "a.parquet")
    pd.DataFrame({"c": pd.Categorical(["c"])}).to_parquet(both / "b.parquet")
    assert isinstance(storage.read_table(str(both))["c"].dtype, pd.CategoricalDtype)


# ---------------------------------------------------------------------------- review of round 56's data commits
def _hudi_table(put) -> None:
    """A Hudi table of Hudi's default partition paths (``hoodie.datasource.write.hive_style_partitioning``
    false: ``2025/01/01/``, no key=value level): each partition holds the marker Hudi writes
    (``HoodiePartitionMetadata.HOODIE_PARTITION_METAFILE_PREFIX``, apache/hudi hudi-common
    .../common/model/HoodiePartitionMetadata.java, release 0.15.0)."""
    out = io.BytesIO()
    pq.write_table(pa.table({"x": [1.0, 2.0]}), out)
    put(".hoodie/hoodie.properties", b"hoodie.table.name=h\n")
    put("2025/01/01/.hoodie_partition_metadata", b"#partition metadata\npartitionDepth=3\n")
    put("2025/01/01/a.parquet", out.getvalue())


_HUDI_SAID = (
    " a partition of an Apache Hudi table (.hoodie_partition_metadata marks one): its files hold every "
    "version's rows"
)


def test_a_glob_of_a_hudi_partitions_files_is_refused_as_the_partition_is(tmp_path):
    table = tmp_path / "h"

    def put(name: str, data: bytes) -> None:
        (table / name).parent.mkdir(parents=True, exist_ok=True)
        (table / name).write_bytes(data)

    _hudi_table(put)
    with pytest.raises(ConfigError, match="is, or holds, a partition of an Apache Hudi table"):
        streaming.open_source(str(table / "2025/01/01"))
    for pattern in ("2025/01/01/*.parquet", "2025/*/*/*.parquet", "**/*.parquet"):
        with pytest.raises(ConfigError) as refused:  # all three were read as plain Parquet (2 rows)
            streaming.open_source(f"{table}/{pattern}")
        assert str(refused.value).startswith(
            f"{table}/{pattern} matches files in {table}/2025/01/01,{_HUDI_SAID}"
        ), str(refused.value)


def _bucket(fs, objects: dict[str, bytes]) -> str:
    """A new bucket holding ``objects`` (``{key: bytes}``)."""
    import uuid

    bucket = f"ctloop-{uuid.uuid4().hex[:12]}"
    fs.create_dir(bucket)
    for name, data in objects.items():
        with fs.open_output_stream(f"{bucket}/{name}") as out:
            out.write(data)
    return bucket


@pytest.fixture(scope="module")
def hudi_bucket(moto_fs) -> str:
    objects: dict[str, bytes] = {}
    _hudi_table(lambda name, data: objects.__setitem__(f"h/{name}", data))
    return _bucket(moto_fs, objects)


def test_a_glob_of_a_hudi_partitions_objects_is_refused(hudi_bucket, on_moto):
    root = f"s3://{hudi_bucket}/h"
    # the marker in the glob's own listing, below its fixed part ('**') and as the fixed part itself (the
    # partition named whole: review r15, a path of its own in table_marks)
    for pattern in ("**/*.parquet", "2025/01/01/*.parquet"):
        with pytest.raises(ConfigError) as refused:  # read as plain Parquet before round 56's review
            streaming.open_source(f"{root}/{pattern}")
        assert str(refused.value).startswith(
            f"{root}/{pattern} matches files in {root}/2025/01/01,{_HUDI_SAID}"
        ), str(refused.value)


def test_a_globs_partitions_below_its_fixed_part_are_answered_from_its_listing(
    moto_fs, on_moto, moto_log
):
    """The parents of a glob's key=value directories at or below its fixed part are in the glob's own
    listing: before round 56's review each was asked of the store again (3 requests a parent: 9 here, 93
    for 30 model= partitions)."""
    out = io.BytesIO()
    pq.write_table(pa.table({"x": [1.0]}), out)
    bucket = _bucket(moto_fs, {f"log/model={model}/date=2025-01-{day + 1:02}/p.parquet": out.getvalue()
                               for model in ("a", "b") for day in range(3)})  # fmt: skip
    # every request the moto server answered is a line of its log (werkzeug's access log)
    before = len(moto_log.read_text().splitlines())
    source = streaming.open_source(f"s3://{bucket}/log/**/*.parquet")
    asked = [
        line.split('"')[1]
        for line in moto_log.read_text().splitlines()[before:]
        if f"/{bucket}" in line
    ]
    lists = [line for line in asked if "list-type=2" in line]
    # only the glob's own prefix is listed (Arrow's listing, and the one every prefix read gets): no table
    # log, and no partition, asked of the store (9 listings more before: _delta_log/, .hoodie/, metadata/
    # below log/ and each log/model=M/, all in the listing)
    assert len(lists) == 2 and {re.search(r"prefix=([^& ]*)", line)[1] for line in lists} == {"log/"}, (
        "\n".join(asked)
    )  # not one listing per partition either
    assert len(source.files) == 6
    # above the fixed part the store is still asked: a table whose root is above the glob
    with moto_fs.open_output_stream(f"{bucket}/log/_delta_log/00000000000000000000.json") as f:
        f.write(b"{}\n")
    for pattern, said in (("model=a/**/*.parquet", "inside"), ("**/*.parquet", "inside")):
        with pytest.raises(ConfigError) as refused:
            streaming.open_source(f"s3://{bucket}/log/{pattern}")
        assert str(refused.value).startswith(
            f"s3://{bucket}/log/{pattern} matches files {said} s3://{bucket}/log/,{_TABLE_SAID}"
        ), str(refused.value)


@pytest.fixture(scope="module")
def delta_marker_buckets(moto_url, moto_fs) -> tuple[str, str]:
    """Two buckets whose ``t/_delta_log/`` is only a zero-byte folder marker (a Delta table being created, as
    the S3 console's "Create folder" or a writer that makes its log's prefix first leaves it: an object whose
    key ends in '/', put with boto3): the first with ``t/region=eu/p.parquet``, the second with ``t/p.parquet``."""
    import boto3

    from tests.fixtures.object_stores import MOTO_KEY_ID, MOTO_SECRET

    out = io.BytesIO()
    pq.write_table(pa.table({"x": [1.0]}), out)
    client = boto3.client("s3", endpoint_url=moto_url, aws_access_key_id=MOTO_KEY_ID,
                          aws_secret_access_key=MOTO_SECRET, region_name="us-east-1")  # fmt: skip
    buckets = (_bucket(moto_fs, {"t/region=eu/p.parquet": out.getvalue()}),
               _bucket(moto_fs, {"t/p.parquet": out.getvalue()}))  # fmt: skip
    for bucket in buckets:
        client.put_object(Bucket=bucket, Key="t/_delta_log/", Body=b"")
    return buckets


def test_a_glob_of_partitions_of_a_delta_log_folder_marker_is_refused(
    delta_marker_buckets, on_moto
):
    """Arrow lists an object store's folder marker ``t/_delta_log/`` as a directory, not a file: the glob's
    listing of files held no log, and since round 56's review a parent at or below the glob's fixed part was
    answered from it only, so the partition's files were read (refused at 7c073f60, when the store was asked)."""
    partitioned = delta_marker_buckets[0]
    for pattern in ("**/*.parquet", "t/*/*.parquet", "t/**/*.parquet"):
        with pytest.raises(ConfigError) as refused:  # read as plain Parquet on main
            streaming.open_source(f"s3://{partitioned}/{pattern}")
        assert str(refused.value).startswith(
            f"s3://{partitioned}/{pattern} matches files inside s3://{partitioned}/t/, a Delta Lake table "
            "(its _delta_log/)"
        ), str(refused.value)


def test_a_glob_of_files_beside_a_delta_logs_folder_marker_is_refused(
    delta_marker_buckets, on_moto
):
    """The table's own files beside a log that is only its folder marker: read as plain Parquet before (the
    listing of files held no log); its log holds nothing yet, said as of the directory named on its own."""
    plain = delta_marker_buckets[1]
    said = (" a Delta Lake table (its _delta_log/ holds no file: a table with no commits, being created or broken): "
            "no commit yet, so no rows: wait for the first commit; if these are plain Parquet files")  # fmt: skip
    with pytest.raises(ConfigError) as refused:  # read as plain Parquet on main and before
        streaming.open_source(f"s3://{plain}/t/*.parquet")
    assert str(refused.value).startswith(
        f"s3://{plain}/t/*.parquet matches files in s3://{plain}/t,{said}"
    ), str(refused.value)


def test_a_glob_beside_a_delta_log_marker_without_its_slash_is_refused(moto_url, moto_fs, on_moto):
    """A zero-byte object named ``t/_delta_log`` (no '/': blobfuse2, Azure without a hierarchical namespace),
    which Arrow lists as a zero-byte file: the directory named on its own was refused as a table with no
    commits, its files by a glob were read (review, stop 56)."""
    import boto3

    from tests.fixtures.object_stores import MOTO_KEY_ID, MOTO_SECRET

    out = io.BytesIO()
    pq.write_table(pa.table({"x": [1.0]}), out)
    bucket = _bucket(moto_fs, {"t/p.parquet": out.getvalue()})
    boto3.client("s3", endpoint_url=moto_url, aws_access_key_id=MOTO_KEY_ID, aws_secret_access_key=MOTO_SECRET,
                 region_name="us-east-1").put_object(Bucket=bucket, Key="t/_delta_log", Body=b"")  # fmt: skip
    with pytest.raises(ConfigError, match="a Delta Lake table"):
        streaming.open_source(f"s3://{bucket}/t/*.parquet")


def test_a_glob_of_files_beside_an_empty_local_delta_log_is_told_they_are_there(tmp_path):
    """A local glob's files beside an empty ``_delta_log/``: the refusal said "no data file beside its log
    either" of the very files the glob matched; it says what the directory named on its own says."""
    (tmp_path / "t" / "_delta_log").mkdir(parents=True)
    pq.write_table(pa.table({"x": [1.0]}), tmp_path / "t" / "p.parquet")
    with pytest.raises(ConfigError) as refused:
        streaming.open_source(f"{tmp_path}/t/*.parquet")
    assert str(refused.value).endswith(
        "no commit yet, so no rows: wait for the first commit; if these are plain Parquet files and no Delta "
        "write is running, remove the empty _delta_log/"
    ), str(refused.value)


def test_arrows_names_are_replaced_once_not_one_replacement_feeding_the_next(tmp_path):
    """d/b.csv.gz holds plain text (Arrow reads it as b.csv.gz.csv) beside d/b.csv holding gzip (read as
    b.csv.gz): on main the first replacement's result was replaced again, naming the good file b.csv."""
    side = tmp_path / "d"
    side.mkdir()
    (side / "b.csv.gz").write_bytes(b"x,y\n1,2\n3,4,5\n")  # not gzip, its row 3 of 3 fields
    (side / "b.csv").write_bytes(gzip.compress(b"x,y\n1,2\n3,4\n"))
    with pytest.raises(DataSourceError) as refused:
        streaming.open_source([str(side / "b.csv.gz"), str(side / "b.csv")])
    said = str(refused.value)
    assert (
        f"Could not open CSV input source '{side / 'b.csv.gz'}': Invalid: CSV parse error: Row #3"
        in said
    ), said
    assert f"'{side / 'b.csv'}'" not in said, said


def test_a_header_with_an_empty_name_names_a_gzipped_file_by_its_own_name(tmp_path):
    """_csv_unnamed (a header's empty name read as pandas' 'Unnamed: 0') formatted Arrow's error as it came."""
    side = tmp_path / "d"
    side.mkdir()
    (side / "a.csv").write_text(",x\n0,1\n")
    (side / "b.csv").write_bytes(
        gzip.compress(b",x\n0,1\n2,3,4\n")
    )  # gzip not named .gz, a row of 3 fields
    with pytest.raises(DataSourceError) as refused:
        streaming.open_source(str(side))
    said = str(refused.value)
    assert f"Could not open CSV input source '{side / 'b.csv'}'" in said, (
        said
    )  # was '.../d/b.csv.gz'
    assert f"{side / 'b.csv'}.gz" not in said, said


@pytest.mark.parametrize("budget", [{"max_categories": 10**12}, {"sketch_size": 63}])
def test_a_budget_out_of_bounds_is_refused_before_either_side_is_opened(tmp_path, budget):
    """On main the bounds were checked only when DriftState was built, after both sides were opened (on an
    object store, listed): a side that does not exist was said first, and a bad budget after the listing."""
    missing = str(tmp_path / "nowhere.csv")
    label, value = next(iter(budget.items()))
    most = streaming.MAX_CATEGORIES if label == "max_categories" else streaming.MAX_SKETCH_SIZE
    said = rf"^{label} must be an integer in 64\.\.{most}, got {value}$"
    with pytest.raises(ConfigError, match=said):  # was DataSourceError: ... does not exist
        streaming.detect_sources(missing, missing, **budget)
    with pytest.raises(ConfigError, match=said):
        streaming.state_of(missing, **budget)

"""Hive partition directories (``key=value``) of a dataset read by ``ctloop.drift.streaming.open_source``
(``ctloop drift``, ``ctloop score --data DIR``).

* The partition keys are every file's, not the first listed file's: a tree where one file sits
  under no ``key=value`` level (``a_stray.parquet`` beside ``region=eu/``) read with no partition
  column at all when that file was listed first, and with the column null for it when it was
  listed last. Now the keys are the union of every file's, as pyarrow's hive discovery infers
  them from all paths (``HivePartitioningFactory``, pyarrow 25.0.1): the stray file's rows are
  null there, whichever file is listed first; the same keys in another order
  (``region=eu/year=2024``, ``year=2025/region=us``) read by name.
* A file column named like its ``key=value`` directory: pyarrow (25.0.1; apache/arrow#26333)
  and Spark both read the directory's value there and drop the file's. Where the file holds the
  same value (pandas ``to_parquet`` of each group with the column kept) that loses nothing and
  reads as before; where it holds another, the file's values would be lost without a word: it is
  refused, naming the column, the file and the directory.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.drift import streaming
from ctloop.errors import DataSourceError


def _tree(root, files):
    for rel, table in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".csv"):
            path.write_text(table)
        else:
            pq.write_table(table, path)
    return str(root)


X = pa.table({"x": [1.0, 2.0]})


@pytest.mark.parametrize("stray", ["a_stray.parquet", "z_stray.parquet"])
@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_the_keys_are_every_files_whichever_is_listed_first(tmp_path, stray, kind):
    if kind == "csv":
        files = [(stray.replace(".parquet", ".csv"), "x\n1.0\n2.0\n"), ("region=eu/p.csv", "x\n1.0\n2.0\n"),
                 ("region=us/p.csv", "x\n1.0\n2.0\n")]
    else:
        files = [(stray, X), ("region=eu/p.parquet", X), ("region=us/p.parquet", X)]
    src = streaming.open_source(_tree(tmp_path, files))
    assert src.partition_keys == ["region"]
    if kind == "csv":  # the CSV re-reads keep the partition columns too
        src = streaming.csv_timestamps_as_text(streaming.csv_as_pandas_reads(src))
    table = src.dataset.to_table()
    assert sorted(r for r in table.column("region").to_pylist() if r) == ["eu", "eu", "us", "us"]
    assert table.column("region").null_count == 2  # the stray file's rows: under no region=


def test_a_deeper_key_of_one_file_is_refused_as_read_table_and_spark_refuse_it(tmp_path):
    # round 52: the dataset reader lists a directory as read_table does (storage.directory_table); before,
    # it read 'year' null in region=eu's rows, which Spark refuses ("Conflicting directory structures")
    root = _tree(tmp_path, [("region=eu/p.parquet", X), ("region=us/year=2024/p.parquet", X)])
    with pytest.raises(DataSourceError, match="conflicting directory structures: region=eu/p.parquet"):
        streaming.open_source(root)


def test_the_same_keys_in_another_order_read_by_name(tmp_path):
    root = _tree(tmp_path, [("region=eu/year=2024/p.parquet", X), ("year=2025/region=us/p.parquet", X)])
    src = streaming.open_source(root)
    assert sorted(src.partition_keys) == ["region", "year"]
    table = src.dataset.to_table().to_pydict()
    assert table["region"] == ["eu", "eu", "us", "us"] and table["year"] == [2024, 2024, 2025, 2025]


def test_partition_columns_do_not_depend_on_which_file_is_listed_first(tmp_path):
    one = _tree(tmp_path / "one", [("date=2026-12-01/a.parquet", X), ("date=2026-12-02/b.parquet", X)])
    assert streaming.open_source(one).partition_keys == ["date"]


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_a_file_column_with_other_values_than_its_directory_is_refused(tmp_path, kind):
    if kind == "parquet":
        files = [("region=eu/p.parquet", pa.table({"x": [1.0], "region": ["eu"]})),
                 ("region=us/p.parquet", pa.table({"x": [2.0, 3.0], "region": ["us", "ca"]}))]
    else:
        files = [("region=eu/p.csv", "x,region\n1.0,eu\n"), ("region=us/p.csv", "x,region\n2.0,us\n3.0,ca\n")]
    root = _tree(tmp_path, files)
    with pytest.raises(DataSourceError) as err:
        streaming.open_source(root)
    message = str(err.value)
    assert "\n" not in message
    assert "column 'region'" in message and "region=us" in message and "'ca'" in message
    assert f"region=us/p.{kind}" in message


def test_a_file_column_holding_its_directory_value_reads_as_before(tmp_path):
    """pandas ``df[df.region == r].to_parquet(f"region={r}/p.parquet")``: the column kept."""
    root = _tree(tmp_path, [("region=eu/p.parquet", pa.table({"x": [1.0], "region": ["eu"]})),
                            ("region=us/p.parquet", pa.table({"x": [2.0, 3.0], "region": ["us", "us"]}))])
    src = streaming.open_source(root)
    assert src.dataset.to_table().to_pydict() == {"x": [1.0, 2.0, 3.0], "region": ["eu", "us", "us"]}

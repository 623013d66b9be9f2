"""A hive directory with an empty value (``region=``) read as the string '' (pyarrow 25.0.1's hive
discovery), while ``__HIVE_DEFAULT_PARTITION__`` reads as null (review 41 item 7). Spark never writes
``region=``: its writer turns an empty partition value into null (``Empty2Null``, Spark 3.5
``FileFormatWriter``), written as ``__HIVE_DEFAULT_PARTITION__``; its reader refuses the directory
(``PartitioningUtils.parsePartitionColumn``: "Empty partition column value in 'region='", Spark 3.5). It
now reads as null, as the default partition does, so the two spellings of a missing value agree."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from ctloop.drift import streaming


def _write(root, rel, values):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"a": values}), path)


def test_an_empty_partition_value_reads_as_null(tmp_path):
    _write(tmp_path, "h/region=/p.parquet", [1, 2])
    _write(tmp_path, "h/region=__HIVE_DEFAULT_PARTITION__/p.parquet", [3])
    _write(tmp_path, "h/region=eu/p.parquet", [4])
    table = streaming.open_source(str(tmp_path / "h")).check_files().dataset.to_table()
    got = sorted(zip(table["a"].to_pylist(), table["region"].to_pylist(), strict=True))
    assert got == [(1, None), (2, None), (3, None), (4, "eu")]


def test_an_empty_value_under_a_second_key_keeps_the_first_and_filters(tmp_path):
    _write(tmp_path, "h/day=1/region=/p.parquet", [1])
    _write(tmp_path, "h/day=2/region=us/p.parquet", [2])
    source = streaming.open_source(str(tmp_path / "h")).check_files()
    table = source.dataset.to_table(filter=pads.field("region").is_null())
    assert table.to_pydict() == {"a": [1], "day": [1], "region": [None]}
    assert source.dataset.to_table(filter=pads.field("day") == 2)["region"].to_pylist() == ["us"]

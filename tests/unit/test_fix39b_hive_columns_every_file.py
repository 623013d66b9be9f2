"""A file column named like a ``key=value`` directory above it (review B, F1/F2).

pyarrow (25.0.1, ``pyarrow/_dataset.pyx``: a fragment's ``partition_expression`` is known and
replaces the column; apache/arrow#26333) reads the directory's value in place of the file's.

* F1: the check looked at the column only when the FIRST listed file held it; a later file's
  column (``region=us/b.parquet`` holding ``xx`` after ``region=eu/a.parquet`` without the
  column) was replaced silently. Now every file's physical schema is looked at.
* F2: a file under no ``key=value`` level for the key (``a.parquet`` beside ``region=us/``)
  that holds the column was refused as sitting "under region=(null)", though pyarrow reads its
  own values there. Now it reads, as pyarrow reads it.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.dataset as pads
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


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_a_later_files_column_with_other_values_is_refused(tmp_path, kind):
    if kind == "parquet":
        files = [("region=eu/a.parquet", pa.table({"a": [1, 2]})),
                 ("region=us/b.parquet", pa.table({"a": [3, 4], "region": ["xx", "yy"]}))]
    else:
        files = [("region=eu/a.csv", "a\n1\n2\n"), ("region=us/b.csv", "a,region\n3,xx\n4,yy\n")]
    root = _tree(tmp_path, files)
    with pytest.raises(DataSourceError) as err:
        streaming.open_source(root)
    message = str(err.value)
    assert "\n" not in message
    assert "column 'region'" in message and f"region=us/b.{kind}" in message and "'xx'" in message


def test_a_file_under_no_key_directory_reads_its_own_values(tmp_path):
    root = _tree(tmp_path, [("a.parquet", pa.table({"a": [1], "region": ["zz"]})),
                            ("region=us/b.parquet", pa.table({"a": [3], "region": ["us"]}))])
    src = streaming.open_source(root)
    got = src.dataset.to_table().to_pydict()
    assert got == {"a": [1, 3], "region": ["zz", "us"]}
    # as pyarrow itself reads the same files
    files = [f"{root}/a.parquet", f"{root}/region=us/b.parquet"]
    plain = pads.dataset(files, format="parquet", partitioning=pads.partitioning(flavor="hive"),
                         partition_base_dir=root).to_table().to_pydict()
    assert got == plain


def test_a_file_under_a_null_directory_holding_values_is_still_refused(tmp_path):
    """``region=__HIVE_DEFAULT_PARTITION__`` (Spark's null partition): pyarrow reads the
    directory's null there (``is_null(region)``), so the file's ``zz`` would be lost."""
    root = _tree(tmp_path, [("region=__HIVE_DEFAULT_PARTITION__/a.parquet", pa.table({"a": [1], "region": ["zz"]})),
                            ("region=us/b.parquet", pa.table({"a": [3]}))])
    files = [f"{root}/region=__HIVE_DEFAULT_PARTITION__/a.parquet", f"{root}/region=us/b.parquet"]
    plain = pads.dataset(files, format="parquet", partitioning=pads.partitioning(flavor="hive"),
                         partition_base_dir=root).to_table().to_pydict()
    assert plain["region"][0] is None  # what the check guards against
    with pytest.raises(DataSourceError, match="column 'region'.*'zz'.*region=\\(null\\)"):
        streaming.open_source(root)

"""A Parquet file that names a column twice (Spark and pandas write one; Arrow reads it) was refused
in pyarrow's words: "Multiple matches for FieldRef.Name(x) in x: int64" (``prepare_data``'s
``read_table``) and "Can't unify schema with duplicate field names" (batch scoring and ``ctloop
drift``, the streamed reader). Now both name the file, the column and its positions, in one line,
as a CSV header naming a column twice is refused."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import storage
from ctloop.drift.streaming import open_source
from ctloop.errors import DataSourceError


@pytest.fixture
def repeated(tmp_path):
    path = tmp_path / "applications.parquet"
    table = pa.table([pa.array([31, 45]), pa.array([0.4, 0.9]), pa.array([32, 46]), pa.array(["0", "1"])],
                     names=["age", "income", "age", "default"])
    pq.write_table(table, path)
    return path


def test_read_table_names_the_repeated_column(repeated):
    with pytest.raises(DataSourceError) as err:
        storage.read_table(str(repeated))
    assert str(err.value) == f"{repeated} has column 'age' twice (columns 1 and 3): a table names each column once: rename one"


def test_the_streamed_reader_names_it_too(repeated):
    with pytest.raises(DataSourceError, match=r"applications\.parquet has column 'age' twice \(columns 1 and 3\)"):
        open_source(str(repeated))


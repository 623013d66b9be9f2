"""A Parquet file that names a column twice (pyarrow writes one; pandas and Spark refuse to) was refused
in pyarrow's words: "Multiple matches for FieldRef.Name(x) in x: int64" (``prepare_data``'s
``read_table``) and "Can't unify schema with duplicate field names" (batch scoring and ``ctloop
drift``, the streamed reader), and a later file of a directory failed scoring with a raw KeyError.
Now each names the file, the column and its positions, in one line,
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



def test_a_directory_names_the_later_file_that_repeats_a_column(tmp_path):
    """The dataset's schema is its first file's, so a later file naming 'age' twice failed batch scoring
    with a raw "KeyError: 'Column age does not exist in schema'" (a traceback); the per-file schema
    check (``Source._file_schemas``, one footer read per file it already made) names it."""
    from sklearn.linear_model import LogisticRegression

    from ctloop import scoring

    (tmp_path / "in").mkdir()
    pq.write_table(pa.table({"age": [30.0, 41.0], "income": [0.1, 0.2]}), tmp_path / "in" / "part-0.parquet")
    pq.write_table(pa.table([pa.array([52.0]), pa.array([0.3]), pa.array([25.0])], names=["age", "income", "age"]),
                   tmp_path / "in" / "part-1.parquet")
    model = LogisticRegression().fit([[30.0, 0.1], [41.0, 0.2], [52.0, 0.3], [25.0, 0.4]], [0, 1, 1, 0])
    scorer = scoring.Scorer(model, "credit", "3", "champion", ["age", "income"], ["age", "income"])
    with pytest.raises(DataSourceError, match=r"part-1\.parquet has column 'age' twice \(columns 1 and 3\)"):
        scoring.score(scorer, str(tmp_path / "in"), str(tmp_path / "out"), run_id="r1", id_column="", log_root="")
    assert not (tmp_path / "out").exists()

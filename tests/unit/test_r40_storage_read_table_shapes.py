"""``storage.read_table`` on two shapes real writers produce (round 40).

* A CSV whose rows hold one field more than its header (a delimiter at the end of every line, as
  some exporters write, or a column without a name): pandas takes the first field as the index
  (``pandas.read_csv`` ``index_col=None``: "If the number of fields in the column header row is
  equal to the number of fields in the body of the data file minus one, then a default index is
  inferred"), so every value moves one column left under the wrong name — silently.
* A Parquet file written by pandas from an Arrow-backed list column (``pd.ArrowDtype(pa.list_(…))``):
  pandas 2.3's ``read_parquet`` restores the dtype from the file's pandas metadata and raises
  ``TypeError: data type 'list<item: int64>[pyarrow]' not understood``.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from ctloop import storage
from ctloop.errors import DataSourceError


@pytest.mark.parametrize("text", ["a,b\n1,2,3\n4,5,6\n", "a,b\n1,2,\n4,5,\n"])
def test_a_csv_with_one_field_more_than_its_header_is_refused_naming_the_file(tmp_path, text):
    path = tmp_path / "shifted.csv"
    path.write_text(text)
    with pytest.raises(DataSourceError) as caught:
        storage.read_table(str(path))
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message and "one field more than its header" in message


def test_a_csv_whose_rows_match_its_header_reads_as_before(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text("a,b\n1,2\n4,5\n")
    frame = storage.read_table(str(path))
    assert list(frame.columns) == ["a", "b"] and frame["a"].tolist() == [1, 4]
    assert isinstance(frame.index, pd.RangeIndex)


def test_a_parquet_file_of_an_arrow_backed_list_column_is_read(tmp_path):
    path = tmp_path / "lists.parquet"
    pd.DataFrame({"tokens": pd.array([[1, 2]] * 5, dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
                  "x": range(5)}).to_parquet(path)
    frame = storage.read_table(str(path))
    assert frame["x"].tolist() == list(range(5))
    assert [list(v) for v in frame["tokens"]] == [[1, 2]] * 5


def test_a_filtered_frame_of_lists_keeps_no_index_column(tmp_path):
    """A frame filtered before ``to_parquet`` stores its unnamed index as ``__index_level_0__``: no
    data (as ``_index_as_columns`` leaves it out), also when the list column needs the fallback."""
    path = tmp_path / "filtered.parquet"
    frame = pd.DataFrame({"tokens": pd.array([[1, 2]] * 6, dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
                          "x": range(6)})
    frame[frame["x"] % 2 == 1].to_parquet(path)
    read = storage.read_table(str(path))
    assert list(read.columns) == ["tokens", "x"] and read["x"].tolist() == [1, 3, 5]

"""Batch scoring an input of several Parquet files whose id column is typed differently from file to
file (a daily export typed by its writer: whole numbers one day, text with leading zeros the next;
an empty partition pandas wrote with an untyped, null id column). The id column was never checked
across files (only the features were, ``Source.check_files``): the dataset reads every file as its
first file's type, so text ``'004'`` after an int64 file was read as the number 4, its request_id
``'4'``, silently (labels keyed ``004`` never join), and an empty first file of null type failed
while scoring with Arrow's "Unsupported cast from string to null". Found by hunting with real
producers' layouts (review 50 H4 item 4)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import scoring
from ctloop.errors import ConfigError, DataSourceError
from tests.unit import test_fix49a_score_retry_failure as retry_failure

scorer = retry_failure.scorer  # its fixture: a model of features 'a', 'b'


def _part(root, number: int, ids: pa.Array) -> None:
    directory = root / "in"
    directory.mkdir(exist_ok=True)
    n = len(ids)
    kind = pa.null() if pa.types.is_null(ids.type) else pa.float64()
    table = pa.table({"id": ids, "a": pa.array([1.0] * n, kind), "b": pa.array([2.0] * n, kind)})
    pq.write_table(table, directory / f"part-{number:05d}.parquet")


def test_text_ids_after_a_file_of_whole_number_ids_are_refused_not_read_as_numbers(
    scorer, tmp_path
):
    _part(tmp_path, 0, pa.array([1, 2, 3], pa.int64()))
    _part(tmp_path, 1, pa.array(["004", "5", "6"]))
    with pytest.raises(DataSourceError) as err:
        scoring.score(
            scorer, str(tmp_path / "in"), str(tmp_path / "out"), run_id="r1", id_column="id"
        )
    said = str(err.value)  # on main: scored, request_id '4' for the text '004'
    assert said.startswith("data: column 'id' is int64 in ") and "part-00001.parquet" in said
    assert "\n" not in said and not (tmp_path / "out").exists()


def test_an_empty_first_file_with_an_untyped_id_column_scores_the_others(scorer, tmp_path):
    _part(tmp_path, 0, pa.array([], pa.null()))  # pandas' empty frame of object columns
    _part(tmp_path, 1, pa.array(["004", "5"]))
    # on main: SourceUnreadable, "Unsupported cast from string to null"
    result = scoring.score(
        scorer, str(tmp_path / "in"), str(tmp_path / "out"), run_id="r1", id_column="id"
    )
    out = pq.read_table(tmp_path / "out").column("request_id").to_pylist()
    assert result.rows == 2 and sorted(out) == ["004", "5"]


def test_a_retry_after_a_part_file_appeared_names_the_file(scorer, tmp_path):
    """A late part file lands in the input directory between an attempt and its retry (a producer
    still writing): the retry is refused, as another input, but the line said "first scored <dir>
    (2 file(s)), not <dir>", the same directory twice, naming nothing that changed."""
    _part(tmp_path, 0, pa.array(["a1", "a2"]))
    _part(tmp_path, 1, pa.array(["b1"]))
    kw = dict(run_id="r1", id_column="id", log_root=str(tmp_path / "logs"))
    scoring.score(scorer, str(tmp_path / "in"), str(tmp_path / "out"), **kw)
    _part(tmp_path, 2, pa.array(["c1"]))
    with pytest.raises(ConfigError) as err:
        scoring.score(scorer, str(tmp_path / "in"), str(tmp_path / "out"), **kw)
    said = str(err.value)
    assert said.startswith(
        f"run_id: run 'r1' first scored {tmp_path / 'in'} (2 file(s)); now it has 3"
    )
    assert (
        f"added since: {tmp_path / 'in' / 'part-00002.parquet'}" in said
    )  # on main: no file named

"""Batch scoring Parquet files whose id column is int64 in one file and float64 in another (pandas
writes float64 for an id column with a gap, or after a merge). Since 7c772d88 the id column is
checked file by file (``Source.check_files``), which reads integers beside floats as float64 from
every file: an int64 id from 2**53 up could then not be read at all, SourceUnreadable "Integer value
1234567890123456789 not in range" (before 7c772d88 the first file's int64 was imposed on the others
and such ids scored exactly). Review 50 B item 2: whole, exact float ids are read as int64."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import scoring
from ctloop.errors import DataError
from tests.unit import test_fix49a_score_retry_failure as retry_failure

scorer = retry_failure.scorer  # its fixture: a model of features 'a', 'b'
BIG = [1234567890123456789, 1234567890123456791]  # above 2**53: no float64 holds them


def _part(root, number: int, ids: pa.Array) -> None:
    directory = root / "in"
    directory.mkdir(exist_ok=True)
    n = len(ids)
    table = pa.table({"id": ids, "a": pa.array([1.0] * n), "b": pa.array([2.0] * n)})
    pq.write_table(table, directory / f"part-{number:05d}.parquet")


def _score(scorer, root):
    return scoring.score(scorer, str(root / "in"), str(root / "out"), run_id="r1", id_column="id")


@pytest.mark.parametrize("float_first", [False, True], ids=["int64-first", "float64-first"])
def test_int64_ids_above_2_53_beside_a_file_of_whole_float_ids_stay_exact(
    scorer, tmp_path, float_first
):
    _part(tmp_path, 1 if float_first else 0, pa.array(BIG, pa.int64()))
    _part(tmp_path, 0 if float_first else 1, pa.array([7.0, 8.0], pa.float64()))
    result = _score(
        scorer, tmp_path
    )  # on main: SourceUnreadable "Integer value 1234567890123456789 not in range"
    out = pq.read_table(tmp_path / "out")
    assert result.rows == 4
    assert sorted(out.column("request_id").to_pylist()) == sorted(
        [str(i) for i in BIG] + ["7", "8"]
    )
    assert out.schema.field("id").type == pa.int64() and set(BIG) <= set(
        out.column("id").to_pylist()
    )


def test_fractional_float_ids_beside_integer_ids_are_still_read_as_floats(scorer, tmp_path):
    _part(tmp_path, 0, pa.array([1, 2], pa.int64()))
    _part(tmp_path, 1, pa.array([7.5], pa.float64()))
    _score(scorer, tmp_path)
    out = pq.read_table(tmp_path / "out")
    assert sorted(out.column("request_id").to_pylist()) == ["1", "2", "7.5"]


def test_an_inexact_float_id_beside_integer_ids_is_still_refused_not_made_an_integer(
    scorer, tmp_path
):
    _part(tmp_path, 0, pa.array([1, 2], pa.int64()))
    _part(tmp_path, 1, pa.array([float(2**60)], pa.float64()))  # its digits may have been rounded
    with pytest.raises(
        DataError, match=r"^id_column 'id' holds 1\.152921504606847e\+18 in row 3 .*from 2\*\*53 up"
    ):
        _score(scorer, tmp_path)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "kind, ids, floats",
    [
        (pa.int64(), BIG, [7.5]),  # a fractional float id: the files are read as floats
        (pa.uint64(), [2**63 + 5], [7.0]),  # uint64 beside whole floats: read as floats too
    ],
    ids=["int64-beside-fractional", "uint64-beside-whole"],
)
def test_integer_ids_no_float_holds_beside_float_ids_are_one_line_naming_both_files(
    scorer, tmp_path, kind, ids, floats
):
    """Read as float64 beside a float file, the integer file failed in Arrow's words, blaming the good
    file: "cannot read .../part-00000.parquet: Integer value 1234567890123456789 not in range"
    (review 50 G)."""
    _part(tmp_path, 0, pa.array(ids, kind))
    _part(tmp_path, 1, pa.array(floats, pa.float64()))
    with pytest.raises(DataError) as caught:
        _score(scorer, tmp_path)
    text = str(caught.value)
    assert "\n" not in text and "not in range" not in text, text
    assert f"part-00000.parquet holds {max(ids)}" in text and "part-00001.parquet" in text, text
    assert f"{floats[0]!r}" in text, text


@pytest.mark.parametrize("ids", [[2**53], [-(2**53) - 1]], ids=["2**53", "below-minus-2**53"])
def test_the_bound_of_integer_ids_beside_fractional_float_ids(scorer, tmp_path, ids):
    """2**53 casts to a float64, but a float id there is refused as maybe rounded (_check_ids' bound):
    refused here naming both files, as a negative one is, by its magnitude (review 50 H)."""
    _part(tmp_path, 0, pa.array(ids, pa.int64()))
    _part(tmp_path, 1, pa.array([7.5], pa.float64()))
    with pytest.raises(DataError, match=re.escape(f"holds {ids[0]}, an integer id of magnitude 2**53 or more")):
        _score(scorer, tmp_path)

"""Batch scoring's id column is checked by type before anything is written, as the label store
checks the keys its labels are joined on: a float id from 2**53 up (from 2**24 in a float32 column,
2**11 in float16) may have been rounded — 16777217 and 16777216 in float32 are one id, and labels
keyed by such ids are refused at ingest — and a nested id (a Parquet struct, list or map column)
is no id at all (it was logged as the text ``{'k': 1}``). Before round 48 both were scored and
logged; now each is refused in one line naming the column, the value and its row, exit 2, nothing
written."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.linear_model import LogisticRegression

from ctloop import scoring
from ctloop.errors import DataError


@pytest.fixture(scope="module")
def scorer():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    model = LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))
    return scoring.Scorer(model, "credit", "3", "champion", ["a", "b"], ["a", "b"])


def _score(scorer, tmp_path, ids):
    pq.write_table(pa.table({"order_id": ids, "a": [0.1] * len(ids), "b": [0.2] * len(ids)}), tmp_path / "in.parquet")
    return scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r1",
                         id_column="order_id", log_root=str(tmp_path / "logs"), batch_rows=2)


@pytest.mark.parametrize(("ids", "said"), [
    (pa.array([5.0, 7.0, 2.0**53 + 2]), "holds 9007199254740994.0 in row 3 (1 row(s)), a float from 2**53 up"),
    (pa.array(np.array([5, 16777217, 9], dtype="float32")), "holds 16777216.0 in row 2 (1 row(s)), a float of 32 bits "
                                                             "from 2**24 up"),
    (pa.array(np.array([5, 4097], dtype="float16")), "holds 4096.0 in row 2 (1 row(s)), a float of 16 bits from 2**11 up"),
], ids=["float64", "float32", "float16"])
def test_a_rounded_float_id_is_refused(scorer, tmp_path, ids, said):
    with pytest.raises(DataError) as err:
        _score(scorer, tmp_path, ids)
    assert f"id_column 'order_id' {said}" in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "out").exists() and not (tmp_path / "logs").exists()


@pytest.mark.parametrize("ids", [pa.array([{"k": 1}, {"k": 2}]), pa.array([[1], [2]])], ids=["struct", "list"])
def test_a_nested_id_is_refused(scorer, tmp_path, ids):
    with pytest.raises(DataError, match=r"id_column 'order_id' is (struct|list)<.*one text or number per row"):
        _score(scorer, tmp_path, ids)
    assert not (tmp_path / "out").exists()


def test_float_ids_below_the_bound_are_scored_as_their_digits(scorer, tmp_path):
    result = _score(scorer, tmp_path, pa.array(np.array([5, 16777215], dtype="float32")))
    out = pq.read_table(tmp_path / "out").to_pandas()
    assert result.rows == 2 and sorted(out["request_id"]) == ["16777215", "5"]

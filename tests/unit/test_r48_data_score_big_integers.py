"""Batch scoring of a numeric feature whose integers pass 2**53 (an int64 column of epoch
nanoseconds, a uint64 counter): the model is given them as doubles, and the inference log records
the same doubles. Before round 48 logging them raised pyarrow's "ArrowInvalid: Integer value
1700000000000000001 not in range: -9007199254740992 to 9007199254740992" after the chunk's output
file was written: a traceback, exit 1, the run half done."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.linear_model import LinearRegression

from ctloop import scoring


@pytest.mark.parametrize(("values", "kind"), [([1_700_000_000_000_000_001, 1_700_000_000_500_000_000], pa.int64()),
                                              ([2**64 - 1, 1], pa.uint64())], ids=["int64_ns", "uint64"])
def test_integers_beyond_2_53_are_scored_and_logged_as_doubles(tmp_path, values, kind):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2))
    scorer = scoring.Scorer(LinearRegression().fit(x, x[:, 0]), "volume", "1", "champion", ["t", "z"], ["t", "z"])
    pq.write_table(pa.table({"id": ["a", "b"], "t": pa.array(values, kind), "z": [0.1, 0.2]}), tmp_path / "in.parquet")
    result = scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r1", id_column="id",
                           log_root=str(tmp_path / "logs"))
    assert result.rows == 2 and result.logged_rows == 2
    logged = pa.concat_tables([pq.read_table(f, columns=["t"]) for f in result.log_files]).to_pandas()
    assert sorted(logged["t"].tolist()) == sorted(float(v) for v in values)
    out = pq.read_table(tmp_path / "out").to_pandas().set_index("request_id")["prediction"]
    expected = scorer.model.predict(np.array([[float(v), z] for v, z in zip(values, [0.1, 0.2], strict=True)]))
    np.testing.assert_allclose(out.loc[["a", "b"]].to_numpy(), expected)

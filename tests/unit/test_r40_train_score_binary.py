"""Round 40 (training surface): batch scoring refuses a Parquet BINARY column (text stored as bytes,
as Impala and older Hive/Spark write it) for a feature the model learnt text categories in: every
value was a byte string no trained category equals, so every row was scored with the feature
ignored, silently."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import scoring
from ctloop.components.train.core import fit
from ctloop.errors import DataSourceError


@pytest.fixture(scope="module")
def scorer():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300), "region": rng.choice(["north", "south"], 300)})
    frame["y"] = ((frame.x > 0) ^ (frame.region == "north")).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit(frame, target="y", estimator="logistic_regression")
    return scoring.Scorer(result.model, "m", "1", "champion", result.meta["features"], result.meta["numeric"])


@pytest.mark.parametrize("kind", [pa.binary(), pa.large_binary()])
def test_a_binary_column_for_a_text_feature_is_refused_naming_it(scorer, tmp_path, kind):
    table = pa.table({"id": [f"r{i}" for i in range(10)], "x": np.linspace(-1, 1, 10),
                      "region": pa.array([b"north", b"south"] * 5, kind)})
    pq.write_table(table, tmp_path / "in.parquet")
    with pytest.raises(DataSourceError) as info:
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", id_column="id",
                      scored_at=datetime(2026, 12, 5, tzinfo=UTC))
    message = str(info.value)
    assert "\n" not in message and "column 'region'" in message and "binary" in message, message
    assert not (tmp_path / "out").exists()


def test_the_same_column_as_text_scores(scorer, tmp_path):
    table = pa.table({"id": [f"r{i}" for i in range(10)], "x": np.linspace(-1, 1, 10),
                      "region": pa.array(["north", "south"] * 5)})
    pq.write_table(table, tmp_path / "in.parquet")
    result = scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", id_column="id",
                           scored_at=datetime(2026, 12, 5, tzinfo=UTC))
    assert result.rows == 10

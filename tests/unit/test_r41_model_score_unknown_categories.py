"""Round 41 (model surface): text values of a feature the model was not trained with in batch scoring.

A text feature scored as ``North`` where ``north`` was trained is an unknown category: the one-hot
encoder (``handle_unknown="ignore"``) scores the row as if the feature were missing from it. Batch
scoring did so without a word, while it counts numbers read as text that match no trained category;
now the summary counts such values per column, with one of them and the trained category it
differs from only in case or spaces."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ctloop import scoring
from tests.unit import test_r40_train_score_binary as binary_inputs

scorer = binary_inputs.scorer  # a model of 'x' and the text feature 'region' ('north', 'south')


def _score(scorer, tmp_path, region: list, batch_rows: int = 100_000):
    table = pa.table({"id": [f"r{i}" for i in range(len(region))], "x": np.linspace(-1, 1, len(region)),
                      "region": pa.array(region, pa.string())})
    pq.write_table(table, tmp_path / "in.parquet")
    return scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", id_column="id",
                         scored_at=datetime(2026, 12, 5, tzinfo=UTC), batch_rows=batch_rows)


def test_values_the_model_was_not_trained_with_are_counted_per_column(scorer, tmp_path):
    region = ["north", "South", "North", None, "east", "south"] * 5
    result = _score(scorer, tmp_path, region, batch_rows=7)  # counted over every chunk
    summary = result.summary()
    lines = [line for line in summary.splitlines() if line.startswith("unknown categories:")]
    assert len(lines) == 1, summary
    line = lines[0]
    assert "'region'" in line and "15 of 30 row(s)" in line and "'South'" in line and "'south' was trained" in line, \
        line
    assert result.unknown_categories["region"].rows == 15


def test_trained_values_and_gaps_say_nothing(scorer, tmp_path):
    result = _score(scorer, tmp_path, ["north", "south", None] * 4)
    assert "unknown categor" not in result.summary() and not result.unknown_categories

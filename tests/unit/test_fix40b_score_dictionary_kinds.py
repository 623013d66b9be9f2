"""Review revB item 3: batch scoring judged a Parquet dictionary column by its dictionary type, not its
values: dictionary<values=binary> (text as bytes), and dictionaries of true/false or of times, for a
feature the model learnt text categories in, were scored with the feature ignored in every row."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import scoring
from ctloop.errors import DataSourceError
from tests.unit import test_r40_train_score_binary as binary_inputs

scorer = binary_inputs.scorer  # the same model, fitted once per module


def _score(scorer, tmp_path, region: pa.Array):
    table = pa.table({"id": [f"r{i}" for i in range(10)], "x": np.linspace(-1, 1, 10), "region": region})
    pq.write_table(table, tmp_path / "in.parquet")
    return scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", id_column="id",
                         scored_at=datetime(2026, 12, 5, tzinfo=UTC))


@pytest.mark.parametrize("values", [pa.array([b"north", b"south"] * 5, pa.binary()),
                                    pa.array([True, False] * 5),
                                    pa.array([datetime(2026, 1, 1), datetime(2026, 1, 2)] * 5, pa.timestamp("us"))],
                         ids=["binary", "bool", "timestamp"])
def test_a_dictionary_column_of_non_text_for_a_text_feature_is_refused_naming_it(scorer, tmp_path, values):
    with pytest.raises(DataSourceError) as info:
        _score(scorer, tmp_path, values.dictionary_encode())
    message = str(info.value)
    assert "\n" not in message and "column 'region'" in message and "dictionary" in message, message
    assert not (tmp_path / "out").exists()


def test_a_dictionary_column_of_text_scores(scorer, tmp_path):
    assert _score(scorer, tmp_path, pa.array(["north", "south"] * 5).dictionary_encode()).rows == 10

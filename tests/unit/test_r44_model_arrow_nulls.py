"""Arrow-backed feature columns with gaps (``pd.read_parquet(..., dtype_backend="pyarrow")``): true/false,
large text and dictionary-encoded text.

Was: their gaps are ``pd.NA``, which scikit-learn's imputer compares with itself: the fit (large text,
dictionary) or the gate (true/false: the fit cast it itself) failed with a raw ``TypeError: boolean
value of NA is ambiguous``. Now ``storage.plain_missing`` reads them as the nullable ``string`` and
``boolean`` dtypes: object columns with NaN, so the model is the same as from the numpy-backed read."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit
from ctloop.storage import read_table

N = 300
TYPES = {
    "bool": pa.bool_(),
    "large_string": pa.large_string(),
    "dictionary": pa.dictionary(pa.int32(), pa.string()),
}


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_an_arrow_feature_with_gaps_trains_and_gates_as_the_numpy_read(tmp_path, kind):
    rng = np.random.default_rng(0)
    x = rng.normal(size=N)
    values = [
        None if k % 7 == 0 else (bool(k % 2) if kind == "bool" else "ab"[k % 2]) for k in range(N)
    ]
    column = pa.array(values, pa.bool_() if kind == "bool" else pa.string())
    column = column.dictionary_encode() if kind == "dictionary" else column.cast(TYPES[kind])
    path = tmp_path / "table.parquet"
    pq.write_table(
        pa.table({"x": x, "z": column, "y": (x + (np.arange(N) % 2) > 0.5).astype(int)}), path
    )
    arrow = pd.read_parquet(path, dtype_backend="pyarrow")
    assert isinstance(arrow["z"].dtype, pd.ArrowDtype)
    probabilities = []
    for frame in (arrow, read_table(str(path))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = fit(
                frame.iloc[:200], target="y", estimator="logistic_regression", search_iterations=0
            ).model
        decision = evaluate.gate(
            model,
            frame.iloc[200:],
            target="y",
            task="classification",
            thresholds={"roc_auc": 0.5},
            bootstrap_rounds=30,
        )
        probabilities.append(decision.challenger_metrics["log_loss"])
    assert probabilities[0] == pytest.approx(probabilities[1], abs=1e-9)

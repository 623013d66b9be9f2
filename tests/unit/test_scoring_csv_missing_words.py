"""A CSV scored with an id column is re-read with the id as text; that re-read took Arrow's own
missing values, not the ones every other CSV read in ctloop takes (pandas': NA, None, N/A, ...):
a numeric feature holding a ``None`` cell became a text column and the batch was refused
("Cannot use median strategy with non-numeric data"), while the same file without ``--id-column``
scored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from ctloop import scoring


@pytest.mark.parametrize("word", ["None", "NA", "N/A", "<NA>", "nan"])
def test_a_missing_word_in_a_numeric_feature_scores_with_and_without_an_id(tmp_path, word):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    model = make_pipeline(SimpleImputer(strategy="median"), LogisticRegression()).fit(df, (df.a > 0).astype(int))
    scorer = scoring.Scorer(model, "m", "1", "champion", ["a", "b"], ["a", "b"])
    frame = df.astype(object)
    frame.loc[[3, 7], "a"] = word
    frame["id"] = [f"r{i}" for i in range(200)]
    frame.to_csv(tmp_path / "in.csv", index=False)
    outs = []
    for id_column in ("", "id"):
        out = tmp_path / f"out{id_column}"
        scoring.score(scorer, str(tmp_path / "in.csv"), str(out), run_id="r", id_column=id_column)
        outs.append(pd.concat([pq.read_table(p).to_pandas() for p in sorted(out.glob("*.parquet"))]))
    np.testing.assert_array_equal(outs[0].prediction_1.to_numpy(), outs[1].prediction_1.to_numpy())

"""Batch scoring reads a CSV's cells as training reads them. Training reads a CSV with
``pandas.read_csv`` (``ctloop.storage.read_table``; pandas 2.3.3, C parser, ``float_precision=
"round_trip"``): a NaN word that is not exactly one of pandas' missing-value cells (``' NaN'``,
``NAN``), an infinity with blanks (``' inf'``) and an overflow (``1e999``) make the whole column
text (pandas/_libs/parsers.pyx ``STR_NA_VALUES``; no stripping without ``skipinitialspace``),
and training refuses a numeric column with text in it. Arrow's CSV reader (pyarrow 25.0.1),
which ``ctloop score`` read with, trims the blanks and read ``' NaN'`` as a float gap: the row
was scored with the feature imputed, without a word. Now scoring reads such a column as text
(``ctloop.drift.streaming.csv_as_pandas_reads``) and refuses it before anything is written,
naming the column, the cell and its row; further down than the first block it is refused when
met (nothing of the run is left in the output). ``NaN`` as written is a gap in both."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from ctloop import scoring
from ctloop.errors import DataError, DataSourceError
from ctloop.storage import read_table


def _scorer(n=200):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    model = make_pipeline(SimpleImputer(strategy="median"), LogisticRegression()).fit(df, (df.a > 0).astype(int))
    return df, scoring.Scorer(model, "m", "1", "champion", ["a", "b"], ["a", "b"])


@pytest.mark.parametrize("cell", [" NaN", "NaN ", "NAN", " inf", "1e999"])
@pytest.mark.parametrize("id_column", ["", "id"])
def test_a_cell_training_reads_as_text_is_refused_not_scored_as_a_gap(tmp_path, cell, id_column):
    df, scorer = _scorer()
    frame = df.astype(object)
    frame.loc[3, "a"] = cell
    frame["id"] = [f"r{i}" for i in range(len(frame))]
    frame.to_csv(tmp_path / "in.csv", index=False)
    assert read_table(str(tmp_path / "in.csv"))["a"].dtype == object  # training: text
    with pytest.raises(DataSourceError) as err:
        scoring.score(scorer, str(tmp_path / "in.csv"), str(tmp_path / "out"), run_id="r", id_column=id_column)
    message = str(err.value)
    assert "\n" not in message and "column 'a'" in message and f"{cell!r} in row 4" in message
    assert not (tmp_path / "out").exists()


def test_nan_as_written_is_a_gap_in_both(tmp_path):
    df, scorer = _scorer()
    frame = df.astype(object)
    frame.loc[3, "a"] = "NaN"
    frame.to_csv(tmp_path / "in.csv", index=False)
    assert read_table(str(tmp_path / "in.csv"))["a"].isna().sum() == 1
    assert scoring.score(scorer, str(tmp_path / "in.csv"), str(tmp_path / "out"), run_id="r").rows == 200


def test_such_a_cell_past_the_first_block_is_refused_and_nothing_is_left(tmp_path):
    df, scorer = _scorer(60_000)  # ~2.3 MB: past Arrow's first 1 MiB block
    frame = df.astype(object)
    frame.loc[55_000, "a"] = " NaN"
    frame.to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(DataError) as err:
        scoring.score(scorer, str(tmp_path / "in.csv"), str(tmp_path / "out"), run_id="r", batch_rows=10_000)
    assert "\n" not in str(err.value) and "'a'" in str(err.value) and "NaN" in str(err.value)
    assert not list((tmp_path / "out").glob("*.parquet"))

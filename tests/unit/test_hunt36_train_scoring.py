"""Hunt 36 (training surface): batch scoring (ctloop.scoring) of a model of the train core with
input columns typed otherwise than at training: scored correctly or refused with one line naming
the column, before anything is written — never every row scored as an unknown category."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop import scoring
from ctloop.components.train import core as train
from ctloop.errors import DataSourceError


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"x1": rng.normal(size=n), "region": rng.choice(["north", "south", "east"], size=n),
                          "flag": rng.random(n) > 0.5, "code": rng.choice(["013", "077", "120"], size=n)})
    frame["y"] = ((frame.x1 + (frame.region == "north") + frame.flag - (frame.code == "077")) > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train.fit(frame, target="y", estimator="logistic_regression")
    meta = result.meta
    scorer = scoring.Scorer(result.model, "credit", "1", "champion", meta["features"], meta["numeric"])
    return frame[meta["features"]], scorer


@pytest.mark.parametrize("case, values, kind", [
    # a Parquet export that wrote the text feature as true/false: every row an unknown category
    # (was: scored, the feature silently ignored)
    ("bool", lambda f: f.flag, "bool"),
    # dates where the model learnt text: was a DataSourceError quoting numpy's DType promotion
    # error, naming no column
    ("timestamp", lambda f: pd.date_range("2025-01-01", periods=len(f), freq="h"), "timestamp[ns]"),
    ("date", lambda f: pd.date_range("2025-01-01", periods=len(f), freq="h").date, "date32[day]"),
])
def test_a_text_feature_of_another_type_is_refused_naming_it(trained, tmp_path, case, values, kind):
    features, scorer = trained
    features.assign(region=values(features)).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(DataSourceError, match=rf"^data: column 'region' of {re.escape(str(tmp_path))}/in.parquet "
                                              rf"is {re.escape(kind)}, but credit v1 was trained with text there \('east', 'north', "
                                              r"'south'\): every row would be scored as an unknown category"):
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r")
    assert not (tmp_path / "out").exists()


def test_text_features_as_text_dictionary_or_numbers_still_score(trained, tmp_path):
    features, scorer = trained
    expected = scorer.model.predict_proba(features)[:, 1]
    for name, frame in (("text", features), ("category", features.assign(region=features.region.astype("category"))),
                        ("string", features.assign(region=features.region.astype("string[pyarrow]")))):
        frame.to_parquet(tmp_path / f"{name}.parquet")
        result = scoring.score(scorer, str(tmp_path / f"{name}.parquet"), str(tmp_path / name), run_id="r")
        out = pd.concat([pd.read_parquet(f) for f in result.files], ignore_index=True)
        np.testing.assert_allclose(out.prediction_1.to_numpy(), expected, rtol=0, atol=1e-12)


def test_a_later_file_with_true_false_for_a_text_feature_is_refused_naming_it(trained, tmp_path):
    # a directory of daily exports, the second written with the column as booleans: the dataset
    # reads it as its first file's text, 'true'/'false', unknown categories (was: scored silently)
    features, scorer = trained
    (tmp_path / "in").mkdir()
    features.iloc[:150].to_parquet(tmp_path / "in" / "day-1.parquet")
    features.iloc[150:].assign(region=features.flag.iloc[150:]).to_parquet(tmp_path / "in" / "day-2.parquet")
    with pytest.raises(DataSourceError, match=rf"^data: column 'region' of {re.escape(str(tmp_path))}/in/"
                                              r"day-2.parquet is bool, but credit v1 was trained with text there"):
        scoring.score(scorer, str(tmp_path / "in"), str(tmp_path / "out"), run_id="r")
    assert not (tmp_path / "out").exists()


def test_a_later_csv_file_with_yes_no_for_a_true_false_feature_is_refused_naming_it(trained, tmp_path):
    # CSV files are typed file by file: True/False in the first, yes/no in the second made the column
    # text in every file, so no row matched the trained True/False (was: every row scored with the
    # feature ignored, the first file's too)
    features, scorer = trained
    (tmp_path / "in").mkdir()
    features.iloc[:150].to_csv(tmp_path / "in" / "day-1.csv", index=False)
    later = features.iloc[150:]
    later.assign(flag=np.where(later.flag, "yes", "no")).to_csv(tmp_path / "in" / "day-2.csv", index=False)
    with pytest.raises(DataSourceError, match=rf"^data: column 'flag' of {re.escape(str(tmp_path))}/in/day-2.csv is "
                                              r"string, but credit v1 was trained with true/false there"):
        scoring.score(scorer, str(tmp_path / "in"), str(tmp_path / "out"), run_id="r")
    assert not (tmp_path / "out").exists()


def test_a_feature_empty_in_the_first_logged_run_does_not_fix_its_log_type(trained, tmp_path):
    # a night's table with the numeric feature left empty in every row: Arrow reads it as type null, and
    # the batch log registered the column as 'string' in <log root>/_schema (the first writer wins, for
    # good): every later night's numbers were logged as JSON text. The sink registers a column that
    # never had a value at its first value (ctloop.inference_log.schema's module doc); so does batch
    # scoring now.
    from ctloop.inference_log import schema

    features, scorer = trained
    log = str(tmp_path / "log")
    features.assign(x1=None).to_parquet(tmp_path / "night-1.parquet")  # a column of no value: Arrow type null
    scoring.score(scorer, str(tmp_path / "night-1.parquet"), str(tmp_path / "out-1"), run_id="n1", log_root=log)
    assert "x1" not in schema.load(log, "credit")
    features.to_csv(tmp_path / "night-2.csv", index=False)
    scoring.score(scorer, str(tmp_path / "night-2.csv"), str(tmp_path / "out-2"), run_id="n2", log_root=log)
    assert schema.load(log, "credit")["x1"] == "double"


@pytest.mark.parametrize("column, value", [("flag", True), ("code", "013"), ("x1", 0.5)])
def test_a_csv_feature_empty_in_its_first_block_and_filled_later_scores_as_trained(trained, tmp_path, column, value):
    # a CSV's types are inferred from its first block (1 MiB): a column empty there was read as
    # nothing, then widened at its first value, to text ('True': no trained True, every later row
    # scored with the flag ignored) or to numbers (013 as 13.0: no trained '013'); silently
    features, scorer = trained
    rows = 120_000
    frame = pd.concat([features] * (rows // len(features)), ignore_index=True)
    frame[column] = frame[column].astype(object)
    frame.loc[: rows * 3 // 4, column] = None
    frame.loc[rows * 3 // 4 + 1:, column] = value
    frame.to_csv(tmp_path / "in.csv", index=False)
    result = scoring.score(scorer, str(tmp_path / "in.csv"), str(tmp_path / "out"), run_id="r", batch_rows=50_000)
    out = pd.concat([pd.read_parquet(f) for f in result.files], ignore_index=True)
    expected = frame.where(frame.notna(), np.nan).astype({"x1": float})  # as pandas reads the file
    np.testing.assert_allclose(out.prediction_1.to_numpy(), scorer.model.predict_proba(expected)[:, 1], atol=1e-12)


def test_empty_text_cells_of_a_csv_scored_with_an_id_column_are_gaps(trained, tmp_path):
    # reading a CSV's id column as text (and digit codes as text) re-read the file without
    # strings_can_be_null: every empty cell of every text feature became '' (an unknown category,
    # the feature ignored) instead of a gap (imputed with the most frequent category, as training
    # read it): rows scored differently with --id-column than without
    features, scorer = trained
    frame = features.assign(region=features.region.where(np.arange(len(features)) % 3 != 0),
                            customer_id=np.arange(len(features)))
    frame.to_csv(tmp_path / "in.csv", index=False)
    expected = scorer.model.predict_proba(pd.read_csv(tmp_path / "in.csv", dtype={"code": str})[
        scorer.features])[:, 1]
    for id_column in ("", "customer_id"):
        result = scoring.score(scorer, str(tmp_path / "in.csv"), str(tmp_path / f"out{id_column}"), run_id="r",
                               id_column=id_column)
        out = pd.concat([pd.read_parquet(f) for f in result.files], ignore_index=True)
        np.testing.assert_allclose(out.prediction_1.to_numpy(), expected, atol=1e-12, err_msg=id_column)


def test_a_csv_whose_text_feature_reads_as_true_false_or_dates_scores_as_text(tmp_path):
    """Review A: a text feature trained with 'true'/'false'/'unknown' (or ISO-date codes) gets a CSV
    batch holding only 'true'/'false' (dates): Arrow infers bool (timestamp) and scoring refused the
    valid input, which a CSV cannot write otherwise. Now read as text and scored as trained."""
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame({"x": rng.normal(size=n), "answer": rng.choice(["true", "false", "unknown"], size=n),
                          "day": rng.choice(["2025-01-01", "2025-02-01", "n/a"], size=n)})
    frame["y"] = ((frame.x + (frame.answer == "true") - (frame.day == "n/a")) > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train.fit(frame, target="y", estimator="logistic_regression")
    scorer = scoring.Scorer(result.model, "m", "1", "champion", result.meta["features"], result.meta["numeric"])
    today = frame[(frame.answer != "unknown") & (frame.day != "n/a")][result.meta["features"]].head(50)
    today.to_csv(tmp_path / "today.csv", index=False)
    assert scoring.open_input(str(tmp_path / "today.csv")).schema.field("answer").type == "bool"
    out = scoring.score(scorer, str(tmp_path / "today.csv"), str(tmp_path / "out"), run_id="r")
    got = pd.concat([pd.read_parquet(f) for f in out.files], ignore_index=True).prediction_1.to_numpy()
    np.testing.assert_allclose(got, scorer.model.predict_proba(today)[:, 1], rtol=0, atol=1e-12)

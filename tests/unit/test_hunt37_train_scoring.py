"""Hunt 37 (training surface): batch scoring's class probabilities carry their class names."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.linear_model import LogisticRegression

from ctloop import scoring

SCORED_AT = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)


def _scorer(labels) -> tuple[scoring.Scorer, pd.DataFrame]:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    codes = (df.a > 0).astype(int) + (df.b > 0.5).astype(int) * (len(labels) > 2)
    y = np.asarray(labels, dtype=object)[codes]
    model = LogisticRegression().fit(df[["a", "b"]], list(y))
    df["id"] = [f"r{i}" for i in range(300)]
    return scoring.Scorer(model, "m", "1", "champion", ["a", "b"], ["a", "b"]), df


def _read(directory) -> pd.DataFrame:
    return pd.concat([pq.read_table(p).to_pandas() for p in sorted(directory.glob("*.parquet"))], ignore_index=True)


def test_class_probabilities_are_also_named_by_their_class(tmp_path):
    # classes 'declined'/'approved': the output had prediction_0 and prediction_1 only, and nothing
    # in it said which class either was (the model's sorted order: 'approved' first).
    scorer, df = _scorer(["declined", "approved"])
    df.to_parquet(tmp_path / "in.parquet")
    scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", id_column="id",
                  scored_at=SCORED_AT)
    out = _read(tmp_path / "out")
    assert list(out.columns) == ["request_id", "id", "prediction_0", "prediction_1", "probability_approved",
                                 "probability_declined", "model_name", "model_version", "run_id", "scored_at"]
    proba = scorer.model.predict_proba(df[["a", "b"]])
    np.testing.assert_array_equal(out.probability_approved, proba[:, list(scorer.model.classes_).index("approved")])
    np.testing.assert_array_equal(out.prediction_0, out.probability_approved)


def test_hostile_class_names_give_unique_safe_column_names():
    taken = {"request_id", "model_name", "model_version", "run_id", "scored_at", "probability_x"}
    names = scoring.class_columns(["a b", "a_b", "x", "é/ü\n", "a" * 100, "1"], taken)
    assert names == ["probability_a_b_0", "probability_a_b_1", "probability_x_2", "probability_é_ü_",
                     "probability_" + "a" * 64, "probability_1"]
    assert len(set(names)) == len(names)
    assert scoring.class_columns([0, 1, 2]) == ["probability_0", "probability_1", "probability_2"]
    assert scoring.class_columns([False, True]) == ["probability_False", "probability_True"]
    assert scoring.class_columns(["v1.2", "v1_2"]) == ["probability_v1_2_0", "probability_v1_2_1"]


def test_class_names_do_not_depend_on_the_target_dtype():
    # a float target (an int label column with a gap, read as float64, then its gaps dropped) gave
    # probability_0.0/probability_1.0, an int one probability_0/probability_1: the output's schema
    # flipped between champion versions trained on the same kind of labels
    assert scoring.class_columns([np.float64(0.0), np.float64(1.0)]) == ["probability_0", "probability_1"]
    assert scoring.class_columns([0.0, 1.0]) == scoring.class_columns([0, 1])
    assert scoring.class_columns([np.float64(1.5), np.float64(2.0)]) == ["probability_1_5", "probability_2"]
    assert scoring.class_columns([np.float32(1.0), np.int64(-1)]) == ["probability_1", "probability_-1"]
    # 1.5 and the text '1_5' can't be one target (labels mixing text and numbers are refused), but the
    # names stay unique by the collision rule
    assert scoring.class_columns([1.5, "1_5"]) == ["probability_1_5_0", "probability_1_5_1"]
    assert scoring.class_columns([False, True]) == ["probability_False", "probability_True"]


@pytest.mark.parametrize("id_column", ["probability_yes", ""])
def test_an_id_column_named_like_a_class_column_is_kept(tmp_path, id_column):
    scorer, df = _scorer(["no", "yes"])
    if id_column:
        df = df.rename(columns={"id": id_column})
    df.to_parquet(tmp_path / "in.parquet")
    scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", id_column=id_column,
                  scored_at=SCORED_AT)
    out = _read(tmp_path / "out")
    if id_column:
        assert list(out[id_column]) == list(df[id_column]) and "probability_yes_1" in out.columns
    else:
        assert {"probability_no", "probability_yes"} <= set(out.columns)


def test_the_logged_rows_keep_the_inference_logs_columns(tmp_path):
    scorer, df = _scorer(["no", "yes"])
    df.to_parquet(tmp_path / "in.parquet")
    result = scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r",
                           log_root=str(tmp_path / "log"), scored_at=SCORED_AT)
    logged = pq.read_table(result.log_files[0]).column_names
    assert "prediction_1" in logged and not [n for n in logged if n.startswith("probability_")]


def test_a_feature_header_with_spaces_or_case_is_named_beside_the_missing_feature(tmp_path):
    # a spreadsheet export with ' a ' and 'B' as headers. Was: "has no column 'a', a feature of m v1
    # (missing: a, b)" while the file shows both columns: nothing said why they did not match.
    from ctloop.errors import DataSourceError

    scorer, df = _scorer(["no", "yes"])
    df.rename(columns={"a": " a ", "b": "B"}).to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(DataSourceError, match=r"^data: \S+in\.csv has no column 'a', a feature of m v1 \(missing: a, "
                                              r"b\); it has ' a ' for 'a'; 'B' for 'b': a header with other case or "
                                              r"spaces \(rename it\)$"):
        scoring.score(scorer, str(tmp_path / "in.csv"), str(tmp_path / "out"), run_id="r", scored_at=SCORED_AT)
    assert not (tmp_path / "out").exists()

"""Text sent for a feature trained on codes held as numbers (a category column of 1..3, as a Parquet
dictionary column reads back): the serving runtime (``payload.to_frame``) and batch scoring
(``ctloop.scoring``) read it as the code of its value, by one rule (``payload.text_as_codes``).

Was (round 45): a JSON "1" or "01", a v2 BYTES tensor's b"1" (the runtime reads BYTES as text) and a
Parquet string column '1'..'3' reached the model as text, matched no code the one-hot encoder learnt,
and were answered with the feature ignored: no error, no count (batch scoring: a note only). Now
text whose value is exactly one trained code is that code (counted); other text is an unknown category,
as a number that is no code is (fix45b2; it was refused)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop import scoring
from ctloop.errors import DataSourceError
from ctloop.serving.payload import flag_features, numbers_read_as_text, to_frame, trained_codes
from ctloop.storage import number_categories, trained_categories
from tests.unit.test_r45_model_scoring_true_false import trained  # noqa: F401  (module-scoped fixture)


def _frame(scorer, rows, read_codes=None):
    text = [n for n in scorer.features if n not in scorer.numeric]
    known = trained_categories(scorer.model)
    no_flags, flags = flag_features(text, known)
    return to_frame(
        {"instances": rows},
        scorer.features,
        scorer.numeric,
        numbers_read_as_text(text, known),
        {c: number_categories(known[c]) for c in text},
        {},
        no_flags=no_flags,
        flags=flags,
        codes=trained_codes(text, known),
        read_codes=read_codes,
    )


def test_the_codes_are_found_by_value(trained):  # noqa: F811
    _, scorer = trained
    codes = trained_codes(["flag", "grade"], trained_categories(scorer.model))
    assert list(codes) == ["grade"]  # flag: true/false, not codes
    assert {str(k): v for k, v in codes["grade"].items()} == {"1": [1], "2": [2], "3": [3]}


@pytest.mark.parametrize(
    "sent", ["1", "01", " 1.0 ", "1e0"], ids=["plain", "zero", "spaces", "exponent"]
)
def test_text_for_a_code_is_served_as_that_code(trained, sent):  # noqa: F811
    _, scorer = trained
    read = {}
    as_text = _frame(
        scorer,
        [{"x1": 0.3, "flag": True, "grade": sent}, {"x1": 0.3, "flag": True, "grade": 2}],
        read,
    )
    as_number = pd.DataFrame({"x1": [0.3, 0.3], "flag": [True, True], "grade": [1, 2]})[
        scorer.features
    ]
    np.testing.assert_allclose(
        scorer.model.predict_proba(as_text),
        scorer.model.predict_proba(as_number),
        rtol=0,
        atol=1e-12,
    )
    assert read["grade"].read == 1  # counted (ctloop_text_as_codes_total)
    ignored = pd.DataFrame({"x1": [0.3], "flag": [True], "grade": [99]})[
        scorer.features
    ]  # no code: ignored
    assert scorer.model.predict_proba(as_text)[0, 1] != pytest.approx(
        scorer.model.predict_proba(ignored)[0, 1]
    )


@pytest.mark.parametrize(
    "sent", ["x", "9", "1.5", ""], ids=["word", "no_code", "fraction", "blank"]
)
def test_text_that_is_no_code_is_an_unknown_category(trained, sent):  # noqa: F811
    """(fix45b2: was refused; now as a number that is no code: served as an unknown category, counted;
    '' is a null word, a gap.)"""
    _, scorer = trained
    rows = [{"x1": 0.3, "flag": True, "grade": 2}, {"x1": 0.3, "flag": True, "grade": sent}]
    read = {}
    _frame(scorer, rows, read)
    assert (read["grade"].unknown, read["grade"].gaps) == ((0, 1) if sent == "" else (1, 0))


def test_batch_scoring_reads_a_parquet_text_column_as_the_codes(trained, tmp_path):  # noqa: F811
    features, scorer = trained
    written = features.assign(grade=features.grade.astype(int).map(lambda v: f"0{v}"))  # '01'..'03'
    written.to_parquet(tmp_path / "in.parquet")
    result = scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r")
    out = pd.read_parquet(tmp_path / "out")
    np.testing.assert_allclose(
        out.prediction_1.to_numpy(),
        scorer.model.predict_proba(features.assign(grade=features.grade.astype(int)))[:, 1],
        rtol=0,
        atol=1e-12,
    )
    assert result.notes() == [
        f"text read as codes: 'grade': {len(features)} text value(s) read as the code of their value, as numbers "
        "(the model was trained on the codes as numbers)"
    ]


def test_batch_scoring_notes_text_that_is_no_code(trained, tmp_path):  # noqa: F811
    """(fix45b2: was refused; now an unknown category, noted as a number that is no code is.)"""
    features, scorer = trained
    grade = features.grade.astype(int).astype(str)
    grade.iloc[150] = "x"
    features.assign(grade=pd.Categorical(grade)).to_parquet(
        tmp_path / "in.parquet"
    )  # a dictionary column
    result = scoring.score(
        scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", batch_rows=100
    )
    assert result.unknown_categories["grade"].rows == 1
    assert result.text_as_codes["grade"].read == len(features) - 1


def test_codes_in_a_refusal_are_listed_by_value(tmp_path):
    """Codes 1..12 named in a refusal as 1, 2, 3 (by value), not 1, 10, 11 (as text)."""
    import warnings

    from ctloop.components.train import core as train

    rng = np.random.default_rng(1)
    n = 240
    frame = pd.DataFrame({"x1": rng.normal(size=n), "grade": pd.Categorical(np.arange(n) % 12 + 1)})
    frame["y"] = ((frame.x1 + (frame.grade.astype(int) < 4)) > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train.fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
    scorer = scoring.Scorer(
        result.model, "credit", "1", "champion", result.meta["features"], result.meta["numeric"]
    )
    frame[["x1"]].assign(grade=frame.grade.astype(int) == 1).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(DataSourceError, match=r"was trained with categories there \(1, 2, 3, …\)"):
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r")
    read = {}
    _frame(scorer, [{"x1": 0.1, "grade": "13"}], read)
    codes = trained_codes(["grade"], trained_categories(scorer.model))["grade"]
    assert "none of the codes 1, 2, 3, 4, 5, 6, 7, 8, … it was trained on" in read["grade"].problem(
        codes
    )

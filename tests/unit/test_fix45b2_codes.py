"""Codes held as numbers (a category column of 1..3) read by one rule in the gate, the serving runtime
and batch scoring (``ctloop.serving.payload.text_as_codes``).

Was (round 45, after fix45b): the gate did not read a holdout's text '1'..'3' as the codes both models
learnt (both judged with the feature ignored, accuracy 0.66 where served 1.0, no word in the reason);
'nan' and '<NA>' (``astype(str)`` of a column with gaps) refused a whole batch and a request, though the
gate reads every ``pandas.read_csv`` null word as a gap; and text that is no code ("0") was a 400 while
the number 0, no code either, was served with the feature ignored, uncounted. Now: the gate reads such
text as served and says so; null words (:func:`ctloop.serving.payload.null_word`, the gate's list too)
are gaps; a value that is no code, text or number alike, is an unknown category (served, counted), and
batch scoring refuses only a text column none of whose text is a code (the wrong column)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from pandas._libs.parsers import STR_NA_VALUES  # pandas 2.3.3, pandas/_libs/parsers.pyx

from ctloop import scoring
from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit
from ctloop.errors import DataSourceError
from ctloop.serving import payload
from ctloop.serving.payload import flag_features, numbers_read_as_text, to_frame, trained_codes
from ctloop.storage import number_categories, trained_categories
from tests.unit.test_r45_model_scoring_true_false import trained  # noqa: F401  (module-scoped fixture)

NULL_WORDS = sorted(STR_NA_VALUES)


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


@pytest.fixture(scope="module")
def graded():
    rng = np.random.default_rng(0)
    n = 900
    frame = pd.DataFrame({"x1": rng.normal(size=n), "grade": pd.Categorical(rng.integers(1, 4, n))})
    noise = 0.3 * rng.normal(size=n)
    frame["y"] = ((0.2 * frame.x1 + (frame.grade.astype(int) == 1) * 2 - 1 + noise) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        champion = fit(
            frame.iloc[:400], target="y", estimator="logistic_regression", search_iterations=0
        )
        challenger = fit(
            frame.iloc[400:430], target="y", estimator="logistic_regression", search_iterations=0
        )
    return frame.iloc[430:].copy(), champion.model, challenger.model


def _gate(challenger, champion, holdout):
    return evaluate.gate(
        challenger,
        holdout,
        target="y",
        task="classification",
        champion=champion,
        thresholds={"accuracy": 0.5},
        primary_metric="accuracy",
        bootstrap_rounds=50,
        tolerance=0.0,
    )


def test_the_gate_reads_text_codes_as_served_and_says_so(graded):
    holdout, champion, challenger = graded
    as_codes = _gate(challenger, champion, holdout)
    as_text = _gate(
        challenger, champion, holdout.assign(grade=holdout.grade.astype(int).astype(str))
    )
    assert as_text.challenger_metrics == as_codes.challenger_metrics
    assert as_text.champion_metrics == as_codes.champion_metrics
    assert (
        as_codes.challenger_metrics["accuracy"] > 0.9
    )  # with the feature: not the 0.66 of it ignored
    assert "text read as the codes" not in as_codes.reason
    assert (
        "the holdout's text read as the codes held as numbers the models learnt, as the serving runtime and "
        f"batch scoring read it: 'grade' by the challenger and the champion ({len(holdout)} value(s) read as codes)"
    ) in as_text.reason


def test_the_gate_reads_null_words_in_text_codes_as_gaps(graded):
    holdout, champion, challenger = graded
    text = holdout.grade.astype(int).astype(str).to_numpy(dtype=object)
    text[:3] = ["nan", "<NA>", " NULL "]
    decision = _gate(challenger, champion, holdout.assign(grade=text))
    gaps = holdout.assign(grade=holdout.grade.astype(object))
    gaps.iloc[:3, gaps.columns.get_loc("grade")] = np.nan
    assert decision.challenger_metrics == _gate(challenger, champion, gaps).challenger_metrics
    assert f"({len(holdout) - 3} value(s) read as codes, 3 null word(s) as gaps)" in decision.reason


@pytest.mark.parametrize("word", NULL_WORDS + [" nan ", "NAN", "+NaN"], ids=lambda w: repr(w))
def test_a_null_word_for_codes_is_served_as_a_missing_value(trained, word):  # noqa: F811
    _, scorer = trained
    assert payload.null_word(word)
    read = {}
    sent = _frame(scorer, [{"x1": 0.3, "flag": True, "grade": word}], read)
    missing = _frame(scorer, [{"x1": 0.3, "flag": True, "grade": None}])
    np.testing.assert_allclose(
        scorer.model.predict_proba(sent), scorer.model.predict_proba(missing), rtol=0, atol=0
    )
    assert (read["grade"].gaps, read["grade"].unknown, read["grade"].read) == (1, 0, 0)


def test_inf_is_no_null_word():
    assert not any(payload.null_word(v) for v in ("inf", "x", "0", float("nan"), None))


@pytest.mark.parametrize(
    "sent",
    [0, "0", 99, "99", "x", 1.5, "1.5"],
    ids=["0", "text_0", "99", "text_99", "word", "1.5", "text_1.5"],
)
def test_a_value_that_is_no_code_is_one_rule_for_numbers_and_text(trained, sent):  # noqa: F811
    _, scorer = trained
    read = {}
    frame = _frame(
        scorer,
        [{"x1": 0.3, "flag": True, "grade": 2}, {"x1": 0.3, "flag": True, "grade": sent}],
        read,
    )
    ignored = pd.DataFrame({"x1": [0.3], "flag": [True], "grade": [99]})[scorer.features]
    assert scorer.model.predict_proba(frame)[1, 1] == pytest.approx(
        scorer.model.predict_proba(ignored)[0, 1], abs=1e-12
    )
    assert (read["grade"].unknown, read["grade"].example) == (1, sent)
    assert read["grade"].read == 0


def _written(features, grade, path):
    features.assign(grade=grade).to_parquet(path)
    return str(path)


def test_batch_scoring_reads_astype_str_of_codes_with_gaps(trained, tmp_path):  # noqa: F811
    features, scorer = trained
    codes = features.grade.astype(float)
    codes.iloc[5] = np.nan
    for name, column in (
        ("nan", codes.astype(str)),  # '1.0', ..., 'nan'
        ("na", codes.astype("Int64").astype(str).where(features.index != 5, "<NA>")),
    ):
        result = scoring.score(
            scorer,
            _written(features, column, tmp_path / f"{name}.parquet"),
            str(tmp_path / name),
            run_id="r",
        )
        out = pd.read_parquet(tmp_path / name)
        expected = scorer.model.predict_proba(
            features.assign(grade=codes.astype(object).where(codes.notna()))
        )
        np.testing.assert_allclose(out.prediction_1.to_numpy(), expected[:, 1], rtol=0, atol=1e-12)
        assert result.text_as_codes["grade"].gaps == 1


def test_batch_scoring_notes_a_value_that_is_no_code_text_or_number(trained, tmp_path):  # noqa: F811
    features, scorer = trained
    for name, column in (
        ("text", features.grade.astype(int).astype(str).where(features.index != 7, "0")),
        ("numbers", features.grade.astype(int).where(features.index != 7, 0)),
    ):
        result = scoring.score(
            scorer,
            _written(features, column, tmp_path / f"{name}.parquet"),
            str(tmp_path / name),
            run_id="r",
        )
        notes = [n for n in result.notes() if n.startswith("unknown categories")]
        example = "'0'" if name == "text" else "0"
        assert notes == [
            f"unknown categories: 'grade': 1 of {len(features)} row(s) hold a value that is none of the codes the "
            f"model was trained on there (numbers), ignored: scored with none of its categories (e.g. {example})"
        ]


def test_batch_scoring_refuses_a_text_column_with_no_code_before_writing(trained, tmp_path):  # noqa: F811
    features, scorer = trained
    column = features.grade.astype(int).map({1: "a", 2: "b", 3: "c"})
    column.iloc[3] = "nan"  # a gap, no code: the column still has none
    with pytest.raises(
        DataSourceError,
        match=rf"^data: column 'grade' of {re.escape(str(tmp_path))}/in.parquet is string, a feature credit v1 "
        r"learnt as codes held as numbers, and none of its text is one of them \(e.g. '\w', none of the codes 1, "
        r"2, 3 it was trained on \(numbers\)\): every row would be scored as an unknown category; write the "
        r"column the model was trained on, as those codes \(numbers\) or their text$",
    ):
        scoring.score(
            scorer,
            _written(features, column, tmp_path / "in.parquet"),
            str(tmp_path / "out"),
            run_id="r",
            batch_rows=100,
        )
    assert not (tmp_path / "out").exists()

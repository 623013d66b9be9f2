"""A hist_gradient_boosting model whose categorical block leaves out one-hot columns no tree can split
on (``train.core.drop_unsplittable``: a ``splittable`` step after the one-hot encoder) is read as the
same model without that step: its trained categories, its pooled features and the names of its
columns are the encoder's.

Was (round 46, merge of r46-train): :func:`ctloop.storage.trained_categories` and
``ctloop.scoring._pooled_features`` took the block's last step as its encoder. With one category in
fewer than ``min_samples_leaf`` rows (grade '4' here, about 30 of 600 rows against 40), the model had
no trained categories: serving took a JSON true for the text feature and scored it, batch scoring
refused the codes written as numbers ("its categories cannot be read from the model"), the gate
scored them as unknown (ROC AUC 1.0 read as 0.924), and an unknown category was no longer noted. The
step's column names carried a ``kept__`` prefix (``grade_1`` read ``kept__grade_1``)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop import scoring
from ctloop.components.train import core as train
from ctloop.storage import trained_categories


def _fit(frame, target="y"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return train.fit(
            frame,
            target=target,
            estimator="hist_gradient_boosting",
            search_iterations=0,
            params={"max_iter": 30},
        )


def _full(result, frame):
    """The same pipeline fitted without leaving any column out."""
    meta = result.meta
    full, _ = train.build_pipeline(
        task="classification",
        estimator="hist_gradient_boosting",
        params=meta["params"],
        numeric=meta["numeric"],
        categorical=meta["categorical"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return full.fit(frame[meta["features"]], frame.y)


def _steps(model):
    return list(model.named_steps["preprocess"].named_transformers_["categorical"].named_steps)


@pytest.fixture(scope="module")
def grades():
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "grade": rng.choice(["1", "2", "3", "4"], n, p=[0.4, 0.35, 0.2, 0.05]),
        }
    )
    frame["y"] = ((frame.x1 + (frame.grade == "1")) > 0.5).astype(int)
    result = _fit(frame)
    assert _steps(result.model) == ["impute", "onehot", "splittable"]  # grade '4': under 40 rows
    return frame, result


@pytest.fixture(scope="module")
def ids():
    rng = np.random.default_rng(0)
    n = 1500
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "id": [f"c{i}" for i in rng.integers(0, n // 3, n)],
            "cat": rng.choice(list("abc"), n),
        }
    )
    frame["y"] = ((frame.x1 + (frame.cat == "a")) > 0.5).astype(int)
    result = _fit(frame)
    assert "splittable" in _steps(result.model)
    return frame, result


def test_trained_categories_are_the_encoders_with_columns_left_out(grades, ids):
    for frame, result in (grades, ids):
        assert trained_categories(result.model) == trained_categories(_full(result, frame))
    assert trained_categories(grades[1].model) == {"grade": ["1", "2", "3", "4"]}


def test_pooled_features_are_the_encoders_with_columns_left_out(ids):
    frame, result = ids
    assert scoring._pooled_features(result.model) == {"id"}
    assert scoring._pooled_features(_full(result, frame)) == {"id"}


def test_the_column_names_are_the_encoders_without_a_prefix(grades):
    frame, result = grades
    assert list(result.model[:-1].get_feature_names_out()) == [
        "x1",
        "grade_1",
        "grade_2",
        "grade_3",
    ]


def test_serving_refuses_true_for_the_text_feature(grades):
    from ctloop.errors import ServingError
    from ctloop.serving.payload import flag_features, numbers_read_as_text, to_frame, trained_codes
    from ctloop.storage import number_categories

    _, result = grades
    known = trained_categories(result.model)
    no_flags, flags = flag_features(["grade"], known)

    def frame_of(value):
        return to_frame(
            {"instances": [{"x1": 0.1, "grade": value}]},
            result.meta["features"],
            result.meta["numeric"],
            numbers_read_as_text(["grade"], known),
            {"grade": number_categories(known["grade"])},
            {},
            no_flags=no_flags,
            flags=flags,
            codes=trained_codes(["grade"], known),
        )

    assert frame_of(1).grade.tolist() == ["1"]
    with pytest.raises(ServingError, match="grade"):
        frame_of(True)


def _scored(result, tmp_path, name, column, values):
    path = tmp_path / f"{name}.parquet"
    pd.DataFrame({"x1": [0.1, 0.2, 0.3], column: values}).to_parquet(path)
    scorer = scoring.Scorer(
        result.model, "m", "1", "champion", result.meta["features"], result.meta["numeric"]
    )
    got = scoring.score(scorer, str(path), str(tmp_path / f"out-{name}"), run_id="r", log_root="")
    table = pd.read_parquet(got.files[0])
    return got, table[[c for c in table.columns if c.startswith("prediction_")]].to_numpy()


def test_batch_scoring_reads_codes_as_numbers_and_notes_unknown_text(grades, tmp_path):
    _, result = grades
    _, text = _scored(result, tmp_path, "text", "grade", ["1", "2", "4"])
    got, numbers = _scored(result, tmp_path, "ints", "grade", [1, 2, 4])
    np.testing.assert_array_equal(numbers, text)
    assert got.numbers_as_text["grade"].unknown == 0
    got, _ = _scored(result, tmp_path, "new", "grade", ["1", "zz-new", "2"])
    assert "zz-new" in got.unknown_categories["grade"].note("grade", got.rows)


def test_the_gate_scores_codes_as_numbers_as_it_scores_their_text(grades):
    from ctloop.components.evaluate import core as evaluate

    frame, result = grades
    hold = frame.iloc[-200:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = evaluate.score(result.model, hold, target="y", task="classification")
        numbers = evaluate.score(
            result.model,
            hold.assign(grade=hold.grade.astype(int)),
            target="y",
            task="classification",
        )
    assert numbers == text

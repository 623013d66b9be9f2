"""A JSON true/false sent for a feature trained on codes held as numbers (a category column of 1..3) is
refused naming what the feature takes: a code, as a number or its text, with the codes.

Was (round 45, left alone): "feature 'grade' must be a single value (text or number; it was trained on
text, not true/false); instance 0 has True": the feature was not trained on text, and the runtime reads
the text '1' as the code 1 there (``payload.text_as_codes``). A feature trained on text keeps its
wording."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.train import core as train
from ctloop.errors import ServingError
from ctloop.serving.payload import flag_features, numbers_read_as_text, to_frame, trained_codes
from ctloop.storage import number_categories, trained_categories


def _model(grade):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=len(grade)), "grade": grade})
    frame["y"] = ((frame.x1 + (frame.grade.astype(str) == "1")) > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return train.fit(frame, target="y", estimator="logistic_regression", search_iterations=0)


def _served(result, grade):
    text = ["grade"]
    known = trained_categories(result.model)
    no_flags, flags = flag_features(text, known)
    return to_frame(
        {"instances": [{"x1": 0.1, "grade": 2}, {"x1": 0.2, "grade": grade}]},
        result.meta["features"],
        result.meta["numeric"],
        numbers_read_as_text(text, known),
        {c: number_categories(known[c]) for c in text},
        {},
        no_flags=no_flags,
        flags=flags,
        codes=trained_codes(text, known),
    )


@pytest.mark.parametrize("sent", [True, False], ids=["true", "false"])
def test_true_false_for_codes_held_as_numbers_names_the_codes(sent):
    codes = pd.Categorical(np.random.default_rng(1).choice([1, 2, 3], size=300))
    with pytest.raises(ServingError) as caught:
        _served(_model(codes), sent)
    assert str(caught.value) == (
        "feature 'grade' must be a code as a number or its text (1, 2, 3; it was trained on codes held as "
        f"numbers, and true/false is none of them); instance 1 has {sent!r}"
    )
    assert _served(_model(codes), "3").grade.tolist() == [2, 3]  # the text of a code is that code


def test_true_for_a_text_feature_keeps_its_wording():
    words = np.random.default_rng(1).choice(["1", "2", "3"], size=300)
    with pytest.raises(
        ServingError, match=r"it was trained on text, not true/false\); instance 1 has True$"
    ):
        _served(_model(words), True)

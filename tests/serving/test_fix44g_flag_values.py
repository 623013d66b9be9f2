"""A feature trained on True/False refuses any other value instead of serving it as missing.

Review G44: ``payload.to_frame`` refused JSON ``true``/``false`` for a feature trained on text
(round 44), but not the reverse. A bool training column becomes a category column of ``True`` and
``False`` (``components/train/core.py`` ``_bools_as_categories``), so the one-hot encoder learnt
exactly those two Python booleans. ``"true"`` and ``"True"`` are text, and ``1``/``0`` are read as
the text ``'1'``/``'0'`` (``storage.numbers_as_text``): none equals a learnt category, and the
encoder (``handle_unknown='infrequent_if_exist'``, no infrequent category among two) gave all
zeros — the request was answered 200 as if the feature were missing. Decided: for a feature trained on True/False alone only JSON booleans (or
null, the missing value) are taken; anything else is a 400 naming the feature. Mapping ``"true"``
or ``1`` onto True would guess what a client meant; the client's bug is better seen.

``payload.flag_features`` computes which features are such from the fitted encoder's categories
(the runtime's ``CtloopModel.load`` calls it; kserve is not needed to test it)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.errors import ServingError
from ctloop.serving.payload import flag_features, to_frame
from ctloop.storage import trained_categories

FEATURES = ["x", "plan", "flag"]


@pytest.fixture(scope="module")
def fitted():
    """train.core's pipeline fitted as ``fit`` fits it (bool columns as categories), without
    ``fit``'s search and checks (seconds here)."""
    from ctloop.components.train.core import _bools_as_categories, build_pipeline

    rng = np.random.default_rng(3)
    x = pd.DataFrame(
        {
            "x": rng.normal(size=300),
            "plan": rng.choice(["basic", "gold"], 300),
            "flag": rng.choice([True, False], 300),
        }
    )
    y = ((x.x + 2 * (x.plan == "gold") - 2 * x.flag) > 0.5).astype(int)
    model, _ = build_pipeline(
        task="classification",
        estimator="logistic_regression",
        params=None,
        numeric=["x"],
        categorical=["plan", "flag"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(_bools_as_categories(x, ["plan", "flag"]), y)


def _frame(model, rows):
    no_flags, flags = flag_features(["plan", "flag"], trained_categories(model))
    return to_frame(
        {"instances": rows}, FEATURES, ["x"], ["plan", "flag"], no_flags=no_flags, flags=flags
    )


def test_flag_features_tells_text_from_true_false_features(fitted):
    assert flag_features(["plan", "flag"], trained_categories(fitted)) == (["plan"], ["flag"])
    # a feature with both kinds of category takes any single value; one not learnt is neither
    mixed = {"m": [True, False, "unknown"], "n": [float("nan"), True]}
    assert flag_features(["m", "n", "absent"], mixed) == ([], ["n"])


@pytest.mark.parametrize("value", ["true", "True", 1, 0, 1.0, "yes"], ids=repr)
def test_anything_but_a_json_boolean_is_refused_for_a_true_false_feature(fitted, value):
    # what was served before: the encoder matches none of its learnt categories (all zeros), the
    # prediction of a request without the feature
    encoder = fitted.named_steps["preprocess"].named_transformers_["categorical"][-1]
    assert [list(c) for c in encoder.categories_] == [["basic", "gold"], [False, True]]
    with pytest.raises(ServingError) as err:
        _frame(
            fitted,
            [{"x": 0.1, "plan": "gold", "flag": True}, {"x": 0.2, "plan": "gold", "flag": value}],
        )
    message = str(err.value)
    assert "feature 'flag' must be true or false" in message and "instance 1 has" in message, (
        message
    )
    assert "\n" not in message


def test_json_booleans_and_null_are_served_as_trained(fitted):
    rows = [
        {"x": 0.3, "plan": "gold", "flag": True},
        {"x": 0.3, "plan": "gold", "flag": False},
        {"x": 0.3, "plan": "basic", "flag": None},
    ]
    frame = _frame(fitted, rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        served = fitted.predict_proba(frame)
        expected = fitted.predict_proba(
            pd.DataFrame(
                {"x": [0.3] * 3, "plan": ["gold", "gold", "basic"], "flag": [True, False, np.nan]}
            )
        )
    np.testing.assert_allclose(served, expected, atol=1e-12)
    assert served[0, 1] != served[1, 1]  # the flag is used, not ignored

"""Round 40 (training surface): a recency half-life so short that the training rows weigh nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.columns import WEIGHT
from ctloop.components.prepare.core import prepare
from ctloop.errors import ConfigError


@pytest.fixture(scope="module")
def hourly():
    # 300 hourly rows: the holdout is the last 60 hours, so the newest training row is 60 h old
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    return pd.DataFrame({"t": pd.date_range("2025-01-01", periods=300, freq="h").astype(str), "x": x,
                         "y": (x + rng.normal(size=300) * 0.5 > 0).astype(int)})


@pytest.mark.parametrize("half_life", ["1s", "10min"])
def test_a_half_life_under_which_the_training_rows_weigh_nothing_is_refused_naming_it(hourly, half_life):
    # '1s': every weight 0.5 ** (age / 1 s) underflowed to 0.0 and the fit failed with scikit-learn's
    # "Sample weights must contain at least one non-zero number", naming no setting; since the weights are
    # relative to the newest training row (review revB 5, test_fix40b_recency_scale.py) a half-life far
    # shorter than the rows' spacing leaves that row alone, and is refused naming the shortest that does not
    with pytest.raises(ConfigError) as info:
        prepare(hourly, target="y", time_column="t", window=None, recency_half_life=half_life)
    message = str(info.value)
    assert "\n" not in message
    assert f"data.recency_half_life {half_life!r}" in message, message
    # the hint: the shortest half-life that leaves 2 effective rows (review revH1 2), accepted
    hint = message.split("a half-life of at least '")[1].split("'")[0]
    assert prepare(hourly, target="y", time_column="t", window=None, recency_half_life=hint).train[WEIGHT].max() == 1


@pytest.mark.parametrize("half_life", ["1h", "2h", "1D", "30D"])
def test_half_lives_that_leave_the_rows_a_weight_still_weigh_them(hourly, half_life):
    out = prepare(hourly, target="y", time_column="t", window=None, recency_half_life=half_life)
    assert 0 < out.train[WEIGHT].sum() and out.train[WEIGHT].max() <= 1

"""Review revH1 item 1: since 50785f7 the training rows' recency weights are relative to the newest
training row (it weighs 1), and ``retrain.choose_start`` projected the holdout rows' weights forward
from them: a holdout row got ``2 ** (its age past the newest training row / half-life)`` (2**50 at
8 h over a 400-hour holdout, inf past 1024 half-lives). The candidate's and the whole window's fits
then weighed on another scale than the usual model, and at overflow ``train_model`` refused the
weight column ("rename it"). Each fitted set's weights are now ``prepare_data``'s
``0.5 ** (age / half-life)`` relative to that set's own newest row: never above 1, never inf."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.columns import WEIGHT
from ctloop.components.prepare.core import prepare
from ctloop.components.train import core as train_core
from ctloop.config import GateConfig, TrainingConfig
from ctloop.retrain import choose_start

TRAINING = TrainingConfig(estimator="logistic_regression", seed=0)
GATE = GateConfig.from_dict({"bootstrap_rounds": 50, "seed": 0})


def hourly(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=rows)
    return pd.DataFrame({"t": pd.date_range("2025-01-01", periods=rows, freq="h"), "x": x,
                         "y": np.where(x + rng.normal(scale=0.5, size=rows) > 0, "yes", "no")})


@pytest.mark.parametrize(("rows", "half_life"), [(12000, "1h"), (2000, "8h")])
def test_every_fitted_set_weighs_its_own_newest_row_1(monkeypatch, rows, half_life):
    """12,000 hourly rows at 1 h: the 2400-hour holdout overflowed (inf, DataValidationError); 2000 at
    8 h: the holdout's rows weighed up to 2**50."""
    prepared = prepare(hourly(rows), target="y", time_column="t", window=None, recency_half_life=half_life,
                       holdout_fraction=0.2)
    seen: list[pd.DataFrame] = []
    real = train_core.run

    def spy(frame, *args, **kwargs):
        seen.append(frame)
        return real(frame, *args, **kwargs)

    monkeypatch.setattr(train_core, "run", spy)
    since = prepared.train["t"].iloc[-100]  # rows since it: 100 training rows and the whole holdout
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result, fitted, check, choice = choose_start(prepared.train, prepared.holdout, TRAINING, GATE, target="y",
                                                     time_column="t", since=since, holdout_fraction=0.2)
    assert "not tried" not in choice.note, choice.note
    assert len(seen) == 3  # the candidate, the whole window but the check, the model used
    for frame in seen[:2]:
        w = frame[WEIGHT].to_numpy(dtype=float)
        expected = np.power(0.5, ((frame["t"].max() - frame["t"]) / pd.Timedelta(half_life)).to_numpy(dtype=float))
        assert np.isfinite(w).all() and w.max() == 1.0
        np.testing.assert_allclose(w, expected, rtol=1e-9, atol=1e-300)
    assert fitted[WEIGHT].max() == 1.0

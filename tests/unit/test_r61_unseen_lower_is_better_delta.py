"""Stop 61's unseen stream apple_volume_ampm (river 0.26.1's ``drift/datasets/apple.csv``: a day's traded volume from
its prices, a regression) under ``--policy always`` said at window 7

    not approved: rmse 83.8490 <= 100 passed; vs champion: rmse delta -16.0590 (CI -25.3240..-5.4000, tolerance
    0.01) FAILED: confidently worse

An rmse delta of -16 reads as an error 16 lower, a better model, next to "confidently worse". The delta is the
challenger's gain (``paired_bootstrap``: positive = challenger better, so for an error the champion's minus the
challenger's), which the reason never said. The reason of a lower-is-better primary metric now names both errors
and the sign; the numbers (``rmse.delta`` and its CI, which the rules read) are unchanged; a zero delta and a
higher-is-better metric read as before."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit


def volumes(n: int, seed: int) -> pd.DataFrame:
    """A day's volume in millions from its price range, heavy-tailed as traded volumes are."""
    rng = np.random.default_rng(seed)
    spread = rng.gamma(2.0, 0.02, size=n)
    close = rng.uniform(0.8, 2.6, size=n)
    return pd.DataFrame({"close": close, "spread": spread,
                         "target": 40 + 900 * spread + rng.lognormal(2.5, 0.9, size=n)})


def model(frame: pd.DataFrame, estimator: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(frame, target="target", task="regression", estimator=estimator, search_iterations=0).model


@pytest.mark.parametrize("metric", ["rmse", "mae"])
def test_a_worse_challenger_s_error_is_named_with_the_sign(metric):
    frame = volumes(600, 61)
    good = model(frame, "linear_regression")
    bad = model(frame.assign(spread=np.random.default_rng(1).permutation(frame["spread"].to_numpy())),
                "linear_regression")  # learnt nothing from the spread: a higher error
    decision = evaluate.gate(bad, frame, target="target", task="regression", champion=good,
                             thresholds={metric: 1e9}, primary_metric=metric, bootstrap_rounds=200)
    comp = decision.comparison
    assert comp["delta"] < 0 and comp["challenger"] > comp["champion"]  # the numbers as before: a loss below 0
    said = next(part for part in decision.reason.split("; ") if part.startswith("vs champion:"))
    assert said.startswith(f"vs champion: {metric} delta {comp['delta']:+.4f} (challenger {comp['challenger']:.4f}, "
                           f"champion {comp['champion']:.4f}: a lower {metric} is better, the delta is the "
                           f"champion's minus the challenger's) (CI "), said
    assert said.endswith("FAILED: confidently worse"), said


def test_a_better_challenger_reads_a_gain():
    frame = volumes(600, 62)
    good = model(frame, "linear_regression")
    bad = model(frame.assign(spread=0.0), "linear_regression")
    decision = evaluate.gate(good, frame, target="target", task="regression", champion=bad,
                             thresholds={"rmse": 1e9}, primary_metric="rmse", bootstrap_rounds=200)
    comp = decision.comparison
    assert comp["delta"] > 0
    assert (f"rmse delta {comp['delta']:+.4f} (challenger {comp['challenger']:.4f}, champion {comp['champion']:.4f}: "
            "a lower rmse is better, the delta is the champion's minus the challenger's) (CI ") in decision.reason


def test_a_higher_is_better_metric_reads_as_before():
    frame = volumes(600, 63)
    good = model(frame, "linear_regression")
    bad = model(frame.assign(spread=0.0), "linear_regression")
    decision = evaluate.gate(bad, frame, target="target", task="regression", champion=good,
                             thresholds={"r2": -1e9}, primary_metric="r2", bootstrap_rounds=200)
    comp = decision.comparison
    assert f"vs champion: r2 delta {comp['delta']:+.4f} (CI {comp['ci_low']:+.4f}..{comp['ci_high']:+.4f}" \
        in decision.reason

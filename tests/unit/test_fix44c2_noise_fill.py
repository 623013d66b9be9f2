"""KL and PSI of a sparse categorical column on uneven samples DRIFTED on pure noise with no
warning: the noise factor (:data:`stats.NOISE_FACTOR`) compares the score with its leading-order
no-drift score, which ignores evidently's zero fill (0.0001) for a category one side lacks, and
with 40 current values of 30 categories that fill alone scores KL several times that order (3,000
against 40 rows: 28 of 100 no-drift pairs DRIFT unwarned). The noise factor now applies only when
each side has at least :data:`stats.MIN_VALUES_PER_CATEGORY` values per category; with fewer,
the DRIFT keeps its warning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, stats

VALUES = [f"v{i:02d}" for i in range(30)]


@pytest.mark.parametrize("method", ["kl_div", "psi"])
def test_uneven_sparse_samples_of_one_distribution_keep_their_warning(method):
    unwarned = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        ref = pd.DataFrame({"c": rng.choice(VALUES, 3000)})
        cur = pd.DataFrame({"c": rng.choice(VALUES, 40)})
        col = engine.detect(ref, cur, method=method).columns[0]
        if col.drifted and not col.warning:
            unwarned.append((seed, round(col.score, 3)))
    assert unwarned == []


def test_seed_2_scores_beyond_the_noise_factor_and_is_still_warned_of():
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"c": rng.choice(VALUES, 3000)})
    cur = pd.DataFrame({"c": rng.choice(VALUES, 40)})
    col = engine.detect(ref, cur, method="kl_div").columns[0]
    expected = stats.no_drift_score("kl_div", 30, 3000, 40)
    assert col.drifted and col.score >= stats.NOISE_FACTOR["kl_div"] * expected
    assert "cannot be told from that noise" in col.warning


def test_real_drift_with_enough_values_per_category_stays_unwarned():
    rng = np.random.default_rng(1)
    moved = np.r_[np.full(5, 0.18), np.full(25, 0.1 / 25)]
    ref = pd.DataFrame({"c": rng.choice(VALUES, 3000)})
    cur = pd.DataFrame({"c": rng.choice(VALUES, 400, p=moved)})
    col = engine.detect(ref, cur, method="kl_div").columns[0]
    assert col.drifted and col.warning == ""

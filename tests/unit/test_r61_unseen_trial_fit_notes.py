"""Stop 61's unseen stream fertility_replacement_bool (statsmodels 0.15.0's ``datasets/fertility/fertility.csv``:
219 countries, one row a country and year, replayed in yearly windows) printed

    warning: column 'country' has a different value in every row (an ID?): the one-hot encoder keeps only values
    seen 5+ times, so the model learns nothing from it; drop it from the training table

of a column whose every value is in 44 rows, and which every model it served learnt from. The note was of a trial:
``retrain.choose_start`` fits a candidate on the rows since a change (one year: each country once) and compares it
with the whole window's model; the candidate was never kept, yet its fit's notes reached the user, who was told to
drop a feature. A trial fit's notes now reach the user only when its model is the one kept."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ctloop.config import GateConfig, TrainingConfig
from ctloop.retrain import choose_start

TRAINING = TrainingConfig(estimator="logistic_regression")
GATE = GateConfig(bootstrap_rounds=200)
ID_NOTE = "has a different value in every row (an ID?)"


def panel(countries: int, years: int, flip_last: bool, seed: int = 61) -> pd.DataFrame:
    """One row a country and year (1 January), as a yearly statistics table melted long; with ``flip_last`` the
    label's dependence on ``x`` reverses in the last year (a change the candidate start names)."""
    rng = np.random.default_rng(seed)
    year = np.repeat(np.arange(years), countries)
    x = rng.normal(size=countries * years)
    last = year == years - 1
    y = (np.where(last & flip_last, -x, x) + rng.normal(scale=0.3, size=len(x)) > 0).astype(int)
    return pd.DataFrame({"ts": pd.to_datetime([f"{1990 + v}-01-01" for v in year], utc=True),
                         "country": np.tile([f"C{c:03d}" for c in range(countries)], years), "x": x, "y": y})


def choose(frame: pd.DataFrame, since: str):
    frame = frame.sort_values("ts", kind="stable").reset_index(drop=True)
    cut = int(len(frame) * 0.8)
    train, holdout = frame.iloc[:cut], frame.iloc[cut:]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result, _, _, choice = choose_start(train, holdout, TRAINING, GATE, target="y", time_column="ts",
                                            since=since, holdout_fraction=0.2)
    return result, choice, [str(w.message) for w in caught]


def test_a_candidate_not_kept_says_nothing_of_its_own_rows():
    # 150 countries x 8 years; the candidate start is the last year: its 120 training rows hold each country once
    frame = panel(150, 8, flip_last=False)
    result, choice, said = choose(frame, "1997-01-01T00:00:00Z")
    assert not choice.kept and choice.note.startswith("kept the whole training window ("), choice.note
    assert not [s for s in said if ID_NOTE in s], said
    assert not [n for n in result.meta["notes"] if ID_NOTE in n]  # the model served learnt from 'country'


def test_a_candidate_kept_still_says_what_its_rows_hold():
    frame = panel(400, 6, flip_last=True)
    result, choice, said = choose(frame, "1995-01-01T00:00:00Z")
    assert choice.kept, choice.note
    assert [s for s in said if ID_NOTE in s and "'country'" in s], said
    assert [n for n in result.meta["notes"] if ID_NOTE in n]

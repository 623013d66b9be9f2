"""Review r41a finding 2: the reason naming a champion's classes read as the holdout writes them printed
NumPy reprs (``np.int64(0) as '0.0'``, ``np.False_ as 'false'``); it now names plain values, as the
gate's other reasons do."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate.core import gate
from ctloop.components.train.core import fit


def _rows(rng, n, labels):
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "z": rng.normal(size=n),
                         "y": np.where(x + rng.normal(scale=0.5, size=n) > 0, labels[0], labels[1]).tolist()})


@pytest.mark.parametrize(("champion_labels", "labels", "shown"), [
    ([1, 0], ["1.0", "0.0"], "0 as '0.0'"),
    ([True, False], ["true", "false"], "False as 'false'"),
])
def test_the_relabelled_reason_names_plain_values(champion_labels, labels, shown):
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        champion = fit(_rows(rng, 500, champion_labels), target="y", estimator="logistic_regression").model
        noise = _rows(rng, 500, labels)
        noise["y"] = rng.permutation(noise["y"].to_numpy()).tolist()
        challenger = fit(noise, target="y", estimator="logistic_regression").model
    decision = gate(challenger, _rows(rng, 400, labels), target="y", task="classification", champion=champion,
                    thresholds={"roc_auc": 0.4}, bootstrap_rounds=200)
    assert shown in decision.reason and "np." not in decision.reason, decision.reason

"""Two follow-ups of the category-target fix (r47): the data profile's target distribution listed a
``category`` target's categories that no row holds (``'unused': 0``: ``value_counts`` lists them),
and ``check_target_copies`` counted the target's values on every fit, a regression's too (0.28 s
a fit of a million rows), though only a classification with a feature copying the label reads
the counts."""

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare import core as prepare
from ctloop.components.train import core as train
from ctloop.errors import DataValidationError


def test_the_profile_lists_only_the_categories_rows_hold():
    rng = np.random.default_rng(47)
    n = 200
    frame = pd.DataFrame({
        "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.random(n)) * 10, unit="D"),
        "x": rng.normal(0, 1, n),
        "label": pd.Categorical(rng.choice(["cat", "dog"], n), categories=["cat", "dog", "unused"]),
    })
    profile = prepare.prepare(frame, target="label", time_column="ts").profile
    distribution = profile["target"]["distribution"]
    assert set(distribution) == {"cat", "dog"}, distribution
    assert sum(distribution.values()) == n


def test_the_target_is_counted_only_for_a_classification_with_a_copy(monkeypatch):
    frame = pd.DataFrame({"y": np.arange(100.0), "x": np.arange(100.0)[::-1], "z": np.ones(100)})
    frame["flag"] = (frame["y"] > 50).astype(int)
    counted = []
    real = pd.Series.value_counts
    monkeypatch.setattr(pd.Series, "value_counts", lambda self, *a, **k: counted.append(self.name) or real(self, *a, **k))
    assert train.check_target_copies(frame, "y", ["x", "z"], task="regression") == []
    assert train.check_target_copies(frame, "flag", ["x", "z"], task="classification") == []
    assert counted == []
    frame["flag_copy"] = frame["flag"]
    with pytest.raises(DataValidationError, match="equals the target 'flag' in every row"):
        train.check_target_copies(frame, "flag", ["x", "flag_copy"], task="classification")
    assert counted == ["flag"]  # a copy in a classification: the rarest class decides

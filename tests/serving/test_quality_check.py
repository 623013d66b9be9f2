"""Canary model quality from logged traffic (and labels when they exist)."""

import numpy as np
import pandas as pd

from ctloop.serving.analysis import QualityRules, psi, quality_check


def traffic(n, revision, rng, *, auc_noise, shift=0.0):
    y = rng.integers(0, 2, n)
    score = np.clip(0.5 + (y - 0.5) * 0.6 + rng.normal(shift, auc_noise, n), 0, 1)
    ids = [f"{revision}-{i}" for i in range(n)]
    logs = pd.DataFrame({"request_id": ids, "revision": revision, "model": "m", "prediction_1": score,
                         "time": "2026-01-01T00:00:00+00:00"})
    labels = pd.DataFrame({"request_id": ids, "label": y, "label_time": "1"})
    return logs, labels


def test_psi_is_zero_for_the_same_distribution_and_grows_with_shift():
    rng = np.random.default_rng(0)
    a = rng.normal(size=5000)
    assert psi(a, rng.normal(size=5000)) < 0.02
    assert psi(a, rng.normal(1.0, 1, 5000)) > 0.5


def test_labelled_canary_with_worse_auc_fails():
    rng = np.random.default_rng(1)
    sl, sy = traffic(1000, "stable", rng, auc_noise=0.2)
    cl, cy = traffic(1000, "canary", rng, auc_noise=0.6)
    ok, reason, measured = quality_check(pd.concat([sl, cl]), pd.concat([sy, cy]), canary_revision="canary",
                                         stable_revision="stable")
    assert not ok and "below stable" in reason and measured["stable_auc"] - measured["canary_auc"] > 0.05


def test_labelled_canary_as_good_passes():
    rng = np.random.default_rng(2)
    sl, sy = traffic(1000, "stable", rng, auc_noise=0.3)
    cl, cy = traffic(1000, "canary", rng, auc_noise=0.3)
    ok, reason, _ = quality_check(pd.concat([sl, cl]), pd.concat([sy, cy]), canary_revision="canary",
                                  stable_revision="stable")
    assert ok, reason


def test_without_labels_a_shifted_score_distribution_fails():
    rng = np.random.default_rng(3)
    sl, _ = traffic(1000, "stable", rng, auc_noise=0.2)
    same, _ = traffic(1000, "canary", rng, auc_noise=0.2)
    shifted, _ = traffic(1000, "canary", rng, auc_noise=0.2, shift=0.3)
    assert quality_check(pd.concat([sl, same]), None, canary_revision="canary", stable_revision="stable")[0]
    ok, reason, measured = quality_check(pd.concat([sl, shifted]), None, canary_revision="canary", stable_revision="stable")
    assert not ok and "PSI" in reason and measured["score_psi"] > 0.2


def test_too_little_traffic_is_a_failed_check():
    rng = np.random.default_rng(4)
    sl, _ = traffic(1000, "stable", rng, auc_noise=0.2)
    cl, _ = traffic(20, "canary", rng, auc_noise=0.2)
    ok, reason, _ = quality_check(pd.concat([sl, cl]), None, canary_revision="canary", stable_revision="stable",
                                  rules=QualityRules())
    assert not ok and "too little" in reason

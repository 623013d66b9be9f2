"""The canary's label-free quality check (PSI of logged scores) on scores that are not finite:
±inf kept as "present" scores, then dropped by psi() — a canary answering inf for every row had
an undefined PSI (NaN), and ``NaN > max_psi`` is false: "prediction distributions agree (PSI
nan)", a pass. A score that is not a finite number is now a missing score (counted in the
reason), and an undefined PSI fails the check."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.serving.analysis import quality_check


def logs(revision: str, scores) -> pd.DataFrame:
    n = len(scores)
    return pd.DataFrame({"request_id": [f"{revision}-{i}" for i in range(n)], "revision": revision, "model": "m",
                         "prediction_1": scores, "time": "2026-01-01T00:00:00+00:00"})


def test_a_canary_scoring_infinity_fails_the_quality_check():
    rng = np.random.default_rng(0)
    stable = logs("stable", rng.uniform(0, 1, 500))
    canary = logs("canary", [np.inf] * 250 + [-np.inf] * 250)
    ok, reason, measured = quality_check(pd.concat([stable, canary]), None, canary_revision="canary",
                                         stable_revision="stable")
    assert not ok, reason
    assert measured["canary_nan_scores"] == 500, measured


def test_a_few_infinite_scores_are_counted_as_missing():
    rng = np.random.default_rng(1)
    stable = logs("stable", rng.uniform(0, 1, 500))
    canary = logs("canary", list(rng.uniform(0, 1, 495)) + [np.inf] * 5)
    ok, reason, measured = quality_check(pd.concat([stable, canary]), None, canary_revision="canary",
                                         stable_revision="stable")
    assert ok, reason
    assert measured["canary_nan_scores"] == 5 and "5 missing" in reason, (measured, reason)

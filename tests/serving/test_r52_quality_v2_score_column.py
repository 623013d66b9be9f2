"""The canary's quality check of a model served with the v2 (open inference) protocol: KServe
v0.20.0's sklearn server answers ``predict_proba`` as one output ``output-0`` of shape ``[N, 2]``
(``kserve/utils/utils.py`` ``get_predict_response``), logged ``prediction_output-0_0``/``_1``, so the
default ``quality_rules.score_column`` ``prediction_1`` is in no row. The check failed (a canary
rolled back) saying "too little logged traffic to judge quality: canary 0, stable 0 rows with a
prediction (< 200)" with 300 logged calls on each side. It still fails (no score is no pass), naming
the absent column, the logged ones that can be a score and what to set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.config import RolloutConfig
from ctloop.serving.analysis import quality_check


def test_a_v2_log_without_the_score_column_says_which_to_set():
    p = np.random.default_rng(0).uniform(size=600)
    logs = pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(600)],
            "revision": ["stable", "canary"] * 300,
            "model": "m",
            "time": "2026-01-01T00:00:00+00:00",
            "prediction_output-0_0": 1 - p,
            "prediction_output-0_1": p,
        }
    )
    ok, reason, measured = quality_check(
        logs, None, canary_revision="canary", stable_revision="stable"
    )
    assert not ok
    assert reason == (
        "the inference log has no score column 'prediction_1' (rollout.quality_rules.score_column); "
        "its score column: prediction_output-0_1: set rollout.quality_rules.score_column to it; not "
        "offered: prediction_output-0_0 (the first class's probability: a binary model is scored on "
        "the second class's, prediction_output-0_1)"
    ), reason
    assert measured["canary_logged"] == measured["stable_logged"] == 300


@pytest.mark.parametrize("score_column", ["prediction_1", "prediction_output-0_1"])
def test_a_canary_moved_to_v2_while_the_stable_logs_v1_is_told_per_side(score_column):
    """The stable model logs ``prediction_1`` (v1), the canary ``prediction_output-0_*`` (v2): the
    check looked for the column in the whole log, found it, and said "too little logged traffic ...
    canary 0, stable 300", offering no column. Then it said, per side, to set score_column to the
    other side's column, which moved the miss to that side (the round 52 review, finding 3): every
    canary rolled back either way. Now: the two sides log different score columns, one score_column
    cannot score both."""
    p = np.random.default_rng(1).uniform(size=300)
    stable = pd.DataFrame({"request_id": [f"s{i}" for i in range(300)], "revision": "stable",
                           "time": "2026-01-01T00:00:00+00:00", "prediction_0": 1 - p, "prediction_1": p})
    canary = pd.DataFrame({"request_id": [f"c{i}" for i in range(300)], "revision": "canary",
                           "time": "2026-01-01T00:00:00+00:00", "prediction_output-0_0": 1 - p,
                           "prediction_output-0_1": p})
    rules = RolloutConfig.from_dict({"quality_rules": {"score_column": score_column}}).quality_rules
    ok, reason, _ = quality_check(pd.concat([stable, canary], ignore_index=True), None,
                                  canary_revision="canary", stable_revision="stable", rules=rules)
    assert not ok
    assert reason == (
        "the canary (revision canary) and the stable (revision stable) log different score columns, the canary "
        "prediction_output-0_1, the stable prediction_1: one rollout.quality_rules.score_column cannot score "
        "both; serve both models on one protocol (v1 predict_proba, or the same v2 output)"
    ), reason  # was: "... set rollout.quality_rules.score_column to" the other side's column


def test_a_multiclass_v2_log_names_the_class_probability_columns():
    """Classes [0, 1, 2] logged by a v2 model (``prediction_output-0_0`` .. ``_2``): was the same
    "too little logged traffic ... canary 0, stable 0"."""
    p = np.random.default_rng(2).dirichlet([1, 1, 1], size=600)
    logs = pd.DataFrame({"request_id": [f"r{i}" for i in range(600)], "revision": ["stable", "canary"] * 300,
                         "time": "2026-01-01T00:00:00+00:00",
                         **{f"prediction_output-0_{j}": p[:, j] for j in range(3)}})
    ok, reason, _ = quality_check(logs, None, canary_revision="canary", stable_revision="stable",
                                  classes=[0, 1, 2])
    assert not ok
    assert reason == (
        "the canary's logged rows (revision canary) have no score columns 'prediction_0', 'prediction_1', "
        "'prediction_2': a model of 3 classes is scored on every class's probability, prediction_0 .. "
        "prediction_2 in its class order; logged: prediction_output-0_0, prediction_output-0_1, "
        "prediction_output-0_2"
    ), reason


def test_rows_of_a_third_revision_do_not_make_the_sides_differ():
    """An older revision's rows in the period read (v1, ``prediction_1``) beside a stable and a canary
    that both log v2: the check looked for ``prediction_1`` in the whole log, found the old rows', and
    said the two sides log different columns (serve both on one protocol) when setting score_column
    to ``prediction_output-0_1`` scores both (round 52 review). It is decided from each side's rows."""
    p = np.random.default_rng(3).uniform(size=300)
    old = pd.DataFrame({"request_id": [f"o{i}" for i in range(300)], "revision": "old",
                        "time": "2026-01-01T00:00:00+00:00", "prediction_0": 1 - p, "prediction_1": p})
    both = pd.DataFrame({"request_id": [f"r{i}" for i in range(600)], "revision": ["stable", "canary"] * 300,
                         "time": "2026-01-01T00:00:00+00:00", "prediction_output-0_0": np.r_[1 - p, 1 - p],
                         "prediction_output-0_1": np.r_[p, p]})
    ok, reason, _ = quality_check(pd.concat([old, both], ignore_index=True), None,
                                  canary_revision="canary", stable_revision="stable")
    assert not ok
    assert "log different score columns" not in reason, reason
    assert "set rollout.quality_rules.score_column to it" in reason and "prediction_output-0_1" in reason, reason

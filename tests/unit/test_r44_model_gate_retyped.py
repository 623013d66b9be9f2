"""A champion whose numeric feature holds text in today's holdout (the column's type changed:
numbers → text, learnt as categories by the challenger).

Was: ``EvaluationError: the champion cannot score the holdout data: its numeric feature 'x2' holds
text ...``: every retrain stopped at the gate, while a champion lacking the column altogether is
skipped. Now it is skipped the same way: judged on absolute thresholds only, the reason naming the
column (``champion_skipped: schema``, not judged). A challenger that cannot score the column is still
refused."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit
from ctloop.errors import EvaluationError


def _fit(frame: pd.DataFrame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(frame, target="y", estimator="logistic_regression", search_iterations=0).model


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(0)
    before = pd.DataFrame({"x1": rng.normal(size=400), "x2": rng.normal(size=400)})
    before["y"] = (before.x1 > 0).astype(int)
    after = before.assign(x2=[f"code_{i % 5}" for i in range(400)])
    return before, after


def test_champion_that_learnt_numbers_is_skipped_when_the_column_became_text(frames):
    before, after = frames
    champion, challenger = _fit(before), _fit(after)
    decision = evaluate.gate(
        challenger,
        after,
        target="y",
        task="classification",
        champion=champion,
        thresholds={"roc_auc": 0.6},
        bootstrap_rounds=20,
    )
    assert decision.approved
    assert decision.champion_skipped == "schema" and not decision.judged
    assert decision.comparison is None and decision.champion_metrics is None
    assert (
        "the champion cannot score the holdout: its numeric feature 'x2' holds text (e.g. 'code_0', 400 row(s))"
        in decision.reason
    )
    assert "the column's type changed since the champion was trained" in decision.reason
    assert decision.reason.endswith("judged on absolute thresholds only")


def test_a_failing_threshold_still_rejects(frames):
    before, after = frames
    decision = evaluate.gate(
        _fit(after),
        after,
        target="y",
        task="classification",
        champion=_fit(before),
        thresholds={"roc_auc": 0.9999999},
        bootstrap_rounds=20,
    )
    assert not decision.approved and decision.champion_skipped == "schema"


def test_challenger_that_cannot_score_the_column_is_still_refused(frames):
    before, after = frames
    with pytest.raises(
        EvaluationError,
        match=r"^the challenger cannot score the holdout data: its numeric "
        r"feature 'x2' holds text \(e\.g\. 'code_0', 400 row\(s\)\)",
    ):
        evaluate.gate(
            _fit(before),
            after,
            target="y",
            task="classification",
            champion=_fit(before),
            thresholds={"roc_auc": 0.6},
            bootstrap_rounds=20,
        )

"""Round 41 (model surface): a champion whose classes the holdout's labels (almost) never hold.

A champion trained on labels ``Yes``/``No`` scored on a holdout written ``yes``/``no`` gave every
row probability 0 for its label: ROC AUC 0.5, so a challenger that had learnt nothing passed the
comparison. The same class written in another case (as ``prepare_data`` and the fit refuse two
spellings of one class in a window, ``train.core.check_labels``) is now read as that class, as the
gate reads a feature renamed in case only; a champion whose classes (almost) no holdout row holds
(the classes renamed, ``0``/``1`` → ``good``/``bad``) is not compared: the decision says so and
judges on the absolute thresholds, as for a champion of another schema or task."""

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
                         "y": np.where(x + rng.normal(scale=0.5, size=n) > 0, labels[0], labels[1])})


def _models(champion_labels, labels):
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        champion = fit(_rows(rng, 500, champion_labels), target="y").model
        noise = _rows(rng, 500, labels)
        noise["y"] = rng.permutation(noise["y"].to_numpy())  # a challenger that learnt nothing
        challenger = fit(noise, target="y").model
    return champion, challenger, _rows(rng, 400, labels)


def test_a_champion_of_the_same_classes_in_another_case_is_compared_as_those_classes():
    champion, challenger, holdout = _models(["Yes", "No"], ["yes", "no"])
    decision = gate(challenger, holdout, target="y", task="classification", champion=champion,
                    thresholds={"roc_auc": 0.4}, bootstrap_rounds=300)
    assert decision.champion_metrics["roc_auc"] > 0.8, decision.champion_metrics
    assert not decision.approved and decision.judged, decision.reason
    assert "'Yes' as 'yes'" in decision.reason and "\n" not in decision.reason, decision.reason


@pytest.mark.parametrize("champion_labels", [[1, 0], ["good", "bad"]])
def test_a_champion_whose_classes_no_holdout_label_is_is_not_compared(champion_labels):
    champion, challenger, holdout = _models(champion_labels, ["approved", "declined"])
    decision = gate(challenger, holdout, target="y", task="classification", champion=champion,
                    thresholds={"roc_auc": 0.4}, bootstrap_rounds=300)
    assert decision.comparison is None and decision.champion_skipped == "classes"
    assert not decision.judged
    reason = decision.reason
    assert "\n" not in reason and "'y'" in reason and "'approved'" in reason and "judged on absolute thresholds" \
        in reason, reason


def test_single_letter_classes_differing_in_case_stay_apart():
    # 'A' and 'a' are distinct classes (check_labels): a champion of 'A'/'B' is not read as 'a'/'b'
    champion, challenger, holdout = _models(["A", "B"], ["a", "b"])
    decision = gate(challenger, holdout, target="y", task="classification", champion=champion,
                    thresholds={"roc_auc": 0.4}, bootstrap_rounds=300)
    assert "as 'a'" not in decision.reason and decision.champion_skipped == "classes", decision.reason


def test_a_new_class_beside_the_champion_s_classes_is_still_compared_as_an_error():
    # issue 14 item 4: a class that appeared after the champion was trained counts against it
    champion, challenger, holdout = _models(["yes", "no"], ["yes", "no"])
    holdout.loc[holdout.index[:20], "y"] = "maybe"
    decision = gate(challenger, holdout, target="y", task="classification", champion=champion,
                    thresholds={"roc_auc": 0.4}, bootstrap_rounds=300)
    assert decision.comparison is not None and not decision.champion_skipped, decision.reason


def test_a_champion_of_numbers_is_compared_on_labels_written_as_their_text():
    # a champion trained on 1/0, a holdout (a Parquet string column) writing '1.0'/'0.0': the champion reads
    # them as its classes, but the comparison over both models' classes matched them as text and scored
    # every row as the champion's error
    champion, challenger, holdout = _models([1, 0], ["1.0", "0.0"])
    decision = gate(challenger, holdout, target="y", task="classification", champion=champion,
                    thresholds={"roc_auc": 0.4}, bootstrap_rounds=300)
    assert decision.comparison is not None and decision.comparison["champion"] > 0.8, decision.reason
    assert not decision.approved, decision.reason

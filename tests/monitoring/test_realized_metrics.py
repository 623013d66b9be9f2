"""Realized metrics of many labelled rows without copies (issue 16): only the metrics asked for
are computed, one score column is used in place, and the values stay scikit-learn's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from ctloop import metrics as M
from ctloop.labels.realized import realized_metrics


@pytest.mark.parametrize("classes, labels", [([0, 1], [0, 1]), ([0, 1, 2], [0, 1, 2]), ([0, 1, 2], [0, 1, 2, 5]),
                                             (["no", "yes"], ["no", "yes", "maybe"])])
def test_the_metrics_asked_for_are_those_of_the_whole_computation(classes, labels):
    rng = np.random.default_rng(len(labels))
    proba = rng.dirichlet(np.ones(len(classes)), 300)
    y = np.asarray(labels, dtype=object)[rng.integers(0, len(labels), 300)]
    full = M.classification(y, proba, classes)
    for names in [("roc_auc",), ("log_loss",), ("accuracy", "f1"), ("precision", "recall", "roc_auc")]:
        assert M.classification(y, proba, classes, names) == {k: full[k] for k in names}
    assert M.classification(y[:0], proba[:0], classes, ("f1",)).keys() == {"f1"}


@pytest.mark.parametrize("n", [60, 2_000])
@pytest.mark.parametrize("metric", ["roc_auc", "accuracy", "f1", "log_loss"])
def test_realized_metrics_per_group_are_sklearns(n, metric):
    rng = np.random.default_rng(n)
    y = rng.integers(0, 2, n)
    p = np.clip(0.5 + (y - 0.5) * 0.3 + rng.normal(0, 0.25, n), 0.01, 0.99)
    frame = pd.DataFrame({"prediction_1": p, "label": y.astype(float),
                          "revision": pd.Categorical(rng.choice(["a", "b", "c"], n))})
    frame.loc[frame.index[:5], "prediction_1"] = np.nan  # a row without a score is left out
    # a label that is no class is an error at its share of the rows (round 59: was left out)
    frame.loc[frame.index[5:8], "label"] = 7.0
    per = realized_metrics(frame, score="prediction_1", by=("revision",), metrics=(metric,), classes=[0, 1])
    score = {"roc_auc": lambda t, s: skm.roc_auc_score(t, s), "accuracy": lambda t, s: skm.accuracy_score(t, s >= .5),
             "f1": lambda t, s: skm.f1_score(t, s >= 0.5), "log_loss": lambda t, s: skm.log_loss(t, s, labels=[0, 1])}
    for _, row in per.iterrows():
        part = frame.iloc[5:][frame["revision"].iloc[5:] == row["revision"]]
        known = part[part["label"] != 7.0]
        assert row["rows"] == len(part)
        value = score[metric](known["label"].astype(int), known["prediction_1"])
        assert row[metric] == pytest.approx(M.at_share(metric, value, 1 - len(known) / len(part)), abs=1e-12)
    assert per["rows"].sum() == n - 5


@pytest.mark.parametrize("kind", ["text", "category", "unsorted category", "numbers"])
def test_groups_come_in_groupbys_order(kind):
    """Groups are found by their codes, not by groupby: the same groups, rows and order."""
    from ctloop.labels.realized import metric_value

    rng = np.random.default_rng(7)
    n = 400
    keys = rng.choice(["b", "a", "c", None], n).astype(object)
    column = {"text": pd.Series(keys), "category": pd.Series(keys, dtype="category"),
              "unsorted category": pd.Series(pd.Categorical(keys, categories=["c", "a", "b", "unused"])),
              "numbers": pd.Series(rng.integers(0, 3, n))}[kind]
    y = rng.integers(0, 2, n).astype(float)
    frame = pd.DataFrame({"prediction_1": rng.random(n), "label": y, "g": column})
    per = realized_metrics(frame, score="prediction_1", by=("g",), metrics=("roc_auc",), classes=[0, 1])
    expected = [(g, len(part), metric_value("roc_auc", part["label"], part["prediction_1"], [0, 1]))
                for g, part in frame.groupby("g", sort=True, observed=True)]
    assert [(r["g"], r["rows"], r["roc_auc"]) for _, r in per.iterrows()] == expected


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_an_infinite_logged_score_is_left_out_like_a_missing_one(bad):
    """Before: NaN scores were left out but ±inf ones were scored (1 - inf as the negative class's
    probability): counted in ``rows`` and moving accuracy and log loss. Now both are left out,
    as the regression metrics always did."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"model": "credit", "revision": "r1", "label": rng.integers(0, 2, 200),
                          "prediction_1": rng.random(200)})
    clean = realized_metrics(frame)
    frame.loc[200] = {"model": "credit", "revision": "r1", "label": 0, "prediction_1": bad}
    frame.loc[201] = {"model": "credit", "revision": "r1", "label": 1, "prediction_1": np.nan}
    pd.testing.assert_frame_equal(realized_metrics(frame), clean)

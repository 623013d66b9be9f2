"""Round 45, monitoring on real late labels: realized metrics read a text label written in another
case or with other spaces (``'Yes'`` for the class ``'yes'``) as the evaluation gate reads it, by
the one rule (``ctloop.metrics.same_class_text``), instead of leaving it out of the metric."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.labels.realized import metric_values, realized_metrics, scorable

CLASSES = ["no", "yes"]


def _joined(labels):
    return pd.DataFrame({"model": "m", "revision": "r", "label": labels,
                         "prediction_1": [0.9, 0.2, 0.7, 0.4][: len(labels)]})


def test_labels_in_another_case_are_scored_as_the_gate_scores_them():
    # was: 'Yes'/'No' against the classes 'no'/'yes' were no class: an empty report, every label left out
    frame = _joined(["Yes", "No", "Yes", "No"])
    per = realized_metrics(frame, score="prediction_1", classes=CLASSES, metrics=("accuracy", "roc_auc"))
    assert per[["rows", "accuracy", "roc_auc"]].to_dict("records") == [{"rows": 4, "accuracy": 1.0, "roc_auc": 1.0}]
    assert scorable(frame["label"], CLASSES).all()
    same = metric_values(("accuracy",), frame["label"], frame["prediction_1"], CLASSES)
    assert same == metric_values(("accuracy",), ["yes", "no", "yes", "no"], frame["prediction_1"], CLASSES)


def test_the_gates_limits_hold_a_class_written_as_itself_and_single_letters_stay_apart():
    from ctloop.labels.realized import as_classes

    # round 59's review H2: 'Yes' is 'yes' though a label writes 'yes' as itself, and two spellings of one class
    # are both that class (training refuses them as two classes); single letters stay apart
    assert list(as_classes(np.asarray(["yes", "Yes", " No "], dtype=object), CLASSES)) == ["yes", "yes", "no"]
    assert list(as_classes(np.asarray(["A", "b"], dtype=object), ["a", "b"])) == ["A", "b"]
    assert list(as_classes(np.asarray(["YES", "Yes"], dtype=object), CLASSES)) == ["yes", "yes"]
    assert list(as_classes(np.asarray([0, 1]), [0, 1])) == [0, 1]


def test_the_gate_and_realized_metrics_share_the_one_rule():
    from ctloop import metrics as M

    assert M.same_class_text(" Yes", "yes") and not M.same_class_text("A", "a") and not M.same_class_text(1, "1")


def test_the_monitor_scores_labels_in_another_case_and_warns_of_none_left_out():
    from ctloop.components.monitor.core import WindowJudgement, _realized
    from ctloop.labels.join import JoinResult
    from ctloop.monitoring.champion import Champion
    from ctloop.monitoring.rules import Verdict

    frame = _joined(["Yes", "No", "Yes", "No"]).assign(model_version="3")
    out = WindowJudgement(pd.Timestamp("2026-01-01", tz="UTC"), "accuracy", {"realized": None, "realized_rows": 0},
                          Verdict(False, "none", ""))
    champion = Champion("3", "classification", ["x"], CLASSES, None)
    _realized(out, JoinResult(frame), champion, "prediction_1", None, list(frame.columns))
    # was: realized None on 0 rows, "4 labels left out of the realized metric: not a class of the champion"
    assert (out.record["realized"], out.record["realized_rows"]) == (1.0, 4)
    assert not [w for w in out.warnings if "left out" in w]
    assert out.series["realized_accuracy.model_version.3"] == 1.0

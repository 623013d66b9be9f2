"""``ctloop labels report`` without the default score column named every ``prediction*`` column as
a score column to pass, a model's predicted classes among them (KServe v0.20.0's v2 answer of a
model with a class output and a probability output, ``kserve/utils/utils.py``
``get_predict_response``: ``prediction_label`` 0/1, ``prediction_proba_0``/``_1``): followed,
``--score-column prediction_label`` computed a ROC AUC of hard 0/1 decisions. Now only columns that
can be a binary model's score (numbers in [0, 1] that are not all whole, the positive class's of an
output of every class's probability) are offered, each other one said with why."""

from __future__ import annotations

import numpy as np
import pytest

from ctloop.cli import main
from tests.monitoring.test_r51_labels_unjoinable_hints import IDS, P, _ingest, _log

ARGS = [
    "labels",
    "report",
    "--model-name",
    "m",
    "--start",
    "2026-01-04T00:00:00Z",
    "--end",
    "2026-01-05T01:00:00Z",
]


@pytest.mark.parametrize(
    "outputs, said",
    [
        (
            {
                "prediction_label": (P > 0.5).astype(int),
                "prediction_proba_0": 1 - P,
                "prediction_proba_1": P,
            },
            "its score column: prediction_proba_1: pass it as --score-column (or --classes); not offered: "
            "prediction_label (whole numbers: class labels, not probabilities), prediction_proba_0 (the first class's "
            "probability: a binary model is scored on the second class's, prediction_proba_1)",
        ),
        (
            {"prediction_output-0": np.where(P > 0.5, "yes", "no")},
            "no logged column can be a score: prediction_output-0 (text: class labels, not probabilities): serve the "
            "model's predict_proba (or pass --task regression for a regressor)",
        ),
    ],
)
def test_only_columns_that_can_be_scores_are_offered(tmp_path, capsys, outputs, said):
    _log(tmp_path / "logs", outputs)
    _ingest(tmp_path, "request_id", IDS)
    capsys.readouterr()
    assert (
        main([*ARGS, "--log-root", str(tmp_path / "logs"), "--store", str(tmp_path / "store")]) == 2
    )
    err = capsys.readouterr().err
    assert err == (
        "error: score column 'prediction_1' (the default): the inference log of m has no column "
        f"'prediction_1'; {said}\n"
    ), err


def test_a_class_column_passed_as_the_score_is_warned_of(tmp_path, capsys):
    """Passed by hand, the predicted classes are scored as asked (a number, not a refusal), but the
    table's ROC AUC is of hard decisions: said (it was not)."""
    _log(tmp_path / "logs", {"prediction_label": (P > 0.5).astype(int), "prediction_proba_1": P})
    _ingest(tmp_path, "request_id", IDS)
    capsys.readouterr()
    args = [*ARGS, "--log-root", str(tmp_path / "logs"), "--store", str(tmp_path / "store")]
    assert main([*args, "--score-column", "prediction_label"]) == 0
    out = capsys.readouterr().out
    assert (
        "warning: --score-column 'prediction_label' holds whole numbers: class labels, not probabilities: its "
        "metrics are of hard decisions (the logged score columns: prediction_proba_1)\n"
    ) in out, out
    assert main([*args, "--score-column", "prediction_proba_1"]) == 0
    assert "warning" not in capsys.readouterr().out


LEAF = (P > 0.5).astype(float)  # a pure-leaf decision tree's predict_proba: every probability 0.0 or 1.0


def test_whole_probabilities_of_a_pure_leaf_tree_are_offered_as_scores(tmp_path, capsys):
    """Probabilities that are all whole (floats 0.0/1.0, a tree whose leaves are pure) were called
    class labels by their values: 'no logged column can be a score ...: serve the model's
    predict_proba', which it does. A column of floats per class (``<output>_<j>``) is probabilities;
    integers, true/false and ``prediction_label`` are classes."""
    _log(tmp_path / "logs", {"prediction_label": LEAF.astype(int), "prediction_proba_0": 1 - LEAF,
                             "prediction_proba_1": LEAF})
    _ingest(tmp_path, "request_id", IDS)
    capsys.readouterr()
    assert main([*ARGS, "--log-root", str(tmp_path / "logs"), "--store", str(tmp_path / "store")]) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: score column 'prediction_1' (the default): the inference log of m has no column 'prediction_1'; "
        "its score column: prediction_proba_1: pass it as --score-column (or --classes); not offered: "
        "prediction_label (whole numbers: class labels, not probabilities), prediction_proba_0 (the first class's "
        "probability: a binary model is scored on the second class's, prediction_proba_1)\n"
    ), err


def test_whole_probabilities_passed_as_the_score_are_not_warned_of_as_hard_decisions(tmp_path, capsys):
    _log(tmp_path / "logs", {"prediction_0": 1 - LEAF, "prediction_1": LEAF})
    _ingest(tmp_path, "request_id", IDS)
    capsys.readouterr()
    args = [*ARGS, "--log-root", str(tmp_path / "logs"), "--store", str(tmp_path / "store")]
    assert main([*args, "--score-column", "prediction_1"]) == 0
    out = capsys.readouterr().out
    assert "warning" not in out, out  # was: 'holds whole numbers: class labels ... hard decisions'

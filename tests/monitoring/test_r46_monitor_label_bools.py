"""Round 46: a label file of True/False (pandas reads a CSV column of them as booleans) is stored
as the numbers 1/0 (the store keeps numbers or names), and a model whose classes are the text
'False'/'True' (`ctloop labels report --classes False,True`: classes on the command line are
text; a model fitted on the strings) then left every such label out: the text class 'True' did
not match the stored 1.0 (metrics match a text class by its text, '1'). Labels 1/0 are now read
as the classes 'True'/'False' when the model's classes are those two names and not 0/1 (any case,
as the booleans are read everywhere else, ``ctloop.metrics._number_key``); other numbers stay out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop import reports
from ctloop.labels.realized import as_classes, metric_values
from ctloop.labels.store import ingest_labels

START = pd.Timestamp("2026-02-01T00:00:00Z")


@pytest.fixture
def roots(tmp_path):
    times = [START + pd.Timedelta(hours=h) for h in range(1, 9)]
    frame = pd.DataFrame({"request_id": [f"q{i}" for i in range(8)], "instance": 0, "model_version": "1",
                          "revision": "m-00001", "has_request": True, "has_response": True,
                          "prediction_1": [0.9 if i % 2 else 0.2 for i in range(8)],
                          "time": [t.isoformat() for t in times]})
    d = tmp_path / "log" / "model=m" / "date=2026-02-01" / "revision=m-00001"
    d.mkdir(parents=True)
    frame.to_parquet(d / "part-0.parquet", index=False)
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(
        f"q{i},{'True' if i % 2 else 'False'}\n" for i in range(8)))
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"))
    return tmp_path


def test_true_false_labels_are_scored_against_the_text_classes_true_false(roots):
    report = reports.realized_report(str(roots / "log"), str(roots / "store"), "m", metrics=("accuracy",),
                                     start="2026-02-01T00:00:00Z", end="2026-02-02T00:00:00Z",
                                     classes=("False", "True"))
    assert not [w for w in report.warnings if "left out" in w], report.warnings
    assert report.table["rows"].tolist() == [8]
    assert report.table["accuracy"].tolist() == [1.0]


@pytest.mark.parametrize("classes", [["False", "True"], ["false", "true"], [" FALSE", "TRUE "]],
                         ids=["title", "lower", "upper-spaced"])
def test_stored_ones_and_zeros_are_the_boolean_text_classes(classes):
    y = np.array([1.0, 0.0, 1.0])
    assert list(as_classes(y, classes)) == [classes[1], classes[0], classes[1]]
    assert metric_values(("accuracy",), y, [0.9, 0.1, 0.8], classes)["accuracy"] == 1.0


def test_other_numbers_and_other_text_classes_are_left_alone():
    from ctloop.metrics import known_classes

    def known(y, classes):  # round 59: scorable scores every label, one of no class as an error at its share
        return known_classes(as_classes(y, classes), classes).tolist()

    assert known(np.array([2.0, 1.0, 0.0]), ["False", "True"]) == [False, True, True]
    assert known(np.array([1.0, 0.0]), ["no", "yes"]) == [False, False]  # not booleans' names
    assert known(np.array([1.0, 0.0]), ["0", "1"]) == [True, True]  # as before: the text '1'

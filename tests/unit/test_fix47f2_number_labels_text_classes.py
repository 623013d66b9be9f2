"""Number labels of a store of numbers are the model's text classes of the same value (round 47
fix 2F, item 1).

A store that started as numbers (day 1 '10,11') keeps a later file of zero-padded codes ('01,12,03')
as the numbers 1, 12, 3 (fix 47F). A model fitted on the text classes '01', '03', '10', '11', '12'
then matched 10 and 11 and 12 by their text, but read 1 and 3 as the unseen classes '1' and '3': the
monitor left those labels out of the realized metric ("not a class of the champion") — labels lost
without an error. Now a number is the one text class of the same numeric value (1 -> '01', as the
serving runtime reads a number sent for a text feature: ctloop.storage.numbers_as_text); with
several such classes ('1' and '01') or none it is left as it was.
"""

from __future__ import annotations

import numpy as np

from ctloop import metrics
from ctloop.labels import realized
from ctloop.labels import store as label_store

CLASSES = ["01", "03", "10", "11", "12"]


def test_a_store_that_started_as_numbers_scores_every_label_of_a_text_class_model(tmp_path):
    (tmp_path / "day1.csv").write_text("request_id,label\na,10\nb,11\n")
    (tmp_path / "day2.csv").write_text("request_id,label\nc,01\nd,12\ne,03\n")
    for day in ("day1.csv", "day2.csv"):
        label_store.ingest_labels(str(tmp_path / day), str(tmp_path / "store"))
    frame = label_store.read_labels(str(tmp_path / "store"))
    positions, _ = metrics.class_positions(realized.as_classes(frame["label"], CLASSES), CLASSES)
    labels = dict(
        zip(
            frame["request_id"],
            (CLASSES[p] if p < len(CLASSES) else None for p in positions),
            strict=True,
        )
    )
    assert labels == {"a": "10", "b": "11", "c": "01", "d": "12", "e": "03"}
    assert realized.scorable(frame["label"], CLASSES).all()


def test_a_number_is_left_as_it_is_when_no_or_several_text_classes_have_its_value():
    y = np.array([1.0, 2.0, 7.0])
    assert list(realized.as_classes(y, ["1", "01", "2.0"])) == [
        1.0,
        "2.0",
        7.0,
    ]  # 1: two classes; 7: none
    # (round 59: a label of no class is scored as an error at its share; known_classes says which are classes)
    assert list(metrics.known_classes(realized.as_classes(y, ["1", "01", "2.0"]), ["1", "01", "2.0"])) == [
        True,
        True,
        False,
    ]  # 1 is '1' by its text
    objects = np.array([10.0, 1.0, 3.0, None], dtype=object)  # a joined frame's label column
    assert list(realized.as_classes(objects, CLASSES)) == [10.0, "01", "03", None]
    ints = np.array([3, 10])
    assert list(realized.as_classes(ints, ["003", "10", "x"])) == ["003", 10]


def test_numeric_classes_and_boolean_names_are_as_before():
    y = np.array([1.0, 0.0, 1.0])
    assert list(realized.as_classes(y, [0, 1])) == [1.0, 0.0, 1.0]
    assert list(realized.as_classes(y, ["False", "True"])) == ["True", "False", "True"]


def test_the_realized_metric_counts_the_codes_stored_as_numbers():
    y = np.array([10.0, 1.0, 3.0, 12.0])
    score = np.eye(5)[[2, 1, 0, 4]]  # '10' and '12' right, '01' and '03' wrong
    values = realized.metric_values(("accuracy",), y, score, CLASSES)
    assert values == {"accuracy": 0.5}  # 1.0 when 1 and 3 were left out

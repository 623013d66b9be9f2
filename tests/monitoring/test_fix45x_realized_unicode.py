"""Realized metrics and the gate share one rule for a class written another way
(ctloop.metrics.same_class_text): r45-monitoring made realized metrics match case like the gate,
and fix45b made the gate match Unicode forms like the fit; the merge puts both in the one rule, so
a label store exported in NFD ('cafe' + U+0301) is scored against a model's NFC class 'café'."""

from __future__ import annotations

from ctloop import metrics as M
from ctloop.labels.realized import as_classes

NFC = "caf\u00e9"
NFD = "cafe\u0301"


def test_a_label_in_another_unicode_form_is_read_as_the_class():
    assert list(as_classes([NFD, "tea", NFD], [NFC, "tea"])) == [NFC, "tea", NFC]


def test_the_one_rule_keeps_single_letters_of_another_case_apart_and_matches_forms_and_case():
    assert M.same_class_text(NFD, NFC) and M.same_class_text("Yes ", "yes")
    assert not M.same_class_text("A", "a") and not M.same_class_text("cafe", NFC)

"""``allowed`` on a true/false column and true/false words on a text column. Since ctloop.yaml keeps
YAML 1.1's boolean words in an ``allowed`` list as written (tests/ops/test_spec_yaml11_words.py),
a true/false column compares them as the booleans they name; a text column holding "true"/"false"
is matched by ``allowed: [true, false]`` (YAML) and by JSON's ``[true, false]`` (pipeline
parameters: Python booleans, whose text was 'True'); unseen values are still refused."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.contract import DataContract, validate
from ctloop.errors import DataValidationError


def _check(values, allowed):
    contract = DataContract.from_dict({"columns": {"c": {"allowed": allowed}}})
    return validate(pd.DataFrame({"c": values}), contract)


@pytest.mark.parametrize("allowed", [["yes", "no"], ["true", "false"], ["On", "OFF"], [True, False], ["TRUE", "no"]])
def test_a_true_false_column_takes_the_words_of_booleans(allowed):
    _check([True, False, True], allowed)
    _check(pd.Series([True, None, False], dtype=object), allowed)


@pytest.mark.parametrize("allowed", [["true", "false"], [True, False]])
@pytest.mark.parametrize("values", [["true", "false", "true"], ["True", "False"]])
def test_a_text_column_of_true_false_words_is_matched(allowed, values):
    # review E: a string/category column read from booleans holds 'True'/'False'
    _check(values, allowed)
    contract = DataContract.from_dict({"columns": {"c": {"dtype": "string", "allowed": allowed}}})
    validate(pd.DataFrame({"c": [True, False]}), contract)


def test_unseen_values_are_still_refused():
    with pytest.raises(DataValidationError, match=r"unseen categories \['False'\]"):
        _check([True, False], ["yes"])
    with pytest.raises(DataValidationError, match=r"unseen categories \['maybe'\]"):
        _check(["true", "maybe"], ["true", "false"])
    with pytest.raises(DataValidationError, match=r"unseen categories \['no', 'yes'\]"):
        _check(["yes", "no"], [True, False])  # a text column: "yes" is a word, not a boolean


def test_other_spellings_of_the_words_stay_as_written():
    # review F: ["TRUE"] is a category as written, not the boolean's word
    _check(["TRUE"], ["TRUE"])
    with pytest.raises(DataValidationError, match=r"unseen categories \['true'\]"):
        _check(["true"], ["TRUE"])

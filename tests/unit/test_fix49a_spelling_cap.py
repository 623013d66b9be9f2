"""A text feature's spellings recorded in the data profile had no bound (review 49 A4): an id-like text
column of 1M rows, each value in two cases, took 3 s and recorded 500,000 groups (15 MB of profile
JSON). Now a column's most frequent 10,000 distinct values are compared (a rarer value is pooled with
the infrequent ones by the encoder anyway), at most 20 groups are recorded with the number found, and
the warning says how many more there are and that not every value was compared."""

from __future__ import annotations

import json

import pandas as pd

from ctloop import contract


def _frame() -> pd.DataFrame:
    values = (["Yes"] * 100 + ["yes"] * 90  # the most frequent value, in two spellings
              + [f"{case}{i}" for i in range(4_000) for case in ("Code", "code") for _ in range(3)]  # 4,000 more
              + [f"solo{i}" for i in range(30_000)])  # 30,000 values written once each, one way
    return pd.DataFrame({"t": values})


def test_the_recorded_spellings_of_a_column_are_capped_and_counted(monkeypatch):
    keys = []
    real = contract.text_key
    monkeypatch.setattr(contract, "text_key", lambda text: keys.append(text) or real(text))
    found = contract.spelling_variants(_frame(), ["t"])["t"]
    assert found["groups"][0] == ["Yes", "yes"] and len(found["groups"]) == 20
    assert (found["groups_found"], found["values_compared"], found["values_distinct"]) == (4_001, 10_000, 38_002)
    assert len(keys) == 10_000  # before: every distinct value, 38,002
    assert len(json.dumps(found)) < 1_000  # before: 4,001 groups


def test_the_warning_counts_the_groups_it_does_not_show():
    said = contract.spelling_warning(contract.spelling_variants(_frame(), ["t"]))
    assert said.startswith("column 't' writes one value several ways ('Yes', 'yes'; ")
    assert "; 3,998 more) among its 10,000 most frequent of 38,002 values: each spelling" in said


def test_a_column_compared_whole_says_nothing_of_the_rest():
    found = contract.spelling_variants(pd.DataFrame({"t": ["Yes", "yes", "no"]}), ["t"])
    assert found == {"t": {"groups": [["Yes", "yes"]], "groups_found": 1, "values_compared": 3,
                           "values_distinct": 3}}
    said = contract.spelling_warning(found)
    assert said.startswith("column 't' writes one value several ways ('Yes', 'yes'): each")

"""A column name written in another Unicode normalization form: ``température`` with ``é`` as one
character (NFC) or as ``e`` plus a combining accent (NFD, as macOS file names and some exports
write it). The two print alike.

Was: the gate skipped the champion, "it has no column 'température', a feature of the champion (the
data's schema changed)", and judged on thresholds alone; a contract rule said "column is missing
from the data; did you mean 'température'?", naming what looked like the same name. Now the gate
reads the column under the champion's name and compares as usual (as for a rename in case or
spaces), and the contract says the names differ in their Unicode form."""

from __future__ import annotations

import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit
from ctloop.contract import DataContract, validate
from ctloop.errors import DataValidationError

NFC = unicodedata.normalize("NFC", "température")
NFD = unicodedata.normalize("NFD", "température")


def _frame(name: str) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({name: rng.normal(size=300), "z": rng.normal(size=300)})
    return frame.assign(y=(frame[name] > 0).astype(int))


def _fit(frame: pd.DataFrame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(frame, target="y", estimator="logistic_regression", search_iterations=0).model


def test_the_gate_compares_a_champion_whose_feature_is_named_in_another_form():
    assert NFC != NFD
    holdout = _frame(NFD)
    decision = evaluate.gate(
        _fit(holdout),
        holdout,
        target="y",
        task="classification",
        champion=_fit(_frame(NFC)),
        thresholds={"roc_auc": 0.5},
        bootstrap_rounds=50,
    )
    assert decision.champion_skipped == "" and decision.comparison is not None
    assert (
        f"the champion read {NFD!r} as its feature {NFC!r} (renamed in case, spaces or Unicode form only)"
        in (decision.reason)
    )


@pytest.mark.parametrize(
    ("written", "data", "form"),
    [(NFC, NFD, "NFD"), (NFD, NFC, "NFC")],
    ids=["rule-nfc-data-nfd", "rule-nfd-data-nfc"],
)
def test_the_contract_says_the_names_differ_in_their_unicode_form(written, data, form):
    with pytest.raises(
        DataValidationError,
        match=rf"breaks rule 'required' in 300 row\(s\): column is missing from the data; it has {data!r}, the same "
        rf"name in another Unicode normalization \({form}: ",
    ):
        validate(_frame(data), DataContract.from_dict({"columns": {written: {"dtype": "float"}}}))

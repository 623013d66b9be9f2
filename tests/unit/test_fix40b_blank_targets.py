"""Review revB item 6: a blank target cell ('' or spaces: a row not labelled yet, which sits in the
newest rows, the holdout) refused every run of such a table ("leave a missing label empty", about a
cell already ''). A blank label is a missing one: prepare_data drops and counts it with the null
targets (null_target_dropped), the fit and the gate leave it out, as they do nulls."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate.core import gate
from ctloop.components.prepare.core import prepare
from ctloop.components.train.core import fit

ROWS = 300


def _frame(labels) -> pd.DataFrame:
    x = np.random.default_rng(0).normal(size=ROWS)
    return pd.DataFrame({"t": pd.date_range("2025-01-01", periods=ROWS, freq="h").astype(str), "x": x,
                         "y": labels(x)})


CLASSES = lambda x: np.where(x > 0, "yes", "no").astype(object)  # noqa: E731
AMOUNTS = lambda x: (3 * x).astype(object)  # noqa: E731


@pytest.mark.parametrize("blank", ["", " ", "\t"])
@pytest.mark.parametrize("labels", [CLASSES, AMOUNTS], ids=["classes", "amounts"])
def test_blank_labels_in_the_newest_rows_are_dropped_and_counted_as_missing(blank, labels):
    frame = _frame(labels)
    frame.loc[ROWS - 20:, "y"] = blank  # not labelled yet
    frame.loc[5, "y"] = None  # and a null
    out = prepare(frame, target="y", time_column="t", window=None)
    assert out.profile["null_target_dropped"] == 21 and out.profile["rows_used"] == ROWS - 21
    assert not out.holdout["y"].map(lambda v: isinstance(v, str) and not v.strip()).any()
    same = frame.copy()
    same.loc[ROWS - 20:, "y"] = None
    assert prepare(same, target="y", time_column="t", window=None).digest == out.digest


def test_the_fit_and_the_gate_leave_blank_labels_out_as_nulls():
    frame = _frame(CLASSES).drop(columns="t")
    blanked = frame.copy()
    blanked.loc[::10, "y"] = " "
    nulled = frame.copy()
    nulled.loc[::10, "y"] = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = fit(blanked, target="y", estimator="logistic_regression")
        b = fit(nulled, target="y", estimator="logistic_regression")
    assert a.meta["classes"] == ["no", "yes"] and a.meta["train_rows"] == b.meta["train_rows"] == ROWS - 30
    kw = dict(target="y", task="classification", thresholds={"accuracy": 0.5}, bootstrap_rounds=50)
    with_blanks, with_nulls = gate(a.model, blanked, **kw), gate(b.model, nulled, **kw)
    assert with_blanks.rows == with_nulls.rows == ROWS - 30
    assert with_blanks.challenger_metrics == with_nulls.challenger_metrics
    assert "never saw" not in with_blanks.reason

"""A column of amounts held as Python objects (a notebook's ``df.replace({np.nan: None})`` or
``astype(object)``, handed to the train core, ``prepare_data``'s core or ``ctloop backtest``).

Was (round 44): each amount was trained as a category of its own (the one-hot encoder kept none:
"a different value in every row (an ID?)"), and an ``inf`` among them passed every finiteness
check, which read number columns only. Now such a column is read as numbers, as the same table
reads from CSV or Parquet, and an ``inf`` in it is refused naming the column."""

from __future__ import annotations

import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import run_backtest
from ctloop.components.prepare.core import prepare
from ctloop.components.train.core import fit
from ctloop.contract import numbers_as_numbers
from ctloop.errors import DataValidationError
from tests.unit.test_backtest_inputs import config, frame


def _objects(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None)


def test_amounts_as_objects_are_learnt_as_numbers():
    data = frame()
    data.loc[3, "a"] = np.nan
    as_objects = data.assign(a=_objects(data.a)).drop(columns=["ts"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = fit(
            data.drop(columns=["ts"]),
            target="y",
            estimator="logistic_regression",
            search_iterations=0,
        )
        result = fit(as_objects, target="y", estimator="logistic_regression", search_iterations=0)
    assert result.meta["numeric"] == ["a", "b"] and result.meta["categorical"] == []
    np.testing.assert_allclose(
        result.model.predict_proba(data.drop(columns=["ts", "y"]))[:, 1],
        plain.model.predict_proba(data.drop(columns=["ts", "y"]))[:, 1],
        rtol=0,
        atol=1e-12,
    )


def _inf_as_object() -> pd.DataFrame:
    data = frame()
    data.loc[7, "a"] = np.inf
    return data.assign(a=_objects(data.a))


def _inf_as_decimal() -> pd.DataFrame:
    """Amounts as Decimals (a Parquet DECIMAL column read by pandas), one of them Decimal('Infinity')."""
    data = frame()
    amounts = pd.Series([Decimal(str(round(v, 3))) for v in data.a], dtype=object)
    amounts[7] = Decimal("Infinity")
    return data.assign(a=amounts)


@pytest.mark.parametrize("make", [_inf_as_object, _inf_as_decimal], ids=["objects", "decimals"])
@pytest.mark.parametrize(
    "run",
    [
        lambda d: fit(
            d.drop(columns=["ts"]), target="y", estimator="logistic_regression", search_iterations=0
        ),
        lambda d: prepare(d, target="y", time_column="ts"),
        lambda d: run_backtest(d, config()),
    ],
    ids=["fit", "prepare", "backtest"],
)
def test_an_inf_among_amounts_as_objects_is_refused_naming_the_column(run, make):
    with pytest.raises(
        DataValidationError, match=r"column 'a' breaks rule 'finite' in 1 row\(s\): infinite values"
    ):
        run(make())


def test_only_columns_of_numbers_are_converted():
    data = pd.DataFrame(
        {
            "amount": pd.Series([1.5, None, 2], dtype=object),
            "count": pd.Series([1, 2, 3], dtype=object),
            "big": pd.Series([2**70, 1], dtype=object).reindex(
                range(3)
            ),  # past int64: as CSV reads it, text
            "mixed": pd.Series(
                [True, 1.0, None], dtype=object
            ),  # mixed types: refused by check_uniform_types
            "text": ["a", "b", None],
        }
    )
    out = numbers_as_numbers(data)
    assert out.dtypes.astype(str).to_dict() == {
        "amount": "float64",
        "count": "int64",
        "big": "object",
        "mixed": "object",
        "text": "object",
    }
    assert data.amount.dtype == object  # the caller's frame is left as it was
    text = data[["text", "mixed"]]
    assert numbers_as_numbers(text) is text  # nothing to convert: the same frame

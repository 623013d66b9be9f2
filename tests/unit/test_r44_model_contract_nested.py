"""A data contract's rule on a column of lists (a Parquet list column as pandas reads it).

Was: ``allowed``, ``min``/``max`` raised a raw ``TypeError: unhashable type: 'list'`` (``dtype:
int`` quoted the lists as text). Now the column is refused in one line naming it, a value and the
rows, before its rules are checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.contract import DataContract, validate
from ctloop.errors import DataValidationError


@pytest.mark.parametrize(
    "rule",
    [
        {"allowed": ["a"]},
        {"min": 0},
        {"max": 3},
        {"dtype": "int"},
        {"dtype": "string", "allowed": ["a"]},
    ],
    ids=["allowed", "min", "max", "dtype-int", "string-allowed"],
)
@pytest.mark.parametrize("kind", ["list", "array"])
def test_a_rule_on_nested_values_names_the_column(rule, kind):
    values = [[1, 2], None, [3]] if kind == "list" else [np.array([1, 2]), None, np.array([3])]
    frame = pd.DataFrame({"tags": pd.Series(values, dtype=object), "x": [1, 2, 3]})
    with pytest.raises(
        DataValidationError,
        match=r"^data contract violated \(1 rule\(s\)\): column 'tags' breaks rule 'dtype' in 2 row\(s\): nested "
        rf"values \({kind if kind == 'list' else 'ndarray'}; e\.g\. \[1, 2\]\): a column needs one text or number",
    ):
        validate(frame, DataContract.from_dict({"columns": {"tags": rule}}))

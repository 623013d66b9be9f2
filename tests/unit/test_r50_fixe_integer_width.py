"""``check_integer_width`` and a column of both signs past int64 (review 50, item 6): an object column
``[-1, 2**64 - 1]`` passed (each value fits in 64 bits, one signed, one unsigned) and ``prepare_data``
failed writing it with pyarrow's raw ``OverflowError`` (pyarrow 25.0.1 ``pa.array``: neither int64 nor
uint64 holds both)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from ctloop.contract import check_integer_width
from ctloop.errors import DataValidationError


def test_a_negative_and_an_unsigned_64_bit_integer_in_one_column_are_named():
    column = pd.Series([3, -1, 7, 2**64 - 1, 2**63], dtype=object)
    for arrow_type in (pa.int64(), pa.uint64()):  # the upstream failure the rule speaks for
        with pytest.raises(OverflowError):
            pa.array(column.tolist(), type=arrow_type)
    with pytest.raises(DataValidationError) as info:  # passed on main
        check_integer_width(pd.DataFrame({"id": column}))
    assert str(info.value).endswith(
        "column 'id' breaks rule 'int64' in 1 row(s): integers no 64-bit type holds together (-1, row 2, "
        "below 0, and 18446744073709551615, row 4, past 2**63 - 1), which no Parquet column or model input "
        "holds: convert the column to float (an amount) or to text (an ID)"
    )


def _holds(values, arrow_type) -> bool:
    try:
        pa.array(values, type=arrow_type)
    except OverflowError:
        return False
    return True


@pytest.mark.parametrize("values", [[-1, 2**63 - 1], [0, 2**64 - 1], [-(2**63), 5]])
def test_integers_one_64_bit_type_holds_pass(values):
    assert any(_holds(values, t) for t in (pa.int64(), pa.uint64()))
    check_integer_width(pd.DataFrame({"id": pd.Series(values, dtype=object)}))

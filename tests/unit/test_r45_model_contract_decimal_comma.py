"""A contract's number column written with decimal commas (a spreadsheet's export in a continental
locale, its fields quoted in a comma-separated file: ``"1,5"``), as ``prepare_data`` reads it.

Was (round 44): "expected float, got values like ['1,5', '2,25']", nothing saying why a number is
no number there (the train core's note for the same column without a contract says it). Now the
violation says they are written with a decimal comma or separators and what to write."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.contract import DataContract, validate
from ctloop.errors import DataValidationError
from ctloop.storage import read_table


@pytest.mark.parametrize("dtype", ["float", "number", "int"])
def test_decimal_commas_are_named(tmp_path, dtype):
    path = tmp_path / "export.csv"
    path.write_text(
        'ts,amount,y\n2025-01-01,"1,5",0\n2025-01-02,"2,25",1\n2025-01-03,"1.234,5",0\n'
    )
    frame = read_table(str(path))
    with pytest.raises(
        DataValidationError,
        match=rf"column 'amount' breaks rule 'dtype' in 3 row\(s\): expected {dtype}, "
        r"got values like \['1,5', '2,25', '1.234,5'\]: numbers written with a "
        r"decimal comma or thousands separators; write plain numbers \('.' "
        r"decimals, no separators\) or Parquet$",
    ):
        validate(frame, DataContract.from_dict({"columns": {"amount": {"dtype": dtype}}}))


def test_words_get_no_such_hint():
    frame = pd.DataFrame({"amount": ["1.5", "n/a", "1,5"]})
    with pytest.raises(DataValidationError) as info:
        validate(frame, DataContract.from_dict({"columns": {"amount": {"dtype": "float"}}}))
    assert str(info.value).endswith("expected float, got values like ['n/a', '1,5']")

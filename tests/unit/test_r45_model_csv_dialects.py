"""A spreadsheet's CSV export in the continental dialect (';' between fields, ',' in decimals), as
``prepare_data`` reads its source (``ctloop.storage.read_table``).

Was (round 44): refused as "its rows have one field more than its header (1 columns: 'ts;x;y'):
... a delimiter at the end of each line, or a column without a name?": each row's decimal comma
split it once more than its header, and that check ran before the one that names the ';'. The same
file without decimals was refused as "a CSV separated by ';'?". Now both are."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ctloop.errors import DataSourceError
from ctloop.storage import read_table


@pytest.mark.parametrize("decimal", [".", ","], ids=["decimal-point", "decimal-comma"])
def test_a_semicolon_csv_is_named_as_such(tmp_path, decimal):
    frame = pd.DataFrame(
        {"ts": ["2025-01-01", "2025-01-02", "2025-01-03"], "x": [0.5, 1.25, 2.0], "y": [0, 1, 0]}
    )
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False, sep=";", decimal=decimal)
    # decimal commas: named, with the reading that keeps them (round 60: tests/unit/
    # test_r60_fixuns_semicolon_decimal_commas.py), as ';' replaced by ',' would split each in two
    way = (": write it with ',' or as Parquet" if decimal == "." else
           "; its numbers have decimal commas (e.g. '0,5'), which ';' replaced by ',' would split in two: read it "
           "with pandas.read_csv(path, sep=';', decimal=',') and write it as Parquet (or as CSV with ',')")
    with pytest.raises(
        DataSourceError,
        match=rf"^{re.escape(str(path))} has one column 'ts;x;y': a CSV separated by "
        rf"';'\? ctloop reads comma-separated CSV{re.escape(way)}$",
    ):
        read_table(str(path))


def test_a_comma_csv_with_a_trailing_delimiter_is_still_named_so(tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text("ts,x,y\n2025-01-01,0.5,0,\n2025-01-02,1.5,1,\n")
    with pytest.raises(
        DataSourceError, match=r"its rows have one field more than its header \(3 columns"
    ):
        read_table(str(path))

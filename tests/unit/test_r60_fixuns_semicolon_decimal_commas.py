"""Stop 60's unseen stream banana_semicolon (river's Banana points as Excel writes a CSV in a continental
European locale: ';' between fields, decimal commas, '2024-05-06 00:10:15;-0,989363;0,47959;-1'). The backtest
refused it as

    error: --data: banana_semicolon.csv has one column 'ts;x1;x2;target': a CSV separated by ';'? ctloop reads
    comma-separated CSV: write it with ',' or as Parquet

saying nothing of the decimal commas it read, and the way out it named is a trap for them: the ';' replaced by
',' (a text editor, ``sed``, ``tr``) splits every number in two ('-0,989363' becomes '-0' and '989363'). When the
rows hold decimal commas the refusal now says so, with a value, and names the reading that keeps them
(pandas.read_csv's ``sep`` and ``decimal``, pandas 2.3: ``pandas/io/parsers/readers.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.errors import DataSourceError
from ctloop.storage import read_table


def _banana(rows: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(60)
    ts = pd.Timestamp("2024-05-06") + pd.to_timedelta(np.sort(rng.random(rows)) * 5, unit="D")
    x1, x2 = rng.normal(size=rows).round(6), rng.normal(size=rows).round(6)
    return pd.DataFrame({"ts": ts.strftime("%Y-%m-%d %H:%M:%S"), "x1": x1, "x2": x2,
                         "target": np.where(x1 * x2 > 0, 1, -1)})


def test_decimal_commas_are_named_with_the_reading_that_keeps_them(tmp_path):
    path = tmp_path / "banana.csv"
    frame = _banana()
    frame.to_csv(path, index=False, sep=";", decimal=",")
    first = f"{frame.loc[0, 'x1']}".replace(".", ",")
    with pytest.raises(DataSourceError) as info:
        read_table(str(path))
    assert str(info.value) == (
        f"{path} has one column 'ts;x1;x2;target': a CSV separated by ';'? ctloop reads comma-separated CSV; "
        f"its numbers have decimal commas (e.g. {first!r}), which ';' replaced by ',' would split in two: read it "
        "with pandas.read_csv(path, sep=';', decimal=',') and write it as Parquet (or as CSV with ',')")
    # the reading it names gives the table back
    again = pd.read_csv(path, sep=";", decimal=",")
    assert again["x1"].dtype == float and np.allclose(again["x1"], frame["x1"])


def test_the_backtest_says_it_in_one_line_with_exit_code_2(tmp_path, capsys):
    from ctloop.cli import main

    path = tmp_path / "banana.csv"
    _banana().to_csv(path, index=False, sep=";", decimal=",")
    rc = main(["backtest", "--data", str(path), "--target", "target", "--time-column", "ts", "--window", "1D",
               "--policy", "never", "--output", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "decimal commas (e.g. " in err, err


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_without_decimal_commas_the_refusal_is_as_before(tmp_path, sep):
    path = tmp_path / "banana.csv"
    frame = _banana()
    frame["x1"] = (frame["x1"] * 1000).round().astype(int)
    frame["x2"] = (frame["x2"] * 1000).round().astype(int)
    frame.to_csv(path, index=False, sep=sep)
    header = sep.join(frame.columns)
    with pytest.raises(DataSourceError) as info:
        read_table(str(path))
    assert str(info.value) == (f"{path} has one column {header!r}: a CSV separated by {sep!r}? ctloop reads "
                               "comma-separated CSV: write it with ',' or as Parquet")


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_drift_says_it_with_either_engine(tmp_path, capsys, engine):
    """The streamed reader (pyarrow's, which batch scoring shares) refuses a ';' file before its rows are read, from
    the file's first bytes (drift/streaming.py ``_csv_head``): the same words as read_table's."""
    from ctloop.cli import main

    path = tmp_path / "banana.csv"
    frame = _banana()
    frame.to_csv(path, index=False, sep=";", decimal=",")
    first = f"{frame.loc[0, 'x1']}".replace(".", ",")
    rc = main(["drift", "--reference", str(path), "--current", str(path), "--engine", engine, "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert f"its numbers have decimal commas (e.g. {first!r}), which ';' replaced by ',' would split in two: read it " \
           "with pandas.read_csv(path, sep=';', decimal=',')" in err, err


def test_a_file_of_one_row_names_its_decimal_comma(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("ts;x\n2024-05-06 00:10:15;-0,5\n")
    with pytest.raises(DataSourceError, match=r"its numbers have decimal commas \(e\.g\. '-0,5'\)"):
        read_table(str(path))


@pytest.mark.parametrize("rows", ["1;1,000;x\n2;2,500;y\n", "1;12,345;x\n2;-999,000;y\n", "1;1,234,567;x\n",
                                  "1;1.234,56;x\n"])
def test_thousands_separators_are_not_called_decimal_commas(tmp_path, rows):
    """'1,000' is a thousand as often as one: a value whose comma has three digits after it and one to three
    (not starting with 0) before it is not named as a decimal comma unless another value of the rows is one; it is
    named as either, as ';' replaced by ',' splits it in two alike (review 60, third: "write it with ','" again)."""
    path = tmp_path / "amounts.csv"
    path.write_text("id;amount;tag\n" + rows)
    with pytest.raises(DataSourceError) as info:
        read_table(str(path))
    first = rows.split(";")[1]
    assert str(info.value) == (
        f"{path} has one column 'id;amount;tag': a CSV separated by ';'? ctloop reads comma-separated CSV; its "
        f"numbers hold commas (e.g. {first!r}: thousands separators or decimal commas), which ';' replaced by ',' "
        "would split: read it with pandas.read_csv(path, sep=';', thousands=',') (or decimal=',', with thousands='.' "
        "where dots group the thousands) and write it as Parquet (or as CSV with ',')")


@pytest.mark.parametrize("rows, named", [("1;1,000;x\n2;2,5;y\n", "2,5"), ("1;0,125;x\n", "0,125"),
                                         ("1;1234,567;x\n", "1234,567")])
def test_a_decimal_comma_beside_three_digit_ones_is_named(tmp_path, rows, named):
    path = tmp_path / "amounts.csv"
    path.write_text("id;amount;tag\n" + rows)
    with pytest.raises(DataSourceError, match=f"its numbers have decimal commas \\(e.g. '{named}'\\)"):
        read_table(str(path))

"""Stop 60's unseen stream medpar_los_twice (statsmodels' Medicare stays, a regression of the length of stay):
two CSV exports concatenated with their headers (``cat week1.csv week2.csv``), so the header line
``ts,admitype,codes,target`` stands again between day 6's and day 7's rows. pandas reads it as a row of text:
every column turns to text, the table has one row too many, and the backtest said

    backtest of medpar_los_twice.csv: 3677 rows, ...
    error: data contract violated (1 rule(s)): column 'ts' breaks rule 'dtype' in 1 row(s): expected datetime,
    got values like ['ts']

a time column that holds the word 'ts', not a header line among the rows. The table reader
(``storage.read_table``, which training, the backtest and the data commands share) now refuses such a CSV in
one line naming the line(s) and what to do."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from ctloop.errors import DataSourceError
from ctloop.storage import read_table


def _stays(rows: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(60)
    ts = pd.Timestamp("2024-09-02") + pd.to_timedelta(np.sort(rng.random(rows)) * 4, unit="D")
    return pd.DataFrame({"ts": ts.strftime("%Y-%m-%d %H:%M:%S"),
                         "admitype": rng.choice(["type1|2", "type3"], rows),
                         "codes": rng.integers(1, 10, rows), "target": rng.integers(1, 30, rows)})


def _two_exports(path, frame: pd.DataFrame, at: int) -> None:
    path.write_text(frame.iloc[:at].to_csv(index=False) + frame.iloc[at:].to_csv(index=False))


def test_a_header_line_among_the_rows_is_refused_naming_its_line(tmp_path):
    path = tmp_path / "stays.csv"
    _two_exports(path, _stays(), 120)
    with pytest.raises(DataSourceError) as info:
        read_table(str(path))
    assert str(info.value) == (
        f"{path}: line 122 repeats its header line 'ts,admitype,codes,target' (CSV exports concatenated with their "
        "headers?): read as a row of text, it would make every column text; remove the repeated header line")


def test_three_exports_name_each_line_and_a_gzipped_one_too(tmp_path):
    frame = _stays()
    text = frame.iloc[:80].to_csv(index=False) + frame.iloc[80:160].to_csv(index=False) + \
        frame.iloc[160:].to_csv(index=False)
    path = tmp_path / "stays.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    with pytest.raises(DataSourceError, match=r": lines 82 and 163 repeat its header line 'ts,admitype,codes,"
                                              r"target' \(CSV exports"):
        read_table(str(path))


def test_the_backtest_refuses_it_in_one_line_with_exit_code_2(tmp_path, capsys):
    from ctloop.cli import main

    path = tmp_path / "stays.csv"
    _two_exports(path, _stays(), 120)
    rc = main(["backtest", "--data", str(path), "--target", "target", "--time-column", "ts", "--window", "1D",
               "--policy", "never", "--task", "regression", "--thresholds", '{"rmse": 100}',
               "--output", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "line 122 repeats its header line" in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("row", [
    "ts,type3,codes,target",  # some fields are their column's name: a value, not the header
    "2024-09-03 10:00:00,admitype,5,7",
])
def test_a_row_with_some_fields_named_as_columns_is_read(tmp_path, row):
    frame = _stays()
    path = tmp_path / "stays.csv"
    text = frame.to_csv(index=False).splitlines()
    path.write_text("\n".join(text[:50] + [row] + text[50:]) + "\n")
    read = read_table(str(path))
    assert len(read) == len(frame) + 1


def test_a_table_without_the_header_again_reads_as_before(tmp_path):
    frame = _stays()
    path = tmp_path / "stays.csv"
    frame.to_csv(path, index=False)
    read = read_table(str(path))
    assert len(read) == len(frame) and read["codes"].dtype.kind == "i"

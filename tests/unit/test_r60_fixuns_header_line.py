"""Review of round 60's refusal of a CSV header line among the rows (``storage._refuse_header_line_again``,
tests/unit/test_r60_unseen_header_line_again.py): the exports concatenated that it missed, the warnings said
before it, and the tables of text it refused.

M1: past pandas' first block (``buffer_lines``, pandas/_libs/parsers.pyx, pandas 2.3.3) the header line made
each number column a mixed one, which ``_read_csv`` read again as text and warned of ("column 'a' holds
numbers in its first rows but 'a' on row 50000") before the refusal: three lines on stderr, two wrong.
M3: ``DataFrame.to_csv()`` with its default index (header ``,a,b``; pandas/core/generic.py ``to_csv``
``index=True``) twice, or a header with a trailing comma: the unnamed column (NaN in the repeated row) held
numbers and hid the row. M4: Excel's 'CSV UTF-8' exports concatenated: the second header's first field reads
'\\ufeffts'. L1: tables of text whose row names its columns were refused. L2: a column named 'NA' (NaN in
the repeated row: pandas/_libs/parsers.pyx ``STR_NA_VALUES``) or a float column named '2024' (2024.0)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.errors import DataSourceError
from ctloop.storage import read_table


def _numbers(rows: int, more: int = 0) -> pd.DataFrame:
    """``more`` extra number columns: with 19 columns pandas' C reader infers types in blocks of 32,768 rows
    (the largest power of two below 2**20 // 19), so row 50,000 is in its second block."""
    rng = np.random.default_rng(60)
    ts = pd.Timestamp("2024-09-02") + pd.to_timedelta(np.arange(rows) * 5, unit="s")
    return pd.DataFrame({"ts": ts.strftime("%Y-%m-%d %H:%M:%S"), "a": rng.integers(0, 100, rows),
                         "b": rng.integers(0, 9, rows),
                         **{f"x{i}": rng.integers(0, 9, rows) for i in range(more)},
                         "target": rng.integers(0, 2, rows)})


def test_past_the_first_block_only_the_refusal_is_said(tmp_path, capsys):
    frame = _numbers(72_000, more=15)
    path = tmp_path / "twice.csv"
    path.write_text(frame.iloc[:50_000].to_csv(index=False) + frame.iloc[50_000:].to_csv(index=False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DataSourceError, match="line 50002 repeats its header line 'ts,a,b,x0,"):
            read_table(str(path))
    assert [str(w.message) for w in caught] == []
    from ctloop.cli import main

    # in-process (a child process cost 5-8 s of imports): a warning a real process would print on stderr is
    # recorded here instead (pytest's showwarning under the backtest's show_once), so both are counted
    with warnings.catch_warnings(record=True) as during:
        warnings.simplefilter("always")
        rc = main(["backtest", "--data", str(path), "--target", "target", "--time-column", "ts", "--window", "1h",
                   "--policy", "never", "--output", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.count("\n") == 1 and "line 50002 repeats its header line" in err, err
    assert [str(w.message) for w in during] == []
    assert not (tmp_path / "out").exists()


def test_a_late_text_value_that_is_not_the_header_is_still_warned_of(tmp_path):
    frame = _numbers(72_000, more=15)
    frame["a"] = frame["a"].astype(object)
    frame.loc[60_000, "a"] = "a"  # one field the column's name: a value, read as text and warned of
    path = tmp_path / "late.csv"
    frame.to_csv(path, index=False)
    with pytest.warns(UserWarning, match=r"column 'a' holds numbers in its first rows but 'a' on row 60001:"):
        read = read_table(str(path))
    assert len(read) == len(frame)


def _stays(rows: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(61)
    return pd.DataFrame({"codes": rng.integers(1, 10, rows), "target": rng.normal(size=rows).round(3)})


def test_to_csv_with_its_index_twice_is_refused(tmp_path):
    frame = _stays()
    path = tmp_path / "indexed.csv"
    path.write_text(frame.iloc[:100].to_csv() + frame.iloc[100:].to_csv())  # header ',codes,target'
    with pytest.raises(DataSourceError, match=r": line 102 repeats its header line ',codes,target' \(CSV"):
        read_table(str(path))


def test_a_trailing_comma_header_repeated_is_refused(tmp_path):
    frame = _stays()
    text = "".join(line + ",\n" for line in frame.to_csv(index=False).splitlines())
    lines = text.splitlines(keepends=True)
    path = tmp_path / "trailing.csv"
    path.write_text("".join(lines[:60] + lines[:1] + lines[60:]))
    with pytest.raises(DataSourceError, match=r": line 61 repeats its header line 'codes,target,' \(CSV"):
        read_table(str(path))


def test_excel_utf8_exports_concatenated_are_refused(tmp_path):
    frame = _numbers(300)
    path = tmp_path / "excel.csv"
    part = [frame.iloc[:150].to_csv(index=False), frame.iloc[150:].to_csv(index=False)]
    path.write_bytes(b"".join(b"\xef\xbb\xbf" + p.encode() for p in part))
    with pytest.raises(DataSourceError, match=r": line 152 repeats its header line 'ts,a,b,target' \(CSV"):
        read_table(str(path))


@pytest.mark.parametrize("text", ["word\napple\nword\npear\n", "key,value\ncolor,red\nkey,value\n"])
def test_a_table_of_text_naming_its_columns_in_a_row_is_read(tmp_path, text):
    path = tmp_path / "words.csv"
    path.write_text(text)
    read = read_table(str(path))
    assert len(read) == text.count("\n") - 1


@pytest.mark.parametrize("name", ["NA", "null", "nan"])
def test_a_column_named_as_missing_is_found(tmp_path, name):
    frame = _stays().rename(columns={"codes": name})
    path = tmp_path / "na.csv"
    path.write_text(frame.iloc[:100].to_csv(index=False) + frame.iloc[100:].to_csv(index=False))
    with pytest.raises(DataSourceError, match=rf": line 102 repeats its header line '{name},target'"):
        read_table(str(path))


def test_a_float_column_named_as_a_number_is_found(tmp_path):
    frame = _stays().rename(columns={"target": "2024"})
    path = tmp_path / "year.csv"
    path.write_text(frame.iloc[:100].to_csv(index=False) + frame.iloc[100:].to_csv(index=False))
    with pytest.raises(DataSourceError, match=r": line 102 repeats its header line 'codes,2024'"):
        read_table(str(path))


def test_rows_quoted_otherwise_are_listed_with_and_more(tmp_path):
    frame = _stays(70)
    lines = frame.to_csv(index=False).splitlines()
    body = lines[1:]
    out = [lines[0]]
    for i in range(0, 70, 10):  # seven parts, each header quoted otherwise than the first
        if i:
            out.append('"codes","target"')
        out.extend(body[i:i + 10])
    path = tmp_path / "quoted.csv"
    path.write_text("\n".join(out) + "\n")
    with pytest.raises(DataSourceError) as info:
        read_table(str(path))
    assert ": its data rows 11, 22, 33, 44, 55 and 1 more repeat its header line 'codes,target'" in str(info.value)
    assert str(info.value).endswith("remove the repeated header lines")


def test_one_row_quoted_otherwise_says_row_and_line(tmp_path):
    frame = _stays(40)
    lines = frame.to_csv(index=False).splitlines()
    path = tmp_path / "quoted.csv"
    path.write_text("\n".join(lines[:21] + ['"codes","target"'] + lines[21:]) + "\n")
    with pytest.raises(DataSourceError) as info:
        read_table(str(path))
    assert ": its data row 21 repeats its header line" in str(info.value)
    assert str(info.value).endswith("remove the repeated header line")


def test_a_text_column_is_looked_at_as_one_isin(monkeypatch):
    """Review 60: ``_header_cell`` made every text column's values strings again (``astype(str)``, then a BOM
    dropped from each: ~0.5 s per 1e6 rows on every read of a table of text), where one ``isin`` of the name and
    the name after a BOM says the same (~0.08 s; benchmarks/bench_r60_header_check.py times the two). A column of
    text under a name that is no number is not converted: no ``astype`` of it at all."""
    from ctloop import storage

    column = pd.Series(np.random.default_rng(0).choice(["red", "blue", "color", "\ufeffcolor"], 10_000)
                       .astype(object))
    converted = []
    real = pd.Series.astype
    monkeypatch.setattr(pd.Series, "astype", lambda self, *a, **k: converted.append(len(self)) or real(self, *a, **k))
    found = storage._header_cell(column, "color", False)
    assert converted == []
    assert (found == column.isin(["color", "\ufeffcolor"]).to_numpy()).all()


def test_a_number_name_in_a_text_column_still_matches_its_number(tmp_path):
    from ctloop import storage

    column = pd.Series(["2024", "2024.0", "x", None, "\ufeff2024"], dtype=object)
    assert storage._header_cell(column, "2024", False).tolist() == [True, True, False, False, True]


def test_a_text_column_is_not_made_text_at_the_cost_of_to_numeric_on_every_value(monkeypatch):
    """Review 60 (second): ``_made_text`` ran ``pd.to_numeric(errors="coerce")`` and ``to_datetime`` over every
    value of each text column (~1.1 s per 1e6 rows of 'red'/'blue': 3.3 s of the streamed reader's one look at a
    1e6-row file holding its header quoted otherwise); a column whose first values are words is not made text by
    the header row, whatever the rest: only its first 100 values are read as numbers or dates
    (benchmarks/bench_r60_header_check.py times it)."""
    from ctloop import storage

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.integers(0, 99, 50_000).astype(str).astype(object),
                          "color": rng.choice(["red", "blue"], 50_000).astype(object)})
    frame.iloc[500] = ["x", "color"]
    keep = np.ones(len(frame), dtype=bool)
    keep[500] = False
    looked = []
    real = storage._numbers_or_dates
    monkeypatch.setattr(storage, "_numbers_or_dates", lambda values: looked.append(len(values)) or real(values))
    assert storage._made_text(frame.iloc[:, 1:], keep, ["color"], {}) == []
    assert looked == [100]
    assert storage._made_text(frame, keep, ["x", "color"], {}) == ["x"]

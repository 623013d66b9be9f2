"""Round 61, item 2: every refusal that names a row counts rows as the label refusals did: from 1 at the first row
of data, the header not counted (``contract.row_said``: row 5 is a CSV's line 6 when no value spans lines). The
finite and int64 refusals, the stream engine's NUL refusal and a column's type change counted from 0 (row 4 for
line 6) until round 61.

Each case puts the hostile value on line 6 of a CSV (data row 5) and reads the row said."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main

LINE = 6  # the file's line of the hostile value; the header is line 1
ROW = "row 5"


def _csv(path, column: list[str], other: list | None = None) -> str:
    n = len(column)
    ts = [f"{pd.Timestamp('2026-01-01') + pd.Timedelta(days=i):%Y-%m-%d}" for i in range(n)]
    pd.DataFrame({"ts": ts, "x": column, "y": other or [i % 2 for i in range(n)]}).to_csv(path, index=False)
    assert path.read_text().splitlines()[LINE - 1].split(",")[1] == column[LINE - 2]
    return str(path)


def _values(bad: str, n: int = 40, good=lambda i: str(i + 10)) -> list[str]:
    return [bad if i == LINE - 2 else good(i) for i in range(n)]


def test_the_finite_refusal_counts_rows_from_1_after_the_header(tmp_path):
    from ctloop.contract import check_finite
    from ctloop.errors import DataValidationError
    from ctloop.storage import read_table

    frame = read_table(_csv(tmp_path / "d.csv", _values("1e999", good=lambda i: f"{i}.5")))
    with pytest.raises(DataValidationError) as refused:
        check_finite(frame)
    assert f"'1e999' in {ROW})" in str(refused.value), refused.value


def test_the_int64_refusal_counts_rows_from_1_after_the_header(tmp_path, capsys):
    path = _csv(tmp_path / "d.csv", _values("1" + "0" * 25))
    assert main(["backtest", "--data", path, "--target", "y", "--time-column", "ts", "--window", "7D",
                 "--policy", "never", "--quiet", "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"('10000000000000000000000000', {ROW})" in err, err


def test_the_int64_refusal_of_a_notebook_frame_counts_its_rows_from_1():
    from ctloop.contract import check_integer_width
    from ctloop.errors import DataValidationError

    frame = pd.DataFrame({"x": pd.Series([1, 2, 3, 4, 10**25], dtype=object)})
    with pytest.raises(DataValidationError, match=r"\(10000000000000000000000000, row 5\)"):
        check_integer_width(frame)


def test_the_stream_engines_nul_refusal_counts_rows_from_1_after_the_header(tmp_path, capsys):
    rng = np.random.default_rng(0)  # values of 200 characters: the NUL past the file's first 512 bytes (a UTF-16 hint)
    pd.DataFrame({"a": rng.normal(size=50), "b": rng.choice(["p" * 200, "q" * 200], 50)}).to_csv(
        tmp_path / "ref.csv", index=False)
    lines = (tmp_path / "ref.csv").read_text().splitlines()
    lines[LINE - 1] = lines[LINE - 1].split(",")[0] + ",p\0q"
    (tmp_path / "cur.csv").write_text("\n".join(lines) + "\n")
    assert main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
                 "--engine", "stream", "--no-report", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"holds a NUL byte on {ROW} " in err, err
    # the memory engine names the line, as it says: one count apart, never two
    assert main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
                 "--engine", "memory", "--no-report", "--quiet"]) == 2
    assert f"(line {LINE})" in capsys.readouterr().err


def _late_line(path, at: int) -> str:
    """The file's line holding data row ``at`` (0-based): line ``at + 2`` (the header is line 1)."""
    with open(path) as lines:
        return next(line for number, line in enumerate(lines, 1) if number == at + 2)


def test_a_type_change_counts_rows_from_1_after_the_header(tmp_path, capsys):
    """The stream engine's refusal of a column turning to text past pyarrow's first block (CsvTypeChanged, its
    ``row`` attribute 0-based, its message from 1): the row said is the file's line less one (review 61 L6:
    the test checked the constructor's arithmetic only)."""
    from tests.helpers import late_change_csv

    late_change_csv(tmp_path / "ref.csv", 200_000, "x", "7")
    at = late_change_csv(tmp_path / "cur.csv", 200_000, "x", "abc")
    assert _late_line(tmp_path / "cur.csv", at).split(",")[1] == "abc"
    assert main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
                 "--engine", "stream", "--no-report", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"but 'abc' on row {at + 1}:" in err, err


def test_the_late_text_warning_and_the_refusal_of_its_value_name_one_row(tmp_path, capsys):
    """Review 61 M1: read_table's warning of a column read as text from a row on said ``row {at}`` (0-based) while
    the memory engine's refusal of the same value said ``row {at + 1}``: both now say the file's line less one."""
    from tests.helpers import late_change_csv

    late_change_csv(tmp_path / "ref.csv", 200_000, "x", "7")
    at = late_change_csv(tmp_path / "cur.csv", 200_000, "x", "late")
    assert _late_line(tmp_path / "cur.csv", at).split(",")[1] == "late"
    with pytest.warns(UserWarning) as notes:
        assert main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
                     "--engine", "memory", "--no-report", "--quiet"]) == 2
    said = [str(n.message) for n in notes if "read as text" in str(n.message)]
    assert len(said) == 1 and f"but 'late' on row {at + 1}: read as text" in said[0], said
    err = capsys.readouterr().err
    assert f"row {at + 1}" in err and f"row {at}" not in err.replace(f"row {at + 1}", ""), err


def test_label_refusals_already_counted_so(tmp_path, capsys):
    path = tmp_path / "labels.csv"
    rows = [f"r{i},{i % 2},2026-01-0{1 + i % 5}T00:00:00Z" for i in range(10)]
    rows[LINE - 2] = "r4,1,yesterday"
    path.write_text("request_id,label,label_time\n" + "\n".join(rows) + "\n")
    assert main(["labels", "ingest", "--labels", str(path), "--store", str(tmp_path / "s")]) == 2
    assert f"{ROW}: 'yesterday'" in capsys.readouterr().err

"""``ctloop drift --columns/--exclude`` split their value on every comma, so a column whose name
holds one (``"income, net"``: CSV headers and pandas allow it) could be neither compared alone nor
left out: ``--exclude 'income, net'`` named two columns that do not exist. The value is now read as
one CSV record (``--columns '"income, net",age'``), and the flag may be repeated (its names add up)."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main


@pytest.mark.parametrize(("text", "names"), [
    ("a,b", ["a", "b"]), ("a, b ,c", ["a", "b", "c"]), ('"a,b",c', ["a,b", "c"]), ('"income, net"', ["income, net"]),
    ('"say ""hi""",x', ['say "hi"', "x"]), ("a,,b,", ["a", "b"]), ("", []),
])
def test_a_column_list_is_one_csv_record(text, names):
    from ctloop.cli.argtypes import column_list

    assert column_list(text) == names


@pytest.mark.parametrize("text", ['"a,b', 'a,"b'])
def test_an_unclosed_quote_is_refused(text):
    from ctloop.cli.argtypes import column_list

    with pytest.raises(argparse.ArgumentTypeError, match="unclosed quote"):
        column_list(text)


@pytest.fixture
def tables(tmp_path):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"income, net": rng.normal(0, 1, 500), "age": rng.normal(40, 5, 500), "y": rng.integers(0, 2, 500)})
    cur = pd.DataFrame({"income, net": rng.normal(1, 1, 300), "age": rng.normal(40, 5, 300), "y": 1})
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_parquet(tmp_path / "cur.parquet")
    return ["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
            "--output", str(tmp_path / "out"), "--no-report"]


def compared(tmp_path) -> list[str]:
    return [c["column"] for c in json.loads((tmp_path / "out" / "drift.json").read_text())["columns"]]


def test_columns_names_a_column_with_a_comma_quoted(tmp_path, tables):
    assert main([*tables, "--columns", '"income, net",age']) == 0
    assert compared(tmp_path) == ["income, net", "age"]


def test_exclude_names_a_column_with_a_comma_quoted_and_repeats(tmp_path, tables):
    assert main([*tables, "--exclude", '"income, net"', "--exclude", "y"]) == 0
    assert compared(tmp_path) == ["age"]


def test_the_help_says_how_to_quote(capsys):
    with pytest.raises(SystemExit):
        main(["drift", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "'\"income, net\",age'" in out and "repeat" in out

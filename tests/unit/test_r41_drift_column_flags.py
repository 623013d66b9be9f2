"""``ctloop drift --columns/--exclude``: a quoted name keeps its blanks, and a list of no name is refused.

* Names were stripped even inside quotes, so a column whose name starts or ends with blanks
  (``" age"``: a CSV header written as ``id, age``, read by pandas as ``' age'``) could be neither
  compared alone nor left out: ``--columns '" age"'`` named ``age``, which does not exist. A quoted
  name is now taken as written (unquoted names are still stripped).
* ``--columns ,`` (or an empty value: a script's empty variable) named no column and compared every
  column instead; it is now one line, exit 2, naming the flag and the value.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main


@pytest.fixture
def tables(tmp_path):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"id": rng.normal(0, 1, 300), " age": rng.normal(40, 5, 300), "age": rng.normal(0, 1, 300)})
    cur = pd.DataFrame({"id": rng.normal(0, 1, 200), " age": rng.normal(40, 5, 200), "age": rng.normal(5, 1, 200)})
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    return ["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
            "--output", str(tmp_path / "out"), "--no-report", "--quiet"]


def compared(tmp_path) -> list[str]:
    return [c["column"] for c in json.loads((tmp_path / "out" / "drift.json").read_text())["columns"]]


def test_columns_names_a_column_with_a_leading_blank_quoted(tmp_path, tables):
    assert main([*tables, "--columns", '" age"']) == 0
    assert compared(tmp_path) == [" age"]


def test_exclude_names_a_column_with_a_leading_blank_quoted(tmp_path, tables):
    assert main([*tables, "--exclude", 'id, " age"']) == 0
    assert compared(tmp_path) == ["age"]


def test_unquoted_names_are_still_stripped(tmp_path, tables):
    assert main([*tables, "--columns", " age , id "]) == 0
    assert compared(tmp_path) == ["age", "id"]


@pytest.mark.parametrize("value", [",", "", " , "])
def test_columns_naming_no_column_is_refused(tmp_path, tables, capsys, value):
    assert main([*tables, "--columns", value]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "--columns" in err and repr(value) in err
    assert not (tmp_path / "out").exists()


def test_an_unclosed_quote_is_one_line(tables, capsys):
    assert main([*tables, "--exclude", '" age']) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--exclude" in err and "unclosed quote" in err, err


def test_exclude_wins_over_columns(tmp_path, tables):
    """``--columns id,age --exclude age`` compared ``age`` anyway (``--exclude`` was read only
    without ``--columns``), although the refusal of a missing column suggests ``--exclude``."""
    assert main([*tables, "--columns", "id,age", "--exclude", "age"]) == 0
    assert compared(tmp_path) == ["id"]


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
def test_exclude_wins_over_columns_with_both_engines(tmp_path, tables, engine_name):
    assert main([*tables, "--engine", engine_name, "--columns", 'id," age"', "--exclude", '" age"']) == 0
    assert compared(tmp_path) == ["id"]


def test_excluding_every_named_column_is_refused(tables, capsys):
    assert main([*tables, "--columns", "age", "--exclude", "age"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--exclude" in err and "'age'" in err, err

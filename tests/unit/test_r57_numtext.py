"""Round 57's second review of the numbers-as-text rule (``contract.check_numbers_as_text``, used by the train core
and ``ctloop backtest`` up front). Its unit list both missed real units ('kmpl', 'bhp', 'GB', 'W', 'CHF 12.50',
'-€5' beside plain numbers trained as categories, silently) and refused real categorical columns: Dutch postcodes
whose letters look like units ('2446 MM', '2348 HP'), pack sizes ('250 ml'), grid cells ('8,34'), one stray '5 cm'
in a code column. A refusal in train_model stops every production retrain (exit 2); the third review found more
('12 bis' beside '12', shoe sizes '9.5W', suit sizes '41S'), so the rule only notes, a mixed column (plain numbers
and, from some day, written ones: an export that changed?) too. A unit is an affix that repeats after many numbers,
a few such per column, not a word from a list."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ctloop.contract import COMMA_NUMBER_MIN_DISTINCT, check_numbers_as_text
from tests.unit.test_r57_numtext_note_only import _half

N = 400


def _check(values, written=None):
    frame = pd.DataFrame({"c": pd.Series(values, dtype=object)})
    return check_numbers_as_text(frame, ["c"], written=written)


def _mixed(write, seed=0):
    """Plain numbers in the first half (as an export wrote them before it changed), written by ``write`` after."""
    v = np.random.default_rng(seed).integers(100, 3000, N)
    return [str(x) if i < N // 2 else write(x) for i, x in enumerate(v)]


UNITS = {  # cardekho's mileage/engine/max_power, phone specs, durations, ages, torque, prices
    "kmpl": lambda v: f"{v / 100:.2f} kmpl",
    "bhp": lambda v: f"{v / 10:.1f} bhp",
    "min": lambda v: f"{v % 300} min",
    "GB": lambda v: f"{v} GB",
    "g": lambda v: f"{v} g",
    "W": lambda v: f"{v} W",
    "years": lambda v: f"{v % 90} years",
    "days": lambda v: f"{v} days",
    "Nm": lambda v: f"{v / 10:.1f}Nm",
    "CC": lambda v: f"{v} CC",
    "EUR": lambda v: f"{v / 100:.2f} EUR",
    "CHF prefix": lambda v: f"CHF {v / 100:.2f}",
    "-€": lambda v: f"-€{v}",
}


@pytest.mark.parametrize("unit", list(UNITS))
def test_a_unit_outside_any_list_beside_plain_numbers_is_noted(unit):
    """Was: passed silently (only units of a fixed list counted), then refused (exit 2): a note, training goes on."""
    values = _mixed(UNITS[unit])
    written = {}
    assert _check(values, written) == {}
    said = written["c"]
    assert said.startswith(f"column 'c' holds numbers written as text: {N // 2} rows with a unit or currency"), said
    assert f"(e.g. {values[N // 2]!r}), {N // 2} rows plain numbers (e.g. {values[0]!r}) (an export that changed?)" in (
        said
    )
    assert "strip '" in said and "or Parquet" in said, said


NOT_UNITS = {  # beside plain numbers; each letter pair follows many numbers, but a column holds far more than 3
    "Dutch postcodes like units": lambda v, i: (
        f"{v} {['KM', 'CC', 'MM', 'ML', 'KG', 'HP', 'CM', 'AB', 'XY'][i % 9]}"
    ),
    "Dutch postcodes": lambda v, i: f"{v} {chr(65 + i % 26)}{chr(65 + i * 7 % 26)}",
    "months": lambda v, i: (
        f"{v % 28 + 1} {['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug'][i % 8]}"
    ),
    "streets": lambda v, i: f"{v % 90 + 1} {['Main', 'Oak', 'Elm', 'High', 'Mill'][i % 5]}",
    "one street": lambda v, i: f"{v % 90 + 1} Main",  # a name (capitalised word), not a unit
    "house letters": lambda v, i: f"{v % 400 + 1}{'abc'[i % 3]}",
}


@pytest.mark.parametrize("code", list(NOT_UNITS))
def test_words_after_numbers_that_do_not_repeat_as_a_unit_pass(code):
    """Was: refused (exit 2) for the unit-like postcodes: 'MM', 'HP', 'CM' ... were on the unit list."""
    values = _half(NOT_UNITS[code], seed=1, low=1000, high=9999, rows=N)
    written = {}
    assert _check(values, written) == {} and written == {}


@pytest.mark.parametrize("stray", ["5 cm", "1,000"])
def test_one_stray_written_value_in_a_code_column_is_left_to_the_code_test(stray):
    """Was: refused as numbers written as text (one row of 2,001); as on e3a6b862, the codes pass with a note."""
    codes = [str(v) for v in np.random.default_rng(2).choice(np.arange(1000, 1030), 2000)]
    assert _check(codes + [stray]) == {"c": stray}


ONLY_WRITTEN = {
    "grid cells": [f"{x},{y}" for x in range(40) for y in range(10)],
    "ID lists": [f"{a},{b}" for a in range(1, 30) for b in range(30, 40)] + ["19,20,30"] * 5,
    "pack sizes": [f"{s} ml" for s in range(50, 1300, 50)] * 80,
    "decimal-comma prices, whole ones plain": [
        f"{v / 4:g}".replace(".", ",") for v in range(4, 400)
    ],
    "thousands separators, small ones plain": [f"{v:,}" for v in range(1, 50_000, 97)],
}


@pytest.mark.parametrize("kind", list(ONLY_WRITTEN))
def test_a_column_of_written_numbers_only_is_noted_not_refused(kind):
    """Was: refused, stopping every retrain; the export did not change within it: a note (as before round 57)."""
    written = {}
    assert _check(ONLY_WRITTEN[kind], written) == {}
    first = next(
        v for v in ONLY_WRITTEN[kind] if "," in v or " " in v
    )  # a written one, not a plain '1'
    assert list(written) == ["c"] and " rows with " in written["c"], written
    assert f"(e.g. {first!r})" in written["c"], written
    assert "plain numbers (e.g." not in written["c"], written  # whole ones a format writes plainly are its own


def test_placeholders_beside_a_mixed_column_are_named_with_it():
    values = _mixed(UNITS["bhp"])
    values[-4:] = ["?", "N/A", "-", "unknown"]
    written = {}
    _check(values, written)
    assert re.search(
        r"196 rows with a unit or currency \('bhp'\) \(e\.g\. '[\d.]+ bhp'\), 200 rows plain numbers "
        r"\(e\.g\. '\d+'\), 4 rows text \(e\.g\. '\?'\)",
        written["c"],
    ), written
    assert "and blank the text (an empty cell is a gap)" in written["c"], written


def test_few_distinct_written_values_are_not_a_column_of_them():
    values = [f"{i % (COMMA_NUMBER_MIN_DISTINCT - 1)} kmpl" for i in range(N)]
    written = {}
    assert _check(values, written) == {} and written == {}


def test_the_backtest_notes_a_mixed_column_once_up_front(tmp_path, capsys):
    """Was: refused up front (exit 2). Plain numbers, then written ones (an export that changed): the note comes
    before any later refusal (here: one window), in the train core's words."""
    from ctloop.cli import main

    rng = np.random.default_rng(4)
    km = rng.integers(5_000, 250_000, 60)
    pd.DataFrame(
        {
            "ts": pd.Timestamp("2017-02-16") + pd.to_timedelta(np.arange(60) * 5, unit="min"),
            "km": [str(v) if i < 30 else f"{v:,} km" for i, v in enumerate(km)],
            "target": 30_000 - 0.08 * km,
        }
    ).to_csv(tmp_path / "d.csv", index=False)
    with pytest.warns(UserWarning) as caught:
        code = main(["backtest", "--data", str(tmp_path / "d.csv"), "--target", "target", "--time-column", "ts",
                     "--window", "1D", "--policy", "never", "--task", "regression", "--thresholds", '{"rmse": 5000}',
                     "--quiet", "--output", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "choose a shorter window" in err[0], err
    said = [str(w.message) for w in caught if "read as text" in str(w.message)]
    assert said == [
        f"column 'km' holds numbers written as text: 30 rows with a unit or currency ('km') (e.g. '{km[30]:,} km'), "
        f"30 rows plain numbers (e.g. '{km[0]}') (an export that changed?): read as text, each value a category, not "
        "a number; to learn it as a number, strip 'km' (and any separators) and write plain numbers or Parquet; or "
        "drop the column if it is meant as text"
    ], said

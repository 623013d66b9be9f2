"""Stop 57's unseen stream carprice_km_text (NannyML 0.13.1's used-car prices): ``km_driven`` is a number
in the first half of the file and, from the day an export changed, text such as '144,020 km' (a thousands
separator and the unit). pandas reads the whole CSV column as text. The up-front check refused a number
column with a few marker words ('?', 'bad'), but these are thousands of distinct texts, so it passed: each
value became a category too rare for the one-hot encoder, the model learnt nothing from the column, and
the only word said was the training step's "a different value in every row (an ID?) ... drop it from the
training table", advice for an ID, not for a number written another way. Numbers written with separators,
a decimal comma, a unit or a currency beside plain numbers were then refused (exit 2); a refusal stops every
production retrain and the rule is a heuristic (round 57's third review: '12 bis' beside '12', shoe sizes '9.5W'),
so they are noted, naming the column, the count and an example of each kind, and training goes on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.contract import check_numbers_as_text
from tests.unit.test_r57_numtext_note_only import _half


def _cars(written, rows=400, seed=57) -> pd.DataFrame:
    """Used-car sales over four days; ``km`` plain for two days, then written by ``written``."""
    rng = np.random.default_rng(seed)
    km = rng.integers(5_000, 250_000, rows).astype(float)
    price = 30_000 - 0.08 * km + rng.normal(0, 1_000, rows)
    ts = pd.Timestamp("2017-01-24") + pd.to_timedelta(np.sort(rng.random(rows)) * 4, unit="D")
    late = ts >= pd.Timestamp("2017-01-26")
    col = pd.Series(km, dtype=object)
    col[late] = [written(v) for v in km[late]]
    return pd.DataFrame(
        {"ts": ts, "km": col, "fuel": rng.choice(["diesel", "gas"], rows), "target": price}
    )


FLIPS = {
    "thousands and a unit": lambda v: f"{v:,.0f} km",
    "a decimal comma": lambda v: f"{v / 1000:.1f}".replace(".", ","),
    "a currency": lambda v: f"${v:,.0f}",
}


@pytest.mark.parametrize("flip", list(FLIPS))
def test_numbers_that_turn_into_written_numbers_are_noted(tmp_path, flip):
    _cars(FLIPS[flip]).to_csv(tmp_path / "d.csv", index=False)
    read = pd.read_csv(tmp_path / "d.csv")
    is_written = pd.to_numeric(read["km"], errors="coerce").isna()
    example = read["km"][is_written].iloc[0]  # the message names the first
    noted: dict[str, str] = {}
    assert check_numbers_as_text(read, ["km", "fuel"], written=noted) == {}
    said = noted["km"]
    assert said.startswith(f"column 'km' holds numbers written as text: {is_written.sum()} rows with "), said
    assert f"(e.g. {example!r}), {(~is_written).sum()} rows plain numbers" in said, said
    assert "(an export that changed?)" in said, said


CODES = {
    "Dutch postcodes": lambda v, i: f"{v} {chr(65 + i % 26)}{chr(65 + i * 7 % 26)}",  # '6732 BH' beside '1012'
    "house numbers": lambda v, i: f"{v % 400 + 1} B",  # '234 B' beside '234'
    "IDs": lambda v, i: f"{v} X",
    "streets": lambda v, i: f"{v % 90 + 1} Main",
    "dates": lambda v, i: f"{v % 28 + 1} Jan",
    "versions": lambda v, i: f"{v % 4 + 3}.10 LTS",
    "tail numbers": lambda v, i: f"N{v}",
}


@pytest.mark.parametrize("code", list(CODES))
def test_text_with_digits_is_not_taken_for_written_numbers(code):
    """Was (the merged rule): any 1-5 letter word after a number read as a unit, so these code columns were
    refused as numbers written as text (exit 2, advice to drop the letters)."""
    # 300 numbers 1000-9999 (about 280 distinct: the rule's plain-number count is reached), every other one
    # written as the code, so that the words start as numbers do and the written-number pattern decides
    values = _half(CODES[code], seed=571, low=1000, high=9999)
    assert check_numbers_as_text(pd.DataFrame({"code": values}), ["code"]) == {}


@pytest.mark.parametrize(
    "values",
    [
        [f"{i} ABC" if i % 2 else f"unit-{i:04d}" for i in range(100)],  # no plain numbers: text
        [f"{z:05d}" for z in range(2100, 2125)] * 4
        + [f"{z:05d}-{z % 7:04d}" for z in range(2100, 2125)],  # ZIP, ZIP+4
    ],
)
def test_text_without_plain_numbers_is_text(values):
    check_numbers_as_text(pd.DataFrame({"code": values}), ["code"])

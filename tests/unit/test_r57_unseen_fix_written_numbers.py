"""The review of stop 57's written-number refusal (``check_numbers_as_text``, used by ``ctloop backtest`` up front
and by the train core): its verdict depended on the table's size and on how many plain numbers sat beside the
written ones. On 4,000 rows of km in whole thousands, half later written '114,000 km', the code test ran first
(whole thousands seen often read as codes) and the column passed with a wrong note, "numbers and the word
'114,000 km' (a code column?)"; at 400 rows it was refused. A window holding only '144,020 km' trained silently;
a column with thousands separators from the start was refused, noted or passed by its value range; four
placeholders beside the written numbers ('?', 'N/A', '-', 'unknown') let it pass. Now one rule: a text column
whose other values are mostly written numbers is refused, naming a written value and a placeholder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.train.core import fit
from ctloop.contract import check_numbers_as_text
from ctloop.errors import DataValidationError


def _refusal(values) -> str:
    with pytest.raises(DataValidationError) as err:
        check_numbers_as_text(pd.DataFrame({"km": pd.Series(values, dtype=object)}), ["km"])
    return str(err.value)


@pytest.mark.parametrize("rows", [400, 4000])
def test_whole_thousands_then_written_are_refused_at_any_size(rows):
    # whole thousands, each seen often at 4,000 rows: what the code test takes for codes
    km = np.random.default_rng(572).integers(5, 250, rows) * 1000
    said = _refusal([str(v) if i < rows // 2 else f"{v:,} km" for i, v in enumerate(km)])
    assert "numbers written as text" in said and " km'" in said and "code" not in said, said


@pytest.mark.parametrize("rows", [300, 2000])
def test_decimal_comma_prices_are_refused_at_any_size(rows):
    rng = np.random.default_rng(573)
    # whole prices are written plainly ('46'), and repeat often at 2,000 rows
    prices = rng.integers(1, 60, rows) + rng.choice([0, 0, 0.5, 0.25], rows)
    said = _refusal([f"{v:g}".replace(".", ",") for v in prices])
    assert "numbers written as text" in said and "," in said.split("e.g. ")[1][:8], said


@pytest.mark.parametrize("low", [1, 990])  # some values below 1,000 (plain) or none
def test_separators_from_the_start_are_refused_whatever_the_range(low):
    values = [f"{v:,}" for v in np.random.default_rng(574).integers(low, 50_000, 300)]
    assert "numbers written as text" in _refusal(values)


def test_a_window_of_written_numbers_only_is_not_trained():
    """The train core reads the frame it is given: a window after the export changed holds no plain number."""
    rng = np.random.default_rng(575)
    km = rng.integers(5_000, 250_000, 200)
    frame = pd.DataFrame(
        {
            "km": [f"{v:,} km" for v in km],
            "age": rng.normal(size=200),
            "target": 30_000 - 0.08 * km + rng.normal(0, 1_000, 200),
        }
    )
    with pytest.raises(
        DataValidationError,
        match=r"column 'km' breaks rule 'dtype' in 200 row\(s\): numbers "
        r"written as text in 200 rows \(e\.g\. '[\d,]+ km'\)",
    ):
        fit(frame, target="target", task="regression", estimator="random_forest", seed=0)


@pytest.mark.parametrize("markers", [["?"], ["?", "N/A", "-", "unknown"]])
def test_placeholders_beside_written_numbers_are_named_too(markers):
    km = np.random.default_rng(576).integers(5_000, 250_000, 400)
    said = _refusal(
        [
            str(v) if i < 200 else (f"{v:,} km" if i % 10 else markers[i // 10 % len(markers)])
            for i, v in enumerate(km)
        ]
    )
    assert "numbers in 200 rows, numbers written as text in 180 rows" in said, said
    assert "and text in 20 rows (e.g. '?')" in said and "blank the text" in said, said

"""The review of stop 57's written-number refusal (``check_numbers_as_text``, used by ``ctloop backtest`` up front
and by the train core): its verdict depended on the table's size and on how many plain numbers sat beside the
written ones. On 4,000 rows of km in whole thousands, half later written '114,000 km', the code test ran first
(whole thousands seen often read as codes) and the column passed with a wrong note, "numbers and the word
'114,000 km' (a code column?)"; at 400 rows it was refused. A window holding only '144,020 km' trained silently;
a column with thousands separators from the start was refused, noted or passed by its value range; four
placeholders beside the written numbers ('?', 'N/A', '-', 'unknown') let it pass. Now one rule: a text column
whose other values are mostly written numbers beside plain ones is refused, naming a written value and a placeholder;
written numbers only are noted (round 57's second review: tests/unit/test_r57_numtext.py)."""

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


def _noted(values) -> dict[str, str]:
    written: dict[str, str] = {}
    assert (
        check_numbers_as_text(
            pd.DataFrame({"km": pd.Series(values, dtype=object)}), ["km"], written=written
        )
        == {}
    )
    return written


@pytest.mark.parametrize("rows", [300, 2000])
def test_decimal_comma_prices_are_noted_at_any_size(rows):
    """Round 57's second review: refused here, though one locale's export writes whole prices plainly ('46' beside
    '46,5'): not an export that changed, and a refusal stops every retrain. Noted, at any size."""
    rng = np.random.default_rng(573)
    # whole prices are written plainly ('46'), and repeat often at 2,000 rows
    prices = rng.integers(1, 60, rows) + rng.choice([0, 0, 0.5, 0.25], rows)
    values = [f"{v:g}".replace(".", ",") for v in prices]
    assert _noted(values) == {"km": next(v for v in values if "," in v)}


@pytest.mark.parametrize("low", [1, 990])  # some values below 1,000 (plain) or none
def test_separators_from_the_start_are_noted_whatever_the_range(low):
    values = [f"{v:,}" for v in np.random.default_rng(574).integers(low, 50_000, 300)]
    assert _noted(values) == {"km": next(v for v in values if "," in v)}


def test_a_window_of_written_numbers_only_is_trained_with_a_note():
    """The train core reads the frame it is given: a window after the export changed holds no plain number. It was
    refused (round 57's first fix), stopping the retrain; it trains with a note, as before round 57."""
    rng = np.random.default_rng(575)
    km = rng.integers(5_000, 250_000, 200)
    frame = pd.DataFrame(
        {
            "km": [f"{v:,} km" for v in km],
            "age": rng.normal(size=200),
            "target": 30_000 - 0.08 * km + rng.normal(0, 1_000, 200),
        }
    )
    with pytest.warns(UserWarning) as caught:
        result = fit(frame, target="target", task="regression", estimator="linear_regression", seed=0)
    said = [str(w.message) for w in caught if "read as text" in str(w.message)]
    assert len(said) == 1 and said[0].startswith(
        f"column 'km' is text of numbers written with a decimal comma, thousands separators, a currency or a unit "
        f"(e.g. '{km[0]:,} km'): read as text"
    ), said
    assert (
        "or Parquet (e.g. pandas.read_csv(decimal=',', thousands='.').to_parquet(...))" in said[0]
    ), said
    assert any(n.startswith(said[0]) for n in result.meta["notes"]), result.meta["notes"]


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

"""The review of stop 57's written-number refusal (``check_numbers_as_text``, used by ``ctloop backtest`` up front
and by the train core): its verdict depended on the table's size and on how many plain numbers sat beside the
written ones. On 4,000 rows of km in whole thousands, half later written '114,000 km', the code test ran first
(whole thousands seen often read as codes) and the column passed with a wrong note, "numbers and the word
'114,000 km' (a code column?)"; at 400 rows it was refused. A window holding only '144,020 km' trained silently;
a column with thousands separators from the start was refused, noted or passed by its value range; four
placeholders beside the written numbers ('?', 'N/A', '-', 'unknown') let it pass. Now one rule at any size: a text
column whose other values are mostly written numbers is noted, beside plain ones or not, naming a written value, the
plain one and a placeholder (the third review made it note-only: a refusal stops every retrain)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.contract import check_numbers_as_text


@pytest.mark.parametrize("rows", [400, 4000])
def test_whole_thousands_then_written_are_noted_at_any_size(rows):
    # whole thousands, each seen often at 4,000 rows: what the code test takes for codes
    km = np.random.default_rng(572).integers(5, 250, rows) * 1000
    said = _noted([str(v) if i < rows // 2 else f"{v:,} km" for i, v in enumerate(km)])["km"]
    assert f"{rows // 2} rows with a unit or currency ('km')" in said and "code" not in said, said
    assert f"{rows // 2} rows plain numbers" in said and "(an export that changed?)" in said, said


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
    said = _noted(values)["km"]
    assert f"with a decimal comma (e.g. {next(v for v in values if ',' in v)!r})" in said, said
    assert "plain numbers" not in said, said  # whole prices are how this format writes them


@pytest.mark.parametrize("low", [1, 990])  # some values below 1,000 (plain) or none
def test_separators_from_the_start_are_noted_whatever_the_range(low):
    values = [f"{v:,}" for v in np.random.default_rng(574).integers(low, 50_000, 300)]
    said = _noted(values)["km"]
    assert f"with thousands separators (e.g. {next(v for v in values if ',' in v)!r})" in said, said


def test_a_window_of_written_numbers_only_is_noted():
    """The train core reads the frame it is given: a window after the export changed holds no plain number. It was
    refused (round 57's first fix), stopping the retrain; it is noted, as before round 57. The check alone (what
    train.core.fit calls; that fit puts the note in the model's notes: tests/unit/test_input_rules.py)."""
    km = np.random.default_rng(575).integers(5_000, 250_000, 200)
    said = _noted([f"{v:,} km" for v in km])["km"]
    assert said.startswith(
        f"column 'km' holds numbers written as text: 200 rows with a unit or currency ('km') (e.g. '{km[0]:,} km'): "
        "read as text"
    ), said
    assert "strip 'km' (and any separators)" in said and "decimal=" not in said, said


@pytest.mark.parametrize("markers", [["?"], ["?", "N/A", "-", "unknown"]])
def test_placeholders_beside_written_numbers_are_named_too(markers):
    km = np.random.default_rng(576).integers(5_000, 250_000, 400)
    said = _noted(
        [
            str(v) if i < 200 else (f"{v:,} km" if i % 10 else markers[i // 10 % len(markers)])
            for i, v in enumerate(km)
        ]
    )["km"]
    assert "180 rows with a unit or currency ('km')" in said and "200 rows plain numbers" in said, said
    assert "20 rows text (e.g. '?')" in said and "blank the text" in said, said

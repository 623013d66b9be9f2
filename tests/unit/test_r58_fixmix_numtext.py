"""Round 58's review of ``contract.check_numbers_as_text`` (numbers as text). A word counted as a name only if it
failed :data:`WRITTEN_NUMBER`, so '12B', '4A', '12 bis', '12 Downs', 'APT 4', '2XL' were no names, and one gap marker
beside them refused a real categorical column (room numbers with '12B' and '?' stopped ``ctloop backtest``, exit 2).
The refusal named the first word in row order, not the marker ("e.g. '96,276 km' ... blank those cells" would blank
real data), and any text of no letter or digit ('★', '+', '€') was a marker."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.contract import check_numbers_as_text, missing_marker
from ctloop.errors import DataValidationError

ROOMS = [str(v) for v in range(100, 180)]  # 80 rooms, each seen once


def _check(values) -> dict[str, str]:
    written: dict[str, str] = {}
    check_numbers_as_text(
        pd.DataFrame({"room": pd.Series(values, dtype=object)}), ["room"], written=written
    )
    return written


@pytest.mark.parametrize(
    "name", ["12B", "4A", "12 bis", "12 Downs", "APT 4", "2XL", "GYM 1", "Lobby"]
)
@pytest.mark.parametrize("marker", ["?", "N/A"])
def test_a_code_beside_a_marker_is_a_category_never_refused(name, marker):
    # was (all but 'Lobby', 'GYM 1'): DataValidationError "text in the others (e.g. '12B')"
    written = _check([name] + ROOMS + [name, marker, marker])
    assert "room" in written and repr(name) in written["room"], written


@pytest.mark.parametrize("number", ["96,276 km", "$1,200", "12 kg", "5 lakh", "40 %"])
def test_a_number_written_as_text_beside_a_marker_is_refused_for_the_marker(number):
    # the first word in row order was named: "(e.g. '96,276 km') ... blank those cells"
    with pytest.raises(DataValidationError) as err:
        _check([number] + ROOMS + ["?", "?"])
    message = str(err.value)
    assert "'?'" in message and repr(number) not in message, message


def test_the_refusal_names_every_marker():
    with pytest.raises(DataValidationError) as err:
        _check(ROOMS + ["?", "n/a", "?"])
    assert "'?'" in str(err.value) and "'n/a'" in str(err.value), str(err.value)


@pytest.mark.parametrize("text", ["★", "+", "++", "€", "#", "§"])
def test_a_symbol_is_no_marker(text):
    # was: punctuation only (no letter or digit) was a marker, so rooms with '★' were refused
    assert not missing_marker(text)
    assert "room" in _check(ROOMS + [text, text])


@pytest.mark.parametrize(
    "text", ["?", "-", "--", ".", "—", "*", "/", "...", "??", "---", "–", "-/-"]
)
def test_punctuation_markers_are_still_markers(text):
    assert missing_marker(text)
    with pytest.raises(DataValidationError):
        _check(ROOMS + [text, text])

"""Round 58's review of the hostile-input merge: ``contract.check_numbers_as_text`` refused a real categorical column.
Blank texts were taken out before the few-words check (``NUMBER_TEXT_MAX_WORDS``), so room numbers '100'..'159' with
'Lobby', 'Suite A', '' and ' ' (quiet before: four words) were refused, "numbers in 70 rows but text in the others
(e.g. 'Lobby')"; rooms with exactly three names were refused already. A categorical column is never refused: the
refusal is kept for columns whose every text is a missing-value or error marker (:data:`MISSING_MARKERS`, '?',
'n/a', ...); a name-like word makes a note."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ctloop.contract import check_numbers_as_text
from ctloop.errors import DataValidationError

# 70 rows, each room seen once or twice
ROOMS = [str(v) for v in range(100, 160)] + [str(v) for v in range(100, 110)]


def _check(values) -> tuple[dict[str, str], dict[str, str]]:
    written: dict[str, str] = {}
    passed = check_numbers_as_text(
        pd.DataFrame({"room": pd.Series(values, dtype=object)}), ["room"], written=written
    )
    return passed, written


@pytest.mark.parametrize(
    "names", [["Lobby"], ["Lobby", "Suite A"], ["Lobby", "Suite A", "Penthouse"]]
)
@pytest.mark.parametrize("blanks", [[], ["", " "]])
def test_rooms_with_names_are_never_refused(names, blanks):
    # was: DataValidationError "text in the others (e.g. 'Lobby')"
    passed, written = _check(ROOMS + names + blanks)
    note = written.get("room", "") or passed.get("room", "")
    if note:  # noted: the names as text, no advice to blank a name
        assert f"text (e.g. {names[0]!r})" in note and "blank the text" not in note, note
        assert "blank text" in note if blanks else "blank text" not in note, note
        assert "to learn it as a number, ," not in note, note


def test_a_marker_beside_a_name_is_noted_not_refused():
    _, written = _check(ROOMS + ["?", "Lobby"])
    assert "room" in written, written


@pytest.mark.parametrize(
    "marker", ["?", "-", ".", "n/a", "NA", "null", "None", "missing", "Unknown", "#N/A", "bad"]
)
@pytest.mark.parametrize("blanks", [[], [""]])
def test_missing_value_markers_are_still_refused(marker, blanks):
    with pytest.raises(
        DataValidationError, match=re.escape(f"text in the others (e.g. {marker!r})")
    ):
        _check(ROOMS + [marker, marker] + blanks)

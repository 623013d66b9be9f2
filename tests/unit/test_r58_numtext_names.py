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


def _note(values) -> str:
    passed, written = _check(values)
    assert passed == {}, passed
    return written.get("room", "")


RACES = [
    f"{k}k" for k in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 20, 21, 25, 30, 42, 50, 100)
]
TVS = [f"{k}K" for k in (1, 2, 4, 5, 6, 8, 10, 12, 16, *range(20, 33))]


@pytest.mark.parametrize("values", [RACES * 20, TVS * 20])
def test_k_alone_is_a_size_or_a_distance_not_a_thousand(values):
    # was: "'7k' is 7000", "'31K' is 31000": race distances and TV resolutions are categories
    assert _note(values) == ""


def test_k_beside_plain_numbers_is_still_a_thousand():
    salaries = [str(30_000 + 250 * i) for i in range(200)]
    note = _note(salaries + ["45k", "52k"])
    assert "'45k' is 45000" in note, note


@pytest.mark.parametrize("word", ["Downs", "Oaks", "Blvd", "Persons"])
def test_a_capitalised_word_not_a_unit_is_a_name(word):
    # was: "strip 'Downs'": an address or a party size, not a number with a unit
    assert _note([f"{k} {word}" for k in range(1, 30)] * 14) == ""

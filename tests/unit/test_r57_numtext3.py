"""Round 57's review of the note-only numbers-as-text rule (/tmp/rev57-noteonly t1-t5): a few numbers written with a
unit beside plain ones were still refused, the backtest repeated a per-window note at every retrain, and the advice
misread its own examples. Each piece of advice is run on the example the note shows (pandas.read_csv as the note
says it, or the per-row edit it describes)."""

import io
import re
import warnings

import pandas as pd
import pytest

from ctloop.backtest import _notes_once
from ctloop.contract import check_numbers_as_text
from ctloop.errors import DataValidationError


def _note(values: list[str]) -> str:
    written: dict[str, str] = {}
    check_numbers_as_text(
        pd.DataFrame({"c": pd.Series(values, dtype=object)}), ["c"], written=written
    )
    return written["c"]


def _examples(note: str) -> list[str]:
    return re.findall(r"\(e\.g\. '([^']*)'\)", note)


def _read_as_advised(note: str, text: str) -> float:
    keywords = eval("dict(" + re.search(r"pandas\.read_csv\(path, ([^)]*)\)", note).group(1) + ")")
    return float(pd.read_csv(io.StringIO(f'c\n"{text}"\n'), **keywords)["c"].iloc[0])


PLAIN_KM = [str(5000 + 487 * i) for i in range(498)]


@pytest.mark.parametrize(
    ("strays", "affixes"),
    # '5 lakh', '70 thousand': test_r58_numtext (multiplier words, not units)
    [(["96,276 km", "12,000 km"], "'km'")],
)
def test_a_few_unit_written_values_beside_plain_numbers_are_noted_not_refused(strays, affixes):
    note = _note(PLAIN_KM + strays)  # refused by the few-words rule before (DataValidationError)
    assert f"{len(strays)} rows with a unit or currency ({affixes})" in note


def test_bis_and_ter_house_numbers_are_noted_but_real_markers_are_still_refused():
    houses = [str(1 + i % 290) for i in range(398)] + [str(300 + i) for i in range(100)]
    assert "'bis', 'ter'" in _note(houses + ["12 bis", "14 ter"])
    for marker in ("?", "bad"):  # a blank text '' is a gap, noted (test_r58_numtext)
        with pytest.raises(DataValidationError, match="numbers in"):
            check_numbers_as_text(
                pd.DataFrame({"c": pd.Series(PLAIN_KM + [marker, "96,276 km"])}), ["c"]
            )


def test_the_unit_advice_on_its_example_gives_the_number():
    note = _note(PLAIN_KM + ["96,276 km"])
    (example, _plain) = _examples(note)
    assert "strip 'km' (and any separators)" in note
    assert float(example.replace("km", "").replace(",", "").strip()) == 96276


def test_a_decimal_comma_beside_a_unit_is_read_with_a_comma_decimal_point():
    note = _note([f"{v / 4:g}".replace(".", ",") + " %" for v in range(4001, 4400)])
    example = _examples(note)[0]
    assert (
        example == "1000,25 %" and "use ',' as the decimal point" in note
    )  # was "(and any separators)": 100025
    assert float(example.replace("%", "").replace(".", "").replace(",", ".").strip()) == 1000.25


def test_a_mixed_decimal_comma_column_is_normalised_per_row_not_read_with_thousands_dot():
    values = [f"{v / 8:g}" for v in range(101, 300)] + [
        f"{v / 4:g}".replace(".", ",") for v in range(4001, 4200)
    ]
    note = _note(values)
    assert (
        "read_csv" not in note
    )  # decimal=',', thousands='.' read the note's own '12.625' as 12625
    assert "mixes '.' and ',' decimals" in note
    comma, plain = _examples(note)
    assert (float(comma.replace(",", ".")), float(plain)) == (1000.25, 12.625)


def test_the_example_is_of_the_advised_format():
    note = _note(["12,5"] + [f"{v:,}" for v in range(1_000, 60_000, 197)])
    example = _examples(note)[0]
    assert example == "1,000"  # was the minority '12,5', read as 125 under thousands=','
    assert _read_as_advised(note, example) == 1000


def test_an_unmixed_decimal_comma_column_keeps_the_read_csv_advice():
    note = _note([f"{v / 4:g}".replace(".", ",") for v in range(4001, 4200)])
    assert _read_as_advised(note, _examples(note)[0]) == 1000.25


def test_long_examples_are_cut():
    note = _note(["9" * 500 + f"{i},5" for i in range(400)])
    shown = re.search(r"\(e\.g\. ([^)]*)\)", note).group(1)
    assert len(shown) <= 40 and shown.endswith("...")


def test_the_backtest_says_a_columns_written_numbers_note_once_whatever_its_counts():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with _notes_once():
            for n in (3, 7, 12):  # each window's counts differ (before: one warning per retrain)
                warnings.warn(
                    f"column 'c' holds numbers written as text: {n} rows with a decimal comma (e.g. "
                    "'12,5'): read as text",
                    UserWarning,
                    stacklevel=1,
                )
            warnings.warn(
                "column 'd' holds numbers written as text: 4 rows", UserWarning, stacklevel=1
            )
    notes = [str(w.message) for w in seen]
    assert [n.split(":")[0] for n in notes] == [
        "column 'c' holds numbers written as text",
        "column 'd' holds numbers written as text",
    ]
    assert "3 rows" in notes[0]


@pytest.mark.filterwarnings(
    "ignore:the fitted linear_regression gives every training row the same prediction"
)
def test_train_core_retrains_on_the_day_an_export_writes_a_few_km():
    from ctloop.components.train.core import fit

    km = [5000 + 487 * i for i in range(200)]
    frame = pd.DataFrame(
        {
            "km": [str(v) for v in km[:-2]] + ["96,276 km", "12,000 km"],
            "target": [30000 - 0.08 * v for v in km],
        }
    )
    with pytest.warns(
        UserWarning, match=r"column 'km' holds numbers written as text: 2 rows with a unit"
    ):
        fit(
            frame, target="target", task="regression", estimator="linear_regression", seed=0
        )  # refused before

"""Column names a reader takes for one ('Age' and 'age ') are refused since round 49; they were compared
by NFC + str.casefold, which expands letters, so different words were refused too (review 49 A5):
'Maße' and 'Masse' (casefold: 'ß' → 'ss'), 'ﬁle' and 'file' (the ligature → 'fi'), 'σ' and 'ς' (final
sigma → 'σ'). Now by NFC + str.lower (one letter stays one), surrounding spaces stripped. And the
refusal said "in 200 row(s)" of a header: now it names the columns only."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.contract import check_column_names
from ctloop.errors import CtloopError, DataError


@pytest.mark.parametrize("names", [("Maße", "Masse"), ("\ufb01le", "file"), ("\u03c3", "\u03c2")],
                         ids=["sharp-s", "fi-ligature", "final-sigma"])
def test_different_words_are_not_refused(names):
    check_column_names(pd.DataFrame({name: [1, 2] for name in names}))


@pytest.mark.parametrize("names", [("Age", "age "), ("\u00c5r", "\u212br"), ("STRASSE", "strasse"),
                                   ("\u03a3", "\u03c3")], ids=["case-and-space", "angstrom-sign", "upper", "sigma"])
def test_one_name_in_two_cases_or_forms_is_refused(names):
    frame = pd.DataFrame({name: range(200) for name in names})
    with pytest.raises(DataError) as err:
        check_column_names(frame)
    # r55-data: a name not in NFC (the Angstrom sign) is shown escaped: it printed as its twin 'År' does
    second = "'\\u212br'" if names[1] == "\u212br" else repr(names[1])
    assert str(err.value) == (f"columns {names[0]!r}, {second} differ only in case, surrounding spaces or Unicode "
                              "form (one column to a reader, a spreadsheet export's header): the model would learn "
                              "them as separate features; rename or drop one")  # before: "... in 200 row(s) ..."
    assert isinstance(err.value, CtloopError)  # the CLI's one line, exit code 2

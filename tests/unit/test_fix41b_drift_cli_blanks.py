"""``--columns``/``--exclude`` records: an unquoted name loses the blanks around it (str.strip:
every Unicode blank), but before and after a quoted name only space and tab were skipped, so
'\\xa0"a"' gave the name '"a"' with its quotes and '"a"\\xa0' was refused as text after a closing
quote (review B, finding 5). One set of blanks (str.isspace) now applies everywhere."""

from __future__ import annotations

import pytest

from ctloop.cli.drift import column_record


@pytest.mark.parametrize("blank", [" ", "\t", "\xa0", "\u3000", "\u2003"])
def test_blanks_around_a_quoted_name_are_skipped_like_around_an_unquoted_one(blank):
    assert column_record(f'{blank}"a b"{blank},{blank}c{blank}') == ["a b", "c"]
    assert column_record(f'{blank}"x, y"') == ["x, y"]


def test_text_after_a_closing_quote_is_still_refused():
    assert column_record('"a"b') is None
    assert column_record('"a"\xa0b') is None

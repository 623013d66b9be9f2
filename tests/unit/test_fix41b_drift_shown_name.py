"""A column name is printed as it is, or as a Python literal when it could be misread. A column
literally named "'b '" printed as 'b ', the same as the quoted form of the name 'b ' (review B,
finding 6). A name starting with a quote character is now quoted too, so every printed form
reads back as one name."""

from __future__ import annotations

import ast

import pytest

from ctloop.drift.engine import shown_name

NAMES = ["b", "b ", "'b '", '"b "', "'b", "\"x'", "it's", "", "x\ny", "'"]


def test_no_two_names_print_alike():
    shown = [shown_name(n) for n in NAMES]
    assert len(set(shown)) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_a_quoted_form_reads_back_as_the_name(name):
    shown = shown_name(name)
    if shown[:1] in ("'", '"'):
        assert ast.literal_eval(shown) == name
    else:
        assert shown == name


def test_a_quote_inside_a_name_keeps_it_plain():
    assert shown_name("it's") == "it's"

"""Round 58's review: ``parse_pairs`` and ``loads_object`` refused any text with a run of 4300+ digits
(``config.too_many_digits`` scanned the raw text), so a quoted string of 5000 digits or a long float was refused as
"a number of 5000 digits". Only a whole number Python cannot convert is refused now (json.loads' ValueError)."""

from __future__ import annotations

import sys

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.params import loads_object, parse_pairs

DIGITS = sys.get_int_max_str_digits() + 700  # 5000
SEVENS = "7" * DIGITS


def test_a_quoted_string_of_digits_is_text():
    assert parse_pairs([f'tag="{SEVENS}"']) == {"tag": SEVENS}
    assert loads_object(f'{{"tag": "{SEVENS}"}}') == {"tag": SEVENS}


def test_a_long_float_is_a_float():
    value = parse_pairs([f"x=0.{SEVENS}"])["x"]
    assert isinstance(value, float) and value == pytest.approx(0.7777777)
    assert loads_object(f'{{"x": 0.{SEVENS}}}')["x"] == pytest.approx(0.7777777)


def test_a_long_integer_beside_a_long_string_names_its_own_digits():
    with pytest.raises(
        ConfigError, match=r"^--params: a number of 4400 digits: no setting takes one"
    ):
        loads_object(f'{{"tag": "{SEVENS}", "seed": {"1" * 4400}}}')
    with pytest.raises(
        ConfigError, match=r"^--param a: a number of 4400 digits: no setting takes one"
    ):
        parse_pairs([f'a={{"tag": "{SEVENS}", "seed": {"1" * 4400}}}'])

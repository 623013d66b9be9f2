"""Fix 47c2: the message of a ``--param`` given twice, where the two values look alike or the
field is long.

``seed=1`` then ``seed="1"`` differ in their type only, shown alike ('1', then '1'), and the message
said "they differ in what is not shown" (what it says of masked secrets); now it names the kinds. The
field path of a section given twice was never cut: a 3,000-character column name filled the line."""

from __future__ import annotations

import json

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.params import parse_pairs


@pytest.mark.parametrize(
    ("pairs", "said"),
    [
        (["seed=1", 'seed="1"'], "('1', then '1': a number, then text)"),
        (['seed="1"', "seed=1"], "('1', then '1': text, then a number)"),
        (["early_stop=true", 'early_stop="true"'], ": a true/false value, then text)"),
        (
            ["data.uri=az://c/x.csv?sig=A", "data.uri=az://c/x.csv?sig=B"],
            ": they differ in what is not shown)",
        ),
    ],
    ids=["number-text", "text-number", "bool-text", "secret"],
)
def test_values_shown_alike_say_how_they_differ(pairs, said):
    with pytest.raises(ConfigError) as err:
        parse_pairs(pairs)
    assert said in str(err.value)


def test_a_long_field_path_is_cut():
    column = "c" * 3000
    pairs = [f"data={json.dumps({column: 1})}", f"data={json.dumps({column: 2})}"]
    with pytest.raises(ConfigError) as err:
        parse_pairs(pairs)
    message = str(err.value)
    assert len(message) < 300 and "(3005 characters): '1', then '2'" in message

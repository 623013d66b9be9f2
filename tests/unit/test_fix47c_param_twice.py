"""Fix 47c: a ``--param`` section given twice with different values is refused naming the field that
differs, with no secret and in one short line.

Round 47 refused ``--param data={...} --param data={...}`` showing both sections whole, masking only
a value that was text: a section's ``uri`` printed its SAS signature (``?...&sig=...``) or the
password of its user part, and a 1.6 MB contract given twice made a line of megabytes."""

from __future__ import annotations

import json

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.params import parse_pairs


def _refusal(pairs: list[str]) -> str:
    with pytest.raises(ConfigError) as err:
        parse_pairs(pairs)
    return str(err.value)


@pytest.mark.parametrize(
    ("first", "then", "secret"),
    [
        ("az://c/x.csv?sv=2024&sig=SECRET1", "az://c/x.csv?sv=2024&sig=SECRET2", "SECRET"),
        ("https://u:PASS1@h/x.csv", "https://u:PASS2@h/x.csv", "PASS"),
    ],
    ids=["sas", "password"],
)
def test_a_section_twice_names_the_field_and_shows_no_secret(first, then, secret):
    said = _refusal(
        [
            "data=" + json.dumps({"uri": first, "target": "y"}),
            "data=" + json.dumps({"uri": then, "target": "y"}),
        ]
    )
    assert said.startswith("--param data: given twice with different values (at data.uri: ")
    assert secret not in said and "***" in said
    # both shown alike, the secrets they differ in masked: said so
    assert said.endswith(
        ", then 'az://c/x.csv?***': they differ in what is not shown); give it once"
    ) or (
        said.endswith(
            ", then 'https://u:***@h/x.csv': they differ in what is not shown); give it once"
        )
    )


def test_the_first_field_that_differs_is_named():
    said = _refusal(
        [
            'data={"uri": "a.csv", "target": "y", "columns": [1, 2]}',
            'data={"uri": "a.csv", "target": "z"}',
        ]
    )
    assert "(at data.target: 'y', then 'z')" in said


def test_a_large_section_twice_is_one_short_line():
    columns = {f"c{i}": {"dtype": "float", "min": 0, "max": i} for i in range(2_000)}
    big = json.dumps({"columns": columns})
    other = json.dumps({"columns": {**columns, "c1999": {"dtype": "int"}}})
    said = _refusal([f"data.contract={big}", f"data.contract={other}"])
    assert len(said) < 400 and "\n" not in said, said[:400]
    assert "at data.contract.columns.c1999" in said
    said = _refusal([f'data={{"contract": {big}}}', f"data.contract={other}"])  # whole, then alone
    assert (
        len(said) < 400 and "at data.contract.columns.c1999.dtype: 'float' in --param data" in said
    )


def test_a_long_value_is_cut_with_its_length():
    said = _refusal(
        [
            "data=" + json.dumps({"uri": "gs://b/" + "x" * 5000}),
            "data=" + json.dumps({"uri": "gs://b/" + "y" * 5000}),
        ]
    )
    assert len(said) < 300 and "... (5007 characters)" in said, said[:300]

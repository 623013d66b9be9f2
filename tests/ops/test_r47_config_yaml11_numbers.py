"""Round 47, config surface: numbers only YAML 1.1 (PyYAML) reads as numbers, in ``ctloop.yaml``.

PyYAML reads a plain ``1:30`` as 90 (base 60) and ``010`` as 8 (octal); YAML 1.2 reads text and 10
(kubectl's sigs.k8s.io/yaml, go-yaml v2, reads ``010`` as 8 too; KFP reads YAML with PyYAML).
``seed: 010`` trained with seed 8, ``bootstrap_rounds: 1:30`` ran 90 rounds, and a text field
refused ``1:30`` as "got 90". Such a scalar is now refused with its line, its key and both
readings; quoted, it is the text written."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.spec import load_spec

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ctloop.yaml"


def _spec(tmp_path, old: str, new: str):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "ctloop.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_spec(path).models[0]


def _line(old: str) -> int:
    return (
        EXAMPLE.read_text(encoding="utf-8")
        .splitlines()
        .index(
            next(line for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if old in line)
        )
        + 1
    )


@pytest.mark.parametrize(
    ("written", "reading"),
    [
        ("1:30", "a base-60 number (read as 90); YAML 1.2 and JSON read text"),
        ("-1:30", "a base-60 number (read as -90)"),
        ("1:30.5", "a base-60 number (read as 90.5)"),
        ("010", "an octal number (read as 8); YAML 1.2 reads 10"),
        ("0_10", "an octal number (read as 8); YAML 1.2 reads 10"),
    ],
)
def test_a_yaml11_only_number_is_refused_naming_line_key_and_readings(tmp_path, written, reading):
    with pytest.raises(ConfigError) as err:
        _spec(tmp_path, "bootstrap_rounds: 1000", f"bootstrap_rounds: {written}")
    message = str(err.value)
    assert (
        f"line {_line('bootstrap_rounds: 1000')}: bootstrap_rounds: {written} is {reading}"
        in message
    )
    assert f"quote '{written}' for text" in message


def test_in_a_list_of_allowed_values_too(tmp_path):
    with pytest.raises(
        ConfigError,
        match=r"line \d+: 01234 is an octal number \(read as 668\); YAML 1.2 reads 1234",
    ):
        _spec(tmp_path, "allowed: [north, south, east, west]", "allowed: [01234, north]")


def test_quoted_it_is_the_text_and_plain_numbers_are_numbers():
    import yaml

    from ctloop.ops.spec import _unique_keys_loader

    text = "allowed: ['01234', '1:30', \"010\", north]\nrounds: 1_000\nzero: 00\nseed: 8\nshare: 0.5\nwhen: '10:30'\n"
    assert yaml.load(text, Loader=_unique_keys_loader()) == {  # noqa: S506 - a SafeLoader
        "allowed": ["01234", "1:30", "010", "north"],
        "rounds": 1000,
        "zero": 0,
        "seed": 8,
        "share": 0.5,
        "when": "10:30",
    }


def test_an_0o_octal_int_says_the_number_it_means(tmp_path):
    with pytest.raises(
        ConfigError,
        match=r"bootstrap_rounds: expected a whole number \(an 0o octal number is text to "
        r"YAML 1.1 and JSON: write 15 in decimal\), got '0o17'",
    ):
        _spec(tmp_path, "bootstrap_rounds: 1000", "bootstrap_rounds: 0o17")

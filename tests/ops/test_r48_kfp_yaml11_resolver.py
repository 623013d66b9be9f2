"""Round 48, kfp surface: one YAML 1.1-vs-1.2 scalar resolver (``ctloop.config.yaml11_reading``).

``ctloop.yaml`` (ops/spec.py ``_yaml11_only_number``) and the JSON a ``--param`` flow value is
suggested as (config.py ``_read_otherwise_in_yaml12``) each had their own reader of what PyYAML
(YAML 1.1) makes of a plain scalar that YAML 1.2's core schema (yaml.org/spec/1.2.2 §10.3.2) reads
otherwise. They disagreed: ``007`` and ``00`` are 7 and 0 to both YAML versions (``ctloop.yaml``
kept them), yet ``--param 'training.params={seed: 007}'`` got no JSON suggested. Now spec.py calls
the one resolver in config.py: it refuses what the resolver calls misread, and a suggestion is
withheld for any scalar read otherwise."""

from __future__ import annotations

import pytest
import yaml

import ctloop.ops.spec as spec
from ctloop import config as C
from ctloop.errors import ConfigError
from ctloop.ops.params import parse_pairs


def _scalar(text: str, loader: type = yaml.SafeLoader) -> yaml.ScalarNode:
    node = yaml.compose(f"[{text}]", Loader=loader)
    return node.value[0]


@pytest.mark.parametrize(
    ("text", "misread"),
    [
        ("1:30", True),
        ("-1:30", True),
        ("010", True),
        ("0_10", True),
        ("yes", False),
        ("Off", False),
        ("1_000", False),
        ("0b101", False),
        ("+0x1F", False),
        ("1e-3", False),  # text to PyYAML, a number to YAML 1.2
        ("0o17", False),
    ],
)
def test_a_scalar_read_otherwise_is_named_once(text, misread):
    reading = C.yaml11_reading(_scalar(text))
    assert reading is not None
    assert reading.misread is misread
    assert C.json_of_yaml(f"[{text}]") == ""


@pytest.mark.parametrize(
    "text", ["007", "00", "-0", "10", "0x1F", "1.5", "true", "FALSE", "null", "~", "north", "'010'"]
)
def test_a_scalar_both_read_alike_is_not_flagged(text):
    assert C.yaml11_reading(_scalar(text)) is None


@pytest.mark.parametrize(
    ("raw", "meant"), [("{seed: 007}", '{"seed": 7}'), ("[00, 010.5]", "[0, 10.5]")]
)
def test_a_value_both_yaml_versions_read_alike_gets_its_json(raw, meant):
    assert C.json_of_yaml(raw) == meant
    with pytest.raises(ConfigError, match="did you mean"):
        parse_pairs([f"training.params={raw}"])


def test_ctloop_yaml_refuses_exactly_what_the_resolver_calls_misread():
    loader = spec._unique_keys_loader()
    for text in ["1:30", "010", "1_000", "0b101", "yes", "007", "1e-3"]:
        reading = C.yaml11_reading(_scalar(text, loader))
        if reading is not None and reading.misread:
            with pytest.raises(spec._Yaml11Number):
                yaml.load(f"k: {text}\n", Loader=loader)  # noqa: S506 - a SafeLoader
        else:
            yaml.load(f"k: {text}\n", Loader=loader)  # noqa: S506 - a SafeLoader


def test_spec_has_no_reader_of_its_own():
    assert not hasattr(spec, "_yaml11_only_number")

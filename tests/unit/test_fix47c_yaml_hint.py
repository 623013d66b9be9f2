"""Fix 47c: the "did you mean" JSON of a YAML flow value is given only when YAML 1.2 reads it the same.

``--param gate.thresholds={roc_auc: 0.7}`` (ctloop.yaml's flow style, not JSON) gets the JSON it
means suggested. The suggestion was PyYAML's (YAML 1.1) reading: ``[yes, no]`` became
``[true, false]`` (a contract's allowed words), ``010`` became ``8`` and ``1:30`` became ``90`` —
what ctloop.yaml itself refuses or keeps as written. Such a value gets no suggestion (the generic
hint instead); one YAML 1.2 reads the same still gets it."""

from __future__ import annotations

import pytest

from ctloop.config import json_of_yaml
from ctloop.errors import ConfigError
from ctloop.ops.params import parse_pairs


@pytest.mark.parametrize(
    "raw",
    [
        "[yes, no]",
        "{gpu: yes}",
        "[On, off]",
        "{no: 1}",  # a key too: the column "no"
        "[010]",
        "{seed: 01234}",
        "[0b101]",
        "{rounds: 1:30}",
        "[1_000]",
        "{C: 1e-3}",  # a number in YAML 1.2, text in 1.1
    ],
)
def test_a_yaml_11_only_reading_gets_no_suggestion(raw):
    assert json_of_yaml(raw) == ""
    with pytest.raises(ConfigError, match="quote it for the shell"):
        parse_pairs([f"data.contract={raw}"])


@pytest.mark.parametrize(
    ("raw", "meant"),
    [
        (
            "{roc_auc: 0.7, gpu: true, n: 10, m: -3, z: 0}",
            '{"roc_auc": 0.7, "gpu": true, "n": 10, "m": -3, "z": 0}',
        ),
        ("[north, 'yes', \"010\", null, 1.5e+3]", '["north", "yes", "010", null, 1500.0]'),
        ("{x: 0x1F, f: False}", '{"x": 31, "f": false}'),
    ],
)
def test_a_yaml_12_reading_is_suggested(raw, meant):
    assert json_of_yaml(raw) == meant

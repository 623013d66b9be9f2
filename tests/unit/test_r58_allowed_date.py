"""Round 58's review of the hostile-input merge: ``allowed: [2024-01-01]`` (a date to YAML) was refused as "a list
of single values", though it is one: the refusal says it is a date to YAML and to quote it."""

from __future__ import annotations

import datetime as dt

import pytest

from ctloop.contract import DataContract
from ctloop.errors import ConfigError


@pytest.mark.parametrize(
    ("value", "text"),
    [(dt.date(2024, 1, 1), "2024-01-01")],  # a time: tests/unit/test_r58_fixmix_allowed_time.py
)
def test_a_date_in_allowed_is_told_to_be_quoted(value, text):
    with pytest.raises(ConfigError) as refused:
        DataContract.from_dict({"columns": {"d": {"allowed": ["x", value]}}})
    assert str(refused.value) == (
        f"contract.columns.d.allowed[1]: {text} is a date to YAML, not text: quote it ('{text}')"
    )
    # the advice followed: the text is taken
    assert DataContract.from_dict({"columns": {"d": {"allowed": ["x", text]}}}).rule(
        "d"
    ).allowed == (
        "x",
        text,
    )

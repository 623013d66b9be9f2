"""A five-field cron's suggested six-field fix was itself refused.

A classic (Vixie) five-field cron counts Sunday as 0 or 7; KFP 2.17's ScheduledWorkflow parses with
robfig/cron v1.2.0, whose day-of-week runs 0-6 (``spec.go`` ``dow`` bounds). ``0 3 * * 7`` was refused with
'Did you mean "0 0 3 * * 7"?', and that cron was refused in turn (day-of-week 7 out of range); a
five-field date that never comes (``0 3 31 2 *``) was answered with a six-field one that never comes either.
Now the fix writes Sunday as 0 (``5-7`` as ``5-6,0``) and says why, and a five-field cron that is refused
with seconds first too says so with that refusal instead of offering it."""

from __future__ import annotations

import re

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.cron import validate_cron


def _refusal(expr: str) -> str:
    with pytest.raises(ConfigError) as err:
        validate_cron(expr)
    message = str(err.value)
    assert "\n" not in message, message
    return message


@pytest.mark.parametrize(
    "expr, fix",
    [
        ("0 3 * * 7", "0 0 3 * * 0"),
        ("0 3 * * 5-7", "0 0 3 * * 5-6,0"),
        ("0 3 * * 1,7", "0 0 3 * * 1,0"),
        ("0 3 * * 6-7", "0 0 3 * * 6,0"),
    ],
)
def test_a_five_field_sunday_7_is_offered_as_0(expr, fix):
    message = _refusal(expr)
    assert f'Did you mean "{fix}"?' in message and "Sunday is 0 or SUN" in message, message
    assert validate_cron(fix) == fix


@pytest.mark.parametrize("expr", ["0 3 31 2 *", "0 3 * * 8"])
def test_a_five_field_cron_refused_with_seconds_too_offers_no_fix(expr):
    message = _refusal(expr)
    assert "has 5 fields" in message and "refused too" in message, message
    assert not re.search(r"Did you mean", message), message


def test_a_six_field_sunday_7_says_sunday_is_0():
    message = _refusal("0 0 3 * * 7")
    assert "out of range 0-6 (Sunday is 0 or SUN)" in message, message


def test_a_plain_five_field_cron_keeps_its_fix():
    assert 'Did you mean "0 30 4 * * 1"?' in _refusal("30 4 * * 1")
    assert "Sunday" not in _refusal("30 4 * * 1")

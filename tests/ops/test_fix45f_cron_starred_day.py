"""A day field written with a step from '*' ('*/2') was judged unrestricted by one check and starred by another.

robfig/cron v1.2.0 (KFP 2.17.0's ScheduledWorkflow) marks a field *starred* when any of its ranges starts with
'*' or '?' (``parser.go`` ``getRange``: ``lowAndHigh[0] == "*" || lowAndHigh[0] == "?"`` sets ``starBit``; v1.2.0
keeps it for '*/2', v3 drops it for a step > 1), and ``spec.go`` ``dayMatches`` then requires day-of-month
*and* day-of-week to match. ``describe`` read the fields so; the check that refuses a date that never comes
took only an exact '*' or '?' as starred, so ``0 0 3 31 2 */2`` (31 February, on even weekdays) passed as
"either field fires it" though it never runs, and was offered as the fix of the five-field ``0 3 31 2 */2``.
Both now use one test of a starred field."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.cron import describe, validate_cron


@pytest.mark.parametrize("expr", ["0 0 3 31 2 */2", "0 0 3 30 2 ?/3", "0 0 3 31 2 MON,*/2"])
def test_a_date_that_never_comes_with_a_starred_day_of_week_is_refused(expr):
    with pytest.raises(ConfigError, match="never runs"):
        validate_cron(expr)


def test_the_five_field_form_is_not_offered_a_fix_that_never_runs():
    with pytest.raises(ConfigError) as caught:
        validate_cron("0 3 31 2 */2")
    assert "Did you mean" not in str(caught.value) and "never runs" in str(caught.value), (
        caught.value
    )


@pytest.mark.parametrize(
    "expr, alike",
    [
        ("0 0 3 31 2 MON", True),  # neither starred: Mondays of February fire it
        ("0 0 3 */2 2 MON", False),  # starred day-of-month: odd days of February that are Mondays
        ("0 0 3 29 2 */2", False),  # 29 February, in a leap year, on an even weekday
    ],
)
def test_dates_that_come_are_taken_and_read_as_kfp_runs_them(expr, alike):
    assert ("alike" in describe(validate_cron(expr))) is alike, describe(expr)

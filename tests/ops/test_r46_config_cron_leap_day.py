"""A schedule on 29 February (``0 0 3 29 2 *``) is valid to KFP (robfig/cron v1.2.0 fires it in leap
years) and ctloop printed it as any other cron: nothing said it runs once in four years, where a
user writing "end of February, yearly" meant once a year. ``describe`` (printed by ``schedule`` and
``apply``) now says so, with the fix."""

from __future__ import annotations

import pytest

from ctloop.ops.cron import describe, validate_cron


@pytest.mark.parametrize("expr", ["0 0 3 29 2 *", "0 0 3 29 FEB ?", "0 30 1 29 2 */2"])
def test_a_leap_day_only_schedule_says_once_in_four_years(expr):
    said = describe(validate_cron(expr))
    assert "only on 29 February, which comes once in four years" in said and "e.g. 28" in said, said


@pytest.mark.parametrize(
    "expr",
    [
        "0 0 3 28,29 2 *",
        "0 0 3 29 1-2 *",
        "0 0 3 29 2 MON",
        "0 0 3 * 2 *",
        "0 0 3 29 * *",
        "0 0 3 * * *",
    ],
)
def test_other_schedules_say_nothing_of_it(expr):
    assert "29 February" not in describe(validate_cron(expr))

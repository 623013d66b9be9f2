"""A schedule restricting both day-of-month and day-of-week was read back without a word of how KFP runs it.

robfig/cron v1.2.0 (KFP 2.17's ScheduledWorkflow; ``spec.go`` ``dayMatches``) fires when *either* field
matches once both are restricted, as Vixie cron does: ``0 0 3 1-7 * MON``, written for "the first Monday",
runs on days 1-7 and on every Monday (about eleven runs a month). KFP takes it, so ctloop does too, but the
reading `ctloop schedule` and `ctloop apply` print now says so; one restricted field reads as before."""

from __future__ import annotations

from ctloop.ops.cron import describe, validate_cron


def test_both_day_fields_say_either_matches():
    text = describe(validate_cron("0 0 3 1-7 * MON"))
    assert "day-of-month 1-7 and on day-of-week MON alike" in text and "UTC" in text, text


def test_one_day_field_says_nothing_of_either():
    for expr in (
        "0 0 3 1 * *",
        "0 0 3 * * MON",
        "0 0 3 1 * ?",
        "0 0 3 ? * MON",
        "0 0 3 1 * */2",
        "0 0 3 1,*/3 * MON",
    ):
        assert "alike" not in describe(validate_cron(expr)), expr

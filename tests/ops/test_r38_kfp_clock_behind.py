"""Review F1 of round 38: ``_rank`` orders schedules by KFP's ``created_at`` before the apply
generation (so an older ctloop's schedule made after a marked one still wins). An API server whose
clock is behind (a replica, an NTP step back) dates a new schedule before the one it replaces:
every apply then keeps the old spec and retires the new one, and the apply said ``superseded`` as if
another apply's newer spec had won. It now says what happened, in one line, and how to fix it."""

from __future__ import annotations

import datetime as dt
import types

import pytest

from ctloop.errors import PlatformError
from ctloop.ops import platform as P

T0 = dt.datetime(2026, 12, 5, 9, 0, 5, tzinfo=dt.UTC)


def _schedule(rid: str, spec: str, generation: int, created: dt.datetime):
    return types.SimpleNamespace(recurring_run_id=rid, created_at=created, status="ENABLED",
                                 description=f"ctloop schedule x; {P.SPEC_MARK}{spec}; {P.GENERATION_MARK}{generation}")


def _platform(runs):
    platform = P.Platform.__new__(P.Platform)
    platform.recurring_runs = lambda experiment, job: list(runs)
    platform._retire = lambda experiment, others, dry_run: ([o.recurring_run_id for o in others], [])
    return platform


def test_a_new_schedule_dated_before_the_one_it_replaces_is_said():
    old = _schedule("old", "AAA", 1, T0)
    mine = _schedule("mine", "BBB", 2, T0 - dt.timedelta(seconds=3))  # the API server 3 s behind
    with pytest.raises(PlatformError, match="clock is behind") as err:
        P.Platform._converge(_platform([old, mine]), "e", "x", mine, f"{P.SPEC_MARK}BBB", "replaced",
                             listed={"old"})
    assert "\n" not in str(err.value) and "old" in str(err.value)


def test_another_applys_newer_spec_is_still_superseded():
    mine = _schedule("mine", "BBB", 2, T0)
    theirs = _schedule("theirs", "CCC", 2, T0 + dt.timedelta(seconds=1))  # listed the same state, created later
    result = P.Platform._converge(_platform([mine, theirs]), "e", "x", mine, f"{P.SPEC_MARK}BBB", "replaced")
    assert result.action == "superseded" and result.recurring_run_id == "theirs"


def test_a_slower_apply_that_wrote_last_is_superseded_not_a_clock_error():
    """review G: B listed [old g1] and created g2 slowly; A2 listed [g2 of A], created g3 at t+1;
    B's g2 landed at t+2 and outranks it. A2 never listed B's schedule: superseded, no clock error."""
    mine = _schedule("a2", "BBB", 3, T0 + dt.timedelta(seconds=1))
    theirs = _schedule("b", "CCC", 2, T0 + dt.timedelta(seconds=2))
    result = P.Platform._converge(_platform([mine, theirs]), "e", "x", mine, f"{P.SPEC_MARK}BBB", "replaced",
                                  listed={"a"})
    assert result.action == "superseded" and result.recurring_run_id == "b"

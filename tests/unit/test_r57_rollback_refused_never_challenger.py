"""A version whose failed deploy's rollback was refused (``ctloop.rollout.status=rollback_refused``,
round 57) is never pointed at by the challenger alias, like a rolled-back one: a retried register task
or a repair of its run handed the alias back to a deploy that failed (review of round 57)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ctloop.registry import (
    ROLLBACK_REFUSED,
    TAG_GATE_DECISION,
    TAG_REGISTRATION_ID,
    TAG_ROLLOUT_STATUS,
    _never_challenger,
)


def version(number: str, status: str | None) -> SimpleNamespace:
    tags = {TAG_REGISTRATION_ID: f"r{number}", TAG_GATE_DECISION: "pass"}
    if status:
        tags[TAG_ROLLOUT_STATUS] = status
    return SimpleNamespace(version=number, status="READY", tags=tags, aliases=[])


@pytest.mark.parametrize("status", ["rolled_back", "rollback_held", ROLLBACK_REFUSED])
def test_a_version_whose_rollout_ended_in_a_rollback_state_is_never_challenger(status):
    assert _never_challenger([version("2", status), version("3", None)], champion="1") == {"2"}


def test_a_deployed_version_stays_eligible():
    assert _never_challenger([version("2", "deployed")], champion="1") == set()

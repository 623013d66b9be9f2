"""What makes a retried register task's version "decided since" its earlier attempt
(``ctloop.registry._decided_since``): then ``register`` redoes nothing to it (round 54 review H6: a KFP
"Retry run" re-pointed challenger and pending-approval at a version promoted since). The integration test
with a real MLflow server: tests/integration/test_r54_register_retried_task.py."""

from __future__ import annotations

import pytest

from ctloop.registry import ModelVersion, _decided_since


def _mv(tags=None, aliases=()):
    return ModelVersion(
        name="credit", version="1", run_id="", source="", tags=tags or {}, aliases=aliases
    )


@pytest.mark.parametrize(
    "tags, aliases, decided",
    [
        ({}, (), ""),  # attempt 1 failed before any tag
        ({"ctloop.last_event": "register"}, ("challenger",), ""),
        (
            {"ctloop.last_event": "approval_requested", "ctloop.approval": "pending"},
            ("pending-approval",),
            "",
        ),
        (
            {"ctloop.last_event": "approved", "ctloop.approval": "approved"},
            ("pending-approval",),
            "approved",
        ),
        ({"ctloop.approval": "rejected", "ctloop.last_event": "rejected"}, (), "rejected"),
        (
            {"ctloop.last_event": "promote"},
            ("champion", "challenger"),
            "champion, last event promote",
        ),
        (
            {"ctloop.last_event": "promote"},
            ("previous-champion",),
            "previous-champion, last event promote",
        ),
        ({"ctloop.was_champion": "true", "ctloop.last_event": "register"}, (), "was champion"),
        (
            {"ctloop.rollout.status": "rolled_back", "ctloop.last_event": "register"},
            (),
            "rolled back",
        ),
        ({"ctloop.last_event": "rollout_started"}, ("challenger",), "last event rollout_started"),
    ],
)
def test_a_version_is_decided_since_by_any_later_decision(tags, aliases, decided):
    assert _decided_since(_mv(tags, aliases)) == decided

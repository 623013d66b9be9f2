"""Review of round 56's registry fix2 (fixH4c): a registry promoted before round 56 is fine after the upgrade (the
previous champion untagged ``ctloop.was_champion``); the serving-validation tag alone decides lifting in the alias
rule (no audit read in a register); an old ``true`` champion tag that no promotion record can confirm (no audit
experiment) counts and is said, not silently dropped. MLflow is real (the ``registered`` sqlite store)."""

from __future__ import annotations

from ctloop.registry import TAG_WAS_CHAMPION
from tests.fixtures.rollout_store import MODEL, registered

__all__ = ["registered"]


def test_a_registry_promoted_before_round_56_is_consistent_after_the_upgrade(registered):
    """Before round 56 a promotion tagged the new champion ``was_champion=true`` and the previous one (a first
    champion set by hand) not at all. Was: ``incomplete == ['v1 tags ctloop.was_champion']``, ``registry status``
    exit 1, and the next register "repaired" it."""
    _, reg = registered
    reg.promote(MODEL, "2", reason="v2 better")
    reg.client.set_model_version_tag(MODEL, "2", TAG_WAS_CHAMPION, "true")
    reg.client.delete_model_version_tag(MODEL, "1", TAG_WAS_CHAMPION)
    state = reg.inspect(MODEL)
    assert state.incomplete == [], state.incomplete
    assert state.consistent

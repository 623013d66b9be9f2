"""Review of round 56's registry fix2 (fixH4c): a registry promoted before round 56 is fine after the upgrade (the
previous champion untagged ``ctloop.was_champion``); the serving-validation tag alone decides lifting in the alias
rule (no audit read in a register); an old ``true`` champion tag that no promotion record can confirm (no audit
experiment) counts and is said, not silently dropped. MLflow is real (the ``registered`` sqlite store)."""

from __future__ import annotations

from ctloop.registry import TAG_WAS_CHAMPION
from tests.fixtures.rollout_store import MODEL, registered
from tests.serving.test_r56_registry_fix2 import _Counting

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


def test_the_alias_rule_reads_no_audit_record_while_a_version_is_tagged_failed(registered):
    """The tag alone decides: a pass of the same pipeline run writes ``passed`` itself (its record only after the
    tag), so a failing tag is never lifted by a record (was: one audit search per failed version on every register)."""
    _, reg = registered
    reg.record_serving_validation(MODEL, "2", valid=False, reason="oom", pipeline_run="run-1")
    counting = _Counting(reg.client._client)
    reg.client._client = counting
    assert reg._point_challenger(MODEL, 2) is False
    assert counting.calls["search_runs"] == 0, counting.calls

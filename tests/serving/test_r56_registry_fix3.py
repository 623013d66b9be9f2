"""Review of round 56's registry fix2 (fixH4c): a registry promoted before round 56 is fine after the upgrade (the
previous champion untagged ``ctloop.was_champion``); the serving-validation tag alone decides lifting in the alias
rule (no audit read in a register); an old ``true`` champion tag that no promotion record can confirm (no audit
experiment) counts and is said, not silently dropped. MLflow is real (the ``registered`` sqlite store)."""

from __future__ import annotations

import logging

from ctloop.registry import AUDIT_EXPERIMENT_SUFFIX, TAG_WAS_CHAMPION
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


def test_a_legacy_champion_tag_without_audit_records_is_warned(registered, caplog):
    """No audit experiment (removed or renamed): a version tagged ``was_champion=true`` cannot be confirmed. Was:
    silently not counted; now it counts (the stricter rule) and one warning line says so."""
    _, reg = registered
    reg.client.set_model_version_tag(MODEL, "2", TAG_WAS_CHAMPION, "true")
    exp = reg.client.get_experiment_by_name(MODEL + AUDIT_EXPERIMENT_SUFFIX)
    reg.client.rename_experiment(exp.experiment_id, "renamed-audit")
    with caplog.at_level(logging.WARNING, "ctloop.registry"):
        ever = reg._alias_champions(MODEL, reg._search_versions(MODEL), "1", 2)
    assert ever == {"1", "2"}, ever
    assert f"v2, tagged {TAG_WAS_CHAMPION}=true" in caplog.text, caplog.text


def test_a_newer_previous_champion_without_the_tag_is_still_flagged(registered):
    """The exemption above is for an older previous champion (the alias rule's older() excludes it anyway). A newer
    one (v2 set by hand, then a promotion back to v1 before round 56) left untagged would read consistent while the
    alias rule, reading tags only, hands it challenger (review r23): flagged, and repair writes the tag."""
    _, reg = registered
    reg.set_alias(MODEL, "champion", "2")
    reg.promote(MODEL, "1", reason="back to v1")
    reg.client.set_model_version_tag(MODEL, "1", TAG_WAS_CHAMPION, "true")
    reg.client.delete_model_version_tag(MODEL, "2", TAG_WAS_CHAMPION)
    assert reg.inspect(MODEL).incomplete == [f"v2 tags {TAG_WAS_CHAMPION}"]

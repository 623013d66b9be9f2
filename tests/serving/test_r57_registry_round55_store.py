"""A store promoted by ctloop before round 56 gives the challenger rule's "never older than a champion" decision the
same history written now gives (round 57). Round 55 (3b380e29 ``src/ctloop/registry.py``, ``Promotion.champion_tags``
and ``superseded_tags``) tagged a promoted version ``ctloop.was_champion=true`` and left the champion it replaced
untagged; its promotion records are the ones written now (the same ``ctloop.audit.*`` tags: compared with a store
that 3b380e29's own code wrote, v1 promoted, v3 set champion by hand, v1 promoted back, v2 promoted). Was: a champion
set by hand and replaced by such a promotion of an older version was never champion to the alias rule (it reads the
tags; the records only for a ``true`` at or above the write), so v3 kept or got alias ``challenger`` where a store
written now refuses it. MLflow is real (the ``registered`` sqlite store)."""

from __future__ import annotations

from ctloop.registry import (
    CHALLENGER,
    CHAMPION,
    TAG_GATE_DECISION,
    TAG_WAS_CHAMPION,
    _never_challenger,
)
from tests.fixtures.rollout_store import MODEL, register_from_v2, registered

__all__ = ["registered"]


def promote_as_round_55(reg, version: str, reason: str) -> None:
    """``promote``, then the version tags as round 55's promotion left them: ``true`` on the new champion, every other
    version's ``was_champion`` as it was before (3b380e29 ``superseded_tags``: until and superseded_by only; its
    settle step completed an earlier promotion with ``champion_tags`` alone)."""
    before = {mv.version: mv.tags.get(TAG_WAS_CHAMPION) for mv in reg.versions(MODEL)}
    reg.promote(MODEL, version, reason=reason)
    for other, kept in before.items():
        if other == version:
            reg.client.set_model_version_tag(MODEL, version, TAG_WAS_CHAMPION, "true")
        elif kept is None:
            reg.client.delete_model_version_tag(MODEL, other, TAG_WAS_CHAMPION)
        else:
            reg.client.set_model_version_tag(MODEL, other, TAG_WAS_CHAMPION, kept)


def test_a_round_55_store_passes_over_what_a_store_written_now_passes_over(registered):
    _, reg = registered
    reg.client.set_model_version_tag(
        MODEL, "1", TAG_WAS_CHAMPION, "true"
    )  # the fixture's v1, as round 55 promoted it
    assert (
        register_from_v2(reg, tags={TAG_GATE_DECISION: "approved"}, registration_id="3" * 32) == "3"
    )
    reg.client.set_registered_model_alias(
        MODEL, CHAMPION, "3"
    )  # by hand (the MLflow UI): v3 stays challenger too
    promote_as_round_55(reg, "1", "v3 misbehaves: back to v1")
    promote_as_round_55(reg, "2", "v2 (ctloop rollout promote)")
    assert {mv.version: mv.tags.get(TAG_WAS_CHAMPION) for mv in reg.versions(MODEL)} == {
        "1": "true", "2": "true", "3": None}  # fmt: skip  # as 3b380e29's code left its store
    assert reg.inspect(
        MODEL
    ).consistent  # nothing to repair: the last promotion (v2 over v1) is complete

    found, aliases = reg._search_versions(MODEL), reg.aliases(MODEL)
    old = {m: reg._alias_champions(MODEL, found, aliases[CHAMPION], m) for m in (1, 2, 3)}
    assert old == dict.fromkeys((1, 2, 3), {"1", "2", "3"}), (
        old
    )  # was {"2"} at 2 and 3: v3 forgotten
    # the same history written now: each champion tagged with the model's name
    for version in ("1", "2", "3"):
        reg.client.set_model_version_tag(MODEL, version, TAG_WAS_CHAMPION, MODEL)
    found = reg._search_versions(MODEL)
    for mine in (1, 2, 3):
        now = reg._alias_champions(MODEL, found, aliases[CHAMPION], mine)
        assert _never_challenger(found, aliases[CHAMPION], now) == _never_challenger(
            found, aliases[CHAMPION], old[mine]
        )
    # back to round 55's tags: a retried register of v3 (or its passing serving validation) takes the alias off it
    for version, tag in (("1", "true"), ("2", "true")):
        reg.client.set_model_version_tag(MODEL, version, TAG_WAS_CHAMPION, tag)
    reg.client.delete_model_version_tag(MODEL, "3", TAG_WAS_CHAMPION)
    assert reg._point_challenger(MODEL, 3) is False
    assert CHALLENGER not in reg.aliases(MODEL)

"""A store promoted by ctloop before round 56 gives the challenger rule's "never older than a champion" decision the
same history written now gives (round 57), reads the promotion records once per alias write, and stops reading them
once a promotion or ``registry repair`` rewrote its tags (round 57, second fix). Round 55 (3b380e29
``src/ctloop/registry.py``, ``Promotion.champion_tags`` and ``superseded_tags``) tagged a promoted version
``ctloop.was_champion=true`` and left the champion it replaced untagged; its promotion records are the ones written
now (the same ``ctloop.audit.*`` tags: compared with a store that 3b380e29's own code wrote, v1 promoted, v3 set
champion by hand, v1 promoted back, v2 promoted). Was: a champion set by hand and replaced by such a promotion of an
older version was never champion to the alias rule (it reads the tags; the records only for a ``true`` at or above
the write), so v3 kept or got alias ``challenger`` where a store written now refuses it; then (round 57 review,
measured on 2e56ff1d) nothing cleared a ``true`` tag, so every register read every promotion record up to three
times, forever, and records unreadable with only older ``true`` tags decided the alias without a word.

The first steps also build the state of a champion set by hand while challenger (v3) and replaced by a promotion:
the promotion takes ``challenger`` off it (2e56ff1d; was: left there, ``registry status`` consistent, and ``ctloop
score --alias challenger`` scored the model just replaced), and a store left so, or with the alias on a champion
further back, is flagged and repaired. MLflow is
real (the ``registered`` sqlite store)."""

from __future__ import annotations

import logging

from ctloop import registry as registry_module
from ctloop.registry import (
    AUDIT_EXPERIMENT_SUFFIX,
    CHALLENGER,
    CHAMPION,
    PREVIOUS_CHAMPION,
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


def audit_reads(monkeypatch) -> list[str]:
    """The audit searches made from now on (``MlflowRegistry._search_audit``, every read of promotion records), by
    filter; the real search still runs."""
    reads: list[str] = []
    real = registry_module.MlflowRegistry._search_audit

    def counted(self, name, filter_string="", *args, **kwargs):
        reads.append(filter_string)
        return real(self, name, filter_string, *args, **kwargs)

    monkeypatch.setattr(registry_module.MlflowRegistry, "_search_audit", counted)
    return reads


def was_champion(reg) -> dict[str, str | None]:
    return {mv.version: mv.tags.get(TAG_WAS_CHAMPION) for mv in reg.versions(MODEL)}


def test_a_round_55_store_passes_over_what_a_store_written_now_passes_over(
    registered, monkeypatch, caplog
):
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
    assert reg.aliases(MODEL) == {CHAMPION: "1", PREVIOUS_CHAMPION: "3"}  # challenger taken off v3
    promote_as_round_55(reg, "2", "v2 (ctloop rollout promote)")
    assert was_champion(reg) == {
        "1": "true",
        "2": "true",
        "3": None,
    }  # as 3b380e29's code left its store
    assert reg.inspect(
        MODEL
    ).consistent  # nothing to repair: the last promotion (v2 over v1) is complete

    found, aliases = reg._search_versions(MODEL), reg.aliases(MODEL)
    old = reg._alias_champions(MODEL, found, aliases[CHAMPION], 3)
    assert old == {"1", "2", "3"}, old  # was {"2"}: v3 forgotten
    # a retried register of v3 (or its passing serving validation): the alias stays off it, the records read once
    reads = audit_reads(monkeypatch)
    assert reg._point_challenger(MODEL, 3) is False
    assert CHALLENGER not in reg.aliases(MODEL)
    assert len(reads) == 1, (
        reads
    )  # once per call (a memo: a call of several passes read them once per pass)
    # the same history written now (each champion tagged with the model's name) decides the same
    for version in ("1", "2", "3"):
        reg.client.set_model_version_tag(MODEL, version, TAG_WAS_CHAMPION, MODEL)
    now_found = reg._search_versions(MODEL)
    now = reg._alias_champions(MODEL, now_found, aliases[CHAMPION], 3)
    assert _never_challenger(now_found, aliases[CHAMPION], now) == _never_challenger(
        found, aliases[CHAMPION], old
    )

    # back to round 55's tags, and a copy of v2 whose "true" no record confirms (from another round-55 store)
    for version, tag in (("1", "true"), ("2", "true")):
        reg.client.set_model_version_tag(MODEL, version, TAG_WAS_CHAMPION, tag)
    reg.client.delete_model_version_tag(MODEL, "3", TAG_WAS_CHAMPION)
    reg.client.copy_model_version(f"models:/{MODEL}/2", MODEL)  # v4
    reg.client.set_model_version_tag(MODEL, "4", TAG_WAS_CHAMPION, "true")
    # repair of this consistent store rewrites the tags once, under the lock (was: nothing, so every alias write
    # read the records, forever)
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        assert reg.repair(MODEL) == [
            f"v1 tag {TAG_WAS_CHAMPION}: true -> {MODEL} (a promotion record names it champion)",
            f"v2 tag {TAG_WAS_CHAMPION}: true -> {MODEL} (a promotion record names it champion)",
            f"v3 tag {TAG_WAS_CHAMPION}: unset -> {MODEL} (a promotion record names it champion)",
            f"v4 tag {TAG_WAS_CHAMPION}=true removed (no promotion record of this model names it champion: a copy's, "
            f"of models:/{MODEL}/2)",
        ]
    assert caplog.records == []  # shown by repair (a promotion's settle says it in a warning line)
    assert was_champion(reg) == {"1": MODEL, "2": MODEL, "3": MODEL, "4": None}
    del reads[:]
    assert (
        reg._point_challenger(MODEL, 3) is True
    )  # v4 (never champion, gated as v2 was) is challenger
    assert reads == []  # no audit read after the migration (was 1 and more per register)
    assert reg.repair(MODEL) == []

    # a store left with challenger on the champion a promotion replaced (as before 2e56ff1d): flagged, repaired
    reg.client.set_registered_model_alias(MODEL, CHALLENGER, "1")
    state = reg.inspect(MODEL)
    assert state.incomplete == [f"alias {CHALLENGER} names the previous champion v1"], (
        state.incomplete
    )
    assert reg.repair(MODEL) == [  # given back to the newest that may hold it
        f"promotion {state.promotion.id}: alias {CHALLENGER}: removed from v1; a newer version, v4, is challenger"
    ]
    # and on one two promotions back (v3): the same rule (was: consistent, left there)
    reg.client.set_registered_model_alias(MODEL, CHALLENGER, "3")
    assert reg.inspect(MODEL).incomplete == [f"alias {CHALLENGER} names v3, a champion before"]
    assert reg.repair(MODEL) == [
        f"promotion {state.promotion.id}: alias {CHALLENGER}: removed from v3; a newer version, v4, is challenger"
    ]
    # the same with v3 still tagged as round 55 left it: one repair (round 57 review: the settle inspected before it
    # rewrote the tag, so the first repair only rewrote it and the second took the alias off)
    reg.client.set_model_version_tag(MODEL, "3", TAG_WAS_CHAMPION, "true")
    reg.client.set_registered_model_alias(MODEL, CHALLENGER, "3")
    assert reg.repair(MODEL) == [
        f"v3 tag {TAG_WAS_CHAMPION}: true -> {MODEL} (a promotion record names it champion)",
        f"promotion {state.promotion.id}: alias {CHALLENGER}: removed from v3; a newer version, v4, is challenger",
    ]
    assert reg.repair(MODEL) == []

    # records unreadable (the audit experiment removed) with a "true" tag older than the write: one warning that a
    # champion set by hand before round 56 cannot be known (was: silent, only newer "true" tags were warned of)
    reg.client.set_model_version_tag(MODEL, "1", TAG_WAS_CHAMPION, "true")
    reg.client.delete_experiment(
        reg.client.get_experiment_by_name(MODEL + AUDIT_EXPERIMENT_SUFFIX).experiment_id
    )
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        reg._alias_champions(MODEL, reg._search_versions(MODEL), "2", 3)
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "a champion set by hand before round 56 cannot be known" in warning, warning

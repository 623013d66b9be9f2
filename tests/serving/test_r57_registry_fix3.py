"""Round 57's third review of the legacy-tag migration (``_migrate_legacy_champions``, ``_legacy_versions``), each
case failing on main (cce72848):

1. a ``ctloop.was_champion=true`` tag that readable promotion records do not confirm, on a version that is no copy,
   was kept as ``true``: every repair of a consistent store took the lock and said the same note again, every
   promotion logged the same warning, and every register read the audit records (``_alias_champions``). Now it is
   rewritten once to ``unconfirmed`` (counted by neither ``_champion_tagged`` nor ``_legacy_versions``), said once;
   records unreadable, it stays ``true``.
2. a registry server that rejects ``tags.`` filters in ``search_model_versions`` made ``_legacy_versions`` raise,
   blocking every promotion and repair; now it lists every version and filters here.
3. a failed tag write in a repair's migration was a log line only; now a note in repair's output too.

MLflow is real (the ``registered`` sqlite store: v1 champion, v2); refused calls are fault injections on the client."""

from __future__ import annotations

import logging

from mlflow.exceptions import MlflowException

from ctloop.registry import (
    AUDIT_EXPERIMENT_SUFFIX,
    NOTE_PREFIX,
    TAG_WAS_CHAMPION,
    UNCONFIRMED_WAS_CHAMPION,
    MlflowRegistry,
)
from tests.fixtures.rollout_store import MODEL, registered
from tests.serving.test_r57_registry_round55_store import audit_reads, was_champion

__all__ = ["registered"]


def test_an_unconfirmed_true_tag_is_rewritten_once_and_then_read_by_nobody(
    registered, monkeypatch, caplog
):
    _, reg = registered
    # v2 tagged "true" by a round-55 store but no promotion record names it (never promoted here), and no copy
    reg.client.set_model_version_tag(MODEL, "2", TAG_WAS_CHAMPION, "true")
    line = (
        f"v2 tag {TAG_WAS_CHAMPION}: true -> {UNCONFIRMED_WAS_CHAMPION} (no readable promotion record of this "
        "model names it champion"
    )
    done = reg.repair(MODEL)
    # was: a note, and the tag kept "true"
    assert len(done) == 1 and done[0].startswith(line), done
    assert was_champion(reg)["2"] == UNCONFIRMED_WAS_CHAMPION
    assert reg.repair(MODEL) == []  # was: the same note on every repair
    reads = audit_reads(monkeypatch)
    assert reg._alias_champions(MODEL, reg._search_versions(MODEL), "1", 3) == {"1"}
    assert reads == []  # was: the audit records read on every register
    # nor a warning from a promotion's settle (the same migration, its lines logged): was, on every promotion
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        assert reg._migrate_legacy_champions(MODEL) == []
    assert caplog.text == ""


def test_an_unconfirmed_true_tag_stays_when_the_records_cannot_be_read(registered):
    _, reg = registered
    reg.client.set_model_version_tag(MODEL, "2", TAG_WAS_CHAMPION, "true")
    reg.client.delete_experiment(
        reg.client.get_experiment_by_name(MODEL + AUDIT_EXPERIMENT_SUFFIX).experiment_id
    )
    # (repair itself refuses a deleted audit experiment: the migration alone)
    assert reg._migrate_legacy_champions(MODEL, shown=True) == []
    assert was_champion(reg)["2"] == "true"


def test_a_server_refusing_tag_filters_does_not_block_promotion_or_repair(registered, monkeypatch):
    _, reg = registered
    # as round 55 promoted v1
    reg.client.set_model_version_tag(MODEL, "1", TAG_WAS_CHAMPION, "true")
    real = reg.client.search_model_versions
    refused = []

    # fault injection: a server that rejects tags. filters
    def no_tag_filters(filter_string=None, *args, **kwargs):
        if "tags." in (filter_string or ""):
            refused.append(filter_string)
            raise MlflowException(  # the shape of mlflow 3.17.2 utils/search_utils.py's refusal
                "INVALID_PARAMETER_VALUE: Invalid entity type 'tags'"
            )
        return real(filter_string, *args, **kwargs)

    monkeypatch.setattr(reg.client, "search_model_versions", no_tag_filters)
    # was: RegistryError
    assert [str(mv.version) for mv in reg._legacy_versions(MODEL)] == ["1"]
    assert reg.repair(MODEL) == [
        f"v1 tag {TAG_WAS_CHAMPION}: true -> {MODEL} (a promotion record names it champion)"
    ]
    assert refused and was_champion(reg) == {"1": MODEL, "2": None}
    assert reg.repair(MODEL) == []  # (a promotion settles through the same migration)


def test_a_failed_tag_write_under_repair_is_a_note(registered, monkeypatch):
    _, reg = registered
    reg.client.set_model_version_tag(MODEL, "1", TAG_WAS_CHAMPION, "true")

    def refused(*args, **kwargs):  # fault injection: the server answers 503
        raise MlflowException("RESOURCE_EXHAUSTED: try again")

    monkeypatch.setattr(reg.client, "set_model_version_tag", refused)
    (note,) = reg.repair(MODEL)  # was: [] (a log line only)
    assert note.startswith(f"{NOTE_PREFIX}cannot rewrite the {TAG_WAS_CHAMPION} tag of v1 ("), note
    assert "RESOURCE_EXHAUSTED" in note and "tries again" in note, note
    assert was_champion(reg)["1"] == "true"


def test_the_template_leaves_no_released_lock_to_sweep(registered):
    """The store every test copies holds no promotion lock: a repair or promotion sweeps a released one with a line
    once its lease (300 s) has ended, so a test of exact lines copying the template late in a long run saw one more
    (round 58's full run: three tests above failed; alone they passed)."""
    uri, _ = registered
    assert MlflowRegistry(uri).broken_locks(MODEL) == []

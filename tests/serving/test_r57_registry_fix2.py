"""Round 57's review of the merged legacy-tag migration (97c9c1df..a691acd3, ``_migrate_legacy_champions``), each
case failing on main (a691acd3):

1. a ``ctloop.was_champion=true`` tag no readable promotion record confirms was deleted as "a copy's" without a
   look at the version: a promotion run in MLflow's trash (restorable) lost its version's only other history for
   good. Now only a provable copy loses it: MLflow's ``copy_model_version`` makes the copy with
   ``source=f"models:/{src_mv.name}/{src_mv.version}"`` (mlflow 3.17.2 ``store/model_registry/abstract_store.py``,
   the installed release).
2. a failed tag write there stopped the promotion before its intent with "cannot rewrite the ctloop.was_champion
   tags", which did not say the promotion never happened; now a warning, and the promotion goes on.
3. (a challenger on a former champion still tagged ``true`` took two repairs: tests/serving/
   test_r57_registry_round55_store.py)
4. the legacy tags are found by the server (``tags.`ctloop.was_champion`='true'``), not by listing every version
   on every settle.

MLflow is real (the ``registered`` sqlite store: v1 champion, v2)."""

from __future__ import annotations

import logging

import pytest
from mlflow.exceptions import MlflowException

from ctloop.registry import (
    AUDIT_EXPERIMENT_SUFFIX,
    CHAMPION,
    TAG_WAS_CHAMPION,
)
from tests.fixtures.rollout_store import MODEL, registered
from tests.serving.test_r57_registry_round55_store import was_champion

__all__ = ["registered"]


def test_a_true_tag_whose_record_is_in_the_trash_is_kept_a_copys_is_removed(registered, caplog):
    _, reg = registered
    reg.client.set_model_version_tag(
        MODEL, "1", TAG_WAS_CHAMPION, "true"
    )  # as round 55 promoted v1
    exp = reg.client.get_experiment_by_name(MODEL + AUDIT_EXPERIMENT_SUFFIX).experiment_id
    runs = [
        r.info.run_id
        for r in reg.client.search_runs([exp])
        if r.data.tags.get("ctloop.audit.version") == "1"
    ]
    assert runs
    for run in runs:
        reg.client.delete_run(run)  # its promotion record to MLflow's trash: restorable
    reg.client.set_registered_model_alias(MODEL, CHAMPION, "2")  # by hand (the MLflow UI)
    copy = reg.client.copy_model_version(f"models:/{MODEL}/1", MODEL)  # v3, with v1's tags ("true")
    assert (copy.version, copy.source, copy.tags[TAG_WAS_CHAMPION]) == (
        3,
        f"models:/{MODEL}/1",
        "true",
    )
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        done = reg.repair(MODEL)
    assert (
        f"v3 tag {TAG_WAS_CHAMPION}=true removed (no promotion record of this model names it champion: a copy's, "
        f"of models:/{MODEL}/1)" in done
    ), done
    (kept,) = [d for d in done if d.startswith("v1 ")]
    assert "-> unconfirmed" in kept and "trash" in kept, kept  # round 57's third fix: kept, under a value unread
    assert was_champion(reg) == {"1": "unconfirmed", "2": MODEL, "3": None}  # v1's was: removed, for good


def test_a_failed_tag_write_in_the_migration_does_not_stop_the_promotion(
    registered, monkeypatch, caplog
):
    _, reg = registered
    reg.client.set_model_version_tag(
        MODEL, "1", TAG_WAS_CHAMPION, "true"
    )  # as round 55 promoted v1
    real = reg.client.set_model_version_tag
    failed = []

    def flaky(
        name, version, key, value
    ):  # one write refused (the server answers 503 once): a fault double
        if key == TAG_WAS_CHAMPION and not failed:
            failed.append(version)
            raise MlflowException("RESOURCE_EXHAUSTED: try again")
        return real(name, version, key, value)

    monkeypatch.setattr(reg.client, "set_model_version_tag", flaky)
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        reg.promote(
            MODEL, "2", reason="v2 (a promotion after the upgrade)"
        )  # was: RegistryError, no intent
    assert failed == ["1"]
    assert reg.aliases(MODEL)[CHAMPION] == "2"
    assert f"cannot rewrite the {TAG_WAS_CHAMPION} tag of v1 of {MODEL}" in caplog.text
    assert reg.inspect(MODEL).consistent
    # v2's tag written; v1's "true", which the migration failed to rewrite, was rewritten by the promotion itself
    # (v1 is the champion it replaced: Promotion.superseded_tags); a refused write left for the next settle:
    # tests/serving/test_r57_registry_fix3.py
    assert was_champion(reg) == {"1": MODEL, "2": MODEL}


@pytest.mark.parametrize("tagged", [False, True])
def test_the_legacy_tags_are_found_by_the_server(registered, monkeypatch, tagged):
    _, reg = registered
    if tagged:
        reg.client.set_model_version_tag(MODEL, "2", TAG_WAS_CHAMPION, "true")
    filters = []
    real = reg.client.search_model_versions

    def seen(filter_string=None, *args, **kwargs):  # the real search, its filter recorded
        filters.append(filter_string)
        return real(filter_string, *args, **kwargs)

    monkeypatch.setattr(reg.client, "search_model_versions", seen)
    assert [str(mv.version) for mv in reg._legacy_versions(MODEL)] == (["2"] if tagged else [])
    assert filters == [f"name='{MODEL}' AND tags.`{TAG_WAS_CHAMPION}`='true'"]
    filters.clear()
    assert reg._migrate_legacy_champions(MODEL) == [] or tagged
    if not tagged:
        assert len(filters) == 1  # no listing of every version (was: one on every settle)

"""A legacy ``ctloop.was_champion=true`` tag rewritten to ``unconfirmed`` (round 57: no readable promotion record names
the version champion, and it is no copy) because its promotion record was in MLflow's trash is checked again once
that run is restored (``mlflow runs restore``, the client's ``restore_run``). Was (main 4f1e0ea7): the tag stayed
``unconfirmed`` for good: ``registry status`` read "consistent", ``registry repair`` did nothing, and the alias rule
(which reads the tags alone) never counted the version champion again, while ``champions_ever`` (approval, status),
reading the restored record, did; the migration's line said "restore that run" without naming it.

What a user now gets: the migration's line names the trashed record's run and its restore command; ``registry
status`` notes an ``unconfirmed`` version whose record is in the trash (same command); once it is restored, status
reads "needs repair" (exit 1) and ``registry repair`` (or the next promotion, or a register, which repairs when the
lock is free) tags the version with the model's name again, said once. MLflow is real (the ``registered`` sqlite
store: v1 promoted by ctloop, v2)."""

from __future__ import annotations

from ctloop.registry import (
    AUDIT_EXPERIMENT_SUFFIX,
    CHAMPION,
    TAG_WAS_CHAMPION,
    UNCONFIRMED_WAS_CHAMPION,
)
from tests.fixtures.rollout_store import MODEL, registered
from tests.serving.test_r57_registry_round55_store import was_champion

__all__ = ["registered"]


def _trash_v1_records(reg) -> list[str]:
    """v1 tagged as round 55 promoted it, its promotion records put in MLflow's trash, v2 champion by hand: the store
    round 57's migration marks v1 ``unconfirmed`` in; the records' run ids."""
    reg.client.set_model_version_tag(MODEL, "1", TAG_WAS_CHAMPION, "true")
    exp = reg.client.get_experiment_by_name(MODEL + AUDIT_EXPERIMENT_SUFFIX).experiment_id
    runs = [r.info.run_id for r in reg.client.search_runs([exp])
            if r.data.tags.get("ctloop.audit.version") == "1"]  # fmt: skip
    assert runs
    for run in runs:
        reg.client.delete_run(run)  # `mlflow runs delete`: restorable
    reg.client.set_registered_model_alias(MODEL, CHAMPION, "2")  # by hand (the MLflow UI)
    return runs


def test_an_unconfirmed_tag_is_confirmed_again_once_its_record_is_restored(registered):
    _, reg = registered
    runs = _trash_v1_records(reg)
    (line,) = [d for d in reg.repair(MODEL) if d.startswith("v1 ")]
    assert f"true -> {UNCONFIRMED_WAS_CHAMPION}" in line, line
    # was: "its record may be in MLflow's trash: restore that run", naming none
    assert all(f"mlflow runs restore --run-id {run}" in line for run in runs), line
    assert "ctloop registry repair --model-name credit-model" in line, line
    assert was_champion(reg)["1"] == UNCONFIRMED_WAS_CHAMPION
    assert reg.inspect(MODEL).consistent and reg.repair(MODEL) == []
    for run in runs:
        reg.client.restore_run(run)  # `mlflow runs restore --run-id ...`
    state = reg.inspect(MODEL)
    # was: consistent, and v1 unconfirmed for good
    assert state.problems == [
        f"v1 tag {TAG_WAS_CHAMPION} is {UNCONFIRMED_WAS_CHAMPION}, but a promotion record names it champion "
        "(restored from MLflow's trash?): the challenger rule does not count it"
    ], state.problems
    assert reg.repair(MODEL) == [
        f"v1 tag {TAG_WAS_CHAMPION}: {UNCONFIRMED_WAS_CHAMPION} -> {MODEL} (a promotion record names it champion)"
    ]
    assert was_champion(reg)["1"] == MODEL
    assert reg.inspect(MODEL).consistent and reg.repair(MODEL) == []


def test_a_register_repairs_it_and_status_names_the_trashed_run(registered, capsys):
    from tests.helpers import run_main

    uri, reg = registered
    runs = _trash_v1_records(reg)
    reg.repair(MODEL)
    code, out, _ = run_main(
        ["registry", "status", "--model-name", MODEL, "--tracking-uri", uri], capsys, 60
    )
    assert code == 0, out
    (note,) = [line for line in out.splitlines() if "unconfirmed" in line]
    # was: no word of it
    assert note.startswith(f"  note: v1 is tagged {TAG_WAS_CHAMPION}={UNCONFIRMED_WAS_CHAMPION}"), (
        note
    )
    assert all(f"mlflow runs restore --run-id {run}" in note for run in runs), note
    for run in runs:
        reg.client.restore_run(run)
    code, out, _ = run_main(
        ["registry", "status", "--model-name", MODEL, "--tracking-uri", uri], capsys, 60
    )
    assert code == 1 and "needs repair: v1 tag" in out, out
    assert "unconfirmed" not in out.split("needs repair")[0], out  # restored: no trash note
    reg._repair_if_free(MODEL)  # what every register does first
    assert was_champion(reg)["1"] == MODEL


def test_challenger_on_a_champion_set_by_hand_is_flagged_and_repaired(registered):
    """Found writing the docs above: v2, challenger, set champion in the MLflow UI read "consistent" with both aliases
    on it (main 4f1e0ea7: only a ctloop promotion's champion was checked for it), so ``ctloop score --alias
    challenger`` scored the model serving; a promotion's champion holding it is flagged and repaired (round 55)."""
    _, reg = registered
    assert reg.aliases(MODEL)["challenger"] == "2"
    reg.client.set_registered_model_alias(MODEL, CHAMPION, "2")  # by hand (the MLflow UI)
    # was: consistent
    assert reg.inspect(MODEL).problems == [
        "alias challenger names the champion v2 (set outside ctloop)"
    ]
    assert reg.repair(MODEL)[-1] == "alias challenger: removed from v2"
    assert "challenger" not in reg.aliases(MODEL) and reg.inspect(MODEL).consistent

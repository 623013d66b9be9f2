"""``ctloop registry status`` says when the champion's or the rollback target's training run is in MLflow's trash
(round 57). Found deleting the champion's run by hand (the MLflow UI's delete, ``mlflow runs delete``): status said
"consistent" and nothing else, while ``mlflow gc`` would remove the model files, meta and reference sample ctloop
reads from that run for drift, a redeploy and a rollback (``refuse_deleted_run`` refuses a promotion to it only when
one is tried). MLflow is real (the ``registered`` sqlite store)."""

from __future__ import annotations

from ctloop.cli import main
from ctloop.registry import CHAMPION, PREVIOUS_CHAMPION
from tests.fixtures.rollout_store import MODEL, registered

__all__ = ["registered"]


def test_status_notes_a_champion_or_rollback_target_whose_run_is_deleted(registered, capsys):
    uri, reg = registered
    reg.client.set_registered_model_alias(MODEL, PREVIOUS_CHAMPION, "2")
    run1, run2 = (reg.get_version(MODEL, v).run_id for v in ("1", "2"))
    reg.client.delete_run(run1)
    reg.client.delete_run(run2)
    assert (
        main(["registry", "status", "--model-name", MODEL, "--tracking-uri", uri]) == 0
    )  # notes, not problems
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  note: ")]
    assert notes == [
        f"  note: champion v1: its training run {run1} is deleted (in MLflow's trash, which mlflow gc empties with the "
        "model files ctloop reads to deploy, roll back and detect drift); restore it "
        f"(`MLFLOW_TRACKING_URI={uri} mlflow runs restore --run-id {run1}`)",
        f"  note: previous-champion v2: its training run {run2} is deleted (in MLflow's trash, which mlflow gc empties "
        "with the model files ctloop reads to deploy, roll back and detect drift); restore it "
        f"(`MLFLOW_TRACKING_URI={uri} mlflow runs restore --run-id {run2}`)",
    ], notes
    reg.client.restore_run(run1)
    reg.client.restore_run(run2)
    assert reg.run_notes(MODEL, reg.aliases(MODEL)) == []
    # a version deleted from the registry (aliases read before a concurrent delete): said as that, and the way out
    # per alias (was: "its training run or its experiment was deleted for good", and "promote another version" for
    # the rollback target, which a promotion does not mend)
    assert reg.run_notes(MODEL, {CHAMPION: "8", PREVIOUS_CHAMPION: "9"}) == [
        "champion v8: the version is deleted from the registry: ctloop cannot redeploy it or detect drift against it; "
        "promote another version",
        "previous-champion v9: the version is deleted from the registry: a rollback to it fails; set alias "
        "previous-champion on another former champion in the MLflow UI, or the next promotion replaces it",
    ]

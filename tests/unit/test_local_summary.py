"""The rollout lines of a local run's summary (``ctloop run --local``), from the task outputs of a
``LocalRun``: the lines docs/serving.md shows (real output of tests/e2e/test_cluster_path.py)."""

from __future__ import annotations

from pathlib import Path

from ctloop.local import LocalRun, summarize_rollout


def run_with(**tasks) -> LocalRun:
    return LocalRun("rollout", Path("run"), Path("run.log"), 1.0, True, tasks=tasks)


def test_a_promoted_canary_reads_as_docs_serving_shows():
    run = run_with(**{
        "validate-serving": {"valid": True, "reason": "500 rows: identical predictions"},
        "deploy-canary": {"action": "canary", "latest_revision": "credit-predictor-00002",
                          "previous_revision": "credit-predictor-00001"},
        "analyze-canary": {"decision": "promote", "reason": "all 2 steps passed"},
        "promote-model-2": {"previous_champion": "1"},  # KFP suffixes a repeated name
    })
    assert summarize_rollout(run, version="2") == [
        "validate  valid — 500 rows: identical predictions",
        "deploy    canary: credit-predictor-00002 (stable credit-predictor-00001)",
        "canary    PROMOTE — all 2 steps passed",
        "promote   champion is now version 2 (previous: 1)",
    ]


def test_a_rollback_and_steps_that_did_not_run():
    run = run_with(**{
        "validate-serving": {"valid": False, "reason": "predictions differ"},
        "deploy-canary": {"action": "created", "latest_revision": "r1", "previous_revision": ""},
        "rollback-model": {"serving_version": "1"},
    })
    assert summarize_rollout(run) == [
        "validate  INVALID — predictions differ",
        "deploy    created: r1 (stable none)",
        "rollback  traffic back on version 1, durably (its storageUri in the spec)",
    ]
    assert summarize_rollout(run_with()) == []


def test_training_notes_are_shown_under_the_train_line():
    """What training noticed about the data (an ID column, numbers written with a decimal comma)
    was a warning in the task's log and a field of the model's metadata: the summary shows it."""
    from ctloop.local import summarize_ct_run

    note = "column 'income' is text whose every value is a number written with a decimal comma ('70,41'): …"
    run = run_with(**{"train-model": {"run_id": "abc123", "model": {"uri": "m", "metadata": {"notes": [note]}}}})
    assert summarize_ct_run(run) == ["train     MLflow run abc123", f"          note: {note}"]
    quiet = run_with(**{"train-model": {"run_id": "abc123", "model": {"uri": "m", "metadata": {}}}})
    assert summarize_ct_run(quiet) == ["train     MLflow run abc123"]

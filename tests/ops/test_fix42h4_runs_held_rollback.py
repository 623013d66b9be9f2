"""``ctloop runs`` read a ran ``canary-failed`` branch as "canary rolled back", but its
``rollback_model`` holds — writes nothing of the champion, tag ``rollback_held`` — when another
run's model took the spec meanwhile (fix 42g), and the run details (task names and states; KFP
v2beta1 ``PipelineTaskDetail`` carries artifacts, not output parameters) cannot tell the two apart.
The decision now names both outcomes instead of claiming the rollback landed."""

from __future__ import annotations

from ctloop.ops.platform import decisions_from_tasks


def test_a_failed_canarys_branch_does_not_claim_the_rollback_landed():
    tasks = [
        ("canary-passed", "SKIPPED"),
        ("canary-failed", "SUCCEEDED"),
        ("rollback-model", "SUCCEEDED"),
    ]
    (decision,) = decisions_from_tasks(tasks)
    assert "rolled back" in decision and "held" in decision, decision
    assert decision != "canary rolled back"

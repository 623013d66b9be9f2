"""What the exit handler records about a finished run. KFP-free."""

from __future__ import annotations

from typing import Any

# KFP's final task states (PipelineTaskFinalStatus.state) that mean the run did not finish its work
FAILED_STATES = {"FAILED": "run_failed", "CANCELED": "run_cancelled", "CANCELLED": "run_cancelled",
                 "SYSTEM_ERROR": "run_failed"}


def outcome_event(pipeline: str, *, state: str, error: str | None, run: str, job: str = "") -> dict[str, Any] | None:
    """The audit event of a run that failed or was cancelled (``run``: its KFP run id, ``job``: the
    status's resource name); None for a successful run."""
    event = FAILED_STATES.get(str(state).upper())
    if event is None:
        return None
    reason = (error or "").strip() or f"the {pipeline} run ended {state} without an error message"
    out = {"event": event, "pipeline": pipeline, "reason": reason[:2000], "pipeline_run": run, "state": state}
    if job and job != run:
        out["pipeline_job"] = job
    return out


__all__ = ["FAILED_STATES", "outcome_event"]

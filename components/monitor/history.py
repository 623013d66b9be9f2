"""The monitoring history in MLflow: one run per judged window in experiment
``<model>-monitoring``. KFP-free; talks to MLflow only through an ``MlflowClient``.

Reads are bounded by what the rules need, newest first: the last ``need`` windows (the drift
rule's N-1 earlier windows, and the previous window for the volume count) and the last
*successful* trigger (tag ``triggered=true``, for the cooldown) — however long the history.
"""

from __future__ import annotations

from typing import Any

MONITORING_SUFFIX = "-monitoring"
# Tag values of ``triggered``: the decision to retrain is ``pending`` until trigger_training
# started the run (``true``) or failed to (``failed``, reason in ``trigger_error``).
TRIGGERED, PENDING, FAILED, NOT_TRIGGERED = "true", "pending", "failed", "false"
SLACK = 5  # extra recent runs read, for windows re-run or judged out of order


def experiment_id(client, model_name: str) -> str:
    from ctloop.tracking import local_artifact_root

    name = f"{model_name}{MONITORING_SUFFIX}"
    exp = client.get_experiment_by_name(name)
    return exp.experiment_id if exp else client.create_experiment(name, artifact_location=local_artifact_root())


def to_record(run) -> dict[str, Any]:
    tags, metrics = run.data.tags, run.data.metrics
    return {"run_id": run.info.run_id, "window_end": tags.get("window_end"), "drift_share": metrics.get("drift_share"),
            "realized": metrics.get("realized"), "realized_rows": metrics.get("realized_rows"),
            "rows_since_training": metrics.get("rows_since_training"), "champion_version": tags.get("champion_version"),
            "triggered": tags.get("triggered") == TRIGGERED}


def read(client, exp_id: str, *, window_end: str, need: int) -> list[dict[str, Any]]:
    """Records of windows ending before ``window_end`` (the newest ``need`` + 1 + ``SLACK`` runs) and the
    last successful trigger at or before it (``cooldown_only`` when it is not one of those
    windows: it counts for the cooldown, not as a consecutive window); oldest first."""
    import pandas as pd

    now = pd.Timestamp(window_end)

    def before(rec, strict=True):
        if not rec["window_end"]:
            return False
        t = pd.Timestamp(rec["window_end"])
        return t < now if strict else t <= now

    recent = [to_record(r) for r in client.search_runs([exp_id], max_results=need + 1 + SLACK,
                                                        order_by=["attributes.start_time DESC"])]
    # all of them, not the last need + 1: re-runs of a window are among them and count once
    # (core.consecutive_windows), so trimming here could leave the rule too few distinct windows
    earlier = sorted((r for r in recent if before(r)), key=lambda r: pd.Timestamp(r["window_end"]))
    triggers = [to_record(r) for r in client.search_runs([exp_id], filter_string=f"tags.triggered = '{TRIGGERED}'",
                                                         max_results=SLACK, order_by=["attributes.start_time DESC"])]
    triggers = [r for r in triggers if before(r, strict=False)]
    out = {r["run_id"]: r for r in earlier}
    if triggers:
        last = max(triggers, key=lambda r: pd.Timestamp(r["window_end"]))
        out.setdefault(last["run_id"], {**last, "cooldown_only": True})  # not one of the recent windows
    return sorted(out.values(), key=lambda r: pd.Timestamp(r["window_end"]))


def previous(records: list[dict[str, Any]], window_end: str) -> dict[str, Any] | None:
    """The latest record ending before ``window_end`` (``records`` as :func:`read` returns them)."""
    import pandas as pd

    now = pd.Timestamp(window_end)
    earlier = [r for r in records if r["window_end"] and pd.Timestamp(r["window_end"]) < now
               and not r.get("cooldown_only")]
    return earlier[-1] if earlier else None


def metric_key(name: str) -> str:
    """An MLflow-safe metric name (letters, digits, ``_ - . /`` and spaces)."""
    import re

    return re.sub(r"[^A-Za-z0-9_\-./ ]", "_", name)


__all__ = ["MONITORING_SUFFIX", "TRIGGERED", "PENDING", "FAILED", "NOT_TRIGGERED", "experiment_id", "read",
           "previous", "to_record", "metric_key"]

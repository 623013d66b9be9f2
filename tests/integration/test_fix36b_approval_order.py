"""``approval.request`` never points ``pending-approval`` back at an older version: not only while a
newer one waits, but also after a newer one was decided (the alias cleared by ``finish``) or is
champion/challenger — a late request of the older one is recorded as superseded. A real (sqlite)
MLflow registry."""

from __future__ import annotations

from ctloop import approval
from ctloop.registry import MlflowRegistry

MODEL = "credit-late"


def _registry(sqlite_tracking: str, tmp_path) -> MlflowRegistry:
    registry = MlflowRegistry(sqlite_tracking)
    registry.client.create_registered_model(MODEL)
    for i in range(3):
        registry.client.create_model_version(MODEL, source=str(tmp_path / f"a{i}"))
    return registry


def test_a_late_request_of_an_older_version_after_the_newer_was_approved_stays_superseded(sqlite_tracking, tmp_path):
    registry = _registry(sqlite_tracking, tmp_path)
    approval.request(registry, MODEL, "3", reason="approval required", rollout={"approval": "required"})
    approval.decide(registry, MODEL, "3", approve=True, by="alice", reason="looks good")
    approval.finish(registry, MODEL, "3")
    assert approval.pending(registry, MODEL) is None
    approval.request(registry, MODEL, "2", reason="late", rollout={"approval": "required"})
    assert approval.pending(registry, MODEL) is None
    late = [e for e in registry.audit_log(MODEL) if e.get("event") == "approval_requested" and str(e.get("version")) == "2"]
    assert late and late[-1].get("superseded_by") == "3"


def test_a_late_request_of_an_older_version_after_the_newer_was_rejected_stays_superseded(sqlite_tracking, tmp_path):
    registry = _registry(sqlite_tracking, tmp_path)
    approval.request(registry, MODEL, "3", reason="approval required", rollout={"approval": "required"})
    approval.decide(registry, MODEL, "3", approve=False, by="bob", reason="unfair")
    approval.request(registry, MODEL, "2", reason="late", rollout={"approval": "required"})
    assert approval.pending(registry, MODEL) is None


def test_a_late_request_of_a_version_older_than_the_champion_stays_superseded(sqlite_tracking, tmp_path):
    registry = _registry(sqlite_tracking, tmp_path)
    registry.client.set_registered_model_alias(MODEL, "champion", "3")
    approval.request(registry, MODEL, "2", reason="late", rollout={"approval": "required"})
    assert approval.pending(registry, MODEL) is None


def test_a_request_of_the_newest_version_still_waits(sqlite_tracking, tmp_path):
    registry = _registry(sqlite_tracking, tmp_path)
    registry.client.set_registered_model_alias(MODEL, "champion", "1")
    approval.request(registry, MODEL, "2", reason="approval required", rollout={"approval": "required"})
    assert approval.pending(registry, MODEL).version == "2"

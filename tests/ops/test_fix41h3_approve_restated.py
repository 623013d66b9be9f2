"""Restating a stuck approval (``approval.decide``, fix round 41): the restated reason/approver
replaced the stored tags before ``approval_restated`` was recorded, so an MLflow error in between
(a 5xx on the audit write) lost the event for good: the next ``approve`` found plain tags, nothing
stuck, and resumed silently. Now the event is recorded first. And ``ctloop approve`` printed "v2 was
already approved by bob: plain" after bob restated alice's approval; now it says it was restated,
replacing alice's (without printing the reason KFP cannot store)."""

from __future__ import annotations

import pytest

from ctloop import approval
from ctloop.errors import RegistryError
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_fix41e_approve_astral import ROCKET, _approve, _stuck
from tests.ops.test_r39_kfp_approve_experiment import MODEL, _apply
from tests.ops.test_r39_kfp_approve_experiment import registry as registry  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_a_restate_whose_record_fails_is_recorded_by_the_next_approve(registry, monkeypatch):
    _stuck(registry)
    real = registry.record_event

    def flaky(name, version, event):
        if event.get("event") == "approval_restated":
            raise RegistryError("cannot write the audit record: MLflow answered 503")
        return real(name, version, event)

    monkeypatch.setattr(registry, "record_event", flaky)
    with pytest.raises(RegistryError):
        approval.decide(registry, MODEL, "2", approve=True, by="bob", reason="plain")
    monkeypatch.setattr(registry, "record_event", real)
    decision = approval.decide(registry, MODEL, "2", approve=True, by="bob", reason="plain")
    assert (decision.by, decision.reason) == ("bob", "plain")
    restated = [e for e in registry.audit_log(MODEL) if e.get("event") == "approval_restated"]
    assert [(e["by"], e["reason"]) for e in restated] == [("bob", "plain")]
    assert restated[0]["replaces"] == f"alice: ok {ROCKET}"


def test_approve_says_the_approval_was_restated(monkeypatch, tmp_path, registry, sqlite_tracking, capsys):
    _stuck(registry)
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _apply(kfp)
        capsys.readouterr()
        assert _approve(kfp, sqlite_tracking, reason="plain", by="bob") == 0
        out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert "restated by bob: plain" in first and "alice" in first and "already approved by bob" not in first, out
    assert ROCKET not in out

"""A rejection that takes alias ``challenger`` off the rejected version says so in its audit record
(``challenger_alias``, as a rollback's does: ``serving.release._record_rollback``), and ``ctloop audit`` shows what
became of the alias. Was (round 55 made ``ctloop reject`` remove the alias; H4 round 56): the ``rejected``
record held who and why only, so the audit trail never said the alias moved. And a rejection whose record fails
to be written is completed by the retry: ``pending-approval`` is cleared after the record (was: before it, and the
retry was refused as already rejected, the record never written). The rollout tests' sqlite store (``registered``:
v1 champion, v2 challenger; was the session MLflow server and two registrations, 2.3 s)."""

from __future__ import annotations

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import TEMPORARILY_UNAVAILABLE

from ctloop import approval
from ctloop.errors import RegistryError
from ctloop.registry import CHAMPION
from tests.fixtures.rollout_store import MODEL, registered
from tests.helpers import run_main

__all__ = ["registered"]


def test_a_rejection_records_the_challenger_alias_it_removed(registered, capsys):
    uri, reg = registered
    approval.request(reg, MODEL, "2", reason="gate passed", rollout={"approval": "required"})
    approval.decide(reg, MODEL, "2", approve=False, by="alice", reason="bias")
    assert reg.aliases(MODEL) == {CHAMPION: "1"}
    record = reg.audit_log(MODEL)[-1]
    assert (record["event"], record["by"], record["challenger_alias"]) == (
        "rejected",
        "alice",
        "removed from v2",
    )
    code, out, _ = run_main(["audit", "--model-name", MODEL, "--tracking-uri", uri], capsys, 60)
    assert code == 0
    line = [text for text in out.splitlines() if " rejected " in text]
    assert len(line) == 1 and line[0].endswith(
        "  v2    rejected                    bias (challenger: removed from v2)"
    ), out


def test_a_rejection_whose_record_failed_is_completed_by_the_retry(registered, monkeypatch):
    uri, reg = registered
    approval.request(reg, MODEL, "2", reason="gate passed", rollout={"approval": "required"})
    real = MlflowClient.create_run

    def refused(self, experiment_id, *args, **kwargs):
        if (kwargs.get("tags") or {}).get("ctloop.audit.event") == "rejected":
            raise MlflowException("503 Service Unavailable", error_code=TEMPORARILY_UNAVAILABLE)
        return real(self, experiment_id, *args, **kwargs)

    monkeypatch.setattr(MlflowClient, "create_run", refused)
    with pytest.raises(RegistryError, match="cannot write the audit record"):
        approval.decide(reg, MODEL, "2", approve=False, by="alice", reason="bias")
    monkeypatch.undo()
    # the retry (was: refused, "v2 was already rejected by alice", and the record never written)
    decision = approval.decide(reg, MODEL, "2", approve=False, by="alice", reason="bias")
    assert (decision.approved, decision.resumed) == (False, True)
    assert approval.pending(reg, MODEL) is None and reg.aliases(MODEL) == {CHAMPION: "1"}
    record = reg.audit_log(MODEL)[-1]
    assert (record["event"], record["by"], record["reason"], record["challenger_alias"]) == (
        "rejected",
        "alice",
        "bias",
        "not on v2 (already removed, or never set)",
    )

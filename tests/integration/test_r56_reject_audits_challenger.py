"""A rejection that takes alias ``challenger`` off the rejected version says so in its audit record
(``challenger_alias``, as a rollback's does: ``serving.release._record_rollback``), and ``ctloop audit`` shows what
became of the alias. Was (round 55 made ``ctloop reject`` remove the alias; H4 round 56): the ``rejected``
record held who and why only, so the audit trail never said the alias moved. The session's MLflow server."""

from __future__ import annotations

import uuid

import pytest

from ctloop import approval
from ctloop.registry import CHAMPION, MlflowRegistry
from tests.helpers import run_main
from tests.integration.test_r55_challenger_eligible import _champion, _register

pytestmark = pytest.mark.slow


def test_a_rejection_records_the_challenger_alias_it_removed(mlflow_url, capsys):
    reg = MlflowRegistry(mlflow_url)
    experiment = reg.client.create_experiment(f"r56-rej-{uuid.uuid4().hex[:8]}")
    name = f"m-{uuid.uuid4().hex[:8]}"
    assert _register(reg, experiment, name) == "1"
    _champion(reg, name, "1")
    assert _register(reg, experiment, name) == "2"
    approval.request(reg, name, "2", reason="gate passed", rollout={"approval": "required"})
    approval.decide(reg, name, "2", approve=False, by="alice", reason="bias")
    assert reg.aliases(name) == {CHAMPION: "1"}
    record = reg.audit_log(name)[-1]
    assert (record["event"], record["by"], record["challenger_alias"]) == (
        "rejected",
        "alice",
        "removed from v2",
    )
    code, out, _ = run_main(
        ["audit", "--model-name", name, "--tracking-uri", mlflow_url], capsys, 60
    )
    assert code == 0
    line = [text for text in out.splitlines() if " rejected " in text]
    assert len(line) == 1 and line[0].endswith(
        "  v2    rejected                    bias (challenger: removed from v2)"
    ), out

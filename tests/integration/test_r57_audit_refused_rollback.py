"""``ctloop audit`` against a real ``mlflow server`` (session fixture): a failed deploy's rollback
refused for bad input (``release._rollback_refused`` records ``event: rollback, action: refused``)
printed as ``rollback  deploy failed: ...``, as if traffic had gone back. It says "rollback refused"
and what refused it."""

from __future__ import annotations

import uuid

import pytest

from ctloop.registry import MlflowRegistry
from tests.helpers import run_main

pytestmark = pytest.mark.slow


def test_audit_prints_a_refused_rollback_as_refused(mlflow_url, capsys):
    # Seen failing on main: "v2    rollback                   deploy failed: revision not ready"
    name = f"r57-refused-{uuid.uuid4().hex[:8]}"
    MlflowRegistry(mlflow_url).record_event(
        name,
        "2",
        {"event": "rollback", "action": "refused", "reason": "deploy failed: revision not ready",
         "to_version": "1", "refused": "CTLOOP_KSERVE_NAMESPACE: must be a Kubernetes namespace"},
    )  # fmt: skip
    capsys.readouterr()  # MLflow's own "View run" lines
    code, out, err = run_main(
        ["audit", "--model-name", name, "--tracking-uri", mlflow_url], capsys, 60
    )
    assert code == 0, err
    line = out.splitlines()[0]
    assert " v2    rollback refused " in line, out
    assert line.endswith(
        "(CTLOOP_KSERVE_NAMESPACE: must be a Kubernetes namespace) after deploy failed: revision not ready"
    ), out

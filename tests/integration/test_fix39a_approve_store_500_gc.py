"""``ctloop approve`` whose rollout-run create KFP answers 500 "Failed to store run", the run not found.

kubeflow/pipelines 2.17.0 ``backend/src/apiserver/resource/resource_manager.go``: ``CreateRun``
creates the workflow before it stores the run, and ``ReportWorkflowResource`` deletes a one-time
run's workflow whose run is not stored once it is older than ``WORKFLOW_GC_GRACE_PERIOD_SECONDS``
(``backend/src/apiserver/common/config.go``, default 120) — a rollout possibly mid-canary. The line
said only to check for a workflow before approving again; it now says KFP deletes it, to wait until
``kubectl get workflows -l pipeline/runid=<id>`` shows it gone and to look at the InferenceService
for a canary it left.
"""

from __future__ import annotations

import pytest

from ctloop import approval
from tests.integration.test_fix37d_kfp_approval_create_500 import (  # noqa: F401, F811
    MODEL,
    ROLLOUT,
    _approve,
    kfp,
    registry,
)

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_the_line_says_kfp_deletes_the_workflow(registry, sqlite_tracking, kfp, monkeypatch, capsys):  # noqa: F811
    approval.request(registry, MODEL, "2", reason="approval required", rollout=ROLLOUT)
    dispatch = kfp.dispatch
    sent = []

    def store_fails(method, path, query, body):
        if method == "POST" and path.endswith("/runs"):  # the workflow created, the store failed
            sent.append(body["run_id"])
            return 500, {"error": "Failed to create a new run: Failed to store run", "code": 13,
                         "message": "Failed to create a new run: Failed to store run"}
        return dispatch(method, path, query, body)

    monkeypatch.setattr(kfp, "dispatch", store_fails)
    assert _approve(sqlite_tracking, kfp.url) != 0
    (line,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("error: ")]
    (run_id,) = sent
    assert "WORKFLOW_GC_GRACE_PERIOD_SECONDS" in line and "120" in line and "deletes" in line, line
    assert f"kubectl get workflows -n team-credit -l pipeline/runid={run_id}" in line and "gone" in line, line
    assert "InferenceService ctloop/credit-default" in line, line

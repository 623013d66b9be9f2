"""``ctloop trigger`` whose run create KFP answers 500 "Failed to store run", the run not found.

kubeflow/pipelines 2.17.0 ``backend/src/apiserver/resource/resource_manager.go``: ``CreateRun``
creates the Argo workflow (labelled ``pipeline/runid=<run id>``) before it stores the run, and
``ReportWorkflowResource`` deletes a one-time run's workflow (no recurring-run id) whose run is not
in the run store once it is older than ``WORKFLOW_GC_GRACE_PERIOD_SECONDS``
(``backend/src/apiserver/common/config.go``, default 120). The line said the run "may be training
without a KFP run" and to check before triggering again, as if it would train to the end; it is
deleted within about the grace period, so the line now says so and to trigger again once
``kubectl get workflows -l pipeline/runid=<id>`` shows it gone.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line
from tests.ops.test_r39_kfp_trigger_store_500 import StoreFails

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_the_line_says_kfp_deletes_the_orphan_workflow(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path, cls=StoreFails) as kfp:
        code = main(["trigger", "--host", kfp.url, "--namespace", "team-credit", *TRIGGER_PARAMS])
        (run_id,) = kfp.workflows
    assert code == 2
    line = one_error_line(capsys)
    assert "may be training" not in line, line
    assert "deletes" in line and "WORKFLOW_GC_GRACE_PERIOD_SECONDS" in line and "120" in line, line
    assert f"kubectl get workflows -n team-credit -l pipeline/runid={run_id}" in line and "gone" in line, line

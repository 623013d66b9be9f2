"""``ctloop approve`` whose rollout create KFP answers with a server error.

kfp 2.17.0 ``backend/src/apiserver/resource/resource_manager.go`` ``CreateRun`` creates the Argo
workflow first, then stores the run: a create answered with 500 may have started a workflow, its
run stored or not (each create sends an id of its own since round 42, fix42f). ``approve`` failed with that 500 and left the approval pending, inviting a
third create. It now asks for the run again: when it exists, the rollout was started (exit 0, with
a note on the possible duplicate workflow and how to check it); when not, one line says a workflow
may have started and how to check before approving again. A real (sqlite) MLflow registry and the
KFP API double.
"""

from __future__ import annotations

import pytest

from ctloop import approval
from ctloop.cli import main
from tests.doubles.kfp_cli import kfp_with_rollout
from tests.integration.registry_support import two_versions

MODEL = "credit-approval-500"
ROLLOUT = {"approval": "required", "inference_service": "credit-default", "namespace": "ctloop"}

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.fixture
def registry(sqlite_tracking):
    return two_versions(sqlite_tracking, MODEL)


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_with_rollout(monkeypatch, tmp_path) as double:
        yield double


def _approve(uri, host):
    return main(["approve", "--model-name", MODEL, "--version", "2", "--reason", "fairness review passed",
                 "--by", "alice", "--tracking-uri", uri, "--host", host, "--experiment", "ctloop",
                 "--namespace", "team-credit"])


def _stored_late(monkeypatch, kfp):
    """The create stores the run, then KFP answers 500 (each create sends an id of its own since round
    42, so a duplicate id no longer makes this 500; a server error after the store still can)."""
    dispatch = kfp.dispatch

    def stored_then_500(method, path, query, body):
        status, payload = dispatch(method, path, query, body)
        if method == "POST" and path.endswith("/runs") and status == 200:
            return 500, {"error": "Failed to create a new run: transport is closing"}
        return status, payload

    monkeypatch.setattr(kfp, "dispatch", stored_then_500)


def test_a_500_on_a_run_that_exists_is_the_rollout_already_started(registry, sqlite_tracking, kfp, monkeypatch,
                                                                     capsys):
    approval.request(registry, MODEL, "2", reason="approval required", rollout=ROLLOUT)
    _stored_late(monkeypatch, kfp)
    assert _approve(sqlite_tracking, kfp.url) == 0
    out = capsys.readouterr().out
    (run_id,) = kfp.state.runs
    assert [c.method for c in kfp.calls if c.path.endswith("/runs")] == ["POST"]  # the 500 create
    assert f"the rollout run {run_id} of v2 was already started" in out, out
    assert "kubectl get workflows -n team-credit" in out, out
    assert approval.pending(registry, MODEL) is None
    assert approval.recorded(registry, MODEL, "2", "rollout_started")


def test_a_500_without_the_run_says_how_to_check_for_a_workflow(registry, sqlite_tracking, kfp, monkeypatch, capsys):
    approval.request(registry, MODEL, "2", reason="approval required", rollout=ROLLOUT)
    dispatch = kfp.dispatch

    def store_fails(method, path, query, body):
        if method == "POST" and path.endswith("/runs"):  # the workflow created, the store failed
            return 500, {"error": "Failed to create a new run: Failed to store run", "code": 13,
                         "message": "Failed to create a new run: Failed to store run"}
        return dispatch(method, path, query, body)

    monkeypatch.setattr(kfp, "dispatch", store_fails)
    assert _approve(sqlite_tracking, kfp.url) != 0
    (line,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("error: ")]
    assert "HTTP 500" in line and "kubectl get workflows -n team-credit" in line and "before `ctloop approve` again" \
        in line, line
    assert not kfp.state.runs

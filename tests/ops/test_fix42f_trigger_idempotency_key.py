"""``ctloop trigger --idempotency-key``: a retry starts no second run, and runs no run twice.

``--run-id`` (round 42) sent the caller's value as the KFP run id and skipped the create when
``GET /runs/{id}`` found it. kubeflow/pipelines 2.17.0 ``backend/src/apiserver/resource/resource_manager.go``
``CreateRun`` creates the Argo workflow (label ``pipeline/runid=<run id>``) BEFORE it stores the run; a
store that fails ("Failed to store run", 500) leaves that workflow, and ``ReportWorkflowResource`` (same
file) adopts every workflow whose run id has a stored run, deleting only those without one. So the retry
after a 500 created a second workflow under the same id, its row was stored, and both workflows trained
under one run. Now the value is a key, written into the run's description (a v2beta1 run filter key,
2.17.0 ``model/run.go`` ``runAPIToModelFieldMap``) and looked up in the trigger's experiment; every attempt
sends a run id of its own, so a failed attempt's workflow has no row and is deleted. A run found by the
key that is not a trigger of ``continuous-training`` is refused (exit 2) instead of reported as started.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

KEY = "3f0c9a52-8d7e-4a43-9b51-2f6f1d0c7e11"


def _trigger(kfp, *extra: str) -> int:
    return main(["trigger", "--host", kfp.url, "--experiment", "credit-ct", *extra, *TRIGGER_PARAMS])


def test_a_retry_after_a_failed_store_runs_the_pipeline_once(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path, uuid_ids=True) as kfp:
        kfp.fail_run_store = 1  # the first create makes its workflow, then fails to store the run: 500
        assert _trigger(kfp, "--idempotency-key", KEY) == 2
        failed = capsys.readouterr().err
        assert _trigger(kfp, "--idempotency-key", KEY) == 0
        first = capsys.readouterr()
        assert _trigger(kfp, "--idempotency-key", KEY) == 0
        again = capsys.readouterr()
        assert len(kfp.state.runs) == 1, kfp.state.runs
        (run_id,) = kfp.state.runs
        # the failed attempt's workflow has no row: deleted, not adopted by the stored run
        assert kfp.report_workflows() == {run_id: 1}
    assert "Lock wait timeout" in failed and "--idempotency-key" in failed, failed
    assert first.out == again.out == f"run_id={run_id}\n"
    assert f"KFP has run {run_id} of --idempotency-key {KEY} already" in again.err, again.err


def test_without_a_key_every_trigger_starts_a_run(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert _trigger(kfp) == 0 and _trigger(kfp) == 0
        assert len(kfp.state.runs) == 2
        assert not any(r.get("description") for r in kfp.state.runs.values())


def test_the_key_is_scoped_to_the_experiment(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert _trigger(kfp, "--idempotency-key", "nightly-1") == 0
        assert main(["trigger", "--host", kfp.url, "--experiment", "other", "--idempotency-key", "nightly-1",
                     *TRIGGER_PARAMS]) == 0
        assert len(kfp.state.runs) == 2


def test_a_run_of_another_pipeline_with_the_key_is_refused(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert _trigger(kfp, "--idempotency-key", "nightly-1") == 0
        capsys.readouterr()
        (run,) = kfp.state.runs.values()
        spec = run["pipeline_spec"].get("pipeline_spec", run["pipeline_spec"])
        spec["pipelineInfo"] = {**spec["pipelineInfo"], "name": "batch-scoring"}
        assert _trigger(kfp, "--idempotency-key", "nightly-1") == 2
        assert len(kfp.state.runs) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "--idempotency-key 'nightly-1'" in err and "'batch-scoring'" in err, err


def test_a_key_that_no_description_can_hold_is_refused(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp, pytest.raises(SystemExit) as exit_:
        _trigger(kfp, "--idempotency-key", "nightly/1")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--idempotency-key" in err and "'nightly/1'" in err and kfp.writes() == [], err


def test_a_403_on_the_key_lookup_says_what_access_it_needs(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path, multi_user=True, tokens={"ok": "ok"}) as kfp:
        original = kfp.dispatch

        def deny_run_list(method, path, query, body):
            if method == "GET" and path.endswith("/runs"):
                return 403, {"error": "PermissionDenied: User 'ci' is not authorized with reason: (request: "
                                      "&ResourceAttributes{Namespace:team-credit,Verb:list,Resource:runs})"}
            return original(method, path, query, body)

        kfp.dispatch = deny_run_list
        code = main(["trigger", "--host", kfp.url, "--token", "ok", "--namespace", "team-credit",
                     "--experiment", "credit-ct", "--idempotency-key", "nightly-1", *TRIGGER_PARAMS])
        assert code != 0 and not kfp.state.runs
    err = capsys.readouterr().err
    assert "403" in err and "list runs in the experiment's namespace" in err, err

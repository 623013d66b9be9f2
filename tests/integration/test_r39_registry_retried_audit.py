"""An audit record whose ``runs/create`` a gateway answered 503 after the real ``mlflow server``
applied it: MLflow's client retries it (mlflow 3.17.2 ``mlflow/utils/request_utils.py``: every method
on 408/429/5xx), so there are two runs of one record. The copy whose answer was lost stayed RUNNING in
the MLflow UI for good; the newest-N read counted both copies against N, so ``ctloop audit --limit N``
(and ``approval.recorded``) came back one short; a retried promotion intent left a pending copy that
the readers could keep instead of the record the promotion committed (MLflow orders runs of one
``start_time`` by run id, ``store/tracking/sqlalchemy_store.py`` ``_get_orderby_clauses``; the retry
sends the same start time), and ``ctloop registry status`` then reported a promotion needing repair.
Now every copy is finished, one is kept by one rule (the oldest start, then the smallest run id) and
the limit counts records, not runs."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.registry import AUDIT_PREFIX, MlflowRegistry
from tests.helpers import run_main
from tests.integration.registry_support import gateway, two_versions

pytestmark = pytest.mark.slow


def _through(mlflow_url: str, fail: str):
    server, seen = gateway(mlflow_url, fail_once=fail)
    return server, seen, MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}")


def _runs(mlflow_url: str, name: str):
    c = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    exp = c.get_experiment_by_name(f"{name}-audit")
    return c.search_runs([exp.experiment_id], max_results=1000)


def test_a_retried_record_leaves_no_run_running_and_the_newest_n_whole(mlflow_url, capsys):
    name = f"r39-audit-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    reg.record_event(name, "", {"event": "first"})
    server, seen, through = _through(mlflow_url, "/runs/create")
    try:
        through.record_event(name, "", {"event": "approved", "reason": "ok", "pipeline_run": "run-1"})
    finally:
        server.shutdown()
        server.server_close()
    assert seen.count("POST /api/2.0/mlflow/runs/create") == 2, seen  # the retry happened
    runs = _runs(mlflow_url, name)
    assert len(runs) == 3 and {r.info.status for r in runs} == {"FINISHED"}, [(r.info.status, r.data.tags)
                                                                              for r in runs]
    assert [e["event"] for e in reg.audit_log(name, max_results=2)] == ["first", "approved"]
    capsys.readouterr()  # MLflow's "View run" lines of the writes above
    code, out, err = run_main(["audit", "--model-name", name, "--tracking-uri", mlflow_url, "--limit", "2"],
                              capsys, 60)
    assert code == 0, err
    assert [line.split()[2] for line in out.splitlines() if line.strip()] == ["first", "approved"], out


def test_a_retried_promotion_intent_is_consistent_and_finished(mlflow_url):
    name = f"r39-intent-{uuid.uuid4().hex[:8]}"
    two_versions(mlflow_url, name)
    server, seen, through = _through(mlflow_url, "/runs/create")
    try:
        through.promote(name, "2", reason="retried intent")
    finally:
        server.shutdown()
        server.server_close()
    assert seen.count("POST /api/2.0/mlflow/runs/create") == 2, seen
    reg = MlflowRegistry(mlflow_url)
    state = reg.inspect(name)
    assert state.consistent, state.problems
    promotes = [r for r in _runs(mlflow_url, name) if r.data.tags.get(AUDIT_PREFIX + "event") == "promote"]
    assert len(promotes) == 3 and {r.info.status for r in promotes} == {"FINISHED"}, [
        (r.info.status, r.data.tags.get(AUDIT_PREFIX + "state")) for r in promotes]
    assert [(e["event"], e["version"]) for e in reg.audit_log(name, max_results=2)] == [
        ("promote", "1"), ("promote", "2")]
    assert [h["version"] for h in reg.champion_history(name)] == ["1", "2"]

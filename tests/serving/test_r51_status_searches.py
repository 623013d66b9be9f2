"""``ctloop rollout status --model-name`` made six MLflow run searches for its last decision: one
per decision event (analysis, traffic_promote, promote, rollback), one for the deploys, and one
more for every promotion record (whether each counts). Each is a round trip to a tracking server
that may be far away. Now one newest-first read of the audit log (a page of
``registry.AUDIT_PAGE`` records) answers a log no longer than that page, its promotion records
included; a longer log reads, besides, the events that page did not hold enough of (as before).
The output is the same: the status tests of round 50 (test_r50_serving_status_last_decision.py)
pass unchanged, and here a log read with a page of a few records (events read apart, as before)
gives the same decision and records as one read whole. Searches are counted by a wrapper around
MlflowClient.search_runs; the registry is a real ``mlflow server`` on loopback, the cluster the
tests' Kubernetes API double (tests/doubles/kube_api.py)."""

from __future__ import annotations

import json
import uuid

import pytest
from mlflow import MlflowClient

from ctloop import registry as registry_module
from ctloop.cli import main
from ctloop.registry import MlflowRegistry
from ctloop.serving.release import DECISION_EVENTS
from tests.serving.test_r50_serving_status_last_decision import KIND
from tests.serving.test_rollout_components import ISVC, NS, kube  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture
def registered(mlflow_url, kube):  # noqa: F811
    """``(uri, registry, name)``: a model of its own, v1 (promoted: its promotion record) and v2, no
    model files (the decision is read from records only); ``ISVC`` in ``NS`` and its analysis."""
    name = f"r51-status-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    client.create_registered_model(name)
    run = client.create_run(client.create_experiment(name))
    for _ in range(2):
        client.create_model_version(
            name, f"{run.info.artifact_uri}/model-joblib", run_id=run.info.run_id
        )
    registry = MlflowRegistry(mlflow_url)
    registry.promote(name, "1", reason="fixture")
    spec = {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": "s3://b/m"}}}
    kube.create_isvc(NS, {"metadata": {"name": ISVC}, "spec": spec} | KIND)
    registry.record_event(
        name,
        "2",
        {
            "event": "analysis",
            "decision": "rollback",
            "reason": "worse",
            "pipeline_run": "run-1",
            "inference_service": ISVC,
            "namespace": NS,
        },
    )
    return mlflow_url, registry, name


@pytest.fixture
def searches(monkeypatch):
    """The filters of every MlflowClient.search_runs call made (a counting wrapper)."""
    made: list[str] = []
    real = MlflowClient.search_runs

    def counted(self, *args, **kwargs):
        made.append(kwargs.get("filter_string", args[1] if len(args) > 1 else ""))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(MlflowClient, "search_runs", counted)
    return made


def _log(registry, name: str) -> None:
    """A log of every kind the decision is read from: the fixture's promotion of v1, deploys,
    traffic moves, analyses of this service and of another, a rollback of another service."""
    for i in range(3):
        registry.record_event(
            name, "2", {"event": "deploy", "pipeline_run": f"d{i}", "name": "other"}
        )
        registry.record_event(
            name, "2", {"event": "traffic", "pipeline_run": f"d{i}", "name": "other"}
        )
    registry.record_event(
        name,
        "2",
        {
            "event": "analysis",
            "decision": "hold",
            "reason": "x",
            "pipeline_run": "a0",
            "inference_service": "other",
        },
    )
    registry.record_event(
        name,
        "2",
        {
            "event": "rollback",
            "reason": "r",
            "to_version": "1",
            "pipeline_run": "r0",
            "name": "other",
            "action": "rolled_back",
        },
    )


def _status(capsys, uri: str, name: str) -> dict:
    capsys.readouterr()
    assert (
        main(
            [
                "rollout",
                "status",
                "--isvc",
                ISVC,
                "--namespace",
                NS,
                "--model-name",
                name,
                "--tracking-uri",
                uri,
                "--json",
            ]
        )
        == 0
    )
    return json.loads(capsys.readouterr().out)


def test_status_reads_the_audit_log_in_one_search(registered, capsys, searches):
    uri, registry, name = registered
    _log(registry, name)
    searches.clear()
    doc = _status(capsys, uri, name)
    assert doc["last_decision"]["pipeline_run"] == "run-1" and doc["last_decision_state"] == "found"
    assert len(searches) == 1, (
        searches
    )  # was 6: one per decision event and deploy, one of the promotions


def test_a_log_longer_than_the_page_gives_what_the_whole_log_gives(
    registered, monkeypatch, searches
):
    _, registry, name = registered
    _log(registry, name)
    events = tuple(e for e in DECISION_EVENTS if e != "promote_aborted")
    for per_event in (1, 100):
        whole = registry.audit_events(name, events, per_event, context=("deploy",))
        for page in (2, 5):
            monkeypatch.setattr(registry_module, "AUDIT_PAGE", page)
            searches.clear()
            assert registry.audit_events(name, events, per_event, context=("deploy",)) == whole, (
                page,
                per_event,
            )
            # the page, the events it held fewer of, the promotions
            assert 1 < len(searches) <= 1 + len(events) + 2, searches
        monkeypatch.setattr(registry_module, "AUDIT_PAGE", 1000)
    # read apart, each event's newest per_event: what the whole log gives with per_event 1
    records, full = registry.audit_events(name, events, 1, context=("deploy",))
    # the cut: nothing older than the oldest record read of a full event (r0: the rollbacks'); the
    # newest deploy, read for the service it names, is kept
    assert full and [(r["event"], r.get("pipeline_run")) for r in records] == [
        ("deploy", "d2"),
        ("rollback", "r0"),
    ]

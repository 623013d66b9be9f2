"""``ctloop rollout status`` did not say what the last canary decided: a platform engineer asking
"what did the last canary decide, when, why?" had to run ``ctloop audit`` and pick the decision
out of every deploy and traffic record. With ``--model-name`` status now shows the newest
decision of the model's audit log (analysis, promotion, rollback) that concerns this
InferenceService: when, which version, what and why, with the pipeline run; ``--json`` prints
the whole status as one JSON document. The records are the ones the rollout itself writes
(``release.deploy``/``analyze``/``rollback`` on a real MLflow sqlite store); the cluster is
tests/doubles/kube_api.py's Kubernetes API double, reached through a kubeconfig.

The review of ``ctloop rollout status``'s last decision (9b444cb9), each case seen wrong on main:

* the audit experiment deleted (or an MLflow that does not answer): status exited 2 with nothing
  printed, the cluster's view lost with it; now the cluster part first, then ``last decision: not
  read (<error>)``, exit 0, and in JSON ``last_decision`` null with ``last_decision_error``;
* the same service name in another namespace (the overlays deploy ``credit-default`` to
  ``ctloop-dev`` and ``ctloop`` against one MLflow): its decision was taken; records now name the
  namespace beside the service and status matches the pair;
* an analysis recorded before analyses named their service was claimed by every service: it is
  now the service of the deploy record of its pipeline run, left out without one;
* a decision older than the newest 100 records (of any event) was "none recorded": status now reads
  the newest records of each decision event, and says "none among the newest N" when one of them
  had more;
* JSON: every key in every document; ``spec.storage_uri`` null for a ``predictor.sklearn`` spec."""

from __future__ import annotations

import json

from mlflow import MlflowClient

from ctloop.cli import main
from ctloop.cli import rollout as rollout_cli
from ctloop.config import RolloutConfig
from ctloop.serving import release
from ctloop.serving.kube import InferenceServices
from tests.serving.test_rollout_components import ISVC, MODEL, NS, kube, registered  # noqa: F401

BASE = ["rollout", "status", "--isvc", ISVC, "--namespace", NS]
FAILED = "error rate 0.2 > 0.01"


def _status(capsys, *args: str, isvc: str = ISVC, rc: int = 0) -> str:
    capsys.readouterr()
    assert main(["rollout", "status", "--isvc", isvc, "--namespace", NS, *args]) == rc
    return capsys.readouterr().out


def test_status_shows_the_last_decision_of_the_canary(registered, kube, capsys):  # noqa: F811
    uri, registry = registered
    cfg = RolloutConfig(
        inference_service=ISVC, namespace=NS, traffic_plan=[5, 50], timeout_seconds=10
    )
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    release.deploy(registry, isvcs, model_name=MODEL, version="1", cfg=cfg, run_id="run-1")
    canary, _ = release.deploy(
        registry, isvcs, model_name=MODEL, version="2", cfg=cfg, run_id="run-7"
    )
    result = release.analyze(
        registry,
        isvcs,
        model_name=MODEL,
        version="2",
        cfg=cfg,
        deploy_action=canary.action,
        canary_revision=canary.latest_revision,
        stable_revision=canary.previous_revision,
        run_id="run-7",
        check=lambda percent: (False, FAILED, {}),
    )
    assert result.decision == "rollback"
    analysed = registry.audit_log(MODEL)[-1]
    assert analysed["event"] == "analysis"

    doc = json.loads(_status(capsys, "--model-name", MODEL, "--tracking-uri", uri, "--json"))
    assert doc["last_decision"] == {
        "event": "analysis",
        "decided": "rollback",
        "version": "2",
        "at": analysed["at"],
        "reason": result.reason,
        "pipeline_run": "run-7",
        "to_version": None,
        "previous_champion": None,
    }
    assert doc["traffic"] == {canary.latest_revision: 5, canary.previous_revision: 95}
    assert doc["registry_aliases"] == {"challenger": "2", "champion": "1"}

    release.rollback(
        registry,
        isvcs,
        model_name=MODEL,
        failed_version="2",
        reason=result.reason,
        cfg=cfg,
        run_id="run-7",
    )
    rolled = registry.audit_log(MODEL)[-1]
    assert (rolled["inference_service"], rolled["namespace"]) == (ISVC, NS)
    out = _status(capsys, "--model-name", MODEL, "--tracking-uri", uri)
    assert "  registry aliases: champion=v1\n" in out, out  # round 51: v2 no longer challenger
    assert (
        f"  last decision: v2 rollback: rolled back to v1, {rolled['at'][:19].replace('T', ' ')} UTC "
        f"(pipeline run run-7): {result.reason}\n"
    ) in out, out


def test_status_without_the_model_name_says_how_to_read_the_decision(registered, kube, capsys):  # noqa: F811
    uri, registry = registered
    cfg = RolloutConfig(inference_service=ISVC, namespace=NS, timeout_seconds=10)
    release.deploy(
        registry,
        InferenceServices(NS, api_client=kube.api_client()),
        model_name=MODEL,
        version="1",
        cfg=cfg,
    )
    out = _status(capsys)
    assert (
        f"  last decision: not read (the audit log is the model's: add --model-name {MODEL} and "
        "--tracking-uri)\n"
    ) in out, out
    assert json.loads(_status(capsys, "--json"))["last_decision"] is None
    # a first deployment records only its deploy: the last decision is the registry's promotion
    # of v1 (the fixture's), a decision about the model wherever it serves
    promoted = registry.audit_log(MODEL)[-2]
    assert promoted["event"] == "promote"
    out = _status(capsys, "--model-name", MODEL, "--tracking-uri", uri)
    assert (
        f"  last decision: v1 promote: champion, {promoted['at'][:19].replace('T', ' ')} UTC: "
        f"{promoted['reason']}\n"
    ) in out, out


OTHER_NS = "ml-staging"
KIND = {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService"}


def _analyze(registry, kube, ns: str, run: str, reason: str):  # noqa: F811
    """v1 then v2 deployed to ``ISVC`` in ``ns``, v2's canary analysed and failed with ``reason``."""
    cfg = RolloutConfig(
        inference_service=ISVC, namespace=ns, traffic_plan=[5, 50], timeout_seconds=10
    )
    isvcs = InferenceServices(ns, api_client=kube.api_client())
    release.deploy(registry, isvcs, model_name=MODEL, version="1", cfg=cfg, run_id=run + "-first")
    canary, _ = release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=cfg, run_id=run)
    return release.analyze(
        registry,
        isvcs,
        model_name=MODEL,
        version="2",
        cfg=cfg,
        deploy_action=canary.action,
        canary_revision=canary.latest_revision,
        stable_revision=canary.previous_revision,
        run_id=run,
        check=lambda p: (False, reason, {}),
    )


def _analysed(registry, kube, run: str) -> None:  # noqa: F811
    """``ISVC`` in ``NS`` and an analysis of it as :func:`release.analyze` records it (its record
    names both): the cheap form where the records' writer is not what a test is about."""
    if (NS, ISVC) not in kube.objects:
        spec = {
            "predictor": {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": "s3://b/m"}}
        }
        kube.create_isvc(NS, {"metadata": {"name": ISVC}, "spec": spec} | KIND)
    registry.record_event(
        MODEL,
        "2",
        {"event": "analysis", "decision": "rollback", "reason": "worse", "pipeline_run": run}
        | {"inference_service": ISVC, "namespace": NS},
    )


def test_status_prints_the_cluster_and_the_error_when_the_audit_log_is_not_read(
    registered,  # noqa: F811
    kube,  # noqa: F811
    capsys,
):
    uri, registry = registered
    _analysed(registry, kube, "run-1")
    client = MlflowClient(uri)
    client.delete_experiment(client.get_experiment_by_name(MODEL + "-audit").experiment_id)
    out = _status(
        capsys, "--model-name", MODEL, "--tracking-uri", uri
    )  # was: exit 2, nothing printed
    assert (
        out.startswith(f"InferenceService {NS}/{ISVC}  (mode ") and "  registry aliases: " in out
    ), out
    line = out.splitlines()[-1]
    assert line.startswith(
        f"  last decision: not read (the audit experiment '{MODEL}-audit' (id "
    ), line
    assert "is deleted" in line
    doc = json.loads(_status(capsys, "--model-name", MODEL, "--tracking-uri", uri, "--json"))
    assert doc["last_decision"] is None and doc["last_decision_state"] == "not read"
    assert "is deleted" in doc["last_decision_error"]
    assert doc["registry_aliases"] == {"challenger": "2", "champion": "1"} and doc["traffic"]


def test_status_takes_the_decision_of_its_namespace_and_service(registered, kube, capsys):  # noqa: F811
    uri, registry = registered
    kept = _analyze(registry, kube, NS, "run-prod", "worse in prod")
    _analyze(registry, kube, OTHER_NS, "run-staging", "worse in staging")  # the same name, newer
    # another service of the model, newer still (a rollback record names it as the state's name)
    registry.record_event(
        MODEL,
        "2",
        {
            "event": "rollback",
            "reason": "other",
            "to_version": "1",
            "pipeline_run": "run-other",
            "name": "other",
            "action": "rolled_back",
        },
    )
    doc = json.loads(_status(capsys, "--model-name", MODEL, "--tracking-uri", uri, "--json"))
    assert doc["last_decision"] == {  # was: the staging namespace's (run-staging)
        "event": "analysis",
        "decided": "rollback",
        "version": "2",
        "at": doc["last_decision"]["at"],
        "reason": kept.reason,
        "pipeline_run": "run-prod",
        "to_version": None,
        "previous_champion": None,
    }
    assert doc["last_decision_state"] == "found" and doc["last_decision_error"] is None
    records = registry.audit_log(MODEL)
    assert {
        (r["event"], r.get("namespace")) for r in records if r["pipeline_run"] == "run-staging"
    } == {("deploy", OTHER_NS), ("analysis", OTHER_NS)}


def test_an_analysis_recorded_before_it_named_its_service_is_the_service_of_its_deploy(
    registered,  # noqa: F811
    kube,  # noqa: F811
    capsys,
):
    uri, registry = registered
    _analysed(registry, kube, "run-1")
    # as written before 9b444cb9 (no inference_service), by a run that deployed another service
    registry.record_event(
        MODEL, "2", {"event": "deploy", "pipeline_run": "run-old", "name": "other"}
    )
    registry.record_event(
        MODEL,
        "2",
        {
            "event": "analysis",
            "decision": "promote",
            "reason": "old other",
            "pipeline_run": "run-old",
        },
    )
    # and one whose deploy record is not there: whose it was is unknown
    registry.record_event(
        MODEL,
        "2",
        {
            "event": "analysis",
            "decision": "promote",
            "reason": "old unknown",
            "pipeline_run": "run-lost",
        },
    )
    doc = json.loads(_status(capsys, "--model-name", MODEL, "--tracking-uri", uri, "--json"))
    # was: run-lost's, claimed by every service
    assert doc["last_decision"]["pipeline_run"] == "run-1"
    # one whose deploy (an older record, no namespace) names this service is this service's
    registry.record_event(MODEL, "2", {"event": "deploy", "pipeline_run": "run-mine", "name": ISVC})
    registry.record_event(
        MODEL,
        "2",
        {"event": "analysis", "decision": "hold", "reason": "old mine", "pipeline_run": "run-mine"},
    )
    out = _status(capsys, "--model-name", MODEL, "--tracking-uri", uri)
    assert "  last decision: v2 analysis: hold, " in out and out.endswith(
        "(pipeline run run-mine): old mine\n"
    ), out


def test_a_decision_behind_more_records_than_status_reads(registered, kube, capsys, monkeypatch):  # noqa: F811
    uri, registry = registered
    # 100 in use: 3 shows the same with 9 records
    monkeypatch.setattr(rollout_cli, "DECISIONS_READ", 3)
    _analysed(registry, kube, "run-1")
    for i in range(3):  # newer records of no decision (another run's deploys and moves)
        registry.record_event(
            MODEL, "2", {"event": "traffic", "name": "other", "pipeline_run": f"t{i}"}
        )
    doc = json.loads(_status(capsys, "--model-name", MODEL, "--tracking-uri", uri, "--json"))
    assert doc["last_decision"]["pipeline_run"] == "run-1"  # was: "none recorded" past the newest N
    for i in range(3):  # newer decisions about another service: run-1's is the 4th analysis
        registry.record_event(
            MODEL,
            "2",
            {
                "event": "analysis",
                "decision": "hold",
                "reason": "x",
                "pipeline_run": f"a{i}",
                "inference_service": "other",
            },
        )
    # run-1's analysis is behind 3 newer ones: the registry's promotion of v1 (the fixture's, older
    # than run-1's analysis) was taken for the last decision; nothing older than the oldest analysis
    # read can be trusted (review 50 F)
    doc = json.loads(_status(capsys, "--model-name", MODEL, "--tracking-uri", uri, "--json"))
    assert doc["last_decision"] is None and doc["last_decision_state"] == "none among the newest", doc
    out = _status(capsys, "--model-name", MODEL, "--tracking-uri", uri)
    assert out.endswith(
        "  last decision: none among the newest 3 records of each decision "
        "(ctloop audit lists every record)\n"
    ), out


def test_a_decision_newer_than_the_cut_is_found_and_deploys_do_not_cut(registered, kube, capsys, monkeypatch):  # noqa: F811
    """The cut (nothing older than the oldest record read of a full decision event) keeps what is newer,
    and deploys, read only for the service they name, neither cut nor count (review 50 H)."""
    uri, registry = registered
    monkeypatch.setattr(rollout_cli, "DECISIONS_READ", 3)
    for i in range(3):  # a full page of another service's analyses...
        registry.record_event(MODEL, "2", {"event": "analysis", "decision": "hold", "reason": "x",
                                           "pipeline_run": f"a{i}", "inference_service": "other"})
    _analysed(registry, kube, "run-1")  # ...then this service's, the newest decision
    for i in range(5):  # more deploys than are read, newer still
        registry.record_event(MODEL, "2", {"event": "deploy", "pipeline_run": f"d{i}", "name": "other"})
    doc = json.loads(_status(capsys, "--model-name", MODEL, "--tracking-uri", uri, "--json"))
    assert doc["last_decision"]["pipeline_run"] == "run-1" and doc["last_decision_state"] == "found", doc


def test_status_json_has_every_key_and_the_storage_uri_of_any_form(kube, capsys):  # noqa: F811
    kube.create_isvc(
        NS,
        {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {"name": "fw"},
            "spec": {"predictor": {"model": {"storageUri": "s3://b/m"}}},
        },
    )
    # KServe's per-framework form (v0.20.0 PredictorSpec.SKLearn), which the double does not reconcile
    kube.objects[(NS, "fw")]["spec"]["predictor"] = {"sklearn": {"storageUri": "s3://b/m"}}
    doc = json.loads(_status(capsys, "--json", isvc="fw"))
    assert doc["spec"]["storage_uri"] == "s3://b/m"  # was: null, the text printing it
    assert "  spec: version ?, storageUri s3://b/m (sklearn: " in _status(capsys, isvc="fw")
    missing = json.loads(_status(capsys, "--json", isvc="nope", rc=1))
    assert set(missing) == set(doc)  # was: 3 keys
    assert missing["exists"] is False and missing["last_decision_state"] == "not read"
    assert doc["last_decision_state"] == "not read" and doc["last_decision_error"].startswith(
        "the audit log is"
    )

"""The full CT → canary → promote/rollback path under kfp.local (issue 12).

A continuous-training run with a ``rollout`` section, run by the KFP local runner exactly as
compiled: the approved challenger is validated (``validate_serving`` loads the export in its own
process), deployed as a canary on the InferenceService ``ml/credit``, analysed against a real
Prometheus and promoted or rolled back — every step one call into ``ctloop.serving.release``, the
same orchestration the cluster runs.

Real parts: the KFP compiler and local runner (tasks forked from the warm task server), the
session's ``mlflow server``, ``prometheus`` (Debian package) scraping live targets every 500 ms.
Doubles: the Kubernetes API (tests/doubles/kube_api.py, reached by the tasks through a
kubeconfig in KUBECONFIG) and the pods' traffic: :class:`tests.fixtures.serving_metrics.LiveTraffic`
routes 200 requests/s by the double's ``status.components.predictor.traffic`` and serves each
revision's ctloop runtime counters (the default metric source ``ctloop``) for Prometheus to scrape.
The revisions the double creates are predictable: ``credit-predictor-0000N``.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from pathlib import Path

import pandas as pd
import pytest

from ctloop.components.deploy.component import deploy_canary
from ctloop.local import run_pipeline_locally
from ctloop.pipelines.continuous_training import continuous_training
from ctloop.registry import MlflowRegistry
from ctloop.serving.isvc import SHA256_ANNOTATION
from ctloop.storage import kserve_storage_uri, write_table
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, credit_contract, make_credit_data
from tests.doubles.kube_api import KubeApiDouble, write_kubeconfig
from tests.fixtures.prometheus import prometheus_with, wait_for
from tests.fixtures.serving_metrics import CONFIG, ISVC, NS, LiveTraffic, Pod

pytestmark = pytest.mark.slow

CHAMPION_REV, CANARY_REV, RESTORED_REV = (f"{CONFIG}-{n:05d}" for n in (1, 2, 3))
# 2 s per step with a 500 ms scrape: 4 scrapes of each revision before it is judged over the
# last 10 s; at 50 % the canary answers ~200 requests in that window (min_requests 50).
ROLLOUT = {"inference_service": ISVC, "namespace": NS, "traffic_plan": [50, 100], "interval_seconds": 2,
           "timeout_seconds": 60, "rules": {"window": "10s"}}


@pytest.fixture(scope="module")
def credit_uri(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("credit") / "credit.parquet"
    write_table(make_credit_data(n_rows=6000, seed=11), str(path))
    return str(path)


@pytest.fixture
def kube(tmp_path, monkeypatch):
    """The Kubernetes API double; every task reaches it through KUBECONFIG (its own client path)."""
    with KubeApiDouble(ready_after_reads=1) as double:
        monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", double.url))
        yield double


def _split(double: KubeApiDouble):
    def split() -> dict[str, int]:
        obj = double.objects.get((NS, ISVC))
        traffic = ((obj or {}).get("status") or {}).get("components", {}).get("predictor", {}).get("traffic", [])
        return {t["revisionName"]: t["percent"] for t in traffic}

    return split


@pytest.fixture
def served_champion(mlflow_url, credit_uri, kube):
    """Version 1 of a fresh model: registry champion, served at 100 % by ``credit-predictor-00001``
    (deployed through the deploy component, as a first rollout does)."""
    from ctloop import tracking
    from ctloop.components.train import core as train_core

    name = f"credit-e2e-{uuid.uuid4().hex[:8]}"
    frame = pd.read_parquet(credit_uri)
    train = frame.drop(columns=[CREDIT_TIME_COLUMN]).head(600)
    result = train_core.fit(train, target=CREDIT_TARGET, task="classification", estimator="logistic_regression")
    run_id, model_uri = tracking.log_training_run(
        tracking_uri=mlflow_url, experiment=name, model=result.model, meta=result.meta, params={}, metrics={},
        train_frame=train, dataset_digest="d0", data_uri=credit_uri)
    registry = MlflowRegistry(mlflow_url)
    registry.register(name, model_uri=model_uri, run_id=run_id, tags={})
    registry.promote(name, "1", reason="fixture champion")
    first = deploy_canary.python_func(model_name=name, version="1", rollout=ROLLOUT, tracking_uri=mlflow_url)
    assert first.action == "created" and kube.traffic(NS, ISVC) == {CHAMPION_REV: 100}
    return name, registry


def _live(kube: KubeApiDouble, canary_5xx: float) -> LiveTraffic:
    return LiveTraffic(_split(kube), [
        Pod(CHAMPION_REV, rps=0, latency_ms=90, version="1", ip="10.0.0.11"),
        Pod(CANARY_REV, rps=0, app_5xx=canary_5xx, latency_ms=80, version="2", ip="10.0.0.12"),
        Pod(RESTORED_REV, rps=0, latency_ms=90, version="1", ip="10.0.0.13"),  # a rollback's new revision
    ])


@contextlib.contextmanager
def _scraped(kube: KubeApiDouble, workdir: Path, canary_5xx: float):
    """The pods' traffic and a Prometheus scraping it: ``(live, prometheus_url)``. Prometheus scrapes
    a target first ~5 s after it starts: its discovery manager hands targets to the scrape manager
    only at the tick of a 5 s ticker (prometheus/prometheus ``discovery/manager.go``: ``updatert: 5 *
    time.Second``, ``sender()``), as the Debian package's 2.42.0 does here. So the fixtures below
    start it before the test's other set-up (the served champion), and each test waits for the first
    scrape (:func:`_first_scrape`) right before the run that reads Prometheus: the wait overlaps the
    set-up (and, with approval, the parked run) instead of following it."""
    with _live(kube, canary_5xx) as live, \
            prometheus_with("", workdir, scrape_configs=live.scrape_configs("500ms")) as prom:
        yield live, prom


def _first_scrape(prom: str) -> None:
    wait_for(prom, f'ctloop_predictions_total{{revision="{CHAMPION_REV}"}}')


@pytest.fixture
def healthy_canary(kube, tmp_path):
    with _scraped(kube, tmp_path / "prom", canary_5xx=0.0) as pair:
        yield pair


@pytest.fixture
def failing_canary(kube, tmp_path):
    with _scraped(kube, tmp_path / "prom", canary_5xx=0.05) as pair:
        yield pair


def _ct_run(tmp_path, mlflow_url, name, data_uri, prometheus_url, approval="none"):
    frame = pd.read_parquet(data_uri, columns=[CREDIT_TIME_COLUMN])
    as_of = (pd.Timestamp(frame[CREDIT_TIME_COLUMN].min()).normalize() + pd.Timedelta(days=120)).isoformat()
    args = {"model_name": name, "tracking_uri": mlflow_url,
            "data": {"uri": data_uri, "target": CREDIT_TARGET, "time_column": CREDIT_TIME_COLUMN,
                     "contract": credit_contract(), "window": "120D", "as_of": as_of},
            "gate": {"thresholds": {"roc_auc": 0.6}, "bootstrap_rounds": 100},
            "drift": {"force_retrain": True}, "training": {"estimator": "logistic_regression"},
            "rollout": {**ROLLOUT, "prometheus_url": prometheus_url, "approval": approval}}
    return run_pipeline_locally(continuous_training, args, workdir=tmp_path)


def _events(registry: MlflowRegistry, name: str) -> list[tuple[str, str]]:
    return [(e["event"], str(e.get("version", ""))) for e in registry.audit_log(name)]


def _analysis_metrics(run) -> dict:
    art = run.output("analyze-canary", "analysis_metrics") or {}
    return (art.get("metadata") or {}) if isinstance(art, dict) else {}


def _cli_args(prometheus_url: str) -> list[str]:
    """The rollout section as ``ctloop run --local`` takes it, one field at a time."""
    return ["--param", f"rollout.inference_service={ISVC}", "--param", f"rollout.namespace={NS}",
            "--param", "rollout.traffic_plan=[50, 100]", "--param", "rollout.interval_seconds=2",
            "--param", "rollout.timeout_seconds=60", "--param", 'rollout.rules={"window": "10s"}',
            "--param", f"rollout.prometheus_url={prometheus_url}"]


def _cli_run(capsys, workdir, argv: list[str]):
    """``ctloop run --local`` in this process; returns (exit code, stdout, the run's task outputs)."""
    from ctloop.cli import main
    from ctloop.local import read_task_outputs

    code = main(["run", "--local", "--workdir", str(workdir), *argv])
    out = capsys.readouterr().out
    (run_dir,) = [line.split(None, 1)[1] for line in out.splitlines() if line.strip().startswith("outputs ")]
    return code, out, read_task_outputs(Path(run_dir.strip()))


def _validations_forked(server) -> int:
    """How many serving validations the warm task server forked (its log: ``task pid N: <module> in``)."""
    return Path(server.log).read_text().count(": ctloop._validate_child in ") if server is not None else 0


def test_canary_passes_and_is_promoted_from_the_cli(healthy_canary, tmp_path, capsys, mlflow_url, credit_uri, kube,
                                                     served_champion, _warm_task_server):
    """`ctloop run --local` of the CT pipeline with a rollout section promotes a healthy canary;
    then `ctloop run --local --pipeline rollout --param action=rollback` serves v1 again."""
    name, registry = served_champion
    forked = _validations_forked(_warm_task_server)
    frame = pd.read_parquet(credit_uri, columns=[CREDIT_TIME_COLUMN])
    as_of = (pd.Timestamp(frame[CREDIT_TIME_COLUMN].min()).normalize() + pd.Timedelta(days=120)).date()
    live, prom = healthy_canary
    _first_scrape(prom)  # scraped before the run
    code, out, tasks = _cli_run(capsys, tmp_path / "ct", [
        "--data", credit_uri, "--tracking-uri", mlflow_url, "--param", f"model_name={name}",
        "--param", f"data.target={CREDIT_TARGET}", "--param", f"data.time_column={CREDIT_TIME_COLUMN}",
        "--param", "data.window=120D", "--param", f"data.as_of={as_of}",
        "--param", f"data.contract={json.dumps(credit_contract())}",
        "--param", 'gate.thresholds={"roc_auc": 0.6}', "--param", "gate.bootstrap_rounds=100",
        "--param", "drift.force_retrain=true", "--param", "training.estimator=logistic_regression",
        *_cli_args(prom)])
    served_by_canary = live.requests(CANARY_REV)

    assert code == 0, out
    assert "continuous-training: SUCCEEDED" in out
    assert "  canary    PROMOTE — all 2 steps passed" in out
    assert "  promote   champion is now version 2 (previous: 1)" in out
    assert tasks["register-model"]["route"] == "rollout"
    assert tasks["validate-serving"]["valid"] is True, tasks["validate-serving"]["reason"]
    if _warm_task_server is not None:  # the export loaded in a process forked by the warm server, not a cold start
        assert _validations_forked(_warm_task_server) == forked + 1
    deployed = tasks["deploy-canary"]
    assert (deployed["action"], deployed["latest_revision"], deployed["previous_revision"]) == (
        "canary", CANARY_REV, CHAMPION_REV)
    analysis = tasks["analyze-canary"]
    assert analysis["decision"] == "promote", analysis["reason"]
    # judged on what Prometheus scraped: the canary's requests at 50 % and at 100 %
    measured = analysis["analysis_metrics"]["metadata"]
    assert measured["step_50.canary_requests"] >= 50, measured
    assert measured["step_100.canary_error_rate"] == 0, measured
    assert served_by_canary > 0 and not live.unrouted

    assert registry.champion(name).version == "2"
    assert kube.traffic(NS, ISVC) == {CANARY_REV: 100}
    spec = kube.objects[(NS, ISVC)]["spec"]["predictor"]
    assert spec["model"]["storageUri"] == kserve_storage_uri(registry.model_artifact_uri(name, "2"))
    assert spec["annotations"][SHA256_ANNOTATION] == registry.serving_sha256(name, "2")
    assert "canaryTrafficPercent" not in spec
    rollout_events = [e for e in _events(registry, name)
                      if e[0] in {"validate_serving", "deploy", "traffic", "analysis", "traffic_promote", "promote"}]
    assert rollout_events == [("promote", "1"), ("deploy", "1"), ("validate_serving", "2"), ("deploy", "2"),
                              ("traffic", "2"), ("analysis", "2"), ("traffic_promote", "2"), ("promote", "2")]

    # the rollout pipeline from the command line: serve version 1 again (a manual rollback)
    code, out, tasks = _cli_run(capsys, tmp_path / "rollback", [
        "--pipeline", "rollout", "--tracking-uri", mlflow_url, "--param", f"model_name={name}",
        "--param", "version=1", "--param", "action=rollback", "--param", "reason=manual: back to v1",
        *_cli_args("http://127.0.0.1:9")])
    assert code == 0, out
    assert "rollout: SUCCEEDED" in out
    assert "  rollback  traffic back on version 1" in out
    assert tasks["rollback-model"]["serving_version"] == "1"
    spec = kube.objects[(NS, ISVC)]["spec"]["predictor"]
    assert spec["model"]["storageUri"] == kserve_storage_uri(registry.model_artifact_uri(name, "1"))
    assert kube.traffic(NS, ISVC) == {RESTORED_REV: 100}
    assert _events(registry, name)[-1][0] == "rollback"


def test_canary_with_5xx_is_rolled_back_durably(failing_canary, tmp_path, mlflow_url, credit_uri, kube,
                                                 served_champion):
    name, registry = served_champion
    champion_uri = kserve_storage_uri(registry.model_artifact_uri(name, "1"))
    live, prom = failing_canary
    _first_scrape(prom)
    run = _ct_run(tmp_path / "run", mlflow_url, name, credit_uri, prom)
    assert not live.unrouted

    assert run.succeeded, run.error
    assert run.output("analyze-canary", "decision") == "rollback"
    reason = run.output("analyze-canary", "reason")
    assert reason.startswith("canary at 50 %: error rate"), reason
    assert 0.03 < _analysis_metrics(run)["step_50.canary_error_rate"] < 0.07
    assert run.output("rollback-model", "serving_version") == "1"
    assert "promote-model" not in run.tasks

    # durable: the spec names the champion again (storageUri and hash), not the failed model
    spec = kube.objects[(NS, ISVC)]["spec"]["predictor"]
    assert spec["model"]["storageUri"] == champion_uri
    assert spec["annotations"][SHA256_ANNOTATION] == registry.serving_sha256(name, "1")
    assert "canaryTrafficPercent" not in spec
    assert kube.traffic(NS, ISVC) == {RESTORED_REV: 100}
    assert kube.revision_uri(NS, ISVC, RESTORED_REV) == champion_uri
    # the failed canary never got traffic back once the rollback started
    after = [t for event, t in kube.history if event == "publish"]
    pinned = next(i for i, t in enumerate(after) if t.get(CHAMPION_REV) == 100 and CANARY_REV in t)
    assert all(not t.get(CANARY_REV) for t in after[pinned:])

    assert registry.champion(name).version == "1"
    assert registry.get_version(name, "2").tags["ctloop.rollout.status"] == "rolled_back"
    events = [e for e in _events(registry, name) if e[1] == "2" and e[0] != "register"]
    assert [e for e, _ in events][-3:] == ["deploy", "analysis", "rollback"], events


def test_approval_required_waits_then_ctloop_approve_starts_the_rollout(healthy_canary, tmp_path, capsys, mlflow_url,
                                                                         credit_uri, kube, served_champion):
    """``rollout.approval: required``: the CT run parks v2 at pending-approval with nothing deployed;
    ``ctloop approve`` records who and starts the uploaded ``rollout`` pipeline on KFP (the KFP API
    double); that run, with the parameters KFP received, then canaries and promotes v2."""
    from kfp import compiler

    from ctloop.cli import main
    from ctloop.ops.platform import Platform
    from ctloop.pipelines.rollout import rollout
    from tests.doubles.kfp_api import KfpApiDouble

    name, registry = served_champion
    live, prom = healthy_canary
    parked = _ct_run(tmp_path / "ct", mlflow_url, name, credit_uri, prom, approval="required")
    assert parked.succeeded, parked.error
    assert parked.output("register-model", "route") == "pending-approval"
    assert "deploy-canary" not in parked.tasks and "validate-serving" not in parked.tasks
    assert kube.traffic(NS, ISVC) == {CHAMPION_REV: 100} and registry.champion(name).version == "1"
    assert registry.aliases(name).get("pending-approval") == "2"

    with KfpApiDouble() as kfp:
        compiler.Compiler().compile(rollout, str(tmp_path / "rollout.yaml"))
        uploaded = Platform(host=kfp.url).ensure_pipeline("rollout", tmp_path / "rollout.yaml")
        Platform(host=kfp.url).ensure_experiment("ctloop")  # as apply makes it: approve never does
        assert main(["approve", "--model-name", name, "--version", "2", "--reason", "fairness review passed",
                     "--by", "alice", "--tracking-uri", mlflow_url, "--host", kfp.url]) == 0
        assert "rollout run" in capsys.readouterr().out
        (body,) = kfp.state.runs.values()
    assert body["pipeline_version_reference"]["pipeline_version_id"] == uploaded.version_id
    params = body["runtime_config"]["parameters"]
    assert params["rollout"]["prometheus_url"] == prom and params["version"] == "2"
    _first_scrape(prom)  # before the run that analyses: the parked CT run above reads no Prometheus
    run = run_pipeline_locally(rollout, params, workdir=tmp_path / "rollout")

    assert run.succeeded, run.error
    assert run.output("analyze-canary", "decision") == "promote", run.output("analyze-canary", "reason")
    assert registry.champion(name).version == "2"
    assert kube.traffic(NS, ISVC) == {CANARY_REV: 100} and not live.unrouted
    events = [e for e, v in _events(registry, name) if v == "2"]
    assert events.index("approval_requested") < events.index("approved") < events.index("deploy") \
        < events.index("analysis") < events.index("promote")
    assert registry.get_version(name, "2").tags["ctloop.approval.by"] == "alice"

"""The rollout components through python_func: a real MLflow store, the Kubernetes API double
reached through a kubeconfig (the components' own client loading path), real Prometheus data."""

import numpy as np
import pandas as pd
import pytest
import yaml
from kfp.dsl import Markdown, Metrics

from ctloop import tracking
from ctloop.components.analyze.component import analyze_canary
from ctloop.components.deploy.component import deploy_canary
from ctloop.components.promote.component import promote_model
from ctloop.components.rollback.component import rollback_model
from ctloop.components.train.core import fit
from ctloop.components.validate.component import validate_serving
from ctloop.registry import MlflowRegistry
from tests.doubles.kube_api import KubeApiDouble

NS, ISVC, MODEL = "ml", "credit", "credit-model"


@pytest.fixture
def registered(sqlite_tracking):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=400), "c": rng.choice(["a", "b"], 400)})
    frame["y"] = ((frame.x + (frame.c == "a")) > 0.5).astype(int)
    registry = MlflowRegistry(sqlite_tracking)
    for seed in (1, 2):
        result = fit(frame, target="y", estimator="logistic_regression", params={"C": float(seed)})
        run_id, uri = tracking.log_training_run(tracking_uri=sqlite_tracking, experiment=MODEL, model=result.model,
                                                meta=result.meta, params={}, metrics={}, train_frame=frame,
                                                dataset_digest=f"d{seed}", data_uri="test")
        registry.register(MODEL, model_uri=uri, run_id=run_id, tags={})
    registry.promote(MODEL, "1", reason="fixture")
    return sqlite_tracking, registry


@pytest.fixture
def kube(tmp_path, monkeypatch):
    with KubeApiDouble(ready_after_reads=1) as double:
        config = {"apiVersion": "v1", "kind": "Config", "current-context": "double",
                  "clusters": [{"name": "double", "cluster": {"server": double.url}}],
                  "contexts": [{"name": "double", "context": {"cluster": "double", "user": "u"}}],
                  "users": [{"name": "u", "user": {"token": "test"}}]}
        path = tmp_path / "kubeconfig"
        path.write_text(yaml.safe_dump(config))
        monkeypatch.setenv("KUBECONFIG", str(path))
        yield double


def test_validate_serving_accepts_the_export(registered):
    uri, registry = registered
    out = validate_serving.python_func(model_name=MODEL, version="2", tracking_uri=uri)
    assert out.valid, out.reason
    assert "identical predictions" in out.reason
    assert registry.audit_log(MODEL)[-1]["event"] == "validate_serving"


def test_validate_serving_blocks_a_version_mismatch():
    from ctloop.serving.validate import validate_export

    result = validate_export("/nonexistent.joblib", None, pd.DataFrame(), trained_sklearn="1.4.2")
    assert not result.valid and "not portable" in result.reason


def test_deploy_promote_then_rollback_with_audit(registered, kube, tmp_path):
    uri, registry = registered
    first = deploy_canary.python_func(model_name=MODEL, version="1", inference_service=ISVC, namespace=NS,
                                      tracking_uri=uri, timeout_seconds=10)
    assert first.action == "created"
    canary = deploy_canary.python_func(model_name=MODEL, version="2", inference_service=ISVC, namespace=NS,
                                       tracking_uri=uri, timeout_seconds=10)
    assert canary.action == "canary" and canary.storage_uri.endswith("model-joblib")
    assert kube.traffic(NS, ISVC) == {canary.latest_revision: 5, canary.previous_revision: 95}

    rolled = rollback_model.python_func(model_name=MODEL, failed_version="2", inference_service=ISVC, namespace=NS,
                                        reason="error rate 3 %", tracking_uri=uri, timeout_seconds=10)
    assert rolled.serving_version == "1"
    (revision,) = kube.traffic(NS, ISVC)
    assert kube.revision_uri(NS, ISVC, revision) == registry.model_artifact_uri(MODEL, "1")
    assert registry.get_version(MODEL, "2").tags["ctloop.rollout.status"] == "rolled_back"
    assert registry.champion(MODEL).version == "1"

    again = deploy_canary.python_func(model_name=MODEL, version="2", inference_service=ISVC, namespace=NS,
                                      tracking_uri=uri, timeout_seconds=10)
    assert again.action == "canary"
    previous = promote_model.python_func(model_name=MODEL, version="2", reason="canary passed", tracking_uri=uri,
                                         inference_service=ISVC, namespace=NS, timeout_seconds=10).previous_champion
    assert previous == "1" and registry.champion(MODEL).version == "2"
    assert list(kube.traffic(NS, ISVC).values()) == [100]
    events = [e["event"] for e in registry.audit_log(MODEL)]
    assert events.count("deploy") == 3 and "rollback" in events and "traffic_promote" in events


def test_analyze_first_deployment_needs_no_prometheus(registered, tmp_path):
    uri, _ = registered
    out = analyze_canary.python_func(
        model_name=MODEL, version="1", inference_service=ISVC, namespace=NS, deploy_action="created",
        canary_revision="r1", stable_revision="", tracking_uri=uri,
        analysis_metrics=Metrics(name="m", uri=str(tmp_path / "m"), metadata={}),
        analysis_report=Markdown(name="r", uri=str(tmp_path / "r"), metadata={}))
    assert out.decision == "promote"


def test_cli_status_canary_rollback(registered, kube, capsys):
    from ctloop.cli import main

    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", inference_service=ISVC, namespace=NS, tracking_uri=uri)
    deploy_canary.python_func(model_name=MODEL, version="2", inference_service=ISVC, namespace=NS, tracking_uri=uri)
    base = ["--isvc", ISVC, "--namespace", NS, "--timeout", "10"]
    assert main(["rollout", "canary", *base, "--percent", "20"]) == 0
    assert main(["rollout", "status", *base, "--model-name", MODEL, "--tracking-uri", uri]) == 0
    out = capsys.readouterr().out
    assert " 20 %  credit-predictor-00002" in out and "champion=v1" in out
    assert main(["rollout", "rollback", *base, "--model-name", MODEL, "--tracking-uri", uri]) == 0
    (revision,) = kube.traffic(NS, ISVC)
    assert kube.revision_uri(NS, ISVC, revision) == registry.model_artifact_uri(MODEL, "1")


def test_cli_audit_answers_who_served_what(registered, kube, capsys):
    from ctloop.cli import main

    uri, _ = registered
    deploy_canary.python_func(model_name=MODEL, version="1", inference_service=ISVC, namespace=NS, tracking_uri=uri)
    deploy_canary.python_func(model_name=MODEL, version="2", inference_service=ISVC, namespace=NS, tracking_uri=uri)
    assert main(["audit", "--model-name", MODEL, "--tracking-uri", uri]) == 0
    out = capsys.readouterr().out
    assert "deploy" in out and '"credit-predictor-00002": 5' in out and "champions: v1" in out

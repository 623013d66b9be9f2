"""The feedback loop end to end: served traffic → the real inference log sink → monitoring.

KServe's payload logger is played by an HTTP client posting exactly what the agent posts (binary
CloudEvents, ``ce-source: http://localhost:9081/``, request and response sharing ``ce-id``), with
response bodies made the way the ctloop serving runtime makes them (``payload.to_frame`` → the
champion's ``predict_proba``, ``model_name``/``model_version`` in the body). The sink is a real
``ctloop logger serve`` subprocess; the monitoring pipeline runs through kfp.local over what it
wrote. The triggered training run goes to the KFP API double (no KFP server can run here).
"""

import json
import uuid

import httpx
import pandas as pd
import pytest

from ctloop.local import run_pipeline_locally
from ctloop.pipelines.monitoring import monitoring
from ctloop.serving.payload import to_frame
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN
from tests.doubles.kfp_api import KfpApiDouble
from tests.e2e.test_monitoring_pipeline import RULES_OFF, TRAINING
from tests.fixtures.servers import stop_group
from tests.inference_log.test_sink_server import start
from tests.integration.monitor_support import MODEL, register_champion
from tests.integration.test_monitor_component import upload_training

pytestmark = pytest.mark.slow
DAY = "2026-01-05"
BATCH = 50  # instances per request


def serve_hour(client: httpx.Client, url: str, champion, traffic: pd.DataFrame, hour: int) -> int:
    """Post one hour of traffic as KServe's logger would; returns the instances sent."""
    features = traffic.drop(columns=[CREDIT_TIME_COLUMN, CREDIT_TARGET])[champion.features]
    sent = 0
    for i, start_row in enumerate(range(0, len(features), BATCH)):
        chunk = features.iloc[start_row:start_row + BATCH]
        request = {"instances": json.loads(chunk.to_json(orient="records"))}
        frame = to_frame(request, champion.features)  # what the runtime does with the body
        response = {"predictions": champion.model.predict_proba(frame).tolist(),
                    "model_name": MODEL, "model_version": "1"}
        ce_id = uuid.uuid4().hex
        common = {"ce-id": ce_id, "ce-specversion": "1.0", "ce-source": "http://localhost:9081/",
                  "ce-inferenceservicename": MODEL, "ce-namespace": "ctloop", "ce-component": "predictor",
                  "ce-time": f"{DAY}T{hour - 1:02d}:{i % 60:02d}:00Z", "content-type": "application/json"}
        for kind, body in (("request", request), ("response", response)):
            answer = client.post(url, headers={**common, "ce-type": f"org.kubeflow.serving.inference.{kind}"},
                                 content=json.dumps(body))
            assert answer.status_code == 200, answer.text
        sent += len(chunk)
    return sent


def test_drift_in_served_traffic_triggers_training_through_the_real_sink(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    champion = register_champion(uri)
    (tmp_path / "sink").mkdir()
    proc, url = start(tmp_path / "sink", flush_seconds=0.5)
    sent = 0
    try:
        with httpx.Client(timeout=30) as client:
            for hour, source in ((1, champion.quiet), (2, champion.quiet), (3, champion.shocked),
                                 (4, champion.shocked)):
                sent += serve_hour(client, url, champion, source.sample(500, random_state=hour), hour)
    finally:
        stop_group(proc)  # SIGTERM: the sink flushes everything it acknowledged before exiting
    root = tmp_path / "sink" / "root"
    parts = sorted(root.rglob("*.parquet"))
    logged = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    assert len(logged) == sent == 2000
    # ce-source names no pod: the version the runtime reported keeps the revision apart
    assert {p.relative_to(root).parts[:3] for p in parts} == {
        (f"model={MODEL}", f"date={DAY}", "revision=v1")}
    assert set(logged.model_version) == {"1"} and logged.prediction_1.between(0, 1).all()

    # Monitored from hour 2: a quiet window with no history before it is judged by the first run of
    # test_monitoring_pipeline.py's test_realized_rule_fires_from_late_labels_joined_by_business_key;
    # here one quiet hour read back from the sink shows the logged features do not drift by themselves.
    decisions = []
    with KfpApiDouble() as kfp:
        host = upload_training(kfp)  # once: every window's trigger starts this upload's version
        for hour in range(2, 5):
            run = run_pipeline_locally(monitoring, {
                "model_name": MODEL, "as_of": f"{DAY}T{hour:02d}:00:00+00:00",
                "monitoring": {"log_root": str(root), "window": "1h",
                               "rules": {**RULES_OFF, "drift_share": 0.5, "drift_windows": 2}},
                "training_parameters": TRAINING, "kfp_host": host, "tracking_uri": uri,
                "experiment": "ct"}, workdir=tmp_path / "runs")
            assert run.succeeded, run.error
            decisions.append((run.output("monitor-model", "retrain"), run.output("monitor-model", "rule")))
            assert run.output("monitor-model", "warnings") == ""  # the logged features matched by name
        triggered = [c for c in kfp.calls if c.method == "POST" and c.path.endswith("/runs")]
    # quiet, first drifted hour (one window is not enough), second drifted hour: retrain
    assert decisions == [(False, "none"), (False, "none"), (True, "drift")]
    assert len(triggered) == 1

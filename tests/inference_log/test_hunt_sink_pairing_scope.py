"""A request pairs only with a response of the same InferenceService, namespace and component.
KServe's agent (v0.20.0 ``pkg/logger/handler.go`` ``getOrCreateID``) names both events of one
inference by the client's ``Ce-Id`` header, so a client that calls two models for one order with
``Ce-Id: order-17`` gives both models' events that id. Before, the sink paired by ``ce-id`` alone:
the credit model's request was written with the fraud model's prediction and the other way round."""

from __future__ import annotations

import json

import httpx

from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows


def _event(model: str, kind: str, body: dict, component: str = "predictor") -> tuple[dict, bytes]:
    # binary mode as the agent sends it (pkg/logger/worker.go: every extension attribute set)
    headers = {"ce-id": "order-17", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
               "ce-source": "http://localhost:9081/", "ce-inferenceservicename": model, "ce-namespace": "ns",
               "ce-component": component, "ce-endpoint": "", "ce-metadata": "{}",
               "ce-time": "2026-11-22T10:31:02.417396123Z", "content-type": "application/json"}
    return headers, json.dumps(body).encode()


def test_two_models_called_with_one_ce_id_keep_their_own_predictions(tmp_path):
    events = [_event("credit", "request", {"instances": [{"income": 1.0}]}),
              _event("fraud", "request", {"instances": [{"amount": 9.0}]}),
              _event("credit", "response", {"predictions": [0.1]}),
              _event("fraud", "response", {"predictions": [0.9]}),
              # one model's transformer and predictor (each with its agent) under one id
              _event("scorer", "request", {"instances": [{"raw": "a"}]}, "transformer"),
              _event("scorer", "request", {"instances": [{"x": 2.0}]}),
              _event("scorer", "response", {"predictions": [7.0]}, "transformer"),
              _event("scorer", "response", {"predictions": [5.0]})]
    proc, url = start_sink(tmp_path)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for headers, body in events:
                answer = client.post("/", headers=headers, content=body)
                assert answer.status_code == 200, answer.text
    finally:
        stop_group(proc)
    rows = parquet_rows(tmp_path / "root")
    assert rows["has_response"].all() and rows["has_request"].all()
    got = {(r.model, r.component): r.prediction for r in rows.itertuples()}
    assert got == {("credit", "predictor"): 0.1, ("fraud", "predictor"): 0.9,
                   ("scorer", "transformer"): 7.0, ("scorer", "predictor"): 5.0}
    assert rows.set_index("model")["income"].get("credit") == 1.0

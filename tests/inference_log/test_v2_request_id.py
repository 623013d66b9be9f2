"""The Open Inference Protocol's own request id was dropped. A v2 client correlates by the body's
``id`` ("An identifier for this request. Optional, but if specified this identifier must be
returned in the response": kserve/kserve ``docs/predict-api/v2/required_api.md``); KServe's agent
names the event by the incoming ``Ce-Id`` header, else a new UUID (``getOrCreateID`` in
``pkg/logger/handler.go`` at v0.20.0). A client that sends ``{"id": "loan-17", "inputs": …}``
without a ``Ce-Id`` header had its predictions logged under UUIDs only, and labels keyed by
``loan-17`` joined nothing; so did labels keyed by the id a client without one was answered with
(KServe's v2 server answers ``payload.id if payload.id else generate_uuid()``,
``python/kserve/kserve/utils/utils.py`` at v0.20.0). The request's id, else the response's, is now
the row's ``meta_inference_id``, a join key of ``ctloop labels``. Real sink process, real HTTP on loopback, then ``ctloop labels report``."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from ctloop.cli import main
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.test_sink_server import metrics_once_written, read_rows

pytestmark = pytest.mark.slow


def agent_headers(ce_id: str, kind: str) -> dict[str, str]:
    """What KServe v0.20.0's agent sends (pkg/logger/worker.go): sdk-go binary mode, the
    extensions it always sets, ``Ce-Metadata`` ``{}`` when no metadata header is configured."""
    return {"Ce-Id": ce_id, "Ce-Type": f"org.kubeflow.serving.inference.{kind}", "Ce-Specversion": "1.0",
            "Ce-Source": "http://localhost:9081/", "Ce-Inferenceservicename": "credit", "Ce-Namespace": "ctloop",
            "Ce-Component": "predictor", "Ce-Endpoint": "default", "Ce-Metadata": "{}",
            "Ce-Time": "2026-12-01T10:00:00.123456789Z", "Content-Type": "application/json"}


def v2_pair(request_id: str | None, incomes: list[float], ages: list[int], proba: list[float]):
    n = len(incomes)
    request = {"inputs": [{"name": "income", "shape": [n, 1], "datatype": "FP32", "data": incomes},
                          {"name": "age", "shape": [n], "datatype": "INT64", "data": ages}],
               "parameters": {"content_type": "pd"}}
    if request_id is not None:
        request["id"] = request_id
    response = {"model_name": "credit", "model_version": "3", "id": request_id or "8c0f6e2a-made-up-by-the-server",
                "outputs": [{"name": "predict", "shape": [n], "datatype": "INT64", "data": [round(p) for p in proba]},
                            {"name": "predict_proba", "shape": [n, 2], "datatype": "FP64",
                             "data": [x for p in proba for x in (1 - p, p)]}]}
    return request, response


def test_the_v2_request_id_is_logged_and_late_labels_keyed_by_it_are_joined(tmp_path):
    pairs = [("loan-17", [1.5, 2.5], [30, 40], [0.9, 0.2]), ("loan-18", [3.5], [50], [0.7]),
             (None, [4.5], [60], [0.4])]  # no body id: the client keeps the one it was answered with
    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client() as client:
            for body_id, incomes, ages, proba in pairs:
                ce_id = str(uuid.uuid4())  # no Ce-Id from the client: the agent's own UUID
                request, response = v2_pair(body_id, incomes, ages, proba)
                for kind, body in (("request", request), ("response", response)):
                    answer = client.post(url, headers=agent_headers(ce_id, kind), content=json.dumps(body))
                    assert answer.status_code == 200, answer.text
            metrics_once_written(client, url, 6)
    finally:
        stop_group(proc)
    rows = read_rows(tmp_path / "root").sort_values(["income"])
    assert rows["meta_inference_id"].tolist() == ["loan-17", "loan-17", "loan-18", "8c0f6e2a-made-up-by-the-server"]
    assert rows["instance"].tolist() == [0, 1, 0, 0]
    assert rows["prediction_predict_proba_1"].tolist() == [0.9, 0.2, 0.7, 0.4]

    # late labels keyed by the client's own id (and the instance within its batch)
    (tmp_path / "labels.csv").write_text("meta_inference_id,instance,label\nloan-17,0,1\nloan-17,1,0\nloan-18,0,0\n"
                                          "8c0f6e2a-made-up-by-the-server,0,1\n")
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store"),
                 "--key", "meta_inference_id"]) == 0
    out = tmp_path / "report"
    assert main(["labels", "report", "--log-root", str(tmp_path / "root"), "--store", str(tmp_path / "store"),
                 "--model-name", "credit", "--start", "2026-12-01T00:00:00Z", "--end", "2026-12-02T00:00:00Z",
                 "--score-column", "prediction_predict_proba_1", "--output", str(out)]) == 0
    report = json.loads((out / "realized.json").read_text())
    assert report["join"] == "4 labelled rows (key meta_inference_id + instance)"
    [row] = report["rows"]
    assert (row["model_version"], row["rows"]) == ("3", 4)
    assert row["roc_auc"] == pytest.approx(0.75)  # positives 0.9, 0.4 against negatives 0.2, 0.7
    assert row["accuracy"] == pytest.approx(2 / 4)  # 0.7 for a 0, 0.4 for a 1


def test_the_body_id_is_taken_from_v2_bodies_only_and_a_metadata_header_of_that_name_wins():
    from ctloop.inference_log.events import Event, inference_id, join

    assert inference_id({"id": "42", "inputs": []}) == "42"
    assert inference_id({"id": 42, "outputs": []}) == "42"
    assert inference_id({"id": "42", "instances": []}) is None  # v1 has no request id
    assert [inference_id({"id": v, "inputs": []}) for v in ("", None, True, ["x"], {"a": 1})] == [None] * 5
    request = Event(id="ce-1", kind="request", model="m", namespace="ns", component="predictor", revision="", source="s",
                    time="2026-12-01T10:00:00Z", body={"id": "body", "inputs": []},
                    metadata={"meta_inference_id": "header"})
    assert join(request, None)[0]["meta_inference_id"] == "header"
    # a response alone carries the id it was given (the protocol returns the request's)
    response = Event(id="ce-2", kind="response", model="m", namespace="ns", component="predictor", revision="", source="s",
                     time="2026-12-01T10:00:00Z", body={"id": "echoed", "outputs": []})
    assert join(None, response)[0]["meta_inference_id"] == "echoed"
    plain = Event(id="ce-2", kind="request", model="m", namespace="ns", component="predictor", revision="",
                  source="s", time="2026-12-01T10:00:00Z", body={"inputs": []})
    assert join(plain, response)[0]["meta_inference_id"] == "echoed"  # the id the client was answered with
    request.metadata = None
    assert join(request, response)[0]["meta_inference_id"] == "body"  # the client's own id first

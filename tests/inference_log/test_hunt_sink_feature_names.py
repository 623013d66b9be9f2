"""A feature named like a column the join fills from elsewhere — a prediction (``prediction``,
``prediction_<…>``), a ``meta_*`` business key, the v2 ``meta_inference_id`` — is stored as
``input_<name>``, as identity names are. Before, the response's prediction replaced the feature
(its value lost), a feature sat in ``prediction_0`` as if the model had predicted it, and a
feature named ``meta_x_order_id`` replaced the ``X-Order-Id`` business key the labels join on."""

from __future__ import annotations

import json

import httpx

from ctloop.inference_log.events import join, parse_event
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows

HEADERS = {"ce-id": "o1", "ce-type": "org.kubeflow.serving.inference.request", "ce-specversion": "1.0",
           "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit", "ce-namespace": "ns",
           "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": '{"X-Order-Id": ["A-17"]}',
           "ce-time": "2026-11-22T10:31:02Z"}
RESPONSE = {**HEADERS, "ce-type": "org.kubeflow.serving.inference.response"}
FEATURES = {"prediction": 5.0, "prediction_0": 3.0, "meta_x_order_id": "from-the-body", "income": 1.0}


def test_features_named_like_predictions_or_metadata_keep_their_values():
    request = parse_event(dict(HEADERS), json.dumps({"instances": [FEATURES]}).encode())
    response = parse_event(dict(RESPONSE), b'{"predictions": [0.7]}')
    for rows, prediction in ((join(request, response), 0.7), (join(request, None), None)):
        (row,) = rows
        assert row.get("prediction") == prediction
        assert "prediction_0" not in row
        assert row["meta_x_order_id"] == "A-17"
        assert (row["input_prediction"], row["input_prediction_0"], row["input_meta_x_order_id"], row["income"]) \
            == (5.0, 3.0, "from-the-body", 1.0)


def test_a_v2_input_named_meta_inference_id_leaves_the_body_id():
    body = {"id": "loan-17", "inputs": [{"name": "meta_inference_id", "shape": [1], "datatype": "BYTES",
                                         "data": ["x"]}]}
    (row,) = join(parse_event(dict(HEADERS), json.dumps(body).encode()), None)
    assert (row["meta_inference_id"], row["input_meta_inference_id"]) == ("loan-17", "x")


def test_through_the_sink(tmp_path):
    proc, url = start_sink(tmp_path)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for headers, body in ((HEADERS, {"instances": [FEATURES]}), (RESPONSE, {"predictions": [0.7]})):
                answer = client.post("/", headers=headers, content=json.dumps(body).encode())
                assert answer.status_code == 200, answer.text
    finally:
        stop_group(proc)
    (row,) = parquet_rows(tmp_path / "root").to_dict("records")
    assert (row["prediction"], row["meta_x_order_id"], row["input_prediction"]) == (0.7, "A-17", 5.0)
    assert "prediction_0" not in row and row["input_prediction_0"] == 3.0

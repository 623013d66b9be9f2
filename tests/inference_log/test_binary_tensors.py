"""The Open Inference Protocol's binary tensor data extension was refused and its features lost.

KServe's v2 client (``InferenceRESTClient.infer``, ``python/kserve/kserve/inference_client.py`` at
v0.20.0) sends an ``InferRequest`` with numpy inputs as ``to_rest()`` builds it: the JSON header,
then each input's raw bytes, ``Content-Type: application/octet-stream`` and
``Inference-Header-Content-Length``; KServe's v2 server answers binary outputs the same way
(``InferResponse.to_rest``, ``python/kserve/kserve/protocol/infer_type.py`` at v0.20.0). The agent
logs both bodies as they are, without that header (``pkg/logger/handler.go``: only
``logger.metadataHeaders`` of the request are kept) and with the request's Content-Type on both
events. The sink answered 400 "body is not JSON" and, since the agent never retries, the features
and predictions were lost. The bodies below are built exactly as ``to_rest`` builds them
(:func:`kserve_to_rest`); the sink decodes every datatype, and a body that does not add up is
refused with 400, counted and logged with its event id. Real ``ctloop logger serve``, real HTTP."""

from __future__ import annotations

import json
import struct
import uuid

import httpx
import numpy as np
import orjson
import pytest

from ctloop.inference_log.binary_tensors import BinaryTensorError, decode, split
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.test_sink_server import metrics_once_written, read_rows
from tests.inference_log.test_v2_request_id import agent_headers

pytestmark = pytest.mark.slow


def serialize_byte_tensor(array: np.ndarray) -> bytes:
    """``serialize_byte_tensor`` of infer_type.py (v0.20.0): each element a 4-byte little-endian
    length and its bytes (str elements UTF-8 encoded), row-major."""
    parts = []
    for obj in np.nditer(array, flags=["refs_ok"], order="C"):
        s = obj.item() if isinstance(obj.item(), bytes) else str(obj.item()).encode("utf-8")
        parts += [struct.pack("<I", len(s)), s]
    return b"".join(parts)


def raw_data(array: np.ndarray, datatype: str) -> bytes:
    """``set_data_from_numpy(..., binary_data=True)`` (infer_type.py, v0.20.0): ``tobytes()``, or
    ``serialize_byte_tensor`` for BYTES."""
    return serialize_byte_tensor(array) if datatype == "BYTES" else array.tobytes()


def kserve_to_rest(head: dict, key: str, tensors: list[tuple[str, str, np.ndarray]]) -> tuple[bytes, int]:
    """``InferRequest.to_rest`` / ``InferResponse.to_rest`` (infer_type.py, v0.20.0) with every
    tensor binary: ``{"name", "shape", "datatype", "parameters": {"binary_data_size": n}}`` per
    tensor, ``orjson.dumps`` of the header, then the raw bytes in tensor order. Returns the body
    and the ``Inference-Header-Content-Length`` the server or client would send with it."""
    infos, raws = [], []
    for name, datatype, array in tensors:
        raw = raw_data(array, datatype)
        infos.append({"name": name, "shape": list(array.shape), "datatype": datatype,
                      "parameters": {"binary_data_size": len(raw)}})
        raws.append(raw)
    header = orjson.dumps({**head, key: infos})
    return b"".join([header, *raws]), len(header)


FEATURES = [  # one column of each datatype KServe's numpy codec knows (numpy_codec.to_np_dtype)
    ("flag", "BOOL", np.array([True, False, True])),
    ("i8", "INT8", np.array([-128, 0, 127], dtype=np.int8)),
    ("i16", "INT16", np.array([-32768, 1, 32767], dtype=np.int16)),
    ("i32", "INT32", np.array([-(2**31), 2, 2**31 - 1], dtype=np.int32)),
    ("i64", "INT64", np.array([-(2**53), 3, 2**53], dtype=np.int64)),  # extremes: see the unit test below
    ("u8", "UINT8", np.array([0, 1, 255], dtype=np.uint8)),
    ("u16", "UINT16", np.array([0, 2, 65535], dtype=np.uint16)),
    ("u32", "UINT32", np.array([0, 3, 2**32 - 1], dtype=np.uint32)),
    ("u64", "UINT64", np.array([0, 4, 2**53], dtype=np.uint64)),
    ("h", "FP16", np.array([0.5, -1.25, 65504.0], dtype=np.float16)),
    ("f", "FP32", np.array([1.5, -2.25, 3.0e38], dtype=np.float32)),
    ("d", "FP64", np.array([0.1, -1e300, 2.5], dtype=np.float64)),
    ("city", "BYTES", np.array(["Köln", "", "Zürich"], dtype=np.object_)),
    ("pair", "FP32", np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=np.float32)),  # shape [3, 2]
]


def test_kserve_binary_requests_and_responses_are_logged_with_every_datatype(tmp_path):
    body_id = str(uuid.uuid4())
    request, json_length = kserve_to_rest({"id": body_id, "model_name": "credit"}, "inputs", FEATURES)
    assert len(request) > json_length  # the client would send Inference-Header-Content-Length: json_length
    proba = np.array([[0.8, 0.2], [0.3, 0.7], [0.5, 0.5]])
    response, _ = kserve_to_rest({"id": body_id, "model_name": "credit", "model_version": "4"}, "outputs",
                                 [("predict", "INT64", np.array([0, 1, 1])), ("predict_proba", "FP64", proba),
                                  ("label", "BYTES", np.array([b"no", b"yes", b"yes"], dtype=np.object_))])
    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client() as client:
            for kind, body in (("request", request), ("response", response)):
                headers = {**agent_headers("bin-1", kind), "Content-Type": "application/octet-stream"}
                answer = client.post(url, headers=headers, content=body)
                assert answer.status_code == 200, answer.text
            metrics_once_written(client, url, 2)
    finally:
        stop_group(proc)
    rows = read_rows(tmp_path / "root").sort_values("instance").reset_index(drop=True)
    assert len(rows) == 3 and rows["has_request"].all() and rows["has_response"].all()
    for name, _, array in FEATURES:
        if array.ndim == 2:
            for j in range(array.shape[1]):
                assert rows[f"{name}_{j}"].tolist() == array[:, j].tolist(), name
        else:
            assert rows[name].tolist() == array.tolist(), name
    assert rows["prediction_predict"].tolist() == [0, 1, 1]
    assert rows["prediction_predict_proba_1"].tolist() == [0.2, 0.7, 0.5]
    assert rows["prediction_label"].tolist() == ["no", "yes", "yes"]
    assert set(rows["model_version"]) == {"4"} and set(rows["meta_inference_id"]) == {body_id}


def test_binary_bodies_that_do_not_add_up_are_refused_counted_and_logged(tmp_path):
    good, _ = kserve_to_rest({"model_name": "credit"}, "inputs", [("x", "FP32", np.array([1.0, 2.0], np.float32))])
    _, tail = split(good)
    bad = {
        "short": good[:-1],  # the last byte cut off
        "extra": good + b"\x00",  # a byte no tensor claims
        "count": orjson.dumps({"inputs": [{"name": "x", "shape": [3], "datatype": "FP32",
                                           "parameters": {"binary_data_size": 8}}]}) + tail,
        "dtype": orjson.dumps({"inputs": [{"name": "x", "shape": [2], "datatype": "FP8",
                                           "parameters": {"binary_data_size": 8}}]}) + tail,
        "header": b'{"inputs": "\xff"}' + tail,  # a JSON header that is not UTF-8
    }
    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client() as client:
            errors = {}
            for name, body in bad.items():
                headers = {**agent_headers(f"bad-{name}", "request"), "Content-Type": "application/octet-stream"}
                answer = client.post(url, headers=headers, content=body)
                assert answer.status_code == 400, (name, answer.text)
                errors[name] = answer.json()["error"]
            metrics = client.get(f"{url}/metrics").text
    finally:
        stop_group(proc)
    assert "runs past the end of the body" in errors["short"]
    assert "1 bytes follow the last binary tensor" in errors["extra"]
    assert "8 bytes of FP32 data for shape [3] (expected 3 x 4 = 12)" in errors["count"]
    assert "datatype 'FP8' is not one of" in errors["dtype"]
    assert "is not UTF-8 JSON" in errors["header"]
    assert 'ctloop_log_events_rejected_total{reason="bad_payload"} 4' in metrics
    assert 'ctloop_log_events_rejected_total{reason="bad_json"} 1' in metrics
    log = (tmp_path / "sink.log").read_text().splitlines()
    for name in bad:
        lines = [line for line in log if f"refused event bad-{name}:" in line]
        assert len(lines) == 1, (name, log)


def test_a_request_tensor_with_data_keeps_it_and_a_zero_size_binary_reads_nothing():
    """``InferRequest.from_bytes`` (infer_type.py, v0.20.0) reads ``data`` first and only then
    ``binary_data_size``; ``InferResponse.from_bytes`` the other way round."""
    payload = {"inputs": [{"name": "a", "shape": [1], "datatype": "INT32", "data": [7],
                           "parameters": {"binary_data_size": 4}},
                          {"name": "b", "shape": [1], "datatype": "INT32", "parameters": {"binary_data_size": 4}}]}
    out = decode(payload, struct.pack("<i", 9), "request")
    assert [t["data"] for t in out["inputs"]] == [[7], [9]] and "parameters" not in out["inputs"][1]
    with pytest.raises(BinaryTensorError, match="runs past the end"):
        decode({"outputs": payload["inputs"]}, struct.pack("<i", 9), "response")
    empty = {"inputs": [{"name": "e", "shape": [0], "datatype": "FP64", "parameters": {"binary_data_size": 0}}]}
    assert decode(empty, b"", "request")["inputs"][0]["data"] == []


def test_a_header_with_non_ascii_text_splits_at_the_right_byte():
    body = json.dumps({"inputs": [{"name": "größe", "shape": [1], "datatype": "UINT8",
                                   "parameters": {"binary_data_size": 1}}]}, ensure_ascii=False).encode() + b"\x2a"
    header, tail = split(body)
    assert tail == b"\x2a" and decode(header, tail, "request")["inputs"][0]["data"] == [42]


def test_every_value_of_64_bit_integers_is_decoded_exactly():
    """(The Parquet column types are the sink's business: this is what the decoder hands it.)"""
    for datatype, array in (("INT64", np.array([-(2**63), 2**63 - 1], np.int64)),
                            ("UINT64", np.array([0, 2**64 - 1], np.uint64))):
        payload = {"outputs": [{"name": "v", "shape": [2], "datatype": datatype,
                                "parameters": {"binary_data_size": 16}}]}
        assert decode(payload, array.tobytes(), "response")["outputs"][0]["data"] == array.tolist()


def test_binary_data_of_narrow_types_is_held_to_the_values_cap_before_it_is_decoded(tmp_path):
    """One byte of INT8 is one value, and the sink's memory goes by values (docs/inference-log.md
    "Body size"): a binary body is held to --max-body-bytes / 16 values, 16 a row included
    (tests/inference_log/test_sink_values_cap.py), refused 413 ``too_many_values``."""
    fits, _ = kserve_to_rest({"model_name": "credit"}, "inputs", [("x", "INT8", np.zeros(3, np.int8))])  # 51
    over, _ = kserve_to_rest({"model_name": "credit"}, "inputs", [("x", "INT8", np.zeros(4, np.int8))])  # 68
    wide, _ = kserve_to_rest({"model_name": "credit"}, "inputs", [("x", "INT8", np.zeros(126, np.int8))])
    proc, url = start_sink(tmp_path, max_body_bytes=1000)
    try:
        with httpx.Client() as client:
            statuses = [client.post(url, headers={**agent_headers(name, "request"),
                                                  "Content-Type": "application/octet-stream"}, content=body).status_code
                        for name, body in (("fits", fits), ("over", over), ("wide", wide))]
            metrics = client.get(f"{url}/metrics").text
    finally:
        stop_group(proc)
    assert statuses == [200, 413, 413] and len(wide) < 1000
    assert 'ctloop_log_events_rejected_total{reason="too_many_values"} 2' in metrics
    log = (tmp_path / "sink.log").read_text()
    assert "refused event over (model credit): request body holds at least 68 values (16 a row included), more than the 62" in log
    assert "refused event wide (model credit): request body holds at least 126 values" in log  # counted before decoding


def test_a_blob_record_of_a_binary_body_is_imported(tmp_path):
    """KServe's blob logger keeps the body as base64 ``bytes`` (pkg/logger/types.go ``LogRequest``,
    v0.20.0); ``ctloop logger import`` reads it as a structured event's ``data_base64``."""
    from ctloop.inference_log.blob_import import decode_object
    from tests.inference_log.test_blob_import import log_request

    body, _ = kserve_to_rest({"model_name": "credit"}, "inputs",
                             [("income", "FP32", np.array([1.5, 2.5], np.float32)),
                              ("city", "BYTES", np.array(["Köln", "Bonn"], dtype=np.object_))])
    (event,) = decode_object("k", json.dumps(log_request(7, "request", body=body)).encode()).events
    assert [t["data"] for t in event.body["inputs"]] == [[1.5, 2.5], ["Köln", "Bonn"]]

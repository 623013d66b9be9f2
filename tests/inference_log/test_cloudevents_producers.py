"""Issue 12: producers other than KServe's agent. The official CloudEvents Python SDK
(``cloudevents`` 2.2.0, ``cloudevents.core.bindings.http``) percent-encodes binary-mode header
values as the CloudEvents HTTP protocol binding 1.0.2 §3.1.3.2 requires (``"`` → ``%22``, space →
``%20``, non-ASCII as UTF-8 bytes), and also sends structured mode (``Content-Type:
application/cloudevents+json``, JSON event format §3, ``data`` or ``data_base64``). The sink
rejected both with 400. KServe's agent (cloudevents sdk-go v2.16.2 in KServe v0.20.0) does not
encode (cloudevents/sdk-go#1331): its headers, a client's '%' included, are stored as they are.
Real sink process, real HTTP on loopback."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from cloudevents.core.bindings.http import to_binary, to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.test_sink_server import metrics_once_written, read_rows

pytestmark = pytest.mark.slow

ORDER = "A-17 «größer» \"quoted\" 100%"  # space, quotes, percent and non-ASCII: every case of §3.1.3.2


def sdk_event(ce_id: str, kind: str, data) -> CloudEvent:
    return CloudEvent(
        attributes={"id": ce_id, "type": f"org.kubeflow.serving.inference.{kind}", "source": "batch-scorer/2",
                    "specversion": "1.0", "time": datetime(2026, 11, 22, 10, 31, 2, 417000, tzinfo=UTC),
                    "datacontenttype": "application/json", "inferenceservicename": "credit-default",
                    "namespace": "ctloop", "component": "predictor",
                    "metadata": json.dumps({"X-Order-Id": [f"{ORDER} {ce_id}"]}, ensure_ascii=False)},
        data=data)


def kserve_headers(ce_id: str, kind: str) -> dict[str, str]:
    """As KServe's agent sends them (sdk-go, binary mode, values not encoded)."""
    return {"ce-id": ce_id, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-namespace": "ctloop", "ce-component": "predictor", "ce-endpoint": "",
            "ce-metadata": '{"X-Order-Id":["K-1 %22x%22"]}', "ce-time": "2026-11-22T10:31:02.417396123Z",
            "content-type": "application/json"}


def test_the_cloudevents_sdk_binary_and_structured_and_kserve_style_all_land(tmp_path):
    sends = []
    binary = to_binary(sdk_event("sdk-bin", "request", {"instances": [{"income": 1.5}]}), JSONFormat())
    assert "%22" in binary.headers["ce-metadata"] and "%C3%B6" in binary.headers["ce-metadata"]  # really encoded
    sends.append((binary.headers, binary.body))
    out = to_binary(sdk_event("sdk-bin", "response", {"predictions": [0.25], "model_version": "4"}), JSONFormat())
    sends.append((out.headers, out.body))
    structured = to_structured(sdk_event("sdk-struct", "request", {"instances": [{"income": 2.5}]}), JSONFormat())
    assert structured.headers["content-type"].startswith("application/cloudevents+json")
    assert '"data":' in structured.body.decode()
    sends.append((structured.headers, structured.body))
    # bytes data: the JSON event format carries it as data_base64
    b64 = to_structured(sdk_event("sdk-struct", "response", json.dumps({"predictions": [0.75]}).encode()),
                        JSONFormat())
    assert '"data_base64":' in b64.body.decode()
    sends.append((b64.headers, b64.body))
    sends.append((kserve_headers("kserve", "request"), b'{"instances": [{"income": 3.5}]}'))
    sends.append((kserve_headers("kserve", "response"), b'{"predictions": [0.5], "model_version": "4"}'))

    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client() as client:
            answers = [client.post(url, headers=h, content=body) for h, body in sends]
            metrics = metrics_once_written(client, url, 6)
    finally:
        stop_group(proc)
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    rows = read_rows(tmp_path / "root").set_index("request_id")
    assert rows.loc["sdk-bin", "income"] == 1.5 and rows.loc["sdk-bin", "prediction"] == 0.25
    assert rows.loc["sdk-bin", "meta_x_order_id"] == f"{ORDER} sdk-bin"  # percent-decoded, UTF-8
    assert rows.loc["sdk-bin", "time"] == "2026-11-22T10:31:02.417Z"  # r55: one text per instant (RFC3339Nano)
    assert rows.loc["sdk-struct", "income"] == 2.5 and rows.loc["sdk-struct", "prediction"] == 0.75
    assert rows.loc["sdk-struct", "meta_x_order_id"] == f"{ORDER} sdk-struct"
    assert rows.loc["kserve", "meta_x_order_id"] == "K-1 %22x%22" and rows.loc["kserve", "prediction"] == 0.5
    assert rows.has_request.all() and rows.has_response.all()
    # every reason is exported from the start, at 0 until refused: none was
    assert all(line.endswith(" 0") for line in metrics.splitlines() if line.startswith("ctloop_log_events_rejected_total{"))


@pytest.mark.parametrize(("headers", "body", "status", "reason"), [
    # a producer that encodes (no ce-endpoint: not KServe's agent); overlong space: §3.1.3.2 says reject
    ({"ce-metadata": "%C0%A0", "ce-endpoint": None}, b'{"instances": [[1]]}', 400, "not UTF-8"),
    ({"content-type": "application/cloudevents-batch+json"}, b"[]", 415, "batched"),
    # structured mode carries its specversion in the body: with the agent's ce-* headers and a
    # ce-specversion, cloudevents+json is the Content-Type of the model's request in a binary event
    # (tests/inference_log/test_cloudevent_inference_requests.py)
    ({"content-type": "application/cloudevents+json", "ce-specversion": None}, b'{"specversion": "1.0", "id": "x"}',
     400, "missing CloudEvent attribute(s) in the structured event: type, source, inferenceservicename"),
    ({"content-type": "application/cloudevents+json", "ce-specversion": None},
     b'{"specversion": "1.0", "id": "x", "type": "a.inference.request", "source": "s", '
     b'"inferenceservicename": "m", "data_base64": "***"}', 400, "data_base64 is not base64"),
])
def test_malformed_encodings_are_400_or_415_with_the_reason(tmp_path, headers, body, status, reason):
    proc, url = start_sink(tmp_path)
    try:
        with httpx.Client() as client:
            sent = {k: v for k, v in {**kserve_headers("bad", "request"), **headers}.items() if v is not None}
            r = client.post(url, headers=sent, content=body)
    finally:
        stop_group(proc)
    assert r.status_code == status and reason in r.json()["error"], r.text

import json

import pytest

from ctloop.inference_log.events import (
    Event,
    RejectedEvent,
    join,
    parse_event,
    revision_from_source,
)


def headers(kind="request", **extra):
    h = {"ce-id": "r-1", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
         "ce-source": "credit-predictor-00002-deployment-7d9f6c-abcde", "ce-inferenceservicename": "credit",
         "ce-namespace": "ml", "ce-component": "predictor"}
    h.update(extra)
    return h


def test_revision_is_parsed_from_the_pod_name():
    assert revision_from_source("credit-predictor-00002-deployment-7d9f6c-abcde", "predictor") == "credit-predictor-00002"
    assert revision_from_source("credit-predictor-default-00003-deployment-x", "predictor") == "credit-predictor-default-00003"


def test_v1_pair_joins_to_one_row_per_instance():
    req = parse_event(headers(), json.dumps({"instances": [{"income": 1.0, "region": "n"}, {"income": 2.0, "region": "s"}]}).encode())
    res = parse_event(headers("response"), json.dumps({"predictions": [[0.9, 0.1], [0.2, 0.8]]}).encode())
    rows = join(req, res)
    assert [(r["instance"], r["income"], r["prediction_1"]) for r in rows] == [(0, 1.0, 0.1), (1, 2.0, 0.8)]
    assert all(r["revision"] == "credit-predictor-00002" and r["model"] == "credit" for r in rows)


def test_v2_tensors():
    req = parse_event(headers(), json.dumps({"inputs": [
        {"name": "income", "shape": [2], "datatype": "FP64", "data": [1.0, 2.0]},
        {"name": "region", "shape": [2], "datatype": "BYTES", "data": ["n", "s"]}]}).encode())
    res = parse_event(headers("response"), json.dumps({"outputs": [
        {"name": "probabilities", "shape": [2, 2], "datatype": "FP64", "data": [0.9, 0.1, 0.2, 0.8]}]}).encode())
    rows = join(req, res)
    assert rows[1]["income"] == 2.0 and rows[1]["prediction_probabilities_1"] == 0.8


@pytest.mark.parametrize("h, body, match", [
    ({"ce-id": None}, b"{}", "missing CloudEvent header"),
    ({"ce-type": "something.else"}, b"{}", "unknown ce-type"),
    ({}, b"{not json", "not JSON"),
    ({}, b"[1, 2]", "JSON object"),
])
def test_malformed_events_are_rejected_with_400(h, body, match):
    hdr = {k: v for k, v in {**headers(), **h}.items() if v is not None}
    with pytest.raises(RejectedEvent, match=match) as exc:
        parse_event(hdr, body)
    assert exc.value.status == 400


def test_reject_codes_are_a_fixed_set_whatever_the_client_sends():
    from ctloop.inference_log.events import REASONS

    with pytest.raises(RejectedEvent) as exc:
        parse_event(headers(**{"ce-type": 'evil"} 1\nfake_metric 9'}), b"{}")
    assert exc.value.code == "unknown_type" and exc.value.code in REASONS
    with pytest.raises(RejectedEvent) as exc:
        parse_event(headers(**{"ce-specversion": "0.3"}), b"{}")
    assert exc.value.code == "bad_specversion"
    with pytest.raises(RejectedEvent, match="unknown ce-type"):
        parse_event(headers(**{"ce-type": "my.request"}), b"{}")  # only …inference.request counts


def test_metadata_headers_become_meta_columns_for_business_keys():
    """KServe's logger.metadataHeaders arrive as ce-metadata: JSON of header -> list of values."""
    req = parse_event(headers("request", **{"ce-metadata": '{"X-Order-Id": ["A-17"], "x-b3-traceid": ["t1", "t2"]}'}),
                      b'{"instances": [{"x": 1}, {"x": 2}]}')
    resp = parse_event(headers("response"), b'{"predictions": [0, 1]}')
    rows = join(req, resp)
    assert [r["meta_x_order_id"] for r in rows] == ["A-17", "A-17"]
    assert rows[0]["meta_x_b3_traceid"] == "t1,t2"
    assert Event.from_json(req.to_json()) == req  # the WAL keeps it


@pytest.mark.parametrize("value", ["not json", "[1, 2]"])
def test_malformed_metadata_is_rejected(value):
    with pytest.raises(RejectedEvent, match="ce-metadata") as info:
        parse_event(headers("request", **{"ce-metadata": value}), b'{"instances": []}')
    assert info.value.code == "bad_header"


def test_wal_line_keeps_the_body_verbatim_and_on_one_line():
    body = b'{"instances":\n [{"note": "a\\nb", "x": 1.50}]}\r\n'
    e = parse_event(headers("request"), body)
    line = e.to_json()
    assert "\n" not in line and '"x": 1.50' in line
    assert Event.from_json(line).body == {"instances": [{"note": "a\nb", "x": 1.5}]}

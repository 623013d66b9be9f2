import json
import re

import pytest

from ctloop.inference_log.events import (
    REASONS,
    Event,
    PairMismatch,
    PayloadError,
    RejectedEvent,
    join,
    parse_event,
    path_safe,
    revision_from_source,
    row_revision,
)

# What KServe's agent actually sends by default: the injector passes the pod name as
# --source-uri, which is empty at admission time, so the agent falls back to its own address.
KSERVE_SOURCE = "http://localhost:9081/"
# A pod name, as sent when --source-uri is the pod (older KServe, or a patched injector).
POD_SOURCE = "credit-default-predictor-00002-deployment-5d8c9f7b4-x2x7q"


def headers(kind="request", **extra):
    h = {"ce-id": "5a1c0f2e-7a8b-4d0e-9c1f-2b3d4e5f6a7b", "ce-type": f"org.kubeflow.serving.inference.{kind}",
         "ce-specversion": "1.0", "ce-source": KSERVE_SOURCE, "ce-time": "2026-11-22T10:31:02.417396123Z",
         "ce-inferenceservicename": "credit-default", "ce-namespace": "ctloop", "ce-component": "predictor",
         "ce-endpoint": "", "ce-metadata": "{}"}
    h.update(extra)
    return h


def event(kind, body, **extra):
    return parse_event(headers(kind, **extra), json.dumps(body).encode())


# ------------------------------------------------------------------ revision / model_version
def test_revision_is_parsed_from_a_pod_name_source_only():
    assert revision_from_source(POD_SOURCE) == "credit-default-predictor-00002"
    assert revision_from_source("credit-predictor-default-00003-deployment-6b7c8d9f5-abcde") == \
        "credit-predictor-default-00003"
    assert revision_from_source("credit-default-predictor-00002") == "credit-default-predictor-00002"
    assert revision_from_source(KSERVE_SOURCE) == ""  # not a pod: no revision from it
    assert revision_from_source("") == ""
    assert revision_from_source("a/b-predictor-00001-deployment-x-y") == ""  # never a path part with '/'


def test_kserve_default_source_takes_the_revision_from_the_model_version_in_the_response():
    """The real case: ce-source is http://localhost:9081/ for canary and stable alike; the ctloop
    runtime's response names the model version, which tells them apart and is path-safe."""
    req = event("request", {"instances": [{"income": 1.0}]})
    canary = event("response", {"predictions": [[0.9, 0.1]], "model_name": "credit-default", "model_version": "3"})
    stable = event("response", {"predictions": [[0.8, 0.2]], "model_name": "credit-default", "model_version": "2"})
    (row,) = join(req, canary)
    assert (row["revision"], row["model_version"]) == ("v3", "3")
    assert join(req, stable)[0]["revision"] == "v2"
    assert "/" not in row["revision"] and ":" not in row["revision"]


def test_a_pod_name_source_wins_and_the_model_version_is_still_recorded():
    req = event("request", {"instances": [{"income": 1.0}]}, **{"ce-source": POD_SOURCE})
    res = event("response", {"predictions": [1], "model_version": "3"}, **{"ce-source": POD_SOURCE})
    (row,) = join(req, res)
    assert (row["revision"], row["model_version"]) == ("credit-default-predictor-00002", "3")


def test_without_any_version_the_revision_is_unknown_and_model_version_empty():
    (row,) = join(event("request", {"instances": [[1.0]]}), event("response", {"predictions": [0]}))
    assert (row["revision"], row["model_version"]) == ("unknown", "")
    v2 = {"model_name": "credit-default", "model_version": None, "id": "x",
          "outputs": [{"name": "output-0", "shape": [1], "datatype": "INT64", "data": [0]}]}
    (row,) = join(event("request", {"instances": [[1.0]]}), event("response", v2))
    assert (row["revision"], row["model_version"]) == ("unknown", "")  # KServe's v2 default: null


def test_metadata_annotations_carry_the_model_version_even_without_a_response():
    """logger.metadataAnnotations: ["ctloop.dev/model-version"] → ce-annotations on every event."""
    ann = {"ce-annotations": json.dumps({"ctloop.dev/model-version": "4", "other": "x"})}
    req = event("request", {"instances": [{"income": 1.0}]}, **ann)
    (row,) = join(req, None)  # the response never came (join TTL)
    assert (row["revision"], row["model_version"], row["has_response"]) == ("v4", "4", False)
    with pytest.raises(RejectedEvent, match="ce-annotations") as info:
        event("request", {"instances": []}, **{"ce-annotations": "[1]"})
    assert info.value.code == "bad_header"


@pytest.mark.parametrize("version, expected", [
    ("3", "v3"), (7, "v7"), ("1.2.0", "v1.2.0"), ("http://x:1/../y", "vhttp_x_1___y"), ("A/B", "va_b"), ("..", "v_"),
])
def test_revision_is_always_path_safe(version, expected):
    res = event("response", {"predictions": [1], "model_version": version})
    (row,) = join(None, res)
    assert row["revision"] == expected and row["model_version"] == str(version)
    assert not set(row["revision"]) & set("/:=\\ ") and ".." not in row["revision"]


def test_path_safe_and_row_revision():
    assert path_safe("Credit/Default:00002") == "credit_default_00002"
    assert row_revision("", "") == "unknown" and row_revision("r-00001", "9") == "r-00001"


# ------------------------------------------------------------------ v1 / v2 rows
def test_v1_object_instances_join_to_one_row_per_instance():
    req = event("request", {"instances": [{"income": 1.0, "region": "n"}, {"income": 2.0, "region": "s"}]})
    res = event("response", {"predictions": [[0.9, 0.1], [0.2, 0.8]], "model_version": "2"})
    rows = join(req, res)
    assert [(r["instance"], r["income"], r["prediction_1"]) for r in rows] == [(0, 1.0, 0.1), (1, 2.0, 0.8)]
    assert all(r["model"] == "credit-default" and r["namespace"] == "ctloop" for r in rows)
    assert rows[0]["time"] == "2026-11-22T10:31:02.417396123Z"


def test_v1_list_instances_become_f_columns():
    """KServe's own iris example: rows as lists, predictions as scalars."""
    req = event("request", {"instances": [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6]]})
    res = event("response", {"predictions": [1, 2]})
    rows = join(req, res)
    assert [{k: r[k] for k in ("f0", "f1", "f2", "f3", "prediction")} for r in rows] == [
        {"f0": 6.8, "f1": 2.8, "f2": 4.8, "f3": 1.4, "prediction": 1},
        {"f0": 6.0, "f1": 3.4, "f2": 4.5, "f3": 1.6, "prediction": 2}]


NESTED = {"inputs": [{"name": "input-0", "shape": [2, 4], "datatype": "FP32",
                      "data": [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6]]}]}  # KServe's sklearn v2 example
FLAT = {"inputs": [{"name": "input-0", "shape": [2, 4], "datatype": "FP32",
                    "data": [6.8, 2.8, 4.8, 1.4, 6.0, 3.4, 4.5, 1.6]}]}  # the same tensor, row-major


@pytest.mark.parametrize("body", [NESTED, FLAT], ids=["nested", "flat"])
def test_v2_input_tensor_of_shape_n_by_k_nested_or_flat(body):
    rows = join(event("request", body), None)
    assert [[r[f"input-0_{j}"] for j in range(4)] for r in rows] == [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6]]
    assert [r["instance"] for r in rows] == [0, 1]


@pytest.mark.parametrize("data", [[[0.9, 0.1], [0.2, 0.8]], [0.9, 0.1, 0.2, 0.8]], ids=["nested", "flat"])
def test_v2_output_tensor_of_shape_n_by_k_nested_or_flat(data):
    res = event("response", {"model_name": "credit-default", "model_version": "3", "id": "r",
                             "outputs": [{"name": "probabilities", "shape": [2, 2], "datatype": "FP64", "data": data},
                                         {"name": "label", "shape": [2, 1], "datatype": "INT64", "data": [[0], [1]]}]})
    rows = join(event("request", FLAT), res)
    assert [(r["prediction_probabilities_0"], r["prediction_probabilities_1"], r["prediction_label"]) for r in rows] \
        == [(0.9, 0.1, 0), (0.2, 0.8, 1)]
    assert rows[1]["input-0_3"] == 1.6 and rows[1]["model_version"] == "3"


def test_v2_column_tensors_of_shape_n():
    req = event("request", {"inputs": [
        {"name": "income", "shape": [2], "datatype": "FP64", "data": [1.0, 2.0]},
        {"name": "region", "shape": [2], "datatype": "BYTES", "data": ["n", "s"]}]})
    rows = join(req, None)
    assert [(r["income"], r["region"]) for r in rows] == [(1.0, "n"), (2.0, "s")]


def test_a_pair_without_instances_still_gives_one_row():
    """Never acknowledged and then dropped: a body with no instances still leaves a row."""
    rows = join(event("request", {"instances": []}), event("response", {"predictions": []}))
    assert len(rows) == 1 and rows[0]["has_request"] and rows[0]["has_response"]


def test_a_feature_named_like_an_identity_column_cannot_replace_it():
    req = event("request", {"instances": [{"revision": "../../etc", "model": "x", "income": 1.0}]})
    (row,) = join(req, None)
    assert (row["revision"], row["model"]) == ("unknown", "credit-default")
    assert (row["input_revision"], row["input_model"], row["income"]) == ("../../etc", "x", 1.0)


# ------------------------------------------------------------------ rejections
@pytest.mark.parametrize("kind, body, field", [
    ("request", {"instances": 5}, "'instances' must be a list"),
    ("request", {"inputs": None}, "'inputs' must be a list"),
    # TF Serving's columnar {"income": [1.0]} is rows (test_r39_ingest_tf_serving_outputs.py), as are its
    # tensors of different 0-th dimensions and "x" (one row: test_fix39c_tf_serving_columnar.py); a lone
    # v2 tensor outside its list is none of those
    ("request", {"inputs": {"name": "a", "shape": [1], "datatype": "FP32", "data": [1]}}, "'inputs' must be a list"),
    # ({"inputs": [5]} is a v1 request to KServe: tests/inference_log/test_v1_inputs.py)
    ("request", {"inputs": [{"name": "a", "shape": [1], "datatype": "FP32", "data": [1]}, 5]}, "'inputs'[1] must be an object"),
    ("request", {"inputs": [{"name": "a", "shape": [2], "data": 3}]}, "'inputs'[0].data must be a list"),
    # a rank-3 tensor that fits its data is rows since round 42 (test_r42_infolog_rank3_tensors.py)
    ("request", {"inputs": [{"name": "a", "shape": [2, 2, 1], "data": [1, 2, 3]}]}, "does not fit it"),
    ("request", {"inputs": [{"name": "a", "shape": [2, 2], "data": [1, 2, 3]}]}, "3 values (expected 4)"),
    ("request", {"inputs": [{"name": "a", "shape": [2, 2], "data": [[1, 2], [3]]}]}, "not 2 rows of 2 values"),
    ("request", {"inputs": [{"name": "a", "shape": ["2"], "data": [1, 2]}]}, "'inputs'[0].shape"),
    ("response", {"predictions": 3}, "'predictions' must be a list"),
    ("response", {"outputs": [{"name": "o", "shape": [1], "data": None}]}, "'outputs'[0].data must be a list"),
    ("response", {"predictions": [1], "model_version": {"v": 1}}, "'model_version' must be a string"),
])
def test_payload_shapes_the_join_cannot_use_are_rejected_with_bad_payload(kind, body, field):
    with pytest.raises(RejectedEvent) as info:
        event(kind, body)
    assert info.value.status == 400 and info.value.code == "bad_payload"
    assert field in info.value.reason and kind in info.value.reason


def test_join_of_an_unvalidated_body_raises_payload_error_not_type_error():
    """Events from an old WAL never went through parse_event: the join names the problem."""
    req = Event(id="x", kind="request", model="credit-default", namespace="", component="predictor",
                revision="", source=KSERVE_SOURCE, time="2026-11-22T10:00:00Z", body={"instances": 5})
    with pytest.raises(PayloadError, match="'instances' must be a list"):
        join(req, None)


@pytest.mark.parametrize("h, body, match", [
    ({"ce-id": None}, b"{}", "missing CloudEvent header"),
    ({"ce-type": "something.else"}, b"{}", "unknown ce-type"),
    ({}, b"{not json", "not JSON"),
    ({}, b"[1, 2]", "JSON object"),
    ({"ce-inferenceservicename": "../../etc"}, b"{}", "not an InferenceService name"),
    ({"ce-time": "yesterday"}, b"{}", "RFC 3339"),
])
def test_malformed_events_are_rejected_with_400(h, body, match):
    hdr = {k: v for k, v in {**headers(), **h}.items() if v is not None}
    with pytest.raises(RejectedEvent, match=match) as exc:
        parse_event(hdr, body)
    assert exc.value.status == 400 and exc.value.code in REASONS


def test_time_is_stored_in_utc():
    assert event("request", {}, **{"ce-time": "2026-11-22T01:30:00+02:00"}).time == "2026-11-21T23:30:00Z"
    assert event("request", {}, **{"ce-time": "2026-11-22T10:31:02Z"}).time == "2026-11-22T10:31:02Z"


@pytest.mark.parametrize("sent", ["2026-11-22t10:31:02.417396123z", "2026-11-22T10:31:02.417396123z",
                                  "2026-11-22t10:31:02.417396123Z"])
def test_time_with_a_lower_case_t_or_z_is_rfc_3339(sent):
    """RFC 3339 section 5.6 (NOTE): "T" and "Z" may alternatively be lower case. A lower-case ``z``
    was a 400 ('not an RFC 3339 timestamp') and the event lost; a lower-case ``t`` was kept but
    rewritten without its nanoseconds. Both are stored as KServe writes them."""
    assert event("request", {}, **{"ce-time": sent}).time == "2026-11-22T10:31:02.417396123Z"


def test_reject_codes_are_a_fixed_set_whatever_the_client_sends():
    with pytest.raises(RejectedEvent) as exc:
        parse_event(headers(**{"ce-type": 'evil"} 1\nfake_metric 9'}), b"{}")
    assert exc.value.code == "unknown_type" and exc.value.code in REASONS
    with pytest.raises(RejectedEvent) as exc:
        parse_event(headers(**{"ce-specversion": "0.3"}), b"{}")
    assert exc.value.code == "bad_specversion"
    with pytest.raises(RejectedEvent, match="unknown ce-type"):
        parse_event(headers(**{"ce-type": "my.request"}), b"{}")  # only …inference.request counts


# ------------------------------------------------------------------ metadata, WAL lines
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


def test_a_wal_line_of_the_previous_version_replays_with_a_path_safe_revision():
    old = ('{"id":"k1","kind":"response","model":"credit-default","namespace":"ctloop","component":"predictor",'
           '"revision":"http://localhost:9081/","source":"http://localhost:9081/","time":"2026-11-22T10:00:00Z",'
           '"metadata":null,"body":{"predictions":[1],"model_version":"3"}}')
    e = Event.from_json(old)
    assert (e.revision, e.model_version) == ("", "3")  # the version from the body it kept
    assert join(None, e)[0]["revision"] == "v3"
    assert join(None, Event.from_json(old.replace(',"model_version":"3"', "")))[0]["revision"] == "unknown"
    with pytest.raises(ValueError, match="InferenceService"):
        Event.from_json(old.replace('"model":"credit-default"', '"model":"../x"'))


@pytest.mark.parametrize("breaks", [b"\n", b"\r\n"])
def test_a_pretty_printed_body_is_one_wal_line_and_replays_unchanged(breaks):
    """The WAL stores the body as received, minus its line breaks (whitespace outside strings);
    a newline inside a string is escaped by JSON and survives."""
    body = {"instances": [{"note": "two\nlines", "x": 1.5}]}
    pretty = json.dumps(body, indent=2).encode().replace(b"\n", breaks)
    event = parse_event(headers(), pretty)
    line = event.to_wal()
    assert b"\n" not in line and b"\r" not in line
    assert Event.from_json(line).body == body == event.body
    compact = json.dumps(body).encode()
    assert parse_event(headers(), compact).raw is compact, "a body without line breaks is not copied"


def test_raw_utf8_header_values_from_kserves_agent_are_not_garbled():
    """sdk-go sends header values unencoded: a business key in UTF-8 reaches the sink as raw
    bytes, which HTTP servers hand over as latin-1 text. Before: stored as 'MÃ¼ller'."""
    raw = {"ce-id": "größe-1", "ce-metadata": '{"X-Customer": ["Müller 100%"]}'}
    h = headers("request", **{k: v.encode().decode("latin-1") for k, v in raw.items()})
    rows = join(parse_event(h, b'{"instances": [[1]]}'), None)
    assert rows[0]["request_id"] == "größe-1" and rows[0]["meta_x_customer"] == "Müller 100%"
    # a latin-1 byte that is not UTF-8 (obs-text) is kept as it came
    latin = parse_event(headers("request", **{"ce-id": "caf\xe9"}), b"{}")
    assert latin.id == "caf\xe9"


def test_two_v2_tensors_with_one_name_are_refused_not_merged():
    """Before: accepted (200), and the second tensor's values silently replaced the first's."""
    body = {"inputs": [{"name": "a", "shape": [1], "datatype": "FP32", "data": [1.0]},
                       {"name": "a", "shape": [1], "datatype": "INT64", "data": [2]}]}
    with pytest.raises(RejectedEvent, match="'inputs'\\[1\\].*name 'a'") as info:
        event("request", body)
    assert info.value.status == 400 and info.value.code == "bad_payload"


# ------------------------------------------------------------------ header values by producer
# KServe v0.20.0's agent: pkg/logger/handler.go copies the client's Ce-Id (getOrCreateID) and the
# logger.metadataHeaders values as the client sent them; pkg/logger/worker.go sends them with
# cloudevents sdk-go, which writes header values unencoded (v2/protocol/http/write_request.go
# SetExtension: Header.Add(prefix+name, types.Format(value)); cloudevents/sdk-go#1331,
# cloudevents/spec#1397). A '%' in such a value is the client's own character.
@pytest.mark.parametrize("name, sent, field, stored", [
    ("ce-metadata", '{"X-Ref":["say %22hi%22"]}', "meta_x_ref", "say %22hi%22"),  # was 400 "not JSON"
    ("ce-metadata", '{"X-Query":["q=caf%E9"]}', "meta_x_query", "q=caf%E9"),  # was 400 "not UTF-8"
    ("ce-metadata", '{"X-Order-Id":["100%"]}', "meta_x_order_id", "100%"),
    ("ce-id", "order%2F17", "request_id", "order%2F17"),  # was stored as 'order/17': labels never joined
    ("ce-id", '"quoted"', "request_id", '"quoted"'),  # sdk-go never quotes either
])
def test_values_from_kserves_agent_are_stored_byte_for_byte(name, sent, field, stored):
    req = parse_event(headers("request", **{name: sent}), b'{"instances": [[1]]}')
    resp = parse_event(headers("response", **{name: sent}), b'{"predictions": [0]}')
    (row,) = join(req, resp)
    assert row[field] == stored


def encoding_producer(kind="request", **extra):
    """Headers of a producer that percent-encodes (the Python ``cloudevents`` SDK): none of the
    extension attributes KServe's agent always sends beyond the name of the InferenceService."""
    h = {k: v for k, v in headers(kind, **extra).items() if k not in ("ce-endpoint", "ce-component")}
    return h


def test_values_of_a_producer_that_encodes_are_percent_decoded():
    req = parse_event(encoding_producer(**{"ce-metadata": "%7B%22X-Ref%22%3A%5B%22say%20%25%22%5D%7D",
                                           "ce-id": "order%2F17"}), b'{"instances": [[1]]}')
    assert (req.id, req.metadata) == ("order/17", {"meta_x_ref": "say %"})
    with pytest.raises(RejectedEvent, match="not UTF-8") as info:
        parse_event(encoding_producer(**{"ce-metadata": "%C0%A0"}), b'{"instances": [[1]]}')
    assert info.value.code == "bad_header"


def spec_encoded(text: str, also: str = "") -> str:
    """``text`` percent-encoded as the CloudEvents HTTP protocol binding v1.0.2 says
    (cloudevents/spec ``cloudevents/bindings/http-protocol-binding.md`` §3.1.3.2): space, ``"``,
    ``%`` and every character outside U+0021-U+007E, as the ``%XY`` of each UTF-8 byte; ``also``:
    characters an encoder escapes beyond that ("unnecessarily percent-encoded MUST be accepted")."""
    return "".join(c if "\x21" <= c <= "\x7e" and c not in '"%' + also else "".join(f"%{b:02X}" for b in c.encode())
                   for c in text)


METADATA = '{"X-Order-Id":["A 17"],"X-Customer":["Müller 100%"]}'


@pytest.mark.parametrize("also", ["", ":{}[],"], ids=["as-required", "more-than-required"])
def test_an_agent_event_whose_json_and_time_attributes_are_percent_encoded_is_decoded(also):
    """KServe's agent with an sdk-go that follows §3.1.3.2 (cloudevents/sdk-go#1331): every
    extension attribute present, ce-metadata/ce-annotations/ce-time encoded. Was: 400 "ce-metadata
    is not JSON" (and "ce-time ... is not an RFC 3339 timestamp"), and the agent never retries."""
    sent = {"ce-metadata": spec_encoded(METADATA, also),
            "ce-annotations": spec_encoded('{"ctloop.dev/model-version": "4"}', also),
            "ce-time": spec_encoded("2026-11-22T10:31:02.417396123Z", also)}
    assert all("%" in v for v in sent.values()) or not also
    req = parse_event(headers("request", **sent), b'{"instances": [[1]]}')
    assert req.metadata == {"meta_x_order_id": "A 17", "meta_x_customer": "Müller 100%"}
    assert (req.model_version, req.time) == ("4", "2026-11-22T10:31:02.417396123Z")
    (row,) = join(req, parse_event(headers("response", **sent), b'{"predictions": [0]}'))
    assert (row["meta_x_order_id"], row["revision"]) == ("A 17", "v4")


def test_an_agent_value_valid_as_sent_is_never_decoded_and_one_invalid_either_way_is_refused():
    """Unencoded sdk-go values that hold a '%' and are valid as sent stay byte for byte (the
    client's own '%22', raw UTF-8 read as latin-1); a value valid neither as sent nor decoded is
    one 400 about the value as sent."""
    raw = '{"X-Ref":["say %22hi%22 to Müller"],"X-Pct":["%7B"]}'
    req = parse_event(headers("request", **{"ce-metadata": raw.encode().decode("latin-1")}), b'{"instances": [[1]]}')
    assert req.metadata == {"meta_x_ref": "say %22hi%22 to Müller", "meta_x_pct": "%7B"}
    with pytest.raises(RejectedEvent, match=r"^ce-metadata is not JSON: ") as info:
        parse_event(headers("request", **{"ce-metadata": "%7B%22a%22"}), b'{"instances": [[1]]}')
    assert (info.value.status, info.value.code) == (400, "bad_header")
    with pytest.raises(RejectedEvent, match=r"^ce-annotations is not JSON"):  # '[1]' decoded: no object either
        parse_event(headers("request", **{"ce-annotations": "%5B1%5D"}), b'{"instances": [[1]]}')
    with pytest.raises(RejectedEvent, match=r"^ce-metadata is not JSON"):  # %C0%A0: no UTF-8 once decoded
        parse_event(headers("request", **{"ce-metadata": "{%22a%22:[%22%C0%A0%22]}"}), b'{"instances": [[1]]}')


# ------------------------------------------------------------------ instances vs predictions
@pytest.mark.parametrize("instances, predictions", [(3, 2), (1, 2), (2, 0)])
def test_a_v1_pair_whose_counts_differ_is_not_paired_row_by_row(instances, predictions):
    """Before, 3 instances and 2 predictions gave a third row with has_response true and a null
    prediction (counted as served); 1 and 2 gave a second row with a prediction and no features."""
    req = event("request", {"instances": [[i] for i in range(instances)]})
    resp = event("response", {"predictions": [0.5] * predictions})
    with pytest.raises(PairMismatch, match=f"{predictions} predictions for {instances} instances") as info:
        join(req, resp)
    assert isinstance(info.value, PayloadError)
    rows = join(req, None)  # what the sink writes instead: the request's rows, no response
    assert len(rows) == instances and not any(r["has_response"] for r in rows)


# v2 (open inference protocol): a tensor's first dimension is its rows. KServe v0.20.0
# python/kserve/kserve/protocol/infer_type.py InferInput.as_numpy / InferOutput.as_numpy reshape
# `data` to `shape`, and python/kserve/kserve/utils/utils.py get_predict_response builds each
# output with shape=list(result.shape): one row per input row, shape[0] == the request's rows.
def v2_input(rows: int, name: str = "input-0", width: int = 2) -> dict:
    return {"name": name, "shape": [rows, width], "datatype": "FP32", "data": [0.5] * (rows * width)}


def v2_output(rows: int, name: str = "output-0") -> dict:
    return {"name": name, "shape": [rows], "datatype": "INT64", "data": [1] * rows}


@pytest.mark.parametrize("inputs, outputs, message", [
    ([v2_input(3)], [v2_output(2)], "output 'output-0' has 2 row(s) (shape[0]) for the request's 3"),
    ([v2_input(1)], [v2_output(2)], "output 'output-0' has 2 row(s) (shape[0]) for the request's 1"),
    ([v2_input(2)], [], "no outputs for the request's 2 row(s)"),
    ([v2_input(2)], [v2_output(2), v2_output(1, "score")], "output 'score' has 1 row(s) (shape[0]) for the request's 2"),
])
def test_a_v2_pair_whose_row_counts_differ_is_not_paired_row_by_row(inputs, outputs, message):
    """Before: paired by position like v1 once was: 3 input rows and 2 output rows gave a third row
    with has_response true and a null prediction; 1 and 2 a row of a prediction without features."""
    req = event("request", {"inputs": inputs})
    resp = event("response", {"outputs": outputs, "model_version": "2"})
    with pytest.raises(PairMismatch, match=re.escape(message)):
        join(req, resp)


def test_v1_and_v2_pairs_whose_rows_match_are_paired():
    req = event("request", {"inputs": [v2_input(2), v2_input(2, "input-1", 1)]})
    rows = join(req, event("response", {"outputs": [v2_output(2), {**v2_output(2, "p"), "shape": [2, 2],
                                                                  "data": [0.1, 0.9, 0.8, 0.2]}]}))
    assert [r["prediction_p_1"] for r in rows] == [0.9, 0.2] and all(r["has_response"] for r in rows)
    rows = join(event("request", {"instances": [[1], [2]]}), event("response", {"outputs": [v2_output(2)]}))
    assert [r["prediction_output-0"] for r in rows] == [1, 1]
    with pytest.raises(PairMismatch, match=re.escape("1 row(s) (shape[0]) for the request's 2")):  # v1 asked, v2 answered
        join(event("request", {"instances": [[1], [2]]}), event("response", {"outputs": [v2_output(1)]}))


@pytest.mark.parametrize("datatype", [["FP64"], {"FP64": 1}])
@pytest.mark.parametrize("kind, key", [("request", "inputs"), ("response", "outputs")])
@pytest.mark.parametrize("max_values", [None, 2])  # 2: over the cap, sizes checked before decoding
def test_a_binary_tensor_whose_datatype_is_a_list_or_object_is_bad_payload(datatype, kind, key, max_values):
    """Was ``TypeError: unhashable type`` out of ``binary_tensors`` (``datatype not in FIXED``):
    a 500 for a malformed body. The Open Inference Protocol's datatype is a string."""
    import struct

    header = {key: [{"name": "x", "shape": [4], "datatype": datatype, "parameters": {"binary_data_size": 32}}]}
    body = json.dumps(header).encode() + struct.pack("<4d", 1.0, 2.0, 3.0, 4.0)
    h = headers(kind, **{"content-type": "application/octet-stream"})
    with pytest.raises(RejectedEvent, match=re.escape(f"datatype {str(datatype)!r}")) as info:
        parse_event(h, body, max_values=max_values)
    assert info.value.status == 400 and info.value.code == "bad_payload", info.value.reason


@pytest.mark.parametrize("time", [["2026-11-22T10:00:00Z"], {"t": 1}, 17.5])
def test_a_wal_line_whose_time_is_not_text_is_a_value_error(time):
    """Replay and ``logger requeue`` set aside a line that is no event on ValueError/TypeError;
    a non-text time was an AttributeError (``'list' object has no attribute 'isascii'``)."""
    line = json.loads(event("request", {"instances": [[1, 2]]}).to_wal())
    with pytest.raises(ValueError, match="time"):
        Event.from_json(json.dumps({**line, "time": time}))

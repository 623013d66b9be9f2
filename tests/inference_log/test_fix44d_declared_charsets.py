"""A declared ``charset`` is honoured only when it names a text charset (fix 44d).

Round 44 decoded a body that is no UTF-8 with whatever codec its ``Content-Type`` named. Python
codecs that are no charsets broke that: ``charset=undefined`` (its decoder always raises
``UnicodeError``) and a NUL in the name (``ValueError``) escaped the parser, so the sink answered
500 (event lost, not counted) and ``ctloop logger import`` failed with a traceback on every rerun;
``charset=unicode_escape`` rewrote values (``C:\\\\new`` became a real newline). A declared charset
the bytes are not in (``utf-16``, ``cp037`` for UTF-8 bytes) gave a 400 although the body reads
as UTF-8 with U+FFFD, as Go's ``encoding/json`` reads it. Now only text charsets are honoured and a
body whose declared-charset text is no JSON is read as UTF-8 with U+FFFD before a 400.
"""

from __future__ import annotations

import base64
import json

import orjson
import pytest

from ctloop.inference_log.blob_import import decode_object
from ctloop.inference_log.events import RejectedEvent, parse_event

BODY = b'{"instances": [{"path": "C:\\\\new", "city": "Z\xfcrich"}]}'  # Latin-1 byte, JSON escape
READ_AS_UTF8 = {"instances": [{"path": "C:\\new", "city": "Z\ufffdrich"}]}


def _binary(charset: str) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {
        "ce-id": "call-1",
        "ce-type": "org.kubeflow.serving.inference.request",
        "ce-specversion": "1.0",
        "ce-source": "http://localhost:9081/",
        "ce-inferenceservicename": "credit-default",
        "ce-namespace": "ns",
        "ce-component": "predictor",
        "ce-endpoint": "",
        "ce-metadata": "{}",
        "ce-time": "2026-11-22T10:31:02.417Z",
        "content-type": f"application/json; charset={charset}",
    }


def _structured(charset: str, body: bytes) -> tuple[dict[str, str], bytes]:
    envelope = {
        "specversion": "1.0",
        "id": "call-1",
        "source": "http://localhost:9081/",
        "type": "org.kubeflow.serving.inference.request",
        "inferenceservicename": "credit-default",
        "datacontenttype": f"application/json; charset={charset}",
        "data_base64": base64.b64encode(body).decode(),
    }
    return {"content-type": "application/cloudevents+json"}, json.dumps(envelope).encode()


def _record(charset: str, body: bytes) -> dict:
    # a blob record of KServe's agent (pkg/logger/marshaller: LogRequest with base64 bytes)
    return {
        "reqType": "org.kubeflow.serving.inference.request",
        "id": "call-1",
        "sourceUri": "http://localhost:9081/",
        "occurrenceTime": "2026-11-22T10:31:02.417Z",
        "inferenceService": "credit-default",
        "namespace": "ns",
        "component": "predictor",
        "endpoint": "",
        "metadata": {},
        "contentType": f"application/json; charset={charset}",
        "bytes": base64.b64encode(body).decode(),
    }


# not charsets: one always raises, one has a NUL, escape codecs rewrite values, byte-to-byte codecs;
# and real charsets the bytes are not in (BODY has an even length: UTF-16 decodes it, to no JSON)
NOT_HONOURED = [
    "undefined",
    "utf-8\x00",
    "unicode_escape",
    "raw_unicode_escape",
    "rot13",
    "base64_codec",
    "utf-16",
    "cp037",
    "no-such-charset",
]


@pytest.mark.parametrize("charset", NOT_HONOURED, ids=lambda c: c.replace("\x00", "NUL"))
def test_a_body_with_a_declared_non_charset_is_read_as_utf8_in_binary_mode(charset):
    assert parse_event(_binary(charset), BODY).body == READ_AS_UTF8


@pytest.mark.parametrize(
    "charset",
    ["undefined", "utf-8\x00", "unicode_escape", "cp037"],
    ids=["undefined", "NUL", "unicode_escape", "cp037"],
)
def test_a_structured_event_with_a_declared_non_charset_is_read_as_utf8(charset):
    headers, envelope = _structured(charset, BODY)
    assert parse_event(headers, envelope).body == READ_AS_UTF8


@pytest.mark.parametrize(
    "charset",
    ["undefined", "utf-8\x00", "unicode_escape"],
    ids=["undefined", "NUL", "unicode_escape"],
)
def test_an_imported_record_with_a_declared_non_charset_is_read_as_utf8(charset):
    other = dict(_record("iso-8859-1", BODY), id="call-2")
    decoded = decode_object("obj.json", orjson.dumps([_record(charset, BODY), other]))
    assert [event.body for event in decoded.events] == [
        READ_AS_UTF8,
        {"instances": [{"path": "C:\\new", "city": "Z\u00fcrich"}]},
    ]


def test_a_real_declared_charset_is_still_honoured():
    assert parse_event(_binary("latin-1"), BODY).body["instances"][0]["city"] == "Z\u00fcrich"


@pytest.mark.parametrize("charset", ["undefined", "unicode_escape", "latin-1"])
def test_a_body_that_is_no_json_either_way_is_still_a_400(charset):
    with pytest.raises(RejectedEvent) as info:
        parse_event(_binary(charset), b'{"instances": [\xfc')
    assert (info.value.status, info.value.code) == (400, "bad_json")

"""A body declared ``latin1`` (or ``us-ascii``) is read as windows-1252, as the WHATWG Encoding
Standard says (round 45).

KServe v0.20.0's agent forwards the model request's bytes and ``Content-Type`` as they are
(``pkg/logger/handler.go``), and KServe's own server never decodes a declared charset
(``python/kserve/kserve/protocol/dataplane.py`` ``decode``: a ``Content-Type`` outside
``JSON_HEADERS``, as any with a ``charset`` parameter is, hands the model the raw bytes; otherwise
``orjson`` reads UTF-8), so the bytes are what the client wrote. A true ISO-8859-1 encoder
(Python's ``http.client`` for a ``str`` body, Java's ``ISO_8859_1``) writes 0x80-0x9F only for the C1
control characters, which no text holds; a windows-1252 encoder labelled ``latin1`` (a Windows
client, an Excel export read as bytes) writes them for ``€``, ``‚``, ``"``, ``™``… That is why the
WHATWG Encoding Standard ("Legacy single-byte encodings", encodings.json) maps the labels
``latin1``, ``iso-8859-1``, ``l1``, ``cp819``, ``ascii``, ``us-ascii``… to windows-1252, as
browsers and Go's ``golang.org/x/net/html/charset`` do. Before, a ``€`` sent so was stored as the
control character U+0080 (a category training never saw), and a ``cp1252`` body holding one of
the five bytes Python's codec leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D; WHATWG maps them to
U+0081…) was read as UTF-8 with U+FFFD for every non-ASCII byte (``Zürich`` → ``Z�rich``).
"""

from __future__ import annotations

import json

import pytest

from ctloop.inference_log.events import parse_event

HEADERS = {  # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
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
}
# "€ 5 – Zürich" as windows-1252 bytes: 0x80 (€) and 0x96 (–) are C1 controls in ISO-8859-1
CP1252 = b'{"instances": [{"price": "\x80 5 \x96 Z\xfcrich"}]}'


def _city(charset: str, body: bytes = CP1252) -> str:
    headers = {**HEADERS, "content-type": f"application/json; charset={charset}"}
    return parse_event(headers, body).body["instances"][0]["price"]


@pytest.mark.parametrize(
    "charset",
    [
        "iso-8859-1",
        "latin1",
        "l1",
        "ISO_8859-1",
        "cp819",
        "iso88591",
        "us-ascii",
        "ascii",
        "windows-1252",
        "cp1252",
        "x-cp1252",
    ],
)
def test_latin1_and_ascii_labels_read_as_windows_1252(charset):
    assert _city(charset) == "\u20ac 5 \u2013 Z\u00fcrich"


@pytest.mark.parametrize("charset", ["latin1", "cp1252"])
def test_bytes_windows_1252_leaves_undefined_map_to_c1_as_whatwg_says(charset):
    # 0x81 and 0x9D have no character in windows-1252: WHATWG decodes them as U+0081/U+009D
    # (Python's cp1252 codec refuses them); the rest of the body is still windows-1252
    body = b'{"instances": [{"price": "\x81\x80 Z\xfcrich\x9d"}]}'
    assert _city(charset, body) == "\u0081\u20ac Z\u00fcrich\u009d"


def test_true_latin_1_text_is_unchanged():
    # what a true ISO-8859-1 encoder writes for text (no C1 control) reads the same either way
    text = "Zürich, Ørsted, ½ × ÿ"
    body = json.dumps({"instances": [{"price": text}]}, ensure_ascii=False).encode("latin-1")
    assert _city("iso-8859-1", body) == text


def test_other_declared_charsets_are_untouched():
    body = '{"instances": [{"price": "Łódź"}]}'.encode("iso-8859-2")
    assert _city("iso-8859-2", body) == "Łódź"

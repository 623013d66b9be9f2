"""windows-1252 bodies (round 45 review D, items 1 and 5).

Item 1: :func:`windows_1252` decoded with ``str.translate`` and a dict, a Python-level lookup per
character: a 10 MB body declared ``charset=iso-8859-1`` took 5.4 s (0.5 s before round 45), all of
it on the sink's asyncio loop. It now decodes with one ``codecs.charmap_decode`` table; what it
returns must stay byte for byte what the WHATWG Encoding Standard's windows-1252 gives: Python's
``cp1252`` for the 251 bytes it defines, U+0081, U+008D, U+008F, U+0090, U+009D for the five it
leaves undefined (WHATWG index-windows-1252.txt maps them to those code points).

Item 5: only the WHATWG spellings (``latin1``, ``iso-8859-1``…) were read as windows-1252; the
Python spellings of the same charsets (``latin-1``, ``latin_1``, ``iso8859_1``, ``8859``, ``646``…)
were still decoded as ISO-8859-1 / ASCII, so the same bytes became different text by the label's
spelling. Any label whose Python codec is ``iso8859-1``, ``ascii`` or ``cp1252`` now reads as
windows-1252.
"""

from __future__ import annotations

import pytest

from ctloop.inference_log.events import parse_event, windows_1252

UNDEFINED = (0x81, 0x8D, 0x8F, 0x90, 0x9D)

HEADERS = {  # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go)
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
CP1252 = b'{"instances": [{"price": "\x80 5 \x96 Z\xfcrich\x81"}]}'


def _expected(byte: int) -> str:
    return chr(byte) if byte in UNDEFINED else bytes([byte]).decode("cp1252")


def test_every_byte_decodes_as_whatwg_windows_1252():
    body = bytes(range(256))
    assert windows_1252(body) == "".join(_expected(b) for b in range(256))
    assert windows_1252(body * 3) == windows_1252(body) * 3
    assert windows_1252(b"") == ""


@pytest.mark.parametrize(
    "charset",
    [
        "latin-1",
        "latin_1",
        "iso8859_1",
        "iso_8859_1",
        "8859",
        "LATIN-1",
        "646",
        "us",
        "windows_1252",
    ],
)
def test_python_spellings_read_as_windows_1252_too(charset):
    headers = {**HEADERS, "content-type": f"application/json; charset={charset}"}
    assert (
        parse_event(headers, CP1252).body["instances"][0]["price"]
        == "\u20ac 5 \u2013 Z\u00fcrich\u0081"
    )

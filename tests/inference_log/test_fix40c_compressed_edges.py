"""Compressed bodies at their edges (review revC #5).

* Bytes after the compressed stream (``gzip(json) + b"GARBAGE"``) were dropped and the event stored
  200: now a 400 naming them.
* A gzip body of several members (RFC 1952 §2.2: "a gzip file consists of a series of members";
  ``gzip.compress`` of each part, concatenated, as ``cat a.gz b.gz`` or a streaming compressor's
  flushes) was a 400 without a hint: now every member is read, as ``gzip.decompress`` does.
* The same gzip bytes got 200 without ``Content-Encoding`` and 415 with ``Content-Encoding: gzip``:
  now ``gzip``/``x-gzip`` (RFC 9110 §8.4.1.3) and ``deflate`` (zlib, §8.4.1.2) bodies are read the
  same way, at most ``--max-body-bytes`` once decompressed; any other coding stays a 415.
"""

from __future__ import annotations

import gzip
import json
import zlib

import httpx
import pytest

from ctloop.inference_log.events import RejectedEvent, parse_event
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows
from tests.inference_log.test_r40_infer_compressed_bodies import REQUEST, RESPONSE, _headers


def test_bytes_after_the_compressed_stream_are_a_400():
    for tail in (b"GARBAGE", b"\n", zlib.compress(b"{}")):
        with pytest.raises(RejectedEvent, match="after the compressed data") as exc:
            parse_event(_headers("response"), gzip.compress(json.dumps(RESPONSE).encode()) + tail)
        assert exc.value.status == 400
    with pytest.raises(RejectedEvent, match="after the compressed data"):
        parse_event(_headers("response"), zlib.compress(json.dumps(RESPONSE).encode()) + b"x")


def test_a_gzip_body_of_several_members_is_read_whole():
    text = json.dumps(RESPONSE).encode()
    body = gzip.compress(text[:20]) + gzip.compress(text[20:]) + gzip.compress(b"")
    assert gzip.decompress(body) == text  # what Python's gzip makes of it
    assert parse_event(_headers("response"), body).body == RESPONSE
    with pytest.raises(RejectedEvent) as exc:  # the limit counts every member
        parse_event(_headers("response"), gzip.compress(text) + gzip.compress(b" " * 5000), max_values=100)
    assert exc.value.status == 413


def test_content_encoding_gzip_or_deflate_is_read_as_the_same_bytes_without_it(tmp_path):
    body = gzip.compress(json.dumps(RESPONSE).encode())
    posts = [({}, "request", json.dumps(REQUEST).encode(), 200),
             ({"content-encoding": "gzip"}, "response", body, 200),
             ({"content-encoding": "x-gzip"}, "response", body, 200),
             ({"content-encoding": "deflate"}, "response", zlib.compress(json.dumps(RESPONSE).encode()), 200),
             ({"content-encoding": "gzip"}, "response", json.dumps(RESPONSE).encode(), 400),  # not gzip
             ({"content-encoding": "gzip"}, "response", body + b"GARBAGE", 400),
             ({"content-encoding": "br"}, "response", body, 415),
             ({"content-encoding": "gzip"}, "response", gzip.compress(b" " * 70_000 + b"{}"), 413)]
    proc, url = start_sink(tmp_path, max_body_bytes=65536)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for extra, kind, content, status in posts:
                answer = client.post("/", headers={**_headers(kind), **extra}, content=content)
                assert answer.status_code == status, (extra, status, answer.text)
    finally:
        stop_group(proc)
    rows = parquet_rows(tmp_path / "root")  # the three accepted responses of one id: each stored as sent
    assert rows["has_response"].all() and sorted(set(rows["prediction_p"])) == [0.25, 0.75]

"""The GCS conditional create is tested against the GCS JSON API's contract (round 42, storage
item 3). ``storage.create_bytes`` asks GCS to write only where no object has the name with
``ifGenerationMatch=0``; the emulator these tests run (gcp-storage-emulator 2026.7.19) ignores the
parameter, so neither the request ctloop sends nor its reading of the answer was tested.

``GenerationMatchDouble`` is a double of that one part of the JSON API, in front of the real
emulator: it records each request and, for an upload (``POST /upload/storage/v1/b/BUCKET/o``)
carrying ``ifGenerationMatch=0`` whose object exists, answers as GCS does: 412 Precondition Failed,
reason ``conditionNotMet`` (cloud.google.com/storage/docs/json_api/v1/objects/insert: "Setting to 0
makes the operation succeed only if there are no live versions of the object"; error codes:
cloud.google.com/storage/docs/json_api/v1/status-codes#412_Precondition_Failed). Everything else is
the emulator's answer."""

from __future__ import annotations

import http.client
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from ctloop import storage
from tests.fixtures.servers import SHUTDOWN_POLL_S

_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "content-length"}


class GenerationMatchDouble:
    """GCS's ifGenerationMatch=0 on object uploads, in front of an emulator that ignores it."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        double = self

        def call(method: str, path: str, body: bytes = b"", headers=None):
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            try:
                conn.request(method, path, body=body, headers=headers or {})
                answer = conn.getresponse()
                return answer.status, answer.getheaders(), answer.read()
            finally:
                conn.close()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self, status: int, headers, data: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in _HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                double.requests.append((self.command, parts.path, query))
                upload = re.fullmatch(r"/upload/storage/v1/b/([^/]+)/o", parts.path)
                named = re.search(rb'"name":\s*"([^"]+)"', body)
                if (
                    self.command == "POST"
                    and upload
                    and query.get("ifGenerationMatch") == ["0"]
                    and named
                ):
                    name = quote(json.loads(b'"' + named.group(1) + b'"'), safe="")
                    if call("GET", f"/storage/v1/b/{upload.group(1)}/o/{name}")[0] == 200:
                        error = {
                            "code": 412,
                            "message": "At least one of the pre-conditions you specified did not hold.",
                            "errors": [
                                {
                                    "domain": "global",
                                    "reason": "conditionNotMet",
                                    "message": "At least one of the pre-conditions you specified did not hold.",
                                    "locationType": "header",
                                    "location": "If-Match",
                                }
                            ],
                        }
                        self.answer(
                            412,
                            [("Content-Type", "application/json; charset=UTF-8")],
                            json.dumps({"error": error}).encode(),
                        )
                        return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                self.answer(*call(self.command, self.path, body, headers))

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = forward

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gcs_double(gcs_url, monkeypatch):
    from google.cloud import storage as gcs

    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_url)
    bucket = f"ctloop-{uuid.uuid4().hex[:12]}"
    gcs.Client(project="ctloop-local", client_options={"api_endpoint": gcs_url}).create_bucket(
        bucket
    )
    double = GenerationMatchDouble(gcs_url)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", double.url)
    yield double, f"gs://{bucket}/data"
    double.close()


def test_the_create_asks_for_generation_zero_and_reads_412_as_taken(gcs_double):
    double, root = gcs_double
    uri = f"{root}/labels/_ctloop_labels.json"
    assert storage.create_bytes(uri, b'{"key": "request_id"}') is True
    assert storage.create_bytes(uri, b'{"key": "order_id"}') is False
    assert storage.read_bytes(uri) == b'{"key": "request_id"}'
    uploads = [
        q for method, path, q in double.requests if method == "POST" and path.startswith("/upload/")
    ]
    assert len(uploads) == 2 and all(q.get("ifGenerationMatch") == ["0"] for q in uploads), uploads


def test_a_plain_write_does_not_ask_for_generation_zero(gcs_double):
    double, root = gcs_double
    storage.write_bytes(f"{root}/x.json", b"1")
    storage.write_bytes(f"{root}/x.json", b"2")  # an overwrite, as asked
    assert storage.read_bytes(f"{root}/x.json") == b"2"
    uploads = [
        q for method, path, q in double.requests if method == "POST" and path.startswith("/upload/")
    ]
    assert len(uploads) == 2 and not any("ifGenerationMatch" in q for q in uploads), uploads

"""A gs:// download whose bytes do not match the checksum GCS sent with them (X-Goog-Hash): the
client raises DataCorruption (google-cloud-storage 3.17.1 ``_media/requests/download.py``, "The
X-Goog-Hash header indicated an CRC32C checksum of ...", a multi-line message), which is none of
the API errors ctloop.storage turns into one line. A loopback server stands in for GCS (the
emulator always serves matching hashes)."""

from __future__ import annotations

import base64
import hashlib
import http.server
import os
import threading

import google_crc32c
import pytest

from ctloop import storage
from ctloop.errors import DataSourceError
from tests.fixtures.servers import SHUTDOWN_POLL_S

STORED = b"label,score\n1,0.5\n"
SENT = b"label,score\n1,0.9\n"  # flipped in transit


class _Gcs(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        if "alt=media" not in self.path:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        md5 = base64.b64encode(hashlib.md5(STORED).digest()).decode()
        crc = base64.b64encode(google_crc32c.value(STORED).to_bytes(4, "big")).decode()
        self.send_header("x-goog-hash", f"crc32c={crc},md5={md5}")  # both, as GCS sends them
        self.send_header("x-goog-generation", "1")
        self.send_header("Content-Length", str(len(SENT)))
        self.end_headers()
        self.wfile.write(SENT)


@pytest.fixture
def corrupting_gcs(monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Gcs)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True)
    thread.start()
    for name in [k for k in os.environ if k.startswith(("GOOGLE_", "GCE_", "CLOUDSDK_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "ctloop-local")
    yield
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_download_that_fails_its_checksum_is_one_line_naming_the_object(corrupting_gcs):
    with pytest.raises(DataSourceError) as err:
        storage.read_bytes("gs://bucket/labels/day.csv")
    message = str(err.value)
    assert "\n" not in message and "gs://bucket/labels/day.csv" in message and "checksum" in message

"""A machine whose clock is off by more than 15 minutes was told its S3 credentials lack permission
(round 43, storage hunt).

botocore signs each request with this machine's clock and never corrects it (botocore 1.x has no
clock-skew handling), and S3 refuses a request signed more than 15 minutes off its own clock: 403
``RequestTimeTooSkewed`` (Amazon S3 API reference, "Error responses"; ``MaxAllowedSkewMilliseconds``
900000), and a HEAD's 403 carries no body. ctloop read both as a missing grant ("allow s3:GetObject,
s3:PutObject and s3:ListBucket"), sending the user to IAM for a clock to fix. moto does not check the
request time, so ``SkewedS3`` below is a double: every request answered as S3 answers a skewed one,
its ``Date`` header one hour ahead of this machine. Now the error says the clock is off, by how much,
and to sync it."""

from __future__ import annotations

import os
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.fixtures.object_stores import isolated_env
from tests.fixtures.servers import SHUTDOWN_POLL_S, free_port

_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>RequestTimeTooSkewed</Code>'
    b"<Message>The difference between the request time and the current time is too large.</Message>"
    b"%s<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds><RequestId>R</RequestId>"
    b"<HostId>H</HostId></Error>"
)
# S3's body also holds the request's signing time (its X-Amz-Date) and the server's: e.g.
# <RequestTime>20250901T162148Z</RequestTime><ServerTime>2025-09-03T16:21:50Z</ServerTime> (as AWS S3
# answers, quoted in versity/versitygw#1514 and aws/aws-sdk-php#612)
_TIMES = b"<RequestTime>%s</RequestTime><ServerTime>%s</ServerTime>"


class SkewedS3:
    """Double of S3 seen from a machine whose clock is an hour behind: 403 to everything. Without
    ``date`` no Date header is sent (a proxy dropping it); without ``times`` the body holds no
    RequestTime and ServerTime."""

    def __init__(self, date: bool = True, times: bool = True) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.time() + 3600
                told = self.headers.get("X-Amz-Date", "").encode()
                server = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)).encode()
                body = _BODY % (_TIMES % (told, server) if times and told else b"")
                self.send_response_only(403)
                if date:
                    self.send_header("Date", formatdate(now, usegmt=True))
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = answer

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def skewed(tmp_path, monkeypatch):
    double = SkewedS3()
    env = isolated_env(tmp_path / "home", free_port())
    for name in [k for k in os.environ if k not in env]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", double.url)
    yield double
    double.close()


@pytest.mark.parametrize("call", ["read", "exists", "write"])
def test_a_skewed_clock_is_named(skewed, call):
    uri = "s3://ctloop-data/labels/x.csv"
    with pytest.raises(ConfigError) as err:
        {
            "read": lambda: storage.read_bytes(uri),
            "exists": lambda: storage.exists(uri),  # a HEAD: 403 without a body
            "write": lambda: storage.write_bytes(uri, b"x"),
        }[call]()
    said = str(err.value)
    assert "clock is 60 minutes behind the store's (S3 allows 15 minutes" in said
    assert "sync it (NTP, chrony" in said and "allow s3:" not in said

"""Credentials rotated in their file were never read again (round 45, storage).

ctloop keeps one boto3 client per AWS_* environment (building one takes ~50 ms), and boto3 reads a
shared credentials file (``AWS_SHARED_CREDENTIALS_FILE``, ``~/.aws/credentials``: a Kubernetes Secret
mounted as a file, which the kubelet replaces when the Secret is rotated) once, when the client is
made. The environment does not change when the file does, so a long-running process (the
inference-log sink, the task server) kept signing with the revoked key: every write refused,
"the AWS credentials ... were refused (InvalidAccessKeyId ...)", until it was restarted. Now the
client is made again when the file changed (its inode, size or modification time). The same holds
for the Google Cloud key file (``GOOGLE_APPLICATION_CREDENTIALS``).

``Revoking`` is a proxy double in front of the session's moto (which takes any key): it answers a
request signed with a revoked key as S3 does, 403 ``InvalidAccessKeyId``."""

from __future__ import annotations

import os
import re

import pytest

from ctloop import storage
from tests.fixtures.object_stores import MOTO_SECRET, Store, fresh_bucket, s3_env
from tests.fixtures.servers import HOP_HEADERS, ProxyDouble, ProxyHandler


class Revoking(ProxyDouble):
    """moto, except that a request signed with a key in ``revoked`` is refused (403 InvalidAccessKeyId);
    ``keys`` lists the access key of each request."""

    def __init__(self, upstream: str) -> None:
        double = self
        self.revoked: set[str] = set()
        self.keys: list[str] = []

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                signed = re.search(r"Credential=([^/]+)/", self.headers.get("Authorization", ""))
                key = signed.group(1) if signed else ""
                double.keys.append(key)
                if key not in double.revoked:
                    return False
                self.send_xml_error(403, "InvalidAccessKeyId",
                                    "The AWS Access Key Id you provided does not exist in our records.")
                return True

            def relay_answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                if self.command != "HEAD":
                    return super().relay_answer(status, headers, data)
                self.send_response(status)  # a HEAD's Content-Length is the object's size: kept
                for name, value in headers:
                    if name.lower() not in HOP_HEADERS - {"content-length"}:
                        self.send_header(name, value)
                self.end_headers()

        Handler.upstream = upstream
        super().__init__(Handler)


def _write_keys(path, key_id: str) -> None:
    """The file replaced whole, as the kubelet swaps a Secret volume's files."""
    new = path.with_name(path.name + ".new")
    new.write_text(f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {MOTO_SECRET}\n")
    os.replace(new, path)


@pytest.fixture
def rotating(moto_url, tmp_path, monkeypatch):
    root = fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")
    storage.write_bytes(f"{root}/x.csv", b"a\n1\n")
    proxy = Revoking(moto_url)
    keys = tmp_path / "credentials"
    _write_keys(keys, "AKIAOLDKEY")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(keys))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        yield root, proxy, keys
    finally:
        proxy.close()


def test_a_key_rotated_in_its_file_is_used(rotating):
    root, proxy, keys = rotating
    assert storage.read_bytes(f"{root}/x.csv") == b"a\n1\n"
    assert proxy.keys[-1] == "AKIAOLDKEY"
    _write_keys(keys, "AKIANEWKEY")
    proxy.revoked.add("AKIAOLDKEY")
    storage.write_bytes(f"{root}/y.csv", b"b\n2\n")  # before: refused, InvalidAccessKeyId, until a restart
    assert storage.read_bytes(f"{root}/y.csv") == b"b\n2\n"
    assert proxy.keys[-1] == "AKIANEWKEY"
    fs, path = storage.filesystem(f"{root}/y.csv")  # the dataset scans too
    with fs.open_input_file(path) as f:
        assert f.read() == b"b\n2\n"
    assert proxy.keys[-1] == "AKIANEWKEY"


def test_an_unchanged_file_keeps_the_client(rotating):
    root, proxy, keys = rotating
    storage.read_bytes(f"{root}/x.csv")
    first = storage._S3().client()
    storage.read_bytes(f"{root}/x.csv")
    assert storage._S3().client() is first

"""The checksums of ctloop's S3 multipart upload are those of s3transfer (fix 46 C, suspicion S1).

botocore 1.44.8 adds a CRC32 to every UploadPart by default (``request_checksum_calculation =
when_supported``; UploadPart's ``httpChecksum`` trait in botocore/data/s3/2006-03-01/service-2.json),
but round 46's CreateMultipartUpload named no ``ChecksumAlgorithm`` and its CompleteMultipartUpload
listed no part checksums: parts checksummed in an upload created without an algorithm, which stores
have refused (boto/botocore#3216, apache/opendal#4533). s3transfer 0.19.3, which ``aws s3 cp`` and
``upload_file`` use, sends the three consistently: ``ChecksumAlgorithm=CRC32`` on the create when the
client's ``request_checksum_calculation`` is ``when_supported`` (s3transfer/manager.py
``_add_operation_defaults``, s3transfer/utils.py ``set_default_checksum_algorithm``), the same on each
part (s3transfer/upload.py ``UPLOAD_PART_ARGS``) and each part's ``ChecksumCRC32`` on the complete
(s3transfer/upload.py ``UploadPartTask._main``); with ``when_required`` none of them. ctloop now does
the same. ``Recording`` is a proxy double before the session's moto that keeps what each request sent."""

from __future__ import annotations

import os
import re

import pytest

from ctloop import storage
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler

MIB = 1024 * 1024


class Recording(ProxyDouble):
    """moto, each request's (method, path, lower-case headers, body) kept in ``sent``."""

    def __init__(self, upstream: str) -> None:
        sent: list[tuple[str, str, dict[str, str], bytes]] = []
        self.sent = sent

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                headers = {k.lower(): v for k, v in self.headers.items()}
                sent.append((self.command, self.path, headers, body))
                return False

        Handler.upstream = upstream
        super().__init__(Handler)

    def of(self, kind: str) -> list[tuple[str, str, dict[str, str], bytes]]:
        """The requests of one operation: create, part or complete."""
        pick = {
            "create": lambda m, p: m == "POST" and re.search(r"[?&]uploads(=|&|$)", p),
            "part": lambda m, p: m == "PUT" and "partNumber=" in p,
            "complete": lambda m, p: m == "POST" and "uploadId=" in p,
        }[kind]
        return [r for r in self.sent if pick(r[0], r[1])]


@pytest.fixture
def recorded(moto_url, tmp_path, monkeypatch):
    import boto3

    root = fresh_bucket(
        Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data"
    )
    client = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    monkeypatch.setenv("CTLOOP_S3_PART_MIB", "5")
    proxy = Recording(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    yield root, root.split("/")[2], client, proxy
    proxy.close()


def _body(size: int) -> bytes:
    return (os.urandom(4096) * (size // 4096 + 1))[:size]


def _part_checksum(headers: dict[str, str], body: bytes) -> str | None:
    """A part's CRC32 as sent: a header, or an aws-chunked trailer."""
    if "x-amz-checksum-crc32" in headers:
        return headers["x-amz-checksum-crc32"]
    found = re.search(rb"x-amz-checksum-crc32:([A-Za-z0-9+/=]+)", body)
    return found.group(1).decode() if found else None


def test_the_upload_names_crc32_on_create_parts_and_complete(recorded):
    root, name, client, proxy = recorded
    data = _body(11 * MIB)
    storage.write_bytes(f"{root}/big.bin", data)
    (create,) = proxy.of("create")
    assert create[2].get("x-amz-checksum-algorithm") == "CRC32"
    parts = proxy.of("part")
    sums = [_part_checksum(headers, body) for _, _, headers, body in parts]
    assert len(sums) == 3 and all(sums)
    (complete,) = proxy.of("complete")
    listed = re.findall(rb"<ChecksumCRC32>([^<]+)</ChecksumCRC32>", complete[3])
    assert [s.decode() for s in listed] == sums
    assert client.get_object(Bucket=name, Key="data/big.bin")["Body"].read() == data


def test_a_create_in_parts_sends_them_too(recorded, monkeypatch):
    root, name, client, proxy = recorded
    monkeypatch.setattr(storage, "_S3_CONDITIONAL_COMPLETE", {}, raising=False)
    data = _body(6 * MIB)
    assert storage.create_bytes(f"{root}/once.bin", data) is True
    creates = [c for c in proxy.of("create") if "once.bin" in c[1]]
    assert creates[0][2].get("x-amz-checksum-algorithm") == "CRC32"
    (complete,) = [c for c in proxy.of("complete") if "once.bin" in c[1]]
    assert complete[3].count(b"<ChecksumCRC32>") == 2
    assert client.get_object(Bucket=name, Key="data/once.bin")["Body"].read() == data


def test_when_required_sends_none(recorded, monkeypatch):
    """``AWS_REQUEST_CHECKSUM_CALCULATION=when_required``: no checksum anywhere, as s3transfer."""
    root, name, client, proxy = recorded
    monkeypatch.setenv("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
    data = _body(11 * MIB)
    storage.write_bytes(f"{root}/plain.bin", data)
    (create,) = proxy.of("create")
    assert "x-amz-checksum-algorithm" not in create[2]
    assert not any(_part_checksum(h, b) for _, _, h, b in proxy.of("part"))
    assert b"Checksum" not in proxy.of("complete")[0][3]
    assert client.get_object(Bucket=name, Key="data/plain.bin")["Body"].read() == data

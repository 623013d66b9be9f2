"""The multipart probe of ``_S3.conditional_completes`` with a writer missing delete grants
(fix 46 C2, item 1).

Fix 46 C asked whether a store checks ``If-None-Match`` on CompleteMultipartUpload with a probe of a
random name per process. A writer granted no ``s3:DeleteObject`` left one probe object per process, and
one granted no ``s3:AbortMultipartUpload`` one incomplete upload per process (the refused second
complete is aborted, the refusal of that abort suppressed), billed until a lifecycle rule removes it,
without a word: the once-per-bucket warning was already spent on the PutObject probe. Now the multipart
probe has one name per prefix (``.ctloop-conditional-write-probe-s3-multipart``, as the PutObject
probe), a 412 to its FIRST complete (a probe left there) means "checked", a left multipart probe is
warned of under its own key, and so is an abort refused, naming ``s3:AbortMultipartUpload``.

``RefusesDeletes`` is the session's moto 5.2.5 (which checks the header on the complete too) behind a
proxy answering a DELETE 403 AccessDenied as S3 does for a missing grant: a DELETE of an object (no
``s3:DeleteObject``) or one with ``uploadId=`` (AbortMultipartUpload, no ``s3:AbortMultipartUpload``).
Each "process" empties ctloop's per-process caches."""

from __future__ import annotations

import warnings

import pytest

from ctloop import storage
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler

CACHES = ("_S3_CONDITIONAL", "_S3_CONDITIONAL_COMPLETE", "_S3_REFUSAL", "_S3_PROBES_LEFT")


class RefusesDeletes(ProxyDouble):
    """Double of S3 for a writer lacking a delete grant: ``abort`` refuses AbortMultipartUpload only,
    else object DELETEs only."""

    def __init__(self, upstream: str, abort: bool) -> None:
        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                if self.command == "DELETE" and ("uploadId=" in self.path) == abort:
                    self.send_xml_error(403, "AccessDenied", "Access Denied")
                    return True
                return False

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture
def bucket(moto_url, tmp_path, monkeypatch):
    import boto3

    for name in CACHES:
        monkeypatch.setattr(storage, name, type(getattr(storage, name))())
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
    return root, root.split("/")[2], client


def _three_processes(root: str, proxy_url: str, monkeypatch) -> list[list[str]]:
    """What a large create asks first, three times: the PutObject probe, then the multipart one."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy_url)
    loc = storage.parse(f"{root}/large.bin")
    said = []
    for _ in range(3):
        for name in CACHES:
            getattr(storage, name).clear()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s3 = storage._S3()
            assert s3.conditional_writes(loc) is True
            assert s3.conditional_completes(loc) is True
        said.append([str(w.message) for w in caught])
    return said


def test_without_delete_one_multipart_probe_is_left_and_warned_of(bucket, moto_url, monkeypatch):
    root, name, client = bucket
    proxy = RefusesDeletes(moto_url, abort=False)
    try:
        said = _three_processes(root, proxy.url, monkeypatch)
    finally:
        proxy.close()
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", []))
    assert keys == [
        "data/.ctloop-conditional-write-probe-s3",
        "data/.ctloop-conditional-write-probe-s3-multipart",  # one, not one per process
    ]
    first = [m for m in said[0] if "multipart" in m]
    assert len(first) == 1 and "grant s3:DeleteObject" in first[0]
    assert f"s3://{name}/data/.ctloop-conditional-write-probe-s3-multipart " in first[0]
    assert not any("multipart" in m for m in said[1] + said[2])  # later processes add none
    assert storage._S3_CONDITIONAL_COMPLETE == {(proxy.url, name): True}
    assert client.list_multipart_uploads(Bucket=name).get("Uploads", []) == []


def test_without_abort_an_incomplete_upload_is_warned_of(bucket, moto_url, monkeypatch):
    root, name, client = bucket
    proxy = RefusesDeletes(moto_url, abort=True)
    try:
        said = _three_processes(root, proxy.url, monkeypatch)
    finally:
        proxy.close()
    uploads = client.list_multipart_uploads(Bucket=name).get("Uploads", [])
    assert {u["Key"] for u in uploads} == {"data/.ctloop-conditional-write-probe-s3-multipart"}
    for run, messages in enumerate(said):  # one per process: each one's refused complete stays
        told = [m for m in messages if "AbortMultipartUpload" in m]
        assert len(told) == 1, (run, messages)
        assert "incomplete multipart upload" in told[0] and "AccessDenied" in told[0]
        assert "AbortIncompleteMultipartUpload" in told[0]
    assert client.list_objects_v2(Bucket=name).get("Contents", []) == []
    for upload in uploads:
        client.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])

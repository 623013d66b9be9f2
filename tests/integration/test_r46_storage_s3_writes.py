"""S3 writes of large objects and the bucket region asked again (round 46, storage; moto server).

* An S3 ``write_bytes``/``create_bytes`` was one PutObject, which S3 refuses over 5 GiB
  (``EntityTooLarge``; Amazon S3 user guide, "Uploading and copying objects using multipart upload":
  "upload a single object of up to 5 GB" in one operation). An object over ``CTLOOP_S3_PART_MIB``
  (64 MiB unless set) is now uploaded in parts (CreateMultipartUpload, UploadPart,
  CompleteMultipartUpload); a create sends ``If-None-Match: *`` with the complete request (S3 checks it
  there too; moto 5.2.5 ``responses.py`` ``_key_response_post``), and an upload that fails or is refused
  is aborted, so no parts are left to bill. Tested with 5 MiB parts (S3's and moto's smallest), not 5 GiB.
* ``bucket_region`` remembered the client's region after a 404 (no such bucket yet) or a 403 without
  ``x-amz-bucket-region``: a long-lived process that asked before the bucket was made kept the wrong
  region, and every dataset scan of it failed with pyarrow's 301. Only an answer that names the region,
  or a bucket answering 200 with none (MinIO, Ceph RGW), is remembered now.
"""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.errors import ConfigError, DataSourceError
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler

MIB = 1024 * 1024


@pytest.fixture
def bucket(moto_url, tmp_path, monkeypatch):
    """``s3://<fresh bucket>/data``, and a boto3 client of its own."""
    import boto3

    root = fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")
    client = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    return root, root.split("/")[2], client


def _body(size: int) -> bytes:
    return (os.urandom(4096) * (size // 4096 + 1))[:size]


def test_an_object_over_the_part_size_is_uploaded_in_parts(bucket, monkeypatch):
    root, name, client = bucket
    monkeypatch.setenv("CTLOOP_S3_PART_MIB", "5")
    data = _body(11 * MIB + 7)
    storage.write_bytes(f"{root}/big.bin", data)
    head = client.head_object(Bucket=name, Key="data/big.bin")
    assert head["ETag"].strip('"').endswith("-3")  # a multipart object's ETag counts its parts
    assert client.get_object(Bucket=name, Key="data/big.bin")["Body"].read() == data
    assert storage.read_bytes(f"{root}/big.bin") == data
    assert client.list_multipart_uploads(Bucket=name).get("Uploads", []) == []


def test_a_small_object_is_still_one_put(bucket, monkeypatch):
    root, name, client = bucket
    monkeypatch.setenv("CTLOOP_S3_PART_MIB", "5")
    storage.write_bytes(f"{root}/small.bin", b"x" * 1000)
    assert "-" not in client.head_object(Bucket=name, Key="data/small.bin")["ETag"]


def test_a_large_create_is_refused_when_taken_and_leaves_no_parts(bucket, monkeypatch):
    root, name, client = bucket
    monkeypatch.setenv("CTLOOP_S3_PART_MIB", "5")
    first, second = _body(6 * MIB), _body(6 * MIB)
    assert storage.create_bytes(f"{root}/once.bin", first) is True
    assert client.head_object(Bucket=name, Key="data/once.bin")["ETag"].strip('"').endswith("-2")
    assert storage.create_bytes(f"{root}/once.bin", second) is False
    assert client.get_object(Bucket=name, Key="data/once.bin")["Body"].read() == first
    assert client.list_multipart_uploads(Bucket=name).get("Uploads", []) == []


class ExpiresMidUpload(ProxyDouble):
    """moto, except that UploadPart of part 2 is refused as S3 refuses a request signed with a session
    token that expired (400 ExpiredToken; Amazon S3 API reference, "Error responses")."""

    def __init__(self, upstream: str) -> None:
        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                if self.command == "PUT" and "partNumber=2&" in self.path + "&":
                    self.send_xml_error(400, "ExpiredToken", "The provided token has expired.")
                    return True
                return False

        Handler.upstream = upstream
        super().__init__(Handler)


def test_credentials_expiring_mid_upload_abort_it(bucket, moto_url, monkeypatch):
    """A part refused midway (the session token expired during a long upload) is one line, and the
    upload is aborted: before there was no upload to abort; now no parts are left behind."""
    root, name, client = bucket
    monkeypatch.setenv("CTLOOP_S3_PART_MIB", "5")
    proxy = ExpiresMidUpload(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        with pytest.raises(ConfigError, match=r"^the AWS credentials for s3://.*/data/cut.bin were refused \(ExpiredToken"):
            storage.write_bytes(f"{root}/cut.bin", _body(11 * MIB))
    finally:
        proxy.close()
    assert client.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
    assert "Contents" not in client.list_objects_v2(Bucket=name, Prefix="data/cut")


@pytest.mark.parametrize("value", ["4", "0", "x", "5121"])
def test_a_part_size_s3_refuses_is_one_line(bucket, monkeypatch, value):
    root, _, _ = bucket
    monkeypatch.setenv("CTLOOP_S3_PART_MIB", value)
    with pytest.raises(ConfigError, match=rf"^CTLOOP_S3_PART_MIB '{value}' is not a whole number of MiB from 5 "):
        storage.write_bytes(f"{root}/x.bin", b"x")


def test_the_region_of_a_bucket_made_later_is_asked_again(moto_url, tmp_path, monkeypatch):
    """Asked before the bucket exists (404, no region named): not remembered; asked after it was made in
    eu-west-1 (moto names it in ``x-amz-bucket-region``): that region, remembered from then on."""
    import uuid

    import boto3

    fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "x")
    name = f"ctloop-later-{uuid.uuid4().hex[:12]}"
    loc = storage.parse(f"s3://{name}/data")
    assert storage._S3().bucket_region(loc) == "us-east-1"  # no such bucket: the client's region, for now
    client = boto3.client("s3", endpoint_url=moto_url, region_name="eu-west-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    try:
        assert storage._S3().bucket_region(loc) == "eu-west-1"
        assert (moto_url.rstrip("/"), name) in {(e.rstrip("/"), b) for e, b in storage._S3_BUCKET_REGIONS}
    finally:
        client.delete_bucket(Bucket=name)


class LosesTheCompleteAnswer(ProxyDouble):
    """moto, except that the first CompleteMultipartUpload is done but its answer lost (the connection
    closed before it: botocore retries), and the retry answered as S3 answers a complete of an upload
    that is finished: 404 ``NoSuchUpload`` ("The specified multipart upload does not exist. The upload ID
    might be invalid, or the multipart upload might have been aborted or completed.", Amazon S3 API
    reference, CompleteMultipartUpload)."""

    def __init__(self, upstream: str) -> None:
        double = self
        self.completes = 0

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                if self.command != "POST" or "uploadId=" not in self.path:
                    return False
                double.completes += 1
                if double.completes > 1:
                    self.send_xml_error(404, "NoSuchUpload", "The specified multipart upload does not exist. The "
                                        "upload ID might be invalid, or the multipart upload might have been "
                                        "aborted or completed.")
                    return True
                import http.client
                from urllib.parse import urlsplit

                target = urlsplit(self.upstream)
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"connection", "content-length"}}
                conn.request("POST", self.path, body=body, headers=headers)
                conn.getresponse().read()
                conn.close()
                self.close_connection = True  # done, and no answer
                return True

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.mark.parametrize("call", ["write_bytes", "create_bytes"])
def test_a_complete_whose_answer_was_lost_is_not_an_error(bucket, moto_url, monkeypatch, call):
    """The upload finished: the retried complete's NoSuchUpload is this upload's own success (the object
    holds its parts: its ETag, or this create's token), not "S3 refused the request"."""
    root, name, client = bucket
    monkeypatch.setenv("CTLOOP_S3_PART_MIB", "5")
    proxy = LosesTheCompleteAnswer(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    # asked already whether the complete checks If-None-Match (fix 46 C): the double loses this upload's answers only
    monkeypatch.setitem(storage._S3_CONDITIONAL_COMPLETE, (proxy.url, name), True)
    data = _body(6 * MIB)
    try:
        answer = getattr(storage, call)(f"{root}/lost.bin", data)
    finally:
        proxy.close()
    assert proxy.completes == 2
    assert answer is (True if call == "create_bytes" else None)
    assert client.get_object(Bucket=name, Key="data/lost.bin")["Body"].read() == data


def test_a_no_such_upload_for_another_object_is_still_an_error(bucket, moto_url, monkeypatch):
    """NoSuchUpload where the object holds other bytes (another writer's, or none): raised."""
    root, name, client = bucket
    monkeypatch.setenv("CTLOOP_S3_PART_MIB", "5")
    proxy = LosesTheCompleteAnswer(moto_url)
    proxy.completes = 1  # every complete answered NoSuchUpload, none done
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        with pytest.raises(DataSourceError, match=r"NoSuchUpload"):
            storage.write_bytes(f"{root}/never.bin", _body(6 * MIB))
    finally:
        proxy.close()
    assert "Contents" not in client.list_objects_v2(Bucket=name, Prefix="data/never")

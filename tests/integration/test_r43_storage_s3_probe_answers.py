"""The probe ctloop writes to learn whether an S3-compatible store checks ``If-None-Match: *`` (round
43, storage items 2 and 3), on moto's S3 server (moto 5.2.5: it checks the header, and versioning and
Object Lock are real there).

- A store refusing the probe's second write with something other than 412 failed every new store:
  MinIO RELEASE.2023-11-20 answered a PUT whose If-None-Match matched with 304 Not Modified
  (minio/minio#19442), and the GCS XML API applies If-None-Match to reads only (Cloud Storage
  "Request preconditions": the header is ignored on an upload, as round 42's double of a store
  ignoring it covers). ``RefusingWith304`` below is moto behind a proxy turning the 412 of a PUT
  into that 304. Now the probe is read back: when it kept the first write's bytes the store refused
  the overwrite, and its answer means "taken" to ``create_bytes`` too.
- On a versioned bucket the probe's delete only added a delete marker: each process left a 0-byte
  noncurrent version behind. Now each version is deleted by its id. Under Object Lock retention the
  version cannot be deleted; the probe now has one name per prefix, so the next process's first write
  is refused (the header is checked) and nothing more is left."""

from __future__ import annotations

import warnings

import boto3
import pytest

from ctloop import storage
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler


class RefusingWith304(ProxyDouble):
    """Double of a store answering a refused conditional PUT with 304 (minio/minio#19442): moto behind
    a proxy that turns a PUT's 412 into a bodiless 304 and forwards everything else. With
    ``header_refused`` it answers every PUT carrying If-None-Match with 400 InvalidArgument instead (a
    store refusing the header itself, where others answer 501), forwarding nothing."""

    def __init__(self, upstream: str, header_refused: bool = False) -> None:
        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                if header_refused and self.command == "PUT" and "If-None-Match" in self.headers:
                    self.send_xml_error(400, "InvalidArgument", "If-None-Match")
                    return True
                return False

            def relay_answer(self, status, headers, data) -> None:
                if self.command == "PUT" and status == 412:
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                super().relay_answer(status, headers, data)

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture(scope="module")
def moto(moto_url):
    """The session's moto_server (tests/conftest.py)."""
    return moto_url


@pytest.fixture
def root(moto, tmp_path, monkeypatch):
    """``s3://<new bucket>/data`` on moto, nothing asked of it yet in this process."""
    monkeypatch.setattr(storage, "_S3_CONDITIONAL", {})
    monkeypatch.setattr(storage, "_S3_REFUSAL", {}, raising=False)
    monkeypatch.setattr(storage, "_S3_PROBES_LEFT", set())
    return fresh_bucket(Store("s3", moto, s3_env(moto)), monkeypatch, tmp_path / "home", "data")


@pytest.fixture
def refusing(root, monkeypatch):
    proxy = RefusingWith304(storage._S3().client().meta.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    yield root
    proxy.close()


def test_a_store_refusing_the_header_itself_is_written_after_a_look(root, monkeypatch):
    proxy = RefusingWith304(storage._S3().client().meta.endpoint_url, header_refused=True)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        uri = f"{root}/labels/m.json"
        assert storage.create_bytes(uri, b"first") is True  # before: S3 refused the request (400)
        assert storage.create_bytes(uri, b"second") is False
        assert storage.read_bytes(uri) == b"first"
        assert list(storage._S3_CONDITIONAL.values()) == [False]  # looked, then written
    finally:
        proxy.close()


def _versions(root: str) -> list[str]:
    """Every version and delete marker in the bucket of ``root``, as ``key@kind``."""
    client = boto3.client("s3")
    listed = client.list_object_versions(Bucket=storage.parse(root).bucket)
    return sorted(
        [f"{v['Key']}@version" for v in listed.get("Versions", [])]
        + [f"{m['Key']}@marker" for m in listed.get("DeleteMarkers", [])]
    )


def test_the_double_answers_304(refusing):
    client = boto3.client("s3")
    bucket = storage.parse(refusing).bucket
    client.put_object(Bucket=bucket, Key="k", Body=b"1", IfNoneMatch="*")
    with pytest.raises(client.exceptions.ClientError) as err:
        client.put_object(Bucket=bucket, Key="k", Body=b"2", IfNoneMatch="*")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"1"


def test_a_store_refusing_with_304_creates_once(refusing):
    uri = f"{refusing}/labels/m.json"
    assert storage.create_bytes(uri, b"first") is True
    assert storage.create_bytes(uri, b"second") is False
    assert storage.read_bytes(uri) == b"first"
    assert list(storage._S3_CONDITIONAL.values()) == [True]  # checked: no look-then-write race
    assert storage.list_files(refusing) == [uri]  # no probe left


def test_a_versioned_bucket_keeps_no_probe(root):
    boto3.client("s3").put_bucket_versioning(
        Bucket=storage.parse(root).bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    uri = f"{root}/labels/m.json"
    assert storage.create_bytes(uri, b"first") is True
    assert _versions(root) == ["data/labels/m.json@version"]  # no probe version, no delete marker


def test_an_object_lock_bucket_keeps_one_probe_at_most(moto, tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "_S3_CONDITIONAL", {})
    monkeypatch.setattr(storage, "_S3_PROBES_LEFT", set())
    fresh_bucket(Store("s3", moto, s3_env(moto)), monkeypatch, tmp_path / "home", "data")  # its env
    client = boto3.client("s3")
    bucket = "ctloop-locked"
    client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    client.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
        },
    )
    root = f"s3://{bucket}/data"
    with pytest.warns(UserWarning, match="refused to delete it") as caught:
        assert storage.create_bytes(f"{root}/labels/a.json", b"a") is True
    assert "s3:DeleteObjectVersion" in str(caught[0].message)
    for run in range(3):  # later processes: the left probe's name is refused at once, nothing added
        monkeypatch.setattr(storage, "_S3_CONDITIONAL", {})
        monkeypatch.setattr(storage, "_S3_PROBES_LEFT", set())
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert storage.create_bytes(f"{root}/labels/b{run}.json", b"b") is True
        assert list(storage._S3_CONDITIONAL.values()) == [True]
    probes = [v for v in _versions(root) if ".ctloop-conditional-write-probe" in v]
    assert len(probes) == 1 and probes[0].endswith("@version"), probes

"""The S3 conditional-write probe after fix 43 E2 (fix 43 E3), on moto's S3 server behind small proxies.

- MinIO refuses a version delete of a locked object with 400 InvalidRequest (minio cmd/api-errors.go,
  ErrObjectLocked: http.StatusBadRequest), not 403: fix 43 E2 named a grant or the retention for 403 only,
  and told MinIO Object Lock users to remove by hand an object nobody can remove. Now every 4xx but 429
  names them; a 5xx or 429 does not.
- A store checking If-None-Match (answering 304), whose read-back of the probe of a name of its own
  failed (500), was taken for "nothing there" and cached as refusing the header itself: look, then
  write, for the whole process. Now a read-back refused other than 404 is raised, nothing cached, and
  only a refusal of that probe's first write tells that the header itself is refused."""

from __future__ import annotations

import boto3
import pytest

from ctloop import storage
from tests.integration.test_fix43e2_s3_probe import _PROBE, Refusing
from tests.integration.test_r43_storage_s3_probe_answers import (  # noqa: F401 (fixtures)
    RefusingWith304,
    moto,
    refusing,
    root,
)


def _version_deletes_refused(store: str, monkeypatch, status: int, code: str) -> str:
    """A versioned bucket whose probe versions' deletes are refused (retried too) with ``status``, the
    delete marker's delete forwarded: the warning of the probe left."""
    boto3.client("s3").put_bucket_versioning(
        Bucket=storage.parse(store).bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    refused: set[str] = set()

    def refuse(method: str, path: str, count: int):
        version = path.partition("versionId=")[2]
        if method == "DELETE" and version and (count == 1 or version in refused):
            refused.add(version)
            return status, code
        return None

    proxy = Refusing(storage._S3().client().meta.endpoint_url, refuse)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        with pytest.warns(UserWarning, match="refused to delete it") as caught:
            assert storage.create_bytes(f"{store}/labels/m.json", b"x") is True
    finally:
        proxy.close()
    return str(caught[0].message)


def test_minio_object_lock_400_names_the_retention(root, monkeypatch):  # noqa: F811
    message = _version_deletes_refused(root, monkeypatch, 400, "InvalidRequest")
    # before (fix 43 E2): "(... refused to delete it: InvalidRequest): remove it by hand"
    assert (
        "InvalidRequest): grant s3:DeleteObjectVersion, or lift its Object Lock retention"
        in message
    ), message


def test_a_429_names_no_grant(monkeypatch):
    """Throttled (429), as a 5xx: the store did not refuse the delete, so no grant or retention is named."""
    from botocore.exceptions import ClientError

    monkeypatch.setattr(storage, "_S3_PROBES_LEFT", set())
    store, loc = storage._S3(), storage.parse("s3://b/data/labels/m.json")
    slow = ClientError(
        {"Error": {"Code": "SlowDown"}, "ResponseMetadata": {"HTTPStatusCode": 429}}, "DeleteObject"
    )
    with pytest.warns(UserWarning) as caught:
        store._warn_probe_left(loc, _PROBE, slow, ("http://s3.test", "b"), "s3:DeleteObject")
    message = str(caught[0].message)
    assert "SlowDown): remove it by hand" in message and "grant" not in message, message


def test_a_failed_read_back_of_its_own_probe_is_not_learnt(refusing, monkeypatch):  # noqa: F811
    """A 304 store (``refusing``) where a user's object is at the common probe name (so a name of its own
    is probed), whose GET of that probe answers 500 InternalError."""
    bucket = storage.parse(refusing).bucket
    boto3.client("s3").put_object(Bucket=bucket, Key=_PROBE, Body=b"not a probe")
    failing = [True]

    def refuse(method: str, path: str, count: int):
        own = f"{_PROBE}-" in path
        return (500, "InternalError") if failing[0] and own and method == "GET" else None

    proxy = Refusing(storage._S3().client().meta.endpoint_url, refuse)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)  # in front of the 304 proxy
    uri = f"{refusing}/labels/m.json"
    try:
        with pytest.raises(Exception, match="InternalError|500"):  # before: True, False cached
            storage.create_bytes(uri, b"first")
        assert storage._S3_CONDITIONAL == {}
        failing[0] = False
        assert storage.create_bytes(uri, b"first") is True
        assert list(storage._S3_CONDITIONAL.values()) == [True]
        assert storage.create_bytes(uri, b"second") is False
        assert storage.read_bytes(uri) == b"first"
    finally:
        proxy.close()

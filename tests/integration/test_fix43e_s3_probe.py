"""The S3 conditional-write probe after round 43 (fix 43 E), on moto's S3 server (moto 5.2.5: it checks
If-None-Match, and versioning and IAM grants are real there).

- On a versioned bucket a user granted s3:DeleteObject only (the grant docs/storage.md asks for) got a
  warning and the probe stayed as a visible current object: deleting a version by its id needs
  s3:DeleteObjectVersion. Now a plain delete hides it behind a delete marker (as before round 43).
- With one probe name per prefix, a second process whose first write was refused (304, another
  process's probe there) found nothing when it read the probe back, that process having deleted its
  probe meanwhile, and the store was taken for one that refuses the header: no conditional writes
  for the whole process. Now the probe is written again. A 404 (no such bucket) to the probe was
  cached as "not checked" too; it is raised as before.
- A refusal other than 412 of the first write, with another's probe there, taught the store's answer
  to a taken key though it may not be about the name at all (a store refusing the header itself with
  400): every later create was told the name was taken. Now a status is learnt only from the second
  write refused with the first write's bytes kept; otherwise a probe of its own name is written."""

from __future__ import annotations

import warnings

import boto3
import pytest

from ctloop import storage
from ctloop.errors import StoreUnavailable
from tests.fixtures.object_stores import moto_identity
from tests.integration.test_r43_storage_s3_probe_answers import (  # noqa: F401 (fixtures)
    RefusingWith304,
    _versions,
    moto,
    refusing,
    root,
)

_PROBE = "data/labels/.ctloop-conditional-write-probe-s3"


def test_a_versioned_bucket_with_delete_object_only_hides_the_probe(tmp_path, monkeypatch):
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject"]
    actions += [
        "s3:PutBucketVersioning",
        "s3:ListBucketVersions",
    ]  # for the test's own looks; no delete
    with moto_identity(tmp_path, monkeypatch, bucket="ctloop-vb", actions=actions) as admin:
        admin.put_bucket_versioning(
            Bucket="ctloop-vb", VersioningConfiguration={"Status": "Enabled"}
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # before: "left the empty probe object ... AccessDenied"
            assert storage.create_bytes("s3://ctloop-vb/data/labels/m.json", b"x") is True
        current = admin.list_objects_v2(Bucket="ctloop-vb")["Contents"]
        assert [o["Key"] for o in current] == [
            "data/labels/m.json"
        ]  # the probe is not a current object
        assert [
            m["Key"] for m in admin.list_object_versions(Bucket="ctloop-vb")["DeleteMarkers"]
        ] == [_PROBE]


def test_a_probe_deleted_by_another_process_is_written_again(refusing, monkeypatch):  # noqa: F811
    """Another process's probe is there at the first write (refused: 304) and deleted before the look."""
    bucket = storage.parse(refusing).bucket
    client = boto3.client("s3")
    client.put_object(Bucket=bucket, Key=_PROBE, Body=b"other-process-0")
    looked = []
    real = storage._S3._probe_body

    def probe_body(self, loc, probe):
        if not looked:
            client.delete_object(
                Bucket=bucket, Key=_PROBE
            )  # the other process is done: its probe deleted
        looked.append(probe)
        return real(self, loc, probe)

    monkeypatch.setattr(storage._S3, "_probe_body", probe_body)
    uri = f"{refusing}/labels/m.json"
    assert storage.create_bytes(uri, b"first") is True
    assert list(storage._S3_CONDITIONAL.values()) == [True]  # before: False, for the whole process
    assert storage.create_bytes(uri, b"second") is False
    assert storage.list_files(refusing) == [uri]


def test_no_such_bucket_is_not_remembered(root):  # noqa: F811
    uri = "s3://ctloop-fix43e-no-such-bucket/labels/m.json"
    with pytest.raises(StoreUnavailable, match="does not exist"):
        storage.create_bytes(uri, b"x")
    assert storage._S3_CONDITIONAL == {}  # before: "not checked", until the process ended


def test_a_refusal_beside_another_probe_is_not_learnt(root, monkeypatch):  # noqa: F811
    """A store refusing If-None-Match itself (400), a probe left at the name by someone."""
    bucket = storage.parse(root).bucket
    client = boto3.client("s3")
    client.put_object(Bucket=bucket, Key=_PROBE, Body=b"left-0")
    proxy = RefusingWith304(storage._S3().client().meta.endpoint_url, header_refused=True)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        uri = f"{root}/labels/m.json"
        assert storage.create_bytes(uri, b"first") is True  # before: False, "taken" (400 learnt)
        assert storage.create_bytes(uri, b"second") is False
        assert storage.read_bytes(uri) == b"first"
        assert storage._S3_REFUSAL == {} and list(storage._S3_CONDITIONAL.values()) == [False]
    finally:
        proxy.close()
    assert client.get_object(Bucket=bucket, Key=_PROBE)["Body"].read() == b"left-0"  # not ours

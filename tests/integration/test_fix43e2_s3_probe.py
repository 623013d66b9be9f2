"""The S3 conditional-write probe after fix 43 E (fix 43 E2), on moto's S3 server (moto 5.2.5: it checks
If-None-Match; versioning, Object Lock and IAM grants are real there), behind small proxies.

- A store answering a refused conditional PUT with 304 (MinIO RELEASE.2023-11-20, minio/minio#19442)
  where the probe could not be deleted (Object Lock retention, no s3:DeleteObject): each later process's
  first write was refused beside that probe, learnt nothing, and wrote, and left, a probe of a name of
  its own (one more visible object and one more warning a process). Now a 304 beside a probe's own
  bytes (32 hex digits, then -0 or -1) means the name is taken, as before fix 43 E.
- A store ignoring If-None-Match that refused the probe's second write once with another 4xx (409
  OperationAborted, 400 IncompleteBody, 400 RequestTimeout) had that status learnt as its answer to a
  taken key for the whole process: two writers of one manifest were both told they created it. Now
  only 412 and 304 mean "taken"; any other refusal of the overwrite is an error, nothing remembered.
- On a 304 store with other processes probing, a refusal with nothing left at the name probed the
  common name again: a third process's probe there gave no answer, or nothing there twice was taken
  for a store refusing the header itself (look, then write, for the whole process). Now a name of its
  own is probed, which no other process writes.
- A version delete refused for another reason than access (503), its delete marker then deleted, was
  warned of as a missing grant or an Object Lock retention. Now the advice follows the error."""

from __future__ import annotations

import os
import warnings

import boto3
import pytest

from ctloop import storage
from ctloop.errors import StoreUnavailable
from tests.fixtures.object_stores import Store, fresh_bucket, moto_identity, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler
from tests.integration.test_r43_storage_s3_probe_answers import (  # noqa: F401 (fixtures)
    RefusingWith304,
    moto,
    refusing,
    root,
)

_PROBE = "data/labels/.ctloop-conditional-write-probe-s3"


class Refusing(ProxyDouble):
    """moto behind a proxy: ``refuse(method, path, count)`` gives ``(status, code)`` to answer instead
    of forwarding a request for a probe (``count``: its place among the probe's requests of that method,
    with or without a version id, from 1), or None to forward. With ``drop_if_none_match`` the header is not forwarded (a store ignoring it)."""

    def __init__(self, upstream: str, refuse, drop_if_none_match: bool = False) -> None:
        counts: dict[tuple[str, bool], int] = {}

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                if "-probe-s3" not in self.path:
                    return False
                kind = (self.command, "versionId=" in self.path)
                counts[kind] = counts.get(kind, 0) + 1
                refused = refuse(self.command, self.path, counts[kind])
                if refused:
                    self.send_xml_error(refused[0], refused[1], "refused")
                return bool(refused)

        Handler.upstream = upstream
        Handler.drop = frozenset({"if-none-match"}) if drop_if_none_match else frozenset()
        super().__init__(Handler)


def _new_process(monkeypatch) -> None:
    """What a new process starts with: nothing asked of any store."""
    monkeypatch.setattr(storage, "_S3_CONDITIONAL", {})
    monkeypatch.setattr(storage, "_S3_REFUSAL", {})  # moto_identity does not clear this one
    monkeypatch.setattr(storage, "_S3_PROBES_LEFT", set())


def _probes(client, bucket: str) -> list[str]:
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return [o["Key"] for o in listed if "-probe-s3" in o["Key"]]


def _four_processes(monkeypatch, client, bucket: str) -> list[tuple[int, int]]:
    """Four processes each creating a label file: (warnings, visible probe objects) after each."""
    seen = []
    for run in range(4):
        _new_process(monkeypatch)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert storage.create_bytes(f"s3://{bucket}/data/labels/m{run}.json", b"x") is True
        assert list(storage._S3_CONDITIONAL.values()) == [True]
        assert list(storage._S3_REFUSAL.values()) == [304]
        seen.append((len(caught), len(_probes(client, bucket))))
    return seen


def test_a_304_store_under_object_lock_leaves_one_probe(moto, tmp_path, monkeypatch):  # noqa: F811
    fresh_bucket(Store("s3", moto, s3_env(moto)), monkeypatch, tmp_path / "home", "data")  # its env
    client = boto3.client("s3")
    bucket = "ctloop-fix43e2-locked"
    client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    client.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
        },
    )
    proxy = RefusingWith304(storage._S3().client().meta.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        # before: [(1, 1), (1, 2), (1, 3), (1, 4)]: a probe of its own name left, and warned of, each process
        assert _four_processes(monkeypatch, client, bucket) == [(1, 1), (0, 1), (0, 1), (0, 1)]
        assert _probes(client, bucket) == [_PROBE]
    finally:
        proxy.close()


def test_a_304_store_without_a_delete_grant_leaves_one_probe(tmp_path, monkeypatch):
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
    with moto_identity(tmp_path, monkeypatch, bucket="ctloop-fix43e2-nd", actions=actions) as user:
        proxy = RefusingWith304(os.environ["AWS_ENDPOINT_URL_S3"])
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
        try:  # before: [(1, 1), (1, 2), (1, 3), (1, 4)]
            assert _four_processes(monkeypatch, user, "ctloop-fix43e2-nd") == [
                (1, 1),
                (0, 1),
                (0, 1),
                (0, 1),
            ]
        finally:
            proxy.close()


def test_other_bytes_at_the_probe_name_teach_no_304(refusing, monkeypatch):  # noqa: F811
    """A 304 beside bytes that are not a probe's (a user's object at that name): a name of its own."""
    bucket = storage.parse(refusing).bucket
    client = boto3.client("s3")
    client.put_object(Bucket=bucket, Key=_PROBE, Body=b"not a probe")
    puts = []
    real = storage._S3._probe

    def probe(self, client, loc, name, cache, **kw):
        puts.append(name)
        return real(self, client, loc, name, cache, **kw)

    monkeypatch.setattr(storage._S3, "_probe", probe)
    assert storage.create_bytes(f"{refusing}/labels/m.json", b"x") is True
    assert len(puts) == 2 and puts[0] == _PROBE and puts[1].startswith(f"{_PROBE}-")
    assert list(storage._S3_CONDITIONAL.values()) == [True]  # learnt from the name of its own
    assert client.get_object(Bucket=bucket, Key=_PROBE)["Body"].read() == b"not a probe"


@pytest.mark.parametrize(
    "status,code", [(409, "OperationAborted"), (400, "IncompleteBody"), (400, "BadDigest")]
)
def test_one_refusal_of_an_ignoring_store_is_not_learnt(root, monkeypatch, status, code):  # noqa: F811
    """A store ignoring If-None-Match, refusing the probe's second PUT once (a transient refusal)."""
    refuse = lambda method, path, count: (status, code) if method == "PUT" and count == 2 else None  # noqa: E731
    proxy = Refusing(storage._S3().client().meta.endpoint_url, refuse, drop_if_none_match=True)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        uri = f"{root}/labels/_ctloop_labels.json"
        with pytest.raises(
            StoreUnavailable, match=rf"refused with {status} \({code}\), not 412 or 304"
        ):
            storage.create_bytes(uri, b"writer-A")  # before: True, and the status learnt as "taken"
        assert storage._S3_CONDITIONAL == {} and storage._S3_REFUSAL == {}
        assert (
            storage.create_bytes(uri, b"writer-B") is True
        )  # asked again: not checked, look then write
        assert (
            storage.create_bytes(uri, b"writer-C") is False
        )  # before: True, writer-B's manifest replaced
        assert storage.read_bytes(uri) == b"writer-B"
        assert list(storage._S3_CONDITIONAL.values()) == [False]
    finally:
        proxy.close()


def _other_processes(monkeypatch, bucket: str, third_writes: bool) -> None:
    """At the first look back: the process whose probe refused ours deletes it, and (``third_writes``) a
    third process writes its own probe at the name (else, at the second look back, another one is deleted)."""
    client = boto3.client("s3")
    client.put_object(Bucket=bucket, Key=_PROBE, Body=b"0123456789abcdef0123456789abcdef-0")
    looks = []
    real = storage._S3._probe_body

    def probe_body(self, loc, probe):
        looks.append(probe)
        if len(looks) == 1 or not third_writes:
            client.delete_object(Bucket=bucket, Key=_PROBE)
        held = real(self, loc, probe)
        if len(looks) == 1 and third_writes:
            client.put_object(Bucket=bucket, Key=_PROBE, Body=b"fedcba9876543210fedcba9876543210-0")
        return held

    monkeypatch.setattr(storage._S3, "_probe_body", probe_body)


@pytest.mark.parametrize("third_writes", [True, False], ids=["third-probe-held", "gone-twice"])
def test_processes_probing_at_once_settle_in_one_round(refusing, monkeypatch, third_writes):  # noqa: F811
    _other_processes(monkeypatch, storage.parse(refusing).bucket, third_writes)
    uri = f"{refusing}/labels/m.json"
    assert storage.create_bytes(uri, b"first") is True
    # before: nothing remembered (third-probe-held) or False for the whole process (gone-twice)
    assert list(storage._S3_CONDITIONAL.values()) == [True]
    assert storage.create_bytes(uri, b"second") is False
    assert storage.read_bytes(uri) == b"first"


def test_a_version_delete_refused_with_503_blames_no_grant(root, monkeypatch):  # noqa: F811
    boto3.client("s3").put_bucket_versioning(
        Bucket=storage.parse(root).bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    refused: set[str] = set()

    def refuse(method: str, path: str, count: int):
        """The probe version's deletes (retried too): 503."""
        version = path.partition("versionId=")[2]
        if method == "DELETE" and version and (count == 1 or version in refused):
            refused.add(version)
            return 503, "ServiceUnavailable"
        return None  # the delete marker's delete is forwarded

    proxy = Refusing(storage._S3().client().meta.endpoint_url, refuse)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        with pytest.warns(UserWarning, match="refused to delete it") as caught:
            assert storage.create_bytes(f"{root}/labels/m.json", b"x") is True
    finally:
        proxy.close()
    message = str(caught[0].message)
    assert "ServiceUnavailable): remove it by hand" in message, message
    assert "grant" not in message and "Object Lock" not in message, message  # before: both

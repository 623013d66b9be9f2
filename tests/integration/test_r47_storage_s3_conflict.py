"""S3's 409 ``ConditionalRequestConflict`` to a conditional CompleteMultipartUpload (round 47).

S3 answers a conditional write (``If-None-Match: *``) that races another conditional write of the
same key with 409 ``ConditionalRequestConflict``; for CompleteMultipartUpload the S3 API reference
("CompleteMultipartUpload", If-None-Match) says: "On a 409 failure you should re-initiate the
multipart upload with CreateMultipartUpload and re-upload each part", and S3 removes the upload
itself, so an AbortMultipartUpload after it gets 404 ``NoSuchUpload`` (elastic/elasticsearch#138569
models S3 so). The multipart probe of ``_S3.conditional_completes`` has one name per prefix, which
every process asking at once writes: two processes asking together met this answer, and the probe
raised it: the large create that asked failed. The abort of the conflicted upload, refused 404, was
also warned of as "left an incomplete multipart upload", of an upload that is not there.

``Conflicts`` is the session's moto 5.2.5 (which checks the header on the complete but never answers
409) behind a proxy that answers the first conditional complete as S3 does under a race: it removes
the upload upstream, then answers 409 ConditionalRequestConflict."""

from __future__ import annotations

import threading
import warnings

import pytest

from ctloop import storage
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler

CACHES = ("_S3_CONDITIONAL", "_S3_CONDITIONAL_COMPLETE", "_S3_REFUSAL", "_S3_PROBES_LEFT")


class Conflicts(ProxyDouble):
    """Double of S3 under a race: the first ``times`` conditional CompleteMultipartUploads are answered
    409 ConditionalRequestConflict, their upload removed upstream (an abort after it: 404 NoSuchUpload)."""

    def __init__(self, upstream: str, times: int = 1) -> None:
        left = [times]
        lock = threading.Lock()

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                if (
                    self.command != "POST"
                    or "uploadId=" not in self.path
                    or not self.headers.get("If-None-Match")
                ):
                    return False
                with lock:
                    if left[0] <= 0:
                        return False
                    left[0] -= 1
                import http.client
                from urllib.parse import urlsplit

                target = urlsplit(self.upstream)
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                try:  # S3 removes the conflicted upload (unsigned: moto does not check signatures)
                    conn.request("DELETE", self.path)
                    conn.getresponse().read()
                finally:
                    conn.close()
                self.send_xml_error(
                    409,
                    "ConditionalRequestConflict",
                    "A conflicting operation occurred. If using PutObject you can retry the "
                    "request. If using multipart upload you should initiate another "
                    "CreateMultipartUpload request and re-upload each part.",
                )
                return True

        Handler.upstream = upstream
        super().__init__(Handler)


def said(caught: list) -> list[str]:
    """What ctloop warned of: not a ``ResourceWarning`` that a garbage collection inside the block
    reported of whatever an earlier test left unclosed (round 51's CI run failed on one, an
    "unclosed <socket.socket ...>" of a client of another test)."""
    return [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)]


@pytest.fixture
def bucket(moto_url, tmp_path, monkeypatch):
    for name in CACHES:
        monkeypatch.setattr(storage, name, type(getattr(storage, name))())
    root = fresh_bucket(
        Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data"
    )
    return root


def test_multipart_probe_conflicted_is_asked_again(bucket, moto_url, monkeypatch):
    proxy = Conflicts(moto_url)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
        loc = storage.parse(f"{bucket}/large.bin")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert storage._S3().conditional_completes(loc) is True  # raised the 409 before
        assert said(caught) == []  # no "left an incomplete multipart upload"
        client = storage._S3().client()
        assert client.list_multipart_uploads(Bucket=loc.bucket).get("Uploads", []) == []
        assert client.list_objects_v2(Bucket=loc.bucket).get("Contents", []) == []
    finally:
        proxy.close()


def test_multipart_probe_conflicted_for_good_fails_in_one_line(bucket, moto_url, monkeypatch):
    monkeypatch.setattr(storage.time, "sleep", lambda _s: None)
    proxy = Conflicts(moto_url, times=100)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
        loc = storage.parse(f"{bucket}/large.bin")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(
                storage.StoreUnavailable, match="ConditionalRequestConflict"
            ) as told:
                storage._S3().conditional_completes(loc)
        assert "\n" not in str(told.value)
        assert said(caught) == []
        assert storage._S3_CONDITIONAL_COMPLETE == {}  # nothing remembered: asked again next time
    finally:
        proxy.close()


class ProbeConflicts(ProxyDouble):
    """Double of an S3-compatible store that checks ``If-None-Match`` and answers a conditional
    PutObject racing another 409 ConditionalRequestConflict (CoreWeave AI Object Storage's release
    notes, "Conditional writes": "one succeeds and the other returns 409 ConditionalRequestConflict.
    Retry on 409."): the first ``times`` conditional PUTs of the PutObject probe's second write
    (its body ends ``-1``) are answered so, nothing stored."""

    def __init__(self, upstream: str, times: int = 1) -> None:
        left = [times]
        lock = threading.Lock()

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                if (
                    self.command != "PUT"
                    or not self.headers.get("If-None-Match")
                    or storage._S3_PROBE not in self.path
                    or not body.endswith(b"-1")
                ):
                    return False
                with lock:
                    if left[0] <= 0:
                        return False
                    left[0] -= 1
                self.send_xml_error(
                    409, "ConditionalRequestConflict", "A conflicting operation occurred."
                )
                return True

        Handler.upstream = upstream
        super().__init__(Handler)


def test_putobject_probe_conflicted_is_asked_again(bucket, moto_url, monkeypatch):
    proxy = ProbeConflicts(moto_url)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
        loc = storage.parse(f"{bucket}/labels/_ctloop_labels.json")
        assert (
            storage._S3().conditional_writes(loc) is True
        )  # "cannot tell ... run it again" before
        assert storage.create_bytes(loc.uri, b"{}") is True
        assert storage.create_bytes(loc.uri, b"{}") is False
        client = storage._S3().client()
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=loc.bucket).get("Contents", [])]
        assert keys == ["data/labels/_ctloop_labels.json"]  # no probe left
    finally:
        proxy.close()

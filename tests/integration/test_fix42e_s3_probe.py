"""The probe object ctloop writes to learn whether an S3-compatible store checks ``If-None-Match: *``
(``.ctloop-conditional-write-probe-<hex>``, beside the label store's manifest) was left behind
without a word where the identity may not delete it: docs/storage.md names s3:GetObject, s3:PutObject
and s3:ListBucket only, and the failed delete was suppressed (fix 42e, review of the round 42 storage
hunt). Now AWS's own endpoints are not probed (S3 checks the header there since August 2024), and a
store that refuses the delete is warned of once per endpoint and bucket, naming the object and the
permission. The refusing store is moto's server with IAM checks on (a user granted exactly the
documented S3 actions, no s3:DeleteObject), not a double."""

from __future__ import annotations

import os
import warnings

import pandas as pd
import pytest

from ctloop import storage
from ctloop.labels.store import ingest_labels
from tests.fixtures.object_stores import isolated_env, moto_identity
from tests.fixtures.servers import free_port


@pytest.fixture
def no_delete_identity(tmp_path, monkeypatch):
    """A moto_server user allowed ["s3:GetObject", "s3:PutObject", "s3:ListBucket"] only (:func:`moto_identity`); yields its client."""
    with moto_identity(tmp_path, monkeypatch, bucket="ctloop-probe", actions=["s3:GetObject", "s3:PutObject", "s3:ListBucket"], user="ingest") as client:
        yield client


def _objects(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket="ctloop-probe").get("Contents", [])]


def test_a_probe_the_store_will_not_delete_is_warned_of_once(
    no_delete_identity, tmp_path, monkeypatch
):
    labels = tmp_path / "l.csv"
    pd.DataFrame({"request_id": ["r1"], "label": [1]}).to_csv(labels, index=False)
    with pytest.warns(UserWarning) as caught:
        assert ingest_labels(str(labels), "s3://ctloop-probe/store") == 1
    left = [k for k in _objects(no_delete_identity) if ".ctloop-conditional-write-probe-" in k]
    assert len(left) == 1  # the delete was refused: the probe stays, and the user is told
    said = [str(w.message) for w in caught if "probe" in str(w.message)]
    assert len(said) == 1
    assert f"s3://ctloop-probe/{left[0]}" in said[0] and "AccessDenied" in said[0]
    assert "grant s3:DeleteObject" in said[0]

    monkeypatch.setattr(
        storage, "_S3_CONDITIONAL", {}
    )  # another process's first ask of this bucket
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once per endpoint and bucket
        assert ingest_labels(str(labels), "s3://ctloop-probe/other") == 1


@pytest.mark.parametrize(
    ("url", "aws"),
    [
        (None, True),
        ("https://s3.us-east-1.amazonaws.com", True),
        ("https://bucket.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com", True),
        ("https://s3.cn-north-1.amazonaws.com.cn", True),
        ("http://127.0.0.1:9000", False),
        ("https://minio.example.com", False),
        ("https://amazonaws.com.example.net", False),
    ],
    ids=["default", "regional", "vpc-endpoint", "china", "loopback", "minio", "look-alike"],
)
def test_aws_endpoints_are_told(url, aws):
    assert storage._aws_endpoint(url) is aws


def test_aws_itself_is_not_probed(tmp_path, monkeypatch):
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in isolated_env(tmp_path / "home", free_port()).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setattr(storage, "_S3_CONDITIONAL", {})
    s3 = storage._S3()
    client = s3.client()
    assert client.meta.endpoint_url.endswith(".amazonaws.com")
    sent = []

    def refuse(request, **_):
        sent.append(request.url)
        raise RuntimeError(f"no request to AWS in a test: {request.url}")

    client.meta.events.register("before-send.s3", refuse)
    try:
        assert s3.conditional_writes(
            storage.parse("s3://ctloop-data/store/labels/_ctloop_labels.json")
        )
    finally:
        client.meta.events.unregister("before-send.s3", refuse)
    assert sent == []

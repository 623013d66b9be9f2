"""An S3-compatible store that ignores ``If-None-Match: *`` on PutObject (answers 200, not 412 or
501) let a second writer replace an object ``storage.create_bytes`` had created, and told both
writers they made it (round 42, storage item 4): the label store's manifest, the one-key-per-store
rule's only guard, could be overwritten by another key's first ingest.

AWS S3 itself ignored the header on PutObject before conditional writes (S3 user guide,
"Add preconditions to S3 operations with conditional requests", August 2024), as do stores that
implement the older API. ``IgnoringStore`` below is a double of such a store: moto's S3 server
(real, it checks the header: moto 5.2.5 s3/responses.py) behind a proxy that drops the
``If-None-Match`` request header and forwards everything else. Now ctloop asks once per endpoint and
bucket whether the store checks it (a probe object written twice, the second must be 412) and, where
not, looks before it writes, as for a store answering 501 (the limit docs/storage.md states)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from ctloop.labels import store as label_store
from ctloop.labels.store import STORE_MANIFEST, ingest_labels
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler


class IgnoringStore(ProxyDouble):
    """Double of an S3-compatible store without conditional writes that ignores If-None-Match."""

    def __init__(self, upstream: str) -> None:
        class Handler(ProxyHandler):
            pass

        Handler.upstream, Handler.drop = upstream, frozenset({"if-none-match"})
        super().__init__(Handler)


@pytest.fixture(scope="module")
def moto(moto_url):
    """The session's moto_server (tests/conftest.py)."""
    return moto_url


@pytest.fixture
def ignoring(moto, tmp_path, monkeypatch):
    """``s3://<new bucket>/data`` reached through :class:`IgnoringStore`."""
    proxy = IgnoringStore(moto)
    monkeypatch.setattr(storage, "_S3_CONDITIONAL", {}, raising=False)
    root = fresh_bucket(Store("s3", moto, s3_env(moto)), monkeypatch, tmp_path / "home", "data")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    yield root
    proxy.close()


def test_the_double_ignores_the_header(ignoring):
    """What the double is: a second conditional PutObject of a key is taken (moto alone: 412)."""
    import boto3

    client = boto3.client("s3")  # the environment points it at the double
    bucket = storage.parse(ignoring).bucket
    client.put_object(Bucket=bucket, Key="k", Body=b"1", IfNoneMatch="*")
    client.put_object(Bucket=bucket, Key="k", Body=b"2", IfNoneMatch="*")
    assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"2"


def test_create_bytes_writes_once_where_the_header_is_ignored(ignoring):
    uri = f"{ignoring}/labels/m.json"
    assert storage.create_bytes(uri, b"first") is True
    assert storage.create_bytes(uri, b"second") is False
    assert storage.read_bytes(uri) == b"first"
    assert storage.list_files(ignoring) == [uri]  # no probe object left
    assert list(storage._S3_CONDITIONAL.values()) == [False]


def test_a_store_that_checks_the_header_is_asked_once(moto, tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "_S3_CONDITIONAL", {}, raising=False)
    root = fresh_bucket(Store("s3", moto, s3_env(moto)), monkeypatch, tmp_path / "home", "data")
    assert storage.create_bytes(f"{root}/a.json", b"a") is True
    assert storage.create_bytes(f"{root}/a.json", b"b") is False
    assert storage.create_bytes(f"{root}/b.json", b"b") is True
    assert storage._S3_CONDITIONAL == {(moto, storage.parse(root).bucket): True}
    assert storage.list_files(root) == [f"{root}/a.json", f"{root}/b.json"]


def test_a_second_first_ingest_with_another_key_is_refused(ignoring, tmp_path, monkeypatch):
    store = f"{ignoring}/store"
    first = tmp_path / "a.csv"
    pd.DataFrame({"request_id": ["r1"], "label": [1]}).to_csv(first, index=False)
    second = tmp_path / "b.csv"
    pd.DataFrame({"order_id": ["o1"], "label": [1]}).to_csv(second, index=False)
    assert ingest_labels(str(first), store) == 1
    with (
        monkeypatch.context() as m,
        pytest.raises(ConfigError, match="keyed by 'request_id', not 'order_id'"),
    ):
        m.setattr(
            label_store, "store_key", lambda store_root: None
        )  # read before the first committed
        ingest_labels(str(second), store, key="order_id")
    assert json.loads(storage.read_bytes(f"{store}/labels/{STORE_MANIFEST}"))["key"] == "request_id"

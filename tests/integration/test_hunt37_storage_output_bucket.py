"""``storage.check_output_dir`` of an object-store ``--output`` whose bucket (container) does not
exist: the up-front check asked only whether the object exists, and every store answers a HEAD of
an object in a missing bucket with a bare 404 (S3 ``HeadObject`` has no body, so no
``NoSuchBucket`` code; google-cloud-storage ``Blob.exists`` turns the 404 into False;
azure-storage-blob ``BlobClient.exists`` too). A mistyped bucket passed the check and the command
failed only after its whole replay or comparison. Now it is one line naming the bucket, before the
work. Real servers: moto in server mode, the GCS emulator, Azurite (tests/fixtures/object_stores.py).
"""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import create_bucket, isolated_env
from tests.fixtures.servers import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(params=["s3", "gs", "az"])
def store(request, stores, monkeypatch, tmp_path):
    env = isolated_env(tmp_path / "home", free_port())
    for name in [k for k in os.environ if k not in env]:
        monkeypatch.delenv(name)
    chosen = stores[request.param]
    for name, value in {**env, **chosen.env}.items():
        monkeypatch.setenv(name, value)
    return chosen


@pytest.mark.parametrize("key", ["backtest/run-1", ""])
def test_a_mistyped_bucket_is_refused_up_front_naming_it(store, key):
    real = create_bucket(store)
    typo = real + "x"
    uri = store.uri(typo, key)
    with pytest.raises(DataSourceError) as err:
        storage.check_output_dir(uri, name="--output")
    message = str(err.value)
    assert repr(typo) in message and "does not exist" in message and "\n" not in message


def test_an_existing_bucket_still_passes_and_nothing_is_written(store):
    bucket = create_bucket(store)
    storage.check_output_dir(store.uri(bucket, "backtest/run-1"), name="--output")
    storage.check_output_dir(store.uri(bucket), name="--output")
    assert storage.list_files(store.uri(bucket)) == []


def test_keys_that_may_not_head_the_bucket_are_not_refused(stores, monkeypatch, tmp_path):
    """A HeadBucket refused with 403 (keys without s3:ListBucket) cannot tell a missing bucket."""
    from botocore.exceptions import ClientError

    from tests.fixtures.object_stores import fresh_bucket

    out = fresh_bucket(stores["s3"], monkeypatch, tmp_path / "home", "backtest")

    def forbidden(*args, **kwargs):
        raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"},
                           "ResponseMetadata": {"HTTPStatusCode": 403}}, "HeadBucket")

    client = storage._backend(out)[0].client()
    monkeypatch.setattr(type(client), "head_bucket", forbidden)
    storage.check_output_dir(out.replace("://", "://x", 1), name="--output")

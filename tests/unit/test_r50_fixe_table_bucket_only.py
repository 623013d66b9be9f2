"""``read_table`` of a bucket with no object named (review 50, item 7): round 50's ``_table_file`` left out
``_need_key``, so ``s3://bucket/`` was sent to the store (a GET of key ``''``) instead of the one line
every other read gives. The endpoint is a closed loopback port: the refusal comes before any request."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError


@pytest.mark.parametrize("uri", ["s3://bucket/", "s3://bucket"])
def test_a_bucket_without_an_object_is_named(uri, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_MAX_ATTEMPTS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(
        ConfigError,
        match=r"^s3://bucket/? names a bucket but no object: write s3://bucket/path/to/file$",
    ):
        storage.read_table(uri, "csv")

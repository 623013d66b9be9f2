"""Fixtures shared by unit test modules (the session's servers are in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def moto_fs(moto_url):
    """Arrow's S3 filesystem on the session's moto: a module's buckets are made with it."""
    import pyarrow.fs as pafs

    from tests.fixtures.object_stores import MOTO_KEY_ID, MOTO_SECRET

    return pafs.S3FileSystem(
        access_key=MOTO_KEY_ID,
        secret_key=MOTO_SECRET,
        endpoint_override=moto_url,
        scheme="http",
        region="us-east-1",
        allow_bucket_creation=True,
    )


@pytest.fixture
def on_moto(moto_url, monkeypatch) -> None:
    """ctloop's S3 reads go to the session's moto."""
    from tests.fixtures.object_stores import s3_env

    for name, value in s3_env(moto_url).items():
        monkeypatch.setenv(name, value)

"""Object keys no store holds as written are refused before anything is read or written (round 43,
storage hunt).

- A ``.`` or ``..`` path segment (``s3://b/data/x/../y.csv``): boto3 sends the key as it is, and S3
  (moto 5.2.5 too) stores ``data/x/../y.csv``, while pyarrow 25.0.1's S3FileSystem (the AWS SDK for
  C++) resolves the segment and asks for another key: one URI named two objects. A table written
  through one client was missing to the other (or another object was read or replaced); GCS names no
  object ``.`` or ``..``. Now a ConfigError names the URI.
- A key longer than the store allows (S3, GCS: 1024 bytes of UTF-8; Azure: 1024 characters) failed
  only at the write after the work (S3 KeyTooLongError); moto 5.2.5 does not check it and stored it.
  Now it is refused first."""

from __future__ import annotations

import boto3
import pandas as pd
import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env


@pytest.fixture(scope="module")
def moto(moto_url):
    """The session's moto_server (tests/conftest.py)."""
    return moto_url


@pytest.fixture
def root(moto, tmp_path, monkeypatch):
    return fresh_bucket(Store("s3", moto, s3_env(moto)), monkeypatch, tmp_path / "home", "data")


def _keys(root: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=storage.parse(root).bucket)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_the_two_clients_name_two_objects(root):
    """What was wrong: the key boto3 wrote is not the one Arrow looks for."""
    bucket = storage.parse(root).bucket
    boto3.client("s3").put_object(Bucket=bucket, Key="data/x/../y.csv", Body=b"a\n1\n")
    fs = storage._S3().arrow(storage.parse(root))[0]
    assert _keys(root) == ["data/x/../y.csv"]
    assert fs.get_file_info(f"{bucket}/data/x/../y.csv").type.name == "NotFound"


@pytest.mark.parametrize("name", ["x/../y.csv", "x/./y.csv", "../y.csv", "./y.csv"])
def test_a_dot_segment_is_refused_before_anything_is_written(root, name):
    with pytest.raises(ConfigError, match=r"holds a '\.' or '\.\.' path segment"):
        storage.write_table(pd.DataFrame({"a": [1]}), f"{root}/{name}")
    with pytest.raises(ConfigError, match="path segment"):
        storage.write_bytes(f"{root}/{name}", b"x")
    assert _keys(root) == []


@pytest.mark.parametrize("name", ["x..y.csv", "...csv", "x/.hidden.csv"])
def test_dots_inside_a_name_are_kept(root, name):
    storage.write_bytes(f"{root}/{name}", b"a\n1\n")
    assert _keys(root) == [f"data/{name}"]


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        ("s3://b/" + "é" * 600 + ".csv", "1204 bytes: S3 keys hold at most 1024 bytes of UTF-8"),
        ("gs://b/" + "k" * 1025, "1025 bytes: GCS keys hold at most 1024 bytes"),
        ("az://c/" + "k" * 1025, "1025 characters: Azure keys hold at most 1024 characters"),
    ],
    ids=["s3-utf8", "gcs", "azure"],
)
def test_a_key_too_long_is_refused(uri, said):
    with pytest.raises(ConfigError, match=said):
        storage.parse(uri)


def test_the_longest_keys_pass():
    assert storage.parse("s3://b/" + "é" * 512).key == "é" * 512
    assert storage.parse("az://c/" + "é" * 1024).key == "é" * 1024


def test_a_key_too_long_writes_nothing(root):
    with pytest.raises(ConfigError, match="write a shorter path"):
        storage.write_table(pd.DataFrame({"a": [1]}), f"{root}/{'k' * 1100}.csv")
    assert _keys(root) == []

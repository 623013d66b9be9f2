"""A write to a name ending with '/' was acknowledged and then invisible (round 45, storage).

``write_table`` refuses a URI ending with '/' ("it names a folder"); ``write_bytes`` and
``create_bytes`` did not. On S3 (GCS, Azure alike) the bytes became an object named ``data/``, which
every listing leaves out as a folder marker: written, acknowledged, never read back by a listing. A
local write dropped the '/' (``Path``) and wrote the file ``data``. Now both refuse, naming the URI,
before anything is written."""

from __future__ import annotations

import boto3
import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env


@pytest.fixture
def root(moto_url, tmp_path, monkeypatch):
    return fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")


@pytest.mark.parametrize("call", ["write_bytes", "create_bytes"])
def test_an_object_write_to_a_folder_is_refused(root, call):
    with pytest.raises(ConfigError, match=rf"^cannot write {root}/out/: it ends with '/', which names a folder"):
        getattr(storage, call)(f"{root}/out/", b"scores\n")
    listed = boto3.client("s3").list_objects_v2(Bucket=storage.parse(root).bucket)
    assert listed.get("Contents", []) == []  # before: an object 'data/out/' no listing showed


@pytest.mark.parametrize("call", ["write_bytes", "create_bytes"])
def test_a_local_write_to_a_folder_is_refused(tmp_path, call):
    with pytest.raises(ConfigError, match=r"it ends with '/', which names a folder"):
        getattr(storage, call)(f"{tmp_path}/out/", b"scores\n")
    assert list(tmp_path.iterdir()) == []  # before: a file named 'out'


def test_a_file_name_is_still_written(root, tmp_path):
    storage.write_bytes(f"{root}/out/scores.csv", b"a\n")
    assert storage.list_files(f"{root}/out") == [f"{root}/out/scores.csv"]
    storage.write_bytes(f"{tmp_path}/out/scores.csv", b"a\n")
    assert (tmp_path / "out" / "scores.csv").read_bytes() == b"a\n"

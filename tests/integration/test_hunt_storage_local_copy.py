"""storage.local_copy of a prefix against moto's S3 server: every object lands inside the temporary
directory it yields, or the call is one DataSourceError naming the object — an object's key never
decides where outside that directory a file is written (S3 keys are any UTF-8 text: '..' segments
and 1,024-byte names are valid keys, docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import fresh_bucket, sdk_put

pytestmark = pytest.mark.slow


@pytest.fixture
def prefix(s3, monkeypatch, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))  # local_copy's directory is made in here
    return fresh_bucket(s3, monkeypatch, tmp_path / "home", "model")


def _bucket(uri: str) -> str:
    return storage.parse(uri).bucket


def test_a_key_with_dot_dot_segments_is_refused_and_nothing_is_written_outside(s3, prefix, tmp_path):
    sdk_put(s3, _bucket(prefix), "model/ok.bin", b"ok")
    sdk_put(s3, _bucket(prefix), "model/../../../escaped.bin", b"not yours")
    with pytest.raises(DataSourceError) as err:
        with storage.local_copy(prefix):
            pass
    message = str(err.value)
    assert "\n" not in message and "model/../../../escaped.bin" in message
    assert not list(tmp_path.rglob("escaped.bin")), "an object's key wrote a file outside local_copy's directory"


def test_a_key_too_long_for_a_local_name_is_one_line(s3, prefix):
    key = "model/" + "k" * 300 + ".bin"  # a valid S3 key, longer than a local file name may be
    sdk_put(s3, _bucket(prefix), key, b"x")
    with pytest.raises(DataSourceError, match="cannot copy .*kkkk") as err:
        with storage.local_copy(prefix):
            pass
    assert "\n" not in str(err.value)


def test_an_object_named_like_a_folder_of_others_is_one_line(s3, prefix):
    sdk_put(s3, _bucket(prefix), "model/a", b"file")
    sdk_put(s3, _bucket(prefix), "model/a/b", b"under it")
    with pytest.raises(DataSourceError, match="cannot copy") as err:
        with storage.local_copy(prefix):
            pass
    assert "\n" not in str(err.value)


def test_ordinary_odd_names_still_copy(s3, prefix):
    for key in ("model/a b/c d.csv", "model/ünï/cödé.bin", "model/p%41#x?y.bin"):
        sdk_put(s3, _bucket(prefix), key, key.encode())
    with storage.local_copy(prefix) as root:
        got = {p.relative_to(root).as_posix(): p.read_bytes() for p in Path(root).rglob("*") if p.is_file()}
    assert got == {k[len("model/"):]: k.encode() for k in ("model/a b/c d.csv", "model/ünï/cödé.bin",
                                                          "model/p%41#x?y.bin")}

"""An object-store URI mistyped by one character ('s3:/bucket/x', 'gs:bucket/x') or pasted with a
space before it was read as a local path: write_bytes then wrote ./s3:/bucket/x on local disk and
said nothing, and the output the user asked for in the bucket never appeared. Such a value is one
ConfigError naming it; local paths, file:// URIs and real URIs are unchanged."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError


@pytest.mark.parametrize("uri", ["s3:/bucket/x.csv", "gs:bucket/x.csv", "az:/container/x.csv",
                                 "abfss:/c@acct.dfs.core.windows.net/x", " s3://bucket/x.csv",
                                 "\ts3://bucket/x.csv"])
def test_a_mistyped_object_store_uri_is_refused_not_written_locally(uri, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for call in (lambda: storage.write_bytes(uri, b"x"), lambda: storage.scheme(uri),
                 lambda: storage.check_output_dir(uri, name="--output")):
        with pytest.raises(ConfigError) as err:
            call()
        assert repr(uri) in str(err.value) and "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == [], "a mistyped URI became a local path"


@pytest.mark.parametrize("uri, kind", [("data/s3-export.csv", "file"), ("./gs_dump/x.csv", "file"),
                                       ("file:///tmp/x.csv", "file"), ("S3://bucket/x", "s3"),
                                       ("gs://bucket/x", "gs"), ("/tmp/az:/x", "file")])
def test_ordinary_paths_and_uris_are_unchanged(uri, kind):
    assert storage.scheme(uri) == kind

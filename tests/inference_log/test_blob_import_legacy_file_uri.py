"""A format-1 import ledger recorded objects of a ``file:`` source by their names as listed:
percent-encoded since 93bb076 under ``file:///p`` and under the minimal ``file:/p`` alike (RFC
8089 section 2; ``storage._file_uri_part``). Before, only a source spelled ``file://`` looked up
the encoded name, so an object of a ``file:/`` source whose name needs encoding was imported
again after the ledger's upgrade."""

from __future__ import annotations

from ctloop import storage
from ctloop.inference_log.blob_import import _Source


def test_a_minimal_file_uri_source_looks_up_the_encoded_name_too(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a b#1.json").write_text("{}")
    info = storage.ObjectInfo(uri=(src / "a b#1.json").as_uri(), size=2, etag="e")
    keys = _Source(f"file:{src}", str(tmp_path / "root"))
    assert keys.legacy_keys(f"file:{src}", "a b#1.json", info) == ["a b#1.json", "a%20b%231.json"]
    assert keys.legacy_keys(str(src), "a b#1.json", info) == ["a b#1.json"]

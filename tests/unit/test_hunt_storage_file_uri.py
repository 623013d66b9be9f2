"""``file:/abs/path``, the minimal form of a file URI (RFC 8089 section 2, ``file:`` path-absolute;
Python's ``pathlib.Path.as_uri`` writes 'file:///', Java's ``File.toURI`` 'file:/'): read as the
relative local path 'file:/abs/path', so a write landed in ./file:/abs/path and a read said the
file did not exist. It names /abs/path, as ``file:///abs/path`` does."""

from __future__ import annotations

from ctloop import storage


def test_the_minimal_file_uri_names_the_absolute_path(tmp_path, monkeypatch):
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    target = tmp_path / "out" / "a b%20#.bin"
    uri = "file:" + target.as_uri()[len("file://"):]  # file:/.../out/a%20b%2520%23.bin
    storage.write_bytes(uri, b"data")
    assert target.read_bytes() == b"data"
    assert storage.read_bytes(uri) == b"data" and storage.exists(uri)
    listed = storage.list_files("file:" + (tmp_path / "out").as_uri()[len("file://"):])
    assert [storage.read_bytes(u) for u in listed] == [b"data"]
    assert list(work.iterdir()) == [], "the file URI became a relative local path"

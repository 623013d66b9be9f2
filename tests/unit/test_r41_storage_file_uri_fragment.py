"""A ``file://`` URI holding a raw '#' or '?' (a directory named ``runs#3`` or ``a?b``, written into the
URI as it is) lost everything from it on: urlsplit reads a fragment or a query there, and the path was
cut before it. ``write_bytes("file:///tmp/d#x/store/labels/_ctloop_labels.json")`` wrote the file
``/tmp/d`` — over whatever had that name — and a label store at ``file:///tmp/d#x/store`` wrote its
manifest and then its label file to ``/tmp/d`` (one over the other), said "2 labels appended", and read
back nothing. Such a URI is now refused in one line saying how to write the character (``%23``, ``%3F``,
as names listed under a ``file://`` prefix are written) or to give a plain path; nothing is written."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from ctloop.labels.store import ingest_labels


@pytest.mark.parametrize("char", ["#", "?"])
def test_a_raw_fragment_or_query_in_a_file_uri_is_refused(tmp_path, char):
    victim = tmp_path / "d"
    victim.write_text("someone else's file")
    uri = f"file://{tmp_path}/d{char}x/store/labels/m.json"
    for call in (lambda: storage.write_bytes(uri, b"{}"), lambda: storage.read_bytes(uri),
                 lambda: storage.list_files(uri), lambda: storage.exists(uri)):
        with pytest.raises(ConfigError, match=f"{quote(char, safe='')}"):
            call()
    assert victim.read_text() == "someone else's file"


def test_a_label_store_at_such_a_uri_writes_nothing_elsewhere(tmp_path):
    (tmp_path / "l.csv").write_text("request_id,label\nr1,0\nr2,1\n")
    victim = tmp_path / "runs"
    victim.write_text("keep")
    with pytest.raises(ConfigError):
        ingest_labels(str(tmp_path / "l.csv"), f"file://{tmp_path}/runs#3/store")
    assert victim.read_text() == "keep"


def test_the_encoded_character_still_reads(tmp_path):
    (tmp_path / "d#x").mkdir()
    (tmp_path / "d#x" / "a.csv").write_text("a\n1\n")
    uri = f"file://{quote(str(tmp_path))}/d%23x"
    assert storage.read_bytes(f"{uri}/a.csv") == b"a\n1\n"
    assert storage.list_files(uri) == [f"{uri}/a.csv"]

"""``ctloop drift --engine memory`` on a ``file://`` URI naming one CSV file. A plain path is read
by ``ctloop.storage.read_table`` (``pandas.read_csv``, as training reads it); ``is_single_file``
asked ``os.path.isfile('file:///…')``, which is False, so the same file under its ``file://``
URI went through the dataset reader (Arrow) instead: another reader with other checks and
messages (a header naming a column twice: Arrow's "CSV file contained multiple columns named
a" instead of ctloop's "has column 'a' twice ... rename one"). Now a ``file://`` URI is one file
as its path is."""

from __future__ import annotations

from ctloop.drift import streaming


def test_a_file_uri_is_a_single_file_as_its_path_is(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    assert streaming.is_single_file(str(path))
    assert streaming.is_single_file(path.as_uri())
    assert not streaming.is_single_file(tmp_path.as_uri())


def test_the_memory_engine_reads_a_file_uri_as_its_path(tmp_path, capsys):
    from ctloop.cli import main

    path = tmp_path / "dup.csv"
    path.write_text("a,a,b\n1,2,3\n4,5,6\n")
    lines = []
    for uri in (str(path), path.as_uri()):
        assert main(["drift", "--reference", uri, "--current", uri, "--engine", "memory", "--no-report",
                     "--quiet", "--min-rows", "1"]) == 2
        lines.append(capsys.readouterr().err.strip().replace(uri, "<uri>"))
    assert lines[0] == lines[1] and "has column 'a' twice" in lines[0]

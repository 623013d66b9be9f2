"""A name that is not UTF-8 inside a directory reached through a symlink: Arrow's local listing
follows symlinked directories (its FileSelector recursion stats through links) and raised
UnicodeDecodeError; ctloop's fallback walked without following links, found nothing and re-raised
it: a traceback (review revB h.py). Now one line names the file; a symlink loop ends the walk."""

from __future__ import annotations

import os

import pytest

from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import DataSourceError

CSV = "ts,x,y\n2024-01-01,1.0,0\n2024-01-02,2.0,1\n2024-01-03,1.5,0\n"


@pytest.fixture
def linked(tmp_path):
    data, other = tmp_path / "data", tmp_path / "other"
    (data / "real").mkdir(parents=True)
    other.mkdir()
    (data / "real" / "ok.csv").write_text(CSV, encoding="utf-8")
    (other / "fine.csv").write_text(CSV, encoding="utf-8")
    with open(os.path.join(os.fsencode(other), b"x\xe9.csv"), "w", encoding="utf-8") as f:  # Latin-1 'xé'
        f.write(CSV)
    (data / "link").symlink_to("../other")
    (other / "loop").symlink_to("../data")  # a cycle: data/link/loop/link/...
    return data


def test_the_name_behind_a_symlinked_directory_is_named(linked):
    with pytest.raises(DataSourceError, match=r"x\\xe9\.csv' is not UTF-8"):
        streaming._resolve_files(str(linked))


def test_drift_says_it_in_one_line(linked, tmp_path, capsys):
    (tmp_path / "ref.csv").write_text(CSV, encoding="utf-8")
    code = main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(linked),
                 "--engine", "stream", "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err and "x\\xe9.csv" in err[-1] and "not UTF-8" in err[-1]


def test_an_undecodable_listing_with_no_such_name_found_is_one_error_naming_the_directory(tmp_path, monkeypatch):
    class Fs:
        def get_file_info(self, selector):
            raise UnicodeDecodeError("utf-8", b"\xe9", 0, 1, "invalid continuation byte")

    (tmp_path / "ok.csv").write_text(CSV, encoding="utf-8")
    with pytest.raises(DataSourceError, match=str(tmp_path)):
        streaming._list_files(Fs(), str(tmp_path))

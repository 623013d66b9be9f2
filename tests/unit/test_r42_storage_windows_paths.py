"""A Windows path (``C:\\data\\x.csv``, ``C:/data``, ``file:///C:/data/x.csv``: a config written on a
laptop) where there are no drives: writing it made a file named ``C:\\data\\x.csv`` in the working
directory, or the directory ``/C:`` at the file system's root, and said it wrote there; reading said
it did not exist (round 42, storage hunt). Now one line naming it, exit 2, nothing written."""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.errors import ConfigError

pytestmark = pytest.mark.skipif(os.name == "nt", reason="drives exist there")


@pytest.mark.parametrize(
    "path", ["C:\\data\\x.csv", "C:/data/x.csv", "d:\\x.csv", "file:///C:/data/x.csv"]
)
def test_a_windows_path_is_refused(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        ConfigError, match=r"is a Windows path \(drive [CdD]:\), and this machine has no drives"
    ):
        storage.write_bytes(path, b"x")
    assert list(tmp_path.iterdir()) == []


def test_the_cli_says_it_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "l.csv").write_text("request_id,label\nr1,0\n")
    with pytest.raises(SystemExit) as exc:  # refused by argparse, naming --store (fix 42e)
        main(["labels", "ingest", "--labels", "l.csv", "--store", "C:\\labels"])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert exc.value.code == 2 and "argument --store: 'C:\\\\labels' is a Windows path" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.csv"]


@pytest.mark.parametrize("path", ["data/C:/x.csv", "./C:/x.csv", "C:x.csv", "file:///data/x.csv"])
def test_other_names_with_a_colon_are_paths(path):
    assert storage.scheme(path) == "file"
    storage.parse(path)

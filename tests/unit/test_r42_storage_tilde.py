"""A local path starting with ``~`` (from a config file, a quoted argument or a pipeline parameter:
only a shell expands it) made a directory named ``~`` in the working directory when written, and the
CLI said it wrote to ``~/...``; read, it "did not exist" (round 42, storage hunt). Now it is refused in
one line naming the full path it would be, exit 2, nothing written."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.errors import ConfigError


@pytest.fixture
def home(tmp_path, monkeypatch):
    (tmp_path / "home").mkdir()
    (tmp_path / "cwd").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "cwd")
    (tmp_path / "home" / "labels.csv").write_text("request_id,label\nr1,0\n")
    return tmp_path


def test_a_store_under_tilde_is_refused_and_nothing_written(home, capsys):
    with pytest.raises(SystemExit) as exc:  # refused by argparse, naming --store (fix 42e)
        main(
            [
                "labels",
                "ingest",
                "--labels",
                str(home / "home" / "labels.csv"),
                "--store",
                "~/store",
            ]
        )
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert exc.value.code == 2, err
    assert "argument --store: '~/store' starts with '~', which only a shell expands" in err
    assert str(home / "home" / "store") in err
    assert list((home / "cwd").iterdir()) == [] and not (home / "home" / "store").exists()


def test_a_file_under_tilde_is_refused_naming_the_full_path(home):
    with pytest.raises(ConfigError, match=r"write the full path \(.*/home/labels.csv\)"):
        storage.read_table("~/labels.csv")


@pytest.mark.parametrize("name", ["~unknown-user-r42/x.csv", "dir/~/x.csv", "file:///tmp/~/x.csv"])
def test_a_tilde_that_names_no_home_is_a_name(name):
    assert storage.scheme(name) == "file"

"""A path flag given a path ctloop refuses (``~/store``, ``C:\\labels``, ``\\\\server\\share\\x``) is
refused by argparse itself, naming the flag and the value as typed (fix 42e, review of the round 42
storage hunt). Before, ``--store '~/store'`` was refused deep inside without naming ``--store`` and
with the path plus ``/labels/_ctloop_labels.json`` as the advice: following it nested a store in a
store. Where the directory a release before the refusal made (``./~/store``) exists, the error says
how to name it. A Windows network path (UNC) was a file name of the working directory."""

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
    (tmp_path / "cwd" / "labels.csv").write_text("request_id,label\nr1,0\n")
    return tmp_path


def _refused(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("command", ["ingest", "report"])
def test_a_store_under_tilde_is_refused_naming_store(home, capsys, command):
    argv = {
        "ingest": ["labels", "ingest", "--labels", "labels.csv", "--store", "~/store"],
        "report": [
            "labels",
            "report",
            "--log-root",
            "log",
            "--store",
            "~/store",
            "--model-name",
            "m",
        ],
    }[command]
    line = _refused(argv, capsys)
    assert line == (
        f"ctloop labels {command}: error: argument --store: '~/store' starts with '~', which only a shell "
        f"expands to a home directory: write the full path ({home / 'home' / 'store'}) (ctloop labels {command} --help)"
    )
    assert sorted(p.name for p in (home / "cwd").iterdir()) == ["labels.csv"]


def test_a_store_written_under_a_literal_tilde_is_named(home, capsys):
    (home / "cwd" / "~" / "store" / "labels").mkdir(
        parents=True
    )  # made by a release before the refusal
    line = _refused(["labels", "ingest", "--labels", "labels.csv", "--store", "~/store"], capsys)
    assert line.endswith(
        f"write the full path ({home / 'home' / 'store'}); ./~/store exists here: write ./~/store if that "
        "is the one meant (ctloop labels ingest --help)"
    )
    assert main(["labels", "ingest", "--labels", "labels.csv", "--store", "./~/store"]) == 0


def test_a_tilde_user_directory_is_named_too(home):
    import pwd

    user = pwd.getpwuid(0).pw_name  # a user this machine has: '~root/x' expands
    (home / "cwd" / f"~{user}").mkdir()
    (home / "cwd" / f"~{user}" / "x.csv").write_text("a\n1\n")
    with pytest.raises(
        ConfigError, match=rf"; \./~{user}/x\.csv exists here: write \./~{user}/x\.csv if"
    ):
        storage.read_table(f"~{user}/x.csv")


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("C:\\labels", "'C:\\\\labels' is a Windows path (drive C:)"),
        (
            "\\\\server\\share\\labels",
            "'\\\\\\\\server\\\\share\\\\labels' is a Windows network path (UNC)",
        ),
    ],
    ids=["drive", "unc"],
)
def test_a_windows_store_is_refused_naming_store(home, capsys, value, said):
    line = _refused(["labels", "ingest", "--labels", "labels.csv", "--store", value], capsys)
    assert line.startswith(f"ctloop labels ingest: error: argument --store: {said}")
    assert sorted(p.name for p in (home / "cwd").iterdir()) == ["labels.csv"]


def test_a_unc_path_is_refused_by_storage(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="Windows network path"):
        storage.write_bytes("\\\\server\\share\\x.csv", b"a\n")
    assert list(tmp_path.iterdir()) == []

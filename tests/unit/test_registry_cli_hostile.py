"""``ctloop registry status|repair|verify`` read an existing registry: a local tracking URI that
names no store is one line naming it (exit 2), and no store is created (opening a sqlite URI
creates the database and its directories, a file store its folders: a mistyped --tracking-uri
answered 'champion none, consistent' and left an empty registry behind)."""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize("action", [["status"], ["repair"], ["verify", "--version", "1"]])
@pytest.mark.parametrize("where, token", [
    ("sqlite:///{tmp}/typo/mlflow.db", "no MLflow database at {tmp}/typo/mlflow.db"),
    ("{tmp}/a-file", "{tmp}/a-file is a file, not an MLflow file store"),
    ("file://{tmp}/nothing", "no MLflow file store at {tmp}/nothing"),
])
def test_a_tracking_uri_naming_no_store_is_one_line_and_creates_nothing(tmp_path, capsys, monkeypatch, action,
                                                                        where, token):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("x")
    before = sorted(p.name for p in tmp_path.iterdir())
    uri = where.format(tmp=tmp_path)
    code = main(["registry", *action[:1], "--model-name", "credit", "--tracking-uri", uri, *action[1:]])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and token.format(tmp=tmp_path) in err and "--tracking-uri" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_the_default_store_is_not_created_in_the_working_directory(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert main(["registry", "status", "--model-name", "credit"]) == 2
    assert "no MLflow database at mlflow.db" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_an_existing_store_is_read(tmp_path, capsys):
    """An existing store whose model has versions but no champion: status reads it (exit 0)."""
    from ctloop.registry import MlflowRegistry

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowRegistry(uri).client  # creates the database
    client.create_registered_model("credit")
    client.create_model_version("credit", source=(tmp_path / "model").as_uri())
    assert main(["registry", "status", "--model-name", "credit", "--tracking-uri", uri]) == 0
    assert "credit: champion none" in capsys.readouterr().out


@pytest.mark.parametrize("action", [["status"], ["repair"], ["verify", "--version", "1"]])
def test_a_model_name_the_registry_does_not_hold_is_one_line(tmp_path, capsys, action):
    """A mistyped --model-name answered 'champion none ... consistent' (status, exit 0), 'nothing to
    repair' (repair, exit 0) or "has no version '1'" (verify): nothing said that no such model exists."""
    from ctloop.registry import MlflowRegistry

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    MlflowRegistry(uri)  # creates the database
    capsys.readouterr()  # MLflow's notes on creating it
    code = main(["registry", *action[:1], "--model-name", "credit-defualt", "--tracking-uri", uri, *action[1:]])
    out, err = capsys.readouterr()
    assert code == 2 and not out and err.count("\n") == 1, (code, out, err)
    assert "--model-name: no registered model 'credit-defualt'" in err and uri in err, err


def test_repair_says_it_waits_for_a_held_lock(tmp_path, capsys, monkeypatch):
    """`ctloop registry repair` without --break-lock waited up to 330 s for another promoter's lock
    without a word: a silent terminal. It now says whose lock, until when, and how not to wait."""
    import threading

    from ctloop.registry import MlflowRegistry

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    other = MlflowRegistry(uri)
    other.client.create_registered_model("credit")
    other.client.create_model_version("credit", source=(tmp_path / "model").as_uri())
    other._acquire("credit", wait=False)  # another promoter, alive: its lease runs 300 s
    capsys.readouterr()
    timers: list[threading.Timer] = []
    repair = MlflowRegistry.repair

    def repair_once_waiting(self, *args, **kwargs):  # the holder lets go once the repair waits (not at a
        timers.append(threading.Timer(0.5, other._delete_lock, args=("credit",)))  # fixed time: a loaded
        timers[-1].start()  # machine reached the wait after the lock had gone, and nothing was said)
        return repair(self, *args, **kwargs)

    monkeypatch.setattr(MlflowRegistry, "repair", repair_once_waiting)
    try:
        code = main(["registry", "repair", "--model-name", "credit", "--tracking-uri", uri])
    finally:
        for timer in timers:
            timer.cancel()
    out, err = capsys.readouterr()
    assert code == 0, (out, err)
    assert f"waiting up to 330 s for the promotion lock of 'credit' held by {other.owner}" in err, err
    assert "--no-wait" in err and "--break-lock" in err, err

"""A mistyped --model-name of `ctloop audit` and `ctloop monitor history` printed "no audit records
for credit-defualt" / "no monitoring windows recorded" and exited 0, as for a real model with a quiet
past. With nothing recorded and no such registered model, it is one line naming the model and the
tracking URI (exit 2); a registered model with nothing recorded yet still reads as empty (exit 0)."""

from __future__ import annotations

import pytest

from ctloop.cli import main

COMMANDS = {"audit": ["audit"], "monitor history": ["monitor", "history"]}


@pytest.fixture
def uri(tmp_path, capsys):
    from ctloop.registry import MlflowRegistry

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowRegistry(uri).client
    client.create_registered_model("credit-default")
    client.create_model_version("credit-default", source=(tmp_path / "model").as_uri())
    capsys.readouterr()  # MLflow's notes on creating the database
    return uri


@pytest.mark.parametrize("command", COMMANDS)
def test_a_model_the_registry_does_not_hold_is_one_line(uri, capsys, command):
    code = main([*COMMANDS[command], "--model-name", "credit-defualt", "--tracking-uri", uri])
    out, err = capsys.readouterr()
    assert code == 2 and not out and err.count("\n") == 1, (code, out, err)
    assert "--model-name:" in err and "no registered model 'credit-defualt'" in err and uri in err, err


@pytest.mark.parametrize("command", COMMANDS)
def test_a_registered_model_with_nothing_recorded_is_empty(uri, capsys, command):
    assert main([*COMMANDS[command], "--model-name", "credit-default", "--tracking-uri", uri]) == 0
    assert "no " in capsys.readouterr().out

"""Every command that reads an existing registry (``score``, the ``score_batch`` component,
``approve``, ``reject``, ``audit``, ``monitor history``, ``rollout status --model-name``) refuses a local tracking URI that names no store in one line
naming it (exit 2) and creates nothing: opening a sqlite URI creates the database and its
directories, so a mistyped --tracking-uri left an empty registry behind and then said
'no registered model'. The check is ``ctloop.tracking.existing_store`` (as ``ctloop registry``)."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path.parent / "no-kubeconfig"))  # refused before any cluster
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "a.csv").write_text("x,y\n1,2\n3,4\n")
    return tmp_path


COMMANDS = {
    "score": ["score", "--model-name", "credit", "--data", "a.csv", "--output", "out", "--quiet"],
    "approve": ["approve", "--model-name", "credit", "--version", "1", "--reason", "ok"],
    "reject": ["reject", "--model-name", "credit", "--version", "1", "--reason", "no"],
    "audit": ["audit", "--model-name", "credit"],
    "monitor history": ["monitor", "history", "--model-name", "credit"],
    "rollout status": ["rollout", "status", "--isvc", "credit", "--namespace", "ns", "--model-name", "credit"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("where, token", [
    ("sqlite:///{tmp}/typo/mlflow.db", "no MLflow database at {tmp}/typo/mlflow.db"),
    ("{tmp}/a.csv", "{tmp}/a.csv is a file, not an MLflow file store"),
    ("file://{tmp}/nothing", "no MLflow file store at {tmp}/nothing"),
    ("", "no MLflow database at mlflow.db"),  # the default, in a directory without one
])
def test_a_tracking_uri_naming_no_store_is_one_line_and_creates_nothing(work, capsys, command, where, token):
    before = _tree(work)
    argv = COMMANDS[command] + (["--tracking-uri", where.format(tmp=work)] if where else [])
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and token.format(tmp=work) in err and "--tracking-uri" in err, err
    assert _tree(work) == before


def test_the_score_component_core_refuses_it_naming_its_parameter(work):
    from ctloop.components.score.core import score_batch

    before = _tree(work)
    with pytest.raises(ConfigError, match=r"^tracking_uri 'sqlite:///typo/mlflow.db': no MLflow database at typo/"):
        score_batch("credit", {"data": "a.csv", "output": "out"}, run_id="r1", tracking_uri="sqlite:///typo/mlflow.db")
    assert _tree(work) == before


def test_input_checks_still_come_first(work, capsys):
    """A bad --data is named before the store is looked at (tests/unit/test_bad_inputs.py's order)."""
    assert main(["score", "--model-name", "credit", "--data", "absent.csv", "--output", "out",
                 "--tracking-uri", "sqlite:///typo/mlflow.db"]) == 2
    assert "absent.csv does not exist" in capsys.readouterr().err


def test_an_existing_empty_store_is_read(work, capsys):
    from ctloop.registry import MlflowRegistry

    uri = f"sqlite:///{work / 'mlflow.db'}"
    client = MlflowRegistry(uri).client  # a registered model with no audit record yet (an unknown name: exit 2,
    client.create_registered_model("credit")  # tests/unit/test_model_name_typos.py)
    client.create_model_version("credit", source=(work / "model").as_uri())
    assert main(["audit", "--model-name", "credit", "--tracking-uri", uri]) == 0
    assert "no audit records for credit" in capsys.readouterr().out


def test_runs_with_audit_events_refuses_a_tracking_uri_naming_no_store_before_asking_kfp(work, capsys):
    """``ctloop runs --tracking-uri ... --model-name ...`` joins audit events from the registry:
    a mistyped sqlite URI created an empty database there."""
    before = _tree(work)
    uri = f"sqlite:///{work}/typo/mlflow.db"
    code = main(["runs", "--host", "http://127.0.0.1:9", "--experiment", "", "--tracking-uri", uri,
                 "--model-name", "credit"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and f"no MLflow database at {work}/typo/mlflow.db" in err, err
    assert _tree(work) == before

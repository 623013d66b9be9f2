"""A registry command run with no tracking URI at all says so, and where ``ctloop demo`` keeps its.

Found after ``make demo`` as README goes on: ``ctloop audit --model-name credit-default`` in the
clone answered ``error: --tracking-uri 'sqlite:///mlflow.db': no MLflow database at mlflow.db``, a
flag and a value the user never gave (MLflow's default), with no word of the registry the demo had
just filled (``demo-output/mlflow.db``, named by its summary only as an ``mlflow ui`` line). The
line now says no URI was given and where local runs keep their registry.
"""

from __future__ import annotations

from ctloop.cli import main


def test_no_tracking_uri_given_is_said_with_the_demo_registry(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert main(["audit", "--model-name", "credit-default"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: no --tracking-uri given and MLFLOW_TRACKING_URI unset, so MLflow's default 'sqlite:///mlflow.db': "
        "no MLflow database at mlflow.db: give --tracking-uri (or MLFLOW_TRACKING_URI); ctloop demo and ctloop run "
        "--local keep theirs at sqlite:///<their --workdir>/mlflow.db: this reads an existing registry\n"
    ), err
    assert not list(tmp_path.iterdir())

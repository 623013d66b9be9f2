"""``ctloop rollout rollback`` (and ``promote --version``) read an existing registry: without
MLFLOW_TRACKING_URI the default ``sqlite:///mlflow.db`` names none in an empty directory. Before,
rollback created an empty ./mlflow.db and then failed on the missing Kubernetes credentials;
``status``/``audit``/``approve``/``reject`` refused the missing store. Now rollback and promote
do too (exit 2, one line, nothing written)."""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize("argv", [
    ["rollout", "rollback", "--isvc", "credit", "--namespace", "ml", "--model-name", "credit"],
    ["rollout", "promote", "--isvc", "credit", "--namespace", "ml", "--model-name", "credit", "--version", "3"],
])
def test_no_registry_is_refused_before_anything_is_written(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "no MLflow database" in err and "\n" not in err, err
    assert list(tmp_path.iterdir()) == []

"""The restore command printed for a deleted audit or monitoring experiment names its store:
``mlflow experiments restore`` has no store option and reads ``MLFLOW_TRACKING_URI`` (mlflow 3.17.2
``mlflow/experiments.py`` ``restore_experiment``: ``_get_store()``), so the bare command restored
nothing, or another store's experiment of the same id. The command printed now is run as printed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ctloop.errors import RegistryError
from ctloop.monitoring.store import MonitoringStore
from ctloop.registry import MlflowRegistry
from tests.helpers import run_main

pytestmark = pytest.mark.slow


def _run_as_printed(message: str, cwd: Path) -> None:
    command = re.search(r"`([^`]*mlflow experiments restore[^`]*)`", message).group(1)
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=120,
                          cwd=cwd)  # a bare command makes ./mlflow.db there
    assert done.returncode == 0, (command, done.stderr[-1000:])


def test_the_printed_restore_command_of_the_audit_experiment_restores_it(mlflow_url, capsys, tmp_path):
    name = f"fix38e-restore-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    reg.client.create_registered_model(name)
    reg.client.create_model_version(name, "s3://fix38e/m")
    exp_id = reg.client.create_experiment(f"{name}-audit")
    reg.client.delete_experiment(exp_id)
    code, out, err = run_main(["registry", "status", "--model-name", name, "--tracking-uri", mlflow_url], capsys, 60)
    assert code == 2 and f"MLFLOW_TRACKING_URI={mlflow_url} mlflow experiments restore --experiment-id {exp_id}" \
        in err, err
    _run_as_printed(err, tmp_path)
    assert reg.client.get_experiment(exp_id).lifecycle_stage == "active"


def test_the_printed_restore_command_of_the_monitoring_experiment_restores_it(mlflow_url, tmp_path):
    name = f"fix38e-restore-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    store = MonitoringStore(reg.client, name)
    exp_id = reg.client.create_experiment(store.experiment_name)
    reg.client.delete_experiment(exp_id)
    with pytest.raises(RegistryError) as info:
        store.experiment_id(create=True)
    _run_as_printed(str(info.value), tmp_path)
    assert reg.client.get_experiment(exp_id).lifecycle_stage == "active"

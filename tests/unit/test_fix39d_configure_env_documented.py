"""Review D of round 39, finding 6: ``ctloop.tracking.configure`` (called by ``MlflowRegistry(...)`` and
``log_training_run``) sets MLflow switches in ``os.environ`` with ``setdefault``: for a program that
uses ctloop as a library they hold for the whole process and its subprocesses (among them
``MLFLOW_ALLOW_PICKLE_DESERIALIZATION=true`` and ``MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER=false``), and
``mlflow.set_tracking_uri``/``set_registry_uri`` export ``MLFLOW_TRACKING_URI``/``MLFLOW_REGISTRY_URI``
(mlflow 3.17 ``tracking/_tracking_service/utils.py``, ``tracking/_model_registry/utils.py``). None of
this was said where a library user looks. Every variable configure leaves in the environment is
named now in its docstring, the public entry points point at it, and docs/operations.md lists them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ctloop import tracking
from ctloop.registry import MlflowRegistry

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


@pytest.fixture
def clean_mlflow_state(monkeypatch):
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    monkeypatch.setattr(tracking_utils, "_tracking_uri", tracking_utils._tracking_uri)
    monkeypatch.setattr(registry_utils, "_registry_uri", registry_utils._registry_uri)
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith("MLFLOW_")]:
        del os.environ[name]
    yield
    os.environ.clear()
    os.environ.update(saved)


def _set_by_configure(uri: str) -> set[str]:
    before = set(os.environ)
    tracking.configure(uri)
    return set(os.environ) - before


def test_every_variable_configure_leaves_is_documented(clean_mlflow_state, tmp_path):
    names = _set_by_configure(f"sqlite:///{tmp_path}/mlflow.db") | _set_by_configure(str(tmp_path / "mlruns"))
    assert "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER" in names and "MLFLOW_TRACKING_URI" in names
    docs = DOCS.read_text()
    assert not [n for n in sorted(names) if n not in tracking.configure.__doc__], tracking.configure.__doc__
    assert not [n for n in sorted(names) if n not in docs]


def test_the_public_entry_points_say_so():
    for entry in (MlflowRegistry, tracking.log_training_run):
        assert "os.environ" in entry.__doc__ and "configure" in entry.__doc__, entry

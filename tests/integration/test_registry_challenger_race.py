"""Two continuous-training runs registering one model at once (a real ``mlflow server``):
MLflow's aliases are last-writer-wins, so the run whose version became READY last set
``challenger`` even when its version was the older one. Now ``register`` never moves the alias
back to an older version."""

from __future__ import annotations

import uuid

import pytest

from ctloop.registry import MlflowRegistry
from tests.integration.test_registry import _log, frame  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow


def test_the_slower_of_two_registrations_does_not_move_challenger_back(mlflow_url, frame, monkeypatch):  # noqa: F811
    name = f"m-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    _, run1, uri1 = _log(mlflow_url, name, frame, seed=1)
    _, run2, uri2 = _log(mlflow_url, name, frame, seed=2)
    wait_ready = reg._wait_ready
    other = MlflowRegistry(mlflow_url)

    def slow_ready(model, version, *args, **kwargs):
        if version == "1":  # meanwhile the other run registers v2 and points challenger at it
            assert other.register(name, model_uri=uri2, run_id=run2, tags={}).version == "2"
        return wait_ready(model, version, *args, **kwargs)

    monkeypatch.setattr(reg, "_wait_ready", slow_ready)
    assert reg.register(name, model_uri=uri1, run_id=run1, tags={}).version == "1"
    assert reg.aliases(name) == {"challenger": "2"}


def test_two_registrations_that_both_read_before_either_writes_end_on_the_newest(mlflow_url, frame, monkeypatch):  # noqa: F811
    """Review A: both read the alias (v-none), v2 writes, then v1's late write moved it back."""
    name = f"m-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    _, run1, uri1 = _log(mlflow_url, name, frame, seed=1)
    _, run2, uri2 = _log(mlflow_url, name, frame, seed=2)
    other = MlflowRegistry(mlflow_url)
    set_alias = reg.client.set_registered_model_alias
    done = []

    def late_write(model, alias, version):
        if not done:  # v1 decided to write; meanwhile v2 registers and writes first
            done.append(other.register(name, model_uri=uri2, run_id=run2, tags={}).version)
            set_alias(model, alias, "1")  # the stale decision lands last
            return None
        return set_alias(model, alias, version)

    monkeypatch.setattr(reg.client, "set_registered_model_alias", late_write)
    monkeypatch.setattr(reg.client, "search_model_versions",  # v1 saw only itself ready
                        lambda *a, _s=reg.client.search_model_versions, **k: [mv for mv in _s(*a, **k)
                                                                             if done or mv.version == "1"])
    reg.register(name, model_uri=uri1, run_id=run1, tags={})
    assert done == ["2"] and reg.aliases(name) == {"challenger": "2"}

"""A promotion against MLflow's file store took a lock that does not serialise, without a word.

The promotion lock is a registered model created if absent; MLflow's file store (``file:`` URI or a bare
path) creates and renames a model as a check then a ``mkdir`` (mlflow 3.17 ``store/model_registry/
file_store.py`` ``create_registered_model``: ``_registered_model_exists`` then ``mkdir``), so two promotions
of one model at once can both take it. docs/serving.md said so; the promotion itself did not. Now taking
the lock on a file store warns once per registry, naming the store and the way out; a database store says
nothing. The release of a lock on the file store (whose rename drops the tags) still removes it."""

from __future__ import annotations

import logging

from ctloop.registry import MlflowRegistry


def test_the_file_store_lock_warns_once_and_is_released(tmp_path, caplog):
    registry = MlflowRegistry((tmp_path / "mlruns").as_uri())
    registry.client.create_registered_model("credit")
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        with registry._locked("credit"):
            pass
        with registry._locked("credit"):
            pass
    said = [r.getMessage() for r in caplog.records if "file store" in r.getMessage()]
    assert len(said) == 1 and "not atomic" in said[0] and "with a database" in said[0], said
    assert registry._lock_holder("credit") is None
    assert [m.name for m in registry.client.search_registered_models()] == ["credit"]


def test_which_uris_are_the_file_store():
    from ctloop.tracking import is_file_store

    assert (
        is_file_store("file:///srv/mlruns")
        and is_file_store("mlruns")
        and is_file_store("/srv/mlruns")
    )
    for uri in (
        "sqlite:///mlflow.db",
        "http://mlflow:5000",
        "databricks",
        "postgresql://db/mlflow",
        "",
    ):
        assert not is_file_store(uri), uri

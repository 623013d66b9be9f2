"""``--tracking-uri`` schemes: MLflow plugin stores are read from the installed packages' entry
points once per process (a scan of every installed distribution, ~14 ms CPU, was repeated on each
parse), and a plugin's scheme is still accepted."""

from __future__ import annotations

import argparse
import importlib.metadata

import pytest

from ctloop.cli import argtypes


@pytest.fixture()
def plugin_dist(tmp_path, monkeypatch):
    """A real installed distribution (a ``.dist-info`` on ``sys.path``) declaring an MLflow tracking
    store plugin, as mlflow-azureml does (entry point group ``mlflow.tracking_store``, mlflow 3.17
    ``tracking/_tracking_service/utils.py`` reads it)."""
    info = tmp_path / "ctloop_r45_fake_mlflow_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: ctloop-r45-fake-mlflow-plugin\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[mlflow.tracking_store]\nr45plugin = r45plugin.store:Store\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    _forget()
    yield
    _forget()


def _forget():
    """Drop the process's scan (the plugin set changed under it)."""
    if hasattr(argtypes.tracking_schemes, "cache_clear"):
        argtypes.tracking_schemes.cache_clear()


def test_a_plugin_scheme_is_accepted(plugin_dist):
    assert "r45plugin" in argtypes.tracking_schemes()
    assert argtypes.tracking_uri("r45plugin://workspace/x") == "r45plugin://workspace/x"


def test_an_unknown_scheme_is_refused_naming_the_value():
    with pytest.raises(
        argparse.ArgumentTypeError, match=r"must start with .*got 'nosuchstore://x'"
    ):
        argtypes.tracking_uri("nosuchstore://x")


def test_the_entry_points_are_scanned_once_per_process(monkeypatch):
    calls = []
    real = importlib.metadata.entry_points

    def counting(**kw):
        calls.append(kw)
        return real(**kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", counting)
    _forget()
    for _ in range(5):
        argtypes.tracking_uri("http://mlflow.example.com:5000")
    # one scan (one call per entry-point group), not one per parse
    assert 0 < len(calls) <= 2, calls

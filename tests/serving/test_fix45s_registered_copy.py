"""The ``registered`` fixture of the rollout tests copies its module's template as
register_fitted copies one: nothing in the copy (database or artifacts) names the template,
and each ``MLmodel``'s ``artifact_path`` names the copy's own logged model."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import yaml

from tests.serving.test_rollout_components import MODEL, registered  # noqa: F401


def test_the_copy_names_only_itself(registered, registered_template):  # noqa: F811
    uri, registry = registered
    store = Path(uri[len("sqlite:///") :]).parent
    template = str(Path(registered_template).resolve())
    with closing(sqlite3.connect(store / "mlflow.db")) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        dumped = repr([db.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables])
    assert template not in dumped and str(store) in dumped
    naming = [
        p
        for p in (store / "mlartifacts").rglob("*")
        if p.is_file() and template.encode() in p.read_bytes()
    ]
    assert naming == []

    mlmodels = sorted((store / "mlartifacts" / "models").glob("*/artifacts/MLmodel"))
    assert len(mlmodels) == 2  # versions 1 and 2
    for mlmodel in mlmodels:
        assert yaml.safe_load(mlmodel.read_text())["artifact_path"] == mlmodel.parent.as_uri()
    assert registry.get_version(MODEL, "2").source.startswith("models:/m-")

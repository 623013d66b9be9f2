"""A registered model with more versions than one page of MLflow's model-version search
(mlflow 3.17.2 ``mlflow/store/model_registry/__init__.py`` SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT
= 10000; ``sqlalchemy_store.py`` ``search_model_versions`` orders by ``last_updated_timestamp DESC``
and hands out a ``next_page_token``). ``MlflowRegistry.versions`` read the first page only, so the
10000 most recently updated versions were "all versions": an old version MLflow's deprecated stages
mark as Production vanished from ``ctloop registry status``'s note, and every other reader of the list
missed the oldest versions.

The versions are rows of the real server's sqlite database, copies of one version the server wrote
(registering 10 002 versions over HTTP would take minutes), each with a later update time."""

from __future__ import annotations

import sqlite3
import uuid
import warnings
from pathlib import Path

import pytest

from ctloop.registry import MlflowRegistry
from tests.helpers import run_main
from tests.integration.registry_support import log_small_model

pytestmark = pytest.mark.slow

EXTRA = 10_001


def _database_of(store: Path, name: str) -> Path:
    """The session server's sqlite file (in ``store``, conftest's ``mlflow_store``), holding ``name``."""
    db = store / "mlflow.db"
    with sqlite3.connect(db) as con:
        if con.execute("select 1 from registered_models where name = ?", (name,)).fetchone():
            return db
    raise AssertionError(f"the session's MLflow database {db} does not hold {name!r}")


@pytest.fixture(scope="module")
def crowded(mlflow_url, mlflow_store):
    _, run_id, uri, _ = log_small_model(mlflow_url, f"r38-many-{uuid.uuid4().hex[:6]}")
    name = f"r38-many-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    reg.register(name, model_uri=uri, run_id=run_id, tags={})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stages are deprecated: the point of the note
        reg.client.transition_model_version_stage(name, "1", "Production")
    db = _database_of(mlflow_store, name)
    with sqlite3.connect(db) as con:
        columns = [row[1] for row in con.execute("pragma table_info(model_versions)")]
        picked = ", ".join("v.n" if c == "version" else "v.n + last_updated_time" if c == "last_updated_time"
                           else "'None'" if c == "current_stage" else c for c in columns)
        con.execute(f"with recursive v(n) as (select 2 union all select n + 1 from v where n < {EXTRA + 1}) "
                    f"insert into model_versions ({', '.join(columns)}) select {picked} from model_versions, v "
                    "where name = ? and version = 1", (name,))
    return reg, name


def test_versions_reads_every_page(crowded):
    reg, name = crowded
    versions = reg.versions(name)
    assert len(versions) == EXTRA + 1
    assert [v.version for v in versions[:2]] == ["1", "2"] and versions[0].stage == "Production"


def test_status_names_the_old_production_version(crowded, mlflow_url, capsys):
    _, name = crowded
    code, out, err = run_main(["registry", "status", "--model-name", name, "--tracking-uri", mlflow_url],
                              capsys, 120)
    assert code == 0, err
    assert "deprecated stages: v1 (Production)" in out, out

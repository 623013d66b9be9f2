"""Review of r61-speed (suite time): MLflow's schema template (tests/fixtures/mlflow_schema.py)
patched only the MLflow modules already imported when a test started, so the first test that
imported MLflow in a process migrated its store in full (12-22 s on a busy disk), and the next
one migrated the template again. Now the template is patched in as MLflow is imported, and it is
one file per run, named by everything its schema depends on, that the run's xdist workers share."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import sqlalchemy

from tests.fixtures import mlflow_schema
from tests.fixtures.mlflow_schema import SchemaTemplate

REPO_ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def _counting(calls: list[str]):
    def initialize(engine) -> None:  # stands for MLflow's migrations: one table
        calls.append(engine.url.database)
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE alembic_version (version_num TEXT)")
    return initialize


def _fresh(template: SchemaTemplate, path) -> list[str]:
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    try:
        template.initialize(engine)
    finally:
        engine.dispose()
    with sqlalchemy.create_engine(f"sqlite:///{path}").connect() as conn:
        return [row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")]


def test_the_processes_of_a_run_migrate_one_template_between_them(tmp_path):
    calls: list[str] = []
    first, second = SchemaTemplate(tmp_path / "run"), SchemaTemplate(tmp_path / "run")  # two xdist workers
    first.original = second.original = _counting(calls)
    assert _fresh(first, tmp_path / "a.db") == ["alembic_version"]
    assert _fresh(second, tmp_path / "b.db") == ["alembic_version"]
    assert len(calls) == 1 and calls[0].endswith(".partial")  # the template's, made once
    assert (first.made, first.copies, second.made, second.copies) == (1, 1, 0, 1)
    assert first.path == second.path and first.path.name == f"mlflow-schema-{mlflow_schema.template_key()}.db"


def test_the_template_is_named_by_every_input_of_its_schema(monkeypatch):
    import importlib.metadata

    key = mlflow_schema.template_key()
    real = importlib.metadata.version
    for name in ("mlflow", "sqlalchemy", "alembic"):
        with monkeypatch.context() as m:
            m.setattr(importlib.metadata, "version", lambda n, name=name: "0.0.1" if n == name else real(n))
            assert mlflow_schema.template_key() != key, name
    with monkeypatch.context() as m:
        m.setattr("sqlite3.sqlite_version", "3.0.0")
        assert mlflow_schema.template_key() != key
    with monkeypatch.context() as m:
        m.setattr(mlflow_schema, "_FORM", "sqlite:///{path}?mode=rwc")
        assert mlflow_schema.template_key() != key


def test_a_process_that_imports_mlflow_after_the_watch_copies_its_first_store(tmp_path, _mlflow_schema_template):
    """A process that has not imported MLflow (as a worker before its first MLflow test) watching
    the imports: its first store is the run's template copied, no migration of its own."""
    import mlflow.store.db.utils  # noqa: F401 - the session's template made here if this run has none yet

    _mlflow_schema_template.installed()
    _mlflow_schema_template._template()
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        assert "mlflow" not in sys.modules
        from tests.fixtures.mlflow_schema import SchemaTemplate
        template = SchemaTemplate(Path({str(_mlflow_schema_template.directory)!r}))
        template.watch_imports()
        from ctloop.registry import MlflowRegistry
        MlflowRegistry("sqlite:///{tmp_path / 'mlflow.db'}").client.create_registered_model("credit")
        print(template.made, template.copies)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "1"], done.stdout  # copied; migrated neither the store nor a template
    assert "Creating initial MLflow database tables" not in done.stderr


def test_removed_gives_mlflow_its_own_initialize_back(tmp_path):
    """Review of the fixspeed merge (1): removed() compared bound methods with ``is`` (a new one at each access), so
    it never restored MLflow's ``_initialize_tables`` and a test switching the template off kept copying it."""
    import mlflow.store.db.utils as utils

    before = utils._initialize_tables
    template = SchemaTemplate(tmp_path)
    template.installed()
    try:
        assert utils._initialize_tables == template.initialize
    finally:
        template.removed()
    assert utils._initialize_tables is before

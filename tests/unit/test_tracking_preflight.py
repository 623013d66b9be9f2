"""Every call to an MLflow tracking server is bounded: an http(s) server is probed first with
progress lines, and one that does not answer is one RegistryError line within seconds (issue 13,
item 7). mlflow 3.17.2 alone retries an unreachable server for about four minutes in silence
(mlflow/environment_variables.py: MLFLOW_HTTP_REQUEST_MAX_RETRIES=7, _BACKOFF_FACTOR=2,
_TIMEOUT=120)."""

from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest

from ctloop import tracking
from ctloop.cli import main
from ctloop.errors import RegistryError
from tests.fixtures.servers import SHUTDOWN_POLL_S, dead_port


@pytest.fixture(autouse=True)
def _fast_probe(monkeypatch):
    monkeypatch.setattr(tracking, "PREFLIGHT_PAUSE_S", 0.2)
    monkeypatch.setattr(tracking, "PREFLIGHT_TIMEOUT_S", 1.0)
    monkeypatch.setattr(tracking, "_ANSWERED", set())
    for key in tracking.HTTP_ENV:
        monkeypatch.delenv(key, raising=False)


def test_a_refused_port_is_one_error_after_three_attempts_with_progress():
    uri = f"http://127.0.0.1:{dead_port()}"
    lines: list[str] = []
    started = time.monotonic()
    with pytest.raises(RegistryError) as info:
        tracking.preflight(uri, say=lines.append)
    assert time.monotonic() - started < 10
    assert lines == [f"MLflow at {uri} not answering ([Errno 111] Connection refused), retry 2/3 in 0 s",
                     f"MLflow at {uri} not answering ([Errno 111] Connection refused), retry 3/3 in 0 s"]
    assert str(info.value).startswith(f"MLflow tracking server at {uri} is not answering")
    assert "--tracking-uri" in str(info.value)


def test_a_server_that_accepts_but_never_answers_times_out():
    with socket.socket() as hole:  # the kernel completes the handshake; nobody ever reads
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)
        uri = f"http://127.0.0.1:{hole.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(RegistryError, match="timed out"):
            tracking.preflight(uri, say=lambda _: None)
        # a bound on a hang (three 1 s probes), not a performance figure: generous for a busy machine
        assert time.monotonic() - started < 30


class _NotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_error(404)

    def log_message(self, *_):
        pass


def test_any_http_answer_counts_and_configure_bounds_mlflow_retries(monkeypatch):
    server = http.server.HTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True)
    thread.start()
    try:
        uri = f"http://127.0.0.1:{server.server_address[1]}"
        monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "40")  # a user's own setting wins
        assert tracking.configure(uri) == uri
    finally:
        server.shutdown()
        server.server_close()
    import os

    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "40"
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "2"
    assert os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] == "1"
    from mlflow.environment_variables import MLFLOW_HTTP_REQUEST_MAX_RETRIES

    assert MLFLOW_HTTP_REQUEST_MAX_RETRIES.get() == 2  # the name mlflow 3.17.2 reads


def test_non_http_uris_are_not_probed(tmp_path):
    tracking.preflight(f"sqlite:///{tmp_path / 'x.db'}", say=pytest.fail)
    tracking.preflight("databricks", say=pytest.fail)


@pytest.mark.parametrize("argv", [
    ["registry", "status", "--model", "m"],
    pytest.param(["run", "--local", "--param", "model_name=m", "--param", "data.target=y", "--param",
                  "data.time_column=t", "--data", "DATA"],
                 marks=pytest.mark.slow, id="run-local"),  # imports every pipeline (~8 s)
])
def test_cli_commands_fail_with_one_line_and_exit_2(argv, capsys, tmp_path):
    uri = f"http://127.0.0.1:{dead_port()}"
    (tmp_path / "d.csv").write_text("t,y\n2026-01-01,1\n")  # a table that is there: the tracking URI is what fails
    argv = [str(tmp_path / "d.csv") if a == "DATA" else a for a in argv]
    code = main([*argv, "--tracking-uri", uri, *(["--workdir", str(tmp_path)] if argv[0] == "run" else [])])
    err = capsys.readouterr().err
    assert code == 2, err
    errors = [x for x in err.splitlines() if x.startswith("error:")]
    assert errors == [errors[0]] and uri in errors[0] and "Traceback" not in err
    assert "retry 3/3" in err
    assert not (tmp_path / "logs").exists() or not any((tmp_path / "logs").iterdir())


def test_a_database_dialect_with_only_a_legacy_dbapi_loader_is_not_refused():
    """SQLAlchemy 2.x ``create_engine`` calls a dialect's own ``import_dbapi`` and falls back to
    a legacy dialect's ``dbapi()`` classmethod (engine/create.py); the driver check called
    ``import_dbapi`` whatever the dialect, which a legacy third-party dialect inherits from
    ``Dialect`` as NotImplementedError: a working setup failed with a traceback (review)."""
    import sqlite3

    from sqlalchemy.dialects import registry
    from sqlalchemy.engine.default import DefaultDialect

    from ctloop.tracking import _check_database_uri

    class Legacy(DefaultDialect):  # a third-party dialect written before SQLAlchemy 2.0
        name, driver = "sqlite", "ctlooplegacy"

        @classmethod
        def dbapi(cls):
            return sqlite3

    registry.impls["sqlite.ctlooplegacy"] = lambda: Legacy
    try:
        _check_database_uri("sqlite+ctlooplegacy:///tmp/x.db")  # no exception: its dbapi() loads
    finally:
        registry.impls.pop("sqlite.ctlooplegacy", None)

"""How the sink is told where and how to write: ``--root`` / ``CTLOOP_LOG_ROOT`` and the
``CTLOOP_LOG_*`` settings of the ``app_from_env`` uvicorn factory.

* ``file:///x`` as the root: the Sink joined it with ``Path``, so ``Path('file:///x')`` (that is
  ``file:/x``) put the log, its column registries and the quarantine under ``./file:/x`` in the
  working directory (``logger import`` had the same bug, fixed in 810a99e). Now a ``file://`` root
  is its path, for ``logger serve`` and the env factory alike.
* a malformed ``CTLOOP_LOG_*`` value (``CTLOOP_LOG_FLUSH_ROWS=lots``) or a missing
  ``CTLOOP_LOG_ROOT`` was a ``ValueError``/``KeyError`` traceback from inside uvicorn's factory
  loading; now one line naming the variable and its value, and the process exits 2.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from ctloop.inference_log.app import app_from_env
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import event, parquet_rows


def write_one_pair(sink: Sink) -> None:
    async def scenario():
        await sink.start()
        await sink.accept(event(1, "request"))
        await sink.accept(event(1, "response"))
        await sink.flush(final=True)
        await sink.stop()
    asyncio.run(scenario())


@pytest.mark.parametrize("spelling", ["file://{path}", "file://{path}/", "{path}"])
def test_a_file_uri_root_is_its_path_not_a_directory_named_file_colon(tmp_path, monkeypatch, spelling):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    root = tmp_path / "log"
    write_one_pair(Sink(spelling.format(path=root), str(tmp_path / "wal")))
    assert list(cwd.iterdir()) == []  # nothing under ./file:
    rows = parquet_rows(root)
    assert list(rows["request_id"]) == ["id1"]


def test_the_env_factory_takes_a_file_uri_root_as_its_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CTLOOP_LOG_ROOT", f"file://{tmp_path}/log")
    monkeypatch.setenv("CTLOOP_LOG_WAL", str(tmp_path / "wal"))
    assert app_from_env().sink.root == f"{tmp_path}/log"


@pytest.mark.parametrize(("name", "value"), [
    ("CTLOOP_LOG_FLUSH_ROWS", "lots"), ("CTLOOP_LOG_FLUSH_ROWS", "0"), ("CTLOOP_LOG_FLUSH_SECONDS", "1m"),
    ("CTLOOP_LOG_FLUSH_SECONDS", "0"), ("CTLOOP_LOG_JOIN_TTL_SECONDS", "nan"), ("CTLOOP_LOG_MAX_COLUMNS", "2.5"),
    ("CTLOOP_LOG_MAX_BODY_BYTES", "10MB"), ("CTLOOP_LOG_JOIN_TTL_SECONDS", "-1"),
])
def test_a_malformed_setting_is_one_line_naming_the_variable_and_exit_2(tmp_path, monkeypatch, capsys, name, value):
    monkeypatch.setenv("CTLOOP_LOG_ROOT", str(tmp_path / "log"))
    monkeypatch.setenv("CTLOOP_LOG_WAL", str(tmp_path / "wal"))
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exc:
        app_from_env()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and name in err and repr(value) in err, err
    assert not (tmp_path / "log").exists() and not (tmp_path / "wal").exists()  # state untouched


def test_a_missing_root_is_one_line_naming_the_variable(monkeypatch, capsys):
    monkeypatch.delenv("CTLOOP_LOG_ROOT", raising=False)
    with pytest.raises(SystemExit) as exc:
        app_from_env()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CTLOOP_LOG_ROOT" in err, err


@pytest.mark.slow
def test_uvicorn_with_a_malformed_setting_exits_2_without_a_traceback(tmp_path):
    """What the container runs: ``uvicorn --factory ctloop.inference_log.app:app_from_env``."""
    env = {"CTLOOP_LOG_ROOT": str(tmp_path / "log"), "CTLOOP_LOG_WAL": str(tmp_path / "wal"),
           "CTLOOP_LOG_FLUSH_ROWS": "lots", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "uvicorn", "--factory", "ctloop.inference_log.app:app_from_env",
                          "--port", "0"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and "CTLOOP_LOG_FLUSH_ROWS='lots'" in out.stderr, out.stderr

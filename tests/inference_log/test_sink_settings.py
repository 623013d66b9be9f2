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


# --- one definition of the sink's settings, and CTLOOP_LOG_WAL checked as `--wal` is ---------------

@pytest.mark.parametrize("value", ["s3://bucket/wal", "gs://bucket/wal", "{file}/wal"])
def test_a_wal_that_is_not_a_local_directory_is_one_line_naming_the_variable(tmp_path, monkeypatch, capsys, value):
    """``CTLOOP_LOG_WAL=s3://bucket/wal`` was taken as the relative path ``s3:/bucket/wal``: the
    write-ahead log went to the container's working directory and was lost with the pod."""
    (tmp_path / "a-file").write_text("not a directory")
    value = value.format(file=tmp_path / "a-file")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CTLOOP_LOG_ROOT", str(tmp_path / "log"))
    monkeypatch.setenv("CTLOOP_LOG_WAL", value)
    with pytest.raises(SystemExit) as exc:
        app_from_env()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CTLOOP_LOG_WAL" in err and repr(value) in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # state untouched


def test_an_unwritable_wal_is_one_line_naming_the_variable(tmp_path, monkeypatch, capsys):
    """As root every directory is writable, so the kernel's answer is taken from ``os.access``."""
    import ctloop.inference_log.settings as settings

    locked = tmp_path / "locked"
    locked.mkdir()
    real = settings.os.access
    monkeypatch.setattr(settings.os, "access", lambda p, mode: False if str(p) == str(locked) else real(p, mode))
    monkeypatch.setenv("CTLOOP_LOG_ROOT", str(tmp_path / "log"))
    monkeypatch.setenv("CTLOOP_LOG_WAL", str(locked / "wal"))
    with pytest.raises(SystemExit) as exc:
        app_from_env()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"CTLOOP_LOG_WAL {str(locked / 'wal')!r}" in err and "not writable" in err, err


def test_logger_serve_refuses_a_wal_uri_too(tmp_path):
    """Checked before the server starts (on main the server started, with its WAL under ./s3:)."""
    from ctloop.cli import build_parser
    from ctloop.cli.logger import _check
    from ctloop.errors import ConfigError

    args = build_parser().parse_args(["logger", "serve", "--root", str(tmp_path / "log"), "--wal", "s3://bucket/wal"])
    with pytest.raises(ConfigError, match=r"^--wal 's3://bucket/wal' is not a local directory"):
        _check(args)


def test_the_flags_and_the_variables_share_one_definition_of_each_setting():
    """Each numeric setting is defined once (``defaults.SINK_SETTINGS``): its ``logger serve`` flag
    default and its ``CTLOOP_LOG_*`` default come from there, and so does its bound."""
    from ctloop.cli import build_parser
    from ctloop.inference_log import defaults
    from ctloop.inference_log.app import settings_from_env

    args = build_parser().parse_args(["logger", "serve", "--root", "/tmp/x"])
    from_env = settings_from_env({"CTLOOP_LOG_ROOT": "/tmp/x"})
    assert set(defaults.SINK_SETTINGS) == {"flush_rows", "flush_seconds", "join_ttl_seconds", "max_columns",
                                           "max_body_bytes", "drain_timeout_seconds", "token_recheck_seconds"}
    for name, setting in defaults.SINK_SETTINGS.items():
        assert getattr(args, name) == setting.default, name
        if setting.variable:
            assert from_env[name] == setting.default, name
        else:  # the server's setting: uvicorn's own flag under app_from_env, no CTLOOP_LOG_* variable
            assert name not in from_env, name
    assert from_env["wal_dir"] == args.wal == defaults.WAL_DIR


def test_the_drain_timeout_is_one_of_the_settings_its_default_and_bound_written_once(tmp_path):
    """``--drain-timeout-seconds`` had its default (30) and its bound written in cli/logger.py,
    outside ``SINK_SETTINGS``: now the setting holds both, and the flag takes them from there."""
    from ctloop.cli import build_parser
    from ctloop.cli.logger import _check
    from ctloop.errors import ConfigError
    from ctloop.inference_log import defaults
    from ctloop.inference_log.app import settings_from_env

    setting = defaults.SINK_SETTINGS["drain_timeout_seconds"]
    assert (setting.kind, setting.default, setting.low, setting.low_allowed) == (int, 30, 0, True)
    assert setting.default == defaults.DRAIN_TIMEOUT_SECONDS
    root = ["--root", str(tmp_path / "log"), "--wal", str(tmp_path / "wal")]
    assert build_parser().parse_args(["logger", "serve", *root]).drain_timeout_seconds == 30
    _check(build_parser().parse_args(["logger", "serve", *root, "--drain-timeout-seconds", "0"]))
    with pytest.raises(ConfigError, match=r"^--drain-timeout-seconds -1 must be a whole number >= 0 \(default 30\)$"):
        _check(build_parser().parse_args(["logger", "serve", *root, "--drain-timeout-seconds", "-1"]))
    # not a variable of the app factory: a CTLOOP_LOG_DRAIN_TIMEOUT_SECONDS there would be ignored, so none is read
    env = {"CTLOOP_LOG_ROOT": str(tmp_path / "log"), "CTLOOP_LOG_WAL": str(tmp_path / "wal"),
           "CTLOOP_LOG_DRAIN_TIMEOUT_SECONDS": "nonsense"}
    assert "drain_timeout_seconds" not in settings_from_env(env)


def test_the_token_recheck_interval_is_one_of_the_settings_its_default_written_once(tmp_path, monkeypatch):
    """How often ``--token-file`` is looked at was 5 s written in ``Access`` alone: now
    ``--token-recheck-seconds`` (default 5, at least 0.1: test_r61_fixspeed_token_recheck.py) reaches
    the sink's ``Access``, its default and bound written once in ``SINK_SETTINGS``."""
    import ctloop.inference_log.app as app
    from ctloop.cli import build_parser, logger
    from ctloop.errors import ConfigError
    from ctloop.inference_log import defaults
    from ctloop.inference_log.app import settings_from_env

    setting = defaults.SINK_SETTINGS["token_recheck_seconds"]
    assert (setting.kind, setting.default, setting.low, setting.low_allowed) == (float, 5.0, 0.1, True)
    assert app.Access().recheck_seconds == setting.default == defaults.TOKEN_RECHECK_SECONDS
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    root = ["--root", str(tmp_path / "log"), "--wal", str(tmp_path / "wal"), "--token-file", str(token)]
    assert build_parser().parse_args(["logger", "serve", *root]).token_recheck_seconds == 5.0
    logger._check(build_parser().parse_args(["logger", "serve", *root, "--token-recheck-seconds", "0.1"]))
    with pytest.raises(ConfigError, match=r"^--token-recheck-seconds -1.0 must be a finite number of seconds >= 0.1 "
                                          r"\(default 5.0\)$"):
        logger._check(build_parser().parse_args(["logger", "serve", *root, "--token-recheck-seconds", "-1"]))
    made = []

    class Stop(Exception):
        pass

    def access(**kwargs):
        made.append(kwargs["recheck_seconds"])
        raise Stop

    monkeypatch.setattr(app, "Access", access)
    with pytest.raises(Stop):  # logger serve builds its Access with the flag's value
        logger._serve(build_parser().parse_args(["logger", "serve", *root, "--token-recheck-seconds", "0.25"]))
    assert made == [0.25]
    # no variable of the app factory: it takes no token
    env = {"CTLOOP_LOG_ROOT": str(tmp_path / "log"), "CTLOOP_LOG_WAL": str(tmp_path / "wal"),
           "CTLOOP_LOG_TOKEN_RECHECK_SECONDS": "nonsense"}
    assert "token_recheck_seconds" not in settings_from_env(env)


@pytest.mark.parametrize(("name", "bad", "good"), [
    ("flush_rows", "0", "1"), ("flush_seconds", "0", "0.001"), ("join_ttl_seconds", "-0.5", "0"),
    ("max_columns", "0", "1"), ("max_body_bytes", "0", "1"),
])
def test_the_flag_and_the_variable_take_and_refuse_the_same_values(tmp_path, capsys, name, bad, good):
    from ctloop.cli import build_parser
    from ctloop.cli.logger import _check
    from ctloop.errors import ConfigError
    from ctloop.inference_log.app import settings_from_env

    flag, variable = "--" + name.replace("_", "-"), "CTLOOP_LOG_" + name.upper()
    root = ["--root", str(tmp_path / "log"), "--wal", str(tmp_path / "wal")]
    env = {"CTLOOP_LOG_ROOT": str(tmp_path / "log"), "CTLOOP_LOG_WAL": str(tmp_path / "wal")}
    for value, ok in ((bad, False), (good, True)):
        args = build_parser().parse_args(["logger", "serve", *root, flag, value])
        outcomes = []
        for attempt, given in ((_check, args), (settings_from_env, {**env, variable: value})):
            try:
                attempt(given)
                outcomes.append(True)
            except ConfigError as exc:
                assert " must be " in str(exc), exc
                outcomes.append(False)
        assert outcomes == [ok, ok], (name, value, outcomes)

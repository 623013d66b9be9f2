"""``logger serve --join-ttl-seconds inf`` (and ``--flush-seconds inf``, their ``CTLOOP_LOG_*``
variables) were accepted (round 41, item 4): a request whose response never comes (KServe's agent
logs no response for a non-200, v0.20.0 ``pkg/logger/handler.go``) then waited forever, copied into
every new WAL segment at every flush, and never reached Parquet; ``--flush-seconds inf`` never
flushed on time. Now a number of seconds must be finite: one line naming the flag (or variable)
and the value, exit 2, before anything is written."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.inference_log.app import app_from_env


@pytest.mark.parametrize("flag", ["--join-ttl-seconds", "--flush-seconds"])
@pytest.mark.parametrize("value", ["inf", "Infinity", "-inf", "nan", "-1"])
def test_a_flag_of_seconds_must_be_finite(tmp_path, capsys, flag, value):
    code = main(["logger", "serve", "--root", str(tmp_path / "log"), "--wal", str(tmp_path / "wal"), "--port", "1",
                 "--host", "256.0.0.1",  # on main: fails to listen instead of serving forever
                 f"{flag}={value}"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and flag in err and value.lower().lstrip("-")[:3] in err.lower(), err
    assert not (tmp_path / "log").exists() and not (tmp_path / "wal").exists()


@pytest.mark.parametrize("name", ["CTLOOP_LOG_JOIN_TTL_SECONDS", "CTLOOP_LOG_FLUSH_SECONDS"])
def test_a_variable_of_seconds_must_be_finite(tmp_path, monkeypatch, capsys, name):
    monkeypatch.setenv("CTLOOP_LOG_ROOT", str(tmp_path / "log"))
    monkeypatch.setenv("CTLOOP_LOG_WAL", str(tmp_path / "wal"))
    monkeypatch.setenv(name, "inf")
    with pytest.raises(SystemExit) as exc:
        app_from_env()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{name}='inf'" in err, err

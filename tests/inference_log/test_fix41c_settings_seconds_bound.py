"""Seconds have an upper bound: one day (fix round 41c, review finding 4).

Round 41 refused ``--join-ttl-seconds inf``, but ``1e300`` was accepted: the same endless wait by
another route (a request whose response never comes, KServe v0.20.0 ``pkg/logger/handler.go``
logging no response for a non-200, was copied into every new WAL segment and never written). Now
``--join-ttl-seconds``, ``--flush-seconds`` and their ``CTLOOP_LOG_*`` variables take at most one
day (86400 s): past it, one line naming the flag or variable and the value, exit 2.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.inference_log.app import app_from_env


@pytest.mark.parametrize("flag", ["--join-ttl-seconds", "--flush-seconds"])
@pytest.mark.parametrize("value", ["1e300", "86401", "1e9"])
def test_seconds_past_one_day_are_one_line_exit_2(tmp_path, capsys, flag, value):
    code = main(["logger", "serve", "--root", str(tmp_path / "log"), "--wal", str(tmp_path / "wal"), "--port", "1",
                 "--host", "256.0.0.1",  # fails to listen instead of serving forever if the flag were taken
                 f"{flag}={value}"])
    err = capsys.readouterr().err
    assert code == 2, err  # before: accepted (exit 1 only because the host cannot be listened on)
    assert err.count("\n") == 1 and flag in err and "86400" in err, err
    assert not (tmp_path / "log").exists() and not (tmp_path / "wal").exists()


@pytest.mark.parametrize("name", ["CTLOOP_LOG_JOIN_TTL_SECONDS", "CTLOOP_LOG_FLUSH_SECONDS"])
def test_a_variable_of_seconds_past_one_day_is_one_line_exit_2(tmp_path, monkeypatch, capsys, name):
    monkeypatch.setenv("CTLOOP_LOG_ROOT", str(tmp_path / "log"))
    monkeypatch.setenv("CTLOOP_LOG_WAL", str(tmp_path / "wal"))
    monkeypatch.setenv(name, "1e300")
    with pytest.raises(SystemExit) as exc:
        app_from_env()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{name}='1e300'" in err, err


def test_one_day_is_taken_and_every_setting_has_a_bound():
    from ctloop.inference_log.defaults import SINK_SETTINGS
    from ctloop.inference_log.settings import HIGH, check_number

    assert check_number("join_ttl_seconds", "86400", "--join-ttl-seconds 86400") == 86400
    assert set(HIGH) == set(SINK_SETTINGS)

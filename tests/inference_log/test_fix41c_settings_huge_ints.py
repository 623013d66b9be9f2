"""A whole-number setting of hundreds of digits is one line, exit 2 (fix round 41c, review finding 3).

Round 41 applied its finiteness check to every sink setting: ``math.isfinite`` of a 401-digit
``--flush-rows`` (or ``CTLOOP_LOG_MAX_COLUMNS``) raised ``OverflowError``, a traceback and exit 1
(accepted before round 41). Now finiteness is checked for seconds only, and a whole-number setting
has an upper bound (``settings.HIGH``, docs/inference-log.md "Settings"): past it, one line naming the
flag or variable and the value, exit 2, before anything is written.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.inference_log.app import app_from_env

HUGE = "9" * 401


@pytest.mark.parametrize("flag, value", [("--flush-rows", HUGE), ("--max-columns", HUGE), ("--max-body-bytes", HUGE),
                                         ("--drain-timeout-seconds", HUGE), ("--flush-rows", "100000001"),
                                         ("--max-columns", "100001")])
def test_a_huge_whole_number_flag_is_one_line_exit_2(tmp_path, capsys, flag, value):
    code = main(["logger", "serve", "--root", str(tmp_path / "log"), "--wal", str(tmp_path / "wal"), "--port", "1",
                 "--host", "256.0.0.1",  # fails to listen instead of serving forever if the flag were taken
                 f"{flag}={value}"])
    err = capsys.readouterr().err
    assert code == 2, err  # before: exit 1 with an OverflowError traceback (or the value taken)
    assert err.count("\n") == 1 and flag in err and value[:5] in err and len(err) < 300, err
    assert not (tmp_path / "log").exists() and not (tmp_path / "wal").exists()


@pytest.mark.parametrize("name", ["CTLOOP_LOG_MAX_COLUMNS", "CTLOOP_LOG_FLUSH_ROWS", "CTLOOP_LOG_MAX_BODY_BYTES"])
def test_a_huge_whole_number_variable_is_one_line_exit_2(tmp_path, monkeypatch, capsys, name):
    monkeypatch.setenv("CTLOOP_LOG_ROOT", str(tmp_path / "log"))
    monkeypatch.setenv("CTLOOP_LOG_WAL", str(tmp_path / "wal"))
    monkeypatch.setenv(name, HUGE)
    with pytest.raises(SystemExit) as exc:
        app_from_env()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and name in err, err


def test_every_whole_number_setting_has_a_bound_and_the_bound_itself_is_taken():
    from ctloop.inference_log.defaults import SINK_SETTINGS
    from ctloop.inference_log.settings import HIGH, check_number

    for name, setting in SINK_SETTINGS.items():
        if setting.kind is int:
            assert check_number(name, str(HIGH[name]), name) == HIGH[name]

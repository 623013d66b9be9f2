"""Review of r61-speed (``--token-recheck-seconds``): the interval has a floor above 0 (0 put one
blocking ``os.stat`` on the event loop before every request), it is refused without
``--token-file`` (as ``--agent-port`` is), the banner says it, and ``Access`` keeps a rotated
token out until the interval has passed (a stat per request would also have passed the sink
process test, which sleeps past a 0.2 s interval)."""

from __future__ import annotations

import os

import pytest


def _args(tmp_path, *extra: str, token: bool = True):
    from ctloop.cli import build_parser

    root = ["--root", str(tmp_path / "log"), "--wal", str(tmp_path / "wal")]
    if token:
        (tmp_path / "token").write_text("s3cret\n")
        root += ["--token-file", str(tmp_path / "token")]
    return build_parser().parse_args(["logger", "serve", *root, *extra])


def test_the_interval_has_a_floor_above_zero_written_once(tmp_path):
    from ctloop.cli import logger
    from ctloop.errors import ConfigError
    from ctloop.inference_log import defaults

    setting = defaults.SINK_SETTINGS["token_recheck_seconds"]
    assert (setting.low, setting.low_allowed) == (defaults.TOKEN_RECHECK_MIN_SECONDS, True) == (0.1, True)
    for bad in ("0", "0.05", "-1"):
        with pytest.raises(ConfigError, match=rf"^--token-recheck-seconds {float(bad)} must be a finite number of "
                                              r"seconds >= 0.1 \(default 5.0\)$"):
            logger._check(_args(tmp_path, "--token-recheck-seconds", bad))
    logger._check(_args(tmp_path, "--token-recheck-seconds", "0.1"))  # the floor itself is taken


def test_the_interval_without_a_token_file_is_refused_in_one_line(tmp_path):
    from ctloop.cli import logger
    from ctloop.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^--token-recheck-seconds 2 without --token-file: there is no token "
                                          r"file to look at; set --token-file or leave --token-recheck-seconds out$"):
        logger._check(_args(tmp_path, "--token-recheck-seconds", "2", token=False))
    logger._check(_args(tmp_path, token=False))  # the default, not written: no token, nothing to say
    assert not (tmp_path / "log").exists() and not (tmp_path / "wal").exists()


def test_the_banner_names_the_interval_when_a_token_is_set(tmp_path):
    from ctloop.cli import logger

    assert ", token, token recheck 0.5s; root " in logger._banner(_args(tmp_path, "--token-recheck-seconds", "0.5"))
    assert ", token, token recheck 5s; root " in logger._banner(_args(tmp_path))
    plain = logger._banner(_args(tmp_path, token=False))
    assert ", no token; root " in plain and "recheck" not in plain


def test_a_rotated_token_is_in_force_only_once_the_interval_has_passed(tmp_path, monkeypatch):
    import time

    from ctloop.inference_log import app

    token = tmp_path / "token"
    token.write_text("old\n")
    now = [1e6]  # a machine up for days: the first request looks at the file (nothing looked yet)
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    access = app.Access(token_file=str(token), recheck_seconds=3600)
    assert access.allowed(8080, "Bearer old")  # that first look: the interval counts from here
    token.write_text("new\n")
    os.utime(token, (os.stat(token).st_atime, os.stat(token).st_mtime + 10))  # a new mtime, whatever the clock
    now[0] += 60
    assert access.allowed(8080, "Bearer old") and not access.allowed(8080, "Bearer new")  # not looked at yet
    now[0] += 3601
    assert access.allowed(8080, "Bearer new") and not access.allowed(8080, "Bearer old")

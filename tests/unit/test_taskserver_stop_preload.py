"""A warm task server stopped while it preloads a module ends without finishing that import.

A short local run used to end by waiting for whatever the server was importing at that moment
(mlflow's SQL store, evidently: several seconds of CPU and wall for a module no task would use).
Real parts only: the server process and a module on PYTHONPATH whose import takes seconds.
"""

from __future__ import annotations

import os
import time

import pytest

from ctloop.taskserver import started_task_server, warm_start_supported

pytestmark = pytest.mark.skipif(not warm_start_supported(), reason="needs os.fork and AF_UNIX")

SLOW_MODULE = """\
import pathlib, time
here = pathlib.Path(__file__).parent
(here / "started").write_text("")
for _ in range(60):  # 3 s, in steps a signal handler runs between
    time.sleep(0.05)
(here / "finished").write_text("")
"""


def test_a_stop_during_a_preload_abandons_the_import(tmp_path, monkeypatch):
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "ctloop_test_slow_preload.py").write_text(SLOW_MODULE)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(p for p in (str(mods), os.environ.get("PYTHONPATH")) if p)
    )
    with started_task_server(tmp_path / "logs", preload=["ctloop_test_slow_preload"]) as server:
        deadline = time.monotonic() + 60
        while not (mods / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (mods / "started").exists(), server.log.read_text()
    log = (tmp_path / "logs" / "taskserver.log").read_text()
    assert not (mods / "finished").exists(), log  # the import did not run to its end
    assert "stopping: preload abandoned, 0 module(s) left" in log, log
    assert not os.path.exists(server.path)  # the socket's directory is removed as before

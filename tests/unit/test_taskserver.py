"""The warm task server: kfp.local tasks forked from a pre-imported interpreter behave like
fresh processes (outputs, failures, environment, working directory, signals, isolation).

Real parts only: the server process, kfp.local's subprocess runner and KFP's executor. No
``from __future__ import annotations`` here: KFP reads the components' annotations as types.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kfp import dsl, local

from ctloop.taskserver import task_server, warm_start_supported

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not warm_start_supported(), reason="needs os.fork and AF_UNIX"),
]
PRELOAD = ("kfp.dsl.executor_main", "json", "numpy")


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def describe(mark_module: bool) -> str:
    import json
    import os
    import sys

    import numpy as np

    seen = getattr(json, "_ctloop_test_mark", None)
    if mark_module:
        json._ctloop_test_mark = os.getpid()  # must not reach any later task
    print("hello from the task", flush=True)
    return json.dumps({
        "pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(),
        "mark_env": os.environ.get("CTLOOP_TEST_MARK"), "seen_mark": seen,
        "argv0": sys.argv[0], "random": float(np.random.random()),
    })


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def fail(message: str) -> str:
    raise ValueError(message)


@pytest.fixture()
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "root"),
               raise_on_error=True)
    return tmp_path


def test_tasks_run_in_children_of_the_server_with_the_callers_env_and_cwd(runner, monkeypatch, capfd):
    with task_server(runner / "logs", preload=PRELOAD) as server:
        monkeypatch.setenv("CTLOOP_TEST_MARK", "set-after-the-server-started")
        first = json.loads(describe(mark_module=True).output)
        second = json.loads(describe(mark_module=False).output)
    for out in (first, second):
        assert out["ppid"] == server.pid  # forked by the server, not started by sh
        assert out["mark_env"] == "set-after-the-server-started"
        assert Path(out["cwd"]) == runner
        assert out["argv0"].endswith("executor_main.py")
    assert first["pid"] != second["pid"]
    assert second["seen_mark"] is None  # each task starts from the pristine parent
    assert first["random"] != second["random"]  # NumPy's global generator reseeded per task
    assert "hello from the task" in capfd.readouterr().out
    assert "exit 0" in server.log.read_text()


def test_a_failing_task_fails_the_run_with_its_error(runner, capfd):
    with task_server(runner / "logs", preload=PRELOAD) as server:
        with pytest.raises(RuntimeError, match="FAILURE"):
            fail(message="broken input 'x'")
    out = capfd.readouterr().out
    assert "ValueError: broken input 'x'" in out
    assert "exit 1" in server.log.read_text()


def test_without_a_server_tasks_run_cold(runner, monkeypatch):
    monkeypatch.setenv("CTLOOP_TASK_SERVER", str(runner / "no-such-socket"))
    with task_server(runner / "logs", preload=PRELOAD) as server:  # reuses the (absent) server
        assert server is None
        out = json.loads(describe(mark_module=False).output)
    assert out["ppid"] != os.getpid() and out["seen_mark"] is None


SLEEPER = '''
import kfp
from kfp import dsl
from kfp.dsl import *
from typing import *

def sleeper(seconds: float) -> str:
    import time
    print("sleeping", flush=True)
    time.sleep(seconds)
    return "done"
'''


def _executor_command(tmp_path: Path, seconds: float) -> list[str]:
    """What KFP's task command runs (``_KFP_RUNTIME=true python3 -m kfp.dsl.executor_main``),
    with an ephemeral module like the one KFP writes."""
    module = tmp_path / "sleeper_component.py"
    module.write_text(SLEEPER)
    executor_input = {
        "inputs": {"parameterValues": {"seconds": seconds}},
        "outputs": {"parameters": {"Output": {"outputFile": str(tmp_path / "Output")}},
                    "outputFile": str(tmp_path / "executor_output.json")},
    }
    return [sys.executable, "-m", "kfp.dsl.executor_main", "--component_module_path", str(module),
            "--function_to_execute", "sleeper", "--executor_input", json.dumps(executor_input)]


def RUNTIME_ENV() -> dict[str, str]:  # noqa: N802
    return {**os.environ, "_KFP_RUNTIME": "true"}


def _task_pids(log: Path) -> list[int]:
    return [int(line.split("task pid ")[1].split(":")[0])
            for line in log.read_text().splitlines() if "task pid" in line and "exit" not in line]


def test_exit_status_and_outputs_of_a_handed_off_task(tmp_path):
    with task_server(tmp_path / "logs", preload=PRELOAD):
        done = subprocess.run(_executor_command(tmp_path, 0.0), capture_output=True, text=True, timeout=60,
                              env=RUNTIME_ENV())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sleeping" in done.stdout
    assert json.loads((tmp_path / "executor_output.json").read_text())["parameterValues"]["Output"] == "done"


def test_sigterm_to_the_task_process_reaches_the_forked_child(tmp_path):
    with task_server(tmp_path / "logs", preload=PRELOAD) as server:
        proc = subprocess.Popen(_executor_command(tmp_path, 60.0), stdout=subprocess.PIPE, text=True,
                                env=RUNTIME_ENV())
        for line in proc.stdout:  # KFP's executor logs first, then the task prints
            if "sleeping" in line:
                break
        deadline = time.monotonic() + 10  # the server logs the fork from its own process
        while not _task_pids(server.log) and time.monotonic() < deadline:
            time.sleep(0.05)
        (child,) = _task_pids(server.log)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == -signal.SIGTERM  # dies the way the task died
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and f"task pid {child}: exit" not in server.log.read_text():
            time.sleep(0.05)
        assert f"task pid {child}: exit -{int(signal.SIGTERM)}" in server.log.read_text()
    assert not (tmp_path / "executor_output.json").exists()


def test_only_kfp_task_starts_are_handed_off(tmp_path):
    # without _KFP_RUNTIME=true kfp imports differently from the server's copy: run cold
    with task_server(tmp_path / "logs", preload=PRELOAD) as server:
        done = subprocess.run(_executor_command(tmp_path, 0.0), capture_output=True, text=True, timeout=60,
                              env={**os.environ, "_KFP_RUNTIME": "false"})
        other = subprocess.run([sys.executable, "-c", "print('plain')"], capture_output=True, text=True)
        assert _task_pids(server.log) == []
    assert done.returncode == 0 and "Wrote executor output" in done.stdout
    assert other.stdout == "plain\n"


def test_watch_run_does_not_poll_with_os_kill_on_windows(monkeypatch):
    """Where there is no pidfd, watch_run polls ``os.kill(pid, 0)``: a no-op probe on POSIX, but on
    Windows ``os.kill`` calls TerminateProcess (CPython 3.11 ``Modules/posixmodule.c``
    ``os_kill_impl``: any signal but CTRL_C/CTRL_BREAK_EVENT) — a ``backtest --compare`` worker
    would end its parent. There it does not watch (the pool's workers end when its pipes close)."""
    import os
    import sys
    import threading

    from ctloop import _taskshim

    probes = []
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(os, "kill", lambda pid, sig: probes.append((pid, sig)))
    monkeypatch.delattr(os, "pidfd_open", raising=False)
    before = {t.name for t in threading.enumerate()}
    _taskshim.watch_run(os.getpid())
    started = {t.name for t in threading.enumerate()} - before
    assert "ctloop-watch-run" not in started and not probes

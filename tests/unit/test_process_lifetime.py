"""Every process a local run starts ends with it (issue 13, item 8): SIGINT, SIGTERM or SIGKILL
sent to the running ``run_pipeline_locally`` process alone (what ``kill PID`` or a CI timeout
does) leaves no task, no ``sh`` wrapper and no warm task server behind, and nothing in the
system temporary directory.

The run is real: kfp.local's subprocess runner, KFP's ``sh -ec`` task command, the warm task
server (warm) or plain task processes (cold); the one task sleeps until it is stopped.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from ctloop.local import descendants

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")]

SCRIPT = '''
import sys

from kfp import dsl

from ctloop import taskserver
from ctloop.local import run_pipeline_locally

taskserver.PRELOAD = ("kfp.dsl.executor_main",)


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def nap(seconds: float) -> str:
    import time

    print("ctloop: napping", flush=True)
    time.sleep(seconds)
    return "done"


@dsl.pipeline(name="nap")
def nap_pipeline(seconds: float = 600.0):
    nap(seconds=seconds)


run_pipeline_locally(nap_pipeline, {"seconds": 600.0}, workdir=sys.argv[1], warm=sys.argv[2] == "warm")
'''


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for_line(proc: subprocess.Popen, text: str, timeout: float) -> list[str]:
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sel.select(1.0):
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if text in line:
                return seen
    raise AssertionError(f"no {text!r} within {timeout:.0f} s; output:\n{''.join(seen)}")


@pytest.mark.parametrize("sig,mode", [
    (signal.SIGINT, "warm"), (signal.SIGTERM, "warm"), (signal.SIGKILL, "warm"),
    (signal.SIGTERM, "cold"), (signal.SIGKILL, "cold"),
])
def test_no_process_survives_the_run(sig, mode, tmp_path):
    script = tmp_path / "nap_run.py"
    script.write_text(SCRIPT)
    system_tmp = Path(tempfile.mkdtemp(prefix="ct-", dir="/tmp"))  # short: AF_UNIX path limit
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path / "work"), mode],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env={**os.environ, "TMPDIR": str(system_tmp)})
    started: list[int] = []
    try:
        wait_for_line(proc, "ctloop: napping", timeout=180)
        started = descendants(proc.pid)
        assert len(started) >= (4 if mode == "warm" else 2), started  # sh, task [, server, fork]
        proc.send_signal(sig)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(alive(p) for p in started):
            time.sleep(0.2)
        assert [p for p in started if alive(p)] == []
        assert list(system_tmp.iterdir()) == []  # the server's socket directory too
        if sig != signal.SIGKILL:  # the run's own scratch directory (SIGKILL leaves it in workdir)
            assert not (tmp_path / "work" / ".tmp").exists()
    finally:
        for pid in [proc.pid, *started]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        shutil.rmtree(system_tmp, ignore_errors=True)

"""The clean-up of a killed run's or compile's scratch took "process <pid> of this host has ended" from
``os.kill(pid, 0)`` raising ProcessLookupError. A process of the same host name in another PID
namespace (a container run with ``--network host``, a ``hostNetwork`` pod, a cloned VM) sharing the
workdir or output directory (a bind mount, NFS) has a process id this one cannot see: a run or
compile started beside it removed the live run's TMPDIR and task hook, or the live compile's
scratch file, under it. The maker now holds a lock on its scratch for as long as it lives, and a
clean-up removes only scratch whose lock it can take (the kernel drops the lock when its holder
ends, SIGKILL included).

Probed with a real second PID namespace (``unshare --pid --fork --mount-proc``, util-linux), the
process in it given a process id that does not exist out here (``/proc/sys/kernel/ns_last_pid``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ctloop.compiler import compile_all


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _unshare_works(), reason="needs unshare --pid (root or user namespaces)")


def _free_pid() -> int:
    """A process id that no process of this namespace has."""
    for pid in range(31000, 20000, -7):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            continue
    raise AssertionError("no free process id")


# runs as the first process of a new PID namespace: the next process there gets argv[1] as its id
IN_NAMESPACE = """
import subprocess, sys
with open("/proc/sys/kernel/ns_last_pid", "w") as fh:
    fh.write(str(int(sys.argv[1]) - 1))
sys.exit(subprocess.call([sys.executable, *sys.argv[2:]]))
"""

LIVE_RUN = """
import os, sys
from kfp import dsl
from ctloop.local import run_pipeline_locally


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def wait(ready: str):
    import os, pathlib, tempfile, time
    pathlib.Path(tempfile.gettempdir(), "task-file").write_text("live")
    pathlib.Path(ready).write_text(str(os.getppid()))
    time.sleep(120)


@dsl.pipeline(name="waiter")
def waiter(ready: str):
    wait(ready=ready)


run_pipeline_locally(waiter, {"ready": sys.argv[2]}, workdir=sys.argv[1], warm=False, console=open(os.devnull, "w"))
"""

LIVE_COMPILE = """
import sys, time
from pathlib import Path
from ctloop.compiler import _staged
from ctloop.pipelines import all_pipelines

work = _staged(all_pipelines(None)["rollout"], Path(sys.argv[1]) / "rollout.yaml", None, ())
Path(sys.argv[2]).write_text(str(work))
time.sleep(120)
"""


def _in_namespace(pid: int, script: str, *args: str) -> subprocess.Popen:
    path = Path(args[0]).parent / "live.py"  # kfp reads a component's source from its file
    path.write_text(script)
    return subprocess.Popen(["unshare", "--pid", "--kill-child", "--mount-proc", sys.executable, "-c", IN_NAMESPACE,
                             str(pid), str(path), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_for(ready: Path, proc: subprocess.Popen, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while not ready.exists() or not ready.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"the process in the other namespace did not get ready: {err[-2000:]}")
        time.sleep(0.2)
    return ready.read_text()


def _stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def test_a_live_runs_scratch_in_another_pid_namespace_stays(tmp_path):
    from ctloop.local import remove_stale_scratch

    work, ready = tmp_path / "work", tmp_path / "ready"
    pid = _free_pid()
    proc = _in_namespace(pid, LIVE_RUN, str(work), str(ready))
    try:
        _wait_for(ready, proc)
        scratch = work / ".tmp"
        (live,) = [p for p in scratch.iterdir()]
        assert f"-{pid}-" in live.name, live.name  # the run's own process id, one this namespace lacks
        remove_stale_scratch(scratch)  # what the next run in this workdir does first
        assert (live / "tmp" / "task-file").read_text() == "live"
        assert (live / "hook").is_dir()
    finally:
        _stop(proc)


def test_a_live_compiles_scratch_in_another_pid_namespace_stays(tmp_path):
    out, ready = tmp_path / "build", tmp_path / "ready"
    pid = _free_pid()
    proc = _in_namespace(pid, LIVE_COMPILE, str(out), str(ready))
    try:
        live = Path(_wait_for(ready, proc))
        assert f"-{pid}-" in live.name, live.name
        text = live.read_text()
        compile_all(out)  # a compile into the same directory from this namespace
        assert live.read_text() == text
    finally:
        _stop(proc)

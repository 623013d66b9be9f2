"""A local run killed by SIGKILL left its scratch directory (``<workdir>/.tmp/<pipeline>-<random>``:
the tasks' TMPDIR, KFP's component copies, the task hook) behind for good: nothing of the run
could clean up, and no later run did. The next run in the workdir now removes the scratch of runs
that ended on this host; a running one's (two runs may share a workdir) stays."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

SCRIPT = '''
import os, sys
from kfp import dsl
from ctloop.local import run_pipeline_locally


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def kill(pid: int) -> str:
    import os, signal
    os.kill(pid, signal.SIGKILL)  # the ctloop process, mid-run (its own SIGKILL handler: none)
    return "killed"


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def make() -> str:
    return "made"


@dsl.pipeline(name="killer")
def killer(pid: int):
    kill(pid=pid)


@dsl.pipeline(name="maker")
def maker():
    make()


if sys.argv[2] == "killer":
    run_pipeline_locally(killer, {"pid": os.getpid()}, workdir=sys.argv[1], warm=False, console=open(os.devnull, "w"))
else:
    run = run_pipeline_locally(maker, {}, workdir=sys.argv[1], warm=False, console=open(os.devnull, "w"))
    print(run.succeeded)
'''


def _run(tmp_path: Path, which: str) -> subprocess.CompletedProcess:
    script = tmp_path / "runner.py"
    script.write_text(SCRIPT)
    return subprocess.run([sys.executable, str(script), str(tmp_path / "work"), which], capture_output=True,
                          text=True, timeout=120)


def test_the_scratch_of_a_killed_run_is_removed_by_the_next_run(tmp_path):
    from ctloop.local import scratch_prefix

    killed = _run(tmp_path, "killer")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    scratch = tmp_path / "work" / ".tmp"
    left = sorted(p.name for p in scratch.iterdir())
    assert len(left) == 1 and left[0].startswith("killer"), left  # what the SIGKILL left
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = scratch / (scratch_prefix("killer", sleeper.pid) + "abcd1234")  # a run still going
        running.mkdir()
        made = _run(tmp_path, "maker")
        assert made.stdout.strip() == "True", made.stderr
        assert sorted(p.name for p in scratch.iterdir()) == [running.name]
    finally:
        sleeper.kill()
        sleeper.wait()

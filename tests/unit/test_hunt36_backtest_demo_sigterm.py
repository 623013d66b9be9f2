"""SIGTERM to ``ctloop demo`` while its backtest replays the policies in a process pool: the pool
was abandoned and multiprocessing's resource tracker (python 3.11
``multiprocessing/resource_tracker.py``) printed "There appear to be 5 leaked semaphore objects";
now it is shut down and the demo exits 143, as ``ctloop backtest --compare`` does. The pipeline
runs are stood in for (the backtest is the demo's own, on its own data)."""

import os
import signal
import subprocess
import sys
import threading

import pytest

SCRIPT = """
import sys
from pathlib import Path

import ctloop.local
import ctloop.taskserver
from ctloop.local import LocalRun

ctloop.local.run_pipeline_locally = lambda *a, **k: LocalRun("continuous-training", Path("."), Path("x.log"), 0.1, True)
ctloop.taskserver.warm_start_supported = lambda: False
from ctloop.cli import main

sys.exit(main(["demo", "--workdir", sys.argv[1], "--rows", "3000"]))
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals")
def test_sigterm_during_the_demos_backtest_shuts_its_pool_down(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path / "demo")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    watchdog = threading.Timer(240, proc.kill)
    watchdog.start()
    try:
        lines = []
        for line in proc.stdout:  # a replay is running in the pool's processes
            lines.append(line)
            if "[default] window" in line:
                break
        assert "[default] window" in lines[-1], "".join(lines[-20:])
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        proc.send_signal(signal.SIGTERM)
        err = proc.stderr.read()
        proc.wait(timeout=60)
        assert proc.returncode == 128 + signal.SIGTERM
        assert "leaked" not in err and "Traceback" not in err, err
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()

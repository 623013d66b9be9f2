"""A compile's staged pipeline was locked through the staged file itself (review F1). Over NFS a
Linux client turns ``flock`` into a POSIX (``fcntl``) lock on the whole file (flock(2), "since Linux
2.6.12, NFS clients support flock() locks by emulating them as fcntl(2) byte-range locks"), and a
process drops every POSIX lock it holds on a file when it closes ANY descriptor of that file. The
compile opens and closes the staged file after locking it (kfp 2.x ``write_pipeline_spec_to_file``:
``open(package_path, 'w')``; ctloop's ``read_text``/``write_text``), so a live compile's scratch looked
ended and another compile into the same output directory removed it before it was moved into place.
Now every scratch is a directory whose lock is a file of its own (``.ctloop-lock``), opened once by
its maker and never by anything else of it.

The NFS locking is modelled by making ``fcntl.flock`` a POSIX lock (``fcntl.lockf``) in both processes,
which is what the NFS client does with it on a local file system too."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path

from ctloop.compiler import compile_all

LIVE_COMPILE = """
import fcntl, sys, time
from pathlib import Path
fcntl.flock = fcntl.lockf  # as a Linux NFS client locks
from ctloop.compiler import _staged
from ctloop.pipelines import all_pipelines

work = _staged(all_pipelines(None)["rollout"], Path(sys.argv[1]) / "rollout.yaml", None, ())
print(work, flush=True)
time.sleep(120)
"""


def test_a_live_compiles_scratch_stays_under_posix_locks(tmp_path, monkeypatch):
    out = tmp_path / "build"
    proc = subprocess.Popen([sys.executable, "-c", LIVE_COMPILE, str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line, proc.communicate(timeout=60)[1][-2000:]
        live = Path(line)
        text = live.read_text()
        monkeypatch.setattr(fcntl, "flock", fcntl.lockf)
        compile_all(out)  # a second compile into the same directory: its clean-up must leave the live one
        assert live.read_text() == text
    finally:
        proc.kill()
        proc.wait()

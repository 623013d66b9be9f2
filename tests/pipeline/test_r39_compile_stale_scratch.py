"""A compile killed by SIGKILL (an OOM kill, a CI job cancelled, ``kill -9``) left its scratch files
(``.<pipeline>.<random>.yaml``, compiled beside the target before the move) in the output directory,
and every later compile left them there: they piled up, and ``Path.glob("*.yaml")`` lists them with
the pipelines. A compile now removes the scratch of compiles that ended on this host (the name
holds the host and the process id), and nothing else: a live compile's scratch and a user's file of
a similar name stay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from ctloop.compiler import compile_all

KILLED = """
import os, signal, sys
from pathlib import Path
from ctloop.compiler import _staged
from ctloop.pipelines import all_pipelines

out = Path(sys.argv[1])
for name, func in sorted(all_pipelines(None).items())[:2]:
    _staged(func, out / f"{name}.yaml", None, ())  # staged, not yet moved into place
os.kill(os.getpid(), signal.SIGKILL)
"""


def _scratch(out) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def test_the_scratch_of_a_killed_compile_is_removed_by_the_next(tmp_path):
    out = tmp_path / "build"
    killed = subprocess.run([sys.executable, "-c", KILLED, str(out)], capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = _scratch(out)
    assert len(left) == 2 and all(name.endswith(".yaml") for name in left), left  # what a SIGKILL leaves
    written = compile_all(out)
    assert _scratch(out) == []
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)


def test_a_live_compiles_scratch_and_a_users_files_stay(tmp_path):
    from ctloop.local import scratch_prefix

    out = tmp_path / "build"
    out.mkdir()
    # another compile, still running: it holds the lock on its scratch (fix39e: the lock, not the
    # process id, tells a live maker)
    holder = ("import fcntl, os, sys, time; from ctloop.local import scratch_prefix\n"
              "p = os.path.join(sys.argv[1], scratch_prefix('.rollout') + 'abcd1234.yaml')\n"
              "fd = os.open(p, os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'mine\\n')\n"
              "print(os.path.basename(p), flush=True); time.sleep(60)")
    sleeper = subprocess.Popen([sys.executable, "-c", holder, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        live = sleeper.stdout.readline().strip()
        ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                               text=True).stdout.strip()
        # a compile of another host (a pod sharing the volume) whose process id has ended here
        other_host = scratch_prefix(".rollout", int(ended)).replace(".ctloop-", ".ctloop-x", 1) + "abcd1234.yaml"
        kept = [live, other_host, ".rollout.original.yaml", ".rollout.ctloop-notes.yaml",
                "rollout.ctloop-x-1-abcd1234.yaml"]
        for name in kept[1:]:
            (out / name).write_text("mine\n")
        compile_all(out)
        assert _scratch(out) == sorted(n for n in kept if n.startswith("."))
        assert all((out / name).read_text() == "mine\n" for name in kept)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert os.path.exists(out / live)

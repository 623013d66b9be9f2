"""Where the inference log sink's CPU goes under load: the real sink (``ctloop logger serve``) run
under cProfile with a per-thread CPU clock (the event loop's thread; the fsync threads only wait
in the kernel), driven by wrk with ``logger_load.lua`` like ``bench_logger_load.py``, then
SIGTERMed. Prints the CPU per module group and the top functions by own time.

cProfile's overhead is paid per Python call, so shares are what to read, not absolute times:
function-heavy code looks more expensive than it is next to C (httptools, orjson, the kernel's
socket work, which cProfile does not see at all; ``perf record -g -p <pid>`` shows that part).

    python benchmarks/profile_sink.py [--seconds 10] [--connections 16] [--top 25] [--src DIR]

``--src`` profiles another checkout's sink (its ``src``, e.g. a ``git worktree`` of main).
"""

from __future__ import annotations

import argparse
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.bench_logger_load import run_wrk  # noqa: E402
from tests.fixtures.servers import free_port, wait_http  # noqa: E402

# Runs in the sink's process. Profiling starts at SIGUSR1 (sent once the sink answers, so start-up
# and imports are left out); uvicorn re-raises SIGTERM after its graceful shutdown, which would
# kill the process before cProfile writes its file, so the stats are written just before that.
_WRAPPER = """
import cProfile, os, signal, sys, time
prof = cProfile.Profile(time.thread_time)
signal.signal(signal.SIGUSR1, lambda *_: prof.enable())
raise_signal = signal.raise_signal
def dump():
    prof.disable()
    prof.dump_stats(os.environ["CTLOOP_PROFILE_OUT"])
def reraise(sig):
    dump()
    raise_signal(sig)
signal.raise_signal = reraise
from ctloop.cli import main
code = main(sys.argv[1:])
dump()
sys.exit(code)
"""

_JOIN = {"join", "request_rows", "response_rows", "_rows_from_columns", "_columns_from_tensors", "row_revision",
         "path_safe", "_add", "_buffer", "_join_acknowledged", "normalise", "accepted", "column_type"}


def group(file: str, name: str) -> str:
    """The part of the sink a function belongs to (by its file, and for the event module its name)."""
    if name in _JOIN:
        return "join, typing, row encoding"
    if "uvicorn/" in file or file.endswith(("inference_log/protocol.py", "inference_log/app.py")):
        return "HTTP (uvicorn's protocol or the sink's, the app)"
    if file.endswith("inference_log/events.py"):
        return "event parsing and validation"
    if file.endswith("inference_log/sink.py"):
        return "WAL commit, fsync hand-off, flush"
    if "asyncio/" in file or "uvloop" in file:
        return "asyncio / event loop (Python part)"
    return "other (builtins and C calls, Parquet)"


def profile(src: Path | None, seconds: int, connections: int, out: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        port = free_port()
        env = {**os.environ, "CTLOOP_PROFILE_OUT": str(out)}
        if src:
            env["PYTHONPATH"] = str(src)
        proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, "logger", "serve", "--root", str(tmp / "root"),
                                 "--wal", str(tmp / "wal"), "--port", str(port)], env=env,
                                stdout=open(tmp / "sink.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", proc, tmp / "sink.log", timeout=60)
            os.kill(proc.pid, signal.SIGUSR1)
            time.sleep(0.2)
            result = run_wrk(f"http://127.0.0.1:{port}", seconds, connections)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=120)
        deadline = time.monotonic() + 10
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--src", type=Path, default=None, help="another checkout's src directory")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sink.prof"
        result = profile(args.src, args.seconds, args.connections, out)
        stats = pstats.Stats(str(out))
    events = max(result["acknowledged"], 1)
    total = sum(row[2] for row in stats.stats.values())
    print(f"{result['acknowledged']} events acknowledged under the profiler ({result['events_per_s']:,.0f}/s); "
          f"event-loop thread CPU {total:.2f} s, {total / events * 1e6:.0f} us/event with cProfile's overhead")
    grouped: dict[str, float] = {}
    for (file, _, name), row in stats.stats.items():
        key = group(file, name)
        grouped[key] = grouped.get(key, 0.0) + row[2]
    for key, seconds in sorted(grouped.items(), key=lambda kv: -kv[1]):
        print(f"  {key:<50} {seconds / total:6.1%}")
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

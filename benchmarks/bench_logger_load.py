"""Inference log sink under load on loopback: events/s, ingest latency, zero loss, and the ratio
to another version of the sink measured side by side in the same run.

Starts the real sink (``ctloop logger serve``) as a subprocess and drives it for a bounded time
with ``wrk`` (Debian package wrk; ``logger_load.lua`` sends request/response CloudEvent pairs and
counts the 2xx answers), SIGTERMs it (the final flush) and counts the events in Parquet: every
event answered 2xx must be there (``lost`` = 2xx answers - events in Parquet, floored at 0).

``--baseline REF`` checks REF out into a temporary git worktree and runs *its* sink (same
interpreter and packages, ``PYTHONPATH`` pointing at its ``src``) alternately with this
checkout's, ``--rounds`` times each: on a shared machine only such side-by-side ratios mean
anything. ``--wal-dir`` puts the write-ahead log elsewhere, e.g. ``/dev/shm``: fsync on tmpfs is
free, so that run shows the CPU ceiling rather than the disk's fsync latency. (Each HTTP
connection waits for its 200, which waits for an fsync: events/s can never exceed connections /
fsync latency; the table prints the fsync latency measured on the WAL's disk.)

Writes a table, and ``<results>/logger_load.json`` and ``.png`` (default ``benchmarks/results``,
created when missing).

    python benchmarks/bench_logger_load.py [--seconds 10] [--connections 16,64] [--baseline main]
                                           [--rounds 2] [--wal-dir /dev/shm] [--results DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from _common import RESULTS, machine, table  # noqa: E402

from tests.fixtures.servers import start_sink  # noqa: E402


def fsync_ms(directory: Path, n: int = 30) -> float:
    """Median latency of a 300-byte append + fsync in ``directory`` (the WAL's disk)."""
    fd, path = tempfile.mkstemp(dir=directory)
    times = []
    try:
        for _ in range(n):
            os.write(fd, b"x" * 300)
            t = time.perf_counter()
            os.fsync(fd)
            times.append(time.perf_counter() - t)
    finally:
        os.close(fd)
        os.unlink(path)
    return statistics.median(times) * 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, seconds: int, connections: int) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: `make bench` installs it (Debian package wrk)")
    out = subprocess.run([wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
                          str(HERE / "logger_load.lua"), url + "/"], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    return {"requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "acknowledged": int(re.search(r"acknowledged (\d+)", out).group(1)),
            "events_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": ms("50%"), "p90_ms": ms("90%"), "p99_ms": ms("99%")}


def events_in_parquet(root: Path) -> int:
    """CloudEvents stored: per (request_id, instance 0) row, its request half plus its response
    half, duplicates (at-least-once) counted once."""
    import pandas as pd

    parts = list(root.rglob("*.parquet"))
    if not parts:
        return 0
    rows = pd.concat([pd.read_parquet(p, columns=["request_id", "instance", "has_request", "has_response"])
                      for p in parts])
    rows = rows[rows.instance == 0]
    requests = rows.loc[rows.has_request, "request_id"].nunique()
    responses = rows.loc[rows.has_response, "request_id"].nunique()
    return int(requests + responses)


def one_run(version: str, src: Path | None, seconds: int, connections: int, wal_dir: Path | None) -> dict:
    with tempfile.TemporaryDirectory(dir=wal_dir) as tmp, tempfile.TemporaryDirectory() as out:
        tmp, out = Path(tmp), Path(out)
        env = {"PYTHONPATH": str(src)} if src else None
        proc, url = start_sink(tmp, root=out / "root", env=env)
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(proc.pid)
        try:
            result = run_wrk(url, seconds, connections)
            cpu = cpu_seconds(proc.pid) - cpu_before
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=180)
        stored = events_in_parquet(out / "root")
    # CPU time the sink spent per acknowledged event: what a busy machine distorts least
    result["sink_cpu_us_per_event"] = round(cpu / max(result["acknowledged"], 1) * 1e6, 1)
    result.update({"version": version, "connections": connections, "seconds": seconds,
                   "events_in_parquet": stored, "lost": max(0, result["acknowledged"] - stored),
                   "loadavg_1m_before": round(load_before, 2)})
    return result


@contextmanager
def checkout(ref: str):
    """``ref`` in a temporary git worktree (removed afterwards)."""
    path = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), ref], check=True,
                   capture_output=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], capture_output=True)


def summarise(runs: list[dict], versions: list[str]) -> list[dict]:
    rows = []
    for c in sorted({r["connections"] for r in runs}):
        for v in versions:
            mine = [r for r in runs if r["version"] == v and r["connections"] == c]
            rows.append({"version": v, "connections": c, "runs": len(mine),
                         "events_per_s": statistics.median(r["events_per_s"] for r in mine),
                         "p99_ms": statistics.median(r["p99_ms"] for r in mine),
                         "cpu_us_per_event": statistics.median(r["sink_cpu_us_per_event"] for r in mine),
                         "acknowledged": sum(r["acknowledged"] for r in mine),
                         "lost": sum(r["lost"] for r in mine),
                         # the machine's 1-minute load average as each run started (a shared machine)
                         "load_1m": statistics.median(r["loadavg_1m_before"] for r in mine)})
        if len(versions) == 2:
            base, new = rows[-2], rows[-1]
            new["events_ratio"] = round(new["events_per_s"] / base["events_per_s"], 2)
            new["cpu_per_event_ratio"] = round(new["cpu_us_per_event"] / base["cpu_us_per_event"], 2)
    return rows


def plot(summary: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    labels = [f"{r['version']}\n{r['connections']} conn" for r in summary]
    ax.bar(labels, [r["events_per_s"] for r in summary], color=["#999999" if r["version"] != "current" else "#1f77b4"
                                                                 for r in summary])
    ax.set_ylabel("events/s (200 after fsync), median of runs")
    ax2 = ax.twinx()
    ax2.plot(labels, [r["p99_ms"] for r in summary], "o", color="red", label="p99 ms")
    ax2.set_ylabel("p99 ingest latency (ms)", color="red")
    ax2.set_ylim(0, max(25, max(r["p99_ms"] for r in summary) * 1.2))
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", default="16", help="comma-separated wrk connection counts")
    parser.add_argument("--baseline", default=None, help="git ref to measure side by side (e.g. main)")
    parser.add_argument("--rounds", type=int, default=2, help="runs per version and connection count, alternated")
    parser.add_argument("--wal-dir", type=Path, default=None, help="where the WAL lives (default: the temp dir)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    connections = [int(c) for c in args.connections.split(",")]
    wal_disk = args.wal_dir or Path(tempfile.gettempdir())
    fsync = fsync_ms(wal_disk)
    print(f"WAL on {wal_disk}: fsync median {fsync:.2f} ms -> at most {connections[0] / fsync * 1000:,.0f} "
          f"events/s with {connections[0]} connections", flush=True)
    runs: list[dict] = []
    with checkout(args.baseline) if args.baseline else _nothing() as base:
        versions = [(f"baseline {args.baseline}", base / "src")] if base else []
        versions.append(("current", None))
        for _ in range(args.rounds):
            for c in connections:
                for name, src in versions:
                    runs.append(one_run(name, src, args.seconds, c, args.wal_dir))
                    r = runs[-1]
                    print(f"  {name:>16} {c:3d} conn: {r['events_per_s']:8,.0f} events/s  p99 {r['p99_ms']:6.1f} ms  "
                          f"cpu {r['sink_cpu_us_per_event']:5.0f} us/event  2xx {r['acknowledged']}  "
                          f"in Parquet {r['events_in_parquet']}  lost {r['lost']}", flush=True)
    summary = summarise(runs, [v for v, _ in versions])
    print(table(summary, list(summary[-1])))
    args.results.mkdir(parents=True, exist_ok=True)
    title = (f"ctloop logger, wrk {args.seconds} s x {args.rounds} per bar, WAL fsync {fsync:.1f} ms, "
             f"lost {sum(r['lost'] for r in runs)}, load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    plot(summary, args.results / "logger_load.png", title)
    import json

    path = args.results / "logger_load.json"
    path.write_text(json.dumps({"machine": machine(), "wal_dir": str(wal_disk), "fsync_ms": round(fsync, 3),
                                "summary": summary, "runs": runs}, indent=2))
    print(f"wrote {path} and {path.with_suffix('.png')}")
    return 1 if any(r["lost"] for r in runs) else 0


@contextmanager
def _nothing():
    yield None


if __name__ == "__main__":
    sys.exit(main())

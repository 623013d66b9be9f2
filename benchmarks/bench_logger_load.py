"""Inference log sink under load on loopback: events/s, ingest latency, zero loss.

Starts the real sink (``ctloop logger serve``, uvicorn) as a subprocess and drives it for a
bounded time with ``wrk`` (Debian package wrk; ``logger_load.lua`` sends request/response
CloudEvent pairs), then SIGTERMs it and checks every completed pair is in the Parquet output.
Without wrk it falls back to an asyncio + httpx generator, which is itself the bottleneck
(~500 events/s here). Writes benchmarks/results/logger_load.{json,png}.

    python benchmarks/bench_logger_load.py [SECONDS] [CONNECTIONS,...]
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import RESULTS, save, table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.fixtures.servers import start_sink  # noqa: E402


def headers(ce_id: str, kind: str) -> dict[str, str]:
    """As KServe's agent sends them: ce-source is the agent's own address, not the pod."""
    return {"ce-id": ce_id, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-namespace": "ctloop", "ce-component": "predictor", "content-type": "application/json"}


async def drive(url: str, events: int, concurrency: int) -> tuple[list[float], int, float]:
    import httpx

    latencies: list[float] = []
    ok = 0
    bodies = {"request": json.dumps({"instances": [{"income": 52000.0, "region": "north", "age": 41}]}),
              "response": json.dumps({"predictions": [[0.83, 0.17]], "model_name": "credit-default",
                                      "model_version": "2"})}
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(events // 2):
        queue.put_nowait((f"e{i}", "request"))
        queue.put_nowait((f"e{i}", "response"))

    async def worker(client):
        nonlocal ok
        while not queue.empty():
            ce_id, kind = queue.get_nowait()
            t = time.perf_counter()
            r = await client.post(url, headers=headers(ce_id, kind), content=bodies[kind])
            latencies.append(time.perf_counter() - t)
            ok += r.status_code == 200

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return latencies, ok, elapsed


def run_wrk(url: str, seconds: int, connections: int) -> dict:
    import re
    import shutil

    out = subprocess.run([shutil.which("wrk"), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", str(HERE / "logger_load.lua"), url + "/"], capture_output=True, text=True, check=True).stdout
    def ms(label: str) -> float:
        m = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    return {"generator": "wrk", "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "events_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": ms("50%"), "p90_ms": ms("90%"), "p99_ms": ms("99%"),
            "non_2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0}


def one_wrk_run(seconds: int, connections: int) -> dict:
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        proc, url = start_sink(tmp)
        load_before = os.getloadavg()[0]
        result = run_wrk(url, seconds, connections)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=120)
        rows = pd.concat([pd.read_parquet(p) for p in (tmp / "root").rglob("*.parquet")])
    complete = int((rows.has_request & rows.has_response).sum())
    result.update({"seconds": seconds, "connections": connections, "rows_in_parquet": int(len(rows)),
                   "pairs_complete": complete, "pairs_acknowledged_at_least": result["requests"] // 2,
                   "lost": max(0, result["requests"] // 2 - complete), "loadavg_1m_before": load_before})
    return result


def main_wrk(seconds: int = 20, connections: list[int] | None = None) -> int:
    """One sink per connection count (16/32/64 by default), each driven for ``seconds``."""
    runs = []
    for c in connections or [16, 32, 64]:
        runs.append(one_wrk_run(seconds, c))
        print(f"  {c} connections: {runs[-1]['events_per_s']:,.0f} events/s, p99 {runs[-1]['p99_ms']:.1f} ms, "
              f"lost {runs[-1]['lost']}", flush=True)
    print(table(runs, list(runs[0])))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    xs = [r["connections"] for r in runs]
    ax.bar([str(x) for x in xs], [r["events_per_s"] for r in runs], color="#1f77b4", label="events/s")
    ax.axhline(5000, color="grey", linestyle=":", label="target 5,000 events/s")
    ax.set_xlabel("wrk connections")
    ax.set_ylabel("events/s (200 after fsync)")
    ax2 = ax.twinx()
    ax2.plot([str(x) for x in xs], [r["p99_ms"] for r in runs], "o-", color="red", label="p99 ms")
    ax2.axhline(50, color="red", linestyle=":", linewidth=0.8)
    ax2.set_ylabel("p99 ingest latency (ms)")
    ax2.set_ylim(0, max(60, max(r["p99_ms"] for r in runs) * 1.2))
    ax.set_title(f"ctloop logger on loopback, {seconds} s per point, lost {sum(r['lost'] for r in runs)}")
    fig.legend(loc="upper left", bbox_to_anchor=(0.1, 0.88))
    fig.tight_layout()
    fig.savefig(RESULTS / "logger_load.png", dpi=110)
    print(f"wrote {save('logger_load', {'generator': 'wrk', 'runs': runs})}")
    return 0


def main(events: int = 40000, concurrency: int = 64) -> int:
    import numpy as np
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        proc, url = start_sink(tmp, flush_seconds=2)
        load_before = os.getloadavg()[0]
        latencies, ok, elapsed = asyncio.run(drive(url, events, concurrency))
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=120)
        parts = list((tmp / "root").rglob("*.parquet"))
        rows = pd.concat([pd.read_parquet(p) for p in parts]) if parts else pd.DataFrame()
        complete = int((rows.has_request & rows.has_response).sum()) if len(rows) else 0
    lat = np.array(latencies) * 1000
    result = {"events": events, "concurrency": concurrency, "acknowledged": ok, "seconds": elapsed,
              "events_per_s": ok / elapsed, "p50_ms": float(np.percentile(lat, 50)), "p99_ms": float(np.percentile(lat, 99)),
              "rows_in_parquet": int(len(rows)), "pairs_complete": complete, "lost": events // 2 - complete,
              "loadavg_1m_before": load_before}
    print(table([result], list(result)))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(lat, bins=80, color="#1f77b4")
    ax.axvline(result["p99_ms"], color="red", linestyle="--", label=f"p99 {result['p99_ms']:.1f} ms")
    ax.set_xlabel("ingest latency (ms): request sent → 200 after fsync")
    ax.set_ylabel("events")
    ax.set_title(f"{result['events_per_s']:.0f} events/s, {concurrency} connections, lost {result['lost']}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "logger_load.png", dpi=110)
    print(f"wrote {save('logger_load', result)}")
    return 0


if __name__ == "__main__":
    import shutil

    secs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    conns = [int(c) for c in sys.argv[2].split(",")] if len(sys.argv) > 2 else None
    if shutil.which("wrk"):
        sys.exit(main_wrk(secs, conns))
    sys.exit(main(40000, conns[0] if conns else 64))

"""What does ``ctloop drift`` cost on production-sized windows, in time and memory?

Generates a reference and a current side as hive-partitioned Parquet (``date=<day>/part-*.parquet``,
one file per 1,000,000 rows, row groups of 262,144 rows): 20 numeric columns (normal and
lognormal, in rotation) and 5 text columns (6–14 levels), with a shift in 6 numeric and 2
categorical columns of the current side — the same data as ``bench_drift_speed.py``, written in
chunks so generating 100M rows needs no more memory than 1M. Then runs ``ctloop drift`` as a
child process per (engine, rows) and measures, from the kernel's accounting of that child
(``os.wait4``): wall time, peak RSS, CPU seconds. The data is deleted afterwards.

    python benchmarks/bench_drift_streaming.py                    # 1M and 20M rows per side
    python benchmarks/bench_drift_streaming.py 1000000 20000000 100000000
    python benchmarks/bench_drift_streaming.py --memory-engine 1000000,2000000 1000000
    python benchmarks/bench_drift_streaming.py 100000000 --memory-engine '' --append   # ~36 GB

``--memory-engine`` also runs ``--engine memory`` (pandas, exact) at those sizes, side by side,
to compare decisions and to place the ``auto`` threshold. Needs about 180 MB of disk per
million rows per side (checked first; ``--workdir`` picks the disk).

Prints a table, writes ``results/drift_streaming.json`` and ``results/drift_streaming.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import RESULTS, save, table

HERE = Path(__file__).resolve().parent
FILE_ROWS = 1_000_000
ROW_GROUP = 262_144
BYTES_PER_ROW = 190  # measured: 176 MB of Parquet per million rows of these 25 columns
SHIFTED = [f"num_{i:02d}" for i in range(6)] + ["cat_0", "cat_1"]


def write_side(root: Path, rows: int, shift: float, seed: int) -> float:
    """Write ``rows`` rows in files of FILE_ROWS; returns the seconds it took."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    started = time.monotonic()
    levels = [pa.array([f"{j}-{k}" for k in range(6 + 2 * j)]) for j in range(5)]
    for f, start in enumerate(range(0, rows, FILE_ROWS)):
        n = min(FILE_ROWS, rows - start)
        rng = np.random.default_rng([seed, f])
        cols = {}
        for i in range(20):
            s = shift if i < 6 else 0.0
            cols[f"num_{i:02d}"] = (
                rng.normal(s, 1.0 + 0.1 * (i % 4), n) if i % 2 else rng.lognormal(s / 2, 0.7, n)
            )
        for j in range(5):
            p = np.full(len(levels[j]), 1.0 / len(levels[j]))
            if shift and j < 2:
                p[0] += 0.15
                p /= p.sum()
            codes = pa.array(rng.choice(len(levels[j]), n, p=p).astype(np.int32))
            cols[f"cat_{j}"] = pa.DictionaryArray.from_arrays(codes, levels[j]).cast(pa.string())
        folder = root / f"date=2026-12-{1 + f // 10:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(cols), folder / f"part-{f:05d}.parquet", row_group_size=ROW_GROUP)
    return time.monotonic() - started


def _progress_excerpt(log: Path) -> list[str]:
    """The first and last progress lines of each side (what a user sees on stderr)."""
    lines = log.read_text().splitlines()
    out = []
    for side in ("reference", "current"):
        mine = [line for line in lines if line.startswith(side + ":")]
        out += mine[:2] + (["…"] if len(mine) > 4 else []) + mine[-2:] if len(mine) > 4 else mine
    return out


def run_child(args: list[str], log: Path) -> dict:
    """Run a command; wall time from here, peak RSS and CPU from the kernel (wait4)."""
    started = time.monotonic()
    with open(log, "w") as err:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise SystemExit(f"{' '.join(args)} failed ({code}):\n{log.read_text()[-3000:]}\n{out[-2000:]}")
    return {"seconds": wall, "peak_rss_mib": usage.ru_maxrss / 1024,
            "cpu_seconds": usage.ru_utime + usage.ru_stime, "stdout": out}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1_000_000, 20_000_000],
                    help="rows per side (default: 1M and 20M)")  # fmt: skip
    ap.add_argument("--memory-engine", default="1000000",
                    help="comma-separated sizes also run with --engine memory (default 1000000)")
    ap.add_argument("--workdir", default=None, help="where to write the data (default: $TMPDIR)")
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    ap.add_argument("--append", action="store_true",
                    help="add to results/drift_streaming.json (replacing the same size and engine) "
                         "instead of starting it afresh: run 100M on its own")  # fmt: skip
    args = ap.parse_args()
    memory_sizes = {int(s) for s in args.memory_engine.split(",") if s}
    ctloop = shutil.which("ctloop", path=str(Path(sys.executable).parent)) or "ctloop"

    rows_out, raw = [], []
    for n in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"drift-stream-{n}-", dir=args.workdir))
        need = 2 * n * BYTES_PER_ROW * 1.1
        free = shutil.disk_usage(work).free
        if free < need:
            shutil.rmtree(work)
            raise SystemExit(f"{n:,} rows per side need ~{need / 2**30:.1f} GiB of disk; "
                             f"{work.parent} has {free / 2**30:.1f} GiB free (use --workdir)")  # fmt: skip
        try:
            print(f"writing {n:,} rows per side under {work} ...", flush=True)
            gen = write_side(work / "reference", n, 0.0, 1) + write_side(work / "current", n, 0.25, 2)
            size = sum(f.stat().st_size for f in work.rglob("*.parquet"))
            engines = ["stream"] + (["memory"] if n in memory_sizes else [])
            decisions = {}
            for eng in engines:
                out = work / f"out-{eng}"
                cmd = [ctloop, "drift", "--reference", str(work / "reference"), "--current",
                       str(work / "current"), "--engine", eng, "--no-report", "--output", str(out)]  # fmt: skip
                r = run_child(cmd, work / f"{eng}.log")
                saved = json.loads((out / "drift.json").read_text())
                decisions[eng] = {c["column"]: c["drifted"] for c in saved["columns"]}
                found = sorted(c for c, d in decisions[eng].items() if d)
                row = {
                    "rows_per_side": n,
                    "engine": eng,
                    "seconds": r["seconds"],
                    "peak_rss_MiB": r["peak_rss_mib"],
                    "cpu_s": r["cpu_seconds"],
                    "Mrows_per_s": 2 * n / r["seconds"] / 1e6,
                    "drifted": f"{len(found)}/{len(saved['columns'])}",
                    "approximate": sum(bool(c.get("approximate")) for c in saved["columns"]),
                    "borderline": sum(bool(c.get("borderline")) for c in saved["columns"]),
                    "passes": saved.get("streaming", {}).get("passes", ""),
                    "state_MiB": saved.get("streaming", {}).get("state_bytes", 0) / 2**20 or None,
                    "load_1m": round(os.getloadavg()[0], 1),  # the machine is shared: say how busy
                }
                rows_out.append(row)
                raw.append({**row, "found": found, "expected_shifted": SHIFTED,
                            "parquet_bytes": size, "generate_s": gen,
                            "progress": _progress_excerpt(work / f"{eng}.log"),
                            "columns": saved["columns"]})  # fmt: skip
                print(f"  {eng:<6} {n:>11,} rows/side: {r['seconds']:7.1f} s wall, "
                      f"{r['peak_rss_mib']:6.0f} MiB peak, {r['cpu_seconds']:6.1f} s CPU, "
                      f"drifted {row['drifted']} {found}", flush=True)  # fmt: skip
            if len(decisions) == 2:
                same = sum(decisions["stream"][c] == decisions["memory"][c] for c in decisions["memory"])
                print(f"  stream vs memory decisions: {same}/{len(decisions['memory'])} equal")
                for row in rows_out[-2:]:
                    row["same_as_memory"] = f"{same}/{len(decisions['memory'])}"
        finally:
            if args.keep:
                print(f"kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)

    if args.append and (RESULTS / "drift_streaming.json").exists():
        before = json.loads((RESULTS / "drift_streaming.json").read_text())
        done = {(r["rows_per_side"], r["engine"]) for r in rows_out}
        rows_out = sorted([r for r in before["rows"] if (r["rows_per_side"], r["engine"]) not in done]
                          + rows_out, key=lambda r: (r["rows_per_side"], r["engine"] != "stream"))
        raw = [r for r in before["runs"] if (r["rows_per_side"], r["engine"]) not in done] + raw
    print()
    print(table(rows_out, ["rows_per_side", "engine", "seconds", "peak_rss_MiB", "cpu_s",
                           "Mrows_per_s", "drifted", "approximate", "borderline", "passes",
                           "state_MiB", "same_as_memory", "load_1m"]))  # fmt: skip
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for eng, marker in (("stream", "o"), ("memory", "s")):
        pts = [(r["rows_per_side"], r["seconds"], r["peak_rss_MiB"]) for r in rows_out if r["engine"] == eng]
        if pts:
            x, t, m = zip(*pts, strict=True)
            a1.plot(x, t, marker=marker, label=eng)
            a2.plot(x, m, marker=marker, label=eng)
    a1.axhline(300, color="grey", ls="--", lw=1, label="goal: 5 min at 20M")
    a2.axhline(1536, color="grey", ls="--", lw=1, label="goal: 1.5 GiB")
    for ax, label in ((a1, "wall seconds"), (a2, "peak RSS MiB")):
        ax.set_xscale("log")
        ax.set_xlabel("rows per side (25 columns, partitioned Parquet)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    fig.suptitle("ctloop drift: streaming vs in-memory (2 cores, shared machine)")
    fig.tight_layout()
    fig.savefig(RESULTS / "drift_streaming.png", dpi=110)
    print(f"wrote {save('drift_streaming', {'rows': rows_out, 'runs': raw})} and "
          f"{RESULTS / 'drift_streaming.png'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

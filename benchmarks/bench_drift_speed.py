"""How fast is drift detection, and does it agree with evidently?

ctloop (``ctloop.drift``: evidently's DataDriftPreset rules on NumPy arrays; ``ctloop_stream``: the
same rules from mergeable per-chunk state, ``ctloop.drift.streaming``) against
evidently 0.7's own ``Report([DataDriftPreset()])`` and a plain scipy/pandas per-column loop, on
the same frames: 20 numeric + 5 categorical columns, reference and current of N rows each, with
a shift in 6 numeric and 2 categorical columns. Every (tool, N) runs in a fresh process so peak
memory is that run's own: ``extra MiB`` = peak RSS during the run (the kernel's peak mark is
reset after the frames are built) − RSS before it; ``frames MiB`` = what building the two
frames added to the RSS.

    python benchmarks/bench_drift_speed.py                 # 10k, 100k, 1M (+5M ctloop only)
    python benchmarks/bench_drift_speed.py --sizes 10000,100000 --evidently-max 100000

Writes benchmarks/results/drift_speed.{json,png}.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from _common import RESULTS, save, table

HERE = Path(__file__).resolve().parent


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_frames(n: int, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    cats = [np.array([f"{j}-{k}" for k in range(6 + 2 * j)], dtype=object) for j in range(5)]

    def side(shift: float):
        cols = {}
        for i in range(20):
            s = shift if i < 6 else 0.0
            cols[f"num_{i:02d}"] = rng.normal(s, 1.0 + 0.1 * (i % 4), n) if i % 2 else rng.lognormal(s / 2, 0.7, n)
        for j in range(5):
            p = np.full(len(cats[j]), 1.0 / len(cats[j]))
            if shift and j < 2:
                p[0] += 0.15
                p /= p.sum()
            cols[f"cat_{j}"] = cats[j][rng.choice(len(cats[j]), n, p=p)]
        return pd.DataFrame(cols)

    return side(0.0), side(0.25)


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux >= 4.0), so the peak measured
    afterwards is the run's own and not the frames' construction."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(tool: str, n: int) -> dict:
    import gc
    import warnings

    warnings.simplefilter("ignore")
    import os

    import numpy  # noqa: F401 - its import is not frame memory
    import pandas  # noqa: F401

    gc.collect()
    before_frames = rss_mib()
    ref, cur = make_frames(n)
    gc.collect()
    # what the two frames really occupy (pandas' deep memory_usage counts a shared string once
    # per cell, overstating the 5 object columns several times over)
    frames_mib = rss_mib() - before_frames
    if tool == "evidently":  # import before the baseline: import cost is not memory of the run
        from evidently import Report
        from evidently.presets import DataDriftPreset
    else:
        from ctloop.drift import engine as core  # noqa: F401
        from ctloop.drift import report
    # One untimed warm-up call on a 2,000-row slice for the statistics paths (lazy imports and
    # first-call set-up are not charged to N: a benchmark measures the steady state); the whole step
    # (ctloop_step) is timed cold: it pays importing evidently and its first render.
    if tool == "ctloop":
        core.detect(ref.head(2000), cur.head(2000))
    elif tool == "ctloop_stream":
        from concurrent.futures import ThreadPoolExecutor

        from ctloop.drift import streaming

        def stream(r, c):  # mergeable per-chunk state, as `ctloop drift --engine stream`
            states = []
            with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
                for frame in (r, c):
                    st = streaming.DriftState()
                    for i in range(0, len(frame), streaming.DEFAULT_BATCH_ROWS):
                        st.update(frame.iloc[i:i + streaming.DEFAULT_BATCH_ROWS], pool=pool)
                    states.append(st)
            return streaming.compare(*states)

        stream(ref.head(2000), cur.head(2000))
    elif tool == "evidently":
        Report([DataDriftPreset()]).run(current_data=cur.head(2000), reference_data=ref.head(2000)).dict()
    elif tool == "scipy":
        from scipy.spatial import distance  # noqa: F401
        from scipy.stats import wasserstein_distance  # noqa: F401
    gc.collect()
    base = rss_mib()
    reset_peak_rss()
    t = time.perf_counter()
    if tool == "ctloop":
        res = core.detect(ref, cur)
        decisions = {c.column: c.drifted for c in res.columns}
        scores = {c.column: c.score for c in res.columns}
    elif tool == "ctloop_stream":
        res = stream(ref, cur)
        decisions = {c.column: c.drifted for c in res.columns}
        scores = {c.column: c.score for c in res.columns}
    elif tool == "ctloop_step":  # statistics on the full data + evidently HTML on a 20k sample
        import tempfile

        res = core.detect(ref, cur)
        with tempfile.TemporaryDirectory() as tmp:
            report.render_html(ref, cur, columns=list(ref.columns), path=f"{tmp}/r.html", sample_size=20000)
        decisions = {c.column: c.drifted for c in res.columns}
        scores = {c.column: c.score for c in res.columns}
    elif tool == "scipy":
        import numpy as np
        from scipy.spatial import distance
        from scipy.stats import wasserstein_distance

        decisions, scores = {}, {}
        for col in ref.columns:
            if col.startswith("num"):
                r, c = ref[col].to_numpy(), cur[col].to_numpy()
                s = wasserstein_distance(r, c) / max(np.std(r), 0.001)
            else:
                keys = sorted(set(ref[col].unique()) | set(cur[col].unique()))
                rp = ref[col].value_counts(normalize=True).reindex(keys, fill_value=0).to_numpy()
                cp = cur[col].value_counts(normalize=True).reindex(keys, fill_value=0).to_numpy()
                s = distance.jensenshannon(rp, cp)
            scores[col], decisions[col] = float(s), bool(s >= 0.1)
    elif tool == "evidently":
        snap = Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
        decisions, scores = {}, {}
        for m in snap.dict()["metrics"]:
            mid = m.get("metric_id") or m["metric_name"]
            if mid.startswith("ValueDrift(column="):
                col = mid[len("ValueDrift(column="):].split(",")[0]
                thr = float(mid.split("threshold=")[1].rstrip(")"))
                scores[col], decisions[col] = float(m["value"]), float(m["value"]) >= thr
    else:
        raise SystemExit(f"unknown tool {tool}")
    seconds = time.perf_counter() - t
    peak = peak_rss_mib()
    return {"tool": tool, "rows": n, "seconds": seconds, "frames_mib": frames_mib,
            "extra_mib": max(peak - base, 0.0), "decisions": decisions, "scores": scores}


def child(tool: str, n: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", tool, str(n)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{tool} at {n} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--one", nargs=2, metavar=("TOOL", "N"))
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--ctloop-extra", default="5000000", help="sizes for ctloop only")
    ap.add_argument("--evidently-max", type=int, default=1_000_000)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    extra = [int(s) for s in args.ctloop_extra.split(",") if s]
    rows, raw = [], []
    for n in sizes + extra:
        runs = {}
        tools = ["ctloop", "ctloop_stream", "ctloop_step", "scipy"] + (
            ["evidently"] if n <= args.evidently_max else []
        )
        if n in extra and n not in sizes:
            tools = ["ctloop", "ctloop_stream", "ctloop_step"]
        for tool in tools:
            r = child(tool, n)
            runs[tool] = r
            raw.append(r)
            print(f"  {tool:<12} {n:>9,} rows: {r['seconds']:8.2f} s, +{r['extra_mib']:.0f} MiB "
                  f"(frames {r['frames_mib']:.0f} MiB)", flush=True)
        ref = runs.get("evidently")
        for tool, r in runs.items():
            agree = ""
            max_rel = ""
            if ref and tool != "evidently":
                same = [r["decisions"][c] == ref["decisions"][c] for c in ref["decisions"]]
                agree = f"{sum(same)}/{len(same)}"
                rel = [abs(r["scores"][c] - ref["scores"][c]) / max(abs(ref["scores"][c]), 1e-12) for c in ref["scores"]]
                max_rel = f"{max(rel) * 100:.3f}%"
            rows.append({"rows": n, "tool": tool, "seconds": r["seconds"], "extra_MiB": r["extra_mib"],
                         "frames_MiB": r["frames_mib"], "mem_ratio": r["extra_mib"] / r["frames_mib"],
                         "x_faster_than_evidently": (ref["seconds"] / r["seconds"]) if ref else None,
                         "decisions_agree": agree, "max_score_diff": max_rel})
    print()
    print(table(rows, ["rows", "tool", "seconds", "extra_MiB", "frames_MiB", "mem_ratio",
                       "x_faster_than_evidently", "decisions_agree", "max_score_diff"]))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for tool in ("ctloop", "ctloop_stream", "ctloop_step", "scipy", "evidently"):
        pts = [(r["rows"], r["seconds"]) for r in rows if r["tool"] == tool]
        if pts:
            ax.plot(*zip(*pts, strict=True), marker="o", label=tool)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows per frame (reference = current), 25 columns")
    ax.set_ylabel("seconds")
    ax.set_title("Drift detection time (lower is better)")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "drift_speed.png", dpi=110)
    print(f"wrote {save('drift_speed', {'rows': rows})} and {RESULTS / 'drift_speed.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Monitoring a production day in bounded memory: monitor_model's core over an inference log of N
logged predictions (labels for 10%), streamed in one process, fanned out over 8 partitions, and
the old in-memory path (``read_log`` + ``judge``) side by side where it fits.

The log is generated on disk in the sink's layout (two days, two revisions, files of 250,000 rows
— the sink writes smaller files; fewer files keep generation fast — with 0.1% replayed rows and
0.05% requests split into request/response halves in other files), 8 demo-like features, labels
for 10% of the request ids. Free disk is checked first; the data is deleted afterwards.

Each path runs as a child process; wall time from here, peak RSS and CPU from the kernel
(``os.wait4``). ``fanout8`` runs the plan, the 8 partition cores and the merge in one child, in
sequence, each partition through its artifact directory as the KFP tasks do: its peak RSS is an
upper bound of one partition pod's. Every path prints its judgement; the table says whether they
are identical.

    .venv/bin/python benchmarks/bench_monitor_scale.py                 # 1M rows (make bench)
    .venv/bin/python benchmarks/bench_monitor_scale.py 1000000 20000000 100000000 --memory-max 5000000
    .venv/bin/python benchmarks/bench_monitor_scale.py 50000000 --add   # one more size into the same table
    .venv/bin/python benchmarks/bench_monitor_scale.py 100000000 --keep /data/bench  # reuse a generated log
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, machine, run_child, save, table  # noqa: E402

MODEL = "demo"
END = "2026-01-05T12:00:00+00:00"
FILE_ROWS = 250_000
BYTES_PER_ROW = 90  # on disk, measured at 1M rows (zstd Parquet)


def champion():
    import numpy as np
    import pandas as pd

    from ctloop.monitoring.champion import Champion

    rng = np.random.default_rng(0)
    n = 20_000
    ref = pd.DataFrame({"income": rng.lognormal(10, 0.5, n), "age": rng.integers(18, 80, n),
                        "debt_ratio": rng.beta(2, 5, n), "credit_lines": rng.poisson(4, n),
                        "utilisation": rng.uniform(0, 1, n), "tenure": rng.exponential(5, n),
                        "region": rng.choice(["n", "s", "e", "w", "c"], n),
                        "employment": rng.choice(["salaried", "self", "none"], n)})
    return Champion("1", "classification", list(ref.columns), [0, 1], ref, {"roc_auc": 0.8},
                    pd.Timestamp("2026-01-01T00:00:00Z"))


def config(root: str, labels: str):
    from ctloop.config import MonitoringConfig

    return MonitoringConfig.from_dict({"log_root": root, "window": "1D", "labels_root": labels,
                                       "label_lookback": "1D", "min_labels": 200})


# ---------------------------------------------------------------------------- data
def generate(root: Path, rows: int, seed: int = 1) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    end = np.datetime64("2026-01-05T12:00:00", "s")
    labels = []
    written = 0
    for number, start in enumerate(range(0, rows, FILE_ROWS)):
        n = min(FILE_ROWS, rows - start)
        ids = np.arange(start, start + n)
        seconds = rng.integers(1, 86_400, n)
        times = pa.array((end - seconds.astype("timedelta64[s]")).astype("datetime64[s]"))
        label = rng.integers(0, 2, n)
        p = np.clip(0.5 + (label - 0.5) * 0.4 + rng.normal(0, 0.25, n), 0.01, 0.99)
        cols = {
            "income": rng.lognormal(10 + 0.05 * (number % 3), 0.5, n), "age": rng.integers(18, 80, n),
            "debt_ratio": rng.beta(2, 5, n), "credit_lines": rng.poisson(4, n), "utilisation": rng.uniform(0, 1, n),
            "tenure": rng.exponential(5, n), "region": rng.choice(["n", "s", "e", "w", "c"], n),
            "employment": rng.choice(["salaried", "self", "none"], n), "prediction_0": 1 - p, "prediction_1": p,
            "request_id": pc.binary_join_element_wise("req-", pa.array(ids).cast(pa.string()), ""),
            "instance": np.zeros(n, dtype=np.int64), "model": MODEL, "namespace": "ctloop",
            "revision": f"{MODEL}-predictor-0000{1 + number % 2}", "model_version": str(1 + number % 2),
            "component": "predictor", "time": pc.strftime(times, format="%Y-%m-%dT%H:%M:%S+00:00"),
            "has_request": np.ones(n, dtype=bool), "has_response": np.ones(n, dtype=bool),
        }
        table_ = pa.table({k: (v if isinstance(v, (pa.Array, np.ndarray)) else pa.array([v] * n))
                           for k, v in cols.items()})
        days = pc.strftime(times, format="%Y-%m-%d")
        for day in pc.unique(days).to_pylist():
            part = table_.filter(pc.equal(days, day))
            d = root / f"model={MODEL}" / f"date={day}" / f"revision={MODEL}-predictor-0000{1 + number % 2}"
            d.mkdir(parents=True, exist_ok=True)
            pq.write_table(part, d / f"part-{number:06d}.parquet", compression="zstd")
            if number % 50 == 0:  # at-least-once: 0.1% of rows replayed into another file
                pq.write_table(part.slice(0, max(1, part.num_rows // 50)), d / f"replay-{number:06d}.parquet")
            if number % 100 == 0:  # halves written by two replicas: 0.05% of requests
                half = part.slice(part.num_rows // 2, max(1, part.num_rows // 100))
                req = half.set_column(half.schema.get_field_index("has_response"), "has_response",
                                      pa.array([False] * half.num_rows))
                resp = half.set_column(half.schema.get_field_index("has_request"), "has_request",
                                       pa.array([False] * half.num_rows))
                pq.write_table(req, d / f"halfreq-{number:06d}.parquet")
                pq.write_table(resp, d / f"halfresp-{number:06d}.parquet")
        keep = rng.random(n) < 0.10
        labels.append(pa.table({"request_id": cols["request_id"].filter(pa.array(keep)),
                                "label": pa.array(label[keep].astype(float)),
                                "label_time": pa.array(["2026-01-05T13:00:00+00:00"] * int(keep.sum()))}))
        written += n
    (root.parent / "labels" / "labels").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.concat_tables(labels), root.parent / "labels" / "labels" / "part-0.parquet")


# ---------------------------------------------------------------------------- children
def child(mode: str, root: str, labels: str, work: str) -> dict:
    import pandas as pd

    from ctloop.components.monitor import core
    from ctloop.components.monitor.steps import read_labels as label_index
    from ctloop.inference_log.reader import read_log
    from ctloop.labels.store import read_labels
    from ctloop.monitoring import window as W

    champ, cfg = champion(), config(root, labels)
    bounds = core.bounds(pd.Timestamp(END), cfg)
    common = dict(champion=champ, history=[], previous=None, cfg=cfg, model_name=MODEL)
    if mode == "memory":
        result = core.judge(window=bounds, logs=read_log(root, MODEL, bounds.read_from, bounds.end),
                            labels=read_labels(labels), **common)
    else:
        spec = core.window_spec(bounds, champ, None, cfg)
        index = label_index(cfg)  # what monitor_model's tasks read: the store's index, streamed
        if mode == "stream":
            state = W.collect(root, MODEL, spec, index)
        else:
            plan = W.plan(root, MODEL, spec, 8)
            plan.save(f"{work}/plan")
            plan = W.Plan.load(f"{work}/plan")
            for i in range(8):
                W.collect_partition(plan, i, index).save(f"{work}/part{i}")
            state = W.merge_partials([W.Partial.load(f"{work}/part{i}", index) for i in range(8)], index)
        del index  # as monitor_model: the state holds the index and drops it once joined
        result = core.judge_state(state=state, labels=None, consume=True, **common)
    return {"record": result.record, "verdict": [result.verdict.fire, result.verdict.rule, result.verdict.reason],
            "drift_scores": {k: round(v, 9) for k, v in result.drift_scores.items()},
            "series": {k: round(v, 9) for k, v in result.series.items()}, "tags": result.tags}


def differences(a: dict, b: dict) -> str:
    """``identical``, ``same decisions`` (verdict, per-column drift decisions and every count equal;
    scores differ: the in-memory engine is exact where the streaming sketches are approximate,
    docs/drift.md), else what differs."""
    if a == b:
        return "identical"
    counts = [k for k in a["record"] if k not in ("drift_share", "realized")]
    same = (a["verdict"][:2] == b["verdict"][:2] and all(a["record"][k] == b["record"][k] for k in counts)
            and all(a["series"].get(f"drifted_{c}") == b["series"].get(f"drifted_{c}") for c in a["drift_scores"]))
    if same:
        gap = max([abs(a["drift_scores"][c] - b["drift_scores"].get(c, 0)) for c in a["drift_scores"]] or [0])
        return f"same decisions (max drift score gap {gap:.2g})"
    diff = sorted(k for k in {**a["series"], **b["series"]} if a["series"].get(k) != b["series"].get(k))
    return "DIFFERENT: " + ", ".join(diff[:6])


def run(mode: str, root: Path, labels: Path) -> dict:
    work = tempfile.mkdtemp(prefix="ctloop-bench-work-")
    code, out, log, wall, usage = run_child([sys.executable, __file__, "--child", mode, str(root), str(labels), work])
    shutil.rmtree(work, ignore_errors=True)
    if code != 0:
        return {"path": mode, "error": (log.strip().splitlines() or ["killed"])[-1][:200], "wall_s": round(wall, 1),
                "peak_rss_mib": round(usage.ru_maxrss / 1024)}
    return {"path": mode, "wall_s": round(wall, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mib": round(usage.ru_maxrss / 1024), "judgement": json.loads(out.strip().splitlines()[-1]),
            "progress": [line for line in log.splitlines() if "(done)" in line][-2:]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1_000_000], help="logged rows per run")
    ap.add_argument("--memory-max", type=int, default=5_000_000, help="largest size the in-memory path runs at")
    ap.add_argument("--workdir", default=None, help="where to write the data (default: $TMPDIR)")
    ap.add_argument("--paths", default="stream,fanout8,memory",
                    help="which paths to run, comma-separated (memory only up to --memory-max)")
    ap.add_argument("--add", action="store_true",
                    help="keep the sizes of results/monitor_scale.json this run does not measure (one table over runs)")
    ap.add_argument("--keep", default=None, metavar="DIR",
                    help="generate each size's data into DIR/<rows> and keep it; reuse it when it is there "
                         "(its generated.json says it is complete)")
    ap.add_argument("--child", nargs=4, metavar=("MODE", "ROOT", "LABELS", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*args.child), default=str))
        return 0
    rows, results = [], []
    for size in args.sizes:
        kept = Path(args.keep) / str(size) if args.keep else None
        reuse = kept is not None and (kept / "generated.json").exists()
        if kept is not None:
            kept.mkdir(parents=True, exist_ok=True)
        base = kept or Path(tempfile.mkdtemp(prefix="ctloop-bench-monitor-", dir=args.workdir))
        need = 0 if reuse else size * BYTES_PER_ROW * 1.3
        free = shutil.disk_usage(base).free
        if free < need:
            print(f"skipping {size:,} rows: needs ~{need / 2**30:.1f} GiB of disk, {free / 2**30:.1f} GiB free")
            if kept is None:
                shutil.rmtree(base)
            continue
        try:
            t = time.monotonic()
            if reuse:
                gen = json.loads((kept / "generated.json").read_text()).get("generate_s")  # None: not timed
            else:
                shutil.rmtree(base / "log", ignore_errors=True)
                shutil.rmtree(base / "labels", ignore_errors=True)
                generate(base / "log", size)
                gen = time.monotonic() - t
                if kept is not None:
                    (kept / "generated.json").write_text(json.dumps({"rows": size, "generate_s": round(gen)}))
            disk = sum(f.stat().st_size for f in (base / "log").rglob("*.parquet"))
            took = "" if gen is None else f" in {gen:.0f} s"
            print(f"{size:,} rows {'reused from ' + str(kept) if reuse else 'generated'}{took} "
                  f"({disk / 2**20:,.0f} MiB)", flush=True)
            paths = args.paths.split(",")
            runs = [run(m, base / "log", base / "labels") for m in ("stream", "fanout8") if m in paths]
            if size <= args.memory_max and "memory" in paths:
                runs.append(run("memory", base / "log", base / "labels"))
            first = runs[0].get("judgement", {})
            for r in runs:
                rec = r.get("judgement", {}).get("record", {})
                rows.append({"rows": size, "path": r["path"], "wall_s": r["wall_s"], "cpu_s": r.get("cpu_s"),
                             "peak_rss_mib": r["peak_rss_mib"], "window_rows": rec.get("rows"),
                             "realized_rows": rec.get("realized_rows"),
                             "vs_stream": differences(first, r["judgement"]) if "judgement" in r else r.get("error")})
                print(table([rows[-1]], list(rows[-1])), flush=True)
            results.append({"rows": size, "disk_mib": round(disk / 2**20), "generate_s": None if gen is None else round(gen),
                            "runs": runs})
        finally:
            if kept is None:
                shutil.rmtree(base, ignore_errors=True)
    stamp = machine()["date"]
    for r in rows:
        r["measured"] = stamp
    previous = RESULTS / "monitor_scale.json"
    if args.add and previous.exists():
        old = json.loads(previous.read_text())
        for r in old["table"]:
            r.setdefault("measured", old["machine"]["date"])
        measured = {r["rows"] for r in results}
        rows = sorted([r for r in old["table"] if r["rows"] not in measured] + rows, key=lambda r: r["rows"])
        results = sorted([r for r in old["results"] if r["rows"] not in measured] + results, key=lambda r: r["rows"])
    text = table(rows, ["rows", "path", "wall_s", "cpu_s", "peak_rss_mib", "window_rows", "realized_rows",
                        "vs_stream", "measured"])
    print(text)
    save("monitor_scale", {"results": results, "table": rows})
    (RESULTS / "monitor_scale.md").write_text(f"# bench_monitor_scale ({machine()['date']}, shared 2-core machine)\n\n"
                                              f"```\n{text}\n```\n")
    plot(rows)
    return 0


def plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for path in ("stream", "fanout8", "memory"):
        pts = [(r["rows"], r["wall_s"], r["peak_rss_mib"]) for r in rows if r["path"] == path and r["cpu_s"]]
        if pts:
            x, w, m = zip(*pts, strict=True)
            a.plot(x, w, "o-", label=path)
            b.plot(x, m, "o-", label=path)
    for ax, label in ((a, "wall (s)"), (b, "peak RSS (MiB)")):
        ax.set_xscale("log")
        ax.set_xlabel("logged predictions in the window")
        ax.set_ylabel(label)
        ax.legend()
    b.axhline(2048, color="grey", ls=":", lw=1)
    fig.suptitle("monitor_model core: streamed, 8-way fan-out (in sequence), in memory")
    fig.tight_layout()
    fig.savefig(RESULTS / "monitor_scale.png", dpi=110)


if __name__ == "__main__":
    sys.exit(main())

"""Joining a logged window with a label store of months: the old path (``join_labels`` over
``read_labels``: every label read as text) and the new one (``join_store``: the store's index of
hashes, ``index_store``, then the candidate join) side by side, per store size.

What the canary's quality check does at each step (and ``ctloop labels report`` once): a small
window of logged rows (``--window`` rows, default 5,000: half of them labelled) joined with every
label of the store. The store is written with the real ``ingest_labels`` in files of 500,000 labels
(request ids of 20 characters, float labels), then 5 % of the keys relabelled in a later file (the
latest label wins) and labels of 1 % keys never logged.

Each path runs as a child process (and the data is generated in another: a child forked from a
big parent would inherit its peak RSS). Wall and CPU time from here (``os.wait4``); in the child,
``join_s`` is the time of the join call (``index_s`` of it building the store's index),
``peak_rss_mib`` its peak RSS (``VmHWM``) and ``join_mib`` the peak above its RSS before the join
(the window read, everything imported). ``kept`` is a canary step after the first: the index kept
by ``StoreIndex`` (the store listed, not read), ``held_mib`` what it keeps between steps. The
``result`` column says whether the JoinResult (frame, dtypes, skipped batched rows, description)
is identical to the old path's.

    .venv/bin/python benchmarks/bench_label_join.py                     # 100k, 1M, 3M labels
    .venv/bin/python benchmarks/bench_label_join.py 10000000 --window 20000
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

FILE_ROWS = 500_000
MODEL = "demo"
DAY = "2026-01-05"


def ids(numbers) -> list[str]:
    return [f"req-{v:016x}" for v in numbers]


def generate(base: Path, labels: int, window: int, seed: int = 1) -> None:
    """The store (via ``ingest_labels``, one source file per ``FILE_ROWS``) and the window's log."""
    import numpy as np
    import pandas as pd

    from ctloop.labels.store import ingest_labels

    rng = np.random.default_rng(seed)
    keys = rng.choice(2**62, size=labels, replace=False)
    src = base / "src.parquet"
    store = str(base / "store")

    def ingest(numbers, label_time: str) -> None:
        pd.DataFrame({"request_id": ids(numbers), "label": rng.integers(0, 2, len(numbers)).astype(float),
                      "label_time": label_time}).to_parquet(src, index=False)
        ingest_labels(str(src), store)

    for start in range(0, labels, FILE_ROWS):
        ingest(keys[start:start + FILE_ROWS], "2026-01-05T13:00:00+00:00")
    relabel = keys[rng.random(labels) < 0.05]
    ghosts = rng.choice(2**62, size=max(1, labels // 100)) + 2**62  # keys no window logged
    ingest(np.r_[relabel, ghosts], "2026-01-06T09:00:00+00:00")
    src.unlink()
    logged = np.r_[rng.choice(keys, size=window // 2, replace=False), rng.choice(2**62, size=window - window // 2) + 2**62]
    p = rng.random(window)
    frame = pd.DataFrame({"request_id": ids(logged), "instance": 0, "prediction_0": 1 - p, "prediction_1": p,
                          "model": MODEL, "revision": f"{MODEL}-predictor-00002", "model_version": "2",
                          "time": f"{DAY}T12:00:00+00:00", "has_request": True, "has_response": True})
    d = base / "log" / f"model={MODEL}" / f"date={DAY}" / f"revision={MODEL}-predictor-00002"
    d.mkdir(parents=True)
    frame.to_parquet(d / "part-0.parquet", index=False)


# ---------------------------------------------------------------------------- children
def rss_mib(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(mode: str, base: str) -> dict:
    import pandas as pd

    from ctloop.inference_log.reader import read_log
    from ctloop.labels import join
    from ctloop.labels.store import read_labels

    logs = read_log(f"{base}/log", MODEL, pd.Timestamp(f"{DAY}T00:00:00Z"), pd.Timestamp(f"{DAY}T23:00:00Z"))
    store = f"{base}/store"
    index_s = held = None
    if mode == "kept":
        kept = join.StoreIndex(store)
        kept.get()  # the first step built it
        index = kept.get()
        held = sum(a.nbytes for a in (index.id1, index.id2, index.hashes)) + index.label.memory_usage(deep=True)
    before = rss_mib("VmRSS")
    t = time.perf_counter()
    if mode == "old":
        result = join.join_labels(logs, read_labels(store))
    elif mode == "new":
        index = join.index_store(store)
        index_s = time.perf_counter() - t
        result = join.join_index(logs, index)
    else:
        result = join.join_index(logs, kept.get())
    join_s = time.perf_counter() - t
    frame = result.frame
    digest = int(pd.util.hash_pandas_object(frame, index=True).sum()) if len(frame) else 0
    return {"logged": len(logs), "joined": len(frame), "join_s": join_s, "index_s": index_s,
            "peak_rss_mib": rss_mib("VmHWM"), "join_mib": rss_mib("VmHWM") - before,
            "held_mib": None if held is None else held / 2**20,
            "result": [digest, list(map(str, frame.dtypes)), result.skipped_batched, result.describe()]}


def run(mode: str, base: Path, *extra: str) -> dict:
    code, out, log, wall, usage = run_child([sys.executable, __file__, "--child", mode, str(base), *extra])
    if code != 0:
        return {"path": mode, "error": (log.strip().splitlines() or ["killed"])[-1][:200], "wall_s": round(wall, 2)}
    return {"path": mode, "wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            **json.loads(out.strip().splitlines()[-1])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000, 3_000_000], help="labels in the store")
    ap.add_argument("--window", type=int, default=5_000, help="logged rows in the window")
    ap.add_argument("--workdir", default=None, help="where to write the data (default: $TMPDIR)")
    ap.add_argument("--child", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, base, *extra = args.child
        if mode == "generate":
            generate(Path(base), *map(int, extra))
            print(json.dumps({}))
        else:
            print(json.dumps(child(mode, base), default=str))
        return 0
    rows, results = [], []
    for size in args.sizes:
        base = Path(tempfile.mkdtemp(prefix="ctloop-bench-labels-", dir=args.workdir))
        try:
            made = run("generate", base, str(size), str(args.window))
            if "error" in made:
                raise SystemExit(f"generating {size:,} labels failed: {made['error']}")
            disk = sum(f.stat().st_size for f in (base / "store").rglob("*.parquet"))
            print(f"{size:,} labels ingested in {made['wall_s']:.0f} s ({disk / 2**20:,.0f} MiB)", flush=True)
            runs = {m: run(m, base) for m in ("old", "new", "kept")}
            for mode, r in runs.items():
                rows.append({"labels": size, "path": mode, "window": args.window, "wall_s": r["wall_s"],
                             "cpu_s": r.get("cpu_s"), **{k: None if r.get(k) is None else round(r[k], 2)
                                                          for k in ("join_s", "index_s")},
                             **{k: None if r.get(k) is None else round(r[k]) for k in
                                ("peak_rss_mib", "join_mib", "held_mib")},
                             "joined": r.get("joined"),
                             "result": r.get("error") or ("identical" if r["result"] == runs["old"].get("result")
                                                          else "DIFFERENT")})
                print(table([rows[-1]], list(rows[-1])), flush=True)
            results.append({"labels": size, "window": args.window, "disk_mib": round(disk / 2**20), "runs": runs})
        finally:
            shutil.rmtree(base, ignore_errors=True)
    columns = ["labels", "path", "window", "wall_s", "cpu_s", "join_s", "index_s", "peak_rss_mib", "join_mib",
               "held_mib", "joined", "result"]
    text = table(rows, columns)
    print(text)
    facts = machine()
    save("label_join", {"results": results, "table": rows})
    (RESULTS / "label_join.md").write_text(
        f"# bench_label_join ({facts['date']}, {facts['cpus']} cores shared, load {facts['loadavg_1m']})\n\n"
        f"`.venv/bin/python benchmarks/bench_label_join.py {' '.join(map(str, args.sizes))} --window {args.window}`"
        "\n\nold = `join_labels(logs, read_labels(root))`; new = `join_store(logs, root)` (`index_store` + "
        "`join_index`: a report, a canary's first step); kept = a canary step after the first (`StoreIndex`: "
        "the store listed, its index kept). `join_mib` = peak RSS above the RSS before the join; `held_mib` = "
        "what the kept index holds between steps.\n\n"
        f"```\n{text}\n```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How much does reading the inference log for a monitoring window cost, and what does joining
the half rows of two sink replicas add?

Writes one day of logged traffic in the sink's layout (``model=/date=/revision=/part-*.parquet``,
one file per 10,000 rows, 25 feature columns + 2 prediction columns) and times, side by side:

* ``pyarrow``: ``pandas.read_parquet`` of each of the day's files, concatenated (the floor:
  only I/O and decoding);
* ``read_log``: ``ctloop.inference_log.reader.read_log`` for one hour of it (what monitoring calls: the day's
  partitions, time parsing, the merge of duplicate and half rows, the period filter);
* ``read_log_split``: the same with 2 % of the requests written as two half rows, as two sink
  replicas write a request and its response that reached different pods.

    python benchmarks/bench_log_read.py [ROWS ...]      # default 100000 1000000

Prints a table, writes ``results/log_read.json`` and ``results/log_read.png``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from _common import RESULTS, save, sizes_from_argv, table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SPLIT_SHARE = 0.02
FILE_ROWS = 10_000


def write_day(root: Path, rows: int, split_share: float) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    day = pd.Timestamp("2026-12-01T00:00:00Z")
    frame = pd.DataFrame({f"f{i}": rng.normal(size=rows) for i in range(25)})
    frame["prediction_0"] = rng.random(rows)
    frame["prediction_1"] = 1 - frame["prediction_0"]
    frame["request_id"] = [f"req-{i:09d}" for i in range(rows)]
    frame["instance"] = 0
    frame["model"], frame["namespace"], frame["component"] = "credit-default", "ctloop", "predictor"
    frame["model_version"], frame["revision"] = "3", "v3"
    offsets = np.sort(rng.uniform(0, 86_399, rows))
    frame["time"] = [(day + pd.Timedelta(seconds=float(s))).isoformat() for s in offsets]
    frame["has_request"] = frame["has_response"] = True
    split = rng.random(rows) < split_share
    requests = frame[split].assign(has_response=False, prediction_0=np.nan, prediction_1=np.nan,
                                   model_version="", revision="unknown")
    responses = frame[split].drop(columns=[f"f{i}" for i in range(25)]).assign(has_request=False)
    out = root / "model=credit-default" / "date=2026-12-01"
    for name, part in (("v3", pd.concat([frame[~split], responses])), ("unknown", requests)):
        folder = out / f"revision={name}"
        folder.mkdir(parents=True, exist_ok=True)
        for i, start in enumerate(range(0, len(part), FILE_ROWS)):
            part.iloc[start:start + FILE_ROWS].to_parquet(folder / f"part-{i:05d}.parquet", index=False)


def timed(fn, repeats: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def measure(rows: int) -> list[dict]:
    import pandas as pd

    from ctloop.inference_log.reader import read_log

    start, end = pd.Timestamp("2026-12-01T11:00:00Z"), pd.Timestamp("2026-12-01T12:00:00Z")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, share in (("read_log", 0.0), ("read_log_split", SPLIT_SHARE)):
            root = Path(tmp) / label
            write_day(root, rows, share)
            if share == 0.0:
                files = sorted(root.rglob("*.parquet"))
                floor, frame = timed(lambda files=files: pd.concat([pd.read_parquet(f) for f in files]))
                out.append({"rows": rows, "path": "pyarrow", "seconds": floor, "rows_out": len(frame)})
            seconds, logs = timed(lambda root=root: read_log(str(root), "credit-default", start, end))
            complete = int((logs["has_request"] & logs["has_response"]).sum())
            out.append({"rows": rows, "path": label, "seconds": seconds, "rows_out": len(logs),
                        "complete_rows_out": complete, "vs_pyarrow": seconds / floor})
    return out


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted({r["rows"] for r in results})
    fig, ax = plt.subplots(figsize=(7, 4))
    for name in ("pyarrow", "read_log", "read_log_split"):
        ax.plot(sizes, [next(r["seconds"] for r in results if r["rows"] == n and r["path"] == name) for n in sizes],
                marker="o", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("rows logged that day")
    ax.set_ylabel("seconds (best of 3)")
    ax.set_title("reading one hour of the inference log")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(sizes: list[int]) -> int:
    results = [r for n in sizes for r in measure(n)]
    print(table(results, ["rows", "path", "seconds", "vs_pyarrow", "rows_out", "complete_rows_out"]))
    save("log_read", {"split_share": SPLIT_SHARE, "file_rows": FILE_ROWS, "results": results})
    plot(results, RESULTS / "log_read.png")
    print(f"wrote {RESULTS / 'log_read.json'} and {RESULTS / 'log_read.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sizes_from_argv(__doc__, [100_000, 1_000_000])))

"""Memory of ``ctloop labels ingest``: the whole-file read (``ingest_labels`` as of ``--before``,
default 0a492ee, main before round 38: the source read whole into pandas) and the streamed one
(this tree: batches of ``BATCH_ROWS``, 50,000) side by side in one run, per file size and format.

The label file is what a nightly export looks like: request ids of 20 characters, a 0/1 label,
an ISO 8601 ``label_time`` with an offset. Each ingest runs as a child process (the data is
generated in another), into a new store. In the child, ``ingest_mib`` is the peak RSS
(``VmHWM``, reset via ``/proc/self/clear_refs`` once everything is imported) above the RSS
before the call, ``peak_rss_mib`` the child's peak (the parent stays small: a child forked from a
big parent reports the parent's RSS as its own peak); ``same`` says whether the stored labels equal
the whole-file read's (``label_time`` included).

    .venv/bin/python benchmarks/bench_r38_labels_ingest.py                 # 100k and 1M labels
    .venv/bin/python benchmarks/bench_r38_labels_ingest.py 3000000 --formats csv
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, machine, run_child, save, table  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BEFORE = "0a492ee"


def labels_frame(labels: int, seed: int = 1):
    """A nightly label export: request ids of 20 characters, a 0/1 label, ISO 8601 times with an offset."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    keys = rng.choice(2**62, size=labels, replace=False)
    frame = pd.DataFrame({"request_id": [f"req-{v:016x}" for v in keys], "label": rng.integers(0, 2, labels),
                          "label_time": pd.Timestamp("2026-01-05T10:00:00+01:00")
                          + pd.to_timedelta(rng.integers(0, 86_400, labels), unit="s")})
    frame["label_time"] = frame["label_time"].map(lambda t: t.isoformat())
    return frame


def generate(base: Path, labels: int, seed: int = 1) -> None:
    frame = labels_frame(labels, seed)
    frame.to_csv(base / "labels.csv", index=False)
    frame.to_parquet(base / "labels.parquet", index=False)


def generate_in_child(module: str, base: Path, size: int) -> None:
    """``module.generate(base, size)`` in a child process: a parent that built the frame would lend
    its RSS to every child forked after it."""
    code, _, log, _, _ = run_child([sys.executable, "-c", (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        f"from {module} import generate; from pathlib import Path; "
        f"generate(Path({str(base)!r}), {size})")])
    assert code == 0, log


def ingest_of(path: str, before: str):
    """``ingest_labels`` of this tree, or (``path`` "before") of commit ``before``, loaded from git;
    the modules an ingest imports are imported here, before a caller measures."""
    import types

    import ctloop.labels.store as current

    if path == "before":
        text = subprocess.run(["git", "-C", str(REPO), "show", f"{before}:src/ctloop/labels/store.py"],
                              check=True, capture_output=True, text=True).stdout
        module = types.ModuleType("ctloop.labels.store_before")
        exec(compile(text, "store_before.py", "exec"), module.__dict__)  # noqa: S102 (the repo's own code)
        ingest = module.ingest_labels
    else:
        ingest = current.ingest_labels
    import ctloop.inference_log.scan  # noqa: F401
    import ctloop.labels.join  # noqa: F401
    import ctloop.storage  # noqa: F401

    return ingest


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(path: str, source: str, store: str, before: str) -> dict:
    import pandas  # noqa: F401  (imported before the baseline, as the CLI has it)
    import pyarrow.parquet  # noqa: F401

    ingest = ingest_of(path, before)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    rss = _status("VmRSS")
    started = time.perf_counter()
    rows = ingest(source, store)
    took = time.perf_counter() - started
    return {"rows": rows, "ingest_s": round(took, 2), "rss_before_mib": round(rss, 1),
            "ingest_mib": round(_status("VmHWM") - rss, 1)}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    p.add_argument("--formats", default="csv,parquet")
    p.add_argument("--before", default=BEFORE, help="commit whose ingest_labels reads the file whole")
    p.add_argument("--output", default="r38_labels_ingest")
    p.add_argument("--child", nargs=4, metavar=("PATH", "SOURCE", "STORE", "BEFORE"), help=argparse.SUPPRESS)
    p.add_argument("--compare", nargs=2, metavar=("STORE", "STORE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    if args.compare:  # in a child: a parent holding stored labels would lend its RSS to the next forked child
        from ctloop.labels.store import read_labels

        print("identical" if read_labels(args.compare[0]).equals(read_labels(args.compare[1])) else "DIFFERENT")
        return 0
    rows = []
    for size in args.sizes:
        base = Path(tempfile.mkdtemp(prefix="bench-r38-labels-"))
        try:
            generate_in_child("bench_r38_labels_ingest", base, size)
            for fmt in args.formats.split(","):
                for path in ("before", "after"):
                    store = base / f"store-{fmt}-{path}"
                    code, out, log, wall, usage = run_child([sys.executable, __file__, "--child", path,
                                                             str(base / f"labels.{fmt}"), str(store), args.before])
                    assert code == 0, log
                    row = {"labels": size, "format": fmt, "path": path, **json.loads(out.strip().splitlines()[-1]),
                           "wall_s": round(wall, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}
                    if path == "after":
                        code, out, log, _, _ = run_child([sys.executable, __file__, "--compare",
                                                          str(base / f"store-{fmt}-before"), str(store)])
                        assert code == 0, log
                        row["same"] = out.strip()
                    rows.append(row)
                    print(table([row], list(row)), flush=True)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    columns = ["labels", "format", "path", "rows", "ingest_s", "wall_s", "rss_before_mib", "ingest_mib",
               "peak_rss_mib", "same"]
    text = table(rows, columns)
    m = machine()
    md = (f"# bench_r38_labels_ingest ({m['date']}, {m['cpus']} cores shared, load {m['loadavg_1m']})\n\n"
          f"`.venv/bin/python benchmarks/bench_r38_labels_ingest.py {' '.join(map(str, args.sizes))}`\n\n"
          f"before = `ingest_labels` of {args.before} (the file read whole); after = this tree (batches of "
          "50,000 rows). `ingest_mib` = peak RSS above the RSS before the call.\n\n```\n" + text + "\n```\n")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.output}.md").write_text(md)
    save(args.output, {"rows": rows})
    print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

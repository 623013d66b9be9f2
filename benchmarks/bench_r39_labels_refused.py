"""Memory and time of a *refused* ``ctloop labels ingest``: a nightly label export whose last row
breaks a rule (a ``label_time`` that is not ISO 8601). ``--before`` (default 09530e2, main before
round 39) read the whole file a second time to name the rule; this tree counts and names it in
its one streaming pass. Side by side in one run, per size and format; JSON lines (read since round
39) are measured for this tree only (``--before`` refused them as an unknown format at once).

Each ingest runs as a child process (the data is generated in another), into a new store.
``ingest_mib`` is the child's peak RSS (``VmHWM``, reset once everything is imported) above its RSS
before the call; ``message`` is the first 90 characters of the refusal, which must be the same
before and after (``same``, compared whole), and the store must stay empty (``stored``). "before"
is ``labels/store.py`` of ``--before`` loaded from git and run on this tree's other modules
(storage, contract): what changed is the refusal's second read, not the reader under it.

    .venv/bin/python benchmarks/bench_r39_labels_refused.py                  # 2M labels
    .venv/bin/python benchmarks/bench_r39_labels_refused.py 500000 --formats csv
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
from bench_r38_labels_ingest import _status, generate_in_child, ingest_of, labels_frame  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BEFORE = "09530e2"


def generate(base: Path, labels: int, seed: int = 1) -> None:
    frame = labels_frame(labels, seed)
    frame.loc[labels - 1, "label_time"] = "05/01/2026 10:00"  # the last row breaks the rule
    frame.to_csv(base / "labels.csv", index=False)
    frame.to_parquet(base / "labels.parquet", index=False)
    frame.to_json(base / "labels.jsonl", orient="records", lines=True)


def child(path: str, source: str, store: str, before: str) -> dict:
    import pandas  # noqa: F401  (imported before the baseline, as the CLI has it)
    import pyarrow.parquet  # noqa: F401

    from ctloop.errors import CtloopError

    ingest = ingest_of(path, before)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    rss = _status("VmRSS")
    started = time.perf_counter()
    try:
        ingest(source, store)
        message = "(accepted)"
    except CtloopError as exc:
        message = str(exc)
    took = time.perf_counter() - started
    stored = sum(1 for _ in Path(store).rglob("*.parquet")) if Path(store).exists() else 0
    return {"ingest_s": round(took, 2), "ingest_mib": round(_status("VmHWM") - rss, 1),
            "message": message.replace(source, "FILE"), "stored": stored}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("sizes", nargs="*", type=int, default=[2_000_000])
    p.add_argument("--formats", default="csv,parquet,jsonl")
    p.add_argument("--before", default=BEFORE, help="commit whose refusal read the file whole again")
    p.add_argument("--output", default="r39_labels_refused")
    p.add_argument("--child", nargs=4, metavar=("PATH", "SOURCE", "STORE", "BEFORE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    rows = []
    for size in args.sizes:
        base = Path(tempfile.mkdtemp(prefix="bench-r39-refused-"))
        try:
            generate_in_child("bench_r39_labels_refused", base, size)
            for fmt in args.formats.split(","):
                messages = {}
                for path in ("before", "after") if fmt != "jsonl" else ("after",):
                    source = base / f"labels.{fmt}"
                    code, out, log, wall, usage = run_child([sys.executable, __file__, "--child", path, str(source),
                                                             str(base / f"store-{fmt}-{path}"), args.before])
                    assert code == 0, log
                    result = json.loads(out.strip().splitlines()[-1])
                    messages[path] = result["message"]  # compared whole, shown cut
                    result["message"] = result["message"][:90]
                    row = {"labels": size, "format": fmt, "file_mib": round(source.stat().st_size / 2**20, 1),
                           "path": path, **result, "wall_s": round(wall, 2),
                           "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}
                    if path == "after" and "before" in messages:
                        row["same"] = "yes" if messages["before"] == messages["after"] else "NO"
                    rows.append(row)
                    print(table([row], list(row)), flush=True)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    columns = ["labels", "format", "file_mib", "path", "ingest_s", "wall_s", "ingest_mib", "peak_rss_mib", "stored",
               "same", "message"]
    text = table(rows, columns)
    m = machine()
    md = (f"# bench_r39_labels_refused ({m['date']}, {m['cpus']} cores in common use, load {m['loadavg_1m']})\n\n"
          f"`.venv/bin/python benchmarks/bench_r39_labels_refused.py {' '.join(map(str, args.sizes))}`\n\n"
          f"A label file whose last row breaks a rule. before = `ingest_labels` of {args.before} (the file read "
          "whole a second time to name the rule); after = this tree (one streaming pass). `ingest_mib` = peak "
          "RSS above the RSS before the call.\n\n```\n" + text + "\n```\n")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.output}.md").write_text(md)
    save(args.output, {"rows": rows})
    print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

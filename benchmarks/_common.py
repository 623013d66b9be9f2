"""Shared helpers for the benchmark scripts: machine facts, result files, tables."""

from __future__ import annotations

import json
import os
import platform
import resource
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    load = os.getloadavg()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_1m": round(load[0], 2),
    }


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(args: list[str]) -> tuple[int, str, str, float, os.struct_rusage]:
    """Run ``args`` as a child process: ``(exit code, stdout, stderr, wall seconds, its rusage)`` —
    the rusage of that child alone (``ru_maxrss``: its peak RSS), which ``wait4`` gives and
    ``subprocess.run`` does not."""
    import subprocess
    import tempfile

    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        err.seek(0)
        return os.waitstatus_to_exitcode(status), out, err.read(), wall, usage


def save(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **payload}, indent=2, default=str))
    return path


def table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max([len(c), *(len(_fmt(r.get(c))) for r in rows)]) for c in columns}  # no rows: the header
    head = "  ".join(c.ljust(widths[c]) for c in columns)
    sep = "  ".join("-" * widths[c] for c in columns)
    body = ["  ".join(_fmt(r.get(c)).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join([head, sep, *body])


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return "" if v is None else str(v)


def controls_report(rows: list[dict], *, output: str, title: str, started: float) -> int:
    """A controls benchmark's table (``rows``: one replay each, ``stream``/``policy``/``mean``/
    ``retrains``/``rules``/``windows``, policies ``never`` and ``default``), its summary — how many
    streams ``default`` retrained at most once — printed and written to ``results/<output>.md`` and
    ``.json``."""
    pairs: dict[str, dict[str, dict]] = {}
    for r in rows:
        pairs.setdefault(r["stream"], {})[r["policy"]] = r
    out = [{"stream": name, "windows": p["default"]["windows"], "never": p["never"]["mean"],
            "default": p["default"]["mean"], "retrains": p["default"]["retrains"], "rules": p["default"]["rules"]}
           for name, p in pairs.items()]
    over = [r for r in out if r["retrains"] > 1]
    summary = (f"{len(out) - len(over)} of {len(out)} streams retrain at most once under default, "
               f"{sum(r['retrains'] for r in out)} retrains in all"
               + (f"; more than once: {', '.join(r['stream'] for r in over)}" if over else ""))
    text = "\n\n".join([table(out, ["stream", "windows", "never", "default", "retrains", "rules"]), summary])
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{output}.md").write_text(title + "\n\n```\n" + text + "\n```\n")
    path = save(output, {"seconds": round(time.perf_counter() - started, 1), "streams": out, "summary": summary})
    print(f"\nwrote {path} in {time.perf_counter() - started:.0f}s")
    return 0


def median_seconds(fn, repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``fn``."""
    import statistics

    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def sizes_from_argv(doc: str | None, default: list, *, kind=int, metavar: str = "ROWS", what: str = "rows") -> list:
    """The sizes a benchmark runs (positional arguments, else ``default``), with ``--help`` from
    its module docstring: a bare ``int(sys.argv[1])`` turned ``--help`` into a traceback."""
    import argparse

    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    parser.add_argument("sizes", nargs="*", type=kind, metavar=metavar,
                        help=f"{what} to measure (default: {' '.join(map(str, default))})")
    return parser.parse_args().sizes or list(default)

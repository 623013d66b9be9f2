"""How long `ctloop backtest` takes as the rows per window grow: never, always and default side by side.

The synthetic credit data (`ctloop generate-data`: 11 features, 4 of them text, a shock in the
eighth month) over 360 days, replayed in weekly windows (52 windows), at 500, 2,000 and 8,000
rows per window. Each (size, policy) runs in a fresh process, so its peak memory is its own. The
default estimator (hist_gradient_boosting) and the derived training window (the recent windows
holding 3,000 rows, 1 to 6). The replay runs its fits on one OpenMP thread (``run_backtest``);
``always (all threads)`` replays always-retrain again with ``OMP_NUM_THREADS`` set to the
machine's cores, side by side (scikit-learn issue #30662). The machine's load average is
recorded: spinning OpenMP threads on a busy machine are what makes the difference large.
Writes benchmarks/results/backtest_scale.{json,md}.

    .venv/bin/python benchmarks/bench_backtest_scale.py                 # all three sizes
    .venv/bin/python benchmarks/bench_backtest_scale.py --rows-per-window 500
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from _common import RESULTS, peak_rss_mib, save, table

DAYS, WINDOW = 360, "7D"
POLICIES = ("never", "always", "default", "always (all threads)")


def one(rows: int, policy: str) -> dict:
    """One replay in this process: seconds, peak memory, retrains, mean metric."""
    from ctloop.backtest import BacktestConfig, run_backtest
    from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data

    frame = make_credit_data(n_rows=rows, periods=12, seed=1)
    cfg = BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window=WINDOW,
                         policy=policy.split(" ")[0])
    cfg.validate()
    t = time.perf_counter()
    report = run_backtest(frame, cfg)
    seconds = time.perf_counter() - t
    windows = len(report.windows)
    return {"rows": rows, "windows": windows, "rows_per_window": round(rows / windows), "policy": policy,
            "seconds": seconds, "s_per_window": seconds / windows, "peak_mib": peak_rss_mib(),
            "retrains": report.retrains, "mean_metric": report.mean_metric}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-per-window", default="500,2000,8000", help="comma list (default: 500,2000,8000)")
    parser.add_argument("--one", nargs=2, metavar=("ROWS", "POLICY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(int(args.one[0]), args.one[1])))
        return 0
    results = []
    for per_window in (int(x) for x in args.rows_per_window.split(",")):
        rows = per_window * DAYS // 7
        for policy in POLICIES:
            env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
            if "all threads" in policy:
                env["OMP_NUM_THREADS"] = str(os.cpu_count())
            out = subprocess.run([sys.executable, __file__, "--one", str(rows), policy], capture_output=True,
                                 text=True, check=True, env=env)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(result)
            print(f"  {rows:>9,} rows, {result['windows']} windows, {policy:<20} {result['seconds']:7.1f} s "
                  f"({result['s_per_window']:.2f} s/window), {result['peak_mib']:.0f} MiB, "
                  f"{result['retrains']} retrains, mean {result['mean_metric']:.4f}", flush=True)
    for r in results:
        same = {x["policy"]: x for x in results if x["rows"] == r["rows"]}
        r["time_x_vs_always"] = r["seconds"] / same["always"]["seconds"]
    columns = ["rows", "windows", "rows_per_window", "policy", "seconds", "s_per_window", "time_x_vs_always",
               "peak_mib", "retrains", "mean_metric"]
    print(table(results, columns))
    load = os.getloadavg()[0]
    path = save("backtest_scale", {"window": WINDOW, "days": DAYS, "results": results})
    head = "| " + " | ".join(columns) + " |"
    lines = [head, "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(f"{r[c]:.3g}" if isinstance(r[c], float) else f"{r[c]:,}" if isinstance(r[c], int)
                                else str(r[c]) for c in columns) + " |" for r in results]
    (RESULTS / "backtest_scale.md").write_text("\n".join(lines) + f"\n\n{os.cpu_count()} cores, load average "
                                               f"{load:.1f} at the end of the run\n")
    print(f"wrote {path} and {RESULTS / 'backtest_scale.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

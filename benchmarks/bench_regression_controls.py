"""The default policy on regression streams: stable controls (nothing drifts) and level shifts.

The classifier benchmark (``bench_backtest_quality.py``) has its no-drift controls; this one asks
the same of a regressor, where a gate holdout of a few hundred rows is a noisy level (a model
trained on ~2,000 rows serves 5-25 % above the noise variance, and its gate may read 1.0): the
default policy should retrain **at most once** on a stream that does not drift, and still follow a
level shift.

Streams (generated, seeded; ``y = 3·x1 + noise``, a row every 30 minutes, weekly windows):

* ``stable_<noise>_<seed>``: 24,000 rows (500 days, ~71 windows), noise ``normal`` (sd 1),
  ``t3`` (Student t, 3 degrees of freedom, unscaled) or ``lognormal`` (lognormal(0, 1), centred);
* ``shift_<noise>_<seed>``: the same, ``+5`` added to y from the middle of the stream on.

Run: ``python benchmarks/bench_regression_controls.py [--seeds 16] [--shift-seeds 3] [--jobs 2]`` (~2 min on 2 cores
with the defaults). Writes ``results/regression_controls.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, save, table  # noqa: E402

NOISES = ("normal", "t3", "lognormal")


def stream(kind: str, noise: str, seed: int, n: int = 24000):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    e = (rng.normal(size=n) if noise == "normal" else rng.standard_t(3, size=n) if noise == "t3"
         else rng.lognormal(0, 1, size=n) - np.exp(0.5))
    y = 3 * x1 + e + (np.where(np.arange(n) >= n // 2, 5.0, 0.0) if kind == "shift" else 0.0)
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="30min", tz="UTC"), "x1": x1, "x2": x2,
                         "amount": y})


def replay(job: tuple[str, str, int, str]) -> dict:
    from ctloop.backtest import BacktestConfig, run_backtest
    from ctloop.config import GateConfig, TrainingConfig

    kind, noise, seed, policy = job
    cfg = BacktestConfig(target="amount", time_column="ts", window="7D", policy=policy,
                         training=TrainingConfig(task="regression"), gate=GateConfig(thresholds={"rmse": 100}),
                         min_labels=100)
    started = time.perf_counter()
    report = run_backtest(stream(kind, noise, seed), cfg)
    rules = [w.rule for w in report.windows if w.retrained and w.rule != "initial"]
    return {"stream": f"{kind}_{noise}_{seed}", "kind": kind, "policy": policy, "mean_rmse": report.mean_metric,
            "retrains": report.retrains, "rules": ",".join(rules), "seconds": round(time.perf_counter() - started, 1)}


def _commit() -> str:
    """The commit of the ctloop that ran (its source's repository: a run from another checkout says so)."""
    import subprocess

    import ctloop

    out = subprocess.run(["git", "-C", str(Path(ctloop.__file__).parent), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=16, help="seeds per noise for the stable controls (default 16)")
    ap.add_argument("--shift-seeds", type=int, default=3, help="seeds per noise for the level shifts (default 3)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--output", default="regression_controls")
    args = ap.parse_args()
    jobs = [("stable", noise, seed, "default") for noise in NOISES for seed in range(1, args.seeds + 1)]
    jobs += [("shift", noise, seed, policy) for noise in NOISES for seed in range(1, args.shift_seeds + 1)
             for policy in ("never", "always", "default")]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        rows = list(pool.map(replay, jobs))
    controls = [r for r in rows if r["kind"] == "stable"]
    shifts = {}
    for r in rows:
        if r["kind"] == "shift":
            shifts.setdefault(r["stream"], {})[r["policy"]] = r
    shift_rows = [{"stream": name, "never": p["never"]["mean_rmse"], "always": p["always"]["mean_rmse"],
                   "default": p["default"]["mean_rmse"],
                   "default vs always %": 100 * (p["default"]["mean_rmse"] / p["always"]["mean_rmse"] - 1),
                   "retrains default/always": f"{p['default']['retrains']}/{p['always']['retrains']}"}
                  for name, p in shifts.items()]
    over = [r for r in controls if r["retrains"] > 1]
    summary = (f"stable controls: {len(controls) - len(over)} of {len(controls)} retrain at most once, "
               f"{sum(r['retrains'] for r in controls)} retrains in all")
    text = "\n\n".join([table(controls, ["stream", "mean_rmse", "retrains", "rules"]),
                        table(shift_rows, ["stream", "never", "always", "default", "default vs always %",
                                           "retrains default/always"]), summary])
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    title = (f"Regression controls: `benchmarks/bench_regression_controls.py --seeds {args.seeds} --shift-seeds "
             f"{args.shift_seeds}`, {time.strftime('%Y-%m-%d', time.gmtime())}, ctloop at {_commit()}")
    (RESULTS / f"{args.output}.md").write_text(title + "\n\n```\n" + text + "\n```\n")
    out = save(args.output, {"seconds": round(time.perf_counter() - t0, 1), "controls": controls, "shifts": shift_rows,
                             "summary": summary})
    print(f"\nwrote {out} in {time.perf_counter() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The default policy on regression streams: stable controls (nothing drifts), level shifts and
river's Friedman drift streams.

The classifier benchmark (``bench_backtest_quality.py``) has its no-drift controls; this one asks
the same of a regressor, where a gate holdout of a few hundred rows is a noisy level (a model
trained on ~2,000 rows serves 5-25 % above the noise variance, and its gate may read 1.0): the
default policy should retrain **at most once** on a stream that does not drift, and still follow a
level shift.

Streams (generated, seeded; ``y = 3·x1 + noise``, a row every 30 minutes, weekly windows):

* ``stable_<noise>_<seed>``: 24,000 rows (500 days, ~71 windows), noise ``normal`` (sd 1),
  ``t3`` (Student t, 3 degrees of freedom, unscaled) or ``lognormal`` (lognormal(0, 1), centred);
* ``shift_<noise>_<seed>``: the same, ``+5`` added to y from the middle of the stream on;
* ``friedman_<lea|gra|gsg>_<seed>``: river's ``FriedmanDrift`` (river 0.26.1,
  ``river/datasets/synth/friedman.py``: ten uniform features, five relevant, noise N(0, 1)), 24,000
  rows on the same clock: ``lea`` local expanding abrupt drift at rows 6,000, 12,000 and 18,000
  (the drifting regions grow), ``gra`` global recurring abrupt drift at 8,000 and 16,000 (the first
  concept comes back), ``gsg`` global slow gradual drift at 8,000 and 16,000 (2,000-row transitions).
  Needs ``river`` (``pip install -e '.[bench]'``); left out with a note without it.

Run: ``python benchmarks/bench_regression_controls.py [--seeds 16] [--shift-seeds 3] [--jobs 2]`` (~5 min on 2 cores
with the defaults). Writes ``results/regression_controls.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, save, table  # noqa: E402

NOISES = ("normal", "t3", "lognormal")


FRIEDMAN = {"lea": (6000, 12000, 18000), "gra": (8000, 16000), "gsg": (8000, 16000)}


def stream(kind: str, noise: str, seed: int, n: int = 24000):
    import numpy as np
    import pandas as pd

    if kind == "friedman":
        from river.datasets import synth

        data = synth.FriedmanDrift(drift_type=noise, position=FRIEDMAN[noise], transition_window=2000, seed=seed)
        rows = [{**{f"x{k}": v for k, v in x.items()}, "amount": y} for x, y in data.take(n)]
        return pd.DataFrame(rows).assign(ts=pd.date_range("2024-01-01", periods=n, freq="30min", tz="UTC"))
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


def _gain(never: float, always: float, default: float) -> float:
    """The share of always-retrain's gain over never-retrain that the default keeps (errors: lower is better)."""
    return (never - default) / (never - always) if never != always else 1.0


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
    ap.add_argument("--jobs", type=int, default=2, help="replays at a time, each in its own process (default 2)")
    ap.add_argument("--output", default="regression_controls")
    args = ap.parse_args()
    jobs = [("stable", noise, seed, "default") for noise in NOISES for seed in range(1, args.seeds + 1)]
    jobs += [("shift", noise, seed, policy) for noise in NOISES for seed in range(1, args.shift_seeds + 1)
             for policy in ("never", "always", "default")]
    try:
        import river  # noqa: F401
    except ImportError:
        print("river is not installed (pip install -e '.[bench]'): the Friedman drift streams are left out")
    else:
        jobs += [("friedman", drift, seed, policy) for drift in FRIEDMAN for seed in range(1, args.shift_seeds + 1)
                 for policy in ("never", "always", "default")]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        rows = list(pool.map(replay, jobs))
    controls = [r for r in rows if r["kind"] == "stable"]
    shifts = {}
    for r in rows:
        if r["kind"] != "stable":
            shifts.setdefault(r["stream"], {})[r["policy"]] = r
    shift_rows = [{"stream": name, "never": p["never"]["mean_rmse"], "always": p["always"]["mean_rmse"],
                   "default": p["default"]["mean_rmse"],
                   "default vs always %": 100 * (p["default"]["mean_rmse"] / p["always"]["mean_rmse"] - 1),
                   # the share of always's gain over never that the default keeps
                   "gain kept": _gain(p["never"]["mean_rmse"], p["always"]["mean_rmse"], p["default"]["mean_rmse"]),
                   "retrains default/always": f"{p['default']['retrains']}/{p['always']['retrains']}",
                   "retrains": (p["default"]["retrains"], p["always"]["retrains"])}
                  for name, p in shifts.items()]
    over = [r for r in controls if r["retrains"] > 1]
    summary = (f"stable controls: {len(controls) - len(over)} of {len(controls)} retrain at most once, "
               f"{sum(r['retrains'] for r in controls)} retrains in all")
    if shift_rows:
        vs = [r["default vs always %"] for r in shift_rows]
        summary += (f"\ndrifting streams: default vs always {min(vs):+.1f} % … {max(vs):+.1f} % (mean {sum(vs) / len(vs):+.1f} %), "
                    f"at least {math.floor(min(r['gain kept'] for r in shift_rows) * 1000) / 10:.1f} % of always's gain over never kept, "
                    f"{sum(r['retrains'][0] for r in shift_rows)} retrains against always's "
                    f"{sum(r['retrains'][1] for r in shift_rows)}")
    text = "\n\n".join([table(controls, ["stream", "mean_rmse", "retrains", "rules"]),
                        table(shift_rows, ["stream", "never", "always", "default", "default vs always %",
                                           "gain kept", "retrains default/always"]), summary])
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

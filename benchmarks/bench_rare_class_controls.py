"""The default policy on stable multiclass streams with a rare class: it should retrain at most
once, as on any stream where nothing drifts.

A real multiclass stream often has a class of a few rows a window (a rare fault, a rare product):
its one-vs-rest ROC AUC in a window is nearly anything, and the realized ROC AUC the rules compare
(before ``rules.class_comparison``: the macro mean over the classes each window happened to contain)
swung with its presence. Streams (generated, seeded, 300 rows a day, daily windows, 60 days): four
normal features, classes 0/1/2 learnable from two of them (``x0 + 0.5·N > 0.8`` → 2, else
``x1 + 0.5·N > 0`` → 1, else 0), and class 3 either

* ``noise_<rate>_<seed>``: a share ``rate`` of rows relabelled 3 at random (nothing to learn), or
* ``learn_<seed>``: the rows with ``x2 > 2.4`` (~0.8 %, learnable).

Each stream is replayed under ``never`` and ``default``; ``default`` should retrain at most once
and score like ``never``. 6 seeds × 4 kinds: the kinds of one seed share its features, so the 24
streams are 6 independent draws. Run: ``python benchmarks/bench_rare_class_controls.py [--seeds 6]
[--jobs 2]`` (25–60 s on 2 cores). Writes ``results/rare_class_controls.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import controls_report  # noqa: E402
from bench_regression_controls import _commit  # noqa: E402

PER_DAY = 300
DAYS = 60
RATES = (0.002, 0.005, 0.01)


def stream(kind: str, seed: int):
    """``kind``: ``noise_<rate>`` or ``learn``."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = DAYS * PER_DAY
    x = rng.normal(size=(n, 4))
    y = np.where(x[:, 0] + 0.5 * rng.normal(size=n) > 0.8, 2,
                 np.where(x[:, 1] + 0.5 * rng.normal(size=n) > 0, 1, 0))
    if kind == "learn":
        y[x[:, 2] > 2.4] = 3
    else:
        y[rng.random(n) < float(kind.split("_", 1)[1])] = 3
    frame = pd.DataFrame(x, columns=["x0", "x1", "x2", "x3"])
    frame["ts"] = pd.date_range("2025-01-01", periods=n, freq=pd.Timedelta(days=DAYS) / n, tz="UTC")
    frame["y"] = y
    return frame


def replay(job: tuple[str, int, str]) -> dict:
    from ctloop.backtest import BacktestConfig, run_backtest

    kind, seed, policy = job
    cfg = BacktestConfig(target="y", time_column="ts", window="1D", policy=policy)
    started = time.perf_counter()
    report = run_backtest(stream(kind, seed), cfg)
    rules = [w.rule for w in report.windows if w.retrained and w.rule != "initial"]
    return {"stream": f"{kind}_{seed}", "policy": policy, "mean": report.mean_metric,
            "retrains": report.retrains, "rules": ",".join(rules),
            "windows": len([w for w in report.windows if w.metric is not None]),
            "seconds": round(time.perf_counter() - started, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=6, help="seeds per stream kind (default 6)")
    ap.add_argument("--jobs", type=int, default=2, help="replays at a time, each in its own process (default 2)")
    ap.add_argument("--output", default="rare_class_controls")
    args = ap.parse_args()
    kinds = [*(f"noise_{rate:g}" for rate in RATES), "learn"]
    jobs = [(kind, seed, policy) for kind in kinds for seed in range(1, args.seeds + 1)
            for policy in ("never", "default")]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        rows = list(pool.map(replay, jobs))
    title = (f"Rare-class controls (stable 4-class streams, class 3 rare): `benchmarks/bench_rare_class_controls.py "
             f"--seeds {args.seeds}`, {time.strftime('%Y-%m-%d', time.gmtime())}, ctloop at {_commit()}; "
             "mean ROC AUC (macro one-vs-rest)")
    return controls_report(rows, output=args.output, title=title, started=t0)


if __name__ == "__main__":
    raise SystemExit(main())

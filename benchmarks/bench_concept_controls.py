"""The default policy on streams whose features drift while the concept does not: it should retrain
at most once, as on a stream where nothing drifts.

Feature drift and prediction drift are not losses (``rules.decide`` holds them back while the
labels show no loss), and these streams check that the whole policy stays quiet when the inputs
move for good or in cycles and the labels' relation to them never changes — the case where every
retrain is a cost and a promoted challenger trained on one phase sets a gate that another phase
may read as a loss. Streams (generated, seeded, 300 rows a day, daily windows):

* ``covariate_<cls|reg>_<seed>``: 40 days; ``y = 1[x1 + 0.5·x2 + N(0, 0.7) > 0]`` (classifier,
  histogram gradient boosting) or ``y = 3·x1 + x2 + N(0, 1)`` (regressor) while three features the
  label ignores drift for good: a normal's mean 0 → 3, an exponential's scale 1 → 3, a category's
  share 0.2 → 0.8;
* ``seasonal_<cls|reg>_<seed>``: 180 days; ``x1``'s mean follows ``1.5·sin(2πt/30)`` (a 30-day
  season), ``y = 1[x1 + x2 + logistic noise > 1]`` (logistic regression) or ``y = x1 + x2 + N(0, 1)``
  (linear regression): the predictions move with the season, the concept never does.

Each stream is replayed under ``never`` and ``default``; ``default`` should retrain at most once
and score like ``never`` (there is nothing to learn). Run: ``python benchmarks/bench_concept_controls.py
[--seeds 5] [--jobs 2]`` (15 s on 2 idle cores, ~45 s on busy ones). Writes ``results/concept_controls.json`` and ``.md``.
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
DAYS = {"covariate": 40, "seasonal": 180}
ESTIMATOR = {("covariate", "cls"): "hist_gradient_boosting", ("covariate", "reg"): "hist_gradient_boosting",
             ("seasonal", "cls"): "logistic_regression", ("seasonal", "reg"): "linear_regression"}


def stream(kind: str, task: str, seed: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = DAYS[kind] * PER_DAY
    t = np.sort(rng.uniform(0, DAYS[kind], n))
    f = t / DAYS[kind]
    x2 = rng.normal(0, 1, n)
    if kind == "covariate":
        x1 = rng.normal(0, 1, n)
        y = ((x1 + 0.5 * x2 + rng.normal(0, 0.7, n) > 0).astype(int) if task == "cls"
             else 3 * x1 + x2 + rng.normal(0, 1, n))
        extra = {"x3": rng.normal(3 * f, 1), "x4": rng.exponential(1 + 2 * f),
                 "x5": np.where(rng.random(n) < 0.2 + 0.6 * f, "b", "a")}
    else:
        x1 = rng.normal(1.5 * np.sin(2 * np.pi * t / 30), 1, n)
        y = ((x1 + x2 + rng.logistic(size=n) > 1.0).astype(int) if task == "cls"
             else x1 + x2 + rng.normal(0, 1, n))
        extra = {}
    return pd.DataFrame({"ts": pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(t, unit="D"),
                         "x1": x1, "x2": x2, **extra, "y": y})


def replay(job: tuple[str, str, int, str]) -> dict:
    from ctloop.backtest import BacktestConfig, run_backtest
    from ctloop.config import GateConfig, TrainingConfig

    kind, task, seed, policy = job
    regression = task == "reg"
    cfg = BacktestConfig(target="y", time_column="ts", window="1D", policy=policy,
                         training=TrainingConfig(task="regression" if regression else "classification",
                                                 estimator=ESTIMATOR[kind, task]),
                         gate=GateConfig(thresholds={"rmse": 100} if regression else {"roc_auc": 0.5}),
                         min_labels=100)
    started = time.perf_counter()
    report = run_backtest(stream(kind, task, seed), cfg)
    rules = [w.rule for w in report.windows if w.retrained and w.rule != "initial"]
    return {"stream": f"{kind}_{task}_{seed}", "kind": kind, "task": task, "policy": policy,
            "mean": report.mean_metric, "retrains": report.retrains, "rules": ",".join(rules),
            "windows": len([w for w in report.windows if w.metric is not None]),
            "seconds": round(time.perf_counter() - started, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="seeds per stream kind and task (default 5)")
    ap.add_argument("--jobs", type=int, default=2, help="replays at a time, each in its own process (default 2)")
    ap.add_argument("--output", default="concept_controls")
    args = ap.parse_args()
    jobs = [(kind, task, seed, policy) for kind in DAYS for task in ("cls", "reg")
            for seed in range(1, args.seeds + 1) for policy in ("never", "default")]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        rows = list(pool.map(replay, jobs))
    title = (f"Concept controls (features drift, the concept does not): `benchmarks/bench_concept_controls.py "
             f"--seeds {args.seeds}`, {time.strftime('%Y-%m-%d', time.gmtime())}, ctloop at {_commit()}; "
             "mean ROC AUC (cls) or RMSE (reg)")
    return controls_report(rows, output=args.output, title=title, started=t0)


if __name__ == "__main__":
    raise SystemExit(main())

"""The recovery after a real change on multiclass streams with a rare class: how many retrains the
default policy spends after the change, against ``always``, and whether the recovery's "still
behind" (``policy._behind``) fires on the rare class.

The streams of :mod:`bench_rare_class_controls` (300 rows a day, daily windows, 60 days, classes
0/1/2 learnable, class 3 rare: ``noise_<rate>`` relabelled at random, ``learn`` the rows with
``x2 > 2.4``; ``none``: no class 3, a 3-class control) with one abrupt concept change at day
:data:`CHANGE`: classes 1 and 2 swap the features they are learnt from (``x0`` ↔ ``x1``). Each
stream is replayed under ``never``, ``always`` and ``default``; the table gives the mean ROC AUC
after the change, the retrains after it, and the windows whose recovery retrained because the
champion read "still confidently worse than" the level before the change (``behind``), with the
rare class's rows and ROC AUC in those windows. Run: ``python benchmarks/bench_rare_class_change.py
[--seeds 3] [--jobs 2] [--policies default]`` (5–6 minutes on 2 shared cores; ``default`` alone
about 2 on one). Writes ``results/rare_class_change.json``
and ``.md``.
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
from bench_rare_class_controls import DAYS, PER_DAY  # noqa: E402
from bench_rare_class_controls import stream as stable
from bench_regression_controls import _commit  # noqa: E402

CHANGE = 30  # the day the concept changes
KINDS = ("none", "noise_0.005", "noise_0.01", "learn")
POLICIES = ("never", "always", "default")
BEHIND = "still confidently worse than"


def stream(kind: str, seed: int):
    """``kind``: ``none``, ``noise_<rate>`` or ``learn``; the concept changes at day :data:`CHANGE`."""
    import numpy as np

    frame = stable("noise_0" if kind == "none" else kind, seed)
    rng = np.random.default_rng(seed + 1000)
    after = np.arange(len(frame)) >= CHANGE * PER_DAY
    x0, x1, n = frame["x0"].to_numpy(), frame["x1"].to_numpy(), len(frame)
    swapped = np.where(x1 + 0.5 * rng.normal(size=n) > 0.8, 2, np.where(x0 + 0.5 * rng.normal(size=n) > 0, 1, 0))
    rare = frame["y"].to_numpy() == 3
    frame.loc[after & ~rare, "y"] = swapped[after & ~rare]
    return frame


def _naive(when) -> object:
    import pandas as pd

    when = pd.Timestamp(when)
    return when.tz_convert(None) if when.tzinfo is not None else when


def replay(job: tuple[str, int, str]) -> dict:
    import pandas as pd

    from ctloop.backtest import BacktestConfig, run_backtest

    kind, seed, policy = job
    cfg = BacktestConfig(target="y", time_column="ts", window="1D", policy=policy)
    started = time.perf_counter()
    frame = stream(kind, seed)
    report = run_backtest(frame, cfg)
    change = pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(days=CHANGE)
    late = [w for w in report.windows if pd.Timestamp(w.end, tz="UTC") > change]
    scored = [w.metric for w in late if w.metric is not None]
    behind = []
    records = {_naive(r["window_end"]): r for r in report.records}
    for w in late:
        if w.retrained and BEHIND in w.reason:
            r = records.get(_naive(w.end), {})
            rare = r.get("roc_auc_c3")
            rows = 0.0
            if rare is not None:  # its rows from the null variance (n + 1) / (12 n_pos n_neg)
                n, product = float(r["realized_rows"]), (float(r["realized_rows"]) + 1) / (12 * r["roc_auc_c3_null"])
                rows = (n - math.sqrt(max(n * n - 4 * product, 0.0))) / 2
            behind.append(f"{pd.Timestamp(w.end).day_of_year - 1}:c3={'-' if rare is None else f'{rare:.2f}'}"
                          f"/{rows:.0f}")
    return {"stream": f"{kind}_{seed}", "policy": policy, "after": sum(scored) / len(scored) if scored else None,
            "retrains": report.retrains, "after_retrains": sum(w.retrained for w in late),
            "behind": len(behind), "behind_windows": " ".join(behind),
            "seconds": round(time.perf_counter() - started, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3, help="seeds per stream kind (default 3)")
    ap.add_argument("--jobs", type=int, default=2, help="replays at a time, each in its own process (default 2)")
    ap.add_argument("--policies", default=",".join(POLICIES),
                    help="comma-separated, of never,always,default (default all three)")
    ap.add_argument("--output", default="rare_class_change")
    args = ap.parse_args()
    jobs = [(kind, seed, policy) for kind in KINDS for seed in range(1, args.seeds + 1)
            for policy in args.policies.split(",")]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        rows = list(pool.map(replay, jobs))
    pairs: dict[str, dict[str, dict]] = {}
    for r in rows:
        pairs.setdefault(r["stream"], {})[r["policy"]] = r
    none = {"after": None, "after_retrains": None, "behind": None, "behind_windows": ""}
    out = [{"stream": name, **{policy: p.get(policy, none)["after"] for policy in POLICIES},
            "always_n": p.get("always", none)["after_retrains"], "default_n": p.get("default", none)["after_retrains"],
            "behind": p.get("default", none)["behind"],
            "behind_windows (day:c3 AUC/rows)": p.get("default", none)["behind_windows"]} for name, p in pairs.items()]
    lines = []
    for kind in KINDS:
        mine = [r for r in out if r["stream"].rsplit("_", 1)[0] == kind]
        line = [f"{kind}:"]
        if mine[0]["default_n"] is not None:
            line.append(f"default {sum(r['default_n'] for r in mine)} retrains after the change "
                        f"({sum(r['behind'] for r in mine)} for 'behind');")
        if mine[0]["always_n"] is not None:
            line.append(f"always {sum(r['always_n'] for r in mine)};")
        line.append("mean ROC AUC after: " + ", ".join(
            f"{policy} {sum(r[policy] for r in mine) / len(mine):.4f}" for policy in POLICIES
            if mine[0][policy] is not None))
        lines.append(" ".join(line))
    text = "\n\n".join([table(out, list(out[0])), "\n".join(lines)])
    print(text)
    title = (f"Rare class and a real change (4-class streams, class 3 rare, concept change at day {CHANGE} of "
             f"{DAYS}): `benchmarks/bench_rare_class_change.py --seeds {args.seeds}`, "
             f"{time.strftime('%Y-%m-%d', time.gmtime())}, ctloop at {_commit()}; after the change: mean ROC AUC "
             "(macro one-vs-rest) and retrains")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.output}.md").write_text(title + "\n\n```\n" + text + "\n```\n")
    path = save(args.output, {"seconds": round(time.perf_counter() - t0, 1), "streams": out, "summary": lines})
    print(f"\nwrote {path} in {time.perf_counter() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Detection or schedule? What a retrain schedule chosen with hindsight could reach on a stream.

docs/backtest-quality.md, phase 16. For one stream of the catalogue (``streams.py``) this replays
``always`` (keeping every model it trains: the model of window *j* is trained at the end of window
*j*) and ``default``, scores every kept model on every later window (the stream's primary metric,
``ctloop.metrics.compute``; windows under ``MIN_SCORE_ROWS`` rows unscored; means weighted by rows
as the backtest's), and from that model × window matrix computes the mean of retrain schedules
that may spend half of always's retrains (every retrain promoted):

* ``every:2`` and ``every:3`` (the cron);
* a greedy hindsight oracle (adds the retrain with the largest gain, one at a time);
* the exact hindsight oracle (a dynamic programme over the last retrain and the retrains left);
* the exact hindsight oracle that also keeps the product's budget (phase 18: the token bucket of
  ``ctloop.monitoring.policy.budget``, one token in the first window judged, ``1 / MIN_GAP`` a
  window up to ``BURST``): whether the budget itself or the windows it is spent on cost the points.

It then splits the points ``default`` loses against ``always`` by the state each window was served
in, read from default's per-window reasons: before an alarm (detection), in a recovery, waiting
for the recovery's reserve, with the budget spent, after the recovery ended. Check: the schedule
of every window reproduces always's own mean, and ``every:2`` the published column (one retrain
fewer: the published cron also retrains after the last window, which serves nothing).

    python benchmarks/hindsight_oracle.py bikeshare_busy

A replay of ``always`` and one of ``default`` per stream: minutes on a stream of 50 windows.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # the benchmark's replays use one OpenMP thread

sys.path.insert(0, str(Path(__file__).resolve().parent))

LOSS_RULES = ("realized_z", "cusum", "realized_drop", "realized_floor", "below_chance")
STATES = ("before an alarm", "in a recovery", "waiting for the reserve", "budget spent",
          "after the recovery ended")


def replay(name: str):
    """(always's report, default's report, the models always trained with the time of their last
    training row, the stream's frame)."""
    import pandas as pd
    import streams as catalogue

    from ctloop.backtest import BacktestConfig, run_backtest
    from ctloop.components.train import core as train_core
    from ctloop.config import TrainingConfig

    stream = next(catalogue.select(name))
    frame = stream.load()
    trained: list = []
    original = train_core.run

    def recording(part, *args, **kwargs):
        result = original(part, *args, **kwargs)
        trained.append((result.model, pd.Timestamp(pd.to_datetime(part[catalogue.TIME]).max())))
        return result

    reports = {}
    for policy in ("always", "default"):
        train_core.run = recording if policy == "always" else original
        try:
            config = BacktestConfig(target=catalogue.TARGET, time_column=catalogue.TIME, window=stream.window,
                                    policy=policy, training=TrainingConfig(seed=7))
            reports[policy] = run_backtest(frame, config)
        finally:
            train_core.run = original
        print(f"{name} {policy}: {reports[policy].mean_metric:.4f} ({reports[policy].retrains} retrains)",
              file=sys.stderr, flush=True)
    return reports["always"], reports["default"], trained, frame, stream


def score_matrix(always, trained, frame, stream):
    """(matrix[model][window] of the primary metric, rows per window)."""
    import numpy as np
    import pandas as pd
    import streams as catalogue

    from ctloop import metrics
    from ctloop.backtest import MIN_SCORE_ROWS, BacktestConfig

    windows = always.to_dict()["windows"]
    data = frame.copy()
    data[catalogue.TIME] = pd.to_datetime(data[catalogue.TIME])
    config = BacktestConfig(target=catalogue.TARGET, time_column=catalogue.TIME, window=stream.window,
                            policy="always")
    config.validate()
    parts = [data[(data[catalogue.TIME] >= pd.Timestamp(w["start"])) & (data[catalogue.TIME] < pd.Timestamp(w["end"]))]
             for w in windows]
    ends = [pd.Timestamp(w["end"]) for w in windows]
    matrix = np.full((len(trained), len(windows)), np.nan)
    for a, (model, last_row) in enumerate(trained):
        first = next(i for i, end in enumerate(ends) if last_row < end) + 1
        classes = list(getattr(model, "classes_", [])) or None
        names = getattr(model, "feature_names_in_", None)
        for i in range(first, len(windows)):
            part = parts[i]
            if len(part) < MIN_SCORE_ROWS:
                continue
            x = part[list(names)] if names is not None else part.drop(columns=[catalogue.TARGET, catalogue.TIME])
            scores = model.predict_proba(x) if config.task == "classification" else model.predict(x)
            value = metrics.compute(config.task, part[catalogue.TARGET].to_numpy(), scores, classes)[config.primary_metric]
            matrix[a, i] = value if value == value else np.nan
    return matrix, [len(p) for p in parts]


def schedules(always, matrix, rows) -> dict:
    """The means of the cron, the greedy and the exact oracle at half of always's retrains."""
    windows = always.to_dict()["windows"]
    initial = next(w["index"] for w in windows if w["rule"] == "initial")
    model_window = [initial + k for k in range(len(matrix))]  # always trains at the end of every window
    scored = {w["index"] for w in windows if w["metric"] is not None and w["rows"] > 0}
    first, last = model_window[0], len(rows) - 1
    by_window = {w: a for a, w in enumerate(model_window)}
    candidates = [j for j in range(first + 1, last) if j in by_window]  # a retrain in the last window serves nothing
    total = sum(rows[i] for i in scored)
    budget = always.retrains // 2

    def served_one(a: int, i: int) -> float:  # the model of row a on window i, weighted by its rows
        return rows[i] * matrix[a][i] if i in scored and matrix[a][i] == matrix[a][i] else 0.0

    def served(j: int, until: int) -> float:  # windows j+1..until served by the model of window j
        return sum(rows[i] * matrix[by_window[j]][i] for i in range(j + 1, until + 1) if i in scored)

    def mean(schedule) -> float:
        points, champion = 0.0, first
        for j in sorted(schedule) + [last]:
            points += served(champion, j)
            champion = j
        return points / total

    out = {"every window": (mean(candidates), len(candidates))}
    for k in (2, 3):
        cron = [j for j in candidates if (j - first) % k == 0]
        out[f"every:{k}"] = (mean(cron), len(cron))
    chosen: set[int] = set()
    while len(chosen) < budget:
        chosen.add(max((mean(chosen | {j}), j) for j in candidates if j not in chosen)[1])
    out["greedy oracle"] = (mean(chosen), len(chosen))
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    @lru_cache(None)
    def best(j: int, left: int) -> float:
        value = served(j, last)
        if left:
            value = max([value] + [served(j, n) + best(n, left - 1) for n in candidates if n > j])
        return value

    out["exact oracle"] = (best(first, budget) / total, budget)
    value, schedule = bucket_oracle([[served_one(a, i) for i in range(len(rows))] for a in range(len(matrix))],
                                    model_window, last, budget)
    out["exact oracle in the budget"] = (value / total, len(schedule))
    out["schedules"] = {"exact oracle in the budget": schedule}
    return out


def bucket_oracle(points, model_window, last, cap, min_gap=None, burst=None):
    """(points, retrain windows) of the best schedule that the product's token bucket allows:
    ``points[a][i]`` is what the model of window ``model_window[a]`` scores on window ``i`` (0 where
    unscored), the first model serves from the window after it; one token in the first window
    judged, ``1 / min_gap`` more each window up to ``burst``, one per retrain, at most ``cap``
    retrains, none in the ``last`` window (it serves nothing). Tokens are counted in
    ``1 / min_gap`` units, so the programme over (champion, tokens, retrains) is exact."""
    from ctloop.monitoring import policy

    min_gap = min_gap or policy.MIN_GAP
    full = int(round((burst or policy.BURST) * min_gap))
    by_window = {w: a for a, w in enumerate(model_window)}
    states = {(model_window[0], None, 0): (0.0, ())}
    for i in range(model_window[0] + 1, last + 1):
        new: dict = {}
        for (champion, tokens, spent), (value, schedule) in states.items():
            value += points[by_window[champion]][i]
            tokens = min_gap if tokens is None else min(full, tokens + 1)
            options = [((champion, tokens, spent), (value, schedule))]
            if i < last and i in by_window and tokens >= min_gap and spent < cap:
                options.append(((i, tokens - min_gap, spent + 1), (value, (*schedule, i))))
            for state, result in options:
                if state not in new or new[state][0] < result[0]:
                    new[state] = result
        states = new
    return max(states.values(), key=lambda result: result[0])


def lost_points(always, default, total_rows) -> dict[str, float]:
    """Points (×100) default loses against always, by the state each window was served in."""
    ours = {w["index"]: w for w in default.to_dict()["windows"]}
    theirs = {w["index"]: w for w in always.to_dict()["windows"]}
    state, lost = STATES[0], dict.fromkeys(STATES, 0.0)
    for i in sorted(ours):
        window, reason = ours[i], ours[i]["reason"] or ""
        if window["metric"] is not None and theirs[i]["metric"] is not None and window["rows"]:
            lost[state] += (theirs[i]["metric"] - window["metric"]) * window["rows"] / total_rows * 100
        # the state the next window is served in
        if window["rule"] in LOSS_RULES and window["retrained"]:
            state = STATES[1]
        elif ("budget spent" in reason and "would retrain" in reason
              and any(word in reason for word in ("realized", "CUSUM", "below chance"))):
            state = STATES[3]
        if "recovery ends" in reason:
            state = STATES[4]
        elif state == STATES[1] and "waits: it leaves" in reason:
            state = STATES[2]
        elif state == STATES[2] and window["retrained"]:
            state = STATES[1]
        elif state == STATES[3] and window["retrained"] and window["rule"] in LOSS_RULES:
            state = STATES[1]
    return lost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stream", help="a stream of benchmarks/streams.py (python benchmarks/streams.py lists them)")
    args = parser.parse_args(argv)
    always, default, trained, frame, stream = replay(args.stream)
    matrix, rows = score_matrix(always, trained, frame, stream)
    means = schedules(always, matrix, rows)
    scored_rows = sum(w["rows"] for w in always.to_dict()["windows"] if w["metric"] is not None and w["rows"])
    print(f"| {args.stream} | mean | retrains | vs always (points) |\n|---|---|---|---|")
    print(f"| always | {always.mean_metric:.4f} | {always.retrains} | |")
    for label, (value, count) in ((k, v) for k, v in means.items() if k != "schedules"):
        print(f"| {label} | {value:.4f} | {count} | {100 * (value - always.mean_metric):+.2f} |")
    print(f"| default | {default.mean_metric:.4f} | {default.retrains} | "
          f"{100 * (default.mean_metric - always.mean_metric):+.2f} |")
    for label, schedule in means["schedules"].items():
        print(f"\n{label} retrains after windows {', '.join(map(str, schedule))}")
    print("default retrains after windows " + ", ".join(
        str(w["index"]) for w in default.to_dict()["windows"] if w["retrained"] and w["rule"] != "initial"))
    print("\npoints default loses against always, by the state a window was served in:")
    for label, points in lost_points(always, default, scored_rows).items():
        print(f"  {label:26s} {points:+.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

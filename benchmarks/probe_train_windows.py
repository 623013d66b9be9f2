"""Where the derived training window is cut to leave windows to score, without a replay (stop 56).

For each stream of the catalogue (``streams.py``; ``--replicates K``: also replicates 1..K of its river
streams) and of ``unseen_streams.py``, the replay's own up-front steps (the windows, the rows a model
needs, the training window) give the training window by rows alone (:data:`ctloop.backtest.TRAIN_ROWS` in at
most :data:`ctloop.backtest.MAX_TRAIN_WINDOWS`) and as the backtest now derives it (cut to leave
:data:`ctloop.backtest.ADVISED_SCORED_WINDOWS` windows to score), with the windows each leaves to score. Only
a stream where the two differ can replay differently. Seconds, not a replay:

    python benchmarks/probe_train_windows.py [--replicates 5]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def probe(frame, window: str, arguments: str = "") -> dict:
    """Windows, median rows, and (training windows, windows left to score) by rows alone and as derived."""
    import numpy as np
    import streams as catalogue

    from ctloop import backtest as B
    from ctloop.config import GateConfig, TrainingConfig
    from ctloop.errors import CtloopError

    regression = "--task regression" in arguments
    cfg = B.BacktestConfig(
        target=catalogue.TARGET,
        time_column=catalogue.TIME,
        window=window,
        training=TrainingConfig(task="regression") if regression else TrainingConfig(),
        gate=GateConfig.from_dict({"thresholds": {"rmse": 100}}) if regression else None,
        time_format="%Y" if "--time-format %Y" in arguments else "",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data, step, _, _ = B._prepared(frame, cfg)
            _, _, grid, min_rows = B._checked(data, cfg, step)
            after, how = B._train_windows(cfg, step, grid, min_rows)
    except CtloopError as exc:
        return {"refused": str(exc).splitlines()[0][:80]}
    ready, labels_ready = B._ready_windows(grid, min_rows)
    median = float(np.median(grid.counts[grid.counts > 0]))
    before = min(B.derive_train_windows(median), len(grid.bounds) - 1)
    left = (
        (lambda k: B._scorable_after(grid.counts, k, ready, labels_ready))
        if len(ready) and len(labels_ready)
        else (lambda k: 0)
    )
    return {
        "windows": len(grid.bounds),
        "median_rows": round(median),
        "before": before,
        "scored_before": left(before),
        "after": after,
        "scored_after": left(after),
        "binds": after != before,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--replicates", type=int, default=0, help="also replicates 1..K of the river streams"
    )
    args = ap.parse_args(argv)
    import streams as catalogue  # after --help: pandas and the catalogue take a second
    import unseen_streams as unseen

    rows = []
    for k in range(args.replicates + 1):
        catalogue.REPLICATE = k
        for s in catalogue.STREAMS:
            if k and not s.source.startswith("river"):
                continue
            rows.append(
                {
                    "set": f"catalogue r{k}" if k else f"catalogue {s.half}",
                    "stream": s.name,
                    **probe(s.load(), s.window),
                }
            )
    catalogue.REPLICATE = 0
    batch = {47: 1, 48: 2, 55: 3, 56: 4}
    for u in unseen.UNSEEN:
        rows.append(
            {
                "set": f"unseen {batch.get(u.stop, u.stop)}",
                "stream": u.name,
                **probe(u.build(), u.window, u.arguments),
            }
        )
    for r in rows:
        if "refused" in r:
            print(f"{r['set']:18s} {r['stream']:26s} refused: {r['refused']}")
        else:
            print(
                f"{r['set']:18s} {r['stream']:26s} {r['windows']:5d} windows, median {r['median_rows']:6d} rows: "
                f"{r['before']} -> {r['after']} training windows, {r['scored_before']} -> {r['scored_after']} "
                f"to score{'  BINDS' if r['binds'] else ''}"
            )
    bound = [f"{r['set']}/{r['stream']}" for r in rows if r.get("binds")]
    print(f"\n{len(bound)} of {len(rows)} binds: {', '.join(bound) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

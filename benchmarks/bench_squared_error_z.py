"""How does ``realized_z`` on a regressor's squared error behave when the errors are heavy-tailed,
and what does the absolute error beside it add?

The rule (``ctloop.monitoring.rules``) compares the window's mean squared error with the gate's in
standard errors of the difference, ``se = sqrt(se_window² + se_gate²)`` with ``se = std/√n``, and
the same for the mean absolute error; it fires on either. Each trial is judged twice on the same
errors: ``mse`` (the squared error alone: a champion registered without ``mae_se``, the rule before
the absolute error) and ``mse+mae`` (both, the rule now). The
z-test on a mean is valid asymptotically when ``(y - ŷ)²`` has a finite variance (a finite fourth
moment of the error); this measures what it does at monitoring sizes: a gate holdout of 1,600 rows,
windows of 336 labels (the sizes of the level-shift stream in docs/backtest-quality.md), errors
normal, Student t (5 and 3 degrees of freedom: finite and infinite fourth moment) and a centred
lognormal, each scaled to unit standard deviation where it has one.

* **false alarms**: no drift (window and gate errors from the same distribution), share of windows
  on which ``realized_z`` (2.326, one-sided 1 %) fires;
* **power**: a level shift of ``--shift`` error standard deviations in the window (``+``: labels
  above the predictions, ``-``: below; a skewed error is not symmetric), share that fires.

    python benchmarks/bench_squared_error_z.py                    # 4000 trials each
    python benchmarks/bench_squared_error_z.py --trials 1000 --shift 1

Writes benchmarks/results/squared_error_z.json.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import save, table

from ctloop.monitoring import triggers
from ctloop.monitoring.rules import decide

GATE_ROWS, WINDOW_ROWS = 1600, 336


def errors(name: str, rng: np.random.Generator, n: int) -> np.ndarray:
    if name == "normal":
        return rng.normal(size=n)
    if name == "t5":
        return rng.standard_t(5, n) / np.sqrt(5 / 3)
    if name == "t3":
        return rng.standard_t(3, n) / np.sqrt(3)
    return (rng.lognormal(0, 1, n) - np.exp(0.5)) / np.sqrt((np.e - 1) * np.e)  # lognormal


def fires(gate_err: np.ndarray, window_err: np.ndarray, z: float) -> tuple[bool, bool]:
    """``(squared error alone, squared or absolute error)``: whether ``realized_z`` fires."""
    gate = triggers.regression_reference(gate_err, np.zeros(len(gate_err)))
    record = {"window_end": "2026-01-01T00:00:00+00:00", "rows": len(window_err), "realized_rows": len(window_err),
              "realized": None, **triggers.realized_regression(window_err, np.zeros(len(window_err)))}
    old = {k: v for k, v in gate.items() if k != "mae_se"}  # no mae_se: the squared error alone
    return tuple(decide([], dict(record), {"realized_z": z}, champion_gate=g, metric="rmse", min_labels=100).fire
                 for g in (old, gate))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4000)
    parser.add_argument("--shift", type=float, default=0.5, help="level shift, in error standard deviations")
    parser.add_argument("--z", type=float, default=2.326)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rows = []
    for name in ("normal", "t5", "t3", "lognormal"):
        row = {"errors": name}
        for label, shift in (("false_alarms", 0.0), (f"power_+{args.shift:g}sd", args.shift),
                             (f"power_-{args.shift:g}sd", -args.shift)):
            hits = np.array([fires(errors(name, rng, GATE_ROWS), errors(name, rng, WINDOW_ROWS) + shift, args.z)
                             for _ in range(args.trials)])
            row[f"{label} mse"], row[f"{label} mse+mae"] = (round(float(x), 4) for x in hits.mean(axis=0))
        rows.append(row)
    print(table(rows, list(rows[0])))
    print(save("squared_error_z", {"gate_rows": GATE_ROWS, "window_rows": WINDOW_ROWS, "z": args.z,
                                   "trials": args.trials, "shift_sd": args.shift, "seed": args.seed, "rows": rows}))


if __name__ == "__main__":
    main()

"""What is the drift trigger worth? Backtest never / always / drift on the synthetic data.

Prints mean prequential ROC AUC (row-weighted) and the number of retrains per policy; writes
benchmarks/results/backtest_quality.{json,png}.
"""

from __future__ import annotations

import sys
import time

from _common import RESULTS, save, table


def main(rows: int = 60000) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from ctloop.backtest import BacktestConfig, run_backtest
    from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data

    frame = make_credit_data(n_rows=rows, seed=7)
    out, reports = [], {}
    for policy in ("never", "always", "drift"):
        cfg = BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="30D",
                             policy=policy, train_window="90D", seed=7)
        t = time.perf_counter()
        report = run_backtest(frame, cfg)
        reports[policy] = report
        out.append({"policy": policy, "rows": len(frame), "mean_roc_auc": report.mean_metric,
                    "retrains": report.retrains, "promotions": report.promotions,
                    "seconds": time.perf_counter() - t})
    print(table(out, ["policy", "rows", "mean_roc_auc", "retrains", "promotions", "seconds"]))
    fig, ax = plt.subplots(figsize=(9, 4))
    for policy, report in reports.items():
        xs = [pd.Timestamp(w.start) for w in report.windows if w.metric is not None]
        ys = [w.metric for w in report.windows if w.metric is not None]
        ax.plot(xs, ys, marker="o", label=f"{policy} (mean {report.mean_metric:.3f}, {report.retrains} retrains)")
    ax.set_ylabel("prequential ROC AUC")
    ax.set_title("Champion quality per 30-day window under three retraining policies")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(RESULTS / "backtest_quality.png", dpi=110)
    print(f"wrote {save('backtest_quality', {'rows': out})} and {RESULTS / 'backtest_quality.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 60000))

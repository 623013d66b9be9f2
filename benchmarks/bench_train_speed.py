"""Training time and holdout quality per estimator at 100k and 1M rows (all cores).

Synthetic credit data (11 features, 4 categorical); 80/20 time split. Random forest runs with
ctloop's default caps (depth 16, leaf 5, 50 % bootstrap samples up to 100,000 rows per tree). Writes
benchmarks/results/train_speed.{json,png}.
"""

from __future__ import annotations

import sys
import time

from _common import RESULTS, save, sizes_from_argv, table


def main(sizes=(100_000, 1_000_000)) -> int:
    from ctloop.components.evaluate.core import score
    from ctloop.components.train.core import fit
    from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data

    rows = []
    for n in sizes:
        frame = make_credit_data(n_rows=int(n * 1.25), seed=1).drop(columns=[CREDIT_TIME_COLUMN])
        train, holdout = frame.iloc[:n], frame.iloc[n:]
        for est in ("logistic_regression", "hist_gradient_boosting", "random_forest"):
            t = time.perf_counter()
            result = fit(train, target=CREDIT_TARGET, task="classification", estimator=est)
            seconds = time.perf_counter() - t
            auc = score(result.model, holdout, target=CREDIT_TARGET, task="classification")["roc_auc"]
            rows.append({"rows": n, "estimator": est, "fit_s": seconds, "holdout_roc_auc": auc})
            print(f"  {est:<24} {n:>9,} rows: {seconds:7.2f} s, AUC {auc:.4f}", flush=True)
    for r in rows:
        small = next(x for x in rows if x["estimator"] == r["estimator"] and x["rows"] == min(sizes))
        r["time_x_vs_smallest"] = r["fit_s"] / small["fit_s"]
    print(table(rows, ["rows", "estimator", "fit_s", "time_x_vs_smallest", "holdout_roc_auc"]))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for est in ("logistic_regression", "hist_gradient_boosting", "random_forest"):
        pts = [(r["rows"], r["fit_s"]) for r in rows if r["estimator"] == est]
        ax.plot(*zip(*pts, strict=True), marker="o", label=est)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training rows")
    ax.set_ylabel("fit seconds")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "train_speed.png", dpi=110)
    print(f"wrote {save('train_speed', {'rows': rows})}")
    return 0


if __name__ == "__main__":
    sys.exit(main(tuple(sizes_from_argv(__doc__, [100_000, 1_000_000]))))

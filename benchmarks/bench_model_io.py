"""What verified, safe model loading costs: joblib (pickle) vs skops, unverified vs sha256-checked.

For each estimator of ctloop.components.train.core (fitted on synthetic credit data), measured
side by side in one process:

* ``joblib_dump`` / ``joblib_load``: the pickle, as ctloop wrote and read it before;
* ``joblib_verified``: ``ctloop.artifacts.load_verified`` of the pickle (read once, sha256, load
  from the same bytes) — the path of versions without a skops copy;
* ``skops_dump``: ``ctloop.artifacts.dumps_skops`` (dump + untrusted-type check);
* ``skops_verified``: ``load_verified`` of ``model.skops`` with ctloop's allow-list — what
  ``registry.load_model``, ``artifacts.load_model`` and the serving runtime now do;
* ``save_model``: the whole ``ctloop.artifacts.save_model`` (skops + joblib + meta with hashes).

Each timing is the median of 5 runs.

    python benchmarks/bench_model_io.py [ROWS ...]      # default 20000 100000

Prints a table, writes ``results/model_io.json``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import median_seconds, save, sizes_from_argv, table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

REPEATS = 5


def timed(fn) -> float:
    return median_seconds(fn, REPEATS)


def main(sizes=(20_000, 100_000)) -> int:
    import joblib

    from ctloop.artifacts import dumps_skops, load_verified, save_model, sha256_file
    from ctloop.components.train.core import fit
    from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data

    rows = []
    for n in sizes:
        frame = make_credit_data(n_rows=n, seed=1).drop(columns=[CREDIT_TIME_COLUMN])
        for est in ("logistic_regression", "hist_gradient_boosting", "random_forest"):
            model = fit(frame, target=CREDIT_TARGET, estimator=est).model
            with tempfile.TemporaryDirectory() as tmp:
                pkl, sk = Path(tmp) / "model.joblib", Path(tmp) / "model.skops"
                dump_s = timed(lambda: joblib.dump(model, pkl))  # noqa: B023
                skops_s = timed(lambda: sk.write_bytes(dumps_skops(model)))  # noqa: B023
                pkl_sha, sk_sha = sha256_file(pkl), sha256_file(sk)
                row = {
                    "rows": n,
                    "estimator": est,
                    "joblib_MiB": pkl.stat().st_size / 2**20,
                    "skops_MiB": sk.stat().st_size / 2**20,
                    "joblib_dump_s": dump_s,
                    "skops_dump_s": skops_s,
                    "joblib_load_s": timed(lambda: joblib.load(pkl)),  # noqa: B023
                    "joblib_verified_s": timed(
                        lambda: load_verified(pkl, pkl_sha, recorded_in="bench")  # noqa: B023
                    ),
                    "skops_verified_s": timed(
                        lambda: load_verified(sk, sk_sha, recorded_in="bench")  # noqa: B023
                    ),
                    "save_model_s": timed(
                        lambda: save_model(str(Path(tmp) / "dir"), model, {})  # noqa: B023
                    ),
                }
            row["verify_overhead"] = row["joblib_verified_s"] / row["joblib_load_s"]
            row["skops_vs_joblib_load"] = row["skops_verified_s"] / row["joblib_load_s"]
            row["save_vs_joblib_dump"] = row["save_model_s"] / row["joblib_dump_s"]
            rows.append(row)
            print(f"{n} {est} done", flush=True)
    columns = [
        "rows", "estimator", "joblib_MiB", "skops_MiB", "joblib_load_s", "joblib_verified_s",
        "skops_verified_s", "verify_overhead", "skops_vs_joblib_load", "joblib_dump_s",
        "save_model_s", "save_vs_joblib_dump",
    ]
    print(table(rows, columns))
    path = save("model_io", {"repeats": REPEATS, "rows": rows})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(tuple(sizes_from_argv(__doc__, [20_000, 100_000]))))

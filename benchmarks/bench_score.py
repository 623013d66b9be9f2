"""Batch scoring throughput and memory: ``ctloop.scoring.score`` in chunks vs a naive whole-frame
pandas predict.

A table of ROWS rows × 25 float64 features (Parquet, row groups of 65,536 rows) is scored by a
logistic regression pipeline (StandardScaler + LogisticRegression) fitted on 20,000 rows. Each
variant runs in a fresh process (its peak RSS is its own):

* ``naive``: ``pd.read_parquet`` of the whole table, ``predict_proba`` of the whole frame, one
  Parquet file written — what a hand-written batch job does;
* ``chunked <n>``: ``ctloop.scoring.score`` with ``batch_rows=n`` (predictions written per chunk
  with request_id, model_name, model_version, run_id, scored_at);
* ``chunked <n> + log``: the same, every row also logged into an inference-log root.

``peak_rss_mib`` is the process's peak resident memory; ``rss_above_imports_mib`` what scoring
added above the same imports and the loaded model (``rss_vs_naive`` compares that part).

The model is the same object in every variant (joblib file), so the numbers compare reading,
predicting and writing only, not the registry download.

    python benchmarks/bench_score.py [ROWS]      # default 1000000

Prints a table, writes ``results/score.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import save, table

HERE = Path(__file__).resolve().parent
FEATURES = 25
CHUNKS = (50_000, 250_000)


def make_inputs(work: Path, rows: int) -> None:
    import joblib
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    names = [f"x{i:02d}" for i in range(FEATURES)]
    weights = rng.normal(size=FEATURES)
    writer = None
    step = 100_000
    for start in range(0, rows, step):
        n = min(step, rows - start)
        block = pd.DataFrame(rng.normal(size=(n, FEATURES)), columns=names)
        table = pa.Table.from_pandas(block, preserve_index=False)
        writer = writer or pq.ParquetWriter(work / "table.parquet", table.schema)
        writer.write_table(table, row_group_size=65_536)
        if start == 0:
            y = (block.to_numpy() @ weights + rng.normal(size=n) > 0).astype(int)
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
            model.fit(block.iloc[:20_000], y[:20_000])
            joblib.dump((model, names), work / "model.joblib")
    writer.close()


def run_variant(work: Path, variant: str, batch_rows: int) -> dict:
    """In this (fresh) process: score, return rows/s and peak RSS."""
    import resource

    import joblib
    import pandas as pd
    import pyarrow.dataset  # noqa: F401 - every variant pays the same imports before the baseline

    from ctloop.scoring import Scorer, score

    model, names = joblib.load(work / "model.joblib")
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = work / f"out-{variant}-{batch_rows}"
    start = time.perf_counter()
    if variant == "naive":
        frame = pd.read_parquet(work / "table.parquet")
        proba = model.predict_proba(frame[names])
        result = pd.DataFrame({"prediction_0": proba[:, 0], "prediction_1": proba[:, 1]})
        out.mkdir()
        result.to_parquet(out / "part-0.parquet")
        rows = len(frame)
    else:
        scorer = Scorer(model, "bench", "1", "champion", names, names)
        result = score(scorer, str(work / "table.parquet"), str(out), run_id="bench", batch_rows=batch_rows,
                       log_root=str(work / f"log-{batch_rows}") if variant == "log" else "")
        rows = result.rows
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
            "peak_rss_mib": round(peak, 1), "rss_above_imports_mib": round(peak - baseline, 1)}


def main(rows: int = 1_000_000) -> int:
    with tempfile.TemporaryDirectory(prefix="ctloop-bench-score-") as tmp:
        work = Path(tmp)
        make_inputs(work, rows)
        size_mib = (work / "table.parquet").stat().st_size / 2**20
        plan = [("naive", 0), *[("chunked", n) for n in CHUNKS], ("log", CHUNKS[0])]
        results = []
        for variant, batch_rows in plan:
            done = subprocess.run([sys.executable, __file__, "--variant", str(work), variant, str(batch_rows)],
                                  check=True, capture_output=True, text=True)
            measured = json.loads(done.stdout.strip().splitlines()[-1])
            label = {"naive": "naive pandas (whole frame)", "chunked": f"chunked {batch_rows:,}",
                     "log": f"chunked {batch_rows:,} + inference log"}[variant]
            results.append({"variant": label, "batch_rows": batch_rows or rows, **measured})
    naive = results[0]
    for r in results:
        r["speed_vs_naive"] = round(r["rows_per_s"] / naive["rows_per_s"], 2)
        r["rss_vs_naive"] = round(r["rss_above_imports_mib"] / naive["rss_above_imports_mib"], 2)
    print(f"batch scoring: {rows:,} rows x {FEATURES} float64 features ({size_mib:.0f} MiB Parquet), "
          "StandardScaler + LogisticRegression; each variant in a fresh process\n")
    print(table(results, ["variant", "rows", "seconds", "rows_per_s", "peak_rss_mib", "rss_above_imports_mib",
                          "speed_vs_naive", "rss_vs_naive"]))
    path = save("score", {"rows": rows, "features": FEATURES, "parquet_mib": round(size_mib, 1),
                          "results": results})
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--variant":
        sys.path.insert(0, str(HERE.parent / "src"))
        print(json.dumps(run_variant(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))))
        sys.exit(0)
    import argparse

    parser = argparse.ArgumentParser(description="Batch scoring: naive pandas vs chunked vs chunked + "
                                     "inference log, each variant in a fresh process.")
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000, help="rows to score (default 1,000,000)")
    sys.exit(main(parser.parse_args().rows))

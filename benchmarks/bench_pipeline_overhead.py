"""What does running a cycle under kfp.local cost over calling the same cores in-process?

One continuous-training cycle (first model: prepare → drift → train → evaluate → register →
promote) on the synthetic data, three ways, each against its own fresh sqlite MLflow store:
(a) the same component functions called in-process (python_func, real artifacts on disk, one
interpreter, imports paid once) — the baseline; (b) the real pipeline under kfp.local's
subprocess runner with every task a plain fresh process ("cold", what kfp.local does by itself);
(c) the same pipeline with tasks forked from ctloop's warm task server ("warm", the default of
``ctloop run --local`` and ``make demo``; ctloop.taskserver). The pipeline totals include
compiling the pipeline and, for (c), starting the server. Per task: seconds from the task log
timestamps. Writes benchmarks/results/pipeline_overhead.{json,png}.

    python benchmarks/bench_pipeline_overhead.py [--rows 36000] [--repeats 1]
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

from _common import RESULTS, save, table

TASKS = ["prepare-data", "detect-drift", "train-model", "evaluate-model", "register-model", "promote-model"]


def in_process(data: Path, work: Path, as_of: str) -> dict[str, float]:
    from kfp.dsl import HTML, Artifact, ClassificationMetrics, Dataset, Markdown, Metrics, Model

    from ctloop.components.drift.component import detect_drift
    from ctloop.components.evaluate.component import evaluate_model
    from ctloop.components.prepare.component import prepare_data
    from ctloop.components.promote.component import promote_model
    from ctloop.components.register.component import register_model
    from ctloop.components.train.component import train_model
    from ctloop.synthetic import CREDIT_TARGET as Y
    from ctloop.synthetic import CREDIT_TIME_COLUMN as T
    from ctloop.synthetic import credit_contract

    uri = f"sqlite:///{work / 'inproc.db'}"

    def a(cls, name):
        return cls(name=name, uri=str(work / "inproc" / name), metadata={})

    t: dict[str, float] = {}
    s = time.perf_counter()
    outs = {n: a(Dataset, n) for n in ("train_data", "holdout_data", "current_data")}
    prep = prepare_data.python_func(data_uri=str(data), target=Y, time_column=T, contract=credit_contract(),
                                    window="120D", as_of=as_of, data_profile=a(Artifact, "profile"), **outs)
    t["prepare-data"] = time.perf_counter() - s
    s = time.perf_counter()
    detect_drift.python_func(current_data=outs["current_data"], model_name="bench", target=Y, time_column=T,
                             drift_report=a(HTML, "report"), drift_metrics=a(Metrics, "dm"), tracking_uri=uri)
    t["detect-drift"] = time.perf_counter() - s
    s = time.perf_counter()
    model = a(Model, "model")
    train_model.python_func(train_data=outs["train_data"], target=Y, time_column=T, model_name="bench", model=model,
                            tracking_uri=uri, dataset_digest=prep.digest)
    t["train-model"] = time.perf_counter() - s
    s = time.perf_counter()
    metrics = a(Metrics, "metrics")
    gate = evaluate_model.python_func(model=model, holdout_data=outs["holdout_data"], model_name="bench", metrics=metrics,
                                      classification_metrics=a(ClassificationMetrics, "cm"), summary=a(Markdown, "s"),
                                      thresholds={"roc_auc": 0.7}, tracking_uri=uri)
    t["evaluate-model"] = time.perf_counter() - s
    s = time.perf_counter()
    v = register_model.python_func(model=model, gate_metrics=metrics, model_name="bench", gate_reason=gate.reason,
                                   tracking_uri=uri).version
    t["register-model"] = time.perf_counter() - s
    s = time.perf_counter()
    promote_model.python_func(model_name="bench", version=v, reason="bench", tracking_uri=uri)
    t["promote-model"] = time.perf_counter() - s
    return t


def pipeline(data: Path, work: Path, as_of: str, warm: bool) -> tuple[dict[str, float], float]:
    from ctloop.local import run_pipeline_locally
    from ctloop.pipelines.continuous_training import continuous_training

    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        run = run_pipeline_locally(continuous_training, {"data_uri": str(data), "as_of": as_of, "window": "120D",
                                   "tracking_uri": f"sqlite:///{work / 'pipe.db'}", "model_name": "bench"},
                                   workdir=work, console=devnull, warm=warm)
    total = time.perf_counter() - t0
    if not run.succeeded:
        raise SystemExit(f"pipeline failed: {run.error}")
    text = run.log_file.read_text()
    stamps = {}
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    for m in re.finditer(r"(\d\d):(\d\d):(\d\d\.\d+) - INFO - (Executing task|Task) '([^']+)'", plain):
        secs = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        task = re.sub(r"-\d+$", "", m.group(5).strip("'"))  # promote-model-2 → promote-model
        stamps.setdefault(task, []).append(secs)
    return {k: v[-1] - v[0] for k, v in stamps.items() if k in TASKS}, total


def main() -> int:
    import argparse
    import statistics

    from ctloop.synthetic import make_credit_data

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=36000)
    ap.add_argument("--repeats", type=int, default=1, help="pipeline runs per mode (median reported)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "credit.parquet"
        make_credit_data(n_rows=args.rows, seed=7).to_parquet(data)
        as_of = "2025-05-01"
        (work / "inproc").mkdir()
        t0 = time.perf_counter()
        inproc = in_process(data, work, as_of)
        inproc_total = time.perf_counter() - t0
        runs = {"cold": [], "warm": []}
        for i in range(args.repeats):
            for mode in ("cold", "warm"):
                runs[mode].append(pipeline(data, work / f"{mode}-{i}", as_of, warm=mode == "warm"))

    def median_run(mode):
        totals = [t for _, t in runs[mode]]
        return runs[mode][totals.index(sorted(totals)[len(totals) // 2])]

    (cold, cold_total), (warm, warm_total) = median_run("cold"), median_run("warm")
    rows = [{"task": k, "in_process_s": inproc[k], "kfp_local_cold_s": cold.get(k), "kfp_local_warm_s": warm.get(k),
             "warm_overhead_s": (warm.get(k) or 0) - inproc[k]} for k in TASKS]
    rows.append({"task": "TOTAL (cycle)", "in_process_s": inproc_total, "kfp_local_cold_s": cold_total,
                 "kfp_local_warm_s": warm_total, "warm_overhead_s": warm_total - inproc_total})
    print(table(rows, ["task", "in_process_s", "kfp_local_cold_s", "kfp_local_warm_s", "warm_overhead_s"]))
    ratios = {"cold": cold_total / inproc_total, "warm": warm_total / inproc_total}
    print(f"\none cycle ({args.rows} rows): in-process {inproc_total:.1f} s; kfp.local cold {cold_total:.1f} s "
          f"({ratios['cold']:.2f}x); kfp.local warm {warm_total:.1f} s ({ratios['warm']:.2f}x)")
    if args.repeats > 1:
        for mode in runs:
            print(f"  {mode} totals: " + ", ".join(f"{t:.1f}" for _, t in runs[mode])
                  + f" (median {statistics.median(t for _, t in runs[mode]):.1f})")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.2))
    xs = range(len(TASKS))
    ax.bar([x - 0.27 for x in xs], [inproc[k] for k in TASKS], width=0.27, label="in-process (baseline)")
    ax.bar(list(xs), [cold.get(k, 0) for k in TASKS], width=0.27, label="kfp.local, fresh process per task")
    ax.bar([x + 0.27 for x in xs], [warm.get(k, 0) for k in TASKS], width=0.27, label="kfp.local, warm task server")
    ax.set_xticks(list(xs), TASKS, rotation=20)
    ax.set_ylabel("seconds")
    ax.set_title(f"One cycle: in-process {inproc_total:.1f} s, kfp.local cold {cold_total:.1f} s "
                 f"({ratios['cold']:.1f}x), warm {warm_total:.1f} s ({ratios['warm']:.1f}x)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "pipeline_overhead.png", dpi=110)
    print(f"wrote {save('pipeline_overhead', {'rows': rows, 'data_rows': args.rows, 'ratios': ratios, 'runs': {m: [t for _, t in r] for m, r in runs.items()}})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

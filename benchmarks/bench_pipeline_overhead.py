"""What does running a cycle under kfp.local cost over calling the same cores in-process?

One continuous-training cycle (first model: prepare → drift → train → evaluate → register →
promote) on the synthetic data, twice: (a) the real pipeline under kfp.local's subprocess runner,
(b) the same component functions called in-process (python_func, real artifacts on disk, one
interpreter, imports paid once). Per task: seconds in the pipeline (from the task log timestamps)
vs in-process. Writes benchmarks/results/pipeline_overhead.{json,png}.
"""

from __future__ import annotations

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


def pipeline(data: Path, work: Path, as_of: str) -> tuple[dict[str, float], float]:
    from ctloop.local import run_pipeline_locally
    from ctloop.pipelines.continuous_training import continuous_training

    t0 = time.perf_counter()
    run = run_pipeline_locally(continuous_training, {"data_uri": str(data), "as_of": as_of, "window": "120D",
                               "tracking_uri": f"sqlite:///{work / 'pipe.db'}", "model_name": "bench"},
                               workdir=work, console=open("/dev/null", "w"))
    total = time.perf_counter() - t0
    if not run.succeeded:
        raise SystemExit(f"pipeline failed: {run.error}")
    text = run.log_file.read_text()
    stamps = {}
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    for m in re.finditer(r"(\d\d):(\d\d):(\d\d\.\d+) - INFO - (Executing task|Task) '([^']+)'", plain):
        secs = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        stamps.setdefault(m.group(5).strip("'"), []).append(secs)
    return {k: v[-1] - v[0] for k, v in stamps.items() if k in TASKS}, total


def main() -> int:
    from ctloop.synthetic import make_credit_data

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "credit.parquet"
        make_credit_data(n_rows=36000, seed=7).to_parquet(data)
        as_of = "2025-05-01"
        t0 = time.perf_counter()
        inproc = in_process(data, work, as_of)
        inproc_total = time.perf_counter() - t0
        piped, pipe_total = pipeline(data, work, as_of)
    rows = [{"task": k, "kfp_local_s": piped.get(k), "in_process_s": inproc[k],
             "overhead_s": (piped.get(k) or 0) - inproc[k]} for k in TASKS]
    rows.append({"task": "TOTAL (cycle)", "kfp_local_s": pipe_total, "in_process_s": inproc_total,
                 "overhead_s": pipe_total - inproc_total})
    print(table(rows, ["task", "kfp_local_s", "in_process_s", "overhead_s"]))
    print(f"\nratio kfp.local / in-process for one cycle: {pipe_total / inproc_total:.2f}x")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    xs = range(len(TASKS))
    ax.bar([x - 0.2 for x in xs], [piped.get(k, 0) for k in TASKS], width=0.4, label="kfp.local (subprocess per task)")
    ax.bar([x + 0.2 for x in xs], [inproc[k] for k in TASKS], width=0.4, label="in-process")
    ax.set_xticks(list(xs), TASKS, rotation=20)
    ax.set_ylabel("seconds")
    ax.set_title(f"One cycle: {pipe_total:.1f} s under kfp.local vs {inproc_total:.1f} s in-process")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "pipeline_overhead.png", dpi=110)
    print(f"wrote {save('pipeline_overhead', {'rows': rows, 'ratio': pipe_total / inproc_total})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

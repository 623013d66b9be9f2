"""``ctloop run --local``, ``ctloop backtest``, ``ctloop demo``, ``ctloop generate-data``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ctloop.errors import ConfigError


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    """``["a=1", "b={\\"x\\": 2}", "c=text"]`` → ``{"a": 1, "b": {"x": 2}, "c": "text"}``."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--param {pair!r} must look like NAME=VALUE (VALUE may be JSON)")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out


def pipeline_arguments(pipeline_func: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Check ``params`` against the pipeline's parameters (did-you-mean on a typo)."""
    import difflib

    known = set(pipeline_func.component_spec.inputs or {})
    for key in params:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"unknown pipeline parameter {key!r}{hint}; known: {', '.join(sorted(known))}")
    return params


def summarize_ct_run(run) -> list[str]:
    """Human-readable lines describing the decisions of a continuous-training run."""
    lines = []
    prep = run.task("prepare-data")
    if prep:
        lines.append(
            f"data      {prep.get('train_rows', '?')} train / {prep.get('holdout_rows', '?')} holdout rows, "
            f"digest {str(prep.get('digest', ''))[:12]}"
        )
    drift = run.task("detect-drift")
    if drift:
        lines.append(f"drift     drifted={drift.get('drifted')}  retrain={drift.get('retrain')}  — {drift.get('reason', '')}")
        report = (drift.get("drift_report") or {}).get("uri")
        if report:
            lines.append(f"          report: {report}")
    if run.task("train-model"):
        lines.append(f"train     MLflow run {run.output('train-model', 'run_id', '')}")
    ev = run.task("evaluate-model")
    if ev:
        verdict = "APPROVED" if ev.get("approved") else "REJECTED"
        lines.append(f"gate      {verdict} — {ev.get('reason', '')}")
        summary = (ev.get("summary") or {}).get("uri")
        if summary:
            lines.append(f"          summary: {summary}")
    reg = run.task("register-model")
    if reg:
        lines.append(f"registry  registered version {reg.get('version')} (alias challenger)")
    pro = run.task("promote-model")
    if pro:
        prev = pro.get("previous_champion") or "none"
        lines.append(f"promote   champion is now version {reg.get('version', '?')} (previous: {prev})")
    if not ev and drift and not drift.get("retrain"):
        lines.append("decision  no retraining: the champion keeps serving")
    return lines


def _run(args: argparse.Namespace) -> int:
    from ctloop.local import run_pipeline_locally
    from ctloop.pipelines import all_pipelines

    if not args.local:
        raise ConfigError(
            "only --local runs are started by `ctloop run`; on a cluster use `ctloop upload` and "
            "`ctloop schedule` (or `ctloop apply -f ctloop.yaml`)"
        )
    pipelines = all_pipelines()
    if args.pipeline not in pipelines:
        raise ConfigError(f"unknown pipeline {args.pipeline!r}; choose one of {', '.join(sorted(pipelines))}")
    func = pipelines[args.pipeline]
    params = pipeline_arguments(func, parse_params(args.param))
    workdir = Path(args.workdir).resolve()
    if "tracking_uri" in (func.component_spec.inputs or {}):
        params.setdefault("tracking_uri", args.tracking_uri or f"sqlite:///{workdir / 'mlflow.db'}")
    if args.data:
        params["data_uri"] = args.data
    if "data_uri" in params and "://" not in str(params["data_uri"]):
        params["data_uri"] = str(Path(params["data_uri"]).resolve())
    print(f"running pipeline {args.pipeline} locally (kfp.local, subprocess runner) in {workdir}")
    run = run_pipeline_locally(func, params, workdir=workdir, verbose=args.verbose, warm=not args.cold)
    print(f"\n{args.pipeline}: {'SUCCEEDED' if run.succeeded else 'FAILED'} in {run.seconds:.1f} s")
    if args.pipeline == "continuous-training":
        for line in summarize_ct_run(run):
            print("  " + line)
    print(f"  outputs   {run.run_dir}\n  full log  {run.log_file}")
    if not run.succeeded:
        print(f"error: {run.error}")
        return 1
    return 0


def _backtest(args: argparse.Namespace) -> int:
    from ctloop.backtest import BacktestConfig, run_backtest, write_report
    from ctloop.storage import read_table

    frame = read_table(args.data)
    cfg = BacktestConfig(
        target=args.target,
        time_column=args.time_column,
        window=args.window,
        policy=args.policy,
        task=args.task,
        estimator=args.estimator,
        hyperparameters=parse_params(args.hyperparameter),
        train_window=args.train_window,
        thresholds=json.loads(args.thresholds),
        primary_metric=args.primary_metric,
        tolerance=args.tolerance,
        drift_share=args.drift_share,
        seed=args.seed,
    )
    print(f"backtest of {args.data}: {len(frame)} rows, window {args.window}, policy {args.policy}")
    report = run_backtest(frame, cfg, progress=lambda m: print("  " + m))
    js, png = write_report(report, args.output)
    mean = "n/a" if report.mean_metric is None else f"{report.mean_metric:.4f}"
    print(f"\nmean_metric ({report.metric}, row-weighted) = {mean}   retrains = {report.retrains}   "
          f"promotions = {report.promotions}")
    print(f"report: {js}\nplot:   {png}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from ctloop.storage import write_table
    from ctloop.synthetic import describe_drift, make_credit_data

    frame = make_credit_data(n_rows=args.rows, seed=args.seed)
    write_table(frame, args.output)
    print(f"wrote {len(frame)} rows to {args.output}\n{describe_drift()}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ctloop.demo import run_demo

    return run_demo(Path(args.workdir), rows=args.rows, keep=args.keep)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "run", help="run a pipeline locally with the KFP local runner",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog="""examples:
  ctloop generate-data --output data/credit.parquet
  ctloop run --local --data data/credit.parquet --param as_of=2025-05-01
  ctloop run --local --pipeline monitoring --param log_root=logs --param window=1h
""")
    p.add_argument("--local", action="store_true", help="run on this machine (kfp.local subprocess runner)")
    p.add_argument("--pipeline", default="continuous-training", help="pipeline name (default: continuous-training)")
    p.add_argument("--data", help="shortcut for --param data_uri=URI (local path or gs://)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="pipeline parameter (VALUE parsed as JSON when possible); repeatable")
    p.add_argument("--tracking-uri", default="", help="MLflow tracking URI (default: sqlite under --workdir)")
    p.add_argument("--workdir", default=".", help="where local_outputs/, logs/ and mlflow.db go (default: .)")
    p.add_argument("--verbose", action="store_true", help="stream every task's full KFP output")
    p.add_argument("--cold", action="store_true",
                   help="start every task as a plain fresh process (default: fork tasks from a warm task "
                        "server that has the heavy libraries imported; see ctloop.taskserver)")
    p.set_defaults(handler=_run)

    b = subparsers.add_parser(
        "backtest", help="replay history window by window: prequential score, drift, retrain, gate, promote",
    )
    b.add_argument("--data", required=True, help="time-ordered table (CSV/Parquet, local or gs://)")
    b.add_argument("--target", required=True, help="label column")
    b.add_argument("--time-column", required=True, help="event-time column")
    b.add_argument("--window", required=True, help="replay step, a duration such as 7D, 12h or 1000min")
    b.add_argument("--policy", default="drift", choices=["drift", "always", "never"],
                   help="when to retrain (default: drift)")
    b.add_argument("--task", default="classification", choices=["classification", "regression"])
    b.add_argument("--estimator", default="hist_gradient_boosting")
    b.add_argument("--hyperparameter", action="append", metavar="NAME=VALUE", help="estimator hyperparameter")
    b.add_argument("--train-window", default="90D", help="history used to train a challenger (default 90D)")
    b.add_argument("--thresholds", default='{"roc_auc": 0.7}', help='absolute gate thresholds as JSON')
    b.add_argument("--primary-metric", default="", help="gate/prequential metric (default roc_auc / rmse)")
    b.add_argument("--tolerance", type=float, default=0.01, help="allowed regression vs champion")
    b.add_argument("--drift-share", type=float, default=0.5, help="share of drifted columns = drift")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--output", default="backtest-output", help="directory for backtest.json and backtest.png")
    b.set_defaults(handler=_backtest)

    g = subparsers.add_parser("generate-data", help="write the seeded synthetic drifting credit dataset")
    g.add_argument("--output", default="data/credit.parquet", help="CSV or Parquet path, local or gs://")
    g.add_argument("--rows", type=int, default=60000)
    g.add_argument("--seed", type=int, default=7)
    g.set_defaults(handler=_generate)

    d = subparsers.add_parser("demo", help="the whole loop on synthetic data: local pipeline runs, then a backtest")
    d.add_argument("--workdir", default="demo-output", help="output directory (default demo-output)")
    d.add_argument("--rows", type=int, default=36000, help="synthetic rows (default 36000)")
    d.add_argument("--keep", action="store_true", help="keep an existing registry in --workdir instead of starting fresh")
    d.set_defaults(handler=_demo)

"""``ctloop run --local``, ``ctloop backtest``, ``ctloop demo``, ``ctloop generate-data``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ctloop.errors import ConfigError


def _run(args: argparse.Namespace) -> int:
    from ctloop.local import run_pipeline_locally, summarize_ct_run, summarize_rollout
    from ctloop.ops.params import parse_pairs, pipeline_arguments
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
    values = parse_pairs(args.param)
    if args.data:
        values["data.uri"] = args.data
    workdir = Path(args.workdir).resolve()
    if "tracking_uri" in (func.component_spec.inputs or {}):
        values.setdefault("tracking_uri", args.tracking_uri or f"sqlite:///{workdir / 'mlflow.db'}")
    params = pipeline_arguments(func, values)
    data = params.get("data")
    if isinstance(data, dict) and data.get("uri") and "://" not in str(data["uri"]):
        data["uri"] = str(Path(data["uri"]).resolve())  # tasks run in their own working directories
    print(f"running pipeline {args.pipeline} locally (kfp.local, subprocess runner) in {workdir}")
    run = run_pipeline_locally(func, params, workdir=workdir, verbose=args.verbose, warm=not args.cold)
    print(f"\n{args.pipeline}: {'SUCCEEDED' if run.succeeded else 'FAILED'} in {run.seconds:.1f} s")
    if args.pipeline == "continuous-training":
        for line in summarize_ct_run(run):
            print("  " + line)
    elif args.pipeline == "rollout":
        for line in summarize_rollout(run, version=str(params.get("version", "?"))):
            print("  " + line)
    print(f"  outputs   {run.run_dir}\n  full log  {run.log_file}")
    if not run.succeeded:
        print(f"error: {run.error}")
        return 1
    return 0


def _backtest(args: argparse.Namespace) -> int:
    from ctloop.backtest import (
        BACKTEST_GATE,
        BACKTEST_THRESHOLDS,
        BacktestConfig,
        run_backtest,
        write_report,
    )
    from ctloop.config import DriftConfig, GateConfig, TrainingConfig, from_arguments
    from ctloop.storage import read_table

    training = from_arguments(TrainingConfig, args)
    base = {**BACKTEST_GATE, "thresholds": BACKTEST_THRESHOLDS.get(training.task, {})}
    gate = from_arguments(GateConfig, args, base=base)
    gate = gate if gate.thresholds else None  # BacktestConfig.validate says what is missing
    cfg = BacktestConfig(target=args.target, time_column=args.time_column, window=args.window, policy=args.policy,
                         train_window=args.train_window, training=training, gate=gate,
                         drift=from_arguments(DriftConfig, args))
    frame = read_table(args.data)
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
    from ctloop.backtest import BACKTEST_GATE, BACKTEST_THRESHOLDS
    from ctloop.config import DriftConfig, GateConfig, TrainingConfig, add_arguments

    p = subparsers.add_parser(
        "run", help="run a pipeline locally with the KFP local runner",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog="""examples:
  ctloop generate-data --output data/credit.parquet
  ctloop run --local --data data/credit.parquet --param model_name=credit-default \\
      --param data.target=default --param data.time_column=application_date \\
      --param data.as_of=2025-05-01 --param 'gate.thresholds={"roc_auc": 0.7}'
  ctloop run --local --pipeline monitoring --param model_name=credit-default \\
      --param monitoring.log_root=logs --param monitoring.window=1h --param training_parameters='{}'
""")
    p.add_argument("--local", action="store_true", help="run on this machine (kfp.local subprocess runner)")
    p.add_argument("--pipeline", default="continuous-training", help="pipeline name (default: continuous-training)")
    p.add_argument("--data", help="shortcut for --param data.uri=URI (a local path or an object-store URI)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="pipeline parameter; a section takes JSON or one field at a time: --param "
                        "data.target=default --param gate.tolerance=0.02 (VALUE parsed as JSON when possible); "
                        "repeatable")
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
    b.add_argument("--train-window", default="90D", help="history used to train a challenger (default 90D)")
    add_arguments(b, TrainingConfig, ["task", "estimator", "hyperparameters", "seed"])
    add_arguments(b, GateConfig, ["thresholds", "primary_metric", "tolerance", "bootstrap_rounds"],
                  defaults={**BACKTEST_GATE, "thresholds": BACKTEST_THRESHOLDS["classification"]})
    add_arguments(b, DriftConfig, ["share", "method", "threshold"], rename={"share": "drift_share",
                                                                            "method": "drift_method",
                                                                            "threshold": "drift_threshold"})
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

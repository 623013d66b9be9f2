"""``ctloop demo``: the whole continuous-training loop on one machine, on embedded defaults.

1. writes the seeded synthetic credit dataset (gradual drift, then a sudden shock);
2. runs the real ``continuous-training`` pipeline with the KFP local runner at several points in
   time (``as_of``), against a local sqlite MLflow registry: the first run trains the first
   champion, a quiet period keeps it, the shock triggers drift → retrain → gate → promotion;
3. backtests the whole history under four policies (never / always / drift / default, the
   production rule set) on the same replay and writes one comparison table and plot, and each
   policy's JSON report and timeline plot.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

from ctloop.errors import ConfigError

MARKER = ".ctloop-demo"
SUMMARY = "demo-summary.json"
DEMO_MODEL = "credit-default"
DEMO_THRESHOLDS = {"roc_auc": 0.70}
# (label, period index whose end is as_of); periods are the generator's 30-day periods.
# the policies the demo's backtest compares: the two bounds, feature drift alone, the production rules
DEMO_POLICIES = ("never", "always", "drift", "default")
DEMO_RUNS = (
    ("first model", 3),
    ("quiet month", 4),
    ("after the shock", 8),
)
DEMO_WINDOW = "120D"  # each run's training window (data.window), ending at its as_of
DEMO_PERIODS = 12  # the generator's periods of the demo's data (make_credit_data's default)


def _check_rows(frame: Any, rows: int) -> None:
    """Refuse, before the workdir is touched, a ``--rows`` whose runs' training windows hold fewer
    rows than the data contract's ``min_rows``: the first run failed after a minute with "widen
    `window` or move `as_of`", settings the demo does not take. The rows suggested: the contract's
    over the share of the generated span a window covers, with a tenth to spare."""
    import math

    import pandas as pd

    from ctloop.synthetic import CREDIT_TIME_COLUMN, PERIOD_DAYS, credit_contract

    need = credit_contract()["min_rows"]
    times = frame[CREDIT_TIME_COLUMN]
    t0 = pd.Timestamp(times.min()).normalize()
    window = pd.Timedelta(DEMO_WINDOW)
    span = pd.Timedelta(days=PERIOD_DAYS * DEMO_PERIODS)  # what make_credit_data spreads the rows over
    enough = math.ceil(1.1 * need * (span / window))
    for label, period in DEMO_RUNS:
        end = t0 + pd.Timedelta(days=30 * (period + 1))
        held = int(((times > end - window) & (times <= end)).sum())
        if held < need:
            raise ConfigError(f"--rows {rows}: the demo's run {label!r} trains on the {DEMO_WINDOW} to "
                              f"{end:%Y-%m-%d}, which hold {held} rows, and its data contract needs {need}: use "
                              f"--rows {enough} or more")


def _fresh_workdir(workdir: Path, keep: bool) -> None:
    """Make ``workdir`` the demo's: refused when it holds files of something else; the previous
    demo's outputs removed (its registry kept with ``keep``), its summary always (a rerun stopped
    before its own summary left the last one's, read as this run's). A directory that cannot be
    written (read-only, /proc) is a ConfigError naming ``--workdir``."""
    if workdir.exists() and any(workdir.iterdir()) and not (workdir / MARKER).exists():
        raise ConfigError(
            f"{workdir} exists and was not made by `ctloop demo`: choose another --workdir"
        )
    names = ("mlflow.db", "mlartifacts", "local_outputs", "logs", ".kfp-workspace", "backtest") if not keep else ()
    try:
        for name in (*names, SUMMARY):
            target = workdir / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / MARKER).write_text("created by ctloop demo; safe to delete\n")
    except OSError as exc:
        raise ConfigError(f"--workdir {workdir}: cannot write {exc.filename or workdir}: {exc.strerror or exc}; "
                          "choose a writable --workdir") from None


def run_demo(workdir: Path, rows: int = 36000, keep: bool = False, seed: int = 7) -> int:
    import pandas as pd

    from ctloop.local import check_registry_path, run_pipeline_locally, summarize_ct_run
    from ctloop.pipelines.continuous_training import continuous_training
    from ctloop.storage import check_output_dir, write_table
    from ctloop.synthetic import (
        CREDIT_TARGET,
        CREDIT_TIME_COLUMN,
        credit_contract,
        describe_drift,
        make_credit_data,
    )
    from ctloop.taskserver import task_server, warm_start_supported

    started = time.monotonic()
    check_output_dir(str(workdir), name="--workdir")
    check_registry_path(Path(workdir).resolve(), f"workdir {workdir}", "choose another workdir")  # its sqlite URL
    frame = make_credit_data(n_rows=rows, periods=DEMO_PERIODS, seed=seed)  # refuses a bad row count before the workdir is touched
    _check_rows(frame, rows)
    workdir = workdir.resolve()
    _fresh_workdir(workdir, keep)
    tracking_uri = f"sqlite:///{workdir / 'mlflow.db'}"

    print("== 1. data")
    data_path = workdir / "data" / "credit.parquet"
    write_table(frame, str(data_path))
    t0 = pd.Timestamp(frame[CREDIT_TIME_COLUMN].min()).normalize()
    print(f"wrote {len(frame)} rows × {frame.shape[1]} columns to {data_path}")
    print(describe_drift())

    print("\n== 2. the continuous-training pipeline, run locally at three points in time")
    summaries = []
    last_run = None
    # one warm task server for the three runs: their tasks fork from an interpreter that has
    # pandas, scikit-learn, MLflow and evidently imported (ctloop.taskserver)
    with contextlib.ExitStack() as stack:
        if warm_start_supported():
            stack.enter_context(task_server(workdir / "logs"))
        for label, period in DEMO_RUNS:
            as_of = (t0 + pd.Timedelta(days=30 * (period + 1))).isoformat()
            print(f"\n-- run '{label}': as_of={as_of[:10]}")
            # the demo's settings, all explicit: the pipeline has no demo defaults
            run = run_pipeline_locally(
                continuous_training,
                {
                    "model_name": DEMO_MODEL,
                    "data": {"uri": str(data_path), "target": CREDIT_TARGET, "time_column": CREDIT_TIME_COLUMN,
                             "contract": credit_contract(), "window": DEMO_WINDOW, "current_window": "30D",
                             "as_of": as_of},
                    "gate": {"thresholds": DEMO_THRESHOLDS, "slice_column": "region"},
                    "tracking_uri": tracking_uri,
                },
                workdir=workdir,
            )
            for line in summarize_ct_run(run):
                print("   " + line)
            if not run.succeeded:
                print(f"run failed: {run.error}\nfull log: {run.log_file}")
                return 1
            last_run = run
            ev = run.task("evaluate-model")
            summaries.append({
                "run": label,
                "as_of": as_of[:10],
                "drifted": run.output("detect-drift", "drifted"),
                "retrained": bool(run.task("train-model")),
                "approved": ev.get("approved") if ev else None,
                "version": run.output("register-model", "version"),
                "seconds": round(run.seconds, 1),
            })

    print(f"\n== 3. backtest of the whole history under {len(DEMO_POLICIES)} policies (window 30D, train window 90D)")
    reports, paths = backtest_history(frame, workdir / "backtest", seed)

    print("\n== summary")
    print(f"{'run':<18}{'as_of':<12}{'drifted':<9}{'retrained':<11}{'approved':<10}{'version':<8}{'seconds':>8}")
    for s in summaries:
        print(f"{s['run']:<18}{s['as_of']:<12}{s['drifted']!s:<9}{s['retrained']!s:<11}"
              f"{s['approved']!s:<10}{s['version'] or '-':<8}{s['seconds']:>8}")
    print()
    for line in comparison_lines(reports):
        print(line)
    (workdir / SUMMARY).write_text(json.dumps({
        "runs": summaries,
        "backtest": {p: {"mean_metric": r.mean_metric, "retrains": r.retrains, "promotions": r.promotions}
                     for p, r in reports.items()},
    }, indent=2))
    drift_report = (last_run.task("detect-drift").get("drift_report") or {}).get("uri", "")
    print("\nwhere to look:")
    print(f"  drift report (HTML)    {drift_report}")
    print(f"  policies compared      {paths['compare.png']}\n                         {paths['compare.csv']}")
    print(f"  default policy         {paths['default.png']}\n                         {paths['default.json']}")
    print(f"  MLflow registry        {mlflow_ui_command(tracking_uri)}")
    print(f"  demo summary           {workdir / SUMMARY}")
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s")
    return 0


def mlflow_ui_command(tracking_uri: str) -> str:
    """The command that opens the demo's registry, ready to paste (a workdir whose path holds a
    space is quoted)."""
    import shlex

    return f"mlflow ui --backend-store-uri {shlex.quote(tracking_uri)}"


def _say_default(message: str) -> None:
    """The demo's progress: the default policy's windows only (module level: a replay in a process
    of its own prints it too)."""
    if message.startswith("[default]"):
        print("   " + message)


def backtest_history(frame: Any, out_dir: Path, seed: int, jobs: int | None = None) -> tuple[dict[str, Any], dict[str, Path]]:
    """The demo's backtest: :data:`DEMO_POLICIES` on the same replay (30-day windows, 90-day
    training window), ``compare.{csv,json,png}`` and each policy's report under ``out_dir``.
    Returns the reports and the paths the demo prints."""
    from joblib import cpu_count  # the CPU quota's cores (os.cpu_count: the host's)

    from ctloop.backtest import BacktestConfig, compare, write_comparison, write_report
    from ctloop.config import TrainingConfig
    from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN

    cfg = BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="30D",
                         policy="default", train_window="90D", training=TrainingConfig(seed=seed))
    jobs = jobs or min(len(DEMO_POLICIES), cpu_count())
    reports = compare(frame, cfg, list(DEMO_POLICIES), progress=_say_default, jobs=jobs)
    csv_path, _, png = write_comparison(reports, out_dir)
    paths = {"compare.csv": csv_path, "compare.png": png}
    for policy, report in reports.items():
        js, timeline = write_report(report, out_dir / policy)
        paths[f"{policy}.json"], paths[f"{policy}.png"] = js, timeline
    return reports, paths


def comparison_lines(reports: dict[str, Any]) -> list[str]:
    """The summary's table: mean metric, its difference with always-retrain, retrains, promotions."""
    from ctloop.backtest import comparison_table

    rows = comparison_table(reports)
    metric = rows[0]["metric"]
    lines = [f"{'policy':<10}{'mean ' + metric:>14}{'vs always':>12}{'retrains':>10}{'promotions':>12}"]
    for row in rows:
        mean = "n/a" if row["mean_metric"] is None else f"{row['mean_metric']:.4f}"
        delta = row.get("delta_vs_always_pts")
        vs = "-" if row["policy"] == "always" or delta is None else f"{delta:+.2f} pts"
        lines.append(f"{row['policy']:<10}{mean:>14}{vs:>12}{row['retrains']:>10}{row['promotions']:>12}")
    return lines


__all__ = ["run_demo", "mlflow_ui_command", "backtest_history", "comparison_lines", "DEMO_POLICIES", "DEMO_RUNS", "DEMO_MODEL", "DEMO_THRESHOLDS"]

"""``ctloop upload``, ``ctloop schedule``, ``ctloop apply``, ``ctloop runs``: a KFP cluster."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

PIPELINE = "continuous-training"


def _platform(args):
    from ctloop.ops.platform import Platform

    return Platform(host=args.host or "", token=args.token or "", namespace=getattr(args, "namespace", "") or "")


def _compile_one(out_dir: Path, image: str | None, pipeline: str = PIPELINE) -> Path:
    from ctloop.compiler import compile_pipeline
    from ctloop.errors import ConfigError
    from ctloop.pipelines import all_pipelines

    pipelines = all_pipelines()
    if pipeline not in pipelines:
        raise ConfigError(f"unknown pipeline {pipeline!r}; choose one of {', '.join(sorted(pipelines))}")
    return compile_pipeline(pipelines[pipeline], out_dir / f"{pipeline}.yaml", image=image or None)


def _upload(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        package = _compile_one(Path(tmp), args.image, args.pipeline)
        result = _platform(args).ensure_pipeline(args.pipeline_name or args.pipeline, package)
    print(f"pipeline {args.pipeline_name or args.pipeline}: {result.action} (version {result.version_name}, id {result.version_id})")
    return 0


def _schedule(args: argparse.Namespace) -> int:
    from ctloop.cli.local import parse_params, pipeline_arguments
    from ctloop.ops.cron import describe, validate_cron
    from ctloop.pipelines import all_pipelines

    cron = validate_cron(args.cron)
    pipelines = all_pipelines()
    if args.pipeline not in pipelines:
        from ctloop.errors import ConfigError

        raise ConfigError(f"unknown pipeline {args.pipeline!r}; choose one of {', '.join(sorted(pipelines))}")
    params = pipeline_arguments(pipelines[args.pipeline], parse_params(args.param))
    platform = _platform(args)
    name = args.pipeline_name or args.pipeline
    with tempfile.TemporaryDirectory() as tmp:
        upload = platform.ensure_pipeline(name, _compile_one(Path(tmp), args.image, args.pipeline))
    experiment_id = platform.ensure_experiment(args.experiment, namespace=args.namespace or "")
    result = platform.reconcile_schedule(
        experiment_id=experiment_id, job_name=args.job_name or f"{name}-schedule",
        pipeline_id=upload.pipeline_id, version_id=upload.version_id, cron=cron, params=params,
        no_catchup=not args.catchup, max_concurrency=args.max_concurrency,
    )
    print(f"schedule: {result.action} ({result.recurring_run_id}); runs {describe(cron)}; "
          f"no_catchup={not args.catchup}, max_concurrency={args.max_concurrency}")
    for rid in result.kept_in_flight:
        print(f"  old schedule {rid} disabled; it still has a run in flight and is deleted by the next apply")
    return 0


def apply_spec(spec, *, platform_factory, image: str | None, dry_run: bool, out=print) -> list[dict]:
    """Compile, upload if changed, reconcile each model's schedule. Returns the plan/actions."""
    from ctloop.ops.cron import describe, validate_cron
    from ctloop.ops.spec import pipeline_parameters

    platform = platform_factory(spec.kfp)
    actions = []
    with tempfile.TemporaryDirectory() as tmp:
        package = _compile_one(Path(tmp), image or spec.kfp.get("image") or None)
        upload = platform.ensure_pipeline(PIPELINE, package, dry_run=dry_run)
        out(f"pipeline {PIPELINE}: {upload.action} ({upload.version_name})")
        actions.append({"what": "pipeline", "action": upload.action, "version": upload.version_name})
    experiment_id = platform.ensure_experiment(spec.kfp["experiment"], namespace=spec.kfp.get("namespace", ""),
                                               dry_run=dry_run)
    for model in spec.models:
        params = pipeline_parameters(model)
        if not model.schedule:
            out(f"model {model.name}: no schedule declared (run it with `ctloop run` or the KFP UI)")
            actions.append({"what": model.name, "action": "no-schedule"})
            continue
        cron = validate_cron(model.schedule["cron"])
        result = platform.reconcile_schedule(
            experiment_id=experiment_id, job_name=f"ct-{model.name}", pipeline_id=upload.pipeline_id,
            version_id=upload.version_id, cron=cron, params=params,
            no_catchup=model.schedule.get("no_catchup", True),
            max_concurrency=model.schedule.get("max_concurrency", 1),
            enabled=model.schedule.get("enabled", True), service_account=spec.kfp.get("service_account", ""),
            dry_run=dry_run or not experiment_id,
        )
        out(f"model {model.name}: schedule {result.action} — {describe(cron)}"
            + (f" (replaces {', '.join(result.retired)})" if result.retired else ""))
        actions.append({"what": model.name, "action": result.action, "recurring_run_id": result.recurring_run_id})
    return actions


def _apply(args: argparse.Namespace) -> int:
    from ctloop.ops.platform import Platform
    from ctloop.ops.spec import load_spec

    spec = load_spec(args.file)
    print(f"{args.file}: valid ({len(spec.models)} model(s)){' — dry run, nothing changes' if args.dry_run else ''}")

    def factory(kfp: dict):
        return Platform(host=args.host or kfp.get("host", ""), token=args.token or "",
                        namespace=kfp.get("namespace", ""))

    apply_spec(spec, platform_factory=factory, image=args.image, dry_run=args.dry_run)
    return 0


def _runs(args: argparse.Namespace) -> int:
    platform = _platform(args)
    experiment_id = platform.ensure_experiment(args.experiment, dry_run=True) if args.experiment else None
    runs = platform.recent_runs(experiment_id or None, limit=args.limit)
    audit = {}
    if args.tracking_uri and args.model_name:
        from ctloop.registry import MlflowRegistry

        for event in MlflowRegistry(args.tracking_uri).audit_log(args.model_name, max_results=500):
            if event.get("pipeline_run"):
                audit.setdefault(event["pipeline_run"], []).append(event.get("event", ""))
    print(f"{'created':<22}{'state':<12}{'run':<40}decisions")
    for r in runs:
        decisions = ", ".join(audit.get(r.run_id, [])) or "-"
        print(f"{str(r.created_at)[:19]:<22}{str(r.state):<12}{(r.display_name or r.run_id)[:38]:<40}{decisions}")
    return 0


def _trigger(args: argparse.Namespace) -> int:
    import json

    params = json.loads(args.params or "{}")
    with tempfile.TemporaryDirectory() as tmp:
        package = _compile_one(Path(tmp), args.image)
        result = _platform(args).client.create_run_from_pipeline_package(
            str(package), arguments=params, run_name=args.run_name or f"{PIPELINE}-triggered",
            experiment_name=args.experiment)
    print(f"run_id={result.run_id}")
    return 0


def _common(p, experiment: bool = True) -> None:
    p.add_argument("--host", default="", help="KFP API URL (default: in-cluster or kubeconfig proxy)")
    p.add_argument("--token", default="", help="bearer token (default: $KFP_TOKEN, else in-cluster SA token)")
    p.add_argument("--namespace", default="", help="KFP namespace (multi-user installs)")
    if experiment:
        p.add_argument("--experiment", default="ctloop", help="KFP experiment (default ctloop)")


def register(subparsers) -> None:
    u = subparsers.add_parser("upload", help="upload the pipeline (new version only when the content changed)")
    _common(u, experiment=False)
    u.add_argument("--pipeline", default=PIPELINE, help="continuous-training (default), monitoring or rollout")
    u.add_argument("--pipeline-name", default="", help="name in KFP (default: the pipeline's)")
    u.add_argument("--image", default="", help="component image override (private registry)")
    u.set_defaults(handler=_upload)

    s = subparsers.add_parser("schedule", help="create or replace the recurring run (6-field cron, UTC)")
    _common(s)
    s.add_argument("--cron", required=True, help='six fields, seconds first, UTC: "0 0 3 * * *" = 03:00 daily')
    s.add_argument("--param", action="append", metavar="NAME=VALUE", help="pipeline parameter (JSON values)")
    s.add_argument("--pipeline", default=PIPELINE,
                   help="continuous-training (default) or monitoring (schedule it more often, e.g. hourly)")
    s.add_argument("--pipeline-name", default="", help="name in KFP (default: the pipeline's)")
    s.add_argument("--job-name", default="", help="recurring run name (default <pipeline>-schedule)")
    s.add_argument("--max-concurrency", type=int, default=1, help="default 1: never two runs at once")
    s.add_argument("--catchup", action="store_true", help="backfill missed runs (default: no catch-up)")
    s.add_argument("--image", default="")
    s.set_defaults(handler=_schedule)

    a = subparsers.add_parser("apply", help="validate ctloop.yaml, compile, upload if changed, reconcile schedules")
    a.add_argument("-f", "--file", required=True, help="the spec (see examples/ctloop.yaml)")
    a.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    a.add_argument("--host", default="", help="override kfp.host of the spec")
    a.add_argument("--token", default="")
    a.add_argument("--image", default="")
    a.set_defaults(handler=_apply)

    t = subparsers.add_parser("trigger", help="start one continuous-training run now (what monitoring does)")
    _common(t)
    t.add_argument("--params", default="{}", help="pipeline parameters as JSON")
    t.add_argument("--run-name", default="")
    t.add_argument("--image", default="")
    t.set_defaults(handler=_trigger)

    r = subparsers.add_parser("runs", help="recent runs with state and recorded decisions")
    _common(r)
    r.add_argument("--limit", type=int, default=10)
    r.add_argument("--tracking-uri", default="", help="MLflow URI to join the audit decisions of each run")
    r.add_argument("--model-name", default="", help="registered model whose audit log to join")
    r.set_defaults(handler=_runs)

"""``ctloop upload | schedule | apply | runs | trigger``: operate ctloop on a KFP cluster.

Every command compiles into a temporary directory first, then talks to KFP through
``ctloop.ops.platform.Platform`` (a real ``kfp.Client``). Authentication: ``--token`` or
``KFP_TOKEN`` (bearer), the in-cluster pipelines token, or ``kfp.Client``'s kubeconfig discovery;
see docs/operations.md.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ctloop.cli.compile import add_mount_pvc_option

PIPELINE = "continuous-training"
MONITORING = "monitoring"


def _platform(args: argparse.Namespace):
    from ctloop.ops.platform import Platform

    return Platform(
        host=args.host or "",
        token=args.token or "",
        namespace=getattr(args, "namespace", "") or "",
    )


def _pipeline_func(pipeline: str) -> Callable:
    from ctloop.errors import ConfigError
    from ctloop.pipelines import all_pipelines

    pipelines = all_pipelines()
    if pipeline not in pipelines:
        raise ConfigError(
            f"unknown pipeline {pipeline!r}; choose one of {', '.join(sorted(pipelines))}"
        )
    return pipelines[pipeline]


def _compile_one(
    out_dir: Path, image: str | None, pipeline: str = PIPELINE, mounts: list[str] | None = None,
    func: Callable | None = None,
) -> Path:
    from ctloop.compiler import compile_pipeline, parse_pvc_mount

    return compile_pipeline(
        func or _pipeline_func(pipeline), out_dir / f"{pipeline}.yaml", image=image or None,
        pvc_mounts=[parse_pvc_mount(m) for m in mounts or []],
    )


def _upload(args: argparse.Namespace) -> int:
    name = args.pipeline_name or args.pipeline
    with tempfile.TemporaryDirectory() as tmp:
        package = _compile_one(Path(tmp), args.image, args.pipeline, args.mount_pvc)
        result = _platform(args).ensure_pipeline(name, package, dry_run=args.dry_run)
    print(f"pipeline {name}: {result.action} (version {result.version_name})")
    return 0


def _print_retired(result, out: Callable[[str], Any]) -> None:
    for rid in result.retired:
        out(f"  old schedule {rid}: disabled and deleted (after the new one was created)")
    for rid in result.kept_in_flight:
        out(f"  old schedule {rid}: disabled; a run is in flight, deleted by the next apply")


def _schedule(args: argparse.Namespace) -> int:
    from ctloop.ops.cron import describe, validate_cron
    from ctloop.ops.params import parse_pairs, pipeline_arguments

    cron = validate_cron(args.cron)  # before any network call
    params = pipeline_arguments(_pipeline_func(args.pipeline), parse_pairs(args.param))
    platform = _platform(args)
    name = args.pipeline_name or args.pipeline
    job = args.job_name or f"{name}-schedule"
    with tempfile.TemporaryDirectory() as tmp:
        upload = platform.ensure_pipeline(name, _compile_one(Path(tmp), args.image, args.pipeline, args.mount_pvc))
    print(f"pipeline {name}: {upload.action} (version {upload.version_name})")
    experiment_id = platform.ensure_experiment(args.experiment, namespace=args.namespace or "")
    result = platform.reconcile_schedule(
        experiment_id=experiment_id,
        job_name=job,
        pipeline_id=upload.pipeline_id,
        version_id=upload.version_id,
        cron=cron,
        params=params,
        no_catchup=not args.catchup,
        max_concurrency=args.max_concurrency,
        service_account=args.service_account,
    )
    print(
        f"schedule {job}: {result.action} ({result.recurring_run_id}); runs {describe(cron)}; "
        f"no_catchup={not args.catchup}, max_concurrency={args.max_concurrency}"
    )
    _print_retired(result, print)
    return 0


def apply_spec(
    spec,
    *,
    platform_factory: Callable[[Any], Any],
    image: str | None,
    dry_run: bool,
    out: Callable[[str], Any] = print,
) -> list[dict]:
    """Compile, upload if changed, reconcile each model's schedules (continuous training and, with a
    ``monitoring`` section, monitoring); returns the actions. Every model's parameters are checked
    against the pipelines before anything is written. With ``dry_run`` nothing is written: the
    actions are the plan (``would-*``/``unchanged``)."""
    from ctloop.ops.cron import describe
    from ctloop.ops.params import pipeline_arguments
    from ctloop.ops.spec import monitoring_parameters, pipeline_parameters
    from ctloop.pipelines import all_pipelines

    if spec.notes:
        out(f"note: {spec.path or 'the spec'} is apiVersion ctloop.dev/v1alpha1; read as v1alpha2 with these keys "
            f"moved (update the file): {'; '.join(spec.notes)}")
    pipelines = all_pipelines(spec.platform)
    image = image or spec.platform.image or None
    plans: list[tuple[Any, str, str, Any, dict[str, Any]]] = []  # (model, pipeline, job, schedule, params)
    for model in spec.models:
        if model.schedule is not None:
            params = pipeline_arguments(pipelines[PIPELINE], pipeline_parameters(model))
            plans.append((model, PIPELINE, f"ct-{model.name}", model.schedule, params))
        if model.monitoring_schedule is not None:
            params = pipeline_arguments(pipelines[MONITORING], monitoring_parameters(model, spec))
            plans.append((model, MONITORING, f"monitor-{model.name}", model.monitoring_schedule, params))
    platform = platform_factory(spec.kfp)
    actions = []
    uploads = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted({PIPELINE, *(p[1] for p in plans)}):
            package = _compile_one(Path(tmp), image, name, mounts=list(spec.platform.pvc_mounts),
                                   func=pipelines[name])
            uploads[name] = platform.ensure_pipeline(name, package, dry_run=dry_run)
            out(f"pipeline {name}: {uploads[name].action} (version {uploads[name].version_name})")
            actions.append({"what": "pipeline", "pipeline": name, "action": uploads[name].action,
                            "version": uploads[name].version_name})
    experiment = spec.kfp.experiment
    experiment_id = platform.ensure_experiment(experiment, namespace=spec.kfp.namespace, dry_run=dry_run)
    if not experiment_id:
        out(f"experiment {experiment}: would-create")
    for model in spec.models:
        if model.schedule is None and model.monitoring_schedule is None:
            out(f"model {model.name}: no schedule declared (start runs with `ctloop trigger`)")
            actions.append({"what": model.name, "action": "no-schedule"})
    for model, pipeline, job, schedule, params in plans:
        upload = uploads[pipeline]
        result = platform.reconcile_schedule(
            experiment_id=experiment_id, job_name=job, pipeline_id=upload.pipeline_id, version_id=upload.version_id,
            cron=schedule.cron, params=params, no_catchup=schedule.no_catchup,
            max_concurrency=schedule.max_concurrency, enabled=schedule.enabled,
            service_account=spec.platform.service_account, dry_run=dry_run,
        )
        out(f"model {model.name}: schedule {job} {result.action} — {describe(schedule.cron)}")
        _print_retired(result, out)
        actions.append({"what": model.name, "pipeline": pipeline, "action": result.action,
                        "recurring_run_id": result.recurring_run_id})
    return actions


def _apply(args: argparse.Namespace) -> int:
    from ctloop.ops.platform import Platform
    from ctloop.ops.spec import load_spec

    spec = load_spec(args.file)
    note = " — dry run, nothing changes" if args.dry_run else ""
    print(f"{args.file}: valid ({len(spec.models)} model(s)){note}")

    def factory(kfp):
        return Platform(host=args.host or kfp.host, token=args.token or "", namespace=kfp.namespace)

    apply_spec(spec, platform_factory=factory, image=args.image, dry_run=args.dry_run)
    return 0


def _runs(args: argparse.Namespace) -> int:
    from ctloop.errors import ConfigError

    platform = _platform(args)
    experiment_id = None
    if args.experiment:
        experiment_id = platform.find_experiment(args.experiment, args.namespace or "")
        if not experiment_id:
            raise ConfigError(
                f"experiment {args.experiment!r} not found; give the one of your ctloop.yaml "
                "(kfp.experiment), or --experiment '' for runs of every experiment"
            )
    runs = platform.recent_runs(experiment_id, limit=args.limit)
    audit: dict[str, list[str]] = {}
    if args.tracking_uri and args.model_name:
        from ctloop.registry import MlflowRegistry

        for event in MlflowRegistry(args.tracking_uri).audit_log(args.model_name, max_results=500):
            if event.get("pipeline_run"):
                audit.setdefault(event["pipeline_run"], []).append(event.get("event", ""))
    if not runs:
        print("no runs")
        return 0
    print(f"{'created (UTC)':<21}{'state':<11}{'run':<42}decisions")
    for r in runs:
        decisions = ", ".join(r.decisions + audit.get(r.run_id, [])) or "-"
        print(f"{r.created_at:<21}{r.state:<11}{r.name[:40]:<42}{decisions}")
    return 0


def _trigger(args: argparse.Namespace) -> int:
    import json

    params = json.loads(args.params or "{}")
    with tempfile.TemporaryDirectory() as tmp:
        package = _compile_one(Path(tmp), args.image, mounts=args.mount_pvc)
        platform = _platform(args)
        result = platform._call(
            "create run",
            platform.client.create_run_from_pipeline_package,
            str(package),
            arguments=params,
            run_name=args.run_name or f"{PIPELINE}-triggered",
            experiment_name=args.experiment,
        )
    print(f"run_id={result.run_id}")
    return 0


def _common(p: argparse.ArgumentParser, experiment: bool = True) -> None:
    p.add_argument(
        "--host",
        default="",
        help="KFP API URL, e.g. http://localhost:8080 after kubectl port-forward "
        "(default: $KF_PIPELINES_ENDPOINT, the in-cluster service, or the kubeconfig API proxy)",
    )
    p.add_argument(
        "--token",
        default="",
        help="bearer token (default: $KFP_TOKEN, else the in-cluster pipelines SA token)",
    )
    p.add_argument("--namespace", default="", help="KFP namespace (multi-user installs)")
    if experiment:
        p.add_argument("--experiment", default="ctloop", help="KFP experiment (default ctloop)")


def register(subparsers) -> None:
    u = subparsers.add_parser(
        "upload", help="upload a pipeline (a new version only when the compiled content changed)"
    )
    _common(u, experiment=False)
    u.add_argument(
        "--pipeline", default=PIPELINE, help="continuous-training (default), monitoring or rollout"
    )
    u.add_argument("--pipeline-name", default="", help="name in KFP (default: the pipeline's)")
    u.add_argument("--image", default="", help="component image override (private registry)")
    u.add_argument("--dry-run", action="store_true", help="say what would happen, upload nothing")
    add_mount_pvc_option(u)
    u.set_defaults(handler=_upload)

    s = subparsers.add_parser(
        "schedule", help="create or replace a recurring run (6-field cron, seconds first, UTC)"
    )
    _common(s)
    s.add_argument(
        "--cron",
        required=True,
        help='six fields, seconds first, in UTC: "0 0 3 * * *" = 03:00 UTC daily',
    )
    s.add_argument(
        "--param", action="append", metavar="NAME=VALUE", help="pipeline parameter (JSON values)"
    )
    s.add_argument(
        "--pipeline",
        default=PIPELINE,
        help="continuous-training (default) or monitoring (schedule it more often, e.g. hourly)",
    )
    s.add_argument("--pipeline-name", default="", help="name in KFP (default: the pipeline's)")
    s.add_argument(
        "--job-name", default="", help="recurring run name (default <pipeline>-schedule)"
    )
    s.add_argument(
        "--max-concurrency", type=int, default=1, help="1-10; default 1: never two runs at once"
    )
    s.add_argument(
        "--catchup", action="store_true", help="backfill missed runs (default: no catch-up)"
    )
    s.add_argument("--service-account", default="", help="Kubernetes SA that runs the steps")
    s.add_argument("--image", default="", help="component image override (private registry)")
    add_mount_pvc_option(s)
    s.set_defaults(handler=_schedule)

    a = subparsers.add_parser(
        "apply", help="validate ctloop.yaml, compile, upload if changed, reconcile schedules"
    )
    a.add_argument("-f", "--file", required=True, help="the spec (see examples/ctloop.yaml)")
    a.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    a.add_argument("--host", default="", help="override kfp.host of the spec")
    a.add_argument("--token", default="", help="bearer token (default: $KFP_TOKEN)")
    a.add_argument("--image", default="", help="override kfp.image of the spec")
    a.set_defaults(handler=_apply)

    t = subparsers.add_parser(
        "trigger", help="start one continuous-training run now (what monitoring does)"
    )
    _common(t)
    t.add_argument("--params", default="{}", help="pipeline parameters as JSON")
    t.add_argument("--run-name", default="")
    t.add_argument("--image", default="")
    add_mount_pvc_option(t)
    t.set_defaults(handler=_trigger)

    r = subparsers.add_parser("runs", help="recent runs with state and gate/rollout decisions")
    _common(r)
    r.add_argument("--limit", type=int, default=10)
    r.add_argument(
        "--tracking-uri", default="", help="MLflow URI to join each run's audit events too"
    )
    r.add_argument("--model-name", default="", help="registered model whose audit log to join")
    r.set_defaults(handler=_runs)

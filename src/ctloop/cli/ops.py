"""``ctloop upload | schedule | apply | runs | trigger``: operate ctloop on a KFP cluster.

Every command compiles into a temporary directory first, then talks to KFP through
``ctloop.ops.platform.Platform`` (a real ``kfp.Client``). Authentication: ``--token``/``KFP_TOKEN``
(bearer), ``--token-file``/``KFP_TOKEN_FILE`` (re-read per request), the in-cluster pipelines
token, or ``kfp.Client``'s own credentials; see docs/operations.md. The image comes from
``--image``, ``CTLOOP_IMAGE`` or ``platform.image`` (``ctloop.image.resolve_image``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from ctloop.cli.compile import add_mount_pvc_option

PIPELINE = "continuous-training"
MONITORING = "monitoring"
BATCH_SCORING = "batch-scoring"
ROLLOUT = "rollout"


def approves_by_hand(model) -> bool:
    """Whether ``ctloop approve`` starts a ``rollout`` run for ``model`` (approval required, with an
    InferenceService): ``apply`` then uploads ``rollout`` and pins it in the model's ct- schedule."""
    rollout = model.sections.get("rollout")
    return bool(rollout and rollout.approval == "required" and rollout.inference_service)


KFP_NAMESPACE_FLAG = "--kfp-namespace"


def install_setting(args: argparse.Namespace, spec_value: str = "") -> tuple[str, str]:
    """``(namespace, the setting it came from)`` of where KFP is installed, as every KFP command takes it:
    ``--kfp-namespace`` (:func:`add_kfp_options`), else ctloop.yaml's ``kfp.install_namespace`` (``spec_value``:
    ``apply``, ``doctor -f``), else ``("", kfp.install_namespace)``: :func:`ctloop.ops.platform.install_namespace`
    reads the environment, else its default."""
    from ctloop.ops.platform import INSTALL_NAMESPACE_KEY

    given = getattr(args, "kfp_namespace", "") or ""
    if given:
        return given, KFP_NAMESPACE_FLAG
    return spec_value or "", INSTALL_NAMESPACE_KEY


def _platform(args: argparse.Namespace, host: str = "", namespace: str = "", install_namespace: str = ""):
    """The :class:`~ctloop.ops.platform.Platform` of a KFP command (``install_namespace``: the spec's
    ``kfp.install_namespace``, which ``--kfp-namespace`` wins over)."""
    from ctloop.ops.platform import Platform

    install, install_name = install_setting(args, install_namespace)
    return Platform(
        host=args.host or host,
        token=args.token or "",
        namespace=getattr(args, "namespace", "") or namespace,
        token_file=args.token_file or "",
        ca_file=args.ca_file or "",
        timeout=args.timeout,
        allow_old_backend=getattr(args, "allow_old_backend", False),
        install_namespace=install,
        install_name=install_name,
        install_spec=hasattr(args, "file"),  # -f: ctloop.yaml's kfp.install_namespace is a setting to name
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
    from ctloop.cli.compile import pvc_mounts
    from ctloop.compiler import compile_pipeline

    return compile_pipeline(
        func or _pipeline_func(pipeline), out_dir / f"{pipeline}.yaml", image=image or None,
        pvc_mounts=pvc_mounts(mounts),
    )


def _mount_paths(given: list[str] | None, what: str = "--mount-pvc") -> list[str]:
    """The paths ``given`` (``CLAIM:PATH`` each: ``--mount-pvc`` or ``platform.pvc_mounts``) mounts
    volumes at, in every task of the compiled pipeline."""
    from ctloop.config import parse_pvc_mount
    from ctloop.errors import ConfigError

    try:
        return [parse_pvc_mount(m)[1] for m in given or []]
    except ConfigError as exc:
        raise ConfigError(f"{what}: {exc}") from exc


# etcd's default --max-request-bytes (etcd v3.5 server/embed/config.go DefaultMaxRequestBytes, 1.5 MiB):
# the largest object the Kubernetes API can store unless the cluster raised it
ETCD_MAX_REQUEST_BYTES = 1_572_864


def _compact(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8"))


def spec_bytes(package: Path) -> int:
    """The compiled pipeline ``package`` (its YAML documents) as compact JSON, in bytes."""
    import yaml

    from ctloop.compiler import _loader

    return _compact(list(yaml.load_all(package.read_text(encoding="utf-8"), Loader=_loader())))  # noqa: S506


def check_object_size(package: Path | int, params: dict[str, Any], what: str) -> None:
    """Refuse, before anything is uploaded or created, a pipeline spec and parameters that no KFP run
    can be made of: kubeflow/pipelines 2.17.0 keeps both in one Kubernetes object — each run's Argo
    Workflow (``argocompiler/argo.go``: the component specs and the runtime config are workflow
    arguments) and a schedule's ScheduledWorkflow — which etcd refuses above its request limit. KFP
    answers ``etcdserver: request is too large`` (HTTP 500) only when a run or schedule is created,
    after the pipelines were uploaded; a schedule accepted by a cluster with a higher limit fails
    every night the same way. The bytes counted are a lower bound: the spec and the parameters as
    compact JSON, without what the workflow adds around them. ``package``: the compiled pipeline, or
    its :func:`spec_bytes`."""
    from ctloop.errors import ConfigError

    spec = package if isinstance(package, int) else spec_bytes(package)
    total = spec + _compact(params)
    if total <= ETCD_MAX_REQUEST_BYTES:
        return
    what_is_big, value, where = "", params, ""
    while isinstance(value, dict) and value:  # down the largest value: data, data.contract, ...
        key = max(value, key=lambda k: _compact(value[k]))
        where, value = f"{where}.{key}" if where else str(key), value[key]
    if where:
        what_is_big = f"; the largest is {where} ({_compact(value):,} bytes)"
    raise ConfigError(
        f"{what}: the pipeline spec ({spec:,} bytes) and its parameters ({total - spec:,} bytes{what_is_big}) make a "
        f"KFP run of at least {total:,} bytes, and etcd stores an object of at most {ETCD_MAX_REQUEST_BYTES:,} bytes "
        "(1.5 MiB, its default --max-request-bytes): each run's Argo Workflow holds both, so KFP would answer "
        "'etcdserver: request is too large' when a run is created — fix: make the largest parameter smaller")


# SQLAlchemy's old name for postgresql://, which 1.4 dropped ("Can't load plugin: sqlalchemy.dialects:postgres");
# mlflow 3.17 has no store for it either (its stores are those of store/db/db_types.py DATABASE_ENGINES)
_OLD_SCHEMES = {"postgres": "postgresql"}


def _edits(a: str, b: str) -> int:
    """The Levenshtein distance of ``a`` and ``b`` (an insertion, a deletion or a change is one)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def _meant_scheme(scheme: str, known: tuple[str, ...]) -> str | None:
    """The scheme of ``known`` that ``scheme`` is a typo of (``htps`` → ``https``, ``sqllite`` →
    ``sqlite``, the old ``postgres``): two edits at most, one for a scheme of five letters or fewer
    (``ftp`` is no typo of ``http``); None when none is that near."""
    if scheme in _OLD_SCHEMES:
        return _OLD_SCHEMES[scheme]
    near = sorted((_edits(scheme, k), k) for k in known)
    return next((k for d, k in near if d <= (1 if len(k) <= 5 else 2)), None)


def _tracking_scheme(params: dict[str, Any], what: str = "--param tracking_uri", volumes: str = "",
                     mounts: list[str] | None = None) -> str:
    """The pipeline's ``tracking_uri``, used by its steps in the cluster: a blank, a control character
    (``http://mlflow:5000`` and a pasted newline), a malformed URL or path, a Unity Catalog URI
    (:func:`ctloop.tracking.check_unity_catalog_uri`) and a typo of a scheme MLflow has
    (``htps://``, ``sqllite:///``, the old ``postgres://``) are refused — every run failed at its
    first MLflow step. Another scheme is not checked against this machine's MLflow plugins
    (:func:`ctloop.cli.argtypes.tracking_schemes`, the rule of ``--tracking-uri`` for what runs
    here): the steps run in the component image, which may have a plugin this machine has not
    (``azureml://`` by azureml-mlflow). A store in the task's own pod is refused too
    (:func:`_pod_store`; ``volumes``: how the command mounts a volume), and, with ``mounts`` (the
    paths the command mounts volumes at), a local store on none of them. Returns that scheme when
    MLflow here has no store for it (for :func:`_warn_schemes`), else ``""``."""
    from ctloop.cli.argtypes import _shown_tracking_uri, location
    from ctloop.errors import ConfigError
    from ctloop.tracking import check_unity_catalog_uri
    from ctloop.urls import url_problem

    value = params.get("tracking_uri")
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"{what}: must be text (a URI or a path), got {value!r}")
    if "://" in value:
        problem = url_problem(value, None)  # any RFC 3986 scheme, mysql+pymysql:// too
        if problem:
            raise ConfigError(f"{what}: {problem}, got {_shown_tracking_uri(value)}")
    else:
        try:
            location(value)
        except argparse.ArgumentTypeError as exc:
            raise ConfigError(f"{what}: {exc}") from None
    check_unity_catalog_uri(value, what)
    if "${" in value:
        raise ConfigError(f"{what}: {_shown_tracking_uri(value)} names a shell variable nothing expands (the task "
                          "receives the text as written): write the URI itself, or leave tracking_uri empty: tasks use "
                          "MLFLOW_TRACKING_URI of the platform settings")
    if unset := _unset_variables(value):
        raise ConfigError(f"{what}: {_shown_tracking_uri(value)} names {', '.join(f'$({n})' for n in unset)}, which no "
                          "KFP task's container defines: Kubernetes expands $(VAR) in a task's arguments only from "
                          "its own environment (MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME, ... of the platform "
                          "settings) and leaves this one as written, so MLflow would open it as a path in the pod — "
                          "write the URI itself, or leave tracking_uri empty: tasks use MLFLOW_TRACKING_URI of the "
                          "platform settings")
    if why := _pod_store(value):
        from ctloop.ops.params import VOLUMES

        raise ConfigError(f"{what}: {_shown_tracking_uri(value)} is {why}, which each KFP task would open in its own pod: its registry "
                          "and audit would be lost with the pod; give the MLflow server (http://mlflow.kubeflow:5000), "
                          "a database server (postgresql://...) or an absolute path on a volume every task mounts "
                          f"({volumes or VOLUMES}), or leave tracking_uri empty: tasks use MLFLOW_TRACKING_URI of "
                          "the platform settings")
    if mounts is not None and (path := _store_path(value)):
        from ctloop.ops.params import VOLUMES, mounted

        if not mounted(path, mounts):
            on = f"mounted: {', '.join(mounts)}" if mounts else "none is mounted"
            raise ConfigError(f"{what}: {_shown_tracking_uri(value)} is a local store on no volume the KFP tasks mount "
                              f"({on}): each task would open its own, lost with its pod; mount the volume holding it "
                              f"({volumes or VOLUMES}), give the MLflow server (http://mlflow.kubeflow:5000), or leave "
                              "tracking_uri empty: tasks use MLFLOW_TRACKING_URI of the platform settings")
    scheme = value.split("://", 1)[0].split("+", 1)[0].lower() if "://" in value else ""
    known = _known_schemes()
    if not scheme or scheme in known:
        return ""
    meant = _meant_scheme(scheme, known)
    if meant:
        raise ConfigError(f"{what}: MLflow has no store for {scheme}:// — did you mean {meant}://? got "
                          f"{_shown_tracking_uri(value)}")
    return scheme


def _pod_store(uri: str) -> str:
    """What ``uri``, a tracking URI, names in a KFP task's pod, run from the image's working
    directory (kubeflow/pipelines 2.17.0 ``backend/src/v2/driver`` leaves ``workingDir`` to the
    image), when that is a store of the pod alone: a relative path (``mlruns``, ``file:mlruns``,
    ``sqlite:///mlflow.db`` — SQLAlchemy's ``sqlite:////abs.db`` is absolute) or an in-memory
    database; else ``""``. ``databricks`` is a server, not a path."""
    from urllib.parse import urlsplit

    # Kubernetes expands $(VAR) in a container's args from its env: a part that starts with one is not
    # judged (sqlite:///$(DB) may be absolute there); a fixed relative part is
    if "://" in uri:
        kind, rest = uri.split("://", 1)
        kind = kind.split("+", 1)[0].lower()
        if kind == "sqlite":
            database = rest.partition("/")[2].partition("?")[0]
            if database in ("", ":memory:"):
                return "an in-memory database"
            return "" if database.startswith(("/", "$(")) else "a database file at a relative local path"
        if kind == "file" and not rest.startswith("$("):
            parts = urlsplit(uri)
            if parts.netloc.lower() not in ("", "localhost"):
                # MLflow 3.17.2 local_file_uri_to_path: file://./mlruns is /mlruns, file://mlruns/x is /x
                return f"a file URI with a host part ({parts.netloc!r}: MLflow opens a path on the pod's own disk)"
            if not parts.path.startswith("/"):
                return "a relative local path"
        return ""
    if uri == "databricks":
        return ""
    path = uri[5:] if uri[:5].lower() == "file:" else uri
    return "" if path.startswith(("/", "$(")) else "a relative local path"


def _task_env() -> AbstractSet[str]:
    """The variables every ctloop task's container defines (:func:`ctloop.ops.settings.task_env_names`):
    a ``$(NAME)`` of one in a parameter is refused (:func:`ctloop.ops.params.defined_variable`)."""
    from ctloop.ops.settings import task_env_names

    return task_env_names()


def _unset_variables(value: str) -> list[str]:
    """The names of the ``$(NAME)`` in ``value`` that no ctloop task's container defines
    (:func:`ctloop.ops.settings.task_env_names`), in order: the kubelet leaves those as written
    (Kubernetes ``third_party/forked/golang/expansion``; ``$$(NAME)`` is no reference, and a
    ``$$`` is refused anyway: :func:`ctloop.ops.params.doubled_dollar`)."""
    from ctloop.ops.settings import task_env_names

    defined = task_env_names()
    names = re.findall(r"(?<!\$)\$\(([^)]*)\)", value)
    return [n for n in dict.fromkeys(names) if n not in defined]


def _store_path(uri: str) -> str:
    """The absolute local path of the tracking store ``uri`` names (``/mnt/mlruns``,
    ``file:///mnt/mlruns``, ``sqlite:////mnt/mlflow.db``), else ``""`` (a server, a relative path
    :func:`_pod_store` refuses, a ``$(VAR)`` Kubernetes fills in)."""
    from urllib.parse import urlsplit

    if "://" in uri:
        kind, rest = uri.split("://", 1)
        kind = kind.split("+", 1)[0].lower()
        if kind == "sqlite":
            database = rest.partition("/")[2].partition("?")[0]
            return database if database.startswith("/") else ""
        return urlsplit(uri).path if kind == "file" and urlsplit(uri).path.startswith("/") else ""
    path = uri[5:] if uri[:5].lower() == "file:" else uri
    return path if path.startswith("/") else ""


def _known_schemes() -> tuple[str, ...]:
    """The tracking schemes MLflow has here, but Unity Catalog's (refused as a tracking URI)."""
    from ctloop.cli.argtypes import tracking_schemes
    from ctloop.tracking import UNITY_CATALOG_SCHEMES

    return tuple(s for s in tracking_schemes() if s not in UNITY_CATALOG_SCHEMES)


def _warn_schemes(schemes: dict[str, list[str]]) -> None:
    """One warning a scheme MLflow has no store for here, naming where it was given (the first, and
    how many more)."""
    for scheme, where in schemes.items():
        more = f" (and {len(where) - 1} more)" if len(where) > 1 else ""
        print(f"warning: {where[0]}{more}: MLflow here has no store for {scheme}:// (it has "
              f"{', '.join(_known_schemes())}): the pipeline's image must have its plugin, or every run fails at "
              "its first MLflow step", file=sys.stderr)


def _check_tracking(params: dict[str, Any], what: str = "--param tracking_uri", *, warn: bool = True,
                    mounts: list[str] | None = None) -> None:
    """:func:`_tracking_scheme` of ``params`` and of the continuous-training runs a monitoring rule
    starts (``training_parameters.tracking_uri``), its warning printed when ``warn``."""
    from ctloop.ops.params import TRAINING_PARAMETERS

    nested = params.get(TRAINING_PARAMETERS)
    checks = [(params, what)]
    if isinstance(nested, dict):
        checks.append((nested, f"--param {TRAINING_PARAMETERS}.tracking_uri"))
    for values, where in checks:
        scheme = _tracking_scheme(values, where, mounts=mounts)
        if warn and scheme:
            _warn_schemes({scheme: [where]})


def check_spec_tracking(spec, *, warn: bool = True) -> None:
    """Each model's ``tracking_uri`` of ctloop.yaml by the rule of :func:`_tracking_scheme`; ``warn``:
    print its warnings, one a scheme (once a command: ``apply`` checks before it says the file is valid)."""
    schemes: dict[str, list[str]] = {}
    for i, model in enumerate(spec.models):
        what = f"{spec.path or 'spec'}: models[{i}].tracking_uri"
        if scheme := _tracking_scheme({"tracking_uri": model.tracking_uri}, what, "platform.pvc_mounts",
                                      mounts=_mount_paths(list(spec.platform.pvc_mounts), "platform.pvc_mounts")):
            schemes.setdefault(scheme, []).append(what)
    if warn:
        _warn_schemes(schemes)


def _names(args: argparse.Namespace) -> str:
    """The pipeline's name in KFP (``--pipeline-name``, else the pipeline's); that one and
    ``--experiment`` refused when blank, before anything is compiled or sent."""
    from ctloop.ops.platform import check_name

    if getattr(args, "experiment", None) is not None:
        check_name(args.experiment, "--experiment", "--experiment credit-continuous-training", "experiment")
    if getattr(args, "job_name", None) is not None:  # an empty --job-name= is refused, not the default
        check_name(args.job_name, "--job-name", "--job-name credit-nightly", "recurring run")
    if getattr(args, "run_name", None) is not None:
        check_name(args.run_name, "--run-name", "--run-name retrain-by-hand", "run")
    if getattr(args, "pipeline_name", None) is not None:  # --pipeline-name "$P" with P unset: refused
        return check_name(args.pipeline_name, "--pipeline-name", f"--pipeline-name {PIPELINE}", "pipeline")
    name = getattr(args, "pipeline", "") or PIPELINE
    return check_name(name, "--pipeline-name", f"--pipeline-name {PIPELINE}", "pipeline")


def _upload(args: argparse.Namespace) -> int:
    from ctloop.image import resolve_image

    name = _names(args)
    image = resolve_image(args.image, None, purpose="upload")
    _pipeline_func(args.pipeline)  # a wrong name is refused before any call
    platform = _platform(args)
    platform.require_backend("upload")  # before compiling
    platform.check_pipeline_name(name)
    with tempfile.TemporaryDirectory() as tmp:
        package = _compile_one(Path(tmp), image, args.pipeline, args.mount_pvc)
        result = platform.ensure_pipeline(name, package, dry_run=args.dry_run)
    print(f"pipeline {name}: {result.action} (version {result.version_name})")
    return 0


def _print_retired(result, out: Callable[[str], Any], dry_run: bool = False) -> None:
    if result.superseded:
        if result.action == "superseded":
            out(f"  another apply running at the same time made schedule {result.recurring_run_id} of another spec, "
                f"which stays (the last writer wins); this apply's {result.superseded} is retired — apply again to "
                "make this spec the current one")
        else:
            out(f"  another apply of this spec running at the same time made schedule {result.recurring_run_id}, "
                f"which stays; this apply's {result.superseded} is retired")
    planned = result.action.startswith("would-") or (dry_run and result.action == "unchanged")
    for rid in result.retired:
        if planned:  # a --dry-run plan: nothing was disabled or deleted
            new = " (after the new one is created)" if result.action == "would-replace" else ""
            out(f"  old schedule {rid}: would be disabled and deleted{new}, unless a run of it is in flight")
        elif rid != result.superseded:
            out(f"  old schedule {rid}: disabled and deleted (after the new one was created)")
    for rid in result.kept_in_flight:
        out(f"  {'schedule' if rid == result.superseded else 'old schedule'} {rid}: disabled; a run is in flight, "
            "deleted by the next apply")


def _schedule(args: argparse.Namespace) -> int:
    from ctloop.image import resolve_image
    from ctloop.ops.cron import describe, leap_day_warning, validate_cron
    from ctloop.ops.params import parse_pairs, pipeline_arguments

    cron = validate_cron(args.cron)  # before any network call
    if said := leap_day_warning(cron):
        print(f"warning: --cron: {said}", file=sys.stderr)
    params = pipeline_arguments(_pipeline_func(args.pipeline), parse_pairs(args.param),
                                mounts=_mount_paths(args.mount_pvc), defined=_task_env())
    _check_tracking(params, mounts=_mount_paths(args.mount_pvc))
    name = _names(args)
    image = resolve_image(args.image, None, purpose="schedule")
    platform = _platform(args)
    platform.require_backend("schedule")
    platform.check_pipeline_name(name)  # before compiling
    job = args.job_name or f"{name}-schedule"
    # a lookup, nothing created: a multi-user KFP without --namespace, or an archived experiment, is
    # refused before the pipeline is uploaded (it was uploaded, shared, by the command that then failed)
    platform.ensure_experiment(args.experiment, namespace=args.namespace or "", dry_run=True)
    with tempfile.TemporaryDirectory() as tmp:
        package = _compile_one(Path(tmp), image, args.pipeline, args.mount_pvc)
        check_object_size(package, params, f"schedule {job}")  # before the upload
        upload = platform.ensure_pipeline(name, package)
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


def plan_schedules(spec, pipelines: dict[str, Callable] | None = None) -> list[tuple[Any, str, str, Any, dict[str, Any]]]:
    """Each schedule ``spec`` declares as ``(model, pipeline, job, schedule, params)``, its parameters
    checked against the pipeline (:func:`~ctloop.ops.params.pipeline_arguments`, a problem said of its
    model, a volume as the spec mounts one: apply has no --mount-pvc). Nothing is sent: ``ctloop
    apply`` calls it before it says the file is valid, so no refusal follows that line."""
    from ctloop.config import schedule_name
    from ctloop.errors import ConfigError, problem_list
    from ctloop.ops.params import pipeline_arguments
    from ctloop.ops.spec import monitoring_parameters, pipeline_parameters, scoring_parameters
    from ctloop.pipelines import all_pipelines

    pipelines = pipelines or all_pipelines(spec.platform)

    def arguments(model, pipeline: str, values: dict[str, Any]) -> dict[str, Any]:
        try:
            return pipeline_arguments(pipelines[pipeline], values, volumes="platform.pvc_mounts",
                                      mounts=_mount_paths(list(spec.platform.pvc_mounts), "platform.pvc_mounts"),
                                      defined=_task_env())
        except ConfigError as exc:
            said = f"model {model.name}: "
            if getattr(exc, "problems", None) is None:
                raise ConfigError(said + str(exc)) from None
            header, prefix, lines = exc.problems
            raise problem_list(lines, header=said + header, prefix=said + prefix) from None

    plans: list[tuple[Any, str, str, Any, dict[str, Any]]] = []
    for model in spec.models:
        if model.schedule is not None:
            params = arguments(model, PIPELINE, pipeline_parameters(model))
            plans.append((model, PIPELINE, schedule_name(PIPELINE, model.name), model.schedule, params))
        if model.monitoring_schedule is not None:
            params = arguments(model, MONITORING, monitoring_parameters(model, spec))
            plans.append((model, MONITORING, schedule_name(MONITORING, model.name), model.monitoring_schedule, params))
        if model.scoring_schedule is not None:
            params = arguments(model, BATCH_SCORING, scoring_parameters(model))
            plans.append((model, BATCH_SCORING, schedule_name(BATCH_SCORING, model.name), model.scoring_schedule, params))
    return plans


def apply_spec(
    spec,
    *,
    platform_factory: Callable[[Any], Any],
    image: str | None,
    dry_run: bool,
    out: Callable[[str], Any] = print,
    prune: bool = False,
) -> list[dict]:
    """Compile, upload if changed, reconcile each model's schedules (continuous training and, with a
    ``monitoring`` or ``scoring`` section and its schedule, monitoring and batch scoring); returns
    the actions. Every model's parameters are checked against the pipelines before anything is
    written. With ``dry_run`` nothing is written: the actions are the plan
    (``would-*``/``unchanged``). Schedules of this spec's models it no longer declares (a
    schedule removed, ``kfp.experiment`` renamed) keep starting runs: each is named, and with
    ``prune`` retired (disabled, then deleted once no run of it is active). A spec with
    ``metadata.name`` marks its schedules with it, so a model removed from it is found the same way;
    without a name a removed model is no longer its model and its schedules are left alone (another
    spec may declare it). Schedules marked by another spec are never touched. A model whose
    challengers wait for ``ctloop approve`` gets ``rollout`` uploaded too, pinned in its ct- schedule:
    approve starts that version, not the newest upload."""
    from ctloop.config import SCHEDULE_PREFIXES, schedule_name
    from ctloop.errors import one_line
    from ctloop.ops.cron import describe
    from ctloop.pipelines import all_pipelines

    if spec.notes:
        out(f"note: {spec.path or 'the spec'} is apiVersion ctloop.dev/v1alpha1; read as v1alpha2 with these keys "
            f"moved (update the file): {'; '.join(spec.notes)}")
    pipelines = all_pipelines(spec.platform)
    image = image or spec.platform.image or None
    check_spec_tracking(spec, warn=False)  # warned by `ctloop apply` before it said the file is valid
    plans = plan_schedules(spec, pipelines)
    platform = platform_factory(spec.kfp)
    actions = []
    uploads = {}
    needed = {PIPELINE, *(p[1] for p in plans)} | ({ROLLOUT} if any(map(approves_by_hand, spec.models)) else set())
    # an archived experiment is refused before anything is uploaded (a lookup: nothing created yet)
    platform.ensure_experiment(spec.kfp.experiment, namespace=spec.kfp.namespace, dry_run=True)
    with tempfile.TemporaryDirectory() as tmp:
        packages = {name: _compile_one(Path(tmp), image, name, mounts=list(spec.platform.pvc_mounts),
                                       func=pipelines[name]) for name in sorted(needed)}
        sizes = {name: spec_bytes(package) for name, package in packages.items() if name in {p[1] for p in plans}}
        for model, pipeline, job, _, params in plans:  # every schedule's size, before the first upload
            check_object_size(sizes[pipeline], params, f"model {model.name}: schedule {job}")
        for name, package in packages.items():
            uploads[name] = platform.ensure_pipeline(name, package, dry_run=dry_run)
            out(f"pipeline {name}: {uploads[name].action} (version {uploads[name].version_name})")
            actions.append({"what": "pipeline", "pipeline": name, "action": uploads[name].action,
                            "version": uploads[name].version_name})
    experiment = spec.kfp.experiment
    experiment_id = platform.ensure_experiment(experiment, namespace=spec.kfp.namespace, dry_run=dry_run)
    if not experiment_id:
        out(f"experiment {experiment}: would-create")
    for model in spec.models:
        if model.schedule is None and model.monitoring_schedule is None and model.scoring_schedule is None:
            out(f"model {model.name}: no schedule declared (start runs with `ctloop trigger`)")
            actions.append({"what": model.name, "action": "no-schedule"})
    keep: set[tuple[str, str]] = set()
    for model, pipeline, job, schedule, params in plans:
        upload = uploads[pipeline]
        pins = ({ROLLOUT: (uploads[ROLLOUT].pipeline_id, uploads[ROLLOUT].version_id)}
                if pipeline == PIPELINE and approves_by_hand(model) else None)
        result = platform.reconcile_schedule(
            experiment_id=experiment_id, job_name=job, pipeline_id=upload.pipeline_id, version_id=upload.version_id,
            cron=schedule.cron, params=params, no_catchup=schedule.no_catchup,
            max_concurrency=schedule.max_concurrency, enabled=schedule.enabled,
            service_account=spec.platform.service_account, dry_run=dry_run, pins=pins, owner=spec.name,
        )
        out(f"model {model.name}: schedule {job} {result.action} — {describe(schedule.cron)}")
        _print_retired(result, out, dry_run)
        actions.append({"what": model.name, "pipeline": pipeline, "action": result.action,
                        "recurring_run_id": result.recurring_run_id})
        keep.add((experiment_id, job))
    ids = {u.pipeline_id for u in uploads.values() if u.pipeline_id}
    ids |= {pid for name in set(pipelines) - set(uploads) if (pid := platform.find_pipeline(name))}
    if platform.pipeline_namespace:  # schedules made before pipelines were uploaded into the namespace
        ids |= {pid for name in pipelines if (pid := platform.find_pipeline(name, shared=True))}
    names = {schedule_name(p, m.name) for m in spec.models for p in SCHEDULE_PREFIXES}
    foreign = platform.foreign_schedules(ids, names, keep, namespace=spec.kfp.namespace, owner=spec.name) if ids else []
    said = {"foreign": "not declared in this spec, still scheduled; `ctloop apply --prune` retires it",
            "would-retire": "not declared in this spec: would be disabled and deleted",
            "retired": "not declared in this spec: disabled and deleted",
            "kept-in-flight": "not declared in this spec: disabled; a run is in flight, deleted by the next "
                              "apply --prune"}
    for r in foreign:
        action = "foreign"
        if prune:
            retired, _ = platform.retire([r], dry_run=dry_run)
            action = ("would-retire" if dry_run else "retired") if retired else "kept-in-flight"
        state = str(getattr(r, "status", "") or "?").upper()
        # another's schedule: its name is anyone's text, escaped so it can neither add lines nor drive the terminal
        out(one_line(f"schedule {r.display_name} ({r.recurring_run_id}, experiment {r.experiment_id}, {state}): ")
            + said[action])
        actions.append({"what": r.display_name, "action": action, "recurring_run_id": r.recurring_run_id})
    return actions


def _apply(args: argparse.Namespace) -> int:
    from ctloop.image import resolve_image
    from ctloop.ops.cron import leap_day_warning
    from ctloop.ops.spec import load_spec

    spec = load_spec(args.file)
    check_spec_tracking(spec)  # before the file is said to be valid
    for model, _, job, schedule, _ in plan_schedules(spec):  # every parameter refusal too: none follows "valid"
        if said := leap_day_warning(schedule.cron):
            print(f"warning: model {model.name}: schedule {job}: {said}", file=sys.stderr)
    image = resolve_image(args.image, spec.platform.image or None, purpose="apply")
    note = " — dry run, nothing changes" if args.dry_run else ""
    print(f"{args.file}: valid ({len(spec.models)} model(s)){note}")

    def factory(kfp):
        return _platform(args, host=kfp.host, namespace=kfp.namespace, install_namespace=kfp.install_namespace)

    apply_spec(spec, platform_factory=factory, image=image, dry_run=args.dry_run, prune=args.prune)
    return 0


def _runs(args: argparse.Namespace) -> int:
    from ctloop.errors import ConfigError, one_line

    if args.tracking_uri and args.model_name:  # a mistyped local URI: named before KFP is asked
        from ctloop.tracking import existing_store

        existing_store(args.tracking_uri)
    platform = _platform(args)
    experiment_id = None
    if args.experiment:
        experiment_id = platform.find_experiment(args.experiment, args.namespace or "")
        if not experiment_id:
            # experiments are per namespace on multi-user KFP (2.17.0 model/experiment.go idx_name_namespace):
            # say which one was searched and what it holds, as `ctloop approve` does
            namespace = platform.pipeline_namespace  # the profile on multi-user KFP, else none
            there = platform.experiments_said(namespace)
            raise ConfigError(
                f"experiment {one_line(args.experiment)!r} not found"
                + (f" in namespace {namespace}" if namespace else "")
                + f" (it has: {there}); give the one of your ctloop.yaml (kfp.experiment)"
                + (", or --namespace its profile" if namespace else "")
                + ", or --experiment '' for runs of every experiment"
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
    for r in runs:  # run and task names are anyone's text: escaped, so they neither add rows nor drive the terminal
        decisions = one_line(", ".join(r.decisions + audit.get(r.run_id, [])) or "-")
        print(f"{one_line(r.created_at):<21}{one_line(r.state):<11}{one_line(r.name)[:40]:<42}{decisions}")
    return 0


def _trigger(args: argparse.Namespace) -> int:
    from ctloop.errors import ConfigError
    from ctloop.image import resolve_image
    from ctloop.ops.params import loads_object, parse_pairs, pipeline_arguments

    try:
        params = loads_object(args.params or "{}", parse_constant=_not_a_number)
    except ValueError as exc:
        raise ConfigError(f"--params {args.params!r}: not JSON ({exc})") from exc
    if not isinstance(params, dict):
        raise ConfigError(
            f"--params {args.params!r}: give a JSON object, e.g. '{{\"model_name\": \"credit-default\", "
            "\"data\": {...}}'"
        )
    params = pipeline_arguments(_pipeline_func(PIPELINE), {**params, **parse_pairs(args.param)},
                                mounts=_mount_paths(args.mount_pvc), defined=_task_env())
    _check_tracking(params, mounts=_mount_paths(args.mount_pvc))
    _names(args)
    image = resolve_image(args.image, None, purpose="trigger")
    platform = _platform(args)
    platform.require_backend("trigger")
    with tempfile.TemporaryDirectory() as tmp:
        package = _compile_one(Path(tmp), image, PIPELINE, mounts=args.mount_pvc)
        check_object_size(package, params, "trigger")
        run_id = _create_once(platform, package, args, params)
    print(f"run_id={run_id}")
    return 0


def _create_once(platform, package: Path, args: argparse.Namespace, params: dict) -> str:
    """The run ``ctloop trigger`` starts. A create KFP answers with 500 may have started it anyway:
    kubeflow/pipelines 2.17.0 ``resource/resource_manager.go`` ``CreateRun`` creates the Argo workflow
    first (labelled ``pipeline/runid=<run id>``, ``template/v2_template.go``), then stores the run
    (``storage/run_store.go``: 500 "Failed to store run"). The run is asked for by the id it was sent
    with: when KFP has it, it started; when not, its workflow does not train to the end:
    ``ReportWorkflowResource`` (same file) deletes a one-time run's workflow that has no stored run once
    it is older than ``WORKFLOW_GC_GRACE_PERIOD_SECONDS`` (``common/config.go``, default 120).

    ``--idempotency-key``: the run of this experiment created with that key (its description) is this
    trigger's, when it runs ``continuous-training``; else a run with a new id of its own is created and
    marked with the key. The key is not the run's id: ``ReportWorkflowResource`` adopts every workflow
    labelled with the id of a stored run, so a retry under the id of an attempt whose store failed would
    run the pipeline twice under one run."""
    from ctloop.errors import PlatformError

    key = getattr(args, "idempotency_key", None) or ""
    prepared = None
    if key:
        prepared = platform.prepare_run(package, experiment=args.experiment, run_name=args.run_name or
                                        f"{PIPELINE}-triggered")
        found = platform.keyed_run(prepared.experiment_id, key)
        if found is not None:
            _same_trigger(found, key, args.experiment, prepared.experiment_id)
            print(f"note: KFP has run {found.run_id} of --idempotency-key {key} already: not started again",
                  file=sys.stderr)
            return str(found.run_id)
    try:
        return platform.create_run(package, experiment=args.experiment, params=params, key=key, prepared=prepared,
                                   run_name=args.run_name or f"{PIPELINE}-triggered")
    except PlatformError as exc:
        run_id = getattr(exc, "run_id", "")
        if getattr(exc.__cause__, "status", None) != 500 or not getattr(exc, "run_create_sent", False) or not run_id:
            raise
        if platform.find_run(run_id) is not None:
            print(f"note: KFP answered HTTP 500 to the create of run {run_id}, which exists: started", file=sys.stderr)
            return run_id
        namespace = getattr(args, "namespace", "") or platform.namespace or "<KFP namespace, e.g. kubeflow>"
        again = "again with the same --idempotency-key" if key else "again"
        raise PlatformError(f"{exc}; KFP creates the workflow before it stores the run, so run {run_id} may have "
                            "started without a KFP run; KFP deletes such a workflow once it is older than "
                            "WORKFLOW_GC_GRACE_PERIOD_SECONDS (default 120 s), so it does not finish (`kubectl get "
                            f"workflows -n {namespace} -l pipeline/runid={run_id}` shows it until it is gone): "
                            f"`ctloop trigger` {again} starts a run of a new id") from exc


def _same_trigger(run: Any, key: str, experiment: str, experiment_id: str) -> None:
    """Refuse (exit 2) a run found by ``--idempotency-key`` that is not a ``ctloop trigger`` run of
    ``continuous-training`` in this experiment: the key was used for something else."""
    from ctloop.errors import ConfigError

    spec = run.pipeline_spec if isinstance(getattr(run, "pipeline_spec", None), dict) else {}
    if isinstance(spec.get("pipeline_spec"), dict):  # with a platform spec (kfp 2.17 client.py _create_job_config)
        spec = spec["pipeline_spec"]
    pipeline = str((spec.get("pipelineInfo") or {}).get("name") or "")
    if getattr(run, "experiment_id", experiment_id) == experiment_id and pipeline == PIPELINE:
        return
    what = f"pipeline {pipeline!r}" if pipeline else "no pipeline package of its own (a pipeline version)"
    raise ConfigError(f"--idempotency-key {key!r}: KFP run {run.run_id} (experiment {experiment}) carries that key "
                      f"but runs {what}, not {PIPELINE} — fix: give a key of this trigger's own, e.g. "
                      '--idempotency-key "$(uuidgen)"')


IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def idempotency_key(text: str) -> str:
    """``--idempotency-key``: 1-128 characters of letters, digits, ``.``, ``_``, ``:``, ``-`` (a UUID, a
    CI job's id), stored in the run's description (``varchar(255)``, 2.17.0 ``model/run.go``)."""
    value = text.strip()
    if not IDEMPOTENCY_KEY.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{text!r}: give 1-128 letters, digits, '.', '_', ':' or '-', starting with "
                                         'a letter or digit, e.g. "$(uuidgen)" or "$CI_PIPELINE_ID"')
    return value


def _not_a_number(constant: str):
    raise json.JSONDecodeError(f"{constant} is not a JSON number", constant, 0)


def kfp_namespace_help(also: str = "", *, spec: bool = False, profile: str = "--namespace") -> str:
    """The help of ``--kfp-namespace``, its default said as :func:`ctloop.ops.platform.install_namespace` takes it
    (``also``: what else the command uses it for; ``spec``: the command takes ``-f``, so ctloop.yaml's key is a
    default; ``profile``: where the command takes the profile namespace, which this is not)."""
    from ctloop.ops.platform import (
        INSTALL_NAMESPACE,
        INSTALL_NAMESPACE_ENV,
        INSTALL_NAMESPACE_KEY,
        TASK_INSTALL_NAMESPACE_ENV,
    )

    key = f"{INSTALL_NAMESPACE_KEY} of -f, " if spec else ""
    return (f"the namespace KFP is installed in, where it is found without --host (the kubeconfig's API-server "
            f"proxy; in a pod the ml-pipeline service){also} (default: {key}${TASK_INSTALL_NAMESPACE_ENV}, "
            f"${INSTALL_NAMESPACE_ENV}, else {INSTALL_NAMESPACE}); not the profile ({profile})")


def add_kfp_options(p: argparse.ArgumentParser, *, namespace: bool = True, also: str = "") -> None:
    """How to reach and authenticate to the KFP API, and where KFP is installed (``--kfp-namespace``: every KFP
    command, ``ctloop doctor`` too; ``also``: what else the command uses that for, in its help; a command that
    reads ctloop.yaml adds its ``-f`` first, so the help names the spec's key)."""
    from ctloop.cli.argtypes import k8s_namespace, kfp_host, seconds, text_file

    p.add_argument(
        "--host",
        default="",
        type=kfp_host,
        help="KFP API URL with any path prefix, e.g. https://kubeflow.example.com/pipeline or "
        "http://localhost:8080 after kubectl -n kubeflow port-forward svc/ml-pipeline-ui 8080:80 "
        "(default: $KF_PIPELINES_ENDPOINT, the in-cluster service, or the kubeconfig API proxy)",
    )
    p.add_argument(
        "--token",
        default="",
        help="bearer token (default: $KFP_TOKEN); a command line is visible to every user of the machine "
        "(ps, /proc): prefer KFP_TOKEN or --token-file, on Kubeflow e.g. "
        'export KFP_TOKEN="$(kubectl -n <profile> create token default-editor)"',
    )
    p.add_argument(
        "--token-file",
        default="",
        type=text_file,
        metavar="PATH",
        help="file holding a bearer token, re-read before every request, e.g. a projected "
        "service-account token (default: $KFP_TOKEN_FILE, else the in-cluster pipelines token)",
    )
    p.add_argument(
        "--ca-file",
        default="",
        type=text_file,
        metavar="PATH",
        help="PEM bundle of the CA that signed KFP's TLS certificate, e.g. cert-manager's self-signed issuer's "
        "ca.crt (default: $KFP_CA_FILE, else the public CAs of certifi, as kfp.Client); needs --host or "
        "$KF_PIPELINES_ENDPOINT",
    )
    if namespace:
        p.add_argument(
            "--namespace", default="", type=k8s_namespace,
            help="KFP namespace: the profile, on multi-user Kubeflow",
        )
    p.add_argument(KFP_NAMESPACE_FLAG, default="", type=k8s_namespace, metavar="NS",
                   help=kfp_namespace_help(also, spec="-f" in p._option_string_actions,  # the parser's own -f
                                           profile="--namespace" if namespace else "kfp.namespace"))
    p.add_argument(
        "--timeout",
        type=seconds,
        default=30.0,
        metavar="SECONDS",
        help="limit for each KFP API request (default %(default)g)",
    )


def _allow_old_backend(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-old-backend",
        action="store_true",
        help="write to a KFP backend older than 2.15.0 anyway (it ignores `optional` on "
        "ConfigMap/Secret keys: only when `ctloop doctor` shows every key present)",
    )


def _common(p: argparse.ArgumentParser, experiment: bool = True) -> None:
    add_kfp_options(p)
    if experiment:
        p.add_argument("--experiment", default="ctloop", help="KFP experiment (default ctloop)")


IMAGE_HELP = (
    "component image (default: $CTLOOP_IMAGE); the built-in placeholder "
    "ghcr.io/ctloop/ctloop:<version> is not published and is refused"
)
HOST = "https://kubeflow.example.com/pipeline"
UPLOAD_EXAMPLES = f"""examples:
  ctloop upload --host {HOST} --image registry.example.com/ml/ctloop:0.1.0
  CTLOOP_IMAGE=registry.example.com/ml/ctloop:0.1.0 ctloop upload --pipeline monitoring --dry-run
  KFP_TOKEN="$(kubectl -n team-credit create token default-editor)" ctloop upload --host {HOST}
"""
DATA_PARAMS = ("--param data.uri=gs://bucket/credit.parquet --param data.target=default "
               "--param data.time_column=application_date")
DATA_JSON = '{"uri": "gs://bucket/credit.parquet", "target": "default", "time_column": "application_date"'
SCHEDULE_EXAMPLES = f"""examples:
  ctloop schedule --host {HOST} --cron "0 0 3 * * *" --param model_name=credit-default \\
    {DATA_PARAMS}   # 03:00 UTC daily
  ctloop schedule --cron "0 5 * * * *" --pipeline monitoring --param model_name=credit-default \\
    --param monitoring.log_root=gs://logs/ctloop --param 'training_parameters={{"data": {DATA_JSON}}}}}'
  ctloop schedule --cron "@every 6h" --namespace team-credit --param model_name=credit-default \\
    --param 'data={DATA_JSON}, "window": "90D"}}'
"""
APPLY_EXAMPLES = """examples:
  ctloop apply -f ctloop.yaml --dry-run      # validate and print the plan; changes nothing
  ctloop apply -f ctloop.yaml                # compile, upload if changed, reconcile schedules
  ctloop apply -f ctloop.yaml --prune        # also retire schedules the spec no longer declares
  KFP_TOKEN_FILE=/var/run/secrets/kubeflow/pipelines/token ctloop apply -f ctloop.yaml
"""
TRIGGER_EXAMPLES = f"""examples:
  ctloop trigger --host {HOST} --params '{{"model_name": "credit-default", "data": {DATA_JSON}}}}}'
  ctloop trigger --param model_name=credit-default --param gate.tolerance=0.02 \\
    {DATA_PARAMS}
  ctloop trigger --experiment credit-continuous-training --run-name retrain-by-hand \\
    --param model_name=credit-default --param 'data={DATA_JSON}}}'
  ctloop trigger --idempotency-key "$CI_PIPELINE_ID" --param model_name=credit-default \\
    {DATA_PARAMS}   # the same key again starts no second run
"""
RUNS_EXAMPLES = f"""examples:
  ctloop runs --host {HOST} --experiment credit-continuous-training
  ctloop runs --experiment '' --limit 20 --namespace team-credit   # every experiment
  ctloop runs --tracking-uri http://mlflow:5000 --model-name credit-default   # + audit events
"""


def _parser(subparsers, name: str, help: str, examples: str) -> argparse.ArgumentParser:
    from ctloop.cli.argtypes import values_may_lead_with_a_dash

    return values_may_lead_with_a_dash(subparsers.add_parser(
        name,
        help=help,
        description=help[0].upper() + help[1:] + ".",
        epilog=examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ))


def register(subparsers) -> None:
    from ctloop.cli.argtypes import (
        image,
        int_at_least,
        location,
        registered_model,
        section_field,
        tracking_uri,
    )
    from ctloop.config import PlatformConfig, ScheduleConfig

    u = _parser(
        subparsers,
        "upload",
        "upload a pipeline (a new version only when the compiled content changed)",
        UPLOAD_EXAMPLES,
    )
    _common(u, experiment=False)
    u.add_argument(
        "--pipeline", default=PIPELINE, help="continuous-training (default), monitoring, rollout or batch-scoring"
    )
    u.add_argument("--pipeline-name", default=None, help="name in KFP (default: the pipeline's)")
    u.add_argument("--image", default="", type=image, help=IMAGE_HELP)
    u.add_argument("--dry-run", action="store_true", help="say what would happen, upload nothing")
    _allow_old_backend(u)
    add_mount_pvc_option(u)
    u.set_defaults(handler=_upload)

    s = _parser(
        subparsers,
        "schedule",
        "create or replace a recurring run (6-field cron, seconds first, UTC)",
        SCHEDULE_EXAMPLES,
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
        help="continuous-training (default), monitoring (schedule it more often, e.g. hourly) or batch-scoring",
    )
    s.add_argument("--pipeline-name", default=None, help="name in KFP (default: the pipeline's)")
    s.add_argument(
        "--job-name", default=None, help="recurring run name (default <pipeline>-schedule)"
    )
    s.add_argument(
        "--max-concurrency", type=section_field(ScheduleConfig, "max_concurrency"),
        default=ScheduleConfig.max_concurrency,
        help=f"{ScheduleConfig.doc_of('max_concurrency').rstrip('.')}; default {ScheduleConfig.max_concurrency}: "
        "never two runs at once",
    )
    s.add_argument(
        "--catchup", action="store_true", help="backfill missed runs (default: no catch-up)"
    )
    s.add_argument("--service-account", default="", type=section_field(PlatformConfig, "service_account"),
                   help="Kubernetes SA that runs the steps (as platform.service_account)")
    s.add_argument("--image", default="", type=image, help=IMAGE_HELP)
    _allow_old_backend(s)
    add_mount_pvc_option(s)
    s.set_defaults(handler=_schedule)

    a = _parser(
        subparsers,
        "apply",
        "validate ctloop.yaml, compile, upload if changed, reconcile schedules",
        APPLY_EXAMPLES,
    )
    a.add_argument("-f", "--file", required=True, type=location, help="the spec (see examples/ctloop.yaml)")
    a.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    a.add_argument("--prune", action="store_true",
                   help="retire the schedules of this spec's models it no longer declares (a schedule removed, "
                        "kfp.experiment renamed): without it they are only listed")
    add_kfp_options(a, namespace=False)  # the namespace is kfp.namespace of the spec
    a.add_argument(
        "--image", default="", type=image, help="component image (default: $CTLOOP_IMAGE, else platform.image)"
    )
    _allow_old_backend(a)
    a.set_defaults(handler=_apply)

    t = _parser(
        subparsers,
        "trigger",
        "start one continuous-training run now (what monitoring does)",
        TRIGGER_EXAMPLES,
    )
    _common(t)
    t.add_argument("--params", default="{}", help="pipeline parameters as a JSON object (default: {}, the pipeline's defaults)")
    t.add_argument(
        "--param", action="append", metavar="NAME=VALUE",
        help="one pipeline parameter, as for schedule (dotted section fields: data.uri=...); wins over --params",
    )
    t.add_argument(
        "--run-name", default=None, help="run name (default continuous-training-triggered)"
    )
    t.add_argument(
        "--idempotency-key", default=None, type=idempotency_key, metavar="KEY",
        help="to retry safely: when the experiment has a run triggered with this key, it is not started again "
             "and its run_id is printed (default: none, every trigger starts a run)",
    )
    t.add_argument("--image", default="", type=image, help="component image (default: $CTLOOP_IMAGE)")
    _allow_old_backend(t)
    add_mount_pvc_option(t)
    t.set_defaults(handler=_trigger)

    r = _parser(
        subparsers, "runs", "recent runs with state and gate/rollout decisions", RUNS_EXAMPLES
    )
    _common(r)
    r.add_argument("--limit", type=int_at_least(1), default=10, help="newest N runs (default 10)")
    r.add_argument(
        "--tracking-uri", default="", type=tracking_uri, help="MLflow URI to join each run's audit events too"
    )
    r.add_argument("--model-name", default="", type=registered_model(optional=True), help="registered model whose audit log to join")
    r.set_defaults(handler=_runs)

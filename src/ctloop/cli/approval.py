"""``ctloop approve`` / ``ctloop reject``: a person signs off a challenger (``rollout.approval: required``).

An approval records who and why in the audit trail, then carries out what the version was
registered for: with an InferenceService, a ``rollout`` pipeline run on KFP (canary, analysis,
promote or roll back) of the version ``ctloop apply`` pinned in the model's ``ct-`` schedule (as a
monitoring trigger does; the newest upload only when no schedule pins one); without one, the registry promotion. A version that is no longer the one
pending approval is refused with the reason (see :mod:`ctloop.approval`).
"""

from __future__ import annotations

import argparse
import contextlib

from ctloop.cli.ops import _platform
from ctloop.errors import PlatformError

LOCK_TIMEOUT_S = 60.0  # how long `ctloop approve`/`reject` waits for the model's promotion lock


def _lock(stack: contextlib.ExitStack, registry, name: str, command: str) -> None:
    """Take the model's promotion lock into ``stack``: saying so first when someone holds it (a
    promotion, a rollout, a monitoring trigger, or a holder that died before its lease ends), and
    after :data:`LOCK_TIMEOUT_S` refusing in one line (nothing recorded: retry)."""
    from ctloop.errors import RegistryError

    holder = registry._lock_holder(name)
    if holder is not None and holder.get("expired") != "true":
        print(f"ctloop: the promotion lock of {name} is held by {holder.get('owner', '?')} until "
              f"{holder.get('expires', '?')} (a promotion, rollout or monitoring trigger in progress): "
              f"waiting up to {LOCK_TIMEOUT_S:.0f} s", flush=True)
    try:
        stack.enter_context(registry._locked(name))
    except RegistryError as exc:
        raise RegistryError(f"nothing was recorded: {exc}; then retry `ctloop {command}`") from exc


def _decide(args: argparse.Namespace, approve: bool) -> int:
    from ctloop import approval
    from ctloop.registry import TAG_GATE_CHAMPION, MlflowRegistry, check_model_name
    from ctloop.tracking import existing_store

    check_model_name(args.model_name)  # before the store is opened (a sqlite URI creates its file)
    approval.check_reason(args.reason)
    if approve:  # the KFP credentials given, before anything is recorded (an unreadable --token-file, --ca-file)
        from ctloop.ops.platform import resolve_auth, resolve_ca_file

        resolve_auth(args.host or "", args.token or "", args.token_file or "")
        resolve_ca_file(args.ca_file or "")
    existing_store(args.tracking_uri)  # a version pending approval lives in an existing registry
    registry = MlflowRegistry(args.tracking_uri, lock_timeout_s=LOCK_TIMEOUT_S)
    # under the promotion lock: two approvals at once start one rollout, not two (the second finds
    # the version decided); the registry promotion below takes the lock itself
    with contextlib.ExitStack() as stack:
        _lock(stack, registry, args.model_name, "approve" if approve else "reject")
        # the KFP client and what create_run's checks resolved, once they passed before the approval was recorded
        checked: list = []

        def checks_first(rollout: dict) -> None:
            if approve and rollout.get("inference_service"):  # refused with nothing recorded
                _check_run(args, args.version, approval.who(args.by), args.reason, rollout, recorded=False)
                checked.extend(_prechecked(args))

        decision = approval.decide(registry, args.model_name, args.version, approve=approve,
                                   by=approval.who(args.by), reason=args.reason, before_record=checks_first)
        verb = "approved" if approve else "rejected"
        if decision.restated:
            print(f"{args.model_name} v{decision.version} approval restated by {decision.by}: {decision.reason} "
                  f"(replacing the one by {decision.restated}, whose reason or name KFP cannot store); "
                  "carrying it out now")
        elif decision.resumed:
            print(f"{args.model_name} v{decision.version} was already {verb} by {decision.by}: {decision.reason}; "
                  + ("carrying it out now" if approve else "done"))
        else:
            print(f"{args.model_name} v{decision.version} {verb} by {decision.by}: {decision.reason}")
        if not approve:
            return 0
        rollout = decision.rollout or {}
        if rollout.get("inference_service"):
            _start_rollout(args, registry, decision, rollout, *checked)
            approval.finish(registry, args.model_name, decision.version)
            return 0
    # pending-approval cleared under the promotion's lock, as request() writes it (was: after it, where a
    # newer version's request landing between finish's read and its delete lost its alias)
    # the gate's champion checked again under the promotion's lock (decide checked it under approve's)
    judged = registry.get_version(args.model_name, decision.version).tags.get(TAG_GATE_CHAMPION)
    previous = registry.promote(args.model_name, decision.version, reason=f"approved by {decision.by}: {decision.reason}",
                                then=lambda: approval.finish(registry, args.model_name, decision.version),
                                gate_champion=judged)
    print(f"{args.model_name} champion -> v{decision.version} (previous: {previous or 'none'})")
    return 0


def _prechecked(args: argparse.Namespace, platform=None) -> tuple:
    """``(platform, prepared)``: every check the rollout run's create makes before it is sent
    (``--experiment``, the backend's release, the pinned or newest ``rollout`` version:
    :meth:`~ctloop.ops.platform.Platform.prepare_run`), run before a new approval is recorded. A
    refusal says that nothing was recorded: the version stays pending (approve against the right
    KFP, or reject it)."""
    from ctloop.cli.ops import PIPELINE
    from ctloop.config import schedule_name
    from ctloop.errors import ConfigError, CtloopError

    suffix = (f"; nothing was recorded: v{args.version} is still pending approval (`ctloop approve` again once fixed, "
              "or `ctloop reject`)")
    try:
        platform = platform if platform is not None else _platform(args)  # kfp.Client asks KFP at once
        _need_experiment(platform, args, args.version, recorded=False)
    except CtloopError as exc:  # KFP unreachable or refusing the identity: said like the checks below
        if "nothing was recorded" in str(exc):
            raise
        raise type(exc)(f"{exc}{suffix}") from exc
    try:
        prepared = platform.prepare_run(
            "rollout", experiment=args.experiment, run_name=f"rollout-{args.model_name}-v{args.version}",
            schedule=schedule_name(PIPELINE, args.model_name), create_experiment=False)
    except (ConfigError, PlatformError) as exc:
        raise type(exc)(f"{exc}{suffix}") from exc
    return platform, prepared


def _start_rollout(args: argparse.Namespace, registry, decision, rollout: dict, platform=None,
                   prepared=None) -> None:
    """The rollout run of the approved version, unless an earlier attempt started it (its
    ``rollout_started`` record) and stopped before clearing ``pending-approval``. ``platform`` and
    ``prepared``: the KFP client and what it resolved (:func:`_prechecked`) before this approval
    was recorded; a resumed approval checks again here."""
    from ctloop import approval
    from ctloop.cli.ops import PIPELINE
    from ctloop.config import schedule_name

    if decision.resumed and approval.recorded(registry, args.model_name, decision.version, "rollout_started"):
        print(f"the rollout run of v{decision.version} was already started")
        return
    params = _rollout_params(args, decision.version, decision.by, decision.reason, rollout)
    checked, platform = platform is not None, platform or _platform(args)
    # one run per approval: an attempt that created it and stopped before recording it finds it here, by
    # the approval's key (or as the id a ctloop before round 42 gave it); each create sends an id of its own
    key = approval.rollout_key(args.model_name, decision)
    run_id = _rollout_found(platform, args, key) if decision.resumed else ""
    started = bool(run_id)
    if not started:
        if not checked:  # an approval recorded by an earlier attempt
            _check_run(args, decision.version, decision.by, decision.reason, rollout, recorded=True)
            _need_experiment(platform, args, decision.version, recorded=True)
        try:
            run_id = platform.create_run(
                "rollout", experiment=args.experiment, params=params, key=key,
                run_name=f"rollout-{args.model_name}-v{decision.version}",
                schedule=schedule_name(PIPELINE, args.model_name),  # the version `apply` pinned for it
                prepared=prepared)
        except PlatformError as exc:
            run_id = getattr(exc, "run_id", "") or key
            started = _created_anyway(platform, exc, run_id, args.namespace or platform.namespace or "",
                                      f"{rollout.get('namespace') or '<namespace>'}/{rollout['inference_service']}")
    registry.record_event(args.model_name, decision.version, {"event": "rollout_started", "kfp_run": run_id,
                                                              "by": decision.by})
    if started:
        print(f"the rollout run {run_id} of v{decision.version} was already started (by an earlier attempt)")
        return
    print(f"rollout run {run_id} started: canary of v{decision.version} on "
          f"{rollout.get('namespace')}/{rollout['inference_service']}")


def _rollout_found(platform, args: argparse.Namespace, key: str) -> str:
    """The id of the rollout run an earlier attempt of this approval created, ``""`` for none: the run of
    the namespace marked with its ``key`` (in any experiment: the attempt may have had another
    ``--experiment``), else the run whose id is ``key`` (ctloop before round 42)."""
    found = platform.keyed_run("", key, namespace=args.namespace or "")
    if found is None:
        found = platform.find_run(key)
    return str(found.run_id) if found is not None else ""


def _rollout_params(args: argparse.Namespace, version: str, by: str, reason: str, rollout: dict) -> dict:
    """The parameters of the rollout run an approval starts."""
    return {"model_name": args.model_name, "version": version, "rollout": rollout,
            "reason": f"approved by {by}: {reason}", "tracking_uri": args.tracking_uri}


def _check_run(args: argparse.Namespace, version: str, by: str, reason: str, rollout: dict, *,
               recorded: bool) -> None:
    """Refuse, in one line naming the flag, a rollout run KFP could not store: its name
    (``rollout-<model>-v<n>``) or a parameter holding a character beyond U+FFFF (an emoji in
    ``--reason``, ``--by`` or the model name; :func:`~ctloop.ops.platform.refuse_astral`), or a URL
    with a credential in it (a link with ``?token=`` pasted into ``--reason``:
    :func:`~ctloop.ops.platform.refuse_credentials`; KFP would show it to the namespace).
    ``Platform.create_run`` refuses them too, but only after the approval was recorded: a new approval is
    checked here first (``recorded`` false: nothing recorded, the version stays pending)."""
    from ctloop.errors import ConfigError
    from ctloop.ops.params import defined_variable, doubled_dollar
    from ctloop.ops.platform import check_name, refuse_astral, refuse_credentials
    from ctloop.ops.settings import task_env_names

    run_name = f"rollout-{args.model_name}-v{version}"
    try:  # the rollout run's tracking_uri parameter: KFP would publish a password in it
        refuse_credentials(args.tracking_uri, "--tracking-uri")
    except ConfigError as exc:
        again = ("the approval is recorded and no rollout run was created: `ctloop approve` again with it carries "
                 "it out" if recorded else "nothing was recorded: v{version} is still pending approval")
        raise ConfigError(f"{exc}; {again.format(version=version)}") from exc
    try:
        refuse_astral(args.model_name, "--model-name")
        refuse_astral(by, "--by" if args.by else "--by (default: CTLOOP_APPROVER, KUBERNETES_USER or the OS user)")
        refuse_astral(reason, "--reason")
        check_name(run_name, "rollout run name", f"rollout-credit-default-v{version}", "run")
        for key, value in _rollout_params(args, version, by, reason, rollout).items():
            refuse_astral(value, f"rollout run parameter {key}")
        # a free text: the credential is left out, not given elsewhere (it is kept in the audit trail too)
        text_fix = ("leave it out of {flag}: link the page without its token or key (it is kept in the audit "
                    "trail and passed to the rollout run)")
        refuse_credentials(reason, "--reason", fix=text_fix.format(flag="--reason"))
        refuse_credentials(by, "--by", fix=text_fix.format(flag="--by"))
        for key, value in _rollout_params(args, version, by, reason, rollout).items():
            if key != "tracking_uri":  # checked above
                refuse_credentials(value, f"rollout run parameter {key}")
        # what the kubelet would rewrite in the rollout task's arguments ($$, a $(NAME) its container
        # defines: `--reason 'see $(AWS_SECRET_ACCESS_KEY)'` reached the task, and the audit trail, as the secret)
        defined = task_env_names()
        texts = [(reason, "--reason"), (by, "--by"), (args.tracking_uri, "tracking_uri")]
        texts += [(value, f"rollout run parameter {key}") for key, value in
                  _rollout_params(args, version, by, reason, rollout).items() if key not in ("reason", "tracking_uri")]
        for value, where in texts:
            if why := doubled_dollar(value, where) or defined_variable(value, where, defined):
                raise ConfigError(why.replace("tracking_uri:", "--tracking-uri:", 1) if where == "tracking_uri" else why)
    except ConfigError as exc:
        if recorded:
            fix = (f"the approval of v{version} is recorded and no rollout run was created: `ctloop approve` again "
                   "with a --reason and --by KFP can store carries it out (they replace the stored ones), "
                   "or `ctloop reject` clears it")
        else:
            fix = (f"nothing was recorded: v{version} is still pending approval (`ctloop approve` again once fixed, "
                   "or `ctloop reject`)")
        raise ConfigError(f"{exc}; {fix}") from exc


def _need_experiment(platform, args: argparse.Namespace, version: str, *, recorded: bool) -> None:
    """Refuse an ``--experiment`` KFP does not have (a typo) before anything is created in KFP: the
    experiment holds the ct- schedule that pins the rollout version `ctloop apply` uploaded, so a
    missing one would have been created and the newest rollout upload started there instead. A new
    approval is checked before it is recorded (``recorded`` false: the version stays pending and can
    still be rejected); one an earlier attempt recorded stays approved: approve again with the right name."""
    from ctloop.errors import ConfigError, one_line

    namespace = args.namespace or platform.namespace or ""
    if platform.ensure_experiment(args.experiment, namespace=namespace, dry_run=True):  # archived: refused
        return
    where = f" (namespace {namespace})" if namespace else ""
    there = platform.experiments_said(namespace)
    raise ConfigError(
        f"--experiment {one_line(args.experiment)!r}: KFP at {platform.host or 'the cluster'}{where} has no such "
        f"experiment (it has: {there}); nothing was created in KFP — fix: give the spec's kfp.experiment, where "
        "`ctloop apply -f ctloop.yaml` made the ct- schedule that pins the rollout version (run apply first "
        "when it has not run); "
        + (f"the approval of v{version} is recorded and `ctloop approve` again starts its rollout" if recorded else
           f"nothing was recorded: v{version} is still pending approval (`ctloop approve` with the right "
           "--experiment, or `ctloop reject`)"))


def _created_anyway(platform, exc: PlatformError, run_id: str, namespace: str,
                    isvc: str = "<namespace>/<InferenceService>") -> bool:
    """After a create of ``run_id`` KFP answered with a server error: ``True`` when the run exists
    (an earlier attempt's create, stored late), else a :class:`PlatformError` in one line. kfp
    2.17.0 ``backend/src/apiserver/resource/resource_manager.go`` ``CreateRun`` creates the Argo
    workflow first, then stores the run: a create whose store failed (500 "Failed to store
    run") may have left a workflow running that no KFP run shows, which
    ``ReportWorkflowResource`` deletes once older than ``WORKFLOW_GC_GRACE_PERIOD_SECONDS``
    (``common/config.go``, default 120), perhaps mid-canary on ``isvc``. An error before the
    create was sent (``run_create_sent`` unset: the pinned version's ``GET``) started nothing: raised as is."""
    status = getattr(exc.__cause__, "status", None)
    if not (isinstance(status, int) and 500 <= status < 600) or not getattr(exc, "run_create_sent", False):
        raise exc
    check = (f"check `kubectl get workflows -n {namespace or '<KFP namespace, e.g. kubeflow>'}` (or the KFP UI) "
             f"for a workflow of run {run_id}")
    if platform.find_run(run_id) is not None:
        print(f"note: KFP answered HTTP {status} to the create of the rollout run {run_id}, which exists (stored "
              f"although KFP answered an error): counted as started; {check}")
        return True
    raise PlatformError(f"{exc}; KFP creates the workflow before it stores the run, so a rollout may have started "
                        "without a KFP run; KFP deletes such a workflow once it is older than "
                        "WORKFLOW_GC_GRACE_PERIOD_SECONDS (default 120 s), perhaps mid-canary: wait until `kubectl get "
                        f"workflows -n {namespace or '<KFP namespace, e.g. kubeflow>'} -l pipeline/runid={run_id}` "
                        f"shows it gone and check the InferenceService {isvc} for a canary it left before "
                        "`ctloop approve` again") from exc


def register(subparsers) -> None:
    from ctloop.cli.argtypes import model_version, registered_model, tracking_uri
    from ctloop.cli.ops import add_kfp_options

    for name, approve in (("approve", True), ("reject", False)):
        p = subparsers.add_parser(
            name, help=f"{name} the challenger waiting for approval (rollout.approval: required)",
            epilog=(f"example:\n  ctloop {name} --model-name credit-default --version 7 --reason "
                    f"\"{'backtest and fairness review passed' if approve else 'fails the fairness review'}\""),
            formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--model-name", required=True, type=registered_model(), help="registered model name")
        p.add_argument("--version", required=True, type=model_version,
                       help="the version pending approval (ctloop audit shows it)")
        p.add_argument("--reason", required=True, help="why; kept in the audit trail")
        p.add_argument("--by", default="", help="who decides (default: CTLOOP_APPROVER, KUBERNETES_USER or the OS "
                       "user)")
        p.add_argument("--tracking-uri", default="", type=tracking_uri, help="MLflow URI (default: MLFLOW_TRACKING_URI)")
        if approve:  # the KFP API of the rollout run: --host, --token, --token-file, --namespace, --timeout
            add_kfp_options(p)
            p.add_argument("--experiment", default="ctloop", help="KFP experiment of the rollout run: the spec's kfp.experiment, whose ct-<model> "
                           "schedule pins the rollout version `ctloop apply` uploaded; one KFP does not have is "
                           "refused, never created (default ctloop)")
        p.set_defaults(handler=lambda a, approve=approve: _decide(a, approve))

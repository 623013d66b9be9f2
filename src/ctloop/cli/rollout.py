"""``ctloop rollout status|canary|promote|rollback``: the InferenceService by hand."""

from __future__ import annotations

import argparse


def _isvcs(args):
    """The cluster's InferenceServices, once every option has been checked (a bad value is refused
    before a kubeconfig is read or a cluster is asked). A bad ``CTLOOP_KSERVE_NAMESPACE`` is judged
    by the service, as the rollout components judge it (``release.check_kserve_namespace``: the
    service is read once, refused only when it has no deployment-mode annotation, so that the
    cluster's default would be read where the variable says; else a warning)."""
    from ctloop.serving.release import check_kserve_namespace

    isvcs = _cluster(args)
    check_kserve_namespace(isvcs, _config(args))
    return isvcs


def _cluster(args):
    """The cluster's InferenceServices, ``CTLOOP_KSERVE_NAMESPACE`` not judged (:func:`_isvcs` judges it)."""
    from ctloop.serving.kube import InferenceServices, load_api_client

    config = _config(args)
    return InferenceServices(args.namespace, api_client=load_api_client(args.kubeconfig, args.context),
                             kserve_namespace=config.kserve_namespace)


def _status(args: argparse.Namespace) -> int:
    """The InferenceService as the cluster reports it, and with ``--model-name`` the registry's
    aliases and the last decision of the model's audit log about it; ``--json``: one document."""
    import json

    from ctloop.errors import ConfigError, one_line
    from ctloop.serving.isvc import KSERVE_NAMESPACE_ENV, spec_version
    from ctloop.serving.kube import predictor_status, traffic_split
    from ctloop.tracking import existing_store

    if args.model_name:  # the registry is read after the cluster: a mistyped local URI is refused first
        _config(args)
        existing_store(args.tracking_uri)
    bad_variable = None
    try:
        isvcs = _isvcs(args)
    except ConfigError as exc:
        # status writes nothing: a bad CTLOOP_KSERVE_NAMESPACE that the rollout commands refuse for
        # this service (no mode annotation: release.check_kserve_namespace) is a note, not a refusal of
        # the one command every error line points to. Any other refusal (the config, the kubeconfig)
        # comes again from _cluster
        isvcs = _cluster(args)
        bad_variable = {"kind": f"BAD {KSERVE_NAMESPACE_ENV}", "message": (
            one_line(str(exc)).replace("; nothing written", "") + "; the rollout commands refuse this service "
            "until it is fixed")}
    obj = isvcs.get(args.isvc)
    # every key in every document (null when there is none): a missing service has no spec either
    doc: dict = {"inference_service": args.isvc, "namespace": args.namespace, "exists": obj is not None,
                 "mode": None, "spec": None, "revisions": None, "notes": [], "traffic": {}, "traffic_ready": {},
                 **_registry_part(args, {}, read=False)}
    if obj is None:
        if args.model_name:  # deleted since a rollout: what the audit log last decided about it (a rollback not applied)
            doc.update(_registry_part(args, {}))
        print(json.dumps(doc, indent=2) if args.json else f"InferenceService {args.namespace}/{args.isvc} does not exist"
              + (f"\n  last decision: {_decision_line(doc)}" if args.model_name else ""))
        return 1
    st = predictor_status(obj)
    pred = (obj.get("spec") or {}).get("predictor") or {}
    traffic = traffic_split(obj)
    not_ready = _not_ready(isvcs, obj, traffic)
    notes = ([bad_variable] if bad_variable else []) + _notes(args, isvcs, obj, not_ready)
    doc.update({
        "mode": (obj.get("status") or {}).get("deploymentMode"),
        "spec": {"version": spec_version(obj) or None, "storage_uri": _model_storage_uri(pred),
                 "canary_traffic_percent": pred.get("canaryTrafficPercent")},
        "revisions": {"latest_created": st.get("latestCreatedRevision"), "latest_ready": st.get("latestReadyRevision"),
                      "rolled_out": st.get("latestRolledoutRevision"), "previous": st.get("previousRolledoutRevision")},
        "notes": notes,
        "traffic": traffic,
        "traffic_ready": {revision: None if why is None else not why for revision, why in not_ready.items()},
    })
    if not args.json:  # the cluster's view first: a registry that does not answer takes none of it
        print(f"InferenceService {args.namespace}/{args.isvc}  (mode {doc['mode'] or '?'})")
        print(f"  spec: version {spec_version(obj) or '?'}, storageUri {_storage_uri(pred)}, "
              f"canaryTrafficPercent {pred.get('canaryTrafficPercent', '-')}")
        # a Standard predictor reports no revisions (PropagateRawStatus): "-" as for the others, not "None"
        print(f"  latestCreated {st.get('latestCreatedRevision') or '-'}  latestReady {st.get('latestReadyRevision') or '-'}  "
              f"rolledOut {st.get('latestRolledoutRevision', '-')}  previous {st.get('previousRolledoutRevision', '-')}")
        for note in notes:
            print(f"  {note['kind']}: {note['message']}" if note["message"] else f"  {note['kind']}")
        for revision, percent in doc["traffic"].items():
            print(f"  {percent:>3} %  {revision}" + ("  (not Ready)" if not_ready.get(revision) else ""))
    doc.update(_registry_part(args, obj))
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    if args.model_name:
        from ctloop.errors import one_line

        aliases = doc["registry_aliases"]
        print("  registry aliases: " + (", ".join(f"{a}=v{v}" for a, v in aliases.items()) or "none")
              if aliases is not None else f"  registry aliases: not read ({one_line(doc['registry_aliases_error'])})")
    print(f"  last decision: {_decision_line(doc)}")
    return 0


def _registry_part(args: argparse.Namespace, obj: dict, *, read: bool = True) -> dict:
    """What status reads of the registry: ``registry_aliases`` and the ``last_decision`` about the
    InferenceService, each None with its ``*_error`` when not read (an MLflow that does not
    answer, the audit experiment deleted: the cluster's view is printed all the same, exit 0);
    ``last_decision_state``: ``found``, ``none recorded``, ``none among the newest`` (older records
    left unread) or ``not read`` (no ``--model-name``, or the error)."""
    from ctloop.errors import CtloopError, shell_option
    from ctloop.serving.isvc import MODEL_LABEL

    part: dict = {"registry_aliases": None, "registry_aliases_error": None, "last_decision": None,
                  "last_decision_state": "not read", "last_decision_error": None,
                  "last_decision_searched": DECISIONS_READ}
    if not read:
        return part
    if not args.model_name:
        label = ((obj.get("metadata") or {}).get("labels") or {}).get(MODEL_LABEL)
        # the label's value quoted as the shell needs it (was: raw, found by the source scan of round 57's review)
        name = label if isinstance(label, str) and label else "NAME"
        part["last_decision_error"] = f"the audit log is the model's: add {shell_option('--model-name', name)} and --tracking-uri"
        return part
    from ctloop.registry import MlflowRegistry
    from ctloop.serving.release import DECISION_EVENTS, last_decision

    registry = MlflowRegistry(args.tracking_uri)
    try:
        part["registry_aliases"] = dict(sorted(registry.aliases(args.model_name).items()))
    except CtloopError as exc:
        part["registry_aliases_error"] = str(exc)
    try:
        # promote_aborted is how the log shows an aborted promote record; the deploys name the
        # service of an analysis recorded before analyses named it
        events = tuple(e for e in DECISION_EVENTS if e != "promote_aborted")
        aliases = part["registry_aliases"]
        records, full = registry.audit_events(args.model_name, events, DECISIONS_READ, context=("deploy",),
                                              champion=aliases.get("champion", "") if aliases is not None else None)
        decision = last_decision(records, args.isvc, args.namespace)
    except CtloopError as exc:
        part["last_decision_error"] = str(exc)
        return part
    part["last_decision"] = decision
    part["last_decision_state"] = "found" if decision else "none among the newest" if full else "none recorded"
    return part


# the newest audit records of each decision event (and of deploy) status reads for the last
# decision: a rollout's decision is among its event's last few records
DECISIONS_READ = 100


def _decision_line(doc: dict) -> str:
    """The ``last decision:`` of status: what, when, the pipeline run, why (stored texts escaped),
    or why there is none to show."""
    from ctloop.errors import one_line

    decision = doc["last_decision"]
    if decision is None:
        return {"not read": f"not read ({one_line(doc['last_decision_error'] or '')})",
                "none among the newest": f"none among the newest {doc['last_decision_searched']} records of each "
                                         "decision (ctloop audit lists every record)",
                }.get(doc["last_decision_state"], "none recorded (ctloop audit lists every record)")
    d = {k: one_line(v) for k, v in decision.items() if v is not None}
    what = d["decided"]
    at = f", {d['at'][:19].replace('T', ' ')} UTC" if d.get("at") else ""
    run = f" (pipeline run {d['pipeline_run']})" if d.get("pipeline_run") else ""
    return f"v{d['version'] or '?'} {d['event']}: {what}{at}{run}" + (f": {d['reason']}" if d.get("reason") else "")


def _not_ready(isvcs, obj: dict, traffic: dict[str, int]) -> dict[str, str | None]:
    """Each revision of ``traffic``: why it is not Ready, ``""`` when it is, None when that cannot
    be told (a 0 % entry is not asked about). Knative Serving 1.21.1 keeps routing a revision that
    stopped being Ready — its Route keeps ``status.traffic`` (``pkg/reconciler/route/route.go``
    ``configureTraffic``), a ``latestRevision`` target follows the Configuration's
    ``latestReadyRevisionName``, which does not move back — and KServe v0.20.0 copies that into
    ``traffic[]``. The Revision's ``Ready`` condition (:meth:`InferenceServices.revision_not_ready`);
    without the Role's optional rule on revisions, a routed revision the configuration condition
    says failed (``Revision "<name>" failed with message: ...``: ``MarkLatestCreatedFailed``, also
    for the latest ready revision)."""
    from ctloop.serving.kube import CONFIGURATION_READY

    failed = next((f"{CONFIGURATION_READY} False: {c.get('reason') or '?'}: {' '.join(str(c.get('message')).split())}"
                   for c in (obj.get("status") or {}).get("conditions") or []
                   if isinstance(c, dict) and c.get("type") == CONFIGURATION_READY and c.get("status") == "False"
                   and c.get("reason") == "RevisionFailed" and c.get("message")), "")
    out: dict[str, str | None] = {}
    for revision, percent in traffic.items():
        why = isvcs.revision_not_ready(revision) if percent > 0 else None
        if why is None and percent > 0 and failed and f'Revision "{revision}" failed' in failed:
            why = failed
        out[revision] = why
    return out


def _notes(args: argparse.Namespace, isvcs, obj: dict, not_ready: dict[str, str | None] | None = None) -> list[dict]:
    """What status says beside the spec and the traffic, in its order: ``{kind, message}`` with
    kind NOT KNATIVE, MODE UNKNOWN or UPDATE REFUSED (:func:`_not_driven`), FAILED, NOT READY (a revision with a share that is not Ready: ``not_ready``, :func:`_not_ready`),
    STAGED, INVALID SPEC, NO KNATIVE, TAG HOST, or the conditions reported False
    (``PredictorReady, Ready False``, their message ``reason: message``)."""
    from ctloop.serving.isvc import TAG_ROUTING_ANNOTATION, route_templates, tag_host_problem
    from ctloop.serving.kube import (
        CONFIGURATION_READY,
        invalid_spec,
        knative_unreconciled,
        no_knative,
        revision_failure,
        traffic_split,
    )

    notes = []
    if driven := _not_driven(isvcs, obj):  # Standard, ModelMesh, unknown: no revisions, no traffic[]
        notes.append({"kind": driven[0], "message": driven[1]})
    failure = revision_failure(obj)
    if failure:
        notes.append({"kind": "FAILED", "message": failure})
    shares = traffic_split(obj)
    for revision, why in (not_ready or {}).items():
        if why:
            notes.append({"kind": "NOT READY", "message": (
                f"{revision} has {shares.get(revision, 0)} % of the traffic, but its Revision is not Ready ({why}): "
                f"Knative goes on routing it (kubectl describe revision {revision} -n {args.namespace})")})
    if staged := _staged_line(obj):
        notes.append({"kind": "STAGED", "message": staged})
    if invalid := invalid_spec(obj):  # KServe made no revision for this spec (its runtime missing, ...)
        notes.append({"kind": "INVALID SPEC", "message": invalid})
    elif knative_unreconciled(obj) and isvcs.knative_served() is False:  # KServe rejects Knative mode
        notes.append({"kind": "NO KNATIVE", "message": no_knative()})
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if str(annotations.get(TAG_ROUTING_ANNOTATION)) == "true" and (templates := isvcs.network_templates()):
        # Knative reports no traffic (a cluster-local Route's domain template is the default one)
        if problem := tag_host_problem(args.isvc, args.namespace,
                                       *route_templates(obj, templates, isvcs.domain_config(),
                                                       in_cluster=isvcs.in_cluster)):
            notes.append({"kind": "TAG HOST", "message": problem})
    for types, why in _false_conditions(obj, failure, CONFIGURATION_READY):
        notes.append({"kind": f"{', '.join(types)} False", "message": why})
    return notes


def _not_driven(isvcs, obj: dict) -> tuple[str, str] | None:
    """``(kind, why)`` the rollout refuses the service for its deployment mode
    (``isvc.check_deployment_mode``, with the cluster's default when it names none): NOT KNATIVE
    (Standard, ModelMesh) or MODE UNKNOWN (no mode, the cluster's default unknown); UPDATE REFUSED
    in Knative mode when KServe's webhooks refuse every update (``isvc.check_update_admitted``);
    else ``None``. KServe v0.20.0 reports no revisions and no ``traffic[]`` but in Knative mode
    (``inference_service_status.go`` ``PropagateRawStatus``: a Standard predictor's status is its
    ``url`` and ``PredictorReady``): without this note status showed an empty split and nothing
    saying why."""
    from ctloop.errors import ConfigError, ServingError, one_line
    from ctloop.serving.isvc import (
        MODE_ANNOTATION,
        RUN_AGAIN,
        ClusterDefault,
        check_deployment_mode,
        check_update_admitted,
        deployment_mode,
    )

    def cluster_default() -> ClusterDefault:
        try:
            return getattr(isvcs, "kserve_default", ClusterDefault)()
        except ConfigError as exc:  # a bad CTLOOP_KSERVE_NAMESPACE (status says so in its own note): not read
            return ClusterDefault(failure=f"not read: {one_line(str(exc))}")

    found = ClusterDefault() if deployment_mode(obj) else cluster_default()
    default = found.mode
    try:
        check_deployment_mode(obj, default, found.problem, found.read_failure, found.namespaces)
    except ServingError as exc:
        name = (obj.get("metadata") or {}).get("name", "?")
        reason = str(exc).removeprefix(f"InferenceService {name!r} ").replace("; nothing written", "")
        if not deployment_mode(obj, default):  # this command is the one that would show its mode
            reason = reason.replace(" — `ctloop rollout status` shows its mode —", "")
            return "MODE UNKNOWN", (f"{reason}; ctloop's rollout refuses it until its mode is known (KServe "
                                    "reports no revisions and no traffic[] but in Knative mode)")
        return "NOT KNATIVE", (f"{reason}; KServe reports no revisions and no traffic[] but in Knative mode, and "
                               "ctloop's rollout refuses it")
    # Knative, but KServe's webhooks refuse every update of it (isvc.check_update_admitted): the
    # default is read only for a reconciled service naming no mode, the one case it decides
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if (obj.get("status") or {}).get("deploymentMode") and MODE_ANNOTATION not in annotations:
        found = cluster_default()
    try:
        check_update_admitted(obj, found.mode)
    except ServingError as exc:
        name = (obj.get("metadata") or {}).get("name", "?")
        reason = str(exc).removeprefix(f"InferenceService {name!r} ").replace("; nothing written", "")
        return "UPDATE REFUSED", f"{reason.replace(RUN_AGAIN, '')}; every rollout write is refused until then"
    return None


def _staged_line(obj: dict) -> str:
    """What a deploy's write at 0 % first still marked (``isvc.STAGED_ANNOTATION``) means for the
    next run, ``""`` without one: a deploy of that version run again resumes it at its share — after
    a deploy step stopped between its two writes, as meant; after a rollback or a pin-back that did
    not finish (stopped, refused), the model being rolled back would get its share back. Its
    revision failed, a deploy run again first starts a new revision at 0 % (``rollout._restage``)
    and moves that one once it is ready; a pin-back deletes the marker, which starts one too."""
    import json

    from ctloop.serving import rollout
    from ctloop.serving.isvc import STAGED_ANNOTATION, spec_version
    from ctloop.serving.kube import predictor_status, revision_failure

    if not rollout.staged_at_zero(obj):
        return ""
    mark = json.loads(obj["metadata"]["annotations"][STAGED_ANNOTATION])
    version = spec_version(obj) or mark.get("version") or "?"
    staged = (f"v{version} written at 0 % first ({STAGED_ANNOTATION}, after the rolled-back revision "
              f"{mark.get('after') or '?'})")
    if revision_failure(obj):
        failed = predictor_status(obj).get("latestCreatedRevision") or "?"
        return (f"{staged}, its revision {failed} failed: a deploy of v{version} run again starts a new revision "
                "of it at 0 % and moves that one to its share once it is ready; to keep it out, roll back "
                "(ctloop rollout rollback: no new revision of it), or a pin-back (ctloop rollout canary --percent 0) "
                "starts one too, at 0 % and routed nothing, after which a deploy of it is refused")
    return (f"{staged}: a deploy of v{version} run again moves it to its share; to keep it out, "
            "pin it back (ctloop rollout canary --percent 0) or roll back (ctloop rollout rollback)")


def _false_conditions(obj: dict, failure: str, configuration_ready: str) -> list[tuple[list[str], str]]:
    """The conditions KServe reports False (IngressReady: the route not programmed; PredictorReady,
    RoutesReady, Ready), as ``(types, "reason: message")``, each message once: KServe v0.20.0
    copies the Knative Service's conditions (``inference_service_status.go`` ``PropagateStatus``)
    and knative.dev/pkg's ``ConditionManager.MarkFalse`` (``apis/condition_set.go``) gives ``Ready``
    the reason and message of the dependent it marks False — a failed revision's message came
    three times (FAILED, PredictorReady, Ready). The configuration's RevisionFailed is ``failure``,
    printed as FAILED: the conditions repeating it name only their reason."""
    seen: dict[tuple[str, str], list[str]] = {}
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if (not isinstance(cond, dict) or cond.get("status") != "False"
                or (failure and cond.get("type") == configuration_ready)):
            continue
        reason, message = (" ".join(str(cond.get(k) or "").split()) for k in ("reason", "message"))
        seen.setdefault((reason, message), []).append(str(cond.get("type") or "?"))
    shown = " ".join(failure.split()) if failure else ""
    out = []
    for (reason, message), types in seen.items():
        if shown and message == shown:
            out.append((types, f"{reason or 'failed'} (the FAILED revision above)"))
        else:
            out.append((types, ": ".join(part for part in (reason, message) if part)))
    return out


def _model_storage_uri(predictor: dict) -> str | None:
    """The predictor's storageUri, whichever form names it (``spec.predictor.model``, a
    per-framework one such as ``sklearn``): the one :func:`_storage_uri` prints."""
    model = predictor.get("model")
    if isinstance(model, dict) and model.get("storageUri"):
        return str(model["storageUri"])
    for part in predictor.values():
        if isinstance(part, dict) and part.get("storageUri"):
            return str(part["storageUri"])
    return None


def _storage_uri(predictor: dict) -> str:
    """The predictor's storageUri as ``status`` shows it (:func:`_model_storage_uri`): a
    per-framework or custom form's said as such (a rollout refuses those)."""
    uri = _model_storage_uri(predictor)
    model = predictor.get("model")
    if uri is None:
        return "- (no spec.predictor.model: ctloop rolls out only the model: form)"
    if isinstance(model, dict) and model.get("storageUri"):
        return uri
    kind = next(k for k, part in predictor.items() if isinstance(part, dict) and part.get("storageUri"))
    return f"{uri} ({kind}: ctloop rolls out only the model: form)"


def _canary(args: argparse.Namespace) -> int:
    from ctloop.serving import rollout

    state = rollout.set_traffic(_isvcs(args), args.isvc, args.percent, timeout_s=_config(args).timeout_seconds,
                                force=args.force)
    print(f"traffic now {state.traffic}")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from ctloop.errors import ConfigError
    from ctloop.serving import rollout

    if args.version and not args.model_name:
        # the champion is a registry alias of a model: without its name the version was dropped
        # and the canary promoted in the cluster alone
        raise ConfigError(f"--version {args.version} needs --model-name: the registry champion is set per model "
                          "(nothing written); without --version only the canary is promoted")
    if args.model_name and args.version:
        from ctloop.registry import MlflowRegistry
        from ctloop.serving import release
        from ctloop.tracking import existing_store

        _config(args)
        existing_store(args.tracking_uri)  # the version to promote is read from an existing registry
    isvcs = _isvcs(args)
    if args.model_name and args.version:

        prev = release.promote(MlflowRegistry(args.tracking_uri), isvcs, model_name=args.model_name,
                               version=args.version, reason=args.reason, cfg=_config(args), by_hand=True)
        print(f"promoted: {args.isvc} serves v{args.version} at 100 %; registry champion v{args.version} "
              f"(previous v{prev or '-'})")
        return 0
    state = rollout.promote(isvcs, args.isvc, timeout_s=_config(args).timeout_seconds)
    print(f"promoted: {state.traffic}")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from ctloop.registry import MlflowRegistry
    from ctloop.serving import release
    from ctloop.tracking import existing_store

    cfg = _config(args)
    existing_store(args.tracking_uri)  # a rollback reads the champion: a sqlite URI would create its file
    isvcs = _isvcs(args)
    try:
        target, state = release.rollback(MlflowRegistry(args.tracking_uri), isvcs, model_name=args.model_name,
                                         failed_version=args.failed_version or "", reason=args.reason, cfg=cfg,
                                         to_version=args.to_version or "")
    except release.AuditUnreadable as exc:  # gone or never deployed, not known: no bad input, run it again
        import sys

        from ctloop.errors import one_line

        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return 1
    if state.action == "held" and state.note == release.SERVICE_GONE:
        return 1  # deleted since: release.rollback printed the line and recorded it; nothing rolled back
    if state.action != "held":  # held: release.rollback printed the line saying why, and what was written
        print(f"rolled back: v{target} serves {state.traffic}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    from ctloop.errors import ConfigError
    from ctloop.registry import MlflowRegistry, check_model_name
    from ctloop.serving import release
    from ctloop.tracking import display_uri, existing_store

    check_model_name(args.model_name)  # before the store is opened (a sqlite URI creates its file)
    existing_store(args.tracking_uri)
    registry = MlflowRegistry(args.tracking_uri)
    events = registry.audit_log(args.model_name, max_results=args.limit)
    if not events:
        if not registry.versions(args.model_name):  # a typo read as a model with a quiet past
            raise ConfigError(f"--model-name: no audit records and no registered model {args.model_name!r} at "
                              f"{display_uri(registry.tracking_uri)}: check the name (the MLflow UI lists them) and --tracking-uri")
        print(f"no audit records for {args.model_name}")
        return 0
    from ctloop.errors import one_line

    for e in events:  # stored texts (a reason is anyone's): escaped, so they neither add records nor drive the terminal
        e = {k: one_line(v) for k, v in e.items()}
        traffic = e.get("traffic", "")
        # what a rejection, a rollback or a failed serving validation did to alias challenger
        alias = f" (challenger: {e['challenger_alias']})" if e.get("challenger_alias") else ""
        event, reason = e.get("event", ""), e.get("reason", "")
        if e.get("action") == "refused":  # a failed deploy's rollback refused (release._rollback_refused)
            event = f"{event} refused"
            reason = f"({e.get('refused', '')}) after {reason}" if e.get("refused") else reason
        elif e.get("action") == release.SERVICE_GONE_ACTION:  # its InferenceService deleted since (release._not_applied)
            event = f"{event} not applied"
            reason = f"({e.get('not_applied', release.SERVICE_GONE)}) after {reason}"
        print(f"{e.get('at', '')[:19]}  v{e.get('version') or '-':<4} {event:<26} "
              f"{traffic if traffic not in ('', '{}') else ''} {reason}{alias}".rstrip())
    history = registry.champion_history(args.model_name)
    if history:
        print("\nchampions: " + " → ".join(f"v{one_line(h['version'])} ({one_line(h['since'][:10])})" for h in history))
    return 0


def _config(args: argparse.Namespace):
    from ctloop.config import RolloutConfig, from_arguments
    from ctloop.registry import check_model_name

    if args.model_name:
        check_model_name(args.model_name)
    return from_arguments(RolloutConfig, args, base={"inference_service": args.isvc, "namespace": args.namespace})


def register(subparsers) -> None:
    from ctloop.cli.argtypes import (
        int_at_least,
        isvc_name,
        k8s_namespace,
        model_version,
        percent,
        registered_model,
        text_file,
        tracking_uri,
    )
    from ctloop.config import RolloutConfig, add_arguments

    a = subparsers.add_parser("audit", help="every recorded decision and traffic change of a model, oldest first")
    a.add_argument("--model-name", required=True, type=registered_model(), help="registered model (MLflow)")
    a.add_argument("--tracking-uri", default="", type=tracking_uri, help="MLflow URI (default: MLFLOW_TRACKING_URI)")
    a.add_argument("--limit", type=int_at_least(1), default=500, help="newest N records (default 500)")
    a.set_defaults(handler=_audit)

    p = subparsers.add_parser(
        "rollout", help="InferenceService traffic by hand: status, canary, promote, rollback",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog="""examples:
  ctloop rollout status --isvc credit-default --namespace ctloop
  ctloop rollout canary --isvc credit-default --namespace ctloop --percent 10
  ctloop rollout rollback --isvc credit-default --namespace ctloop --model-name credit-default
""")
    sub = p.add_subparsers(dest="rollout_command", metavar="ACTION")

    def common(q, model_required=False):
        q.add_argument("--isvc", required=True, type=isvc_name, help="InferenceService name")
        q.add_argument("--namespace", required=True, type=k8s_namespace, help="namespace of the InferenceService")
        q.add_argument("--kubeconfig", default="", type=text_file, help="kubeconfig file; given (or --context, or $KUBECONFIG), "
                       "it is used inside a pod too (default: $KUBECONFIG, else in a pod its service account, "
                       "else ~/.kube/config)")
        q.add_argument("--context", default="", help="kubeconfig context (default: its current-context)")
        add_arguments(q, RolloutConfig, ["timeout_seconds"], rename={"timeout_seconds": "timeout"})
        q.add_argument("--model-name", required=model_required, default="",
                       type=registered_model(optional=not model_required), help="registered model (MLflow)")
        q.add_argument("--tracking-uri", default="", type=tracking_uri, help="MLflow URI (default: MLFLOW_TRACKING_URI)")

    s = sub.add_parser("status", help="traffic split per revision; with --model-name the registry aliases and "
                       "the last decision (analysis, promotion, rollback) of the audit log")
    common(s)
    s.add_argument("--json", action="store_true", help="print the status as one JSON document")
    s.set_defaults(handler=_status)
    c = sub.add_parser("canary", help="set the canary's traffic share")
    common(c)
    c.add_argument("--percent", type=percent, required=True, help="0-100: the canary's share of the traffic")
    c.add_argument("--force", action="store_true", help="give traffic again to a canary pinned back to 0 %% "
                   "(rolled back: the spec still names its model); without it that is refused")
    c.set_defaults(handler=_canary)
    pr = sub.add_parser("promote", help="canary to 100 %% (and the champion alias with --version)")
    common(pr)
    pr.add_argument("--version", type=model_version, default=None, help="also make this version the registry champion (needs --model-name)")
    pr.add_argument("--reason", default="manual promote (cli)", help="kept in the audit trail (default: %(default)s)")
    pr.set_defaults(handler=_promote)
    r = sub.add_parser("rollback", help="traffic back to the champion (or --to-version), durably")
    common(r, model_required=True)
    r.add_argument("--to-version", type=model_version, default=None, help="version to serve (default: the champion)")
    r.add_argument("--failed-version", type=model_version, default=None,
                   help="the version being rolled back (tagged with --reason)")
    r.add_argument("--reason", default="manual rollback (cli)", help="kept in the audit trail (default: %(default)s)")
    r.set_defaults(handler=_rollback)

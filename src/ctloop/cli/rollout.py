"""``ctloop rollout status|canary|promote|rollback``: the InferenceService by hand."""

from __future__ import annotations

import argparse


def _isvcs(args):
    from ctloop.serving.kube import InferenceServices, load_api_client

    return InferenceServices(args.namespace, api_client=load_api_client(args.kubeconfig, args.context))


def _status(args: argparse.Namespace) -> int:
    from ctloop.serving.isvc import spec_version
    from ctloop.serving.kube import predictor_status, traffic_split

    obj = _isvcs(args).get(args.isvc)
    if obj is None:
        print(f"InferenceService {args.namespace}/{args.isvc} does not exist")
        return 1
    st = predictor_status(obj)
    pred = obj["spec"]["predictor"]
    print(f"InferenceService {args.namespace}/{args.isvc}  (mode {obj.get('status', {}).get('deploymentMode', '?')})")
    print(f"  spec: version {spec_version(obj) or '?'}, "
          f"storageUri {pred['model']['storageUri']}, canaryTrafficPercent {pred.get('canaryTrafficPercent', '-')}")
    print(f"  latestCreated {st.get('latestCreatedRevision')}  latestReady {st.get('latestReadyRevision')}  "
          f"rolledOut {st.get('latestRolledoutRevision', '-')}")
    for revision, percent in traffic_split(obj).items():
        print(f"  {percent:>3} %  {revision}")
    if args.model_name:
        from ctloop.registry import MlflowRegistry

        aliases = MlflowRegistry(args.tracking_uri).aliases(args.model_name)
        print("  registry aliases: " + (", ".join(f"{a}=v{v}" for a, v in sorted(aliases.items())) or "none"))
    return 0


def _canary(args: argparse.Namespace) -> int:
    from ctloop.serving import rollout

    state = rollout.set_traffic(_isvcs(args), args.isvc, args.percent, timeout_s=args.timeout)
    print(f"traffic now {state.traffic}")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from ctloop.serving import rollout

    state = rollout.promote(_isvcs(args), args.isvc, timeout_s=args.timeout)
    print(f"promoted: {state.traffic}")
    if args.model_name and args.version:
        from ctloop.registry import MlflowRegistry

        prev = MlflowRegistry(args.tracking_uri).promote(args.model_name, args.version, reason="manual promote (cli)")
        print(f"registry: champion v{args.version} (previous v{prev})")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from ctloop.errors import ConfigError
    from ctloop.registry import MlflowRegistry
    from ctloop.serving import rollout

    registry = MlflowRegistry(args.tracking_uri)
    target = args.to_version or (registry.champion(args.model_name).version if registry.champion(args.model_name) else "")
    if not target:
        raise ConfigError(f"{args.model_name} has no champion: pass --to-version")
    state = rollout.rollback(_isvcs(args), args.isvc, version=target,
                             storage_uri=registry.model_artifact_uri(args.model_name, target),
                             timeout_s=args.timeout,
                             model_sha256=registry.serving_sha256(args.model_name, target))
    registry.record_event(args.model_name, target, {"event": "rollback", "reason": args.reason, **state.to_dict()})
    print(f"rolled back: v{target} serves {state.traffic}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    from ctloop.registry import MlflowRegistry

    registry = MlflowRegistry(args.tracking_uri)
    events = registry.audit_log(args.model_name, max_results=args.limit)
    if not events:
        print(f"no audit records for {args.model_name}")
        return 0
    for e in events:
        traffic = e.get("traffic", "")
        print(f"{e.get('at', '')[:19]}  v{e.get('version') or '-':<4} {e.get('event', ''):<26} "
              f"{traffic if traffic not in ('', '{}') else ''} {e.get('reason', '')}".rstrip())
    history = registry.champion_history(args.model_name)
    if history:
        print("\nchampions: " + " → ".join(f"v{h['version']} ({h['since'][:10]})" for h in history))
    return 0


def register(subparsers) -> None:
    a = subparsers.add_parser("audit", help="every recorded decision and traffic change of a model, oldest first")
    a.add_argument("--model-name", required=True)
    a.add_argument("--tracking-uri", default="", help="MLflow URI (default: MLFLOW_TRACKING_URI)")
    a.add_argument("--limit", type=int, default=500)
    a.set_defaults(handler=_audit)

    p = subparsers.add_parser("rollout", help="InferenceService traffic by hand: status, canary, promote, rollback")
    sub = p.add_subparsers(dest="rollout_command", metavar="ACTION")

    def common(q, model_required=False):
        q.add_argument("--isvc", required=True, help="InferenceService name")
        q.add_argument("--namespace", required=True)
        q.add_argument("--kubeconfig", default="")
        q.add_argument("--context", default="")
        q.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the status")
        q.add_argument("--model-name", required=model_required, default="", help="registered model (MLflow)")
        q.add_argument("--tracking-uri", default="")

    s = sub.add_parser("status", help="traffic split per revision and registry aliases")
    common(s)
    s.set_defaults(handler=_status)
    c = sub.add_parser("canary", help="set the canary's traffic share")
    common(c)
    c.add_argument("--percent", type=int, required=True)
    c.set_defaults(handler=_canary)
    pr = sub.add_parser("promote", help="canary to 100 % (and the champion alias with --version)")
    common(pr)
    pr.add_argument("--version", default="")
    pr.set_defaults(handler=_promote)
    r = sub.add_parser("rollback", help="traffic back to the champion (or --to-version), durably")
    common(r, model_required=True)
    r.add_argument("--to-version", default="")
    r.add_argument("--reason", default="manual rollback (cli)")
    r.set_defaults(handler=_rollback)

"""``ctloop registry status|repair|verify``: the registry's promotion state and model integrity.

``status`` says whether every reader agrees (exit 0) or what a crashed promotion left (exit 1);
``repair`` completes a committed promotion and aborts those that never committed (the protocol is
described in ``ctloop.registry``); ``verify`` checks a version's model files against the hashes
training recorded and prints the one the InferenceService must carry.
"""

from __future__ import annotations

import argparse


def _registry(args: argparse.Namespace):
    from ctloop.errors import ConfigError
    from ctloop.registry import MlflowRegistry, check_model_name
    from ctloop.tracking import display_uri, existing_store

    check_model_name(args.model_name)  # before the store is opened (a sqlite URI creates its file)
    existing_store(args.tracking_uri)
    registry = MlflowRegistry(args.tracking_uri)
    if not registry.versions(args.model_name):  # a typo read as "champion none, consistent"
        raise ConfigError(
            f"--model-name: no registered model {args.model_name!r} with a version at "
            f"{display_uri(registry.tracking_uri)}: check the name (the MLflow UI lists them) and --tracking-uri"
        )
    return registry


def _status(args: argparse.Namespace) -> int:
    # stored texts (a reason is anyone's): one line each, no escapes
    from ctloop.errors import one_line as q

    registry = _registry(args)
    state = registry.inspect(args.model_name)
    aliases = ", ".join(f"{q(a)}=v{q(v)}" for a, v in sorted(state.aliases.items())) or "none"
    print(
        f"{args.model_name}: champion {'v' + q(state.champion) if state.champion else 'none'}  (aliases: {aliases})"
    )
    if state.promotion is not None:
        p = state.promotion
        label = {
            "committed": "committed",
            "pending": "committed by the alias, completion pending",
            "": "recorded before the promotion protocol",
        }.get(p.state, p.state)
        print(
            f"  promoted {q(p.at)} from {'v' + q(p.previous) if p.previous else 'nothing'} "
            f"(promotion {q(p.id)}, {q(label)}): {q(p.reason)}"
        )
    if state.lock:
        print(f"  promotion lock: held by {q(state.lock['owner'])} until {q(state.lock['expires'])}")
    notes = [*state.notes, *registry.run_notes(args.model_name, state.aliases),
             *registry.challenger_notes(args.model_name, state.aliases),
             *registry.unconfirmed_notes(args.model_name)]  # fmt: skip
    for note in notes:
        print(f"  note: {q(note)}")
    if state.consistent:
        print("  consistent: every reader sees the same promotion state")
        return 0
    for problem in state.problems:
        print(f"  needs repair: {q(problem)}")
    from ctloop.errors import shell_option
    from ctloop.tracking import display_uri

    # the store this status read (was: none, so the pasted repair read MLFLOW_TRACKING_URI's, or none)
    shown = display_uri(args.tracking_uri) if args.tracking_uri else ""
    where = f" {shell_option('--tracking-uri', shown)}" if shown else ""
    again = " (put the password back in place of ***)" if "***" in shown else ""
    print(f"  run: ctloop registry repair {shell_option('--model-name', args.model_name)}{where}{again}")
    return 1


def _repair(args: argparse.Namespace) -> int:
    import sys

    registry = _registry(args)
    lock = registry.inspect(args.model_name).lock
    if lock and lock.get("expired") != "true" and not args.break_lock and not args.no_wait:  # was a silent wait
        print(
            f"waiting up to {registry.lock_timeout_s:.0f} s for the promotion lock of {args.model_name!r} "
            f"held by {lock['owner']} until {lock['expires']} (--no-wait: fail at once; --break-lock: "
            "only if its holder is dead)",
            file=sys.stderr,
            flush=True,
        )
    from ctloop.registry import CLEANUP_PREFIX, NOTE_PREFIX

    done = registry.repair(args.model_name, break_lock=args.break_lock, wait=not args.no_wait)
    for action in done:
        print(f"  {action}")
    state = registry.inspect(args.model_name)
    # a note: not done; a cleanup (a clean promotion's released lock removed): no repair
    repaired = [action for action in done if not action.startswith((NOTE_PREFIX, CLEANUP_PREFIX))]
    print(
        f"{args.model_name}: {'repaired' if repaired else 'nothing to repair'}; champion "
        f"{'v' + state.champion if state.champion else 'none'}"
    )
    return 0 if state.consistent else 1


def _verify(args: argparse.Namespace) -> int:
    import tempfile

    from ctloop.artifacts import sha256_file

    registry = _registry(args)
    with tempfile.TemporaryDirectory() as tmp:
        joblib_path = registry.download_joblib(
            args.model_name, args.version, tmp
        )  # raises on a mismatch
        for path in sorted(joblib_path.parent.glob("model.*")):
            if path.suffix in (".joblib", ".skops"):
                print(
                    f"  {path.name:<14} sha256 {sha256_file(path)}  matches the training run's tag"
                )
    registry.load_logged_model(args.model_name, args.version)
    print(
        "  logged model   model.skops matches the training run's tag and loads with ctloop's allow-list"
    )
    sha = registry.serving_sha256(args.model_name, args.version)
    print(
        f"{args.model_name} v{args.version}: verified; the InferenceService predictor annotation "
        f"ctloop.dev/model-sha256 must be {sha}"
    )
    return 0


def register(subparsers) -> None:
    from ctloop.cli.argtypes import model_version, registered_model, tracking_uri

    p = subparsers.add_parser(
        "registry", help="promotion state, repair after a crash, model file integrity"
    )
    sub = p.add_subparsers(dest="registry_command", metavar="ACTION")

    def common(q):
        q.add_argument("--model-name", required=True, type=registered_model(), help="registered model (MLflow)")
        q.add_argument(
            "--tracking-uri", default="", type=tracking_uri, help="MLflow URI (default: MLFLOW_TRACKING_URI)"
        )

    s = sub.add_parser(
        "status", help="is every reader consistent? (exit 1: a crashed promotion needs repair)"
    )
    common(s)
    s.set_defaults(handler=_status)
    r = sub.add_parser(
        "repair", help="complete a committed promotion, abort those that never committed"
    )
    common(r)
    r.add_argument(
        "--break-lock",
        action="store_true",
        help="remove the promotion lock first, whoever holds it (only when its holder is dead)",
    )
    r.add_argument(
        "--no-wait", action="store_true", help="fail at once if another promotion holds the lock"
    )
    r.set_defaults(handler=_repair)
    v = sub.add_parser("verify", help="check a version's model files against the training hashes")
    common(v)
    v.add_argument("--version", required=True, type=model_version, help="registered model version to check")
    v.set_defaults(handler=_verify)

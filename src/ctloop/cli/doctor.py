"""``ctloop doctor``: check a cluster before scheduling anything (``ctloop.ops.doctor``).

Exit code 0 when every check is ok (warnings and skips allowed), 1 when one failed, 2 for bad
arguments (and every other ``error:`` of the CLI).
"""

from __future__ import annotations

import argparse
import sys
import time

EXAMPLES = """examples:
  ctloop doctor -f ctloop.yaml                      # everything the spec names
  ctloop doctor --host https://kubeflow.example.com/pipeline --namespace team-credit \\
      --token "$(kubectl -n team-credit create token default-editor)" --isvc ctloop/credit-default
  ctloop doctor --host http://localhost:8080 --tracking-uri http://localhost:5000 --json
"""


def _doctor(args: argparse.Namespace) -> int:
    from ctloop.cli.ops import install_setting
    from ctloop.ops import doctor

    targets = [doctor.parse_isvc(x) for x in args.isvc or []]
    overrides = dict(
        host=args.host,
        token=args.token,
        token_file=args.token_file,
        ca_file=args.ca_file,
        namespace=args.namespace,
        pipeline_namespace=args.pipeline_namespace,
        service_account=args.service_account,
        targets=targets,
        prometheus_url=args.prometheus_url,
        pushgateway_url=args.pushgateway_url,
        metric_source=args.metric_source,
        tracking_uri=args.tracking_uri,
        kubeconfig=args.kubeconfig,
        context=args.context,
        kserve_namespaces=tuple(args.kserve_namespace or ()),
        timeout=args.timeout,
    )
    spec = None
    if args.file:
        from ctloop.ops.spec import load_spec

        spec = load_spec(args.file)
    # where KFP is installed: the rule every KFP command takes (--kfp-namespace, else the spec's key)
    install, install_name = install_setting(args, spec.kfp.install_namespace if spec is not None else "")
    overrides.update(kfp_namespace=install, kfp_namespace_name=install_name if install else "")
    if spec is not None:
        opts = doctor.options_from_spec(spec, **overrides)
    else:
        opts = doctor.DoctorOptions(**{k: v for k, v in overrides.items() if v not in ("", ())})
    from ctloop.ops.platform import kfp_inputs
    from ctloop.serving.kube import kubeconfig_path

    # a KFP argument the other commands refuse is a bad argument here too (exit 2, before any check); what comes
    # from the environment is the KFP API check's FAIL. The kubeconfig as the KFP check reads it (KUBECONFIG too)
    kfp_inputs(opts.host, args.token or "", args.token_file or "", args.ca_file or "", environment=False,
               kubeconfig=kubeconfig_path(opts.kubeconfig), context=opts.context, install_ns=opts.kfp_namespace,
               install_name=opts.kfp_namespace_setting)
    start = time.monotonic()
    progress = None if args.json else (lambda c: print(c.line(), flush=True))
    checks = doctor.Doctor(opts).run(progress)
    seconds = time.monotonic() - start
    print(doctor.as_json(checks, seconds) if args.json else doctor.summary(checks, seconds))
    sys.stdout.flush()
    return 1 if any(c.status == doctor.FAIL for c in checks) else 0


# The checks in the order they run (ctloop.ops.doctor.Doctor.groups; a test keeps the two equal),
# for the help: ``{isvc}`` is one line per InferenceService, a ``(...)`` part says when it runs. Here,
# not in ctloop.ops.doctor: building this parser does not import the checks (0.2 s)
CHECKS = (
    "KFP API", "KFP backend", "pipelines", "Kubernetes", "KServe", "InferenceService {isvc}", "Knative Serving",
    "Knative request metrics (metric source knative-otel)", "metrics {isvc}", "Prometheus rules and targets",
    "Pushgateway", "RBAC (also the optional reader of Knative's config-network and config-domain)", "settings",
    "Argo retries (Argo's templateDefaults against ctloop's retried steps)", "MLflow",
)


def _description() -> str:
    """The help's description: what the checks are, in the order they run (:data:`CHECKS`)."""
    import textwrap

    checks = ", ".join(c.format(isvc="NS/NAME (each --isvc)") for c in CHECKS)
    return "\n".join(textwrap.wrap(
        "Check a cluster before scheduling anything. One line per check: ok, warn, FAIL (with the fix) or "
        f"skip. Checks, in order: {checks}. Exit 0 when nothing failed, 1 when a check failed, 2 for bad "
        "arguments.", 88, break_on_hyphens=False))


def register(subparsers) -> None:
    from ctloop.cli.ops import add_kfp_options

    p = subparsers.add_parser(
        "doctor",
        help="check a cluster before scheduling anything: KFP, KServe, Knative, metrics, Prometheus rules "
        "and targets, Pushgateway, RBAC, settings, Argo retries, MLflow",
        description=_description(),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from ctloop.cli.argtypes import (
        http_url,
        optional_location,
        text_file,
        tracking_uri,
    )

    p.add_argument("-f", "--file", default="", type=optional_location, help="ctloop.yaml: KFP, InferenceServices, URIs")
    add_kfp_options(p, also=", its Argo ConfigMap and, on standalone KFP, its tasks")
    p.set_defaults(timeout=5.0)  # a doctor answers quickly: 5 s per call unless --timeout
    # "" or no value: taken from the spec, the environment or the cluster's settings
    many = {"action": "append"}
    text = {"default": ""}
    for flag, kind, help_ in (
        ("--isvc", {**many, "metavar": "NAMESPACE/NAME"},
         "an InferenceService a model deploys to (repeatable; default: the spec's)"),
        ("--pipeline-namespace", text, "namespace the pipeline tasks run in: settings and the "
         "runner's RBAC (default: --namespace, else where KFP is installed: --kfp-namespace)"),
        ("--service-account", text, "service account the tasks run as (default: "
         "kfp.service_account, else pipeline-runner; default-editor on multi-user Kubeflow)"),
        ("--prometheus-url", {**text, "type": http_url}, "default: $PROMETHEUS_URL or the settings"),
        ("--pushgateway-url", {**text, "type": http_url}, "Pushgateway the monitoring windows are pushed to "
         "(default: monitoring.pushgateway_url, $PUSHGATEWAY_URL or the settings)"),
        ("--metric-source", text, "Prometheus metric source to check"),
        ("--tracking-uri", {**text, "type": tracking_uri}, "MLflow URI (default: $MLFLOW_TRACKING_URI or the settings)"),
        ("--kubeconfig", {**text, "type": text_file}, "default: $KUBECONFIG or ~/.kube/config"),
        ("--context", text, "kubeconfig context (default: the current one)"),
        ("--kserve-namespace", {**many, "metavar": "NS"},
         "where kserve-controller-manager runs (default: rollout.kserve_namespace or $CTLOOP_KSERVE_NAMESPACE, "
         "else kserve, then kubeflow)"),
    ):
        p.add_argument(flag, help=help_, **kind)
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.set_defaults(handler=_doctor)

"""``ctloop doctor``: its help lists the checks, and RBAC says whether the runner may read Knative's
network ConfigMaps.

``ctloop doctor --help`` named its checks in the subcommand list only, and not the
"Prometheus rules and targets" line: what a doctor run checks (and when a line appears at all)
was told nowhere a user looks first. The description now lists the checks in the order they run,
kept equal to ``Doctor.groups`` here.

A first deploy checks the canary's host against Knative's ``knative-serving/config-network`` and
``config-domain`` only when the runner may read them, which only the optional Role of
``manifests/extras/knative-network-reader`` grants; doctor never said whether it had it, so a
skipped check went unnoticed. The RBAC line now says so either way (a SelfSubjectAccessReview of
``get`` on each ConfigMap by name, as the runner), its status unchanged: the Role is optional.

Through the doubles of tests/ops/test_doctor.py (SelfSubjectAccessReviews as the runner)."""

from ctloop.cli import doctor as doctor_cli
from ctloop.cli import main
from ctloop.ops import doctor
from tests.ops.test_doctor import RUNNER, cluster, prometheus

__all__ = ["cluster", "prometheus"]  # fixtures


def test_the_help_lists_the_checks_in_the_order_they_run(capsys):
    opts = doctor.DoctorOptions(
        targets=[doctor.Target("credit", "ml")], metric_source="knative-otel"
    )
    names = [name for group in doctor.Doctor(opts).groups() for name, _fn in group]
    listed = [c.format(isvc="ml/credit").split(" (")[0] for c in doctor_cli.CHECKS]
    assert listed == names
    try:
        main(["doctor", "--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert (
        "Checks, in order: KFP API, KFP backend, pipelines, Kubernetes, KServe, InferenceService NS/NAME "
        "(each --isvc), Knative Serving, Knative request metrics (metric source knative-otel), metrics "
        "NS/NAME (each --isvc), Prometheus rules and targets, Pushgateway, RBAC"
    ) in out, out


def test_rbac_says_the_network_reader_is_missing_and_stays_ok(cluster, capsys):
    code, lines, _ = cluster.run(capsys)
    assert code == 0
    line = lines["RBAC"]
    assert line.startswith(f"ok   RBAC {RUNNER} may get/create/patch inferenceservices"), line
    assert (
        "may not get configmaps config-network or config-domain in knative-serving (optional: a first "
        "deploy then skips its check of the canary's host"
    ) in line, line
    assert "kubectl apply -k manifests/extras/knative-network-reader" in line, line
    asked = {
        (
            c[2]["spec"]["resourceAttributes"].get("namespace"),
            c[2]["spec"]["resourceAttributes"].get("name"),
        )
        for c in cluster.kube.calls
        if c[1].endswith("selfsubjectaccessreviews")
    }
    assert {("knative-serving", "config-network"), ("knative-serving", "config-domain")} <= asked


def test_rbac_says_the_network_reader_is_there(cluster, capsys):
    cluster.kube.grant(RUNNER, "", "configmaps", ["get"], "knative-serving")
    code, lines, _ = cluster.run(capsys)
    assert code == 0
    assert lines["RBAC"].endswith(
        "; may read Knative's config-network and config-domain (the canary host's check)"
    ), lines["RBAC"]

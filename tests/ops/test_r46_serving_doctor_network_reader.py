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

Through KubeApiDouble (tests/doubles/kube_api.py: SelfSubjectAccessReviews as the runner)."""

import pytest

from ctloop.cli import doctor as doctor_cli
from ctloop.cli import main
from ctloop.ops import doctor
from ctloop.serving.kube import REVISION_RULE
from tests.doubles.kube_api import KubeApiDouble

RUNNER = "system:serviceaccount:kubeflow:pipeline-runner"


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


@pytest.fixture
def kube():
    """The runner granted the Role of manifests/base/rbac.yaml in ctloop, nothing in knative-serving."""
    with KubeApiDouble() as double:
        double.grant(
            RUNNER, "serving.kserve.io", "inferenceservices", ["get", "create", "patch"], "ctloop"
        )
        double.grant(RUNNER, REVISION_RULE[0], REVISION_RULE[1], list(REVISION_RULE[2]), "ctloop")
        yield double


def _rbac(kube) -> doctor.Check:
    opts = doctor.DoctorOptions(
        targets=[doctor.Target("credit-default", "ctloop")],
        pipeline_namespace="kubeflow",
        service_account="pipeline-runner",
    )
    runner = doctor.Doctor(opts, kube=kube.api_client())
    runner._set_backend(None)  # single-user KFP: the runner as given
    return runner.check_rbac()


def test_rbac_says_the_network_reader_is_missing_and_stays_ok(kube):
    check = _rbac(kube)
    assert check.status == doctor.OK, check
    line = check.line()
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
        for c in kube.calls
        if c[1].endswith("selfsubjectaccessreviews")
    }
    assert {("knative-serving", "config-network"), ("knative-serving", "config-domain")} <= asked


def test_rbac_says_the_network_reader_is_there(kube):
    kube.grant(RUNNER, "", "configmaps", ["get"], "knative-serving")
    check = _rbac(kube)
    assert check.status == doctor.OK
    assert check.line().endswith(
        "; may read Knative's config-network and config-domain (the canary host's check)"
    ), check.line()


def test_a_missing_revision_grant_is_still_the_warning_and_says_it_too(kube):
    kube.grants[RUNNER] = {g for g in kube.grants[RUNNER] if g[1] != REVISION_RULE[1]}
    check = _rbac(kube)
    assert (
        check.status == doctor.WARN
        and "get revisions.serving.knative.dev in ctloop" in check.detail
    ), check
    assert "may not get configmaps config-network or config-domain" in check.detail, check

"""``ctloop doctor``'s RBAC line when the runner may read config-network but not config-domain
(review G of round 46).

The knative-network-reader Role of round 45 granted ``get`` on config-network only; round 46 added
config-domain. On a cluster still carrying the old Role, doctor said a first deploy "skips its
check of the canary's host" — but the check runs (config-network is readable) with no
config-domain, so a Route that only a config-domain selector makes cluster-local is checked as an
external one. The line now says that, and to re-apply the Role.

Through KubeApiDouble (tests/doubles/kube_api.py); its SelfSubjectAccessReviews grant per
namespace, so the Role's resourceNames (manifests/extras/knative-network-reader) is modelled here
by denying the review of config-domain by name."""

import pytest
from kubernetes import client

from ctloop.ops import doctor
from ctloop.serving.kube import REVISION_RULE
from tests.doubles.kube_api import KubeApiDouble

RUNNER = "system:serviceaccount:kubeflow:pipeline-runner"


@pytest.fixture
def kube(monkeypatch):
    """The runner granted the Role of manifests/base/rbac.yaml in ctloop and get on config-network
    (not config-domain) in knative-serving: round 45's knative-network-reader."""
    with KubeApiDouble() as double:
        double.grant(
            RUNNER, "serving.kserve.io", "inferenceservices", ["get", "create", "patch"], "ctloop"
        )
        double.grant(RUNNER, REVISION_RULE[0], REVISION_RULE[1], list(REVISION_RULE[2]), "ctloop")
        double.grant(RUNNER, "", "configmaps", ["get"], "knative-serving")
        review = client.AuthorizationV1Api.create_self_subject_access_review

        def by_name(self, body, **kwargs):
            answer = review(self, body, **kwargs)
            if body.spec.resource_attributes.name == "config-domain":
                answer.status.allowed = False  # resourceNames: ["config-network"]
            return answer

        monkeypatch.setattr(client.AuthorizationV1Api, "create_self_subject_access_review", by_name)
        yield double


def test_config_network_without_config_domain_says_the_check_runs_without_it(kube):
    opts = doctor.DoctorOptions(
        targets=[doctor.Target("credit-default", "ctloop")],
        pipeline_namespace="kubeflow",
        service_account="pipeline-runner",
    )
    runner = doctor.Doctor(opts, kube=kube.api_client())
    runner._set_backend(None)
    check = runner.check_rbac()
    assert check.status == doctor.OK, check
    line = check.line()
    assert "skips its check" not in line, line
    assert (
        "may read config-network but not get configmaps config-domain in knative-serving (optional: a first "
        "deploy still checks the canary's host, but takes a Route that only a config-domain selector makes "
        "cluster-local for an external one"
    ) in line, line
    assert "kubectl apply -k manifests/extras/knative-network-reader again" in line, line

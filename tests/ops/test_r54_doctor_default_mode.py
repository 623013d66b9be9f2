"""``ctloop doctor`` reads the cluster's default deployment mode as the rollout reads it.

The doctor parsed ConfigMap ``inferenceservice-config`` on its own (``Doctor._default_mode``): a
``deploy`` of ``{"defaultDeploymentMode": "knative"}`` (a name KServe v0.20.0's
``NewDeployConfig`` refuses) was a FAIL "runs in knative mode" where the rollout says the mode is
unknown; ``["Knative"]`` (no JSON object) crashed it with an AttributeError; and with
``--kserve-namespace opendatahub`` it read a default from a namespace the rollout never reads.
Now it calls the rollout's reader (``kube.read_kserve_default``: ``isvc.KSERVE_NAMESPACES``,
``isvc.read_deploy_config``). The cluster is tests/doubles/kube_api.py's KubeApiDouble (a double of
the Kubernetes API); the doctor's checks are called one by one.
"""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.ops.doctor import OK, WARN, Doctor, DoctorOptions, Target
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import REVISION_RULE, InferenceServices
from tests.doubles.kube_api import KubeApiDouble
from tests.ops.test_doctor import configmap, crd, deployment

NS, NAME = "ml", "credit"


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=1) as double:
        double.add(crd())
        body = specs.inference_service(
            NAME, namespace=NS, model_name="credit", version="1", storage_uri="s3://b/v1"
        )
        body["metadata"]["annotations"].pop(specs.MODE_ANNOTATION)  # not created by ctloop
        double.create_isvc(NS, body)
        double.objects[(NS, NAME)].pop("status", None)  # not reconciled yet
        yield double


def _controller(kube, ns: str = "kserve") -> None:
    labels = {"app.kubernetes.io/version": "v0.20.0"}
    kube.add(
        deployment(
            ns,
            "kserve-controller-manager",
            labels,
            [("manager", "kserve/kserve-controller:v0.20.0")],
        )
    )


def _checks(kube, **opts):
    doctor = Doctor(DoctorOptions(targets=[Target(NAME, NS)], **opts), kube=kube.api_client())
    return doctor.check_kserve(), doctor.check_isvc(Target(NAME, NS))


def _rollout_refusal(kube) -> str:
    with pytest.raises(ServingError) as caught:
        rollout._check_mode(
            InferenceServices(NS, api_client=kube.api_client()), kube.objects[(NS, NAME)]
        )
    return str(caught.value)


def test_a_lowercase_default_is_unknown_as_for_the_rollout(kube):
    _controller(kube)
    kube.add(
        configmap("kserve", specs.KSERVE_CONFIG, {"deploy": '{"defaultDeploymentMode": "knative"}'})
    )
    why = "key 'deploy' names defaultDeploymentMode 'knative', which KServe v0.20.0 refuses"
    kserve, isvc = _checks(kube)
    assert (
        kserve.status == OK
        and f"default deployment mode unknown: kserve/inferenceservice-config {why}"
        in (kserve.detail)
    )
    # was: FAIL "runs in knative mode"
    assert isvc.status == WARN and isvc.detail.startswith(
        "deployment mode unknown: names no deployment mode"
    )
    assert why in isvc.detail and why in _rollout_refusal(kube)


def test_a_deploy_that_is_no_object_does_not_crash_the_doctor(kube):
    _controller(kube)
    kube.add(configmap("kserve", specs.KSERVE_CONFIG, {"deploy": '["Knative"]'}))
    kserve, isvc = _checks(kube)  # was: AttributeError: 'list' object has no attribute 'get'
    why = "key 'deploy' is no JSON object"
    assert kserve.status == OK and why in kserve.detail
    assert isvc.status == WARN and why in isvc.detail and why in _rollout_refusal(kube)


def test_the_default_is_read_where_the_rollout_reads_it(kube):
    _controller(kube, "opendatahub")
    kube.add(
        configmap(
            "opendatahub", specs.KSERVE_CONFIG, {"deploy": '{"defaultDeploymentMode": "Knative"}'}
        )
    )
    kserve, isvc = _checks(kube, kserve_namespaces=("opendatahub",))
    # found there by --kserve-namespace alone: the rollout should be told to read there (r55 review 4)
    assert kserve.status == WARN and kserve.fix.startswith(
        "set rollout.kserve_namespace / CTLOOP_KSERVE_NAMESPACE=opendatahub: "
    )
    assert kserve.detail == (
        "v0.20.0 (controller opendatahub/kserve-controller-manager; default deployment mode unknown: "
        "no inferenceservice-config readable in kserve or kubeflow, where the rollout reads it "
        "(404 Not Found in kserve and kubeflow))"
    )
    # was: OK "Knative (the cluster's default) mode", read from opendatahub, while the rollout refuses
    # a 404 in both: what failed, not the RBAC reader (review 2)
    unread = "ConfigMap inferenceservice-config not read: 404 Not Found in kserve and kubeflow"
    assert isvc.status == WARN and unread in isvc.detail
    assert specs.KSERVE_CONFIG_READER not in isvc.detail + isvc.fix
    assert "--kserve-namespace" not in isvc.detail + isvc.fix
    assert unread in _rollout_refusal(kube)


RUNNER = "system:serviceaccount:kubeflow:pipeline-runner"


def _granted_doctor(kube) -> Doctor:
    """A Doctor for the runner granted what a rollout needs in NS."""
    kube.grant(RUNNER, "serving.kserve.io", "inferenceservices", ["get", "create", "patch"], NS)
    kube.grant(RUNNER, REVISION_RULE[0], REVISION_RULE[1], list(REVISION_RULE[2]), NS)
    opts = DoctorOptions(
        targets=[Target(NAME, NS)], pipeline_namespace="kubeflow", service_account="pipeline-runner"
    )
    doctor = Doctor(opts, kube=kube.api_client())
    doctor._set_backend(None)  # single-user KFP: the runner as given
    return doctor


def _rbac(kube):
    return _granted_doctor(kube).check_rbac()


def test_rbac_says_whether_the_runner_may_read_the_default(kube):
    check = _rbac(kube)
    assert check.status == OK, check  # optional: the line says it, its status unchanged
    assert (
        "; may not get configmaps inferenceservice-config in kserve or kubeflow (optional: an InferenceService "
        "naming no deployment mode"
    ) in check.detail
    assert f"{specs.KSERVE_CONFIG_READER} grants it)" in check.detail
    kube.grant(RUNNER, "", "configmaps", ["get"], "kserve")
    # where the ConfigMap is unknown (check_kserve not run), the reader may go on to kubeflow
    assert (
        "; may not get configmaps inferenceservice-config in kubeflow (optional:"
        in _rbac(kube).detail
    )
    kube.grant(
        RUNNER, "", "configmaps", ["get"], ""
    )  # the ClusterRole of extras/kserve-config-reader
    assert "inferenceservice-config" not in _rbac(kube).detail


def _rbac_after_kserve(kube):
    """check_rbac after check_kserve (as ``ctloop doctor`` runs them), which found the ConfigMap."""
    _controller(kube)
    doctor = _granted_doctor(kube)
    doctor.check_kserve()
    return doctor.check_rbac()


KNATIVE_DEPLOY = {"deploy": '{"defaultDeploymentMode": "Knative"}'}


def test_rbac_counts_the_read_only_where_the_reader_gets_to_it(kube):
    # Kubeflow's install: the ConfigMap in kubeflow. kube.read_kserve_default reads kserve first and
    # stops at its 403: a grant in kubeflow alone does not let the runner read it
    kube.add(configmap("kubeflow", specs.KSERVE_CONFIG, KNATIVE_DEPLOY))
    kube.grant(RUNNER, "", "configmaps", ["get"], "kubeflow")
    check = _rbac_after_kserve(kube)
    # was: counted as readable (a grant in either namespace), nothing said
    assert f"; may not get configmaps {specs.KSERVE_CONFIG} in kserve (optional:" in check.detail, (
        check
    )
    kube.grant(
        RUNNER, "", "configmaps", ["get"], ""
    )  # the ClusterRole of extras/kserve-config-reader
    assert specs.KSERVE_CONFIG not in _rbac_after_kserve(kube).detail


def test_rbac_needs_no_more_than_kserve_when_the_config_map_is_there(kube):
    kube.add(configmap("kserve", specs.KSERVE_CONFIG, KNATIVE_DEPLOY))
    kube.grant(RUNNER, "", "configmaps", ["get"], "kserve")
    assert specs.KSERVE_CONFIG not in _rbac_after_kserve(kube).detail


def test_rbac_names_no_reader_when_no_config_map_exists(kube):
    # review 3: check_kserve's read answered 404 in kserve and kubeflow, yet the line named
    # extras/kserve-config-reader, which would let the runner get nothing
    check = _rbac_after_kserve(kube)
    assert check.status == OK, check
    assert (
        "; may not get configmaps inferenceservice-config in kserve or kubeflow (none found there: "
        "404 Not Found in kserve and kubeflow to the doctor;"
    ) in check.detail, check
    assert specs.KSERVE_CONFIG_READER not in check.detail + check.fix

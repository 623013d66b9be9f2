"""Review of the r55 KServe cluster work (Go key folding, ``isvc.check_update_admitted``,
``rollout.kserve_namespace`` / ``CTLOOP_KSERVE_NAMESPACE``): the gaps it left.

KServe v0.20.0 (``git show v0.20.0:<path>`` in kserve/kserve):
``pkg/apis/serving/v1beta1/inference_service_validation.go`` ``validateDeploymentMode`` refuses an
UPDATE whose annotation names another mode than ``status.deploymentMode`` ("update rejected:
deploymentMode cannot be changed from 'Knative' to 'Standard'"), after
``inference_service_defaults.go`` ``DefaultInferenceService`` wrote a Standard default into a
service naming none. The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble (a double).
"""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from tests.helpers import run_main
from tests.ops.test_doctor import crd, deployment
from tests.serving.test_r54_standard_no_traffic import deploy_v2, writes
from tests.serving.test_r55_webhook_update_mode import unannotated  # noqa: F401
from tests.serving.test_rollout_components import ISVC, NS, kube  # noqa: F401

NO_READER = ("/api/v1/namespaces/kserve/configmaps", "/api/v1/namespaces/kubeflow/configmaps")


def _controller(namespace: str) -> dict:
    return deployment(
        namespace,
        "kserve-controller-manager",
        {"app.kubernetes.io/version": "v0.20.0"},
        [("manager", "kserve/kserve-controller:v0.20.0")],
    )


def _no_reader(kube):  # noqa: F811
    """The optional manifests/extras/kserve-config-reader not installed: the ConfigMap is a 403."""
    for path in NO_READER:
        kube.forbid(path)


def test_no_reader_the_validators_refusal_is_one_line(kube, unannotated, capsys):  # noqa: F811
    # the pre-check cannot know the default (403): the patch goes out and KServe's validator refuses it
    _no_reader(kube)
    line = (
        rf"^InferenceService '{ISVC}' runs in Knative mode but KServe v0\.20\.0's validator refused the update: "
        r".*deploymentMode cannot be changed from 'Knative' to 'Standard'.*nothing written \(kubectl annotate "
        rf"isvc {ISVC} -n {NS} serving\.kserve\.io/deploymentMode=Knative --overwrite"
    )
    with pytest.raises(ServingError, match=line) as caught:
        rollout.set_traffic(unannotated, ISVC, 50, timeout_s=2)
    assert "\n" not in str(caught.value)
    assert [c[0] for c in writes(kube)] == ["PATCH"]  # sent, refused: nothing written
    code, _, err = run_main(
        ["rollout", "canary", "--isvc", ISVC, "--namespace", NS, "--percent", "50"], capsys, 30
    )
    assert code == 2 and err.count("\n") == 1 and "kubectl annotate isvc" in err, err


def test_the_doctor_fails_a_service_every_write_is_refused_for(kube, unannotated):  # noqa: F811
    from ctloop.ops.doctor import Doctor, DoctorOptions, Target

    kube.add(crd())
    kube.add(_controller("kserve"))
    doctor = Doctor(DoctorOptions(targets=[Target(ISVC, NS)]), kube=kube.api_client())
    assert "default deployment mode Standard" in doctor.check_kserve().detail
    check = doctor.check_isvc(Target(ISVC, NS))
    assert check.status == "FAIL", check
    assert (
        "runs in Knative mode but names no serving.kserve.io/deploymentMode annotation"
        in check.detail
    )
    assert (
        f"kubectl annotate isvc {ISVC} -n {NS} serving.kserve.io/deploymentMode=Knative"
        in check.fix
    )


def test_status_notes_that_every_write_is_refused(kube, unannotated, capsys):  # noqa: F811
    code, out, err = run_main(["rollout", "status", "--isvc", ISVC, "--namespace", NS], capsys, 20)
    assert code == 0 and err == "", err
    note = next(line for line in out.splitlines() if line.startswith("  UPDATE REFUSED: "))
    assert "runs in Knative mode but names no serving.kserve.io/deploymentMode annotation" in note
    assert (
        f"kubectl annotate isvc {ISVC} -n {NS}" in note and "every rollout write is refused" in note
    )
    assert writes(kube) == []


def test_a_bad_kserve_namespace_variable_is_only_warned_about_for_an_annotated_service(
    kube,  # noqa: F811
    monkeypatch,
    capsys,
):
    # an annotated service: the rollout never reads the ConfigMap, so the variable decides nothing.
    # Round 55 refused it here for every service before the cluster was asked; round 57 judges it
    # per service as the components do (release.check_kserve_namespace): one read of the service,
    # a warning, and the command works (tests/serving/test_r57_cluster.py: the refused case)
    from ctloop.serving import isvc as specs
    from ctloop.serving.kube import InferenceServices

    isvcs = InferenceServices(NS, api_client=kube.api_client())
    rollout.deploy(
        isvcs, name=ISVC, model_name="credit", version="1", storage_uri="s3://b/v1", timeout_s=5
    )
    deploy_v2(isvcs)
    assert kube.objects[(NS, ISVC)]["metadata"]["annotations"][specs.MODE_ANNOTATION] == "Knative"
    monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
    for argv in (["canary", "--percent", "50"], ["status"]):
        code, out, err = run_main(["rollout", *argv, "--isvc", ISVC, "--namespace", NS], capsys, 30)
        assert code == 0 and err.count("\n") == 1, err
        assert err.startswith("ctloop: WARNING: CTLOOP_KSERVE_NAMESPACE"), err
        assert "'Red_Hat'" in err, err
    assert "50 %" in out


def test_a_deploy_config_kserve_refuses_denies_every_write(kube, capsys):  # noqa: F811
    # KServe v0.20.0 inference_service_defaults.go 124-127: Default returns NewDeployConfig's error
    # (configmap.go), which controller-runtime's defaulter denies (v0.22.5, KServe's go.mod replace:
    # pkg/webhook/admission/defaulter_custom.go defaulterForType.Handle: Denied(err.Error()), 403)
    # — on CREATE and UPDATE
    import json

    from ctloop.serving import isvc as specs
    from ctloop.serving.kube import InferenceServices
    from tests.doubles.kube_api import DEPLOY_CONFIG_BAD_MODE, DEPLOY_CONFIG_NO_MODE

    isvcs = InferenceServices(NS, api_client=kube.api_client())
    rollout.deploy(
        isvcs, name=ISVC, model_name="credit", version="1", storage_uri="s3://b/v1", timeout_s=5
    )
    deploy_v2(isvcs)
    for deploy, error in (
        ({"defaultDeploymentMode": "knative"}, DEPLOY_CONFIG_BAD_MODE),
        ({"deploymentRolloutStrategy": {}}, DEPLOY_CONFIG_NO_MODE),
    ):
        kube.add(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": specs.KSERVE_CONFIG, "namespace": "kserve"},
                "data": {specs.DEPLOY_CONFIG_KEY: json.dumps(deploy)},
            }
        )
        before = json.dumps(kube.objects[(NS, ISVC)], sort_keys=True)
        kube.calls.clear()
        code, _, err = run_main(
            ["rollout", "canary", "--isvc", ISVC, "--namespace", NS, "--percent", "50"], capsys, 30
        )
        assert code == 2 and err.count("\n") == 1, err
        assert (
            'admission webhook "inferenceservice.kserve-webhook-server.defaulter" denied the request: '
            f"{error}" in err
        ), err
        assert "fix that ConfigMap in KServe's namespace" in err, err
        assert json.dumps(kube.objects[(NS, ISVC)], sort_keys=True) == before
        with pytest.raises(ServingError, match=error.replace(".", r"\.")) as caught:
            rollout.deploy(
                isvcs,
                name="other",
                model_name="credit",
                version="1",
                storage_uri="s3://b/v1",
                timeout_s=2,
            )
        assert "\n" not in str(caught.value) and "nothing written (fix that ConfigMap" in str(
            caught.value
        )
        assert (NS, "other") not in kube.objects


def test_a_refused_deploy_config_is_not_answered_with_an_annotation(kube):  # noqa: F811
    # the refusal advised "or annotate it ... Knative": an UPDATE, which that webhook denies too
    from ctloop.serving.kube import InferenceServices
    from tests.serving.test_r54_fix_cluster_default import _config_map, _deploy, _not_reconciled

    obj = _not_reconciled(kube)
    for data, annotate in ((_deploy("bogus"), False), ({}, True)):
        kube.add(_config_map("kserve", data))
        with pytest.raises(ServingError) as caught:
            rollout._check_mode(InferenceServices(NS, api_client=kube.api_client()), obj)
        message = str(caught.value)
        assert ("or annotate it serving.kserve.io/deploymentMode=Knative" in message) is annotate
        assert (
            "denies every create and update while NewDeployConfig refuses it, an annotation too"
            in message
        ) is not annotate


def test_a_legacy_mode_annotation_is_rewritten_and_a_pin_back_starts_a_revision(kube, capsys):  # noqa: F811
    # KServe v0.20.0 inference_service_defaults.go DefaultInferenceService rewrites Serverless to
    # Knative on every UPDATE; the annotation is in the revision template (components/predictor.go)
    from ctloop.serving import isvc as specs
    from ctloop.serving.kube import InferenceServices

    isvcs = InferenceServices(NS, api_client=kube.api_client())
    rollout.deploy(
        isvcs, name=ISVC, model_name="credit", version="1", storage_uri="s3://b/v1", timeout_s=5
    )
    deploy_v2(isvcs)
    kube.objects[(NS, ISVC)]["metadata"]["annotations"][specs.MODE_ANNOTATION] = "Serverless"
    revisions = list(kube.meta[(NS, ISVC)]["revisions"])
    capsys.readouterr()
    # a pin-back: a share above 0 is refused there (test_r55_fix_cluster2.py)
    rollout.set_traffic(isvcs, ISVC, 0, timeout_s=5)
    annotations = kube.objects[(NS, ISVC)]["metadata"]["annotations"]
    assert annotations[specs.MODE_ANNOTATION] == "Knative"
    assert len(kube.meta[(NS, ISVC)]["revisions"]) == len(revisions) + 1  # the same model, anew
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ctloop: WARNING: " in err, err
    assert "'Serverless'" in err and "new revision" in err, err

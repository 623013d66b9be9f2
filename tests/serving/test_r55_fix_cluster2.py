"""Review of merge b83e706c (the r55 cluster fixes): the gaps it left.

KServe v0.20.0 (``git show v0.20.0:<path>`` in kserve/kserve): ``pkg/apis/serving/v1beta1/
inference_service_defaults.go`` ``DefaultInferenceService`` rewrites a ``Serverless`` mode
annotation to ``Knative`` on every UPDATE, and the annotations are in the revision template
(``pkg/controller/v1beta1/inferenceservice/components/predictor.go``), so a traffic-only write
starts a new revision of the canary's model; ``inference_service_status.go`` ``PropagateStatus``
then records the canary's own first revision as ``previousRolledoutRevision`` after a promote.
``configmap.go`` ``NewDeployConfig`` dereferences the nil *DeployConfig ``deploy: null`` leaves;
controller-runtime v0.22.5 (KServe's go.mod replace) ``pkg/webhook/admission/webhook.go``
``Webhook.Handle`` recovers it as ``Errored(500, "panic: %v [recovered]")``. The Kubernetes API is
tests/doubles/kube_api.py's KubeApiDouble (a double).
"""

from __future__ import annotations

import json

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.helpers import run_main
from tests.ops.test_doctor import crd, deployment
from tests.serving.test_r54_standard_no_traffic import deploy_v2, writes
from tests.serving.test_r55_webhook_update_mode import unannotated  # noqa: F401
from tests.serving.test_rollout_components import ISVC, NS, kube  # noqa: F401


@pytest.fixture
def legacy(kube):  # noqa: F811
    """A 10 % canary of v2 over v1 on a service still annotated Serverless (created before 0.15)."""
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    rollout.deploy(
        isvcs, name=ISVC, model_name="credit", version="1", storage_uri="s3://b/v1", timeout_s=5
    )
    deploy_v2(isvcs)
    kube.objects[(NS, ISVC)]["metadata"]["annotations"][specs.MODE_ANNOTATION] = "Serverless"
    kube.calls.clear()
    return isvcs


def _frozen(kube) -> str:  # noqa: F811
    return json.dumps(kube.objects[(NS, ISVC)], sort_keys=True)


@pytest.mark.parametrize(
    "args",
    [["promote"], ["canary", "--percent", "50"]],
    ids=["promote", "canary-share"],
)
def test_a_traffic_only_write_on_a_legacy_annotation_is_refused(kube, legacy, capsys, args):  # noqa: F811
    # on main: the promote patch went out, the defaulter's rewrite started revision 00003 of v2,
    # and previousRolledoutRevision became v2's 00002 (v1's 00001 lost as the rollback target)
    before = _frozen(kube)
    code, _, err = run_main(
        ["rollout", *args[:1], "--isvc", ISVC, "--namespace", NS, *args[1:]], capsys, 30
    )
    assert code == 2 and err.count("\n") == 1, err
    assert "'Serverless'" in err and "nothing written" in err, err
    assert f"kubectl annotate isvc {ISVC} -n {NS} serving.kserve.io/deploymentMode=Knative" in err
    assert writes(kube) == [] and _frozen(kube) == before


def test_a_pin_back_on_a_legacy_annotation_warns_and_goes_through(kube, legacy, capsys):  # noqa: F811
    capsys.readouterr()
    state = rollout.set_traffic(legacy, ISVC, 0, timeout_s=5)
    assert state.traffic["credit-predictor-00001"] == 100, state  # v1 serves; the restart at 0 %
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ctloop: WARNING: ") and "'Serverless'" in err


def test_a_deploy_naming_a_new_model_does_not_warn(kube, legacy, capsys):  # noqa: F811
    # it starts a revision anyway: on main every write warned of "a new revision of the model"
    capsys.readouterr()
    rollout.deploy(
        legacy,
        name=ISVC,
        model_name="credit",
        version="3",
        storage_uri="s3://b/v3",
        percent=10,
        timeout_s=5,
    )
    assert capsys.readouterr().err == ""


def test_status_and_doctor_do_not_say_run_this_again(kube, unannotated, capsys):  # noqa: F811
    from ctloop.ops.doctor import Doctor, DoctorOptions, Target

    code, out, _ = run_main(["rollout", "status", "--isvc", ISVC, "--namespace", NS], capsys, 20)
    note = next(line for line in out.splitlines() if line.startswith("  UPDATE REFUSED: "))
    assert code == 0 and "kubectl annotate isvc" in note and "run this again" not in note, note
    kube.add(crd())
    kube.add(
        deployment(
            "kserve",
            "kserve-controller-manager",
            {"app.kubernetes.io/version": "v0.20.0"},
            [("manager", "kserve/kserve-controller:v0.20.0")],
        )
    )
    doctor = Doctor(DoctorOptions(targets=[Target(ISVC, NS)]), kube=kube.api_client())
    doctor.check_kserve()
    check = doctor.check_isvc(Target(ISVC, NS))
    assert check.status == "FAIL" and check.fix.startswith("kubectl annotate isvc"), check
    assert "run this again" not in check.fix, check.fix
    with pytest.raises(ServingError, match=r"then run this again\)$"):  # a rollout write: it does
        rollout.set_traffic(
            InferenceServices(NS, api_client=kube.api_client()), ISVC, 50, timeout_s=2
        )


def test_the_validators_refusal_allows_an_annotation_changed_since_the_read():
    line = specs.mode_change_refused(
        ISVC, NS, "update rejected: deploymentMode cannot be changed from 'Knative' to 'Standard'"
    )
    assert "one changed since ctloop read it" in line and "\n" not in line, line


def test_the_doctor_warns_of_a_default_read_beside_the_controller(kube):  # noqa: F811
    # controller found with --kserve-namespace=opendatahub, an old ConfigMap left in kserve: the
    # rollout reads kserve's (Knative) while KServe reads its own; on main: OK
    from ctloop.ops.doctor import Doctor, DoctorOptions, Target
    from tests.ops.test_doctor import configmap

    kube.add(crd())
    kube.add(
        deployment(
            "opendatahub",
            "kserve-controller-manager",
            {"app.kubernetes.io/version": "v0.20.0"},
            [("manager", "kserve/kserve-controller:v0.20.0")],
        )
    )
    kube.add(
        configmap("kserve", specs.KSERVE_CONFIG, {"deploy": '{"defaultDeploymentMode": "Knative"}'})
    )
    doctor = Doctor(
        DoctorOptions(targets=[Target(ISVC, NS)], kserve_namespaces=("opendatahub",)),
        kube=kube.api_client(),
    )
    check = doctor.check_kserve()
    assert check.status == "warn", check
    assert "default deployment mode Knative read in kserve" in check.detail, check
    assert check.fix.startswith(
        "set rollout.kserve_namespace / CTLOOP_KSERVE_NAMESPACE=opendatahub"
    )


def test_a_null_deploy_config_is_a_webhook_panic_in_one_line(kube, capsys):  # noqa: F811
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    rollout.deploy(
        isvcs, name=ISVC, model_name="credit", version="1", storage_uri="s3://b/v1", timeout_s=5
    )
    deploy_v2(isvcs)
    kube.add(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": specs.KSERVE_CONFIG, "namespace": "kserve"},
            "data": {specs.DEPLOY_CONFIG_KEY: "null"},
        }
    )
    before = _frozen(kube)
    kube.calls.clear()
    code, _, err = run_main(
        ["rollout", "canary", "--isvc", ISVC, "--namespace", NS, "--percent", "50"], capsys, 30
    )
    assert code == 2 and err.count("\n") == 1, err
    assert "HTTP 500" in err and "denied the request: panic: runtime error" in err, err
    assert "is null (NewDeployConfig dereferences the nil DeployConfig" in err, err
    # refused by admission: not sent again as a 5xx is
    assert len(writes(kube)) == 1 and _frozen(kube) == before


def test_a_transient_error_a_webhook_relays_is_sent_again(kube):  # noqa: F811
    """Review of the no-resend rule: KServe v0.20.0's defaulter reads its ConfigMap on every request
    (inference_service_defaults.go GetInferenceServiceConfigMap) and returns the client's error as it
    is; controller-runtime v0.22.5 defaulter_custom.go passes an API error through with its own code,
    and the API server wraps it as 'admission webhook "…" denied the request: …' (ToStatusErr). A
    503 from that read (an etcd leader change) is transient: the write is sent again. Only the
    recovered panic ('denied the request: panic: … [recovered]') fails alike every time."""
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    rollout.deploy(
        isvcs, name=ISVC, model_name="credit", version="1", storage_uri="s3://b/v1", timeout_s=5
    )
    deploy_v2(isvcs)
    kube.calls.clear()
    kube.fail_next(
        503,
        message='admission webhook "inferenceservice.kserve-webhook-server.defaulter" denied the '
        "request: the server is currently unable to handle the request (get configmaps "
        "inferenceservice-config)",
    )
    rollout.set_traffic(isvcs, ISVC, 50)
    assert len(writes(kube)) == 2


def test_a_canary_step_on_a_legacy_annotation_holds_the_analysis(kube, legacy):  # noqa: F811
    """Review: the refusal of a traffic-only step inside a canary's plan was a plain ServingError,
    which release.analyze turns into a rollback of a canary nobody judged bad; it is now
    ServingNeedsOperator, a ChangedOutside, which the analysis holds (neither promoted nor rolled
    back), with the annotate fix, nothing written."""
    before = _frozen(kube)
    with pytest.raises(rollout.ChangedOutside, match="'Serverless'.*nothing written"):
        rollout.walk_plan(
            legacy, ISVC, plan=[10, 50], check=lambda p: (True, "ok", {}), storage_uri="s3://b/v2"
        )
    assert writes(kube) == [] and _frozen(kube) == before


@pytest.mark.parametrize(
    "args", [["promote"], ["canary", "--percent", "50"]], ids=["promote", "canary-share"]
)
def test_no_canary_on_a_legacy_annotation_is_not_called_a_canary(kube, capsys, args):  # noqa: F811
    """Review: with one version only, the legacy-annotation refusal ran first and spoke of "the
    canary's own first revision"; the no-canary answers come first now."""
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    rollout.deploy(
        isvcs, name=ISVC, model_name="credit", version="1", storage_uri="s3://b/v1", timeout_s=5
    )
    kube.objects[(NS, ISVC)]["metadata"]["annotations"][specs.MODE_ANNOTATION] = "Serverless"
    before = _frozen(kube)
    kube.calls.clear()
    code, out, err = run_main(
        ["rollout", args[0], "--isvc", ISVC, "--namespace", NS, *args[1:]], capsys, 30
    )
    assert "canary's" not in err and "canary's model" not in err, err
    # nothing written: a promote with no canary restarted the one model through the webhook's rewrite
    # (review of the lead's 182f774e); it is promoted already (exit 0), a canary step has no canary (2)
    assert code == (0 if args[0] == "promote" else 2), (code, out, err)
    assert writes(kube) == [] and _frozen(kube) == before, (code, out, err)

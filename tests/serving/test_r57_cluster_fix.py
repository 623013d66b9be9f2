"""KServe 0.20 cluster path, round 57 review of the merged cluster work (7bc25c0e..1381156a).

* A failed deploy whose automatic rollback meets bad input (``CTLOOP_KSERVE_NAMESPACE``) still
  leaves the spec giving the new model its canary share: KServe v0.20.0
  ``pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go`` gives
  ``canaryTrafficPercent`` to the latest revision once it is ready, so the line says so from a
  fresh read, and the failure is recorded (the not-ready tag, a ``rollback`` event with
  ``action: refused``), as the other failure paths record theirs (``release.deploy``).

The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble (a double), whose controller
follows KServe v0.20.0 and Knative Serving 1.21.1 (its module docstring names the files).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import RegistryGone, ServingChangedOutside
from ctloop.registry import TAG_ROLLOUT_NOT_READY
from ctloop.serving import isvc as specs
from ctloop.serving import release
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_fix38b_release_deploy_rollback import NAME, NS, _v1_deployed
from tests.serving.test_r56_cluster import _BAD_VARIABLE


def _annotation_removed_by_the_deploy(kube, isvcs):
    """The service's mode annotation removed right after the deploy's patch (by hand, while the
    deploy waits): the rollback's read then needs the cluster's default, where the bad
    CTLOOP_KSERVE_NAMESPACE says."""
    real_patch = isvcs.patch

    def patch(name, body):
        out = real_patch(name, body)
        kube.objects[(NS, NAME)]["metadata"]["annotations"].pop(specs.MODE_ANNOTATION, None)
        return out

    isvcs.patch = patch


def _stalled_v2_bad_variable(kube, monkeypatch):
    """v1 serving; v2's revision never ready within the 0.3 s timeout (not failed: it may become
    ready later); the mode annotation removed right after the deploy's patch and
    CTLOOP_KSERVE_NAMESPACE bad, so the rollback is refused. Returns (isvcs, reg, cfg)."""
    isvcs, _, reg = _v1_deployed(kube)
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=0.3)
    kube.stall_revisions("gs://models/v2")
    _annotation_removed_by_the_deploy(kube, isvcs)
    monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
    return isvcs, reg, cfg


def _recording(reg):
    writes = []
    reg.record_event = lambda m, v, e: writes.append(("event", str(v), e))
    reg.set_tags = lambda m, v, t: writes.append(("tags", str(v), t))
    return writes


def test_a_stalled_deploy_whose_rollback_is_refused_says_the_spec_still_gives_it_its_share(
    monkeypatch, capsys
):
    # v2's revision never becomes ready within the timeout (not failed: it may become ready later).
    # Seen failing on main: the line said "traffic is on credit-predictor-00001 (100 %)" — true
    # when printed, but the spec still gave v2 canaryTrafficPercent 5, which its revision takes
    # unjudged once ready — and nothing was recorded (no ctloop.rollout.not_ready for Argo's retry
    # to refuse, no event)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg = _stalled_v2_bad_variable(kube, monkeypatch)
        writes = _recording(reg)
        since = len(kube.calls)
        with pytest.raises(SystemExit) as caught, release.bad_input_exits():
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-7")
        err = capsys.readouterr().err
        assert caught.value.code == 2 and err.count("\n") == 1, err
        assert err.startswith("error: deploying credit v2 to credit failed (") and (
            f"; its rollback to v1 was refused: {_BAD_VARIABLE}: " in err
        ), err
        assert err.endswith(
            f"; recorded (audit: rollback refused, {TAG_ROLLOUT_NOT_READY}=run-7); traffic is on "
            "credit-predictor-00001 (100 %) now, but the spec still gives v2 5 % (its revision takes "
            "that share if it becomes ready; ctloop rollout status): fix that, then roll back "
            "(ctloop rollout rollback --model-name credit --failed-version 2 --isvc credit "
            "--namespace ml)\n"
        ), err
        assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 5
        assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == ["PATCH"]  # the deploy's own
        tags, event = writes
        assert tags[:2] == ("tags", "2") and tags[2][TAG_ROLLOUT_NOT_READY] == "run-7", writes
        assert tags[2]["ctloop.rollout.status"] == release.ROLLBACK_REFUSED, writes
        assert event[:2] == ("event", "2") and event[2]["action"] == "refused", writes
        assert event[2]["to_version"] == "1" and event[2]["pipeline_run"] == "run-7"
        assert event[2]["refused"].startswith(_BAD_VARIABLE)
        # rollout status's last decision names it
        decided = release.last_decision([{**event[2], "version": "2"}], NAME, NS)
        assert decided["decided"] == "rollback refused"


def test_a_pin_out_refusal_inside_a_deploys_rollback_is_passed_through_once(monkeypatch, capsys):
    # the champion's model cannot be located (its run collected): the deploy's rollback pins the
    # failed canary out (release._pin_out_then_raise), whose read meets the bad variable: a
    # ServingBadInput. Seen failing on main: release.deploy's `except ConfigError` took it as its
    # own refusal, so "traffic is on" came twice and the advice was "ctloop rollout rollback
    # --failed-version 2", which cannot work (no champion model: needs --to-version) and lacks
    # --model-name, --isvc and --namespace
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        kube.fail_revisions("gs://models/v2")
        writes = _recording(reg)

        def artifact_uri(m, v):
            if str(v) == "1":
                raise RegistryGone("v1's training run r1 is gone (mlflow gc)")
            return f"gs://models/v{v}"

        _annotation_removed_by_the_deploy(kube, isvcs)
        monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
        real_deploy_patch = isvcs.patch

        def patch(name, body):  # v1's model made unlocatable only once v2 is in the spec
            out = real_deploy_patch(name, body)
            reg.model_artifact_uri = artifact_uri
            return out

        isvcs.patch = patch
        with pytest.raises(SystemExit) as caught, release.bad_input_exits():
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)
        err = capsys.readouterr().err
        assert caught.value.code == 2 and err.count("\n") == 1, err
        assert err.count("traffic is on") == 1 and "ctloop rollout rollback" not in err, err
        assert (
            "; its rollback to v1 was refused: v1's training run r1 is gone (mlflow gc); pinning the "
            f"failed v2's canary to 0 % was refused: {_BAD_VARIABLE}: " in err
        ), err
        assert err.endswith(
            "; traffic is on credit-predictor-00001 (100 %) now, but the spec still gives v2 5 % "
            "(its revision takes that share if it becomes ready; ctloop rollout status); "
            "recorded (audit: rollback refused)\n"
        ), err
        # tagged without a run id too (round 58: was the event alone, the version left eligible for challenger)
        assert [w[0] for w in writes] == ["tags", "event"], writes
        assert writes[0][2]["ctloop.rollout.status"] == release.ROLLBACK_REFUSED, writes


# KServe v0.20.0 config/configmap/inferenceservice.yaml: the chart's ConfigMap, its inferenceService
# key given a list as that file's own example does (a GitOps tool's sync stamp listed)
STAMP = "example.com/synced-at"


def _kserve_config(kube, **lists):
    kube.add(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
            "data": {
                "deploy": '{"defaultDeploymentMode": "Knative"}',
                "inferenceService": json.dumps(lists),
            },
        }
    )


def _events(reg):
    events = []
    reg.record_event = lambda m, v, e: events.append({**e, "version": str(v)})
    reg.run_events = lambda m, run: [e for e in events if e.get("pipeline_run") == run]
    reg.promote = lambda m, v, **k: SimpleNamespace(version="1")
    return events


def _analyze(reg, isvcs, cfg, state, check=lambda percent: (True, "stub", {}), run_id="run-1"):
    return release.analyze(
        reg, isvcs, model_name="credit", version="2", cfg=cfg, deploy_action=state.action,
        canary_revision=state.latest_revision, stable_revision=state.previous_revision,
        run_id=run_id, check=check,
    )  # fmt: skip


@pytest.mark.parametrize("config", ["listed", "forbidden"])
def test_an_annotation_the_cluster_keeps_out_of_the_template_does_not_hold_the_walk(config):
    # KServe v0.20.0 pkg/apis/serving/v1beta1/configmap.go NewInferenceServicesConfig (~239-252)
    # appends the cluster's inferenceService.serviceAnnotationDisallowedList to the defaults: an
    # annotation listed there (a GitOps tool stamping every sync) makes no revision. Seen failing on
    # main: the walk knew only the defaults and held every canary the stamp touched. A ConfigMap
    # that cannot be read (403) leaves the defaults, and the hold says so
    with KubeApiDouble(ready_after_reads=1) as kube:
        _kserve_config(kube, serviceAnnotationDisallowedList=[STAMP])
        if config == "forbidden":
            kube.forbid(kube.kserve_config_path)
        isvcs, _, reg = _v1_deployed(kube)
        cfg = RolloutConfig(
            inference_service=NAME, namespace=NS, timeout_seconds=4, traffic_plan=[10, 50]
        )
        state = release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)[0]
        revisions = list(kube.meta[(NS, NAME)]["revisions"])

        def check(percent):
            if percent == 10:
                isvcs.patch(NAME, {"metadata": {"annotations": {STAMP: "2026-12-07T13:00:00Z"}}})
            return True, f"stub at {percent} %", {}

        result = _analyze(reg, isvcs, cfg, state, check=check, run_id="")
        # the double's controller takes the same list: no revision came
        assert list(kube.meta[(NS, NAME)]["revisions"]) == revisions
        if config == "listed":
            assert result.decision == "promote", result
            assert 50 in kube.traffic(NS, NAME).values()
            return
        assert result.decision == "hold", result
        assert (
            f"annotation {STAMP} added since the walk first read it, which starts a revision nobody "
            "judged (KServe may not have reconciled it yet); the cluster's disallowed lists were not "
            "read (inferenceservice-config not read: 403 Forbidden in kserve), so KServe may copy it "
            "into the revision (let ctloop read them: manifests/extras/kserve-config-reader)"
        ) in result.reason, result.reason


@pytest.mark.parametrize("edit", ["stamp", "label"])
def test_promote_names_the_changed_key_and_leaves_out_what_the_cluster_keeps_out(edit):
    # the analysis record keeps the map judged (was: its sha256, tied to the writing version's
    # lists and naming nothing); promote filters both sides with the cluster's lists. Seen failing
    # on main: the stamp refused the promotion, and the refusal named no key
    with KubeApiDouble(ready_after_reads=1) as kube:
        _kserve_config(kube, serviceAnnotationDisallowedList=[STAMP])
        isvcs, _, reg = _v1_deployed(kube)
        cfg = RolloutConfig(
            inference_service=NAME, namespace=NS, timeout_seconds=4, traffic_plan=[10, 50]
        )
        state = release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)[0]
        events = _events(reg)
        assert _analyze(reg, isvcs, cfg, state).decision == "promote"
        recorded = events[-1]["revision_metadata"]
        assert set(recorded) == {"annotations", "labels"}, recorded
        kube.lag_reconcile(2)  # KServe reconciles it two reads later
        meta = (
            {"annotations": {STAMP: "now"}}
            if edit == "stamp"
            else {"labels": {"example.com/team": "risk"}}
        )
        isvcs.patch(NAME, {"metadata": meta})
        promote = lambda: release.promote(  # noqa: E731
            reg, isvcs, model_name="credit", version="2", reason="passed", cfg=cfg, run_id="run-1"
        )
        if edit == "stamp":
            promote()
            assert kube.traffic(NS, NAME) == {state.latest_revision: 100}
            return
        with pytest.raises(ServingChangedOutside) as refused:
            promote()
        assert (
            "(label example.com/team added): a new revision, which KServe may not have reconciled yet"
            in str(refused.value)
        ), refused.value


def test_the_walk_starts_from_what_the_deploy_left():
    # an annotation written between deploy_canary and analyze_canary's first read, KServe not
    # reconciled yet: a new revision nobody will judge. Seen failing on main: the walk took its
    # first read (already annotated) as the baseline and promoted
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, _, reg = _v1_deployed(kube)
        cfg = RolloutConfig(
            inference_service=NAME, namespace=NS, timeout_seconds=4, traffic_plan=[10, 50]
        )
        events = _events(reg)
        state = release.deploy(
            reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-1"
        )[0]
        deployed = [e for e in events if e["event"] == "deploy"]
        assert deployed and "revision_metadata" in deployed[-1], events
        kube.lag_reconcile(2)
        isvcs.patch(NAME, {"metadata": {"annotations": {"example.com/owner": "team-a"}}})
        since = len(kube.calls)
        result = _analyze(reg, isvcs, cfg, state)
        assert result.decision == "hold", result
        assert (
            "annotation example.com/owner added since the deploy left it, which starts a revision"
            in result.reason
        ), result.reason
        assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"inferenceService": '{"resource": {"cpuLimit": "1"}}'},
        {"inferenceService": '{"serviceAnnotationDisallowedList": null}'},
        {"inferenceService": json.dumps({"serviceAnnotationDisallowedList": [STAMP]})},
        {
            "inferenceService": json.dumps(
                {"ServiceLabelDisallowedList": ["a"], "servicelabeldisallowedlist": ["b"]}
            )
        },
        {"inferenceService": json.dumps({"serviceLabelDisallowedList": "a"})},
        {"inferenceService": "[1]"},
        {"inferenceService": "{"},
    ],
    ids=["no-key", "chart", "null", "listed", "case-folded", "no-list", "no-object", "no-json"],
)
def test_the_walk_and_the_double_read_the_same_lists_from_the_configmap(data):
    # isvc.read_template_lists and the double's inference_services_lists each follow KServe v0.20.0
    # pkg/apis/serving/v1beta1/configmap.go NewInferenceServicesConfig (the double: None where it
    # fails; the walk: KServe's defaults, saying why)
    from tests.doubles import kube_api

    lists = specs.read_template_lists(data)
    double = kube_api.inference_services_lists(data)
    if double is None:
        assert lists.unread and lists[:2] == specs.TemplateLists()[:2], lists
        return
    assert not lists.unread, lists
    assert set(lists.annotations) == set(double[0]) | set(kube_api.KSVC_ANNOTATIONS)
    assert set(lists.labels) == set(double[1])


def test_rollout_status_shows_a_bad_kserve_namespace_variable_as_a_note(
    tmp_path, monkeypatch, capsys
):
    # status writes nothing and is the command every error line points to. Seen failing on main:
    # for a service with no mode annotation it was refused (exit 2) like the commands that write
    from tests.serving.test_r56_cluster import _deployed
    from tests.serving.test_r57_cluster import _cli

    with KubeApiDouble(ready_after_reads=1) as kube:
        _deployed(kube, "1", "2", percent=10)
        del kube.objects[(NS, NAME)]["metadata"]["annotations"][specs.MODE_ANNOTATION]
        monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
        since = len(kube.calls)
        code, out, err = _cli(kube, tmp_path, monkeypatch, capsys, "status")
        assert (code, err) == (0, ""), (code, out, err)
        assert (
            f"  BAD CTLOOP_KSERVE_NAMESPACE: {_BAD_VARIABLE}: InferenceService ml/credit has no "
            "serving.kserve.io/deploymentMode annotation, so the cluster's default is read from "
            "KServe's ConfigMap where it says; the rollout commands refuse this service until it "
            "is fixed\n"
        ) in out, out
        assert "  10 %  credit-predictor-00002" in out, out
        assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []


@pytest.mark.parametrize(
    "predictor, answer",
    [
        # none: the defaulter's setLocalModelLabel indexes GetImplementations()[0] (KServe v0.20.0
        # inference_service_defaults.go ~506-508, predictor.go ~199-201) and panics; controller-runtime
        # v0.22.5 webhook.go Webhook.Handle recovers it as Errored(500)
        ({"model": None}, "500"),
        # two: the model and a container named kserve-container (predictor.go ~183-188); the validator
        ({"containers": [{"name": "kserve-container", "image": "x"}]}, "403"),
        # a container by another name beside the model is no implementation (a sidecar): allowed
        ({"containers": [{"name": "sidecar", "image": "x"}]}, ""),
    ],
    ids=["none", "two", "sidecar"],
)
def test_the_double_answers_a_predictor_without_exactly_one_implementation_as_kserve_does(
    predictor, answer
):
    # KServe v0.20.0 PredictorSpec.GetImplementations / component.go validateExactlyOneImplementation.
    # Seen failing before the double followed the defaulter: a predictor left without its model was
    # the validator's 403, where KServe's defaulter panics first (500), and any container counted
    from ctloop.errors import ServingError

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, _, _ = _v1_deployed(kube)
        before = json.dumps(kube.objects[(NS, NAME)], sort_keys=True)
        if not answer:
            isvcs.patch(NAME, {"spec": {"predictor": predictor}})
            assert (
                kube.objects[(NS, NAME)]["spec"]["predictor"]["containers"][0]["name"] == "sidecar"
            )
            return
        with pytest.raises(ServingError) as refused:
            isvcs.patch(NAME, {"spec": {"predictor": predictor}})
        text = str(refused.value)
        if answer == "500":
            assert (
                "HTTP 500" in text
                and (
                    'admission webhook "inferenceservice.kserve-webhook-server.defaulter" denied the request: '
                    "panic: runtime error: index out of range [0] with length 0 [recovered]"
                )
                in text
            ), text
        else:
            assert (
                "403" in text
                and (
                    "exactly one of [Name, SKLearn, XGBoost, Tensorflow, PyTorch, Triton, ONNX, "
                    "HuggingFace, PMML, LightGBM, Paddle, Model, StorageUris, StorageContainerName, "
                    "WorkerSpec, PodSpec] must be specified in PredictorSpec"
                )
                in text
            ), text
        assert json.dumps(kube.objects[(NS, NAME)], sort_keys=True) == before

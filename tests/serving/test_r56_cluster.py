"""KServe 0.20 cluster contacts round 55 left alone (round 56).

KServe v0.20.0 (``git show v0.20.0:<path>`` in kserve/kserve):
``pkg/controller/v1beta1/inferenceservice/components/predictor.go`` ``buildPredictorResources``
copies every InferenceService annotation not in ``ServiceAnnotationDisallowedList``
(``pkg/constants/constants.go``) into the predictor's object meta (``buildObjectMeta``), which
``reconcilers/knative/ksvc_reconciler.go`` ``createKnativeService`` puts into the Knative Service's
revision template, less its ``managedKsvcAnnotations`` (rollout-duration, the OpenShift passthrough).
A changed template is a new Configuration generation, so a new revision (knative-v1.21.1
``pkg/reconciler/configuration/configuration.go`` ``latestCreatedRevision``/``createRevision``).
``inference_service_status.go`` ``PropagateStatus`` moves ``latestRolledoutRevision`` (and with it
``previousRolledoutRevision``, the rollback pointer) only when the latest ready revision's
``latestRevision`` target has 100 %. ``inference_service_defaults.go`` ``DefaultInferenceService``
rewrites a legacy ``Serverless`` mode annotation on every UPDATE (since 0.16), so a traffic-only
write to a service still naming it starts a revision too. The Kubernetes API is
tests/doubles/kube_api.py's KubeApiDouble (a double).
"""

from __future__ import annotations

import json

import pytest

from ctloop.errors import ServingChangedOutside
from ctloop.serving import isvc as specs
from ctloop.serving import release, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble
from tests.fixtures import rollout_store
from tests.serving.test_fix38b_release_deploy_rollback import NAME, NS
from tests.serving.test_fix46g_staged_retry import _killed_after_staging, _parked

registered = rollout_store.registered  # the fixture: a store of its own holding versions 1 and 2


def _revisions(kube) -> list[str]:
    return list(kube.meta[(NS, NAME)]["revisions"])


def _pointers(kube) -> tuple[str, str]:
    st = kube.objects[(NS, NAME)]["status"]["components"]["predictor"]
    return st.get("latestRolledoutRevision") or "", st.get("previousRolledoutRevision") or ""


def _annotation_writes(kube, since: int) -> list[dict]:
    """The PATCH bodies sent since call ``since`` that write ``metadata.annotations``."""
    return [
        body
        for method, _, body in kube.calls[since:]
        if method == "PATCH" and ((body or {}).get("metadata") or {}).get("annotations")
    ]


def _deploy(isvcs: InferenceServices, *versions: str, **kwargs) -> InferenceServices:
    """``rollout.deploy`` of each of ``versions`` in turn, from ``gs://models/v<version>``."""
    for version in versions:
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version=version,
            storage_uri=f"gs://models/v{version}",
            timeout_s=4,
            **kwargs,
        )
    return isvcs


def _deployed(kube, *versions: str, **kwargs) -> InferenceServices:
    """The service on ``kube`` with ``versions`` (v1 alone unless named) deployed by ``_deploy``."""
    return _deploy(
        InferenceServices(NS, api_client=kube.api_client()), *(versions or ("1",)), **kwargs
    )


def test_an_annotation_not_disallowed_is_a_new_revision():
    # on main the double counted only serving.kserve.io/deploymentMode: example.com/owner made none
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = _deployed(kube)
        first = _revisions(kube)
        # ServiceAnnotationDisallowedList and managedKsvcAnnotations: not in the template
        isvcs.patch(
            NAME,
            {
                "metadata": {
                    "annotations": {
                        "kubectl.kubernetes.io/last-applied-configuration": "{}",
                        "autoscaling.knative.dev/max-scale": "3",
                        "serving.knative.dev/rollout-duration": "60s",
                    }
                }
            },
        )
        isvcs.get(NAME)
        assert _revisions(kube) == first
        isvcs.patch(NAME, {"metadata": {"annotations": {"example.com/owner": "team-a"}}})
        isvcs.get(NAME)
        assert len(_revisions(kube)) == len(first) + 1
        isvcs.patch(
            NAME, {"metadata": {"annotations": {"example.com/owner": None}}}
        )  # a deletion too
        isvcs.get(NAME)
        assert len(_revisions(kube)) == len(first) + 2


@pytest.mark.parametrize("double", ["KubeApiDouble", "TemplateKubeApiDouble"])
def test_both_doubles_take_kserves_disallowed_lists_and_its_labels(double):
    # KServe v0.20.0 pkg/constants/constants.go: ModelFormatAnnotationKey = "modelFormat" (in
    # ServiceAnnotationDisallowedList); RevisionTemplateLabelDisallowedList = [VisibilityLabel
    # "networking.knative.dev/visibility"], the default of ServiceLabelDisallowedList
    # (pkg/apis/serving/v1beta1/configmap.go). components/predictor.go buildObjectMeta unions
    # isvc.Labels into the predictor's labels; ksvc_reconciler.go createKnativeService puts them,
    # less that list, into the revision template. On main the template double had its own list
    # ("serving.kserve.io/model-format": modelFormat started a revision there) and the base double
    # took no label into the template (example.com/team started none)
    from tests.doubles import kube_api_template

    cls = {"KubeApiDouble": KubeApiDouble, **vars(kube_api_template)}[double]
    with cls(ready_after_reads=1) as kube:
        isvcs = _deployed(kube)
        for meta, new in [
            ({"annotations": {"modelFormat": "sklearn"}}, 0),
            ({"labels": {"networking.knative.dev/visibility": "cluster-local"}}, 0),
            ({"annotations": {"serving.kserve.io/model-format": "sklearn"}}, 1),
            ({"labels": {"example.com/team": "risk"}}, 1),
            ({"labels": {"example.com/team": None}}, 1),
        ]:
            before = _revisions(kube)
            isvcs.patch(NAME, {"metadata": meta})
            isvcs.get(NAME)
            assert len(_revisions(kube)) == len(before) + new, meta


def test_a_canary_step_promote_and_rollback_write_no_annotation():
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = _deployed(kube, "1", "2", percent=10)
        since = len(kube.calls)
        rollout.set_traffic(isvcs, NAME, 50, timeout_s=4)
        rollout.promote(isvcs, NAME, timeout_s=4)
        assert _pointers(kube) == ("credit-predictor-00002", "credit-predictor-00001")
        _deploy(isvcs, "3", percent=10)
        rollout.rollback(
            isvcs,
            NAME,
            version="2",
            storage_uri="gs://models/v2",
            timeout_s=4,
            failed_storage_uri="gs://models/v3",
        )
        assert _annotation_writes(kube, since) == []
        assert kube.traffic(NS, NAME) == {"credit-predictor-00004": 100}  # v2 anew, v3's 00003 out


@pytest.mark.parametrize("how", ["set-traffic-0", "rollback-stopped"])
def test_a_staged_pin_back_restarts_its_model_at_zero_and_keeps_the_rollback_pointer(
    monkeypatch, how
):
    # ctloop's one annotation on the InferenceService, isvc.STAGED_ANNOTATION: written with a new
    # storageUri at 0 % (one revision), deleted by a pin-back of the staging, whose template then
    # changes: a new revision of the model pinned back — at 0 %, so the rolled-out v1 keeps all
    # traffic and stays latestRolledoutRevision. On main the double started no revision here.
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _parked(kube)
        since = len(kube.calls)
        _killed_after_staging(monkeypatch, reg, isvcs, cfg)
        staged = _revisions(kube)
        assert (
            _pointers(kube)[0] == "credit-predictor-00001"
            and staged[-1] == "credit-predictor-00003"
        )
        if how == "set-traffic-0":
            rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)
        else:  # the champion's URI refused after the pin-back: the rollback stops there
            with pytest.raises(Exception, match="pinned back"):
                rollout.rollback(
                    isvcs,
                    NAME,
                    version="1",
                    storage_uri="ftp://models/v1",
                    timeout_s=4,
                    failed_storage_uri="gs://models/v3",
                )
        for _ in range(2):
            isvcs.get(NAME)
        writes = _annotation_writes(kube, since)
        assert [set(b["metadata"]["annotations"]) for b in writes] == [
            {specs.STAGED_ANNOTATION}
        ] * 2
        assert (
            writes[0]["spec"]["predictor"]["model"]["storageUri"] == "gs://models/v3"
        )  # with the model
        assert writes[1]["metadata"]["annotations"][specs.STAGED_ANNOTATION] is None
        assert _revisions(kube) == [*staged, "credit-predictor-00004"]
        assert kube.meta[(NS, NAME)]["uris"]["credit-predictor-00004"] == "gs://models/v3"
        assert kube.traffic(NS, NAME) == {
            "credit-predictor-00004": 0,
            "credit-predictor-00001": 100,
        }
        assert _pointers(kube)[0] == "credit-predictor-00001"


def test_a_staging_resumed_on_a_legacy_annotation_is_refused(monkeypatch):
    # the write at 0 % first had KServe's defaulter rewrite the annotation (inference_service_defaults.go
    # DefaultInferenceService, every UPDATE since 0.16); a staging written under an older KServe and
    # resumed after the upgrade still names Serverless. On main the resume moved v3 to its share: the
    # defaulter's rewrite started a new revision of v3 (a canary step the other paths refuse)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _parked(kube)
        _killed_after_staging(monkeypatch, reg, isvcs, cfg)
        kube.objects[(NS, NAME)]["metadata"]["annotations"][specs.MODE_ANNOTATION] = "Serverless"
        frozen, revisions, since = (
            json.dumps(kube.objects[(NS, NAME)], sort_keys=True),
            _revisions(kube),
            len(kube.calls),
        )
        with pytest.raises(
            ServingChangedOutside,
            match=r"'Serverless'.*moving v3 to \d+ % would start a new revision"
            r".*nothing written.*kubectl annotate isvc credit -n ml serving\.kserve\.io/deploymentMode="
            "Knative",
        ) as caught:
            release.deploy(reg, isvcs, model_name="credit", version="3", cfg=cfg)
        assert "\n" not in str(caught.value)
        assert [
            c for c in kube.calls[since:] if c[0] != "GET"
        ] == []  # nothing written, not rolled back
        assert (
            json.dumps(kube.objects[(NS, NAME)], sort_keys=True) == frozen
            and _revisions(kube) == revisions
        )


def test_the_doctor_warns_of_a_service_still_annotated_serverless():
    # on main: "ok Knative mode, stable revision credit-predictor-00001" — the rollout's first canary
    # step or promote by hand was then refused (isvc.check_traffic_only)
    from ctloop.ops.doctor import Doctor, DoctorOptions, Target

    with KubeApiDouble(ready_after_reads=1) as kube:
        _deployed(kube)
        doctor = Doctor(DoctorOptions(targets=[Target(NAME, NS)]), kube=kube.api_client())
        assert doctor.check_isvc(Target(NAME, NS)).status == "ok"
        kube.objects[(NS, NAME)]["metadata"]["annotations"][specs.MODE_ANNOTATION] = (
            "Serverless"  # before 0.16
        )
        since = len(kube.calls)
        check = doctor.check_isvc(Target(NAME, NS))
        assert check.status == "warn", check
        assert check.detail.startswith(
            "Knative mode, stable revision credit-predictor-00001; annotated "
            "serving.kserve.io/deploymentMode: Serverless, a legacy name"
        ), check
        assert "ctloop refuses a canary step or a promote" in check.detail, check
        assert check.fix.startswith(
            f"before the rollout: kubectl annotate isvc {NAME} -n {NS} "
            "serving.kserve.io/deploymentMode=Knative --overwrite"
        ), check
        assert [c for c in kube.calls[since:] if c[0] != "GET"] == []


def _component(name: str):
    from ctloop.components.analyze.component import analyze_canary
    from ctloop.components.deploy.component import deploy_canary
    from ctloop.components.promote.component import promote_model
    from ctloop.components.rollback.component import rollback_model

    common = {"model_name": "credit", "rollout": {"inference_service": NAME, "namespace": NS}}
    return {
        "deploy_canary": (deploy_canary, {**common, "version": "2"}),
        "analyze_canary": (
            analyze_canary,
            {
                **common,
                "version": "2",
                "deploy_action": "canary",
                "canary_revision": "credit-predictor-00002",
                "stable_revision": "credit-predictor-00001",
                "analysis_metrics": None,
                "analysis_report": None,
            },
        ),
        "promote_model": (promote_model, {**common, "version": "2", "reason": "passed"}),
        "rollback_model": (rollback_model, {**common, "failed_version": "2", "reason": "bad"}),
    }[name]


_BAD_VARIABLE = (
    "CTLOOP_KSERVE_NAMESPACE: must be a Kubernetes namespace (DNS-1123 label): lower-case letters, "
    "digits and '-', starting and ending with a letter or digit, at most 63, got 'Red_Hat'"
)
_REFUSED = (
    f"error: {_BAD_VARIABLE}: InferenceService ml/credit has no serving.kserve.io/deploymentMode "
    "annotation, so the cluster's default is read from KServe's ConfigMap where it says; nothing written\n"
)
_WARNED = (
    f"ctloop: WARNING: {_BAD_VARIABLE}; ignored: read only for an InferenceService with no "
    "serving.kserve.io/deploymentMode annotation\n"
)


@pytest.mark.parametrize(
    "name", ["deploy_canary", "analyze_canary", "promote_model", "rollback_model"]
)
def test_a_bad_kserve_namespace_variable_stops_a_step_on_a_service_with_no_mode_annotation(
    name, tmp_path, monkeypatch, capsys
):
    # reconciled (status.deploymentMode) but not annotated: rollout._check_mode reads the cluster's
    # default, so the variable. On main deploy_canary and promote_model were refused without a read
    # of the service (annotated or not); analyze_canary warned, went on to the registry and the
    # walk; rollback_model warned and went on to a ConfigError mid-rollback (a traceback, exit 1)
    from tests.doubles.kube_api import write_kubeconfig

    with KubeApiDouble(ready_after_reads=1) as kube:
        _deployed(kube, "1", "2", percent=10)
        del kube.objects[(NS, NAME)]["metadata"]["annotations"][specs.MODE_ANNOTATION]
        monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", kube.url))
        monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
        store, since = tmp_path / "mlflow.db", len(kube.calls)
        func, kwargs = _component(name)
        with pytest.raises(SystemExit) as caught:
            func.python_func(**kwargs, tracking_uri=f"sqlite:///{store}")
        assert caught.value.code == 2 and capsys.readouterr().err == _REFUSED
        assert [c[:2] for c in kube.calls[since:]] == [
            ("GET", f"/apis/serving.kserve.io/v1beta1/namespaces/{NS}/inferenceservices/{NAME}")
        ]
        assert not store.exists()


@pytest.mark.parametrize(
    "name", ["deploy_canary", "analyze_canary", "promote_model", "rollback_model"]
)
@pytest.mark.parametrize(
    ("bad", "line"),
    [
        (
            {"kserve_namespace": "Red_Hat"},
            "error: rollout.kserve_namespace: must be a Kubernetes namespace (DNS-1123 label): "
            "lower-case letters, digits and '-', starting and ending with a letter or digit, at most "
            "63, got 'Red_Hat'; e.g. kserve_namespace: redhat-ods-applications; nothing written\n",
        ),
        (
            {"namespace": "Bad_NS", "timeout_seconds": -5},
            "error: 2 problems: rollout.namespace: must be a Kubernetes namespace (DNS-1123 label): "
            "lower-case letters, digits and '-', starting and ending with a letter or digit, at most "
            "63, got 'Bad_NS'; e.g. namespace: ctloop; rollout.timeout_seconds: must be in "
            "[1, 604800], got -5; e.g. timeout_seconds: 600; nothing written\n",
        ),
    ],
)
def test_a_bad_rollout_field_stops_a_rollout_step_at_its_start(
    name, bad, line, tmp_path, monkeypatch, capsys
):
    # on main only the variable was checked so: RolloutConfig.from_dict's ConfigError for the same
    # value as rollout.kserve_namespace (or any bad rollout field) was a traceback, exit status 1
    monkeypatch.delenv(specs.KSERVE_NAMESPACE_ENV, raising=False)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    store = tmp_path / "mlflow.db"
    func, kwargs = _component(name)
    kwargs = {**kwargs, "rollout": {**kwargs["rollout"], **bad}}
    with pytest.raises(SystemExit) as caught:
        func.python_func(**kwargs, tracking_uri=f"sqlite:///{store}")
    assert caught.value.code == 2
    assert capsys.readouterr().err == line
    assert not store.exists()


@pytest.mark.parametrize(
    ("annotated", "passed"), [(True, True), (False, False)], ids=["promote", "no-annotation"]
)
def test_a_bad_kserve_namespace_variable_is_judged_by_the_service_a_step_targets(
    annotated, passed, registered, tmp_path, monkeypatch, capsys
):
    # the variable is read only for a service with no mode annotation (rollout._check_mode). An
    # annotated one (reconciled, Knative): analyze_canary warns and walks the plan, then the step
    # its decision runs warns and works — on main promote_model was refused (exit 2) after an
    # analysis that decided promote. Not annotated: each step is refused at its start, nothing
    # written — on main analyze_canary's walk met the ConfigError and decided "rollback" (a good
    # canary rolled back) and rollback_model's escaped (a traceback, exit 1, the canary kept its 5 %).
    # The checks are a stub (release.live_check): the walk itself reads and writes the double.
    from kfp.dsl import Markdown, Metrics

    from ctloop.components.analyze.component import analyze_canary
    from ctloop.components.deploy.component import deploy_canary
    from ctloop.components.promote.component import promote_model
    from ctloop.components.rollback.component import rollback_model
    from tests.doubles.kube_api import write_kubeconfig
    from tests.serving.test_rollout_components import ISVC, MODEL
    from tests.serving.test_rollout_components import RELEASE as FULL

    RELEASE = {**FULL, "traffic_plan": [5, 100]}  # a walk of two steps: cheap (review r56: 4.2 s)
    uri, registry = registered
    checked = []
    monkeypatch.setattr(
        release, "live_check",
        lambda *a, **k: lambda percent: checked.append(percent) or (passed, f"stub at {percent} %", {}),
    )  # fmt: skip
    with KubeApiDouble(ready_after_reads=1) as kube:
        monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", kube.url))
        deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
        canary = deploy_canary.python_func(
            model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri
        )
        assert (
            canary.action == "canary"
            and kube.objects[(NS, ISVC)]["status"]["deploymentMode"] == "Knative"
        )
        if not annotated:
            del kube.objects[(NS, ISVC)]["metadata"]["annotations"][specs.MODE_ANNOTATION]
        capsys.readouterr()
        monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
        frozen, since = json.dumps(kube.objects[(NS, ISVC)], sort_keys=True), len(kube.calls)
        records = len(registry.audit_log(MODEL))
        steps = [
            lambda: analyze_canary.python_func(
                model_name=MODEL, version="2", rollout=RELEASE, deploy_action=canary.action,
                canary_revision=canary.latest_revision, stable_revision=canary.previous_revision,
                tracking_uri=uri, pipeline_run_id="run-1",
                analysis_metrics=Metrics(name="m", uri=str(tmp_path / "m"), metadata={}),
                analysis_report=Markdown(name="r", uri=str(tmp_path / "r"), metadata={})),
            lambda: promote_model.python_func(model_name=MODEL, version="2", reason="passed", rollout=RELEASE,
                                              tracking_uri=uri, pipeline_run_id="run-1"),
            lambda: rollback_model.python_func(model_name=MODEL, failed_version="2", rollout=RELEASE,
                                               reason="bad", tracking_uri=uri, pipeline_run_id="run-1"),
        ]  # fmt: skip
        if not annotated:
            for step in steps[:-1]:
                with pytest.raises(SystemExit) as caught:
                    step()
                assert caught.value.code == 2 and capsys.readouterr().err == _REFUSED.replace(
                    "ml/credit", f"{NS}/{ISVC}"
                )
            assert len(registry.audit_log(MODEL)) == records
            # rollback_model's refusal is recorded (the canary keeps its share: round 58's review),
            # as a failed deploy's refused rollback is; its line says where the traffic is (a read)
            with pytest.raises(SystemExit) as caught:
                steps[-1]()
            refused = capsys.readouterr().err
            assert caught.value.code == 2 and refused.count("\n") == 1, refused
            assert _BAD_VARIABLE in refused and "recorded (audit: rollback refused)" in refused
            assert [c[0] for c in kube.calls[since:]] == ["GET"] * (len(steps) + 1)
            assert json.dumps(kube.objects[(NS, ISVC)], sort_keys=True) == frozen
            assert len(registry.audit_log(MODEL)) == records + 1 and checked == []
            return
        # one walking case (review r56: a rollback one cost another second; rollback_model on an
        # annotated service is the promote_model path's twin in release.kserve_namespace_or_exit)
        decided = steps[0]()
        assert capsys.readouterr().err == _WARNED
        assert decided.decision == "promote" and checked == [5, 100], decided
        assert steps[1]().previous_champion == "1" and capsys.readouterr().err == _WARNED
        assert registry.champion(MODEL).version == "2"
        (revision,) = kube.traffic(NS, ISVC)
        assert kube.revision_uri(NS, ISVC, revision) == registry.model_artifact_uri(MODEL, "2")


@pytest.mark.parametrize("dropped", ["before", "after-25"])
def test_the_walk_needing_a_bad_kserve_namespace_variable_is_refused_not_rolled_back(
    dropped, monkeypatch
):
    # release.analyze alone (the component refuses such a service before it): on main the walk's
    # ConfigError (rollout._check_mode reading the cluster's default) was caught as a failed
    # analysis, decision "rollback" of a canary whose checks all passed. The annotation removed
    # while the walk runs (after-25, review r56: a check that deletes it): on main the same bare
    # ConfigError after the walk had moved the canary to 25 %, no record, the line silent on it.
    # Since round 57 a removal during a check is a change outside (a new revision: the walk holds,
    # tests/serving/test_r57_cluster.py); here it lands between the walk's read after the check at
    # 25 % and the read of its next move (set_traffic's)
    from ctloop.errors import ConfigError, ServingBadInput
    from tests.serving.test_fix38b_release_deploy_rollback import _v1_deployed

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        state = release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)[0]
        monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
        real_get, armed = isvcs.get, []

        def get(name):
            if armed:
                armed.append(name)
                # the check's mark, its read after, then the move's read: removed before that one
                if len(armed) == 3:
                    kube.objects[(NS, NAME)]["metadata"]["annotations"].pop(specs.MODE_ANNOTATION)
            return real_get(name)

        isvcs.get = get

        def check(percent):
            if percent == 25:
                armed.append("check")
            return True, "stub", {}

        if dropped == "before":
            del kube.objects[(NS, NAME)]["metadata"]["annotations"][specs.MODE_ANNOTATION]
            check = lambda percent: (True, "stub", {})  # noqa: E731
        events, since = [], len(kube.calls)
        reg.record_event = lambda *a: events.append(a)
        with pytest.raises(ConfigError, match="CTLOOP_KSERVE_NAMESPACE: .*got 'Red_Hat'") as caught:
            release.analyze(reg, isvcs, model_name="credit", version="2", cfg=cfg, deploy_action=state.action,
                            canary_revision=state.latest_revision, stable_revision=state.previous_revision,
                            check=check)  # fmt: skip
        named = f"InferenceService {NS}/{NAME} has no serving.kserve.io/deploymentMode annotation"
        if dropped == "before":
            assert [c for c in kube.calls[since:] if c[0] != "GET"] == [] and events == []
            assert not isinstance(caught.value, ServingBadInput) and named in str(caught.value)
            return
        assert isinstance(caught.value, ServingBadInput)  # release.bad_input_exits: exit 2
        line = str(caught.value)
        assert line.startswith(
            "canary of v2 left at 25 % by this step (moved from 5 %), undecided: "
        ), line
        assert named in line and line.endswith(
            "; roll back by hand once CTLOOP_KSERVE_NAMESPACE is fixed (ctloop rollout rollback)"
        )
        assert [e[2]["event"] for e in events] == ["traffic", "analysis"], events
        assert {k: events[-1][2][k] for k in ("decision", "percent", "reason")} == {
            "decision": "refused",
            "percent": 25,
            "reason": line,
        }
        # rollout status reads the analysis records: the refusal is the last decision (review r20)
        records = [{"event": "analysis", "decision": "promote", "version": "1", "inference_service": NAME,
                    "namespace": NS}, {**events[-1][2], "version": "2", "inference_service": NAME, "namespace": NS}]
        assert release.last_decision(records, NAME, NS)["decided"] == "refused"
        assert kube.traffic(NS, NAME)[state.latest_revision] == 25


@pytest.mark.parametrize(
    ("name", "change", "line"),
    [
        (
            "deploy_canary",
            {"rollout": {"namespace": NS}},
            "error: rollout.inference_service and rollout.namespace are required to deploy, e.g. "
            "rollout: {inference_service: credit-default, namespace: ctloop}\n",
        ),
        (
            "rollback_model",
            {"failed_version": "v2"},
            "error: --failed-version / failed_version 'v2': ",
        ),
        ("rollback_model", {"to_version": "abc"}, "error: --to-version / to_version 'abc': "),
    ],
)
def test_bad_input_found_after_the_rollout_section_is_one_line_and_exit_2(
    name, change, line, registered, tmp_path, monkeypatch, capsys
):
    # on main release._target's and release._checked_versions' ConfigError escaped the component:
    # a traceback, exit status 1 (release.bad_input_exits now wraps each rollout step)
    from tests.doubles.kube_api import write_kubeconfig
    from tests.serving.test_rollout_components import MODEL

    uri, registry = registered
    monkeypatch.delenv(specs.KSERVE_NAMESPACE_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", kube.url))
        func, kwargs = _component(name)
        records = registry.audit_log(MODEL)
        with pytest.raises(SystemExit) as caught:
            func.python_func(**{**kwargs, "model_name": MODEL, **change}, tracking_uri=uri)
        err = capsys.readouterr().err
        assert caught.value.code == 2 and err.startswith(line) and err.count("\n") == 1, err
        assert err.endswith("nothing written\n") or name == "deploy_canary", err
        assert kube.calls == [] and registry.audit_log(MODEL) == records


def test_a_staging_resumed_on_a_legacy_annotation_is_refused_before_waiting_for_its_revision(
    monkeypatch,
):
    # the step's pod went away while it waited for the staged v3's revision at 0 %: resumed, the
    # revision still starting (here: never ready), the legacy annotation refuses the move at once.
    # On main _from_zero checked it only after _wait_split(0 %): the resume waited the whole
    # timeout for a revision, then failed on the wait instead of the annotation. Asserted by the
    # waits made (none), not by wall time (2 shared cores)
    import dataclasses

    from tests.serving.test_fix46g_staged_retry import Killed

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _parked(kube)
        kube.stall_revisions("gs://models/v3")
        real = rollout._wait_split

        def killed(*args, **kwargs):
            raise Killed()

        monkeypatch.setattr(rollout, "_wait_split", killed)
        with pytest.raises(Killed):
            release.deploy(reg, isvcs, model_name="credit", version="3", cfg=cfg)
        monkeypatch.setattr(rollout, "_wait_split", real)
        staged = kube.objects[(NS, NAME)]
        assert staged["spec"]["predictor"]["model"]["storageUri"] == "gs://models/v3"
        assert specs.STAGED_ANNOTATION in staged["metadata"]["annotations"]
        staged["metadata"]["annotations"][specs.MODE_ANNOTATION] = "Serverless"
        since = len(kube.calls)
        waited = []

        def no_wait(*args, **kwargs):  # a wait for the revision here is the bug: fail at once
            waited.append(args[1:])
            raise AssertionError(f"waited for {args[1:]}")

        monkeypatch.setattr(rollout, "_wait_split", no_wait)
        with pytest.raises(ServingChangedOutside, match=r"'Serverless'.*moving v3 to \d+ %"):
            release.deploy(
                reg,
                isvcs,
                model_name="credit",
                version="3",
                cfg=dataclasses.replace(cfg, timeout_seconds=30),
            )
        assert waited == []
        assert [c for c in kube.calls[since:] if c[0] != "GET"] == []


def test_a_rollback_meeting_the_bad_variable_after_its_pin_back_says_so(monkeypatch):
    # rollout._rollback_until: the variable's ConfigError once the rollback wrote (a fresh read
    # after a hold, the annotation removed meanwhile) escaped past the handler that names the
    # writes. The restart is a double here: a _rollback that records its pin-back, then meets what
    # rollout._check_mode raises (the real one, on the double's service with no annotation)
    from ctloop.errors import ConfigError, ServingBadInput

    real, calls = rollout._rollback, []

    def pinned_then_read_again(isvcs, name, *, done, **kwargs):
        calls.append(name)
        done.append("pin")
        rollout._check_mode(isvcs, isvcs.get(name))
        return real(isvcs, name, done=done, **kwargs)

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = _deployed(kube)
        del kube.objects[(NS, NAME)]["metadata"]["annotations"][specs.MODE_ANNOTATION]
        monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
        monkeypatch.setattr(rollout, "_rollback", pinned_then_read_again)
        with pytest.raises(ConfigError) as caught:
            rollout.rollback(isvcs, NAME, version="1", storage_uri="gs://models/v1", timeout_s=4)
    assert isinstance(caught.value, ServingBadInput) and calls == [
        NAME
    ]  # release.bad_input_exits: exit 2
    assert str(caught.value).endswith(
        f"InferenceService {NS}/{NAME} has no serving.kserve.io/deploymentMode annotation, so the cluster's "
        "default is read from KServe's ConfigMap where it says (written by this rollback before the error: "
        "its canary pinned to 0 %)"
    ), caught.value


def test_a_failed_read_of_the_service_says_the_variable_was_not_judged(monkeypatch, capsys):
    # release.kserve_namespace_or_exit: the one GET failed; on main the warning said the variable was
    # ignored as "read only for an InferenceService with no ... annotation", which nobody had read
    from ctloop.config import RolloutConfig
    from ctloop.errors import ServingUnreachable

    class Unreadable:  # a double of InferenceServices whose read fails
        def get(self, name):
            raise ServingUnreachable("the Kubernetes API server did not answer: connection refused")

    monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
    cfg = RolloutConfig.from_dict({"inference_service": NAME, "namespace": NS})
    release.kserve_namespace_or_exit(Unreadable(), cfg)
    assert capsys.readouterr().err == (
        f"ctloop: WARNING: {_BAD_VARIABLE}; could not read InferenceService {NS}/{NAME} to tell whether it "
        "needs it (the Kubernetes API server did not answer: connection refused)\n"
    )

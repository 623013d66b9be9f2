"""KServe 0.20 cluster path, round 57: what round 56 left, and an outside engineer's edits.

* A failed deploy whose automatic rollback meets bad input (``CTLOOP_KSERVE_NAMESPACE`` read only
  because the service's mode annotation went away while the deploy waited) is one line, exit 2,
  still saying the deploy failed (``release.deploy``); so is a rollback with no champion whose
  pin-out of the failed canary meets it (``release._pin_out_then_raise``).
* ``ctloop rollout ...`` judges a bad ``CTLOOP_KSERVE_NAMESPACE`` per service, as the components
  do, with the same code (``release.check_kserve_namespace``).
* A ``kubectl annotate``/``label`` of the service during a canary check, not reconciled yet (no
  new ``metadata.generation``, the status still naming the revision judged), stops the walk before
  it moves the canary (``rollout.check_unchanged``, ``isvc.revision_metadata``), and the same edit
  after the analysis stops ``promote_model`` (the analysis record's ``revision_metadata``).

The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble (a double), whose controller
follows KServe v0.20.0 and Knative Serving 1.21.1 (its module docstring names the files).
"""

from __future__ import annotations

import json

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import release
from tests.doubles.kube_api import KubeApiDouble, write_kubeconfig
from tests.helpers import run_main
from tests.serving.test_fix38b_release_deploy_rollback import NAME, NS, _v1_deployed
from tests.serving.test_r56_cluster import _BAD_VARIABLE, _REFUSED, _WARNED, _deployed
from tests.serving.test_r57_cluster_fix import _annotation_removed_by_the_deploy, _kserve_config


def test_a_failed_deploy_whose_rollback_meets_a_bad_variable_is_one_line_and_exit_2(
    monkeypatch, capsys
):
    # v2's revision fails (the model does not load) while someone removes the service's mode
    # annotation: the rollback's rollout._check_mode then reads the cluster's default where
    # CTLOOP_KSERVE_NAMESPACE says. Seen failing on main: release.deploy wrapped that ConfigError
    # in a ServingError ("rolling back to v1 failed too"), which bad_input_exits does not take:
    # a traceback and exit status 1
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        kube.fail_revisions("gs://models/v2")
        writes = []
        reg.record_event = lambda *a: writes.append(("event", a))
        reg.set_tags = lambda *a: writes.append(("tags", a))
        _annotation_removed_by_the_deploy(kube, isvcs)
        monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
        since = len(kube.calls)
        with pytest.raises(SystemExit) as caught, release.bad_input_exits():
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)
        err = capsys.readouterr().err
        assert caught.value.code == 2 and err.count("\n") == 1, err
        assert err.startswith(
            "error: deploying credit v2 to credit failed (InferenceService ml/credit: canary revision "
            'ready with 5 % traffic will not be reached: Revision "credit-predictor-00002" failed'
        ), err
        assert err.endswith(
            f"; its rollback to v1 was refused: {_BAD_VARIABLE}: InferenceService ml/credit has no "
            "serving.kserve.io/deploymentMode annotation, so the cluster's default is read from "
            "KServe's ConfigMap where it says; recorded (audit: rollback refused); traffic is on "
            "credit-predictor-00001 (100 %) now, but the spec still gives v2 5 % (its revision takes "
            "that share if it becomes ready; ctloop rollout status): fix that, then roll back "
            "(ctloop rollout rollback --model-name credit --failed-version 2 --isvc credit "
            "--namespace ml)\n"
        ), err
        # the deploy's own patch only: the bad input wrote nothing to the cluster; the registry
        # holds the failure (round 57 fix: it used to hold nothing)
        assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == ["PATCH"]
        # tagged rollback_refused without a run id too (round 58: was the event alone)
        assert [(w[0], w[1][2].get("action")) for w in writes] == [
            ("tags", None),
            ("event", "refused"),
        ], writes
        assert writes[0][1][2]["ctloop.rollout.status"] == release.ROLLBACK_REFUSED, writes
        assert kube.traffic(NS, NAME) == {"credit-predictor-00001": 100}


def _cli(kube, tmp_path, monkeypatch, capsys, *argv):
    monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", kube.url))
    return run_main(["rollout", *argv, "--isvc", NAME, "--namespace", NS], capsys, 30)


@pytest.mark.parametrize("annotated", [True, False], ids=["annotated", "no-annotation"])
def test_the_cli_judges_a_bad_kserve_namespace_variable_by_the_service(
    annotated, tmp_path, monkeypatch, capsys
):
    # seen failing on main: cli/rollout.py _isvcs refused the variable for every service (an
    # annotated one, whose mode the variable never decides, could not be moved by hand), while the
    # components read the service and refuse only one with no mode annotation
    with KubeApiDouble(ready_after_reads=1) as kube:
        _deployed(kube, "1", "2", percent=10)
        if not annotated:
            del kube.objects[(NS, NAME)]["metadata"]["annotations"][specs.MODE_ANNOTATION]
        monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
        frozen, since = json.dumps(kube.objects[(NS, NAME)], sort_keys=True), len(kube.calls)
        code, out, err = _cli(kube, tmp_path, monkeypatch, capsys, "canary", "--percent", "25")
        if annotated:
            assert (code, err) == (0, _WARNED) and out.startswith("traffic now "), (code, out, err)
            assert 25 in kube.traffic(NS, NAME).values()
            return
        assert (code, out, err) == (2, "", _REFUSED.replace("ml/credit", f"{NS}/{NAME}"))
        assert [c[0] for c in kube.calls[since:]] == ["GET"]
        assert json.dumps(kube.objects[(NS, NAME)], sort_keys=True) == frozen


def _canary_at_10(kube):
    """v1 serving, the KServe v0.20.0 chart's ConfigMap (its default lists, read by the walk), and
    version 2 deployed as a canary on the plan [10, 50]: (isvcs, registry, cfg, deploy state)."""
    from ctloop.config import RolloutConfig

    _kserve_config(kube)
    isvcs, _, reg = _v1_deployed(kube)
    cfg = RolloutConfig(
        inference_service=NAME, namespace=NS, timeout_seconds=4, traffic_plan=[10, 50]
    )
    state = release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)[0]
    return isvcs, reg, cfg, state


@pytest.mark.parametrize(
    ("edit", "held"),
    [
        ({"annotations": {"example.com/owner": "team-a"}}, "annotation example.com/owner added"),
        ({"labels": {"example.com/team": "risk"}}, "label example.com/team added"),
        ({"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}}, ""),
    ],
    ids=["annotation", "label", "not-in-the-template"],
)
def test_a_hand_edit_kserve_has_not_reconciled_stops_the_walk_before_it_moves(edit, held):
    # `kubectl annotate` / `kubectl label` of the InferenceService during a check: KServe v0.20.0
    # copies every annotation but ServiceAnnotationDisallowedList (pkg/constants/constants.go) and
    # every label but RevisionTemplateLabelDisallowedList into the revision template
    # (components/predictor.go buildObjectMeta, reconcilers/knative/ksvc_reconciler.go
    # createKnativeService), so a new revision comes — but the API server moves no
    # metadata.generation for a custom resource's metadata, and until KServe reconciles, the status
    # still names the revision judged. Seen failing on main: the walk moved the canary to 50 %,
    # that share went to the new revision nobody judged, and only then held. An annotation that
    # stays out of the template changes nothing: the walk goes on
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, state = _canary_at_10(kube)
        edited = []

        def check(percent):
            if percent == 10:
                kube.lag_reconcile(2)  # the controller reconciles it two reads later
                isvcs.patch(NAME, {"metadata": edit})  # by hand
                edited.append(len(kube.calls))
            return True, f"stub at {percent} %", {}

        result = release.analyze(
            reg, isvcs, model_name="credit", version="2", cfg=cfg, deploy_action=state.action,
            canary_revision=state.latest_revision, stable_revision=state.previous_revision,
            check=check,
        )  # fmt: skip
        writes = [c[0] for c in kube.calls[edited[0] :] if c[0] != "GET"]
        if not held:
            assert result.decision == "promote" and writes == ["PATCH"], (result, writes)
            return
        assert result.decision == "hold" and writes == [], (result, writes)
        assert (
            f"was changed outside this rollout: {held} since the walk first read it"
            in result.reason
        )
        assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 10


def test_the_walk_and_the_double_take_the_same_lists_from_kserve():
    # src/ctloop/serving/isvc.py and tests/doubles/kube_api.py each derive them from KServe v0.20.0
    # (pkg/constants/constants.go, reconcilers/knative/ksvc_reconciler.go managedKsvcAnnotations)
    from tests.doubles import kube_api

    assert set(specs.ANNOTATIONS_NOT_IN_REVISION) == set(
        kube_api.SERVICE_ANNOTATION_DISALLOWED
    ) | set(kube_api.KSVC_ANNOTATIONS)
    assert set(specs.LABELS_NOT_IN_REVISION) == set(kube_api.SERVICE_LABEL_DISALLOWED)


@pytest.mark.parametrize(
    "edit",
    [
        {"annotations": {"example.com/owner": "team-a"}},
        {"labels": {"networking.knative.dev/visibility": "x"}},
    ],
    ids=["annotation", "not-in-the-template"],
)
def test_a_hand_annotation_after_the_analysis_is_not_promoted(edit):
    # the same edit between analyze_canary and promote_model, before KServe reconciled it: the
    # spec's metadata.generation and latestCreatedRevision are the ones the analysis recorded.
    # Seen failing on main: promote_model's patch gave the new revision (credit-predictor-00003),
    # which nobody judged, 100 %. The analysis record now keeps the digest of the annotations and
    # labels it judged (revision_metadata); the promotion compares it. A label KServe keeps out of
    # the template (RevisionTemplateLabelDisallowedList) makes no revision: promoted
    from types import SimpleNamespace

    from ctloop.errors import ServingChangedOutside

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, state = _canary_at_10(kube)
        events = []
        reg.record_event = lambda m, v, e: events.append({**e, "version": str(v)})
        reg.run_events = lambda m, run: [e for e in events if e.get("pipeline_run") == run]
        reg.promote = lambda m, v, **k: SimpleNamespace(version="1")
        result = release.analyze(
            reg, isvcs, model_name="credit", version="2", cfg=cfg, deploy_action=state.action,
            canary_revision=state.latest_revision, stable_revision=state.previous_revision,
            run_id="run-1", check=lambda percent: (True, "stub", {}),
        )  # fmt: skip
        assert result.decision == "promote", result
        recorded = events[-1].get("revision_metadata") or {}
        kube.lag_reconcile(2)
        isvcs.patch(NAME, {"metadata": edit})  # by hand
        since = len(kube.calls)
        promote = lambda: release.promote(  # noqa: E731
            reg, isvcs, model_name="credit", version="2", reason="passed", cfg=cfg, run_id="run-1"
        )
        if "labels" in edit:
            promote()
            assert kube.traffic(NS, NAME) == {state.latest_revision: 100}
            return
        with pytest.raises(ServingChangedOutside, match="its annotations or labels that reach"):
            promote()
        assert [c for c in kube.calls[since:] if c[0] != "GET"] == []
        assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 50
        # the map judged itself (round 57 fix: was its sha256, which named no key)
        assert "example.com/owner" not in recorded["annotations"], events[-1]


def test_a_pin_out_meeting_a_bad_variable_is_one_line_and_exit_2(monkeypatch, capsys):
    # rollback_model with no champion pins the failed canary to 0 % (release._pin_out_then_raise);
    # the mode annotation removed right after its read, set_traffic's read meets the variable.
    # Seen failing on main: the ConfigError was wrapped in a RegistryError, which bad_input_exits
    # does not take (a traceback, exit status 1)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)
        reg.champ = None  # the champion's registry version deleted: nothing to roll back to
        real_get, reads = isvcs.get, []

        def get(name):
            obj = real_get(name)
            reads.append(name)
            if len(reads) == 1:  # by hand, right after the first read
                kube.objects[(NS, NAME)]["metadata"]["annotations"].pop(specs.MODE_ANNOTATION)
            return obj

        isvcs.get = get
        monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
        since = len(kube.calls)
        with pytest.raises(SystemExit) as caught, release.bad_input_exits():
            release.rollback(
                reg, isvcs, model_name="credit", failed_version="2", reason="bad", cfg=cfg
            )
        err = capsys.readouterr().err
        assert caught.value.code == 2 and err.count("\n") == 1, err
        assert err.startswith("error: credit has no champion to roll back to: pass to_version; ")
        assert f"canary to 0 % was refused: {_BAD_VARIABLE}: InferenceService ml/credit" in err
        assert [c for c in kube.calls[since:] if c[0] != "GET"] == []

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

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import RegistryGone
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
        isvcs, _, reg = _v1_deployed(kube)
        cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=1)
        kube.stall_revisions("gs://models/v2")
        writes = _recording(reg)
        _annotation_removed_by_the_deploy(kube, isvcs)
        monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
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
        assert tags == ("tags", "2", {TAG_ROLLOUT_NOT_READY: "run-7"}), writes
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
        assert [w[0] for w in writes] == ["event"], writes

"""KServe 0.20 cluster path, round 59: leftovers of round 58 and adversarial states.

* A refused rollback (``release._rollback_refused``) is recorded once per pipeline run: Argo's
  retry of the step (``rollback_model``'s maxRetryCount 2; exit 2 is a failure to it) found the
  version tagged ``rollback_refused`` for the run with the same reason and wrote nothing more. The
  tags are written before the audit record, so when MLflow refused the record the first time the
  retry found the tags, said "recorded by an earlier attempt" and the record was never written:
  ``ctloop rollout status`` showed the analysis' "rollback" as the last decision. The retry now
  looks for the record itself (``registry.run_events``) and writes it when it is missing. So does
  a ``deploy_canary`` retry refused for this run's not-ready tag, whose rollback's record MLflow
  refused ("traffic is back on v1, but recording it failed"): it was never written.
* A failed deploy (its revision not ready in time) whose rollback met a change made outside
  the rollout — the InferenceService deleted while the rollback waited (404: ``kube.wait_for``
  ``ServingChangedOutside``), a hand patch of ``canaryTrafficPercent`` — was "rolling back ...
  failed too", with nothing recorded on the version: Argo's retry of the step in the same run
  (any ``KFP_RETRY_INDEX``: an automatic retry, or a DAG retry of ``templateDefaults``, which starts
  at 0 again) then deployed the failed model over that change — a deleted service created again
  serving v2 at 100 %. It is held now, as a deploy that meets such a change while it waits
  (``ctloop.rollout.held``, a ``deploy_held`` record): every later attempt of the run refuses.
* A revision whose ``Ready`` stayed Unknown past ``timeout_seconds`` failed the deploy with a line
  naming ``latestCreated``, ``latestReady`` and the traffic only: the reason is on the Knative
  Revision alone. The line names the Revision's ``Ready`` condition now.

The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble (a double whose controller follows
KServe v0.20.0 and Knative Serving 1.21.1); the registries are named in each test.
"""

from __future__ import annotations

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import release
from tests.serving.r59_release_support import refusing_first_record, stalled_v2
from tests.serving.test_rollout_components import NS


def test_a_refused_rollback_whose_audit_record_failed_is_recorded_by_the_retry(monkeypatch, capsys):
    # rollback_model's call (release.rollback, record_refusal=True) refused for a bad
    # CTLOOP_KSERVE_NAMESPACE; MLflow refuses the first attempt's audit record (a 503 of the tracking
    # server). Seen failing on main: the retry said "recorded by an earlier attempt" and no refused
    # record was ever written. The registry is the release tests' double with v2's tags and the records
    # kept, run_events reading them back by pipeline run as MlflowRegistry.run_events does (the real
    # store's round trip of a record: tests/integration/test_r38_registry_retried_event.py,
    # test_r51_fix_h2_challenger_record.py)
    from ctloop.config import RolloutConfig
    from tests.doubles.kube_api import KubeApiDouble
    from tests.serving.test_fix38b_release_deploy_rollback import NAME, _v1_deployed
    from tests.serving.test_r58_fixcl import _kept

    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, _, reg = _v1_deployed(kube)
        cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=4)
        release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)  # v2 a canary at 5 %
        tags, records = _kept(reg)
        reg.run_events = lambda m, run: [r for r in records if r.get("pipeline_run") == run]
        kube.objects[(NS, NAME)]["metadata"]["annotations"].pop(specs.MODE_ANNOTATION, None)
        monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
        refused: list[str] = []
        refusing_first_record(reg, refused, lambda event: event.get("action") == "refused")

        def attempt(index: str) -> str:
            monkeypatch.setenv(release.RETRY_INDEX_ENV, index)
            with pytest.raises(SystemExit) as stopped, release.bad_input_exits():
                release.rollback(reg, isvcs, model_name="credit", failed_version="2", reason="error rate 3 %",
                                 cfg=cfg, run_id="run-9", record_refusal=True)
            assert stopped.value.code == 2
            return capsys.readouterr().err

        first = attempt("0")
        assert refused == ["2"] and "recording it failed" in first, first
        assert records == [] and tags["ctloop.rollout.status"] == "rollback_refused"
        second = attempt("1")
        assert "recorded by an earlier attempt" not in second and "audit: rollback refused" in second, second
        assert [(r["pipeline_run"], r["reason"]) for r in records if r.get("action") == "refused"] == [
            ("run-9", "error rate 3 %")
        ]
        last = release.last_decision(records, NAME, NS)
        assert last is not None and last["decided"] == "rollback refused", last
        # recorded once: the attempt after it writes nothing more
        third = attempt("2")
        assert "recorded by an earlier attempt of this run (run-9" in third, third
        assert len([r for r in records if r.get("action") == "refused"]) == 1
        assert kube.objects[(NS, NAME)]["spec"]["predictor"]["model"]["storageUri"] == "gs://models/v2"


def test_a_failed_deploy_whose_rollback_met_a_deletion_is_held_and_its_retry_recreates_nothing(monkeypatch):
    # v2's revision is not ready within the 0.3 s timeout; the rollback pins it back and, while it
    # waits for the traffic, the InferenceService is deleted (kubectl delete isvc: whoever deleted
    # it decides). The registry is the release tests' double (tests/serving/
    # test_fix38b_release_deploy_rollback.py) with v2's tags and the records kept. Seen failing on
    # main: "rolling back to v1 failed too", nothing recorded, and Argo's retry of the step (index 1;
    # 0 and unset too) created the service again, serving v2 at 100 %
    from ctloop.errors import ServingChangedOutside
    from ctloop.registry import TAG_ROLLOUT_HELD
    from tests.doubles.kube_api import KubeApiDouble
    from tests.serving.test_fix38b_release_deploy_rollback import NAME
    from tests.serving.test_r58_fixcl import _kept

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept)
        real_patch = isvcs.patch

        def patch(name, body):  # the pin-back lands, then the service is deleted
            out = real_patch(name, body)
            if body["spec"]["predictor"].get("canaryTrafficPercent") == 0:
                del kube.objects[(NS, NAME)]
            return out

        isvcs.patch = patch
        with pytest.raises(ServingChangedOutside) as held:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        said = str(held.value)
        assert "deploying credit v2 to credit failed" in said and "was deleted" in said, said
        assert "whoever changed it decides" in said, said
        assert tags[TAG_ROLLOUT_HELD] == "run-a"
        last = release.last_decision(records, NAME, NS)
        assert last is not None and last["decided"] == "deploy held", last
        isvcs.patch = real_patch
        for index in ("1", "0"):  # Argo's retry of the step; a templateDefaults DAG retry starts at 0
            monkeypatch.setenv(release.RETRY_INDEX_ENV, index)
            since = len(kube.calls)
            with pytest.raises(ServingChangedOutside, match="nothing written"):
                release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
            assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []
            assert (NS, NAME) not in kube.objects


def test_a_readiness_timeout_names_the_revisions_ready_condition():
    # A revision whose Ready stays Unknown (an image pull or a model download that outlasts the
    # step's timeout): Knative Serving 1.21.1 keeps the reason on the Revision alone — its
    # Configuration marks Ready Unknown with no reason nor message (pkg/apis/serving/v1/
    # configuration_lifecycle.go SetLatestCreatedRevisionName), which the Knative Service and KServe
    # v0.20.0 copy as they are (service_lifecycle.go PropagateConfigurationStatus,
    # inference_service_status.go PropagateStatus/SetCondition), while the Revision says Ready Unknown,
    # Deploying (pkg/reconciler/revision/reconcile_resources.go reconcileDeployment). Seen failing on
    # main: the timeout named latestCreated, latestReady and traffic only, so the line gave no reason
    # and sent the reader to kubectl. The registry is the release tests' double
    from ctloop.errors import ServingError
    from tests.doubles.kube_api import KubeApiDouble
    from tests.serving.test_fix38b_release_deploy_rollback import NAME

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, _, _ = stalled_v2(kube)
        with pytest.raises(ServingError) as failed:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)
        said = str(failed.value)
        assert "not reached within" in said and "traffic is back on v1" in said, said
        assert (
            f"its Revision {NAME}-predictor-00002: Ready Unknown: Deploying (kubectl describe revision "
            f"{NAME}-predictor-00002 -n {NS})"
        ) in said, said


def test_a_not_ready_deploys_rollback_whose_record_failed_is_recorded_by_the_refused_retry(monkeypatch):
    # The same order as a refused rollback's: _record_rollback tags the version (rolled_back, and
    # ctloop.rollout.not_ready for the run) before it writes the audit record. MLflow refused that
    # record (a 503): the step said "traffic is back on v1, but recording it failed", and Argo's
    # retry was refused for the not-ready tag, writing nothing: the rollback's record was never
    # written (seen failing on main). The registry is the release tests' double with v2's tags and
    # the records kept (run_events reads them back)
    from ctloop.errors import ServingError
    from tests.doubles.kube_api import KubeApiDouble
    from tests.serving.test_fix38b_release_deploy_rollback import NAME
    from tests.serving.test_r59_fixcl import _kept_with_runs

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept_with_runs)
        refused: list[str] = []
        refusing_first_record(reg, refused, lambda event: event.get("event") == "rollback")
        with pytest.raises(ServingError, match="traffic is back on v1, but recording it failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert records == [] and tags["ctloop.rollout.not_ready"] == "run-a"
        for index in ("1", "2"):
            monkeypatch.setenv(release.RETRY_INDEX_ENV, index)
            since = len(kube.calls)
            with pytest.raises(ServingError, match="refused") as again:
                release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
            assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []  # serving untouched
            said = str(again.value)
            assert ("the rollback's audit record" in said) == (index == "1"), said
        rollbacks = [r for r in records if r["event"] == "rollback"]
        assert len(rollbacks) == 1, records
        assert rollbacks[0]["pipeline_run"] == "run-a" and rollbacks[0]["to_version"] == "1"
        assert rollbacks[0]["reason"].startswith("deploy failed: InferenceService ml/credit"), rollbacks
        last = release.last_decision(records, NAME, NS)
        assert last is not None and last["decided"] == "rolled back to v1", last

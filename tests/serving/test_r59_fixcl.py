"""Review of round 59's cluster branch: what its fixes still lost.

* A retry refused for the run's not-ready tag writes the rollback record an earlier attempt failed
  to write only when the run has no record of that rollback. It counted any ``rollback`` record of
  the version: a refused one (round 57's bad ``CTLOOP_KSERVE_NAMESPACE``) stood for the rollback a
  later attempt completed, whose record MLflow refused — traffic back on v1, the last decision
  "rollback refused" for good. A record counts now only for the same action (completed, held) and
  reason: one lookup (``release._rollback_recorded``) for refusals and completed rollbacks.
* A failed deploy whose rollback met a change made outside the rollout (the service deleted, a hand
  patch of ``canaryTrafficPercent``) was held with ``ctloop.rollout.held`` only: alias
  ``challenger`` stayed on the version whose deploy failed and its status said nothing. Now tagged
  ``rollback_held`` with the reason and the alias taken off it (``challenger_alias`` in the
  ``deploy_held`` record), as a held rollback's; so is a refused rollback that Argo's retry of the
  step completes and that meets such a change (was: a bare "was deleted while waiting" error, no
  record, and the next retry failed on "does not exist").
* A held rollback whose record failed, retried while another model holds the spec, is refused
  before the not-ready branch: that refusal writes the missing record now.
* A readiness timeout of 0.3 s said "within 0 s".

The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble (its controller follows KServe
v0.20.0 and Knative Serving 1.21.1); the registry is the release tests' double
(tests/serving/test_fix38b_release_deploy_rollback.py) with v2's tags and the audit records kept
(tests/serving/test_r58_fixcl.py ``_kept``), ``run_events`` reading the records back as
``MlflowRegistry.run_events`` does (by ``pipeline_run``).
"""

from __future__ import annotations

import pytest

from ctloop.errors import RegistryError, ServingChangedOutside, ServingError
from ctloop.registry import TAG_ROLLOUT_HELD, TAG_ROLLOUT_STATUS
from ctloop.serving import isvc as specs
from ctloop.serving import release
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.r59_release_support import stalled_v2
from tests.serving.test_fix38b_release_deploy_rollback import NAME
from tests.serving.test_r57_cluster_fix import _stalled_v2_bad_variable
from tests.serving.test_r58_fixcl import _kept
from tests.serving.test_rollout_components import NS


def _kept_with_runs(reg):
    tags, records = _kept(reg)
    reg.run_events = lambda m, run: [r for r in records if r.get("pipeline_run") == run]
    return tags, records


def _failing_rollback_records(reg, kept):
    def record_event(m, v, event):
        if event.get("event") == "rollback":
            raise RegistryError("cannot write the audit record: 503 Service Unavailable")
        kept(m, v, event)

    return record_event


def _dropping(reg) -> list[str]:
    dropped: list[str] = []
    reg.drop_challenger = lambda m, v, rolled_back_before=None: dropped.append(str(v)) or "removed"
    return dropped


def test_a_completed_rollbacks_lost_record_is_written_although_the_run_has_a_refused_one(monkeypatch):
    # (1) v2 not ready, its rollback refused for a bad CTLOOP_KSERVE_NAMESPACE: a refused record.
    # (2) the variable fixed, Argo's retry 1 completes the rollback; MLflow refuses its record.
    # (3) retry 2 is refused for the not-ready tag and must write the completed rollback's record.
    # Seen failing before: the refused record counted as it, "nothing written", last decision
    # "rollback refused" although traffic was back on v1
    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg = _stalled_v2_bad_variable(kube, monkeypatch)
        tags, records = _kept_with_runs(reg)
        with pytest.raises(SystemExit), release.bad_input_exits():
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert [r.get("action") for r in records if r["event"] == "rollback"] == ["refused"], records
        monkeypatch.delenv(specs.KSERVE_NAMESPACE_ENV)
        kept = reg.record_event
        reg.record_event = _failing_rollback_records(reg, kept)
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        with pytest.raises(ServingError, match="this retry rolled it back to v1, but recording it failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        reg.record_event = kept
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "2")
        with pytest.raises(ServingError, match="refused") as again:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert "the rollback's audit record, which that attempt failed to write, written now" in str(again.value)
        assert [r.get("action") for r in records if r["event"] == "rollback"] == ["refused", "rolled_back"]
        last = release.last_decision(records, NAME, NS)
        assert last is not None and last["decided"] == "rolled back to v1", last
        # written once: the next attempt finds it
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "3")
        with pytest.raises(ServingError, match="nothing written"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert len([r for r in records if r["event"] == "rollback"]) == 2


def test_a_held_rollback_is_not_counted_as_the_completed_one_nor_a_completed_one_as_held():
    # the match rule itself: the action (refused, held, completed) and the reason as a tag keeps it
    records = [
        {"event": "rollback", "version": "2", "action": "refused", "reason": "deploy failed: x", "pipeline_run": "r"},
        {"event": "rollback", "version": "2", "action": "held", "reason": "deploy failed: y", "pipeline_run": "r"},
        {"event": "rollback", "version": "2", "action": "rolled_back", "reason": "z" * 6000, "pipeline_run": "r"},
    ]

    class Reg:
        def run_events(self, m, run):
            return [r for r in records if r["pipeline_run"] == run]

    def found(action, reason, version="2", run="r"):
        return release._rollback_recorded(Reg(), "credit", version, run, action=action, reason=reason)

    assert found("refused", "deploy failed: x") and not found("refused", "deploy failed: y")
    assert found("held", "deploy failed: y") and not found("held", "deploy failed: x")
    assert not found("rolled_back", "deploy failed: x") and not found("rolled_back", "deploy failed: y")
    assert found("rolled_back", "z" * 7000)  # cut at the tag limit, as MLflow keeps it
    assert not found("refused", "deploy failed: x", version="3") and not found("refused", "deploy failed: x", run="s")
    assert not release._rollback_recorded(object(), "credit", "2", "r", action="refused", reason="x")


def _rollback_meets(kube, isvcs, change):
    real_patch = isvcs.patch

    def patch(name, body):  # the pin-back lands, then the change made outside
        out = real_patch(name, body)
        if body["spec"]["predictor"].get("canaryTrafficPercent") == 0:
            change()
        return out

    isvcs.patch = patch
    return real_patch


def test_a_failed_deploy_whose_rollback_met_a_deletion_takes_challenger_off_and_says_rollback_held(monkeypatch):
    # Seen failing before: held with ctloop.rollout.held only; alias challenger stayed on v2
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept)
        dropped = _dropping(reg)
        _rollback_meets(kube, isvcs, lambda: kube.objects.pop((NS, NAME)))
        with pytest.raises(ServingChangedOutside, match="was deleted") as held:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert dropped == ["2"]
        assert tags[TAG_ROLLOUT_HELD] == "run-a" and tags[TAG_ROLLOUT_STATUS] == "rollback_held", tags
        assert tags["ctloop.rollout.reason"].startswith("deploy failed: InferenceService ml/credit"), tags
        assert tags["ctloop.rollout.pipeline_run"] == "run-a"
        assert [(r["event"], r.get("challenger_alias")) for r in records] == [("deploy_held", "removed")], records
        assert "tagging it failed" not in str(held.value)


def test_a_failed_deploy_whose_rollback_met_a_hand_patch_is_held_and_its_retry_writes_nothing(monkeypatch):
    # docs/serving.md and deploy_canary's docstring: a hand patch of canaryTrafficPercent met by the
    # rollback holds it. An operator sets 50 right after the pin-back: kube.wait_for says the spec
    # was changed outside this rollout; the spec is left as the operator made it
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept)
        dropped = _dropping(reg)

        def hand_patch():
            obj = kube.objects[(NS, NAME)]
            obj["spec"]["predictor"]["canaryTrafficPercent"] = 50
            obj["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1

        real_patch = _rollback_meets(kube, isvcs, hand_patch)
        with pytest.raises(ServingChangedOutside) as held:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        said = str(held.value)
        assert "its rollback to v1 stopped" in said and "canaryTrafficPercent is 50" in said, said
        assert "whoever changed it decides" in said, said
        assert tags[TAG_ROLLOUT_HELD] == "run-a" and tags[TAG_ROLLOUT_STATUS] == "rollback_held", tags
        assert dropped == ["2"]
        last = release.last_decision(records, NAME, NS)
        assert last is not None and last["decided"] == "deploy held", last
        isvcs.patch = real_patch
        for index in ("1", "0"):
            monkeypatch.setenv(release.RETRY_INDEX_ENV, index)
            since = len(kube.calls)
            with pytest.raises(ServingChangedOutside, match="nothing written"):
                release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
            assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []
        predictor = kube.objects[(NS, NAME)]["spec"]["predictor"]
        assert predictor["model"]["storageUri"] == "gs://models/v2" and predictor["canaryTrafficPercent"] == 50


def test_a_held_deploy_retried_while_another_model_holds_the_spec_writes_no_rollback_record(monkeypatch):
    # the hand patch held the deploy (its record: deploy_held, status rollback_held); then another
    # run's v3 takes the spec. Argo's retry is refused for the other model first: the held deploy has
    # no rollback record to write, its deploy_held record says what happened
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept_with_runs)

        def hand_patch():
            kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] = 50

        real_patch = _rollback_meets(kube, isvcs, hand_patch)
        with pytest.raises(ServingChangedOutside):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        isvcs.patch = real_patch
        isvcs.patch(NAME, specs.canary_patch(version="3", storage_uri="gs://models/v3", percent=20))
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        with pytest.raises(ServingError, match="nothing written"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert [r["event"] for r in records] == ["deploy_held"], records


def test_a_completed_refused_rollback_that_meets_a_deletion_is_held(monkeypatch):
    # (1) v2 not ready, its rollback refused (bad variable). (2) fixed; Argo's retry 1 completes the
    # rollback and the service is deleted while it waits. Seen failing before: a bare
    # "InferenceService ml/credit was deleted while waiting ..." (no context, nothing recorded, status
    # rollback_refused) and retry 2 failed on "does not exist"
    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg = _stalled_v2_bad_variable(kube, monkeypatch)
        tags, records = _kept(reg)
        dropped = _dropping(reg)
        with pytest.raises(SystemExit), release.bad_input_exits():
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        monkeypatch.delenv(specs.KSERVE_NAMESPACE_ENV)
        real_patch = _rollback_meets(kube, isvcs, lambda: kube.objects.pop((NS, NAME)))
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        with pytest.raises(ServingChangedOutside) as held:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        said = str(held.value)
        assert said.startswith("deploying credit v2 to credit failed in an earlier attempt of this run (run-a"), said
        assert "was deleted" in said and "whoever changed it decides" in said, said
        assert tags[TAG_ROLLOUT_HELD] == "run-a" and tags[TAG_ROLLOUT_STATUS] == "rollback_held", tags
        assert records[-1]["event"] == "deploy_held" and records[-1]["challenger_alias"] == "removed", records
        assert dropped == ["2", "2"]  # the refusal took it off; so does the held rollback (already off in MLflow)
        isvcs.patch = real_patch
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "2")
        since = len(kube.calls)
        with pytest.raises(ServingChangedOutside, match="nothing written"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == [] and (NS, NAME) not in kube.objects


def test_a_held_rollbacks_lost_record_is_written_by_the_retry_refused_for_the_other_model(monkeypatch):
    # v2 not ready; its rollback is held: another run's v3 canary took the spec before the rollback
    # read it. MLflow refuses the rollback's record. Argo's retry is refused because the spec names
    # another model (before the not-ready branch): seen failing before, the record was never written
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept_with_runs)
        real = release.rollout.rollback

        def another_run_meanwhile(isvcs_, name, **kw):
            isvcs_.patch(name, specs.canary_patch(version="3", storage_uri="gs://models/v3", percent=20))
            return real(isvcs_, name, **kw)

        monkeypatch.setattr(release.rollout, "rollback", another_run_meanwhile)
        kept = reg.record_event
        reg.record_event = _failing_rollback_records(reg, kept)
        with pytest.raises(ServingError, match="recording it failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        monkeypatch.setattr(release.rollout, "rollback", real)
        reg.record_event = kept
        assert tags[TAG_ROLLOUT_STATUS] == "rollback_held" and records == [], (tags, records)
        for index in ("1", "2"):
            monkeypatch.setenv(release.RETRY_INDEX_ENV, index)
            since = len(kube.calls)
            with pytest.raises(ServingError, match="overwrite the model the spec names now") as again:
                release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
            assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []
            assert ("the rollback's audit record" in str(again.value)) == (index == "1"), again.value
        assert [(r["event"], r["action"], r["to_version"]) for r in records] == [("rollback", "held", "1")]
        last = release.last_decision(records, NAME, NS)
        assert last is not None and last["decided"] == "rollback held", last


def test_a_lost_records_retry_says_what_it_wrote_when_the_record_fails_again(monkeypatch):
    # the alias is taken off before the record is written: a record refused again is not "nothing
    # written" (seen failing before)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept_with_runs)
        dropped = _dropping(reg)
        kept = reg.record_event
        reg.record_event = _failing_rollback_records(reg, kept)
        with pytest.raises(ServingError, match="recording it failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        with pytest.raises(ServingError) as again:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        said = str(again.value)
        assert "could not be written" in said and "alias challenger: removed" in said, said
        assert "; nothing written" not in said and "nothing else written" in said, said
        assert dropped == ["2", "2"]


def test_a_readiness_timeout_under_a_second_is_not_said_as_0_s():
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, _, _ = stalled_v2(kube)
        with pytest.raises(ServingError) as failed:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)
        assert "not reached within 0.3 s" in str(failed.value), failed.value


def test_a_retried_runs_second_timeout_whose_record_failed_is_not_taken_for_the_first(monkeypatch):
    # KFP "Retry run" (index 0) clears the not-ready tag and deploys again; the second timeout's
    # rollback record is refused by MLflow; Argo's retry 1 must not take the first attempt's record
    # (another reason: the second deploy's revision) for it
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept_with_runs)
        with pytest.raises(ServingError, match="traffic is back on v1"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        first_reason = tags["ctloop.rollout.reason"]
        kept = reg.record_event
        reg.record_event = _failing_rollback_records(reg, kept)
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "0")
        with pytest.raises(ServingError, match="recording it failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert tags["ctloop.rollout.reason"] != first_reason, tags  # names the second deploy's revision
        reg.record_event = kept
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        with pytest.raises(ServingError, match="written now"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        rollbacks = [r["reason"] for r in records if r["event"] == "rollback"]
        assert rollbacks == [first_reason, tags["ctloop.rollout.reason"]], rollbacks

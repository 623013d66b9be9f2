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

from ctloop.config import RolloutConfig
from ctloop.errors import RegistryError, ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import release
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_fix38b_release_deploy_rollback import NAME, _v1_deployed
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


def test_a_lost_records_retry_says_what_it_wrote_when_the_record_fails_again(monkeypatch):
    # the alias is taken off before the record is written: a record refused again is not "nothing
    # written" (seen failing before)
    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, _, reg = _v1_deployed(kube)
        tags, records = _kept_with_runs(reg)
        dropped = _dropping(reg)
        kept = reg.record_event
        reg.record_event = _failing_rollback_records(reg, kept)
        cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=0.3)
        kube.stall_revisions("gs://models/v2")
        with pytest.raises(ServingError, match="recording it failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        with pytest.raises(ServingError) as again:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        said = str(again.value)
        assert "could not be written" in said and "alias challenger: removed" in said, said
        assert "; nothing written" not in said and "nothing else written" in said, said
        assert dropped == ["2", "2"]

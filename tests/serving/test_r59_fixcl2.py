"""Round 59's second review of the deploy step's release path (src/ctloop/serving/release.py): the
reviewer's probes A-D turned into checks."""
from __future__ import annotations

import pytest

from ctloop.errors import RegistryError, ServingChangedOutside, ServingError
from ctloop.registry import TAG_ROLLOUT_HELD, TAG_ROLLOUT_STATUS
from ctloop.serving import isvc as specs
from ctloop.serving import release
from tests.doubles.kube_api import KubeApiDouble
from tests.fixtures.rollout_store import MODEL, registered  # noqa: F401 - fixture
from tests.serving.r59_release_support import stalled_v2
from tests.serving.test_fix38b_release_deploy_rollback import NAME
from tests.serving.test_r57_cluster_fix import _stalled_v2_bad_variable
from tests.serving.test_r58_fixcl import _kept
from tests.serving.test_r59_fixcl import (
    _dropping,
    _failing_rollback_records,
    _kept_with_runs,
    _rollback_meets,
)
from tests.serving.test_rollout_components import NS


def _refused_once(kube, monkeypatch):
    """v2 not ready, its rollback refused for a bad CTLOOP_KSERVE_NAMESPACE (status rollback_refused),
    the variable fixed afterwards."""
    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    isvcs, reg, cfg = _stalled_v2_bad_variable(kube, monkeypatch)
    tags, records = _kept_with_runs(reg)
    with pytest.raises(SystemExit), release.bad_input_exits():
        release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
    monkeypatch.delenv(specs.KSERVE_NAMESPACE_ENV)
    assert tags[TAG_ROLLOUT_STATUS] == release.ROLLBACK_REFUSED
    return isvcs, reg, cfg, tags, records


def _deleted_then_retried(kube, monkeypatch, index: str):
    """``_refused_once``, then the service deleted before Argo's retry ``index``, which finds it gone."""
    isvcs, reg, cfg, tags, records = _refused_once(kube, monkeypatch)
    kube.objects.pop((NS, NAME))
    monkeypatch.setenv(release.RETRY_INDEX_ENV, index)
    with pytest.raises(ServingChangedOutside, match="does not exist"):
        release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
    return isvcs, reg, cfg, tags, records


def test_held_tag_written_alone_still_refuses_the_next_retry(monkeypatch):
    # M1 (probe A): MlflowRegistry.set_tags writes key by key (registry.py); a 503 after the held tag
    # leaves status rollback_refused. Seen failing before: retry 2 completed the rollback over the hand patch
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = _refused_once(kube, monkeypatch)

        def hand_patch():
            kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] = 50

        real_patch = _rollback_meets(kube, isvcs, hand_patch)
        kept_set = reg.set_tags

        def set_tags(m, v, t):  # key by key; 503 after the first key of the held write
            for i, (k, val) in enumerate(t.items()):
                if TAG_ROLLOUT_HELD in t and i == 1:
                    raise RegistryError("cannot tag credit v2: 503")
                kept_set(m, v, {k: val})

        reg.set_tags = set_tags
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        with pytest.raises(ServingChangedOutside):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert tags[TAG_ROLLOUT_HELD] == "run-a" and tags[TAG_ROLLOUT_STATUS] == release.ROLLBACK_REFUSED
        reg.set_tags = kept_set
        isvcs.patch = real_patch
        before = [dict(r) for r in records]
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "2")
        with pytest.raises(ServingChangedOutside, match="refused: this run"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        predictor = kube.objects[(NS, NAME)]["spec"]["predictor"]
        assert predictor["canaryTrafficPercent"] == 50 and predictor["model"]["storageUri"] == "gs://models/v2"
        assert records == before


def test_service_deleted_before_the_retry_is_held_not_recreated(monkeypatch):
    # M2 (probe B): the service deleted between the refused attempt and Argo's retry. Seen failing
    # before: retries 1 and 2 failed on a bare "does not exist", nothing recorded, retry 0 created it again
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = _deleted_then_retried(kube, monkeypatch, "1")
        assert tags[TAG_ROLLOUT_HELD] == "run-a" and tags[TAG_ROLLOUT_STATUS] == "rollback_held"
        assert [r["event"] for r in records][-1] == "deploy_held"
        for idx in ("2", "0"):
            monkeypatch.setenv(release.RETRY_INDEX_ENV, idx)
            with pytest.raises(ServingChangedOutside, match="refused: this run"):
                release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert (NS, NAME) not in kube.objects


def test_service_deleted_before_a_whole_run_retry_is_not_recreated(monkeypatch):
    # M2: retry index 0 first (a controller's templateDefaults retry, KFP "Retry run") with the
    # rollback refused and the service deleted. Seen failing before: v2 created again at 100 %
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = _deleted_then_retried(kube, monkeypatch, "0")
        assert (NS, NAME) not in kube.objects
        assert tags[TAG_ROLLOUT_HELD] == "run-a"


def test_lost_record_written_although_tagging_last_event_failed_is_not_nothing_written(monkeypatch):
    # L1 (probe C): MlflowRegistry.record_event raises after create_run when tagging ctloop.last_event
    # fails. Seen failing before: "could not be written ... nothing written" with the record there
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept_with_runs, timeout=1)
        reg.drop_challenger = lambda m, v, rolled_back_before=None: "not on v2 (already removed, or never set)"
        kept = reg.record_event
        reg.record_event = _failing_rollback_records(reg, kept)
        with pytest.raises(ServingError, match="recording it failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")

        def written_then_tag_fails(m, v, e):  # MlflowRegistry._tag_last_event's error after create_run
            kept(m, v, e)
            raise RegistryError("the audit record abc of credit v2 is written, but tagging the version "
                                "ctloop.last_event=rollback failed: 503")

        reg.record_event = written_then_tag_fails
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        with pytest.raises(ServingError) as again:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert [r.get("action") for r in records if r["event"] == "rollback"] == ["rolled_back"]
        assert "could not be written" not in str(again.value) and "nothing written" not in str(again.value)
        assert "written now" in str(again.value)


def test_lost_record_alias_removed_then_repointing_failed_counts_as_written(monkeypatch):
    # L1: drop_challenger's "alias 'challenger' removed from v2, but pointing it at a newer version
    # failed" removed the alias. Seen failing before: "nothing written"
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept_with_runs, timeout=1)
        kept = reg.record_event
        reg.record_event = _failing_rollback_records(reg, kept)
        reg.drop_challenger = lambda m, v, rolled_back_before=None: "not on v2 (already removed, or never set)"
        with pytest.raises(ServingError, match="recording it failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")

        def half(m, v, rolled_back_before=None):
            raise RegistryError("alias 'challenger' removed from v2, but pointing it at a newer version failed: 503")

        reg.drop_challenger = half
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        with pytest.raises(ServingError) as again:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert "could not be written" in str(again.value)
        assert "nothing else written" in str(again.value), again.value


def test_held_deploy_keeps_the_alias_when_tagging_failed(monkeypatch):
    # L2 (probe D): without the status tag a concurrent register may point challenger back
    # (_never_challenger reads it). Seen failing before: the alias dropped with no tag written
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept, timeout=1)
        dropped = _dropping(reg)
        _rollback_meets(kube, isvcs, lambda: kube.objects.pop((NS, NAME)))
        kept_set = reg.set_tags

        def set_tags(m, v, t):
            if TAG_ROLLOUT_HELD in t:
                raise RegistryError("cannot tag credit v2: 503")
            kept_set(m, v, t)

        reg.set_tags = set_tags
        with pytest.raises(ServingChangedOutside) as held:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert dropped == []
        assert records[-1]["challenger_alias"] == "not removed: tagging failed"
        assert "alias challenger: not removed" in str(held.value)


def test_every_wait_message_says_its_timeout_as_given():
    # L5: kube.wait_for says "{timeout_s:g} s" (f2ff7f11: 0.3 s was "within 0 s"); rollout's other two
    # timeout messages said it with :.0f. rollout.timeout_seconds is an int >= 1 (config.py), library
    # callers pass floats: all three say it the same way
    import inspect

    from ctloop.serving import kube, rollout

    for module in (kube, rollout):
        source = inspect.getsource(module)
        assert "timeout_s:.0f" not in source and "{timeout_s:g} s" in source, module.__name__


def test_lost_record_names_the_version_the_rollback_served_not_the_champion_now(monkeypatch):
    # L4: a rollout pipeline's run (no gate champion, _refuse_champion_changed does not check it); v3
    # promoted between the attempts. Seen failing before: the record written by retry 1 said to_version 3
    from types import SimpleNamespace

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept_with_runs, timeout=1)
        _dropping(reg)
        kept = reg.record_event
        reg.record_event = _failing_rollback_records(reg, kept)
        with pytest.raises(ServingError, match="recording it failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        reg.record_event = kept
        reg.champ = SimpleNamespace(version="3")
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        with pytest.raises(ServingError, match="written now"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert [(r["event"], r["to_version"]) for r in records if r["event"] == "rollback"] == [("rollback", "1")]


def test_rollback_recorded_reads_a_real_stores_records(registered):  # noqa: F811
    # L7: test_r59_cluster replaces run_events with a lambda; here MlflowRegistry.run_events on a real
    # sqlite store (tests/fixtures/rollout_store.py), with a reason longer than a tag holds (tag_value cuts it)
    _, reg = registered
    reason = "deploy failed: " + "revision credit-predictor-00002 not ready; " * 150
    assert len(reason) > 5_000
    reg.record_event(MODEL, "2", {"event": "rollback", "action": "rolled_back", "reason": reason,
                                  "to_version": "1", "pipeline_run": "run-a"})
    reg.record_event(MODEL, "2", {"event": "rollback", "action": "refused", "reason": "deploy failed: other",
                                  "to_version": "1", "pipeline_run": "run-a"})

    def recorded(**kw):
        return release._rollback_recorded(reg, MODEL, kw.pop("version", "2"), kw.pop("run", "run-a"), **kw)

    assert recorded(action="rolled_back", reason=reason)
    assert not recorded(action="held", reason=reason)
    assert not recorded(action="refused", reason=reason)
    assert recorded(action="refused", reason="deploy failed: other")
    assert not recorded(action="rolled_back", reason="deploy failed: other")
    assert not recorded(action="rolled_back", reason=reason, run="run-b")
    assert not recorded(action="rolled_back", reason=reason, version="1")

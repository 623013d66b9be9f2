"""Review findings on round 60's cluster merge: a rollback of an InferenceService that is gone, and a
held deploy's record (tests/serving/test_r60_cluster.py's flows, each seen failing before its fix).

* H1: the rollout pipeline's ``action=rollback`` branch (pipelines/rollout.py: ``rollback_model`` with
  ``failed_version=""``, ``to_version=N``) took every missing service for one deleted since the analysis:
  a typo of ``inference_service`` exited 0 ("rolled back by hand") with a ``service_gone`` record of the
  typo'd name. A service is known to the step only when its run deployed the failed version to it (a
  ``deploy`` record of the run naming that service and namespace); else the audit log must have a deploy
  to it, as by hand.
* M1: a held deploy's lost ``deploy_held`` record was never written when another model took the service
  since (the "names another" refusal ran first and wrote nothing).
* M2: alias ``challenger`` MLflow refused to remove from the version of a rollback not applied was text
  in the record and the step exited 0: the step fails, and its retry removes the alias.
* M3: the version to roll back to read a second time, a 503 became ``to_version: "?"``.
* L1: the texts of the gone case (canary's Outcome, the KFP and local summaries).
* L2: a ``deploy_held`` record MLflow wrote, then refused tagging the version for, was "could not be
  written".
* L3: Argo's retry after a record refused acted on a service created again meanwhile.
* L6: by hand, an MLflow error reading the audit log was the raw "does not exist" (exit 2), and a deploy
  older than the newest 200 records was not found.

The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble; the registry a real MLflow store
(tests/fixtures/rollout_store.py) or the release tests' double (tests/serving/test_fix38b_release_deploy_rollback.py)
keeping v2's tags and the audit records.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ctloop.components.rollback.component import rollback_model
from ctloop.config import RolloutConfig
from ctloop.errors import RegistryError, ServingChangedOutside, ServingError
from ctloop.registry import MlflowRegistry
from ctloop.serving import release
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_fix38b_release_deploy_rollback import _v1_deployed
from tests.serving.test_r60_cluster import _deleted_at_pin_back, _v2_canary_then_deleted
from tests.serving.test_rollout_components import ISVC, MODEL, NS, RELEASE, kube, registered

__all__ = ["kube", "registered"]


# H1 ------------------------------------------------------------------------------------------------


def test_the_pipelines_rollback_of_a_name_never_deployed_fails_the_step_writing_nothing(registered, kube):
    # Seen failing before: serving_version '' and exit 0, a service_gone record for "credt"
    uri, _ = registered
    _v2_canary_then_deleted(kube, uri)
    with pytest.raises(SystemExit) as ended:  # bad input since round 60's second fix set (test_r60_fixcl2.py)
        rollback_model.python_func(model_name=MODEL, failed_version="", to_version="1",
                                   rollout={**RELEASE, "inference_service": "credt"}, reason="serve v1 again",
                                   tracking_uri=uri, pipeline_run_id="run-9")
    assert ended.value.code == 2
    reg = MlflowRegistry(uri)
    assert not [r for r in reg.audit_log(MODEL) if r["event"] == "rollback"]
    assert "ctloop.rollout.status" not in reg.get_version(MODEL, "1").tags


def test_a_failed_versions_rollback_in_a_run_that_never_deployed_there_is_not_known_gone(registered, kube):
    # failed_version set, but run-9 deployed nothing to ml/credt: the step's own run is no proof
    uri, _ = registered
    _v2_canary_then_deleted(kube, uri)
    with pytest.raises(SystemExit) as ended:  # bad input since round 60's second fix set (test_r60_fixcl2.py)
        rollback_model.python_func(model_name=MODEL, failed_version="2", rollout={**RELEASE, "inference_service": "credt"},
                                   reason="error rate 3 %", tracking_uri=uri, pipeline_run_id="run-9")
    assert ended.value.code == 2
    reg = MlflowRegistry(uri)
    assert not [r for r in reg.audit_log(MODEL) if r["event"] == "rollback"]
    assert "ctloop.rollout.status" not in reg.get_version(MODEL, "2").tags


def test_the_pipelines_rollback_of_a_service_deployed_and_deleted_is_not_applied(registered, kube, capsys):
    # the audit log has a deploy to ml/credit: deleted, not a typo; recorded on the version it would serve
    uri, _ = registered
    _v2_canary_then_deleted(kube, uri)
    capsys.readouterr()
    out = rollback_model.python_func(model_name=MODEL, failed_version="", to_version="1", rollout=RELEASE,
                                     reason="serve v1 again", tracking_uri=uri, pipeline_run_id="run-9")
    assert out.serving_version == ""
    assert "not applied" in capsys.readouterr().out
    rollbacks = [r for r in MlflowRegistry(uri).audit_log(MODEL) if r["event"] == "rollback"]
    assert [(r["action"], r["version"], r["pipeline_run"]) for r in rollbacks] == [("service_gone", "1", "run-9")]


# helpers for the release-level tests: v1 serving, run-7's canary of v2, the service then deleted


def _v2_canary_deleted(kube, monkeypatch):
    from tests.serving.test_r59_fixcl import _kept_with_runs

    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    isvcs, _, reg = _v1_deployed(kube)
    cfg = RolloutConfig(inference_service=ISVC, namespace=NS, timeout_seconds=4)
    tags, records = _kept_with_runs(reg)  # run-7's deploy record kept
    release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-7")
    saved = kube.objects.pop((NS, ISVC))
    return isvcs, reg, cfg, tags, records, saved


def _attempt(reg, isvcs, cfg):
    return release.rollback(reg, isvcs, model_name="credit", failed_version="2", reason="error rate 3 %",
                            cfg=cfg, run_id="run-7", record_refusal=True)


# M2 ------------------------------------------------------------------------------------------------


def test_an_alias_mlflow_refused_to_remove_fails_the_step_and_its_retry_removes_it(monkeypatch, capsys):
    # Seen failing before: exit 0 with "error: ..." in the record, challenger left on v2, no retry
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, _ = _v2_canary_deleted(kube, monkeypatch)
        calls: list[str] = []

        def drop(m, v, rolled_back_before=None):
            calls.append(str(v))
            if len(calls) == 1:
                raise RegistryError("cannot remove alias 'challenger' of 'credit' from v2: 503 Service Unavailable")
            return "removed from v2"

        reg.drop_challenger = drop
        with pytest.raises(RegistryError, match="not applied.*alias challenger.*503"):
            _attempt(reg, isvcs, cfg)
        gone = [r for r in records if r["event"] == "rollback"]
        assert len(gone) == 1 and gone[0]["challenger_alias"].startswith("error: "), gone  # recorded first
        capsys.readouterr()
        _, state = _attempt(reg, isvcs, cfg)
        said = capsys.readouterr().out
        assert state.note == release.SERVICE_GONE and calls == ["2", "2"]
        assert "recorded by an earlier attempt" in said and "alias challenger: removed from v2" in said, said
        assert len([r for r in records if r["event"] == "rollback"]) == 1


# M3 ------------------------------------------------------------------------------------------------


def test_the_target_unreadable_the_second_time_fails_the_step_writing_no_question_mark(monkeypatch):
    # Seen failing before: to_version "?" in the record and ctloop.rollout.rollback_to, exit 0
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, _ = _v2_canary_deleted(kube, monkeypatch)
        reg.drop_challenger = lambda m, v, rolled_back_before=None: "removed from v2"
        reads: list[int] = []
        champ = reg.champ

        def champion(m):
            reads.append(1)
            if len(reads) > 1:
                raise RegistryError("cannot read the champion of 'credit': 503 Service Unavailable")
            return champ

        reg.champion = champion
        with pytest.raises(RegistryError, match="not applied.*the version to roll back to could not be read.*503"):
            _attempt(reg, isvcs, cfg)  # the step fails: Argo retries it
        assert "?" not in [r.get("to_version") for r in records] and tags.get("ctloop.rollout.rollback_to") != "?"
        assert not [r for r in records if r["event"] == "rollback"] and "ctloop.rollout.status" not in tags


# M1, L2 ------------------------------------------------------------------------------------------


def test_a_held_deploys_lost_record_is_written_when_another_model_took_the_service(monkeypatch):
    # the flow of test_r60_cluster's deletion during the pin-back, then run-b deploys v3 (the service
    # created again with gs://models/v3). Seen failing before: the retry refused with "nothing written",
    # deploy_held never written
    from tests.serving.r59_release_support import stalled_v2
    from tests.serving.test_r59_fixcl import _kept_with_runs
    from tests.serving.test_r60_cluster import _deploy_held_record_refused, _pin_back

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept_with_runs)
        reg.drop_challenger = lambda m, v, rolled_back_before=None: "removed"
        refused: list[str] = []
        real_patch = _deploy_held_record_refused(kube, monkeypatch, reg, isvcs, cfg, refused, during=_pin_back)
        with pytest.raises(ServingChangedOutside, match="recording it in the audit trail failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        isvcs.patch = real_patch
        release.deploy(reg, isvcs, model_name="credit", version="3", cfg=cfg, run_id="run-b")
        assert kube.objects[(NS, ISVC)]["spec"]["predictor"]["model"]["storageUri"] == "gs://models/v3"
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        since = len(kube.calls)
        with pytest.raises(ServingError, match="refused") as again:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []
        assert "the held deploy's audit record, which that attempt failed to write, written now" in str(again.value)
        assert "nothing else written" in str(again.value)
        held = [r for r in records if r.get("event") == "deploy_held"]
        assert len(held) == 1 and held[0]["pipeline_run"] == "run-a" and held[0]["version"] == "2", records
        assert kube.objects[(NS, ISVC)]["spec"]["predictor"]["model"]["storageUri"] == "gs://models/v3"


def test_a_held_record_written_then_refused_its_tag_is_said_written(monkeypatch):
    # MlflowRegistry.record_event raises after creating the record ("the audit record ... is written, but
    # tagging the version ... failed"). Seen failing before: "could not be written", "nothing written"
    tags = {release.TAG_ROLLOUT_HELD: "run-a", "ctloop.rollout.status": "rollback_held",
            "ctloop.rollout.pipeline_run": "run-a", "ctloop.rollout.reason": "deploy failed: not ready"}
    records: list[dict] = []

    def record_event(m, v, event):
        records.append({**event, "version": str(v)})
        raise RegistryError("the audit record 0f3 of credit v2 is written, but tagging the version "
                            "ctloop.last_event=deploy_held failed: 503 Service Unavailable")

    reg = SimpleNamespace(run_events=lambda m, run: [r for r in records if r.get("pipeline_run") == run],
                          drop_challenger=lambda m, v, rolled_back_before=None: "removed from v2",
                          record_event=record_event)
    cfg = RolloutConfig(inference_service=ISVC, namespace=NS)
    said, wrote = release._record_missing_held(reg, model_name="credit", version="2", run_id="run-a", tags=tags,
                                               cfg=cfg)
    assert wrote and "written now, but" in said and "could not be written" not in said, said
    assert "alias challenger: removed from v2" in said, said
    # the record refused outright, the alias removed before it: something was written all the same
    records.clear()

    def refuse(m, v, event):
        raise RegistryError("cannot write the audit record: 503 Service Unavailable")

    reg.record_event = refuse
    said, wrote = release._record_missing_held(reg, model_name="credit", version="2", run_id="run-a", tags=tags,
                                               cfg=cfg)
    assert wrote and "could not be written" in said and "alias challenger: removed from v2" in said, said


# L3 ------------------------------------------------------------------------------------------------


def test_a_retry_after_a_refused_record_leaves_a_service_created_again_alone(monkeypatch, capsys):
    # attempt 1: gone, tagged rollback_held, the record refused (RegistryError). The service is created
    # again before Argo's retry. Seen failing before: the retry rolled it back (a full rollback against
    # "whoever deleted it decides")
    from tests.serving.r59_release_support import refusing_first_record

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, saved = _v2_canary_deleted(kube, monkeypatch)
        reg.drop_challenger = lambda m, v, rolled_back_before=None: "removed from v2"
        refused: list[str] = []
        refusing_first_record(reg, refused, lambda event: event.get("action") == "service_gone")
        with pytest.raises(RegistryError, match="not applied.*recording it failed"):
            _attempt(reg, isvcs, cfg)
        kube.objects[(NS, ISVC)] = saved  # created again by whoever deleted it
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        since = len(kube.calls)
        capsys.readouterr()
        target, state = _attempt(reg, isvcs, cfg)
        said = capsys.readouterr().out
        assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == [], kube.calls[since:]
        assert state.action == "held" and state.note == release.SERVICE_GONE and target == "1"
        assert "not applied" in said and "earlier attempt of this run (run-7)" in said, said
        assert "nothing written to the cluster" not in said, said
        assert [r["action"] for r in records if r["event"] == "rollback"] == ["service_gone"]
        assert kube.objects[(NS, ISVC)]["spec"]["predictor"]["model"]["storageUri"] == "gs://models/v2"


def test_a_retry_of_deleted_while_waiting_does_not_say_nothing_was_written(monkeypatch, capsys):
    # attempt 1 pinned the canary back, the service was deleted while it waited, the record refused:
    # the retry (the service still gone) cannot know the pin-back, and must not deny it
    from tests.serving.r59_release_support import refusing_first_record

    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, _, reg = _v1_deployed(kube)
        cfg = RolloutConfig(inference_service=ISVC, namespace=NS, timeout_seconds=4)
        from tests.serving.test_r59_fixcl import _kept_with_runs

        tags, records = _kept_with_runs(reg)  # run-7's deploy record kept
        release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-7")
        reg.drop_challenger = lambda m, v, rolled_back_before=None: "removed from v2"
        refused: list[str] = []
        refusing_first_record(reg, refused, lambda event: event.get("action") == "service_gone")
        _deleted_at_pin_back(kube, isvcs)  # kubectl delete isvc right after the pin-back
        with pytest.raises(RegistryError, match="its canary pinned to 0 %"):
            _attempt(reg, isvcs, cfg)
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        capsys.readouterr()
        _, state = _attempt(reg, isvcs, cfg)
        said = capsys.readouterr().out
        assert state.note == release.SERVICE_GONE and "nothing written to the cluster" not in said, said
        assert [r["action"] for r in records if r["event"] == "rollback"] == ["service_gone"]


# L6 ------------------------------------------------------------------------------------------------


def _by_hand(reg, isvcs, cfg):
    return release.rollback(reg, isvcs, model_name="credit", failed_version="2", reason="by hand", cfg=cfg)


def test_by_hand_an_audit_log_mlflow_cannot_read_is_said_not_does_not_exist(monkeypatch):
    # Seen failing before: the raw "InferenceService ml/credit does not exist" (exit 2: bad input)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, _ = _v2_canary_deleted(kube, monkeypatch)

        def audit_log(m, max_results=200):
            raise RegistryError("cannot read the audit records of 'credit': 503 Service Unavailable")

        reg.audit_log = audit_log
        with pytest.raises(RegistryError) as err:
            _by_hand(reg, isvcs, cfg)
        said = str(err.value)
        assert f"{NS}/{ISVC} does not exist" in said and "audit log could not be read" in said and "503" in said, said
        assert not [r for r in records if r["event"] == "rollback"] and not tags.get("ctloop.rollout.status")


def test_rollout_rollback_by_hand_whose_audit_log_is_unreadable_exits_1(registered, kube, capsys, monkeypatch):
    # not bad input (exit 2): MLflow busy, run it again
    from ctloop.cli import main

    uri, _ = registered
    _v2_canary_then_deleted(kube, uri)

    def unreadable(self, m, *a, **k):
        raise RegistryError("cannot read the audit records of 'credit': 503 Service Unavailable")

    # the filtered query since round 60's second fix set (MlflowRegistry.deployed_to), audit_log before it
    monkeypatch.setattr(MlflowRegistry, "audit_log", unreadable)
    monkeypatch.setattr(MlflowRegistry, "deployed_to", unreadable)
    capsys.readouterr()
    code = main(["rollout", "rollback", "--isvc", ISVC, "--namespace", NS, "--timeout", "10", "--model-name", MODEL,
                 "--tracking-uri", uri, "--failed-version", "2"])
    err = capsys.readouterr().err
    assert code == 1 and "audit log could not be read" in err and err.count("\n") == 1, err
    assert "ctloop.rollout.status" not in MlflowRegistry(uri).get_version(MODEL, "2").tags


def test_by_hand_a_deploy_older_than_the_newest_200_records_is_found(monkeypatch, capsys):
    # audit_log gives the newest 200 records by default: a service deployed to before 200 traffic moves
    # of other services read as never deployed. Seen failing before: "does not exist", nothing recorded
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, _ = _v2_canary_deleted(kube, monkeypatch)
        old = [{"event": "deploy", "version": "1", "inference_service": ISVC, "namespace": NS}]
        newer = [{"event": "traffic", "version": "1", "inference_service": "other", "namespace": NS}] * 200

        def audit_log(m, max_results=200):
            every = old + newer
            return every if max_results is None else every[-max_results:]

        reg.audit_log = audit_log
        capsys.readouterr()
        _, state = _by_hand(reg, isvcs, cfg)
        assert state.note == release.SERVICE_GONE and "not applied" in capsys.readouterr().out
        assert [r["action"] for r in records if r["event"] == "rollback"] == ["service_gone"]


# L1 ------------------------------------------------------------------------------------------------


def test_canarys_outcome_of_a_service_gone_names_it_not_another_model(monkeypatch):
    # Seen failing before: "InferenceService ml/credit names v? now, neither the failed v2 nor v1"
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, _ = _v2_canary_deleted(kube, monkeypatch)
        reg.drop_challenger = lambda m, v, rolled_back_before=None: "removed from v2"
        reg.audit_log = lambda m, max_results=200: list(records)  # canary: not the step, its audit log decides
        deployed = SimpleNamespace(action="canary", latest_revision="r2", previous_revision="r1")
        monkeypatch.setattr(release, "deploy", lambda *a, **k: (deployed, "gs://models/v2"))
        monkeypatch.setattr(release, "analyze", lambda *a, **k: SimpleNamespace(decision="rollback",
                                                                                reason="error rate 3 %"))
        outcome = release.canary(reg, isvcs, model_name="credit", version="2", reason="r", cfg=cfg, run_id="run-7")
        assert outcome.decision == "held" and "names v?" not in outcome.reason, outcome.reason
        assert f"{NS}/{ISVC} does not exist" in outcome.reason and "not applied" in outcome.reason, outcome.reason
        assert "ctloop rollout status" in outcome.reason and "--model-name credit" in outcome.reason


def test_the_summaries_name_a_rollback_not_applied_on_a_service_gone():
    from ctloop.local import summarize_rollout
    from ctloop.ops.platform import DECISION_TASKS

    run = SimpleNamespace(task=lambda t: {"serving_version": ""} if t == "rollback-model" else None)
    [line] = summarize_rollout(run)
    assert "gone" in line and "--model-name" in line, line
    for task in ("canary-failed", "manual-rollback"):
        assert "gone" in DECISION_TASKS[task] and "--model-name" in DECISION_TASKS[task], DECISION_TASKS[task]


def test_the_rollback_components_docstring_names_the_gone_case():
    doc = rollback_model.python_func.__doc__ or ""
    assert "does not exist" in doc and "service_gone" in doc, doc

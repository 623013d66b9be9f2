"""Second review of round 60's rollback of a deleted InferenceService (src/ctloop/serving/release.py), each
test seen failing before its fix (the review's probes: findings 1-9).

* 1: an attempt that found the service gone marks the failed version with one key written alone
  (``ctloop.rollout.gone``) before the others: ``MlflowRegistry.set_tags`` writes key by key, and a retry
  after a 503 half-way rolled back a service created again meanwhile; an MLflow error reading the version
  is raised, not read as "not found gone".
* 3: the pipeline's rollback of a service never deployed to (a typo'd ``inference_service``) is bad input.
* 2/9: whether the service was deployed to is one filtered audit query (``MlflowRegistry.deployed_to``).
* 5: ``action=rollback``'s retry after its record was written and tagging the version refused writes no
  second ``service_gone`` record.
* 6: a retry finding the held deploy's / rolled back deploy's record with ``challenger_alias: "error: ..."``
  takes the alias off again.

The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble; the registry the release tests' double
(tests/serving/test_fix38b_release_deploy_rollback.py) or a real MLflow store (tests/fixtures/rollout_store.py).
"""

from __future__ import annotations

import pytest

from ctloop.errors import RegistryError
from ctloop.serving import release
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_r60_cluster import _deleted_at_pin_back
from tests.serving.test_r60_fixcl import _attempt, _v2_canary_deleted
from tests.serving.test_rollout_components import ISVC, NS, kube, registered

__all__ = ["kube", "registered"]


# 1 -------------------------------------------------------------------------------------------------


def test_a_retry_after_tags_written_half_way_reads_nothing_of_a_service_created_again(monkeypatch, capsys):
    # Seen failing before: the retry PATCHed the re-created service back to v1 (a rolled_back record)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, saved = _v2_canary_deleted(kube, monkeypatch)
        reg.drop_challenger = lambda m, v, rolled_back_before=None: "removed from v2"
        real = reg.set_tags
        refused = []

        def set_tags(m, v, t):  # as MlflowRegistry.set_tags: key by key, a 503 after the first of the four
            if t.get("ctloop.rollout.status") == "rollback_held" and not refused:
                refused.append(t)
                first = next(iter(t))
                real(m, v, {first: t[first]})
                raise RegistryError("cannot tag credit v2: 503 Service Unavailable")
            real(m, v, t)

        reg.set_tags = set_tags
        with pytest.raises(RegistryError, match="503"):
            _attempt(reg, isvcs, cfg)
        assert tags.get(release.TAG_ROLLOUT_GONE) == "run-7" and release.TAG_ROLLOUT_ROLLBACK_TO not in tags
        kube.objects[(NS, ISVC)] = saved  # created again meanwhile
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        since = len(kube.calls)
        target, state = _attempt(reg, isvcs, cfg)
        assert [c[0] for c in kube.calls[since:]] == []
        assert (target, state.note) == ("1", release.SERVICE_GONE)
        assert [(r["event"], r.get("action")) for r in records if r["event"] == "rollback"] == [
            ("rollback", "service_gone")]
        assert tags["ctloop.rollout.status"] == "rollback_held" and tags[release.TAG_ROLLOUT_ROLLBACK_TO] == "1"


def test_an_mlflow_error_reading_the_failed_version_before_the_cluster_is_raised(monkeypatch):
    # Seen failing before: None ("not found gone"), and the retry rolled back a service created again
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, saved = _v2_canary_deleted(kube, monkeypatch)
        tags[release.TAG_ROLLOUT_GONE] = "run-7"
        kube.objects[(NS, ISVC)] = saved

        def get_version(m, v):
            raise RegistryError("cannot read version 2 of model 'credit': 503 Service Unavailable")

        reg.get_version = get_version
        since = len(kube.calls)
        with pytest.raises(RegistryError, match="503"):
            _attempt(reg, isvcs, cfg)
        assert [c for c in kube.calls[since:] if c[0] != "GET"] == []
        assert not [r for r in records if r["event"] == "rollback"]


# 3 -------------------------------------------------------------------------------------------------


def test_the_pipelines_rollback_of_a_typod_service_is_one_line_exit_2(registered, kube, capsys):
    # Seen failing before: the ServingError's traceback, exit 1 (retried twice by Argo's maxRetryCount)
    from ctloop.components.rollback.component import rollback_model
    from ctloop.registry import MlflowRegistry
    from tests.serving.test_r60_cluster import _v2_canary_then_deleted
    from tests.serving.test_rollout_components import MODEL, RELEASE

    uri, _ = registered
    _v2_canary_then_deleted(kube, uri)
    capsys.readouterr()
    with pytest.raises(SystemExit) as ended:
        rollback_model.python_func(model_name=MODEL, failed_version="", to_version="1",
                                   rollout={**RELEASE, "inference_service": "credt"}, reason="serve v1 again",
                                   tracking_uri=uri, pipeline_run_id="run-9")
    err = capsys.readouterr().err
    assert ended.value.code == 2
    assert err.count("\n") == 1 and err.startswith("error: rollout.inference_service 'credt' / rollout.namespace "
                                                   f"'{NS}': InferenceService {NS}/credt does not exist and no deploy "
                                                   f"of {MODEL} to it is on record; nothing written"), err
    reg = MlflowRegistry(uri)
    assert not [r for r in reg.audit_log(MODEL) if r["event"] == "rollback"]
    assert "ctloop.rollout.status" not in reg.get_version(MODEL, "1").tags


# 2 and 9 ---------------------------------------------------------------------------------------------


def _deploy_then_many(registry, n: int = 30) -> None:
    # the deploy to ml/credit first, then n records of another service: older than the newest n (the by-hand
    # check read the newest 200 only; a smaller page shows the same, at a tenth of the records written)
    from tests.serving.test_rollout_components import MODEL

    registry.record_event(MODEL, "1", {"event": "deploy", "inference_service": ISVC, "namespace": NS,
                                       "pipeline_run": "run-1"})
    for i in range(n):
        registry.record_event(MODEL, "1", {"event": "traffic", "inference_service": "other", "namespace": NS,
                                           "note": str(i)})


def _counting(registry):
    read: list[int] = []
    real = registry.client.search_runs

    def search_runs(*a, **k):
        page = real(*a, **k)
        read.append(len(page))
        return page

    registry.client.search_runs = search_runs
    return read


def test_deployed_to_is_one_filtered_query_over_the_real_store(registered):
    # Seen failing before: no such query; _gone read the whole log (every record) for one deploy
    from tests.serving.test_rollout_components import MODEL

    _, registry = registered
    _deploy_then_many(registry)
    assert len(registry.audit_log(MODEL, max_results=30)) == 30 and len(registry.audit_log(MODEL, max_results=None)) > 30
    assert not [r for r in registry.audit_log(MODEL, max_results=30) if r["event"] == "deploy"]  # older than those
    read = _counting(registry)
    assert registry.deployed_to(MODEL, ISVC, NS) is True
    assert read == [1]  # one search, one record read
    assert registry.deployed_to(MODEL, "credt", NS) is False
    assert registry.deployed_to(MODEL, ISVC, "prod") is False
    assert registry.deployed_to(MODEL, "other", NS) is False  # traffic records, no deploy
    assert registry.deployed_to(MODEL, "cre'dit", NS) is False and registry.deployed_to(MODEL, ISVC, "m\\l") is False
    assert len(read) == 4  # the quoted names: no search


def test_a_rollback_by_hand_of_a_deleted_service_reads_one_record_of_the_log(registered, kube, capsys):
    # Seen failing before: every record of the log read (5 pages + the promotions for 5,000 records)
    from ctloop.config import RolloutConfig
    from ctloop.registry import MlflowRegistry
    from ctloop.serving.kube import InferenceServices
    from tests.serving.test_r60_cluster import _v2_canary_then_deleted
    from tests.serving.test_rollout_components import MODEL

    uri, registry = registered
    _v2_canary_then_deleted(kube, uri)
    for _ in range(30):  # more records than the check may read (the whole log was read before)
        registry.record_event(MODEL, "1", {"event": "traffic", "inference_service": "other", "namespace": NS})
    reg = MlflowRegistry(uri)
    read = _counting(reg)
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    target, state = release.rollback(reg, isvcs, model_name=MODEL, failed_version="", to_version="1", reason="by hand",
                                     cfg=RolloutConfig(inference_service=ISVC, namespace=NS))
    assert state.note == release.SERVICE_GONE
    assert sum(read) < 20, read


# 5 -------------------------------------------------------------------------------------------------


def test_action_rollbacks_retry_after_its_record_was_written_writes_no_second(monkeypatch, capsys):
    # Seen failing before: two service_gone records (MlflowRegistry.record_event raises after create_run when
    # tagging the version ctloop.last_event fails: the record is there)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, saved = _v2_canary_deleted(kube, monkeypatch)
        reg.audit_log = lambda m, max_results=200: list(records)
        refused = []

        def record_event(m, v, e):
            records.append({**e, "version": str(v)})
            if e.get("action") == "service_gone" and not refused:
                refused.append(e)
                raise RegistryError("the audit record 0f3 of credit v1 is written, but tagging the version failed: 503")

        reg.record_event = record_event

        def go():
            return release.rollback(reg, isvcs, model_name="credit", failed_version="", to_version="1",
                                    reason="serve v1 again", cfg=cfg, run_id="run-9", record_refusal=True)

        with pytest.raises(RegistryError, match="503"):
            go()
        monkeypatch.setenv(release.RETRY_INDEX_ENV, "1")
        capsys.readouterr()
        target, state = go()
        assert (target, state.note) == ("1", release.SERVICE_GONE)
        assert "recorded by an earlier attempt of this run (run-9" in capsys.readouterr().out
        gone = [r for r in records if r.get("action") == "service_gone"]
        assert [(r["version"], r["to_version"], r["pipeline_run"]) for r in gone] == [("1", "1", "run-9")]


# 6 -------------------------------------------------------------------------------------------------


def _records_double(records, drops, fail_first=True):
    from types import SimpleNamespace

    def drop(m, v, rolled_back_before=None):
        drops.append(v)
        if fail_first and len(drops) == 1:
            raise RegistryError("cannot remove alias 'challenger' of 'credit' from v2: 503 Service Unavailable")
        return f"removed from v{v}"

    return SimpleNamespace(run_events=lambda m, run: [r for r in records if r.get("pipeline_run") == run],
                           drop_challenger=drop, record_event=lambda m, v, e: records.append({**e, "version": str(v)}))


def test_a_held_deploys_record_with_the_alias_refused_has_it_taken_off_by_the_retry():
    # Seen failing before: the record found written, the alias never removed again (drops == ["2"])
    from ctloop.config import RolloutConfig

    tags = {release.TAG_ROLLOUT_HELD: "run-a", "ctloop.rollout.status": "rollback_held",
            "ctloop.rollout.pipeline_run": "run-a", "ctloop.rollout.reason": "deploy failed: not ready"}
    records: list[dict] = []
    drops: list[str] = []
    reg = _records_double(records, drops)
    cfg = RolloutConfig(inference_service=ISVC, namespace=NS)
    release._record_missing_held(reg, model_name="credit", version="2", run_id="run-a", tags=tags, cfg=cfg)
    assert records[0]["challenger_alias"].startswith("error: ")
    said, written = release._record_missing_held(reg, model_name="credit", version="2", run_id="run-a", tags=tags,
                                                 cfg=cfg)
    assert drops == ["2", "2"] and len(records) == 1
    assert written and said == "; alias challenger, which that attempt failed to take off: removed from v2", said
    # a record whose alias was removed: nothing retried
    records[0]["challenger_alias"] = "removed from v2"
    assert release._record_missing_held(reg, model_name="credit", version="2", run_id="run-a", tags=tags,
                                        cfg=cfg) == ("", False)
    assert drops == ["2", "2"]


def test_a_rolled_back_deploys_record_with_the_alias_refused_has_it_taken_off_by_the_retry():
    # Seen failing before: ("", False), the alias left on v2
    from types import SimpleNamespace

    from ctloop.config import RolloutConfig

    tags = {"ctloop.rollout.status": "rolled_back", "ctloop.rollout.pipeline_run": "run-a",
            "ctloop.rollout.reason": "deploy failed: not ready", release.TAG_ROLLOUT_ROLLBACK_TO: "1"}
    records = [{"event": "rollback", "version": "2", "pipeline_run": "run-a", "action": "rolled_back",
                "reason": "deploy failed: not ready", "to_version": "1",
                "challenger_alias": "error: cannot remove alias 'challenger' of 'credit' from v2: 503"}]
    drops: list[str] = []
    reg = _records_double(records, drops, fail_first=False)
    said, written = release._record_missing_rollback(
        reg, model_name="credit", version="2", run_id="run-a", tags=tags, champion=SimpleNamespace(version="1"),
        cfg=RolloutConfig(inference_service=ISVC, namespace=NS))
    assert drops == ["2"] and len(records) == 1
    assert written and "removed from v2" in said, said


# 7 and 8 -------------------------------------------------------------------------------------------


def test_canarys_outcome_of_a_service_deleted_while_the_rollback_ran_says_so(monkeypatch):
    # Seen failing before: "deleted since the analysis" also when it was there at the rollback's first read
    from types import SimpleNamespace

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, saved = _v2_canary_deleted(kube, monkeypatch)
        kube.objects[(NS, ISVC)] = saved  # there when the rollback reads it
        reg.drop_challenger = lambda m, v, rolled_back_before=None: "removed from v2"
        reg.audit_log = lambda m, max_results=200: list(records)
        _deleted_at_pin_back(kube, isvcs)  # kubectl delete isvc right after the pin-back
        deployed = SimpleNamespace(action="canary", latest_revision="r2", previous_revision="r1")
        monkeypatch.setattr(release, "deploy", lambda *a, **k: (deployed, "gs://models/v2"))
        monkeypatch.setattr(release, "analyze", lambda *a, **k: SimpleNamespace(decision="rollback",
                                                                                reason="error rate 3 %"))
        outcome = release.canary(reg, isvcs, model_name="credit", version="2", reason="r", cfg=cfg, run_id="run-7")
        assert outcome.decision == "held"
        assert "(deleted while this rollback ran: " in outcome.reason and "since the analysis" not in outcome.reason
        assert outcome.reason.endswith(f"({release._status_command(cfg, 'credit')})"), outcome.reason
        assert release._status_command(cfg, "credit") == (
            f"ctloop rollout status --isvc {ISVC} --namespace {NS} --model-name credit")
        # gone before the rollback read it: since the analysis, as before
        assert "(deleted since the analysis)" in release._gone_outcome("credit", "2", "1", cfg)


# 4 -------------------------------------------------------------------------------------------------


def test_the_runs_own_deploy_recorded_without_the_service_keys_knows_it_gone(monkeypatch, capsys):
    # a deploy record by a ctloop before round 50 (85d94b46: no inference_service/namespace tags), read as
    # last_decision reads it. Seen failing before: bad input ("no deploy ... on record"), nothing recorded
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, saved = _v2_canary_deleted(kube, monkeypatch)
        reg.drop_challenger = lambda m, v, rolled_back_before=None: "removed from v2"
        for r in records:
            if r["event"] == "deploy":
                r.pop("inference_service", None)
                r.pop("namespace", None)
        reg.audit_log = lambda m, max_results=200: list(records)
        _, state = _attempt(reg, isvcs, cfg)
        assert state.note == release.SERVICE_GONE
        assert [r["action"] for r in records if r["event"] == "rollback"] == ["service_gone"]


def test_a_keyless_deploy_in_the_audit_log_does_not_make_a_typod_name_gone(monkeypatch):
    # the audit log's keyless deploy names no service: by hand (and action=rollback) a typo stays bad input
    from ctloop.config import RolloutConfig
    from ctloop.errors import ServingError

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records, saved = _v2_canary_deleted(kube, monkeypatch)
        reg.audit_log = lambda m, max_results=200: [{"event": "deploy", "version": "1"}]
        with pytest.raises(ServingError, match=f"InferenceService {NS}/credt does not exist"):
            release.rollback(reg, isvcs, model_name="credit", failed_version="2", reason="by hand",
                             cfg=RolloutConfig(inference_service="credt", namespace=NS, timeout_seconds=4))
        assert not [r for r in records if r["event"] == "rollback"]

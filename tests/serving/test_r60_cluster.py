"""KServe 0.20 cluster path, round 60: a rollback whose InferenceService is gone, a held deploy's lost
record, and states of a real cluster no test met before.

* ``rollback_model`` (and ``ctloop rollout rollback``) on an InferenceService deleted since the
  analysis failed on the bare "InferenceService ml/credit does not exist" (the component: a
  ServingError traceback, exit status 1) and recorded nothing: the failed version kept alias
  ``challenger``, its status silent, and ``ctloop rollout status`` showed the analysis' "rollback" as
  the last decision. Whoever deleted it decides, as for a change made outside while a rollback waits
  (``release._rollback_met_change``): the rollback is not applied, one line names the service and the
  namespace, the failed version is tagged ``rollback_held`` and loses ``challenger`` as a held
  rollback's, a ``rollback`` record with ``action: service_gone`` is written (``last_decision``:
  "rollback not applied: service gone"), the champion alias untouched, nothing created in the cluster.
  The step ends as a held rollback's (exit 0, ``serving_version`` empty); by hand exit status 1, as
  ``ctloop rollout status`` on a missing service. By hand a name never deployed to (a typo of
  ``--isvc``) records nothing: only a service the audit log has a deploy of is "gone".

The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble (its controller follows KServe v0.20.0
and Knative Serving 1.21.1) reached through a kubeconfig; the registry a real MLflow store
(tests/fixtures/rollout_store.py: v1 champion, v2).
"""

from __future__ import annotations

import json

import pytest

from ctloop.components.deploy.component import deploy_canary
from ctloop.components.rollback.component import rollback_model
from ctloop.registry import MlflowRegistry
from ctloop.serving import release
from tests.serving.test_rollout_components import ISVC, MODEL, NS, RELEASE, kube, registered

__all__ = ["kube", "registered"]


def _v2_canary_then_deleted(kube, uri: str, run: str = "run-7") -> None:
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri,
                              pipeline_run_id=run)
    MlflowRegistry(uri).client.set_registered_model_alias(MODEL, "challenger", "2")
    del kube.objects[(NS, ISVC)]  # kubectl delete isvc credit -n ml, after the analysis decided rollback


def test_rollback_model_of_a_deleted_service_is_recorded_not_a_traceback(registered, kube, capsys, monkeypatch):
    # Seen failing on main: ServingError "InferenceService ml/credit does not exist" out of the step
    # (exit 1), no tag, no record, challenger still on v2
    uri, registry = registered
    _v2_canary_then_deleted(kube, uri)
    capsys.readouterr()
    since = len(kube.calls)
    out = rollback_model.python_func(model_name=MODEL, failed_version="2", rollout=RELEASE, reason="error rate 3 %",
                                     tracking_uri=uri, pipeline_run_id="run-7")
    assert out.serving_version == ""
    said = capsys.readouterr().out
    assert said.count("\n") == 1, said
    assert f"InferenceService {NS}/{ISVC} does not exist" in said and "not applied" in said, said
    assert "whoever deleted it decides" in said and "recorded (audit: rollback not applied" in said, said
    assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []  # nothing created again
    assert (NS, ISVC) not in kube.objects
    reg = MlflowRegistry(uri)
    tags = reg.get_version(MODEL, "2").tags
    assert tags["ctloop.rollout.status"] == "rollback_held" and tags["ctloop.rollout.reason"] == "error rate 3 %"
    assert reg.champion(MODEL).version == "1"
    aliases = reg.client.get_registered_model(MODEL).aliases
    assert aliases.get("challenger") != "2", aliases
    records = reg.audit_log(MODEL)
    rollbacks = [r for r in records if r["event"] == "rollback"]
    assert len(rollbacks) == 1 and rollbacks[0]["action"] == "service_gone", rollbacks
    assert rollbacks[0]["inference_service"] == ISVC and rollbacks[0]["namespace"] == NS
    assert rollbacks[0]["pipeline_run"] == "run-7" and rollbacks[0]["to_version"] == "1"
    last = release.last_decision(records, ISVC, NS)
    assert last is not None and last["decided"] == "rollback not applied: service gone", last


def test_rollout_rollback_by_hand_of_a_deleted_service_exits_1_with_a_record(registered, kube, capsys):
    from ctloop.cli import main

    uri, _ = registered
    _v2_canary_then_deleted(kube, uri)
    capsys.readouterr()
    code = main(["rollout", "rollback", "--isvc", ISVC, "--namespace", NS, "--timeout", "10", "--model-name", MODEL,
                 "--tracking-uri", uri, "--failed-version", "2"])
    captured = capsys.readouterr()
    assert code == 1, captured
    assert "Traceback" not in captured.err and f"InferenceService {NS}/{ISVC} does not exist" in captured.out
    assert "rolled back:" not in captured.out
    reg = MlflowRegistry(uri)
    rollbacks = [r for r in reg.audit_log(MODEL) if r["event"] == "rollback"]
    assert [r["action"] for r in rollbacks] == ["service_gone"] and rollbacks[0]["pipeline_run"] == ""
    assert reg.get_version(MODEL, "2").tags["ctloop.rollout.status"] == "rollback_held"
    assert reg.champion(MODEL).version == "1"
    assert main(["audit", "--model-name", MODEL, "--tracking-uri", uri]) == 0
    line = [row for row in capsys.readouterr().out.splitlines() if "rollback" in row]
    assert len(line) == 1 and "rollback not applied" in line[0] and "does not exist" in line[0], line
    # status of the service gone names that decision (was: "does not exist" alone)
    assert main(["rollout", "status", "--isvc", ISVC, "--namespace", NS, "--model-name", MODEL,
                 "--tracking-uri", uri]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"InferenceService {NS}/{ISVC} does not exist", out
    assert "last decision: v2 rollback: rollback not applied: service gone" in out, out
    assert main(["rollout", "status", "--isvc", ISVC, "--namespace", NS, "--model-name", MODEL,
                 "--tracking-uri", uri, "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["exists"] is False and doc["last_decision"]["decided"] == "rollback not applied: service gone", doc


def test_rollout_rollback_by_hand_of_a_name_never_deployed_records_nothing(registered, kube, capsys):
    # a typo of --isvc is no deleted service: bad input as before (exit 2), nothing written
    from ctloop.cli import main

    uri, _ = registered
    _v2_canary_then_deleted(kube, uri)
    capsys.readouterr()
    code = main(["rollout", "rollback", "--isvc", "credt", "--namespace", NS, "--timeout", "10", "--model-name",
                 MODEL, "--tracking-uri", uri, "--failed-version", "2"])
    err = capsys.readouterr().err
    assert code == 2 and f"InferenceService {NS}/credt does not exist" in err, err
    reg = MlflowRegistry(uri)
    assert not [r for r in reg.audit_log(MODEL) if r["event"] == "rollback"]
    assert "ctloop.rollout.status" not in reg.get_version(MODEL, "2").tags


# 2. A held deploy whose deploy_held record MLflow refused (a 503): _deploy_held tags the version
# (ctloop.rollout.held) before it writes the record, and every retry of the step in the run refused on
# that tag writing nothing: the record was never written, ctloop rollout status showed the decision
# before it. The registry is the release tests' double (tests/serving/test_fix38b_release_deploy_rollback.py)
# with v2's tags and the records kept, run_events reading them back by pipeline run as
# MlflowRegistry.run_events does; the Kubernetes API the double without a kubeconfig.


def _deploy_held_record_refused(kube, monkeypatch, reg, isvcs, cfg, refused, *, during):
    from tests.serving.r59_release_support import refusing_first_record

    refusing_first_record(reg, refused, lambda event: event.get("event") == "deploy_held")
    real_patch = isvcs.patch
    seen: list[str] = []

    def patch(name, body):
        out = real_patch(name, body)
        if not seen and during(body):
            seen.append("1")
            if during is _pin_back:  # the failed deploy's rollback pinned it back: then deleted
                del kube.objects[(NS, ISVC)]
            else:  # the deploy's own canary patch: an operator moves it to 100 % by hand
                real_patch(name, {"spec": {"predictor": {"canaryTrafficPercent": 100}}})
        return out

    isvcs.patch = patch
    return real_patch


def _canary_patch(body) -> bool:
    return "canaryTrafficPercent" in str(body)


def _deleted_at_pin_back(kube, isvcs) -> None:
    """The InferenceService deleted by hand right after a patch pins its canary to 0 % (the rollback's pin-back)."""
    real_patch = isvcs.patch

    def patch(name, body):
        out = real_patch(name, body)
        if body["spec"]["predictor"].get("canaryTrafficPercent") == 0:
            del kube.objects[(NS, ISVC)]
        return out

    isvcs.patch = patch


def _pin_back(body) -> bool:
    return ((body.get("spec") or {}).get("predictor") or {}).get("canaryTrafficPercent") == 0


def _retries_write_the_held_record(kube, monkeypatch, isvcs, reg, cfg, tags, records):
    from ctloop.errors import ServingChangedOutside

    for index, written in (("1", True), ("2", False), ("0", False)):
        monkeypatch.setenv(release.RETRY_INDEX_ENV, index)
        since = len(kube.calls)
        with pytest.raises(ServingChangedOutside, match="refused") as again:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []  # serving untouched
        said = str(again.value)
        assert ("the held deploy's audit record, which that attempt failed to write, written now" in said) == written
        assert ("nothing else written" if written else "nothing written") in said, said
    held = [r for r in records if r.get("event") == "deploy_held"]
    assert len(held) == 1 and held[0]["pipeline_run"] == "run-a" and held[0]["version"] == "2", records
    assert "earlier attempt of this run (run-a)" in held[0]["reason"] and held[0]["recorded_by"]
    last = release.last_decision(records, ISVC, NS)
    assert last is not None and last["decided"] == "deploy held", last
    return held[0]


def test_a_held_deploys_refused_record_is_written_by_its_retry(monkeypatch):
    # Seen failing on main: the retries refused for ctloop.rollout.held, "nothing written", and no
    # deploy_held record ever (last decision: none)
    from ctloop.config import RolloutConfig
    from ctloop.errors import ServingChangedOutside
    from tests.doubles.kube_api import KubeApiDouble
    from tests.serving.test_fix38b_release_deploy_rollback import _v1_deployed
    from tests.serving.test_r59_fixcl import _kept_with_runs

    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=2) as kube:
        isvcs, _, reg = _v1_deployed(kube)
        tags, records = _kept_with_runs(reg)
        cfg = RolloutConfig(inference_service=ISVC, namespace=NS, timeout_seconds=3)
        refused: list[str] = []
        real_patch = _deploy_held_record_refused(kube, monkeypatch, reg, isvcs, cfg, refused, during=_canary_patch)
        with pytest.raises(ServingChangedOutside, match="recording it in the audit trail failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert refused == ["2"] and tags["ctloop.rollout.held"] == "run-a" and records == [r for r in records
                                                                                            if r["event"] == "deploy"]
        isvcs.patch = real_patch
        held = _retries_write_the_held_record(kube, monkeypatch, isvcs, reg, cfg, tags, records)
        assert "challenger_alias" not in held  # held before anything failed: the alias is the deploy's to keep
        assert kube.objects[(NS, ISVC)]["spec"]["predictor"]["canaryTrafficPercent"] == 100


def test_a_failed_deploy_held_on_a_deletion_whose_record_was_refused_is_recorded_by_its_retry(monkeypatch):
    # v2 not ready, its rollback pins it back and the service is deleted while it waits: held
    # (rollback_held, alias challenger off); MLflow refuses the deploy_held record. Seen failing on
    # main: never written
    from ctloop.errors import ServingChangedOutside
    from tests.doubles.kube_api import KubeApiDouble
    from tests.serving.r59_release_support import stalled_v2
    from tests.serving.test_r59_fixcl import _kept_with_runs

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, reg, cfg, tags, records = stalled_v2(kube, monkeypatch, _kept_with_runs)
        dropped: list[str] = []
        reg.drop_challenger = lambda m, v, rolled_back_before=None: dropped.append(str(v)) or "removed"
        refused: list[str] = []
        real_patch = _deploy_held_record_refused(kube, monkeypatch, reg, isvcs, cfg, refused, during=_pin_back)
        with pytest.raises(ServingChangedOutside, match="recording it in the audit trail failed"):
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        assert refused == ["2"] and tags["ctloop.rollout.status"] == "rollback_held" and dropped == ["2"]
        isvcs.patch = real_patch
        held = _retries_write_the_held_record(kube, monkeypatch, isvcs, reg, cfg, tags, records)
        assert held["challenger_alias"] == "removed" and "its rollback held: deploy failed:" in held["reason"], held
        assert (NS, ISVC) not in kube.objects


def test_a_rollback_not_applied_is_no_completed_rollback_to_the_match_rule():
    # release._rollback_recorded counted any action but refused/held as a completed rollback: a
    # service_gone record would have stood for a completed rollback whose record MLflow refused
    records = [{"event": "rollback", "version": "2", "action": "service_gone", "reason": "r", "pipeline_run": "p"}]

    class Reg:
        def run_events(self, m, run):
            return [r for r in records if r["pipeline_run"] == run]

    assert not release._rollback_recorded(Reg(), "credit", "2", "p", action="rolled_back", reason="r")
    records.append({**records[0], "action": "rolled_back"})
    assert release._rollback_recorded(Reg(), "credit", "2", "p", action="rolled_back", reason="r")


def test_a_rollback_whose_service_is_deleted_while_it_waits_says_what_it_wrote(monkeypatch, capsys):
    # the pin-back lands, then the service is deleted while the rollback waits for the traffic: not
    # applied as above, and the line does not claim nothing was written (the pin went with the service).
    # The registry is the release tests' double with v2's tags and the records kept
    from ctloop.config import RolloutConfig
    from tests.doubles.kube_api import KubeApiDouble
    from tests.serving.test_fix38b_release_deploy_rollback import _v1_deployed
    from tests.serving.test_r59_fixcl import _kept_with_runs

    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, _, reg = _v1_deployed(kube)
        cfg = RolloutConfig(inference_service=ISVC, namespace=NS, timeout_seconds=4)
        # the records kept from run-7's deploy on: the step knows the service gone by that deploy record
        tags, records = _kept_with_runs(reg)
        release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-7")  # a canary at 5 %
        dropped: list[str] = []
        reg.drop_challenger = lambda m, v, rolled_back_before=None: dropped.append(str(v)) or "removed from v2"
        _deleted_at_pin_back(kube, isvcs)  # kubectl delete isvc right after the pin-back
        capsys.readouterr()
        target, state = release.rollback(reg, isvcs, model_name="credit", failed_version="2", reason="error rate 3 %",
                                         cfg=cfg, run_id="run-7", record_refusal=True)
        said = capsys.readouterr().out
        assert target == "1" and state.action == "held" and state.note == release.SERVICE_GONE
        assert "not applied" in said and "its canary pinned to 0 %" in said, said
        assert "nothing written to the cluster" not in said, said
        assert [r["action"] for r in records if r["event"] == "rollback"] == ["service_gone"]
        assert tags["ctloop.rollout.status"] == "rollback_held" and dropped == ["2"]
        assert (NS, ISVC) not in kube.objects


def test_a_rollback_not_applied_whose_record_mlflow_refused_fails_the_step_and_its_retry_records_it(monkeypatch,
                                                                                                   capsys):
    # exit 0 with the record lost would leave the analysis' "rollback" the last decision for good: the
    # step fails (RegistryError, Argo retries it: maxRetryCount 2) and the retry writes the record once
    from ctloop.config import RolloutConfig
    from ctloop.errors import RegistryError
    from tests.doubles.kube_api import KubeApiDouble
    from tests.serving.r59_release_support import refusing_first_record
    from tests.serving.test_fix38b_release_deploy_rollback import _v1_deployed
    from tests.serving.test_r59_fixcl import _kept_with_runs

    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, _, reg = _v1_deployed(kube)
        cfg = RolloutConfig(inference_service=ISVC, namespace=NS, timeout_seconds=4)
        tags, records = _kept_with_runs(reg)  # run-7's deploy record kept: the step knows the service by it
        release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-7")
        reg.drop_challenger = lambda m, v, rolled_back_before=None: "removed from v2"
        refused: list[str] = []
        refusing_first_record(reg, refused, lambda event: event.get("action") == "service_gone")
        del kube.objects[(NS, ISVC)]

        def attempt():
            return release.rollback(reg, isvcs, model_name="credit", failed_version="2", reason="error rate 3 %",
                                    cfg=cfg, run_id="run-7", record_refusal=True)

        with pytest.raises(RegistryError, match="not applied.*recording it failed"):
            attempt()
        assert refused == ["2"] and records == [r for r in records if r["event"] != "rollback"]
        capsys.readouterr()
        for said in ("recorded (audit: rollback not applied", "recorded by an earlier attempt of this run (run-7"):
            _, state = attempt()
            assert state.note == release.SERVICE_GONE and said in capsys.readouterr().out
        assert [r["action"] for r in records if r["event"] == "rollback"] == ["service_gone"]

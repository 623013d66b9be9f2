"""Round 58's review of the cluster merge (dbd24a62..5cc63447), release.deploy and the walk.

* A deploy held for a change made outside (``ctloop.rollout.held``) let a retry with
  ``KFP_RETRY_INDEX`` 0 deploy again. 0 is a whole-run retry (KFP "Retry run") — or a retry by the
  controller's ``templateDefaults.retryStrategy`` of KFP's container-impl DAG, whose Retry node
  starts the step's ``{{retries}}`` at 0 again (Argo v4.0.5 ``workflow/controller/operator.go``
  executeTemplate ``retryNum = len(childNodeIDs)``): the two cannot be told apart, and the second
  wrote over the operator's change. And a step compiled with ``platform.retries: 0`` has no
  ``KFP_RETRY_INDEX`` at all (KFP 2.17.0 ``backend/src/v2/compiler/argocompiler/container.go`` adds
  it only with a retry policy), so its refusal's advice ("retry this run") was refused again forever.
  Now the held run never deploys the version again; a new run does (the rollout pipeline), clears
  the tag, and the held deploy is an audit decision (``ctloop rollout status``).
* A deploy record cut at the tag limit by a ctloop before round 58 was the walk's baseline: the
  first check held every time, and the analysis stored the cut marker so promote held too.
* A ``rollback_model`` step refused for bad input (a bad ``CTLOOP_KSERVE_NAMESPACE``) wrote no
  record: the canary kept its share with only the analysis' "rollback" on record. It is recorded as
  a failed deploy's refused rollback is (``release._rollback_refused``, round 57).
* A deploy without a run id (``ctloop rollout deploy``, a local run) left an earlier
  ``rolled_back`` status on a version it deployed again.

The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble (a double following KServe v0.20.0
and Knative Serving 1.21.1); the registry is the release tests' double
(tests/serving/test_fix38b_release_deploy_rollback.py) with the version's tags and records kept.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ctloop.config import RolloutConfig
from ctloop.registry import TAG_ROLLOUT_HELD, TAG_ROLLOUT_STATUS, tag_value
from ctloop.serving import isvc as specs
from ctloop.serving import release, rollout
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_fix38b_release_deploy_rollback import NAME, _v1_deployed
from tests.serving.test_rollout_components import NS, kube, registered

__all__ = ["kube", "registered"]  # fixtures


def _kept(reg) -> tuple[dict[str, str], list[dict]]:
    """The double keeps v2's tags and every audit record."""
    tags: dict[str, str] = {}
    records: list[dict] = []
    reg.set_tags = lambda m, v, t: tags.update(t) if str(v) == "2" else None
    reg.get_version = lambda m, v: SimpleNamespace(
        version=str(v), tags=dict(tags) if str(v) == "2" else {}
    )
    reg.record_event = lambda m, v, e: records.append({**e, "version": str(v)})
    return tags, records


def _held(kube, monkeypatch):
    """v1 serving; run-a's deploy of v2 is held: an operator patches canaryTrafficPercent to 100
    right after the deploy's own patch."""
    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    isvcs, _, reg = _v1_deployed(kube)
    tags, records = _kept(reg)
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=3)
    real_patch = isvcs.patch

    def patch(name, body):
        out = real_patch(name, body)
        if "canaryTrafficPercent" in str(body) and not tags.get("seen"):
            tags["seen"] = "1"
            real_patch(name, {"spec": {"predictor": {"canaryTrafficPercent": 100}}})
        return out

    isvcs.patch = patch
    with pytest.raises(rollout.ChangedOutside, match="whoever changed it decides"):
        release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
    return isvcs, reg, cfg, tags, records


def test_a_held_deploy_is_refused_by_its_own_run_and_deployed_by_a_new_one(monkeypatch):
    # Seen failing on main: unset, the advice was "retry this run", refused again forever; "0"
    # (a whole-run retry, or templateDefaults retrying the step's DAG) deployed over the change.
    # One held deploy for every case (the hold costs the double's waits: 0.5 s)
    with KubeApiDouble(ready_after_reads=2) as kube:
        isvcs, reg, cfg, tags, records = _held(kube, monkeypatch)
        for index in (None, "0"):
            if index is not None:
                monkeypatch.setenv(release.RETRY_INDEX_ENV, index)
            since = len(kube.calls)
            with pytest.raises(rollout.ChangedOutside, match="nothing written") as refused:
                release.deploy(
                    reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a"
                )
            assert [c[0] for c in kube.calls[since:] if c[0] != "GET"] == []
            assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 100
            said = str(refused.value)
            assert "retry this run" not in said and "deploy v2 with the rollout pipeline" in said, (
                said
            )
            assert f"{release.RETRY_INDEX_ENV}={'unset' if index is None else index}" in said
            assert tags[TAG_ROLLOUT_HELD] == "run-a"
        # Seen failing on main: no audit record of the held deploy (status showed the decision
        # before it), and the tag stayed after another run deployed the version
        last = release.last_decision(records, NAME, NS)
        assert last is not None and last["decided"] == "deploy held", last
        assert last["pipeline_run"] == "run-a" and "whoever changed it decides" in last["reason"]
        state, _ = release.deploy(
            reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-b"
        )
        assert state.action == "canary", state
        assert tags[TAG_ROLLOUT_HELD] == ""


def test_a_deploy_by_hand_resets_an_earlier_rolled_back_status(monkeypatch):
    # Seen failing on main: without a run id the tags were not read, so rolled_back stayed on v2
    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        tags, _ = _kept(reg)
        tags[TAG_ROLLOUT_STATUS] = "rolled_back"
        release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)
        assert tags[TAG_ROLLOUT_STATUS] == "deployed", tags


def test_a_deploy_record_cut_before_round_58_is_no_baseline_for_the_walk():
    # Seen failing on main: the cut record was the walk's baseline, so its first check held
    many = {f"example.com/note-{i:02d}": f"{i:02d}" + "n" * 98 for i in range(60)}
    cut = tag_value(specs.revision_metadata({"metadata": {"annotations": many}}))
    assert cut.endswith("[truncated]")
    cfg = RolloutConfig(inference_service=NAME, namespace=NS)
    record = {"event": "deploy", "version": "2", "revision_metadata": cut, **release._where(cfg)}
    reg = SimpleNamespace(run_events=lambda m, r: [record])
    assert release._deployed_metadata(reg, "credit", "2", "run-a", cfg) is None
    # an analysis record cut the same way still holds the promotion (release._judged_spec)
    judged = release._metadata_of({"revision_metadata": cut})
    assert judged is not None and judged[specs.METADATA_FORM] == specs.METADATA_CUT


def test_a_rollback_model_step_refused_for_bad_input_is_on_record(
    registered, kube, monkeypatch, capsys
):
    # Seen failing on main: refused (exit 2) with no audit record and the version's tags untouched,
    # the canary keeping its share with only the analysis' "rollback" on record. Recorded as a failed
    # deploy's refused rollback is (release._rollback_refused, round 57)
    from ctloop.components.deploy.component import deploy_canary
    from ctloop.components.rollback.component import rollback_model
    from ctloop.registry import ROLLBACK_REFUSED
    from tests.serving.test_rollout_components import ISVC, MODEL, RELEASE

    uri, reg = registered
    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    for version in ("1", "2"):
        deploy_canary.python_func(
            model_name=MODEL, version=version, rollout=RELEASE, tracking_uri=uri
        )
    kube.objects[(NS, ISVC)]["metadata"]["annotations"].pop(specs.MODE_ANNOTATION, None)
    monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
    since = len(kube.calls)
    with pytest.raises(SystemExit) as refused:
        rollback_model.python_func(
            model_name=MODEL, failed_version="2", rollout=RELEASE, reason="error rate 3 %",
            tracking_uri=uri, pipeline_run_id="run-9",
        )  # fmt: skip
    assert refused.value.code == 2
    assert [c for c in kube.calls[since:] if c[0] != "GET"] == []  # serving untouched
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Red_Hat" in err and "audit: rollback refused" in err, err
    assert reg.get_version(MODEL, "2").tags[TAG_ROLLOUT_STATUS] == ROLLBACK_REFUSED
    event = [r for r in reg.audit_log(MODEL) if r.get("event") == "rollback"][-1]
    assert (event["action"], event["pipeline_run"], event["reason"]) == (
        "refused",
        "run-9",
        "error rate 3 %",
    )
    last = release.last_decision(reg.audit_log(MODEL), ISVC, NS)
    assert last is not None and last["decided"] == "rollback refused", last
    # Argo retries it (exit 2 is a failure to rollback_model's maxRetryCount 2). Seen failing on main
    # (round 58's second review): each attempt recorded the refusal again, 3 records for one step
    for attempt in ("1", "2"):
        monkeypatch.setenv(release.RETRY_INDEX_ENV, attempt)
        with pytest.raises(SystemExit) as refused:
            rollback_model.python_func(
                model_name=MODEL, failed_version="2", rollout=RELEASE, reason="error rate 3 %",
                tracking_uri=uri, pipeline_run_id="run-9",
            )  # fmt: skip
        assert refused.value.code == 2
    err = capsys.readouterr().err
    assert "recorded by an earlier attempt of this run (run-9" in err, err
    log = reg.audit_log(MODEL)
    assert [r.get("action") for r in log if r.get("event") == "rollback"].count("refused") == 1

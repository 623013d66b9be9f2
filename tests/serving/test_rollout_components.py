"""The rollout components through python_func: a real MLflow store, the Kubernetes API double
reached through a kubeconfig (the components' own client loading path), real Prometheus data."""

import pandas as pd
import pytest
from kfp.dsl import Markdown, Metrics

from ctloop.components.analyze.component import analyze_canary
from ctloop.components.deploy.component import deploy_canary
from ctloop.components.promote.component import promote_model
from ctloop.components.rollback.component import rollback_model
from ctloop.components.validate.component import validate_serving
from ctloop.serving import rollout
from ctloop.serving.rollout import CONFLICT_ATTEMPTS
from tests.doubles.kube_api import KubeApiDouble, write_kubeconfig
from tests.fixtures.rollout_store import MODEL, registered

__all__ = ["MODEL", "registered"]  # the other rollout modules import both from here

NS, ISVC = "ml", "credit"
RELEASE = {"inference_service": ISVC, "namespace": NS, "timeout_seconds": 10}


@pytest.fixture
def kube(tmp_path, monkeypatch):
    with KubeApiDouble(ready_after_reads=1) as double:
        monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", double.url))
        yield double


def test_validate_serving_accepts_the_export(registered):
    uri, registry = registered
    out = validate_serving.python_func(model_name=MODEL, version="2", tracking_uri=uri)
    assert out.valid, out.reason
    assert "identical predictions" in out.reason
    assert registry.audit_log(MODEL)[-1]["event"] == "validate_serving"


def test_validate_serving_blocks_a_version_mismatch():
    from ctloop.serving.validate import validate_export

    result = validate_export("/nonexistent.joblib", None, pd.DataFrame(), trained_sklearn="1.4.2")
    assert not result.valid and "not portable" in result.reason


def _walked_to_the_plans_last_step(kube):
    """Where the analysis leaves a passing canary: promote_model promotes that share (or none) only."""
    from ctloop.config import RolloutConfig
    from ctloop.serving import rollout
    from ctloop.serving.kube import InferenceServices

    last = RolloutConfig.from_dict(RELEASE).traffic_plan[-1]
    rollout.set_traffic(InferenceServices(NS, api_client=kube.api_client()), ISVC, last, timeout_s=10)


def test_deploy_promote_then_rollback_with_audit(registered, kube, tmp_path):
    uri, registry = registered
    first = deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    assert first.action == "created"
    canary = deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri)
    assert canary.action == "canary" and canary.storage_uri.endswith("model-joblib")
    assert kube.traffic(NS, ISVC) == {canary.latest_revision: 5, canary.previous_revision: 95}

    rolled = rollback_model.python_func(model_name=MODEL, failed_version="2", rollout=RELEASE,
                                        reason="error rate 3 %", tracking_uri=uri)
    assert rolled.serving_version == "1"
    (revision,) = kube.traffic(NS, ISVC)
    assert kube.revision_uri(NS, ISVC, revision) == registry.model_artifact_uri(MODEL, "1")
    assert registry.get_version(MODEL, "2").tags["ctloop.rollout.status"] == "rolled_back"
    assert registry.champion(MODEL).version == "1"

    again = deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri)
    assert again.action == "canary"
    _walked_to_the_plans_last_step(kube)
    previous = promote_model.python_func(model_name=MODEL, version="2", reason="canary passed", tracking_uri=uri,
                                         rollout=RELEASE).previous_champion
    assert previous == "1" and registry.champion(MODEL).version == "2"
    assert list(kube.traffic(NS, ISVC).values()) == [100]
    events = [e["event"] for e in registry.audit_log(MODEL)]
    assert events.count("deploy") == 3 and "rollback" in events and "traffic_promote" in events


def test_analyze_first_deployment_needs_no_prometheus(registered, tmp_path):
    uri, _ = registered
    out = analyze_canary.python_func(
        model_name=MODEL, version="1", rollout=RELEASE, deploy_action="created",
        canary_revision="r1", stable_revision="", tracking_uri=uri,
        analysis_metrics=Metrics(name="m", uri=str(tmp_path / "m"), metadata={}),
        analysis_report=Markdown(name="r", uri=str(tmp_path / "r"), metadata={}))
    assert out.decision == "promote"


def test_cli_status_canary_rollback(registered, kube, capsys):
    from ctloop.cli import main

    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri)
    base = ["--isvc", ISVC, "--namespace", NS, "--timeout", "10"]
    assert main(["rollout", "canary", *base, "--percent", "20"]) == 0
    assert main(["rollout", "status", *base, "--model-name", MODEL, "--tracking-uri", uri]) == 0
    out = capsys.readouterr().out
    assert " 20 %  credit-predictor-00002" in out and "champion=v1" in out
    assert main(["rollout", "rollback", *base, "--model-name", MODEL, "--tracking-uri", uri]) == 0
    (revision,) = kube.traffic(NS, ISVC)
    assert kube.revision_uri(NS, ISVC, revision) == registry.model_artifact_uri(MODEL, "1")


def test_cli_status_names_a_failed_revision(registered, kube, capsys):
    # KServe v0.20.0 shows Knative's RevisionFailed (knative-v1.21.1 configuration_lifecycle.go)
    # as the condition PredictorConfigurationReady; status showed only latestCreated != latestReady
    from ctloop.cli import main
    from ctloop.serving import isvc as specs
    from ctloop.serving.kube import InferenceServices

    uri, _ = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    bad = "gs://models/run-bad/artifacts/model-joblib"
    kube.fail_revisions(bad)
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    isvcs.patch(ISVC, specs.canary_patch(version="2", storage_uri=bad, percent=5))
    for _ in range(3):
        isvcs.get(ISVC)  # the double's controller moves on reads
    assert main(["rollout", "status", "--isvc", ISVC, "--namespace", NS]) == 0
    out = capsys.readouterr().out
    assert 'FAILED: Revision "credit-predictor-00002" failed with message' in out
    assert "previous -" in out


def test_cli_audit_answers_who_served_what(registered, kube, capsys):
    from ctloop.cli import main

    uri, _ = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri)
    assert main(["audit", "--model-name", MODEL, "--tracking-uri", uri]) == 0
    out = capsys.readouterr().out
    assert "deploy" in out and '"credit-predictor-00002": 5' in out and "champions: v1" in out


# ---------------------------------------------------------------------------- the whole canary
# ctloop.serving.release.canary chains deploy → analyze → promote | rollback: the functions the
# components above call, in the order the compiled pipeline runs them.
def run_canary(registry, check, plan=(5, 25, 50, 100), timeout=5, strategy="canary", max_failed_checks=1):
    from ctloop.config import RolloutConfig
    from ctloop.serving import release
    from ctloop.serving.kube import InferenceServices

    cfg = RolloutConfig(inference_service=ISVC, namespace=NS, traffic_plan=list(plan), timeout_seconds=timeout,
                        interval_seconds=1, strategy=strategy, max_failed_checks=max_failed_checks)
    return release.canary(registry, InferenceServices(NS), model_name=MODEL, version="2", reason="gate passed",
                          cfg=cfg, check=check)


def _events(registry):
    return [e["event"] for e in registry.audit_log(MODEL)]


def test_healthy_canary_walks_the_plan_and_is_promoted(registered, kube):
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    seen = []
    outcome = run_canary(registry, lambda p: (seen.append(p) or True, "ok", {"error_rate": 0.0}))
    assert outcome.decision == "promoted" and seen == [5, 25, 50, 100]
    assert kube.traffic(NS, ISVC) == {"credit-predictor-00002": 100}
    assert registry.champion(MODEL).version == "2"
    assert _events(registry)[-7:] == ["deploy", "traffic", "traffic", "traffic", "analysis", "traffic_promote",
                                      "promote"]


def test_blue_green_is_judged_at_100_and_its_traffic_never_pulled_back(registered, kube):
    # blue-green switched all traffic at deploy: walking the canary plan afterwards took the new
    # model back to 25 % and 50 % (its first check labelled 5 % while it served everything)
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    seen = []
    mark = len(kube.history)
    outcome = run_canary(registry, lambda p: (seen.append(p) or True, "ok", {}), strategy="blue-green")
    assert outcome.decision == "promoted" and seen == [100] * 4  # once per step of the plan
    new = "credit-predictor-00002"
    shares = [split[new] for _, split in kube.history[mark:] if new in split]
    assert shares and set(shares) == {100}, shares
    assert registry.champion(MODEL).version == "2"


def test_blue_green_is_rolled_back_after_max_failed_checks(registered, kube):
    # judged once, a blue-green release with max_failed_checks: 2 could never fail twice: promoted
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    seen = []
    outcome = run_canary(registry, lambda p: (seen.append(p) and False, "error rate 3 % > 1 %", {}),
                         strategy="blue-green", max_failed_checks=2)
    assert outcome.decision == "rolled_back" and seen == [100, 100], (outcome.reason, seen)
    assert registry.champion(MODEL).version == "1"


def _hand_patch(kube, patch):
    """What an operator's ``kubectl patch isvc --type merge -p ...`` sends, mid-analysis."""
    from ctloop.serving.kube import InferenceServices

    InferenceServices(NS, api_client=kube.api_client()).patch(ISVC, patch)


@pytest.mark.parametrize("by_hand", ["traffic", "storage_uri"])
def test_a_change_by_hand_during_the_analysis_is_kept_and_nothing_is_decided(registered, kube, by_hand):
    # an operator pinning the canary to 0 % (or serving another model) while the analysis waited
    # had the next step put the canary back at 50 %, and a passing walk made it the champion
    from ctloop.serving import isvc as specs

    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    stable = registry.model_artifact_uri(MODEL, "1")
    patch = (specs.pin_back_patch() if by_hand == "traffic"
             else specs.canary_patch(version="1", storage_uri=stable, percent=25))

    def check(percent):
        if percent == 25:
            _hand_patch(kube, patch)
        return True, "ok", {}

    outcome = run_canary(registry, check)
    assert outcome.decision == "held", outcome
    assert "changed outside this rollout" in outcome.reason
    assert ("canaryTrafficPercent is 0, this rollout set 25" if by_hand == "traffic"
            else f"its storageUri is {stable}") in outcome.reason
    predictor = kube.objects[(NS, ISVC)]["spec"]["predictor"]
    assert predictor["canaryTrafficPercent"] == (0 if by_hand == "traffic" else 25)  # the operator's value stands
    assert registry.champion(MODEL).version == "1"  # nothing promoted, nothing tagged rolled back
    assert "ctloop.rollout.status" not in registry.get_version(MODEL, "2").tags
    assert _events(registry)[-1] == "analysis"
    assert registry.audit_log(MODEL)[-1]["decision"] == "hold"
    assert [s["percent"] for s in outcome.analysis.steps] == [5]  # judged before the change: in the report


def test_failed_check_rolls_back(registered, kube):
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    outcome = run_canary(registry, lambda p: (p < 25, "error rate 3 % > 1 %" if p >= 25 else "ok", {}))
    assert outcome.decision == "rolled_back" and "error rate" in outcome.reason and outcome.serving_version == "1"
    assert kube.objects[(NS, ISVC)]["spec"]["predictor"]["model"]["storageUri"] == registry.model_artifact_uri(MODEL,
                                                                                                             "1")
    assert list(kube.traffic(NS, ISVC).values()) == [100]
    assert _events(registry)[-1] == "rollback" and registry.champion(MODEL).version == "1"


@pytest.mark.parametrize("fault", ["500", "409", "timeout"])
def test_fault_mid_rollout_ends_on_the_stable_model(registered, kube, fault, monkeypatch):
    monkeypatch.setattr(rollout, "CONFLICT_BACKOFF_S", 0.0)  # the count, without the pauses
    from ctloop.errors import ServingError

    uri, registry = registered
    stable = registry.model_artifact_uri(MODEL, "1")
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)

    def check(percent):
        if percent == 25:  # the fault strikes while traffic is moving
            if fault == "500":
                kube.fail_next(500, n=3)  # more than the client's retries
            elif fault == "409":
                # more than the conditional patch's attempts: a 409 over an unchanged spec is read
                # again and retried (a status update moves the resourceVersion too)
                kube.fail_next(409, n=CONFLICT_ATTEMPTS)
        return True, "ok", {}

    if fault == "timeout":
        kube.stall(True)  # the new revision never becomes ready: deploy times out, and so does its own rollback
        with pytest.raises(ServingError):
            run_canary(registry, check, timeout=1)
        (revision,) = kube.traffic(NS, ISVC)  # meanwhile all traffic is on the stable model
        assert kube.revision_uri(NS, ISVC, revision) == stable
        kube.stall(False)  # the controller recovers; re-running the rollback finishes the job
        rollback_model.python_func(model_name=MODEL, failed_version="2", rollout=RELEASE, reason="recovered",
                                   tracking_uri=uri)
    else:
        outcome = run_canary(registry, check)
        assert outcome.decision == "rolled_back", outcome.reason
    obj = kube.objects[(NS, ISVC)]
    assert obj["spec"]["predictor"]["model"]["storageUri"] == stable
    assert "canaryTrafficPercent" not in obj["spec"]["predictor"]
    (revision,) = kube.traffic(NS, ISVC)
    assert kube.revision_uri(NS, ISVC, revision) == stable
    assert registry.champion(MODEL).version == "1"

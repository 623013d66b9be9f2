"""A rollback held because the spec names another model (fix 42g) must still let abort win on
traffic, and must say what it wrote before it held.

1. Knative routes the ``latestRevision`` target to the latest *ready* revision
   (knative-v1.21.1 ``pkg/reconciler/route/traffic/traffic.go``): another run's canary deployed
   over the failed one, whose revision is not ready (or fails), gives its share to the failed
   model's revision. "held, nothing written" left that model serving — more than before. The held
   rollback now pins that canary to 0 % once its revision has failed (it only lowers the other
   canary's share), and says so; while it merely starts nothing is written (fix 42j).
2. A ``ChangedOutside`` after the pin-back and the champion's storageUri landed was reported as
   "nothing written": the line now says what was written.

Through KubeApiDouble (tests/doubles/kube_api.py: ``fail_revisions``, Knative's routing of the
latest ready revision) and, for the component, a real MLflow store."""

from __future__ import annotations

from ctloop.components.deploy.component import deploy_canary
from ctloop.components.rollback.component import rollback_model
from ctloop.serving import isvc as specs
from ctloop.serving import release, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import with_canary
from tests.serving.test_rollout_components import ISVC, MODEL, RELEASE, kube, registered

__all__ = ["kube", "registered"]  # fixtures

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))
OTHER = specs.canary_patch(version="3", storage_uri=V3, percent=20)


def _failed_share(kube, ns, name, failed):
    return {
        rev: pct
        for rev, pct in kube.traffic(ns, name).items()
        if kube.revision_uri(ns, name, rev) == failed and pct
    }


def test_a_held_rollback_takes_the_other_canarys_share_off_the_failed_revision(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    kube.fail_revisions(V3)  # the other run's model never becomes ready
    isvcs.patch(NAME, OTHER)
    isvcs.get(NAME)  # the controller reconciles: the v3 revision fails, v2's stays the latest ready
    assert _failed_share(kube, NS, NAME, V2)  # Knative gives v3's 20 % to the failed v2 revision
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    assert state.action == "held" and state.version == "3"
    assert not _failed_share(kube, NS, NAME, V2), kube.traffic(NS, NAME)
    assert "pinned to 0 %" in state.written
    pred = isvcs.get(NAME)["spec"]["predictor"]
    assert pred["model"]["storageUri"] == V3 and pred["canaryTrafficPercent"] == 0


def test_a_held_rollback_with_the_other_model_ready_writes_nothing(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    isvcs.patch(NAME, OTHER)
    for _ in range(3):
        isvcs.get(NAME)  # v3's revision becomes ready and takes its 20 %
    n = len(kube.calls)
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    assert state.action == "held" and not state.written
    assert not [c for c in kube.calls[n:] if c[0] != "GET"]
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 20


class ChangedBeforeLastStep:
    """Another model deployed just before the rollback's last patch (after its pin-back and the
    champion's storageUri landed)."""

    def __init__(self, isvcs, change):
        self.isvcs, self.change, self.namespace, self.patches = isvcs, change, isvcs.namespace, 0

    def get(self, name):
        return self.isvcs.get(name)

    def revision_source(self, revision):
        return self.isvcs.revision_source(revision)

    def patch(self, name, patch):
        self.patches += 1
        if self.patches == 3 and self.change:
            self.isvcs.patch(name, self.change)
            for _ in range(3):
                self.isvcs.get(name)  # its revision ready
            self.change = None
        return self.isvcs.patch(name, patch)


def test_a_rollback_held_after_its_writes_landed_says_what_it_wrote(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    state = rollout.rollback(
        ChangedBeforeLastStep(isvcs, OTHER),
        NAME,
        version="1",
        storage_uri=V1,
        timeout_s=5,
        failed_storage_uri=V2,
    )
    assert state.action == "held" and state.version == "3"
    assert "storageUri written" in state.written and "failed model left the spec" in state.written


def test_the_held_line_of_the_component_names_the_writes(registered, kube, capsys, monkeypatch):
    uri, registry = registered
    for version in ("1", "2"):
        deploy_canary.python_func(
            model_name=MODEL, version=version, rollout=RELEASE, tracking_uri=uri
        )
    real = rollout.rollback

    def meddled(isvcs, name, **kw):
        return real(ChangedBeforeLastStep(isvcs, OTHER), name, **kw)

    monkeypatch.setattr(release.rollout, "rollback", meddled)
    rollback_model.python_func(
        model_name=MODEL,
        failed_version="2",
        rollout=RELEASE,
        reason="error rate 3 %",
        tracking_uri=uri,
    )
    out = capsys.readouterr().out
    assert "held" in out and "storageUri written" in out and "nothing written" not in out, out
    (event,) = [e for e in registry.audit_log(MODEL) if e["event"] == "rollback"]
    assert event["action"] == "held" and "storageUri written" in event["written"]
    assert InferenceServices(NS, api_client=kube.api_client()).get(ISVC)


def test_rollback_model_held_over_a_not_ready_canary_pins_it_out_and_says_so(
    registered, kube, capsys
):
    uri, registry = registered
    for version in ("1", "2"):
        deploy_canary.python_func(
            model_name=MODEL, version=version, rollout=RELEASE, tracking_uri=uri
        )
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    failed = isvcs.get(ISVC)["spec"]["predictor"]["model"]["storageUri"]
    kube.fail_revisions(V3)
    isvcs.patch(ISVC, OTHER)
    isvcs.get(ISVC)
    rollback_model.python_func(
        model_name=MODEL,
        failed_version="2",
        rollout=RELEASE,
        reason="error rate 3 %",
        tracking_uri=uri,
    )
    out = capsys.readouterr().out
    print(out)
    assert "held" in out and "pinned to 0 %" in out and "nothing written" not in out, out
    assert not _failed_share(kube, NS, ISVC, failed), kube.traffic(NS, ISVC)
    assert registry.get_version(MODEL, "2").tags["ctloop.rollout.status"] == "rollback_held"

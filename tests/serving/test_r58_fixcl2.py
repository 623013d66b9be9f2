"""Round 58's second review of the cluster fixes (631e4189..de1b0589: release.py, approval.py).

* A rollback by hand that was held records ``ctloop.rollout.pipeline_run=""``; the guard refusing a
  held rollback's retry compared that with a deploy by hand's run id ("" too), so ``ctloop rollout
  deploy`` of that version was refused for good ("this run () deployed it before").
* ``rollback_model`` refused for bad input exits 2, which does not stop Argo's retries (the step's
  ``maxRetryCount`` 2): each attempt wrote the tags, removed ``challenger`` and added an audit record
  again (3 records for one refusal): tests/serving/test_r58_fixcl.py's refused step is retried now.
* A held deploy whose audit record failed after the held tag was written warned that "a retry of
  this step may write over that change": the tag was there, so it may not.
* approval's ``ROLLOUT_EVENTS`` lacked ``deploy_held``: a held deploy showed no rollout run.

The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble (a double following KServe v0.20.0
and Knative Serving 1.21.1); the registry is the release tests' double
(tests/serving/test_fix38b_release_deploy_rollback.py).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ctloop.approval import _orphan_rollout
from ctloop.config import RolloutConfig
from ctloop.errors import RegistryError, ServingError
from ctloop.registry import TAG_ROLLOUT_HELD, TAG_ROLLOUT_NOT_READY, TAG_ROLLOUT_STATUS
from ctloop.serving import release, rollout
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_fix38b_release_deploy_rollback import NAME, _v1_deployed
from tests.serving.test_r58_fixcl import _kept
from tests.serving.test_rollout_components import NS


def test_a_deploy_by_hand_after_a_held_rollback_by_hand(monkeypatch):
    # Seen failing on main: ServingError "this run () deployed it before ... rollback was held"
    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        release.deploy(reg, isvcs, model_name="credit", version="3", cfg=cfg)  # the spec names v3
        tags, _ = _kept(reg)
        # v2's rollback by hand was held (release._record_rollback without a run id)
        tags.update({TAG_ROLLOUT_STATUS: "rollback_held", "ctloop.rollout.pipeline_run": "",
                     "ctloop.rollout.reason": "held"})  # fmt: skip
        state, _ = release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)
        assert state.action == "canary", state
        assert tags[TAG_ROLLOUT_STATUS] == "deployed", tags


@pytest.mark.parametrize("fails", ["record_event", "set_tags"])
def test_a_held_deploy_warns_of_a_retry_only_when_its_tag_was_not_written(monkeypatch, fails):
    # Seen failing on main with record_event failing: "a retry of this step may write over that
    # change" although ctloop.rollout.held was written (one try for both writes)
    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, _, reg = _v1_deployed(kube)
        tags, _ = _kept(reg)
        cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=3)

        def down(*a, **k):
            raise RegistryError("MLflow down")

        setattr(reg, fails, down)
        real_patch = isvcs.patch

        def patch(
            name, body
        ):  # an operator patches the canary's share right after the deploy's patch
            out = real_patch(name, body)
            if "canaryTrafficPercent" in str(body) and not kube.__dict__.get("seen"):
                kube.__dict__["seen"] = True
                real_patch(name, {"spec": {"predictor": {"canaryTrafficPercent": 100}}})
            return out

        isvcs.patch = patch
        with pytest.raises(rollout.ChangedOutside) as held:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        said = str(held.value)
        assert "MLflow down" in said, said
        if fails == "record_event":
            assert tags[TAG_ROLLOUT_HELD] == "run-a"
            assert "may write over" not in said and "audit trail failed" in said, said
        else:
            assert TAG_ROLLOUT_HELD not in tags
            assert "tagging it failed" in said and "may write over that change" in said, said


def test_a_held_deploy_names_its_rollout_run():
    # Seen failing on main: "" (deploy_held was no rollout event), so approval saw no rollout run
    record = {"event": "deploy_held", "version": "2", "pipeline_run": "run-a"}
    reg = SimpleNamespace(audit_log=lambda name: [record], aliases=lambda name: {})
    assert "run-a" in _orphan_rollout(reg, "credit", SimpleNamespace(version="2", tags={}))


def test_a_not_ready_refusal_without_a_retry_index_points_at_a_new_run(monkeypatch):
    # The review's item 5: main already says so since dff94085 (passes on main); no test held it
    monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        tags, _ = _kept(reg)
        tags[TAG_ROLLOUT_NOT_READY] = "run-a"
        with pytest.raises(ServingError, match="nothing written") as refused:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg, run_id="run-a")
        said = str(refused.value)
        assert "KFP_RETRY_INDEX=unset" in said and "retry this run" not in said, said
        assert "deploy v2 with the rollout pipeline" in said, said

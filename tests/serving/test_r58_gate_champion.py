"""Two continuous-training runs of one model at once, both gated against champion v1: run B promoted v4, then run A
promoted v3 over v4 (main 66a38ab4: the promotion lock serialises the two, the alias is last-writer-wins), a model
never compared with v4, recorded as "v3 replaced v4" with A's reason about v1; neither run was told. Now
``register_model`` records the champion the gate judged against (tag ``ctloop.gate_champion``, from
``evaluate_model``'s metrics metadata ``champion_version``) and the registering run's deploy and promotion are
refused while another version is champion: in ``release.deploy`` and ``release.promote`` before any traffic moves,
and again by ``MlflowRegistry.promote`` under the lock; ``ctloop approve`` of such a version too. Not refused (the
round-58 ``newer_only`` refused them): the rollout pipeline re-deploying the champion after a hand rollback, or
rolling out a former champion again, a model deleted and created again (MLflow counts from 1 anew), a KFP retry of
a promotion that committed. Also (round 58's registry review): a champion set by hand on a version tagged
``was_champion=unconfirmed`` is not read as "restored from MLflow's trash". MLflow is real (the ``registered`` sqlite store: v1 champion, v2); the cluster is
tests/doubles/kube_api.py's double of the Kubernetes API."""

from __future__ import annotations

import re

import pytest

from ctloop import approval
from ctloop.components.register.core import registration_tags
from ctloop.config import RolloutConfig
from ctloop.errors import RegistryError
from ctloop.registry import (
    CHALLENGER,
    CHAMPION,
    TAG_GATE_CHAMPION,
    TAG_GATE_DECISION,
    TAG_WAS_CHAMPION,
    UNCONFIRMED_WAS_CHAMPION,
)
from ctloop.serving import release, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble
from tests.fixtures.rollout_store import MODEL, register_from_v2, registered
from tests.helpers import REPO
from tests.integration.registry_support import history

__all__ = ["registered"]


def _gated(reg, run: str, judged: str, n: int) -> str:
    """A version as ``register_model`` of pipeline run ``run`` registers it after a gate against ``judged``."""
    return register_from_v2(reg, tags={TAG_GATE_DECISION: "approved", "ctloop.pipeline_run_id": run,
                                       TAG_GATE_CHAMPION: judged}, registration_id=str(n) * 32)  # fmt: skip


def _promote(reg, version: str, run: str, isvcs=None, cfg: RolloutConfig | None = None):
    return release.promote(reg, isvcs, model_name=MODEL, version=version, reason=f"{run}: v{version} beats v1",
                           cfg=cfg or RolloutConfig(), run_id=run)  # fmt: skip


def test_register_records_the_champion_the_gate_judged_against():
    common = {"meta": {}, "gate_reason": "r", "dataset_digest": "d", "pipeline_run_id": "run-A",
              "pipeline_run_name": "", "code_version": "0"}  # fmt: skip
    # evaluate_model's metrics metadata (components/evaluate/component.py) holds champion_version, a string
    tags = registration_tags(
        gate_metrics={"champion_version": "1", "challenger.roc_auc": 0.8}, **common
    )
    assert tags[TAG_GATE_CHAMPION] == "1" and tags["ctloop.metric.challenger.roc_auc"] == "0.8"
    assert (
        registration_tags(gate_metrics={"champion_version": ""}, **common)[TAG_GATE_CHAMPION] == ""
    )
    # not from the gate: unchecked
    assert TAG_GATE_CHAMPION not in registration_tags(gate_metrics={}, **common)


def _refusal(version: str, doing: str = "promoting") -> re.Pattern:
    return re.compile(
        rf"not {doing} {MODEL} v{version}: the champion is v4 \(promoted by pipeline run run-B at [^)]+\), but "
        rf"v{version}'s gate compared it with v1; nothing was changed; run the pipeline again to gate a new version "
        rf"against the champion, or release v{version} anyway \(moves all traffic, no canary\): `ctloop rollout "
        rf"promote --isvc \.\.\. --namespace \.\.\. --model-name {MODEL} --version {version} --reason \.\.\.`$"
    )


def test_the_second_of_two_runs_does_not_promote_over_the_first(registered):
    _, reg = registered
    v3, v4 = _gated(reg, "run-A", "1", 3), _gated(reg, "run-B", "1", 4)
    assert _promote(reg, v4, "run-B") == "1"
    before = history(reg, MODEL)
    with pytest.raises(RegistryError) as caught:
        _promote(reg, v3, "run-A")  # was: "4", v3 champion
    # a registry-only model: no InferenceService to name (was: `ctloop rollout promote --isvc ...`)
    again = "nothing was changed; run the pipeline again to gate a new version against the champion"
    assert str(caught.value).startswith(f"not promoting {MODEL} v{v3}: the champion is v4"), str(
        caught.value
    )
    assert str(caught.value).endswith(again), str(caught.value)
    # an approval: rejected, not released by hand (was: `ctloop rollout promote`, which left it pending)
    with pytest.raises(RegistryError) as caught:
        reg.refuse_champion_changed(MODEL, v3, "1", doing="approving")
    assert str(caught.value).endswith(
        f"{again} (its version replaces v{v3} as the one pending approval), or reject v{v3}: `ctloop reject "
        f"--model-name {MODEL} --version {v3} --reason ...`"
    ), str(caught.value)
    # the registry's own check, under the lock (a promotion landing after release.promote's check)
    with pytest.raises(RegistryError, match=_refusal(v3).pattern):
        reg.promote(MODEL, v3, reason="run-A", pipeline_run="run-A", gate_champion="1")
    assert reg.aliases(MODEL)[CHAMPION] == "4" and history(reg, MODEL) == before
    # a KFP retry of B's promotion, committed: the same answer
    assert _promote(reg, v4, "run-B") == "1"
    # on an InferenceService: refused before any traffic moves, at A's deploy_canary and at its promote_model
    cfg = RolloutConfig(
        inference_service="credit", namespace="ml", traffic_plan=[5, 50], timeout_seconds=10
    )
    with KubeApiDouble(ready_after_reads=1) as double:
        isvcs = InferenceServices("ml", api_client=double.api_client())
        with pytest.raises(RegistryError, match=_refusal(v3, "deploying").pattern):
            release.deploy(reg, isvcs, model_name=MODEL, version=v3, cfg=cfg, run_id="run-A")
        assert double.calls == []  # no InferenceService read, created or patched
        with pytest.raises(RegistryError) as caught:
            _promote(reg, v3, "run-A", isvcs, cfg)
        assert str(caught.value).endswith(
            f"nothing was changed; run the pipeline again to gate a new version against the champion; no canary of "
            f"v{v3} takes traffic on ml/credit; or release v{v3} anyway (moves all traffic, no canary): `ctloop "
            f"rollout promote --isvc credit --namespace ml --model-name {MODEL} --version {v3} --reason ...`"
        ), str(caught.value)
        # read, to say what the refusal leaves; nothing created or patched
        assert [c[0] for c in double.calls] == ["GET"] and double.objects == {}
    assert reg.aliases(MODEL)[CHAMPION] == "4" and history(reg, MODEL) == before


def test_the_rollout_pipeline_redeploys_the_champion_and_a_former_one(registered):
    _, reg = registered
    v3 = _gated(reg, "run-A", "1", 3)
    assert _promote(reg, v3, "run-A") == "1"
    assert release.promote(reg, None, model_name=MODEL, version="1", reason="hand rollback", cfg=RolloutConfig(),
                           by_hand=True) == v3  # fmt: skip
    # gated as the first
    reg.set_tags(MODEL, "1", {"ctloop.pipeline_run_id": "run-1", TAG_GATE_CHAMPION: ""})
    # the rollout pipeline re-deploys the champion: unchanged
    assert _promote(reg, "1", "run-R1") == v3
    # ... rolls out the former champion v3 again (was: refused)
    assert _promote(reg, v3, "run-R2") == "1"
    assert _promote(reg, v3, "run-A") == "1"  # a KFP retry of run A's promotion: v3 is champion
    assert reg.aliases(MODEL)[CHAMPION] == v3


def test_a_model_deleted_and_created_again_promotes(registered):
    _, reg = registered
    _promote(reg, _gated(reg, "run-A", "1", 3), "run-A")
    v2 = reg.get_version(MODEL, "2")
    reg.client.delete_registered_model(MODEL)  # MLflow counts its versions from 1 again
    one = str(reg.register(MODEL, model_uri=v2.source, run_id=v2.run_id, registration_id="5" * 32,
                           tags={"ctloop.pipeline_run_id": "run-N", TAG_GATE_CHAMPION: ""}).version)  # fmt: skip
    assert one == "1" and _promote(reg, one, "run-N") is None
    assert reg.aliases(MODEL)[CHAMPION] == "1"


def test_approve_refuses_a_version_whose_gate_champion_was_replaced(registered):
    _, reg = registered
    v3 = _gated(reg, "run-A", "1", 3)
    assert (
        approval.request(
            reg, MODEL, v3, reason="approval required", rollout={}, pipeline_run="run-A"
        )
        == ""
    )
    # v2, older: approve's own newer-champion rule passes it
    reg.promote(MODEL, "2", reason="by hand")
    with pytest.raises(RegistryError) as caught:
        # was: approved, then promoted
        approval.decide(reg, MODEL, v3, approve=True, by="alice", reason="ok")
    text = str(caught.value)
    assert (
        text.startswith(
            f"not approving {MODEL} v{v3}: the champion is v2 (promoted outside a pipeline run at "
        )
        and f"but v{v3}'s gate compared it with v1; nothing" in text
        and text.endswith(
            f"or reject v{v3}: `ctloop reject --model-name {MODEL} --version {v3} --reason ...`"
        )
    ), text
    # nothing recorded: still pending
    assert reg.get_version(MODEL, v3).tags[approval.TAG_STATE] == "pending"
    assert reg.aliases(MODEL)[CHAMPION] == "2"


def test_a_hand_set_unconfirmed_champion_is_not_read_as_restored(registered):
    _, reg = registered
    reg.client.set_model_version_tag(MODEL, "2", TAG_WAS_CHAMPION, UNCONFIRMED_WAS_CHAMPION)
    # by hand: no promotion record names v2
    reg.client.set_registered_model_alias(MODEL, CHAMPION, "2")
    reg.client.delete_registered_model_alias(MODEL, CHALLENGER)
    # was: "v2 tag ctloop.was_champion is unconfirmed, but a promotion record names it champion (restored from
    # MLflow's trash?)": the alias' version counted as a record
    assert not [p for p in reg.inspect(MODEL).problems if "trash" in p], reg.inspect(MODEL).problems


def test_the_docs_show_the_refusal():
    text = (REPO / "docs" / "serving.md").read_text()
    # a promote_model step's log: the traceback's last line
    prefix = f"ctloop.errors.RegistryError: not promoting {MODEL} v3: the champion is v4 (promoted by pipeline run "
    canary, moved = [line for line in text.splitlines() if line.startswith(prefix)]
    common = f"--isvc credit --namespace ml --model-name {MODEL}"
    # what test_a_refusal_after_the_canary_names_its_share_and_the_way_out and
    # test_a_promotion_landing_after_the_check_says_the_traffic_moved assert
    assert canary.endswith(
        f"the canary v3 still serves 50 % of ml/credit and nothing ends it: back to the champion with `ctloop rollout "
        f"rollback {common} --failed-version 3 --reason ...`, or all traffic to v3 with `ctloop rollout promote "
        f"{common} --version 3 --reason ...`"
    ), canary
    assert "nothing was changed" not in moved and moved.endswith(
        f"lock); serve the champion v4 again: `ctloop rollout promote {common} --version 4 --reason ...`, "
        f"or keep v3 and make it champion: `ctloop rollout promote {common} --version 3 --reason ...`"
    ), moved
    assert "Registry and serving are untouched" not in text


# round 58's review of the check (fixrg2): what a refusal leaves on the service, and a way out that fits


def _canary_of_v3(reg, double) -> tuple[str, InferenceServices, RolloutConfig]:
    """v1 serves ``credit``; run A's v3 (gated against v1) is its canary, walked to the plan's last step (50 %)."""
    cfg = RolloutConfig(
        inference_service="credit", namespace="ml", traffic_plan=[5, 50], timeout_seconds=10
    )
    isvcs = InferenceServices("ml", api_client=double.api_client())
    v3 = _gated(reg, "run-A", "1", 3)
    release.deploy(reg, isvcs, model_name=MODEL, version="1", cfg=cfg, run_id="run-1")
    release.deploy(reg, isvcs, model_name=MODEL, version=v3, cfg=cfg, run_id="run-A")
    rollout.set_traffic(isvcs, "credit", 50, timeout_s=10)
    return v3, isvcs, cfg


def test_a_promotion_landing_after_the_check_says_the_traffic_moved(registered):
    _, reg = registered
    with KubeApiDouble(ready_after_reads=1) as double:
        v3, isvcs, cfg = _canary_of_v3(reg, double)
        v4 = _gated(reg, "run-B", "1", 4)
        record = reg.record_event

        def record_then_b_promotes(name, version, event):
            record(name, version, event)
            if (
                event.get("event") == "traffic_promote"
            ):  # between release.promote's check and the registry's
                reg.promote(MODEL, v4, reason="run-B", pipeline_run="run-B", gate_champion="1")

        reg.record_event = record_then_b_promotes
        with pytest.raises(RegistryError) as caught:
            _promote(reg, v3, "run-A", isvcs, cfg)
        text = str(caught.value)
        # was: "...; nothing was changed; ..." while credit served v3 at 100 %
        assert "nothing was changed" not in text, text
        assert (
            f"the registry was not changed, but ml/credit serves v{v3} at 100 % now (the traffic moved before the "
            "registry's check under its lock)" in text
        ), text
        common = f"--isvc credit --namespace ml --model-name {MODEL}"
        assert text.endswith(
            f"lock); serve the champion v{v4} again: `ctloop rollout promote {common} --version {v4} --reason ...`, "
            f"or keep v{v3} and make it champion: `ctloop rollout promote {common} --version {v3} --reason ...`"
        ), text
        assert rollout.specs.spec_version(isvcs.get("credit")) == v3  # what the message says
    assert reg.aliases(MODEL)[CHAMPION] == v4


def test_a_refusal_after_the_canary_names_its_share_and_the_way_out(registered):
    _, reg = registered
    with KubeApiDouble(ready_after_reads=1) as double:
        v3, isvcs, cfg = _canary_of_v3(reg, double)
        reg.promote(
            MODEL, "2", reason="approved by hand"
        )  # `ctloop approve` of a registry-only v2, say
        patches = len([c for c in double.calls if c[0] != "GET"])
        with pytest.raises(RegistryError) as caught:
            _promote(reg, v3, "run-A", isvcs, cfg)
        text = str(caught.value)
        # was: ends with the `ctloop rollout promote` line: the canary kept 50 % with nothing to end it
        common = f"--isvc credit --namespace ml --model-name {MODEL}"
        assert text.endswith(
            f"; the canary v{v3} still serves 50 % of ml/credit and nothing ends it: back to the champion with "
            f"`ctloop rollout rollback {common} --failed-version {v3} --reason ...`, or all traffic to v{v3} with "
            f"`ctloop rollout promote {common} --version {v3} --reason ...`"
        ), text
        assert len([c for c in double.calls if c[0] != "GET"]) == patches  # nothing written
    assert reg.aliases(MODEL)[CHAMPION] == "2"

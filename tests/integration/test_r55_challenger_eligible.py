"""Alias ``challenger`` only ever names a version ctloop registered, gated and nobody decided against:
READY, tagged ``ctloop.registration_id``, not rejected at approval, not the champion nor champion
before, not rolled back, not a retried create's copy — one rule (``registry._never_challenger``) for
every writer: register's ``_point_challenger``, ``drop_challenger`` (a rollback, a promotion, a repair)
and ``ctloop reject``. Was: a retried register task put it back on the champion, a repair handed it to
a version registered outside ctloop (``mlflow.sklearn.log_model(registered_model_name=...)``, never
gated) or to a rejected one, and a rejection left it on the rejected version. The session's MLflow server
(mlflow 3.17.2 ``store/model_registry/sqlalchemy_store.py``: ``search_model_versions`` returns
versions without their aliases, so the champion is read from the model's aliases)."""

from __future__ import annotations

import uuid

import pytest

from ctloop import approval
from ctloop.registry import CHALLENGER, CHAMPION, MlflowRegistry

pytestmark = pytest.mark.slow


@pytest.fixture
def store(mlflow_url) -> tuple[MlflowRegistry, str]:
    """The session's MLflow server (a sqlite store of its own: ~5 s of schema migration); each test its own model."""
    reg = MlflowRegistry(mlflow_url)
    return reg, reg.client.create_experiment(f"r55-elig-{uuid.uuid4().hex[:8]}")


def _run(reg: MlflowRegistry, experiment: str):
    run = reg.client.create_run(experiment)
    reg.client.set_terminated(run.info.run_id)
    return run


def _register(
    reg: MlflowRegistry, experiment: str, name: str, registration: str = "", model: str = ""
) -> str:
    """``register`` of a new run's logged model (as train_model logs it; no model file is read), or of ``model``
    (``models:/<id>``: a retried task's)."""
    if not model:
        run = _run(reg, experiment)
        model = f"models:/{reg.client.create_logged_model(experiment, source_run_id=run.info.run_id).model_id}"
    run_id = reg.client.get_logged_model(model.removeprefix("models:/")).source_run_id
    return str(
        reg.register(
            name, model_uri=model, run_id=run_id, tags={}, registration_id=registration
        ).version
    )


def _by_hand(reg: MlflowRegistry, experiment: str, name: str) -> str:
    """Registered outside ctloop (what ``log_model(registered_model_name=...)`` does): no gate, no registration id."""
    run = _run(reg, experiment)
    return str(
        reg.client.create_model_version(
            name, f"{run.info.artifact_uri}/model", run_id=run.info.run_id
        ).version
    )


def _champion(reg: MlflowRegistry, name: str, version: str) -> None:
    """The champion's alias as a promotion leaves it (its ~100 requests are not what these tests are about)."""
    reg.client.set_registered_model_alias(name, CHAMPION, version)
    reg.client.delete_registered_model_alias(name, CHALLENGER)


def test_a_retried_register_task_does_not_make_the_champion_challenger(store):
    reg, experiment = store
    name = f"m-{uuid.uuid4().hex[:8]}"
    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    assert _register(reg, experiment, name, a) == "1"  # run A: its task fails after registering v1
    assert _register(reg, experiment, name, b) == "2"  # run B registers v2 and promotes it
    _champion(reg, name, "2")
    assert _by_hand(reg, experiment, name) == "3"  # newer, but never gated
    # "Retry run" of A: v1 finished, not registered again
    assert _register(reg, experiment, name, a, model=reg.get_version(name, "1").source) == "1"
    # was {challenger: 3, ...}; without v3 {challenger: 2, champion: 2}, and `ctloop registry status` blamed an
    # incomplete promotion; v1 itself is older than the champion, passed over when v2 was promoted (it was
    # never compared with v2): no challenger
    assert reg.aliases(name) == {CHAMPION: "2"}


def test_repair_and_reject_never_hand_challenger_to_an_ungated_or_rejected_version(store):
    reg, experiment = store
    name = f"m-{uuid.uuid4().hex[:8]}"
    assert _register(reg, experiment, name) == "1"
    _champion(reg, name, "1")
    assert _by_hand(reg, experiment, name) == "2"  # never gated
    assert _register(reg, experiment, name) == "3"
    assert reg.aliases(name) == {CHALLENGER: "3", CHAMPION: "1"}
    approval.request(reg, name, "3", reason="gate passed", rollout={"approval": "required"})
    approval.decide(reg, name, "3", approve=False, by="alice", reason="bias")
    # the rejection takes it off (was: left on v3, the model the reviewer turned down)
    assert reg.aliases(name) == {CHAMPION: "1"}
    # a champion left challenger (a promotion before round 55, or by hand): a repair (or a promotion)
    # takes it off as here, and moves it to neither the rejected v3 nor the hand-registered v2 (was: v3)
    reg.client.set_registered_model_alias(name, CHALLENGER, "1")
    assert reg.drop_challenger(name, "1", rolled_back_before=False) == "removed from v1"
    assert reg.aliases(name) == {CHAMPION: "1"}


def test_a_version_an_older_ctloop_image_registered_stays_eligible(store):
    """Review: a ctloop image before 2026-12-05 (66ee7c48) wrote no ctloop.registration_id, and a recurring run
    keeps the image it was compiled with; its register component has always written ctloop.gate_decision. Such a
    version passed the gate: a "Retry run" of a newer image's older run must not move challenger off it (was: v2
    over v3, the version waiting for approval)."""
    reg, experiment = store
    name = f"m-{uuid.uuid4().hex[:8]}"
    assert _register(reg, experiment, name) == "1"
    _champion(reg, name, "1")
    a = uuid.uuid4().hex
    assert _register(reg, experiment, name, a) == "2"  # run A (new image): its task fails after registering
    old = _by_hand(reg, experiment, name)  # an older image's register: its tags, no registration id
    reg.client.set_model_version_tag(name, old, "ctloop.gate_decision", "approved")
    reg.client.set_registered_model_alias(name, CHALLENGER, old)
    assert _register(reg, experiment, name, a, model=reg.get_version(name, "2").source) == "2"
    assert reg.aliases(name) == {CHALLENGER: old, CHAMPION: "1"}


def test_a_version_registered_by_hand_stays_ineligible_once_ctloop_tagged_it(store):
    """Review: "any ctloop. tag" let a version registered by hand in, once a deploy (ctloop.last_event), an
    approval (ctloop.approval) or a rollout (ctloop.rollout.*) had tagged it: none of them is the gate's."""
    reg, experiment = store
    name = f"m-{uuid.uuid4().hex[:8]}"
    assert _register(reg, experiment, name) == "1"
    _champion(reg, name, "1")
    hand = _by_hand(reg, experiment, name)
    reg.client.set_model_version_tag(name, hand, "ctloop.last_event", "deploy")
    reg.client.set_registered_model_alias(name, CHALLENGER, "1")  # left on the champion
    assert reg.drop_challenger(name, "1", rolled_back_before=False) == "removed from v1"
    assert reg.aliases(name) == {CHAMPION: "1"}

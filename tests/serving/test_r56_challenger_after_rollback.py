""" "Never a version older than the champion" outlives a registry rollback. The rule
(``registry._never_challenger``) passed over a version older than the *current* champion; a rollback moves the
champion back to an older version (``ctloop rollout promote --version N`` of the previous champion), and a
version passed over by the newer promotion was newer than the champion again. The sequence (H4 round 56):
v1 champion; v2 registered by run A, whose register task fails after registering; v3 registered by run B and
promoted (v2 passed over: it was never compared with v3); v3 rolled back (v1 promoted again); then the
"Retry run" of A, or a repair of a challenger left on the champion, gave v2 the alias — a model neither gated
against v3 nor chosen by anyone after it. Now a version older than any version this model's committed promotions
made champion (``MlflowRegistry.champions_ever``) is passed over for good, by the alias rule and by an approval
(``approval.newest_champion``: was, the current champion, and v2 could be approved and promoted), and ``ctloop
registry status`` says so. The alias rule reads tag ``ctloop.was_champion`` valued with the model's name only:
MLflow's ``copy_model_version`` copies it into another model (mlflow 3.17.2 ``store/model_registry/abstract_store.py``). The rollout tests' sqlite store (``registered``:
v1 champion, v2 challenger registered by ``register``); the promotions are ``MlflowRegistry.promote`` itself."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ctloop import approval
from ctloop.errors import RegistryError
from ctloop.registry import (
    CHALLENGER,
    CHAMPION,
    PREVIOUS_CHAMPION,
    TAG_GATE_DECISION,
    TAG_REGISTRATION_ID,
    TAG_WAS_CHAMPION,
    _never_challenger,
)
from tests.fixtures.rollout_store import MODEL, register_from_v2, registered

__all__ = ["registered"]


def _gated(reg, model: str = MODEL) -> str:
    """A version as a continuous-training run leaves it (created, the gate's decision tagged, aliased challenger), of
    v2's logged model: what is registered is not what this test is about."""
    v2 = reg.get_version(MODEL, "2")
    version = str(reg.client.create_model_version(model, v2.source, run_id=v2.run_id).version)
    reg.client.set_model_version_tag(model, version, TAG_GATE_DECISION, "approved")
    reg.client.set_registered_model_alias(model, CHALLENGER, version)
    return version


def _retry_of_v2(reg) -> str:
    """The "Retry run" of the run that registered v2: ``register`` with v2's registration id."""
    return register_from_v2(reg, tags={}, registration_id=reg.get_version(MODEL, "2").tags[TAG_REGISTRATION_ID])


def test_a_version_passed_over_stays_passed_over_after_a_rollback(registered):
    _, reg = registered
    approval.request(reg, MODEL, "2", reason="gate passed", rollout={"approval": "required"})
    assert _gated(reg) == "3"  # run B
    reg.promote(MODEL, "3", reason="released without approval")  # v2 passed over
    reg.promote(MODEL, "1", reason="v3 misbehaves in production")  # the rollback
    assert reg.aliases(MODEL) == {CHAMPION: "1", PREVIOUS_CHAMPION: "3", "pending-approval": "2"}
    # "Retry run" of A: v2 not made challenger (was: challenger=v2)
    assert _retry_of_v2(reg) == "2"
    assert CHALLENGER not in reg.aliases(MODEL)
    # a repair of a challenger left on the champion hands it to no version (was: v2)
    reg.client.set_registered_model_alias(MODEL, CHALLENGER, "1")
    assert reg.drop_challenger(MODEL, "1", rolled_back_before=False) == "removed from v1"
    assert CHALLENGER not in reg.aliases(MODEL)
    # nor is v2 approved (was: approved, then promoted over v1, never compared with v3)
    with pytest.raises(
        RegistryError, match="v3, registered after it, was champion .rolled back since"
    ):
        approval.decide(reg, MODEL, "2", approve=True, by="alice", reason="looks good")
    assert reg.aliases(MODEL)[CHAMPION] == "1"
    # what `ctloop registry status` prints as a note (its printing: test_r56_serving_validation_challenger.py)
    notes = reg.challenger_notes(MODEL, reg.aliases(MODEL))
    assert len(notes) == 1 and notes[0].startswith(
        "v2 is never challenger: it was passed over when v3, newer, was champion (a rollback made v1 champion again"
    ), notes
    assert (
        "`ctloop rollout promote --isvc ... --namespace ... --model-name credit-model --version 2"
        in notes[0]
    )


def test_a_champion_copied_from_another_model_does_not_pass_over_this_models_versions(registered):
    """``copy_model_version`` of a staging model's champion into this model (MLflow copies every tag, among them
    ``ctloop.was_champion``): this model's gated v2 stays eligible (was: older than the copy, "ever champion")."""
    _, reg = registered
    reg.client.create_registered_model("staging")
    assert _gated(reg, "staging") == "1"
    # staging's champion: the tag its promotion leaves (Promotion.champion_tags; the promotion is not what this is about)
    reg.client.set_model_version_tag("staging", "1", TAG_WAS_CHAMPION, "true")
    copy = reg.client.copy_model_version("models:/staging/1", MODEL)
    assert (str(copy.version), copy.tags[TAG_WAS_CHAMPION]) == ("3", "true")
    reg.client.delete_model_version_tag(
        MODEL, "3", TAG_GATE_DECISION
    )  # a copy is gated by no run of this model
    reg.client.delete_registered_model_alias(MODEL, CHALLENGER)
    assert _retry_of_v2(reg) == "2"  # "Retry run" of v2's run: its alias back (was: none)
    assert reg.aliases(MODEL) == {CHAMPION: "1", CHALLENGER: "2"}


def test_a_version_newer_than_every_champion_stays_eligible_after_a_rollback():
    def version(number: int, **tags: str) -> SimpleNamespace:
        return SimpleNamespace(
            version=str(number), status="READY", tags={TAG_REGISTRATION_ID: "r", **tags}
        )

    found = [version(1), version(2), version(3), version(4)]
    # v4, registered after the rollback, is eligible; the champion deleted, its promotion records still tell
    assert _never_challenger(found, "1", ever={"1", "3"}) == {"1", "2", "3"}
    assert _never_challenger(iter(found), None, ever={"1", "3"}) == {"1", "2", "3"}
    # a tag copied from another model is no promotion of this one
    assert _never_challenger(
        [version(1), version(2), version(3, **{TAG_WAS_CHAMPION: "true"})], "1"
    ) == {"1"}

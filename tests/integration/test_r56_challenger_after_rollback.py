""" "Never a version older than the champion" outlives a registry rollback. The rule
(``registry._never_challenger``) passed over a version older than the *current* champion; a rollback moves the
champion back to an older version (``ctloop rollout promote --version N`` of the previous champion), and a
version passed over by the newer promotion was newer than the champion again. The sequence (H4 round 56):
v1 champion; v2 registered by run A, whose register task fails after registering; v3 registered by run B and
promoted (v2 passed over: it was never compared with v3); v3 rolled back (v1 promoted again); then the
"Retry run" of A, or a repair of a challenger left on the champion, gave v2 the alias — a model neither gated
against v3 nor chosen by anyone after it. Now a version older than any version ever champion
(``ctloop.was_champion``, or the alias) is passed over for good. The session's MLflow server, real promotions
(mlflow 3.17.2 ``store/model_registry/sqlalchemy_store.py``)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from ctloop.registry import (
    CHALLENGER,
    CHAMPION,
    PREVIOUS_CHAMPION,
    TAG_GATE_DECISION,
    TAG_REGISTRATION_ID,
    TAG_WAS_CHAMPION,
    MlflowRegistry,
    _never_challenger,
)
from tests.integration.test_r55_challenger_eligible import _by_hand, _register


def _gated(reg: MlflowRegistry, experiment: str, name: str) -> str:
    """A version as a continuous-training run leaves it, for the versions this test does not retry (a register's
    ~15 requests cost ~0.5 s here): created, tagged with the gate's decision, aliased challenger."""
    version = _by_hand(reg, experiment, name)
    reg.client.set_model_version_tag(name, version, TAG_GATE_DECISION, "approved")
    reg.client.set_registered_model_alias(name, CHALLENGER, version)
    return version


def _promoted(reg: MlflowRegistry, name: str, version: str, previous: str) -> None:
    """What a completed promotion leaves on the aliases and the tag this rule reads (``MlflowRegistry._complete``;
    a real promotion's ~100 requests cost ~1 s here, and are not what this test is about)."""
    reg.client.set_registered_model_alias(name, CHAMPION, version)
    reg.client.set_model_version_tag(name, version, TAG_WAS_CHAMPION, "true")
    if previous:
        reg.client.set_registered_model_alias(name, PREVIOUS_CHAMPION, previous)
    if reg.aliases(name).get(CHALLENGER) == version:
        reg.client.delete_registered_model_alias(name, CHALLENGER)


@pytest.mark.slow
def test_a_version_passed_over_stays_passed_over_after_a_rollback(mlflow_url):
    reg = MlflowRegistry(mlflow_url)
    experiment = reg.client.create_experiment(f"r56-rb-{uuid.uuid4().hex[:8]}")
    name = f"m-{uuid.uuid4().hex[:8]}"
    reg.client.create_registered_model(name)
    assert _gated(reg, experiment, name) == "1"
    _promoted(reg, name, "1", "")
    a = uuid.uuid4().hex
    assert _register(reg, experiment, name, a) == "2"  # run A: its task fails after registering v2
    assert _gated(reg, experiment, name) == "3"  # run B
    _promoted(reg, name, "3", "1")  # v2 passed over
    _promoted(reg, name, "1", "3")  # the rollback: v3 misbehaves in production, v1 promoted again
    assert reg.aliases(name) == {CHAMPION: "1", PREVIOUS_CHAMPION: "3"}
    # "Retry run" of A: v2 finished, not registered again, and not made challenger (was: challenger=v2)
    assert _register(reg, experiment, name, a, model=reg.get_version(name, "2").source) == "2"
    assert reg.aliases(name) == {CHAMPION: "1", PREVIOUS_CHAMPION: "3"}
    # a repair of a challenger left on the champion hands it to no version (was: v2)
    reg.client.set_registered_model_alias(name, CHALLENGER, "1")
    assert reg.drop_challenger(name, "1", rolled_back_before=False) == "removed from v1"
    assert reg.aliases(name) == {CHAMPION: "1", PREVIOUS_CHAMPION: "3"}


def test_a_version_newer_than_every_champion_stays_eligible_after_a_rollback():
    def version(number: int, **tags: str) -> SimpleNamespace:
        return SimpleNamespace(
            version=str(number), status="READY", tags={TAG_REGISTRATION_ID: "r", **tags}
        )

    was = {TAG_WAS_CHAMPION: "true"}
    found = [version(1, **was), version(2), version(3, **was), version(4)]
    assert _never_challenger(found, "1") == {
        "1",
        "2",
        "3",
    }  # v4, registered after the rollback, is eligible
    assert _never_challenger(iter(found), None) == {
        "1",
        "2",
        "3",
    }  # the champion deleted: its tags still tell

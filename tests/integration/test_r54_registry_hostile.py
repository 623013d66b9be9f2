"""Round 54 hunt of the registry with hostile input against a real ``mlflow server`` on loopback (the
session's): each test here failed before its fix. Bad input is one line, and the registry is left
untouched."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.errors import ConfigError
from ctloop.registry import MODEL_NAME_MAX, MlflowRegistry

pytestmark = pytest.mark.slow


def test_an_event_of_a_model_name_mlflow_cannot_register_is_refused_before_any_write(mlflow_url):
    """``record_event`` (the record_decision/record_run_outcome components, every CLI decision) took any
    name: a 300-character one (MLflow's database holds 256: mlflow 3.17.2
    ``store/model_registry/dbmodels/models.py`` SqlRegisteredModel.name String(256)) or one with a newline
    created the audit experiment ``<name>-audit`` and wrote a record for a model that can never exist,
    then warned "v1 was deleted before its tag ctloop.last_event=... was written". Now the name is
    checked as ``register`` checks it (``check_model_name``) before anything is written."""
    reg = MlflowRegistry(mlflow_url)
    client = MlflowClient(mlflow_url)
    tail = uuid.uuid4().hex[:8]
    for name in ("x" * (MODEL_NAME_MAX + 66 - len(tail)) + tail, f"r54-line\n{tail}"):
        with pytest.raises(ConfigError) as refused:
            reg.record_event(name, "1", {"event": "rejected", "reason": "hunt"})
        assert str(refused.value).startswith("model name ") and "\n" not in str(refused.value)
        assert (
            client.get_experiment_by_name(f"{name}-audit") is None
        )  # was: created, a record in it


def test_a_promotion_after_the_champion_was_deleted_leaves_no_previous_champion_on_itself(
    mlflow_url,
):
    """Champion v2 (previous-champion v1) deleted by hand (MLflow drops its aliases with it: mlflow 3.17.2
    ``store/model_registry/sqlalchemy_store.py`` ``delete_model_version``), then v1 promoted again, as
    ``ctloop registry status`` advises ("promote one (previous-champion is v1)"): the promotion is from
    nothing, so its completion left alias previous-champion where it was, on v1, the new champion itself
    (an "instant rollback" to the version serving), and status said consistent. Now the completion
    removes it, and inspect/repair see and settle a registry left so. (The state before the promotion is
    written directly: two promotions more cost 5 s.)"""
    from ctloop.registry import CHAMPION, PREVIOUS_CHAMPION

    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = f"r54-prev-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    client.create_model_version(name, "s3://r54/model")
    client.set_registered_model_alias(
        name, PREVIOUS_CHAMPION, "1"
    )  # champion v2 and its alias: deleted
    reg = MlflowRegistry(mlflow_url)
    assert reg.promote(name, "1", reason="back to v1") is None  # from nothing: no champion
    assert reg.aliases(name) == {CHAMPION: "1"}  # was: previous-champion v1 too
    client.set_registered_model_alias(
        name, PREVIOUS_CHAMPION, "1"
    )  # as a promotion before the fix left it
    state = reg.inspect(name)
    assert state.problems == [
        f"promotion {state.promotion.id} of v1 is committed (the champion alias names it) but not complete: "
        "alias previous-champion is v1, the champion itself"
    ]
    assert reg.repair(name) == [
        f"promotion {state.promotion.id}: alias previous-champion removed (it named the champion itself)"
    ]
    assert reg.aliases(name) == {CHAMPION: "1"}  # what inspect's problem named is gone

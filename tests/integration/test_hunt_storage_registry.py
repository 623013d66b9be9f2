"""The registry against a real ``mlflow server`` (sqlite), where a user does ordinary things to it
outside ctloop: deletes an old version, names a model with an apostrophe, passes a promotion
reason holding a byte that is not UTF-8. The readers keep answering, promotions keep working,
and bad input is one line that leaves the registry as it was."""

from __future__ import annotations

import uuid

import pytest

from ctloop.errors import CtloopError
from ctloop.registry import CHAMPION, PREVIOUS_CHAMPION, MlflowRegistry
from tests.integration.registry_support import log_small_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def logged(mlflow_url):
    """One logged model (registered as many versions as a test needs: MLflow allows that)."""
    _, run_id, uri, _ = log_small_model(mlflow_url, f"hunt-storage-{uuid.uuid4().hex[:6]}")
    return run_id, uri


def _model(mlflow_url, logged, versions: int, name: str = "") -> tuple[MlflowRegistry, str]:
    reg = MlflowRegistry(mlflow_url)
    name = name or f"hunt-{uuid.uuid4().hex[:8]}"
    run_id, uri = logged
    for _ in range(versions):
        reg.register(name, model_uri=uri, run_id=run_id, tags={})
    return reg, name


def test_deleting_the_previous_champion_leaves_status_and_promotion_working(mlflow_url, logged):
    """Retiring old versions (MLflow's delete_model_version, which drops their aliases, mlflow
    3.17 store/model_registry/sqlalchemy_store.py ``delete_model_version``) is routine; the committed
    promotion's "previous champion" then names a version that is gone. inspect() read its tags
    (RegistryError "has no version"), so `ctloop registry status` failed and every later promotion
    failed in its settle step: the model could never be promoted again."""
    reg, name = _model(mlflow_url, logged, 3)
    reg.promote(name, "1", reason="first")
    reg.promote(name, "2", reason="second")
    reg.client.delete_model_version(name, "1")

    state = reg.inspect(name)
    assert state.consistent, state.problems
    assert state.champion == "2"
    assert reg.repair(name) == []
    assert reg.promote(name, "3", reason="third") == "2"
    assert reg.aliases(name)[CHAMPION] == "3" and reg.aliases(name)[PREVIOUS_CHAMPION] == "2"
    assert reg.inspect(name).consistent


def test_a_crashed_promotion_whose_previous_champion_was_deleted_is_repaired(mlflow_url, logged):
    """A commit (champion alias moved) whose completion never ran, then the previous champion
    deleted: repair completes what still exists instead of failing on the gone version forever."""
    reg, name = _model(mlflow_url, logged, 3)
    reg.promote(name, "1", reason="first")
    intent = reg._write_intent(name, "2", "1", "crashed", "")
    reg._commit(name, intent)  # the process dies here: nothing of step 5 was written
    reg.client.delete_model_version(name, "1")

    assert reg.champion(name).version == "2"
    done = reg.repair(name)
    assert done and reg.inspect(name).consistent, reg.inspect(name).problems
    assert reg.promote(name, "3", reason="third") == "2"


@pytest.mark.parametrize("odd", ["O'Brien churn", "it's \"quoted\"", "x' AND name = 'y"])
def test_versions_of_a_model_whose_name_holds_quotes(mlflow_url, logged, odd):
    """check_model_name accepts a quote (MLflow does): versions() — what `ctloop registry
    status`, rollout, monitor and scoring ask first — put the name into a search filter as is:
    an MlflowException traceback, or another model's versions."""
    name = f"{odd} {uuid.uuid4().hex[:6]}"
    reg, name = _model(mlflow_url, logged, 2, name)
    _model(mlflow_url, logged, 1, "y")  # what an injected clause would name
    assert [(v.name, v.version) for v in reg.versions(name)] == [(name, "1"), (name, "2")]


@pytest.mark.parametrize("where", ["reason", "tag"])
def test_a_value_holding_a_byte_that_is_not_utf8_is_written_replaced(mlflow_url, logged, where):
    """A command-line argument holding a byte that is not UTF-8 reaches Python as a lone surrogate
    (PEP 383: '\\udcff' for byte 0xff); the MLflow client cannot encode it (UnicodeEncodeError
    traceback). The value is written with U+FFFD in place of the byte, like any UTF-8 decoder."""
    reg, name = _model(mlflow_url, logged, 2)
    reg.promote(name, "1", reason="first")
    if where == "reason":
        assert reg.promote(name, "2", reason="caf\udce9 was cold") == "1"
        assert reg.champion(name).tags["ctloop.promotion_reason"] == "caf\ufffd was cold"
        assert reg.inspect(name).consistent
    else:
        reg.set_tags(name, "2", {"note": "caf\udce9"})
        assert reg.get_version(name, "2").tags["note"] == "caf\ufffd"


def test_a_tag_key_too_long_is_one_line_and_registers_nothing(mlflow_url, logged):
    reg, name = _model(mlflow_url, logged, 1)
    run_id, uri = logged
    with pytest.raises(CtloopError) as err:
        reg.register(name, model_uri=uri, run_id=run_id, tags={"k" * 300: "v"})
    assert "\n" not in str(err.value)
    assert [v.version for v in reg.versions(name)] == ["1"]


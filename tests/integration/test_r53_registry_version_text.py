"""A version given as text MLflow reads as a number but ctloop compared as text (round 53 hunt):
``promote(name, " 1")`` wrote an intent for version ' 1', moved the ``champion`` alias to v1 (MLflow
parses ``int(" 1")``, mlflow 3.17.2 ``store/model_registry/sqlalchemy_store.py``), read it back as
'1', took that for "a writer outside ctloop's promotion lock", aborted the promotion, and left the
champion moved with the former champion's tags unfinished; ``drop_challenger(name, " 1")`` said
"on v1, not v 1: left". A version that is no number (``abc``, ``1.0``) reached MLflow's own message,
and ``record_event`` wrote its audit record before MLflow refused the tag. Now each takes the version
as ``check_model_version`` reads it ("1"), and refuses any other text with one ConfigError line
naming it before anything is written. Real ``mlflow server`` on loopback (the session's)."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.errors import ConfigError
from ctloop.registry import CHALLENGER, CHAMPION, MlflowRegistry

pytestmark = pytest.mark.slow


def _two(mlflow_url: str) -> tuple[MlflowRegistry, str]:
    """``(registry, name)``: v1 and v2 (no model files: nothing here loads one), no alias."""
    name = f"r53-text-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(mlflow_url)
    client.create_registered_model(name)
    for _ in range(2):
        client.create_model_version(name, "s3://r53/model")
    return MlflowRegistry(mlflow_url), name


def test_a_padded_version_is_taken_as_its_number(mlflow_url):
    reg, name = _two(mlflow_url)
    assert (
        reg.promote(name, " 1\n", reason="padded") is None
    )  # was: RegistryError, champion moved, aborted
    state = reg.inspect(name)
    assert state.consistent, state.problems
    assert state.aliases[CHAMPION] == "1" and state.promotion.version == "1"
    assert [(e["event"], e["version"]) for e in reg.audit_log(name)] == [("promote", "1")]
    reg.set_alias(
        name, CHALLENGER, " 2"
    )  # was: "reads back as 2 after setting it to  2: another writer"
    assert reg.drop_challenger(name, " 2") == "removed from v2"  # was: "on v2, not v 2: left"
    assert CHALLENGER not in reg.aliases(name)


def test_a_version_that_is_no_number_is_refused_before_any_write(mlflow_url):
    reg, name = _two(mlflow_url)
    for bad in ("abc", "1.0", "", "0"):
        with pytest.raises(
            ConfigError, match=f"^model version {bad!r}: a registered model version is a whole"
        ):
            reg.promote(
                name, bad, reason="bad"
            )  # was: RegistryError (MLflow's message) or RegistryGone
        if bad:  # "" records an event of no version
            with pytest.raises(ConfigError, match=f"^model version {bad!r}: "):
                reg.record_event(
                    name, bad, {"event": "rollback"}
                )  # was: the record written, then refused
    assert reg.aliases(name) == {} and reg.audit_log(name) == []
    assert MlflowClient(reg.tracking_uri).get_experiment_by_name(f"{name}-audit") is None

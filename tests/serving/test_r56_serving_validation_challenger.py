"""A version whose export failed ``validate_serving`` is never ``challenger``: the step tags it
``ctloop.serving_validation=failed`` (``registry.TAG_SERVING_VALIDATION``), takes the alias off it and records
that in its audit record; the one rule of every writer of the alias (``registry._never_challenger``) refuses it,
and ``ctloop registry status`` says why. Was (round 55's rule, H4 round 56): an audit record only, so the
version kept ``challenger`` (``ctloop score --alias challenger`` scored a model that does not serve like the
trained one) and a repair gave the alias back to it. The validation fails for real: the version's meta names a
scikit-learn the serving runtime does not carry (``ctloop.serving.validate.validate_export``'s first check, no
subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import TEMPORARILY_UNAVAILABLE

from ctloop.artifacts import MODEL_META_FILE
from ctloop.components.validate.component import validate_serving
from ctloop.errors import RegistryError
from ctloop.registry import CHALLENGER, CHAMPION, TAG_SERVING_VALIDATION
from ctloop.tracking import META_ARTIFACT_DIR
from tests.fixtures.rollout_store import MODEL, registered
from tests.helpers import run_main

__all__ = ["registered"]


def _trained_with_another_sklearn(registry, version: str) -> None:
    """The version's meta says it was trained with a scikit-learn the serving runtime does not pin."""
    mv = registry.get_version(MODEL, version)
    root = registry.client.get_run(mv.run_id).info.artifact_uri.removeprefix("file://")
    path = Path(root) / META_ARTIFACT_DIR / MODEL_META_FILE
    meta = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**meta, "sklearn_version": "0.24.2"}), encoding="utf-8")


def test_a_version_that_fails_serving_validation_is_never_challenger(registered, capsys):
    uri, registry = registered
    assert registry.aliases(MODEL) == {CHAMPION: "1", CHALLENGER: "2"}
    _trained_with_another_sklearn(registry, "2")
    out = validate_serving.python_func(
        model_name=MODEL, version="2", tracking_uri=uri, pipeline_run_id="run-9"
    )
    assert not out.valid and "scikit-learn 0.24.2" in out.reason
    tags = registry.get_version(MODEL, "2").tags
    assert (tags[TAG_SERVING_VALIDATION], tags[f"{TAG_SERVING_VALIDATION}.pipeline_run"]) == (
        "failed",
        "run-9",
    )
    # the alias off v2 (was: left on it), and the audit record says so
    assert CHALLENGER not in registry.aliases(MODEL)
    record = registry.audit_log(MODEL)[-1]
    assert (record["event"], record["valid"], record["challenger_alias"]) == (
        "validate_serving",
        "False",
        "removed from v2",
    )
    # a repair of a challenger left on the champion moves it to no version (was: back to v2, the newest gated one)
    registry.client.set_registered_model_alias(MODEL, CHALLENGER, "1")
    assert registry.drop_challenger(MODEL, "1", rolled_back_before=False) == "removed from v1"
    assert CHALLENGER not in registry.aliases(MODEL)
    code, text, _ = run_main(
        ["registry", "status", "--model-name", MODEL, "--tracking-uri", uri], capsys, 60
    )
    assert code == 0, text
    assert (
        "note: v2 is never challenger: its serving validation failed (pipeline run run-9): model trained with "
        "scikit-learn 0.24.2" in text
    ), text
    # the way out by hand, named exactly (was: only "a validation that passes lifts that")
    assert (
        "to lift it by hand: `mlflow.MlflowClient("
        f"{uri!r}).delete_model_version_tag('credit-model', '2', 'ctloop.serving_validation')`"
        in text
    ), text


def _failed(registry) -> None:
    """v2's serving validation failed (what validate_serving records: the component is a thin adapter over
    ``record_serving_validation``), so v2 lost the alias."""
    assert registry.record_serving_validation(
        MODEL, "2", valid=False, reason="killed (exit -9)", pipeline_run="run-1"
    ) == ("removed from v2")


def test_a_validation_that_passes_after_a_failure_gives_the_alias_back(registered, capsys):
    uri, registry = registered
    _failed(registry)
    assert CHALLENGER not in registry.aliases(MODEL)
    # the validation run again (the failure was transient: the OOM killer) passes: tagged passed, eligible, the
    # alias back on v2 and said in the record (was: the tag passed, the alias left unset)
    alias = registry.record_serving_validation(
        MODEL, "2", valid=True, reason="3 rows predicted alike", pipeline_run="run-2"
    )
    assert alias == "set on v2"
    assert registry.aliases(MODEL) == {CHAMPION: "1", CHALLENGER: "2"}
    tags = registry.get_version(MODEL, "2").tags
    assert (tags[TAG_SERVING_VALIDATION], tags[f"{TAG_SERVING_VALIDATION}.pipeline_run"]) == (
        "passed",
        "run-2",
    )
    record = registry.audit_log(MODEL)[-1]
    assert (record["event"], record["valid"], record["challenger_alias"]) == (
        "validate_serving",
        "True",
        "set on v2",
    )
    code, text, _ = run_main(
        ["registry", "status", "--model-name", MODEL, "--tracking-uri", uri], capsys, 60
    )
    assert code == 0 and "never challenger" not in text, text


def test_an_mlflow_error_moving_the_alias_is_recorded_then_raised(registered, monkeypatch):
    """An MLflow error between the verdict and the audit record: the record says what happened to the alias
    (``error: ...``, as ``serving.release._record_rollback``'s), then the error is raised. Was: raised before the
    record, and the retry, finding the alias gone, said "already removed"."""
    uri, registry = registered
    real = MlflowClient.delete_registered_model_alias

    def refused(self, name, alias):
        # the alias is deleted, the answer lost (a proxy's 502 after the write)
        real(self, name, alias)
        raise MlflowException("502 Bad Gateway", error_code=TEMPORARILY_UNAVAILABLE)

    monkeypatch.setattr(MlflowClient, "delete_registered_model_alias", refused)
    with pytest.raises(RegistryError, match="cannot remove alias 'challenger'"):
        registry.record_serving_validation(
            MODEL, "2", valid=False, reason="bad", pipeline_run="run-1"
        )
    record = registry.audit_log(MODEL)[-1]
    assert (record["event"], record["valid"]) == ("validate_serving", "False")
    # what was moved, on which model and when (was: the error's own text only)
    assert record["challenger_alias"].startswith(
        "error: moving alias 'challenger' of 'credit-model' after the serving validation of v2: "
        "cannot remove alias 'challenger'"
    ), record


def test_the_verdict_is_written_after_its_reason(registered, monkeypatch):
    """A tag write failing part way leaves no verdict beside another validation's reason: the reason and the
    pipeline run first, the verdict last (was: the verdict first)."""
    uri, registry = registered
    real = MlflowClient.set_model_version_tag

    def refused(self, name, version, key, value):
        if key == f"{TAG_SERVING_VALIDATION}.pipeline_run":
            raise MlflowException("503 Service Unavailable", error_code=TEMPORARILY_UNAVAILABLE)
        return real(self, name, version, key, value)

    monkeypatch.setattr(MlflowClient, "set_model_version_tag", refused)
    with pytest.raises(RegistryError, match="cannot tag"):
        registry.record_serving_validation(
            MODEL, "2", valid=False, reason="bad", pipeline_run="run-1"
        )
    assert TAG_SERVING_VALIDATION not in registry.get_version(MODEL, "2").tags
    assert registry.aliases(MODEL) == {CHAMPION: "1", CHALLENGER: "2"}


def test_a_pass_recorded_by_a_rollout_compiled_before_round_56_does_not_lift_the_failure(
    registered,
):
    """A recurring rollout keeps the image it was compiled with: before round 56 its validate_serving step recorded
    the verdict only (``registry.record_event``), never the tag. Its pass, another image and perhaps another serving
    runtime, does not lift the failure (was: any later pass lifted it). Only the tag does: a pass of round 56 or later
    writes ``passed`` before its record (so no record alone lifts a failure, fixH4c)."""
    _, registry = registered
    _failed(registry)
    # the step's body before round 56 (git show a4e3f11e^:components/validate/component.py)
    registry.record_event(
        MODEL,
        "2",
        {"event": "validate_serving", "valid": True, "reason": "ok", "pipeline_run": "run-2"},
    )
    (note,) = registry.challenger_notes(MODEL, registry.aliases(MODEL))
    assert note.startswith(
        "v2 is never challenger: its serving validation failed (pipeline run run-1)"
    ), note

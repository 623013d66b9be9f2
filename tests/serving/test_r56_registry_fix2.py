"""Review of round 56's registry fixes (fixH4b): the challenger rule reads the versions' tags, not the audit
records, inside ``register`` (``ctloop.was_champion`` holds the model's name, so a copy from another model does not
count); an audit read that fails there never deletes the version just made; a KFP retry of a passing serving
validation whose alias write failed gives the alias back; the error recorded says what was moved; a champion set by
hand and replaced by a ctloop promotion is not forgotten. MLflow is real (the ``registered`` sqlite store); MLflow's
503 is the double, raised by ``MlflowClient`` methods as MLflow's REST client does after its own retries
(mlflow 3.17.2 ``mlflow/utils/rest_utils.py``: ``MlflowException`` with ``TEMPORARILY_UNAVAILABLE``)."""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import TEMPORARILY_UNAVAILABLE

from ctloop import approval
from ctloop.errors import RegistryError
from ctloop.registry import (
    AUDIT_EXPERIMENT_SUFFIX,
    CHALLENGER,
    CHAMPION,
    TAG_GATE_DECISION,
    TAG_REGISTRATION_ID,
    TAG_SERVING_VALIDATION,
    TAG_WAS_CHAMPION,
)
from tests.fixtures.rollout_store import MODEL, register_from_v2, registered

__all__ = ["registered"]

AUDIT_SEARCH = "`ctloop.audit.event` ="  # every read of the audit records by event filters so


def _unavailable(*_a, **_k):
    raise MlflowException("503 Service Unavailable", error_code=TEMPORARILY_UNAVAILABLE)


def _audit_reads_fail(monkeypatch) -> None:
    """Every search of the audit records by event answers 503 (the tracking server's database busy)."""
    real = MlflowClient.search_runs

    def search_runs(self, experiment_ids, filter_string="", *args, **kwargs):
        if AUDIT_SEARCH in (filter_string or ""):
            _unavailable()
        return real(self, experiment_ids, filter_string, *args, **kwargs)

    monkeypatch.setattr(MlflowClient, "search_runs", search_runs)


def _register_v3(reg) -> str:
    """A third version, as a continuous-training run registers it (v2's logged model)."""
    return register_from_v2(reg, tags={TAG_GATE_DECISION: "approved"}, registration_id="3" * 32)


class _Counting:
    """The registry's MlflowClient, counting its calls (each one request, a search one per page)."""

    def __init__(self, client):
        self.client, self.calls = client, Counter()

    def __getattr__(self, attr):
        value = getattr(self.client, attr)
        if not callable(value):
            return value

        def call(*args, **kwargs):
            self.calls[attr] += 1
            return value(*args, **kwargs)

        return call


def test_register_keeps_its_version_when_the_audit_records_cannot_be_read(registered, monkeypatch):
    """Was: ``_point_challenger`` read every promotion record; a 503 there was a RegistryError, and register deleted
    the version it had just made (every retry the same)."""
    _, reg = registered
    _audit_reads_fail(monkeypatch)
    assert _register_v3(reg) == "3"
    assert reg.get_version(MODEL, "3") is not None
    assert reg.aliases(MODEL) == {CHAMPION: "1", CHALLENGER: "3"}


def test_unreadable_records_count_a_legacy_tag_and_an_unlifted_failure_as_the_stricter_rule(
    registered, monkeypatch, caplog
):
    """A version tagged ``was_champion=true`` (a promotion before this fix) is checked against the records; those
    unreadable, it counts (warned); a failed serving validation's tag alone decides (no audit read): never a
    deletion."""
    _, reg = registered
    reg.client.set_model_version_tag(MODEL, "2", TAG_SERVING_VALIDATION, "failed")
    _audit_reads_fail(monkeypatch)
    with caplog.at_level(logging.WARNING, "ctloop.registry"):
        assert _register_v3(reg) == "3"
    assert reg.aliases(MODEL)[CHALLENGER] == "3"
    # v3 tagged as a promotion before the fix left it: its records unreadable, it counts; a repair of a challenger
    # left on the champion hands the alias to no version (v2 older than v3, v3 "champion before")
    reg.client.delete_model_version_tag(MODEL, "2", TAG_SERVING_VALIDATION)
    reg.client.set_model_version_tag(MODEL, "3", TAG_WAS_CHAMPION, "true")
    reg.client.set_registered_model_alias(MODEL, CHALLENGER, "1")
    caplog.clear()
    with caplog.at_level(logging.WARNING, "ctloop.registry"):
        assert reg.drop_challenger(MODEL, "1", rolled_back_before=False) == "removed from v1"
    assert "v3, tagged ctloop.was_champion=true, counted as champion before" in caplog.text
    # the records readable: v3's tag is no promotion of this model (a copy's), v3 is challenger
    monkeypatch.undo()
    reg.client.set_registered_model_alias(MODEL, CHALLENGER, "1")
    assert reg.drop_challenger(MODEL, "1", rolled_back_before=False) == (
        "removed from v1; a newer version, v3, is challenger"
    )


def test_the_alias_rule_reads_no_audit_record(registered):
    """One register's alias write: the versions and the aliases, no audit read (was: the promotion records paged on
    every register, and up to 1000 validate_serving records on every pass while any version was tagged failed)."""
    _, reg = registered
    reg.promote(MODEL, "2", reason="v2 better")  # v2 tagged was_champion=credit-model
    assert reg.get_version(MODEL, "2").tags[TAG_WAS_CHAMPION] == MODEL
    reg.client.set_model_version_tag(
        MODEL, "1", TAG_SERVING_VALIDATION, "failed"
    )  # at or below the champion
    counting = _Counting(reg.client._client)
    reg.client._client = counting
    assert reg._point_challenger(MODEL, 2) is False  # v2 is champion: no version may be challenger
    assert counting.calls == Counter({"search_model_versions": 1, "get_registered_model": 1}), (
        counting.calls
    )
    # a copy of another model's champion carries that model's name: it passes nothing over
    reg.client.set_model_version_tag(MODEL, "1", TAG_WAS_CHAMPION, "staging")
    reg.client.delete_model_version_tag(MODEL, "1", TAG_SERVING_VALIDATION)
    assert reg._alias_champions(MODEL, reg._search_versions(MODEL), "2", 1) == {"2"}


def test_a_retried_pass_whose_alias_write_failed_gives_the_alias_back(registered, monkeypatch):
    """Attempt 1 writes ``passed``, then the alias write answers 503 (recorded, raised); KFP retries the step: the
    retry reads ``passed`` and still gives the alias back (was: restored only after ``failed``, left unset). The
    error recorded names the alias, the model and the validation (was: MLflow's bare "503 Service Unavailable")."""
    _, reg = registered
    reg.record_serving_validation(
        MODEL, "2", valid=False, reason="killed (exit -9)", pipeline_run="run-1"
    )
    monkeypatch.setattr(MlflowClient, "set_registered_model_alias", _unavailable)
    want = "moving alias 'challenger' of 'credit-model' after the serving validation of v2: "
    with pytest.raises(RegistryError, match=want):
        reg.record_serving_validation(MODEL, "2", valid=True, reason="ok", pipeline_run="run-2")
    assert reg.get_version(MODEL, "2").tags[TAG_SERVING_VALIDATION] == "passed"
    assert reg.audit_log(MODEL)[-1]["challenger_alias"].startswith(f"error: {want}503")
    monkeypatch.undo()
    assert (
        reg.record_serving_validation(MODEL, "2", valid=True, reason="ok", pipeline_run="run-2")
        == "set on v2"
    )
    assert reg.aliases(MODEL) == {CHAMPION: "1", CHALLENGER: "2"}


def test_a_champion_set_by_hand_then_replaced_by_a_promotion_is_not_forgotten(registered):
    """v3 made champion by hand (the MLflow UI), then ctloop promotes v1 back: v2, older than v3, was passed over
    (was: only the promoted versions counted, and v2 was approved and could be challenger)."""
    _, reg = registered
    approval.request(reg, MODEL, "2", reason="gate passed", rollout={"approval": "required"})
    v2 = reg.get_version(MODEL, "2")
    v3 = reg.client.create_model_version(
        MODEL, v2.source, run_id=v2.run_id, tags={TAG_REGISTRATION_ID: "hand"}
    )
    reg.client.set_registered_model_alias(MODEL, CHAMPION, str(v3.version))
    reg.promote(MODEL, "1", reason="v3 misbehaves")
    assert reg.champions_ever(MODEL) == {"1", "3"}
    assert reg.get_version(MODEL, "3").tags[TAG_WAS_CHAMPION] == MODEL
    with pytest.raises(RegistryError, match="v3, registered after it, was champion") as refused:
        approval.decide(reg, MODEL, "2", approve=True, by="alice", reason="looks good")
    # the override says what it does (was: only the command)
    assert "to release v2 anyway (moves all traffic, no canary): `ctloop rollout promote" in str(
        refused.value
    )


def test_the_notes_way_out_by_hand_names_the_tracking_uri_without_its_password(registered):
    """The status note's snippet runs where MLFLOW_TRACKING_URI may be unset: it carries the URI (was:
    ``mlflow.MlflowClient()``), its password shown as ``***`` (``ctloop.tracking.display_uri``). The URI with a
    password is this test's: only what the note prints is read from it."""
    _, reg = registered
    reg.record_serving_validation(MODEL, "2", valid=False, reason="oom", pipeline_run="run-1")
    reg.tracking_uri = "http://alice:s3cret@mlflow.example:5000"
    (note,) = reg.challenger_notes(MODEL, reg.aliases(MODEL))
    assert (
        "`mlflow.MlflowClient('http://alice:***@mlflow.example:5000').delete_model_version_tag("
        in note
    ), note
    assert "s3cret" not in note


def test_the_note_shows_the_failing_records_reason_not_a_later_validations(registered, monkeypatch):
    """The reason and run tags are written before the verdict: a later validation whose verdict write fails leaves
    its reason beside the old verdict. The note takes the reason from the failing record of the tag's run and says
    when there is none (was: the tag's reason, a pass's "ok" shown as why v2 failed)."""
    _, reg = registered
    reg.record_serving_validation(
        MODEL, "2", valid=False, reason="killed (exit -9)", pipeline_run="run-1"
    )
    (note,) = reg.challenger_notes(MODEL, reg.aliases(MODEL))
    assert "failed (pipeline run run-1): killed (exit -9); " in note, note
    real = MlflowClient.set_model_version_tag

    def verdict_refused(self, name, version, key, value):
        if key == TAG_SERVING_VALIDATION:
            _unavailable()
        return real(self, name, version, key, value)

    monkeypatch.setattr(MlflowClient, "set_model_version_tag", verdict_refused)
    with pytest.raises(RegistryError, match="cannot tag"):
        reg.record_serving_validation(
            MODEL, "2", valid=True, reason="3 rows alike", pipeline_run="run-2"
        )
    monkeypatch.undo()
    (note,) = reg.challenger_notes(MODEL, reg.aliases(MODEL))
    # the run of the newest failing record, not the run tag written before the refused verdict (fixH4c; was:
    # "pipeline run run-2: (no audit record of that run's failure ...")
    assert "failed (pipeline run run-1): killed (exit -9); " in note, note
    # no audit experiment (renamed): the tags, said as such
    audit = reg.client.get_experiment_by_name(MODEL + AUDIT_EXPERIMENT_SUFFIX)
    reg.client.rename_experiment(audit.experiment_id, "renamed-audit")
    (note,) = reg.challenger_notes(MODEL, reg.aliases(MODEL))
    assert (
        "failed (pipeline run run-2): (no audit record of a failing validation: the reason tag, '3 rows alike', "
        "may be a later validation's whose verdict was not written); " in note
    ), note

"""``ctloop approve`` again after a rollout create whose store failed runs one canary, not two.

The rollout run's id was the approval's (``approval.rollout_run_id``, a UUID5): every attempt sent it.
kubeflow/pipelines 2.17.0 ``backend/src/apiserver/resource/resource_manager.go`` ``CreateRun`` creates
the Argo workflow (label ``pipeline/runid=<run id>``) before it stores the run; after a 500 "Failed to
store run" the workflow stays, and ``ReportWorkflowResource`` (same file) adopts every workflow whose run
id has a stored run. ``ctloop approve`` again (a CI retry, before ``WORKFLOW_GC_GRACE_PERIOD_SECONDS``)
created a second workflow under the same id, whose row was stored: two canaries under one run. Now the
approval's value is a key in the run's description and each attempt sends an id of its own: the failed
attempt's workflow has no row and is deleted. A run an older ctloop created under the key as its id is
still found.
"""

from __future__ import annotations

import pytest

from ctloop import approval
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_r39_kfp_approve_experiment import MODEL, _apply, _approve
from tests.ops.test_r39_kfp_approve_experiment import registry as registry  # noqa: F401  (the fixture)

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


class Crash(BaseException):
    """The process dying (nothing catches it)."""


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, uuid_ids=True) as double:
        yield double


def _key(registry) -> str:
    return approval.rollout_key(MODEL, approval.Decision(
        "2", True, "alice", "", {}, at=registry.get_version(MODEL, "2").tags[approval.TAG_AT]))


def test_approve_again_after_a_failed_store_runs_one_canary(kfp, registry, sqlite_tracking, capsys):
    _apply(kfp)
    kfp.fail_run_store = 1  # the rollout's workflow is created, its run is not stored: 500
    assert _approve(sqlite_tracking, kfp.url, "ctloop") != 0
    assert not kfp.state.runs and len(kfp.state.workflows) == 1
    capsys.readouterr()
    assert _approve(sqlite_tracking, kfp.url, "ctloop") == 0
    (run_id,) = kfp.state.runs
    assert kfp.report_workflows() == {run_id: 1}  # the failed attempt's workflow deleted, not adopted
    assert f"rollout run {run_id} started" in capsys.readouterr().out
    events = [(e["event"], e.get("kfp_run", "")) for e in registry.audit_log(MODEL)]
    assert ("rollout_started", run_id) in events


def test_a_run_an_older_ctloop_created_under_the_key_as_its_id_is_found(kfp, registry, sqlite_tracking, capsys,
                                                                         monkeypatch):
    from ctloop.registry import MlflowRegistry

    _apply(kfp)
    record = MlflowRegistry.record_event

    def dies(self, name, version, event):  # the process dies after the create, before the record
        if event.get("event") == "rollout_started":
            raise Crash()
        return record(self, name, version, event)

    monkeypatch.setattr(MlflowRegistry, "record_event", dies)
    with pytest.raises(Crash):
        _approve(sqlite_tracking, kfp.url, "ctloop")
    monkeypatch.setattr(MlflowRegistry, "record_event", record)
    (run,) = kfp.state.runs.values()
    key = _key(registry)
    # what ctloop before this change left: the key as the run's id, no key in the description
    kfp.state.runs = {key: {**run, "run_id": key, "description": ""}}
    capsys.readouterr()
    assert _approve(sqlite_tracking, kfp.url, "ctloop") == 0
    assert list(kfp.state.runs) == [key]
    assert f"the rollout run {key} of v2 was already started" in capsys.readouterr().out

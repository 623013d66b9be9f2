"""An approval an older ctloop left "stuck" (its reason, approver or model name holds a character
beyond U+FFFF) whose rollout run may nevertheless have run.

Fix round 41 lets such a version be rejected, or carried out with a new ``--reason``/``--by``
(``approval_restated``), on the ground that no rollout run of it can exist. That holds only for a
ctloop that refused the text before sending it (from commit 01e044f on). Every earlier ctloop sent
it: kubeflow/pipelines 2.17.0 ``backend/src/apiserver/resource/resource_manager.go`` ``CreateRun``
creates the Argo workflow (labelled ``pipeline/runid=<run id>``) before it stores the run, which
fails on the utf8mb3 connection (``backend/src/apiserver/client/sql.go``) with HTTP 500 — the
workflow runs on without a KFP run until ``ReportWorkflowResource`` deletes it. Its release steps
record ``deploy``, ``traffic``, ``analysis``, ``traffic_promote``/``promote`` or ``rollback`` of the
version (``ctloop.serving.release``) with their ``pipeline_run``. With such a record the version is
no longer treated as stuck: ``reject`` and a restated ``approve`` are refused in one line naming
the workflow to look for, nothing changed. Without one, both work as before.
"""

from __future__ import annotations

import pytest

from ctloop import approval
from ctloop.cli import main
from ctloop.errors import RegistryError
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_fix41e_approve_astral import _approve, _stuck
from tests.ops.test_r39_kfp_approve_experiment import MODEL, _apply
from tests.ops.test_r39_kfp_approve_experiment import registry as registry  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
ORPHAN = "5b1f3c2e-0d7a-4c57-9a35-0f1e2d3c4b5a"

# what the orphan rollout workflow's steps record (ctloop.serving.release: deploy, analyze's audit,
# promote, rollback; rollout.walk_plan's "traffic" through analyze's on_event)
ORPHAN_EVENTS = {
    "deploy": {"event": "deploy", "strategy": "canary", "storage_uri": "s3://models/2", "pipeline_run": ORPHAN},
    "traffic": {"event": "traffic", "percent": "10", "pipeline_run": ORPHAN},
    "analysis": {"event": "analysis", "decision": "rollback", "reason": "p99", "pipeline_run": ORPHAN},
    "rollback": {"event": "rollback", "reason": "analysis failed", "to_version": "1", "pipeline_run": ORPHAN},
}


def _events(registry):
    return [e.get("event") for e in registry.audit_log(MODEL)]


def _reject(uri):
    return main(["reject", "--model-name", MODEL, "--version", "2", "--reason", "undo", "--by", "bob",
                 "--tracking-uri", uri])


@pytest.mark.parametrize("event", sorted(ORPHAN_EVENTS))
def test_reject_is_refused_once_an_orphan_rollout_recorded_something(registry, sqlite_tracking, capsys, event):
    _stuck(registry)
    registry.record_event(MODEL, "2", ORPHAN_EVENTS[event])
    capsys.readouterr()
    assert _reject(sqlite_tracking) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert f"pipeline/runid={ORPHAN}" in err and f"'{event}'" in err, err
    assert "older ctloop" in err and "nothing was changed" in err, err
    assert registry.get_version(MODEL, "2").tags[approval.TAG_STATE] == approval.APPROVED
    assert approval.pending(registry, MODEL).version == "2"
    assert approval.REJECTED not in _events(registry)


def test_a_restated_approve_starts_no_second_rollout_after_an_orphan_one(monkeypatch, tmp_path, registry,
                                                                           sqlite_tracking, capsys):
    _stuck(registry)
    registry.record_event(MODEL, "2", ORPHAN_EVENTS["deploy"])
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _apply(kfp)
        capsys.readouterr()
        assert _approve(kfp, sqlite_tracking, reason="plain", by="bob") == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and f"pipeline/runid={ORPHAN}" in err, err
        assert not kfp.state.runs
    assert "approval_restated" not in _events(registry)
    assert registry.get_version(MODEL, "2").tags[approval.TAG_BY] == "alice"


def test_an_orphan_rollout_that_promoted_counts_without_its_records(registry):
    """The champion alias on the version (its promote record beyond the audit log read)."""
    _stuck(registry)
    registry.client.set_registered_model_alias(MODEL, "champion", "2")
    with pytest.raises(RegistryError, match="older ctloop"):
        approval.decide(registry, MODEL, "2", approve=False, by="bob", reason="undo")


def test_events_of_another_version_or_of_the_approval_do_not_count(registry, sqlite_tracking, capsys):
    _stuck(registry)
    registry.record_event(MODEL, "1", ORPHAN_EVENTS["deploy"])  # v1's own rollout, long ago
    assert _reject(sqlite_tracking) == 0
    assert registry.get_version(MODEL, "2").tags[approval.TAG_STATE] == approval.REJECTED

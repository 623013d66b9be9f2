"""Re-applying an unchanged spec changes nothing after ctloop is upgraded to the generation mark.

Schedules an older ctloop made carry no ``ctloop-generation:N``. ``_rank`` put the generation first,
so among them ``created_at`` alone decided, whatever their status; an older ctloop's rollback (apply
of S1 again enabled A and disabled the newer B, kept while its run is in flight) then read as "B is
the schedule": re-applying S1 after the upgrade replaced A (dry-run: would-replace). In a rollout of
ctloop not finished everywhere, an older ctloop's enabled schedule (no mark) made after a marked one
ranked below that disabled marked one. Now a disabled unmarked schedule ranks below every other and
``created_at`` comes before the generation (which breaks ties within one second); applies running at
once still converge (the r38 tests and the three-apply cases below).
"""

from __future__ import annotations

import re
import threading

import pytest

from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
GOLDEN = REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml"
JOB = "ct-credit"


def _ids(platform):
    upload = platform.ensure_pipeline("continuous-training", GOLDEN)
    return upload.pipeline_id, upload.version_id, platform.ensure_experiment("ctloop")


def _rec(platform, ids, cron, *, enabled=True, dry_run=False):
    pipeline_id, version_id, experiment_id = ids
    return platform.reconcile_schedule(experiment_id=experiment_id, job_name=JOB, pipeline_id=pipeline_id,
                                       version_id=version_id, cron=cron, params={}, enabled=enabled,
                                       dry_run=dry_run)


def _as_older_ctloop(kfp, rid):
    """What an older ctloop wrote: the same description without the generation mark."""
    r = kfp.state.recurring[rid]
    r["description"] = re.sub(r"; ctloop-generation:\d+", "", r["description"])


def _enabled(kfp):
    return [rid for rid, r in kfp.state.recurring.items() if r["status"] == "ENABLED"]


def _assert_unchanged(platform, ids, cron, keep, *, enabled=True):
    assert _rec(platform, ids, cron, enabled=enabled, dry_run=True).action == "unchanged"
    result = _rec(platform, ids, cron, enabled=enabled)
    assert (result.action, result.recurring_run_id) == ("unchanged", keep), result


def test_older_ctloops_rollback_state_is_unchanged_on_reapply(monkeypatch, tmp_path):
    """Older ctloop: S1 made A, S2 made B (A kept, run in flight), S1 again enabled A and disabled B
    (B's run in flight). Re-applying S1 after the upgrade keeps A."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        ids = _ids(platform)
        a = _rec(platform, ids, "0 0 3 * * *").recurring_run_id
        kfp.add_run(ids[2], "a-run", "RUNNING", recurring_run_id=a)
        b = _rec(platform, ids, "0 0 4 * * *").recurring_run_id
        kfp.add_run(ids[2], "b-run", "RUNNING", recurring_run_id=b)
        kfp.state.recurring[a].update(status="ENABLED", created_at="2025-01-01T00:00:00Z")
        kfp.state.recurring[b].update(status="DISABLED", created_at="2025-01-02T00:00:00Z")
        _as_older_ctloop(kfp, a)
        _as_older_ctloop(kfp, b)
        _assert_unchanged(platform, ids, "0 0 3 * * *", a)
        assert _enabled(kfp) == [a] and kfp.state.recurring[b]["status"] == "DISABLED"


def test_older_ctloops_plain_replace_is_unchanged_on_reapply(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        ids = _ids(platform)
        a = _rec(platform, ids, "0 0 1 * * *").recurring_run_id
        kfp.add_run(ids[2], "a-run", "RUNNING", recurring_run_id=a)
        b = _rec(platform, ids, "0 0 3 * * *").recurring_run_id
        kfp.state.recurring[a]["created_at"] = "2025-01-01T00:00:00Z"
        kfp.state.recurring[b]["created_at"] = "2025-01-02T00:00:00Z"
        _as_older_ctloop(kfp, a)
        _as_older_ctloop(kfp, b)
        _assert_unchanged(platform, ids, "0 0 3 * * *", b)


def test_an_older_ctloops_schedule_made_after_a_marked_one_is_kept(monkeypatch, tmp_path):
    """Mixed rollout: this ctloop made A (generation 1, run in flight); an older ctloop (a CI job not
    upgraded yet) applied S2 later: B without a generation, A disabled and kept. Re-applying S2 here
    keeps B."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        ids = _ids(platform)
        a = _rec(platform, ids, "0 0 1 * * *").recurring_run_id
        kfp.add_run(ids[2], "a-run", "RUNNING", recurring_run_id=a)
        b = _rec(platform, ids, "0 0 3 * * *").recurring_run_id
        kfp.state.recurring[a]["created_at"] = "2025-01-01T00:00:00Z"
        kfp.state.recurring[b]["created_at"] = "2025-01-02T00:00:00Z"
        _as_older_ctloop(kfp, b)
        assert "ctloop-generation:1" in kfp.state.recurring[a]["description"]
        _assert_unchanged(platform, ids, "0 0 3 * * *", b)


@pytest.mark.parametrize("enabled", [True, False])
def test_a_new_spec_still_replaces_an_older_ctloops_schedules(monkeypatch, tmp_path, enabled):
    """After the upgrade a changed spec replaces the older ctloop's enabled schedule, a disabled spec
    too (its disabled schedule outranks the enabled one it replaces)."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        ids = _ids(platform)
        a = _rec(platform, ids, "0 0 1 * * *").recurring_run_id
        kfp.state.recurring[a]["created_at"] = "2025-01-01T00:00:00Z"
        _as_older_ctloop(kfp, a)
        result = _rec(platform, ids, "0 0 3 * * *", enabled=enabled)
        assert result.action == "replaced" and result.retired == [a]
        assert list(kfp.state.recurring) == [result.recurring_run_id]
        assert kfp.state.recurring[result.recurring_run_id]["status"] == ("ENABLED" if enabled else "DISABLED")
        _assert_unchanged(platform, ids, "0 0 3 * * *", result.recurring_run_id, enabled=enabled)


def _at_once(kfp, ids, crons, *, relist_together, enabled=True):
    n = len(crons)
    before, after = threading.Barrier(n, timeout=30), threading.Barrier(n, timeout=30)
    results, errors = {}, []

    def apply(i):
        platform = Platform(host=kfp.url)
        real = platform.client.create_recurring_run

        def gated(*args, **kwargs):
            before.wait()
            try:
                return real(*args, **kwargs)
            finally:
                if relist_together:
                    after.wait()

        platform.client.create_recurring_run = gated
        try:
            results[i] = _rec(platform, ids, crons[i], enabled=enabled)
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)
            before.abort()
            after.abort()

    threads = [threading.Thread(target=apply, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


@pytest.mark.parametrize("older_ctloop", [False, True])
@pytest.mark.parametrize("in_flight", [False, True])
@pytest.mark.parametrize("relist_together", [True, False])
@pytest.mark.parametrize("crons", [("0 0 3 * * *",) * 3, ("0 0 3 * * *", "0 0 4 * * *", "0 0 5 * * *"),
                                   ("0 0 3 * * *", "0 0 3 * * *", "0 0 5 * * *")])
def test_three_applies_at_once_converge_and_reapply_is_unchanged(monkeypatch, tmp_path, crons, relist_together,
                                                                 in_flight, older_ctloop):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        ids = _ids(platform)
        old = _rec(platform, ids, "0 0 1 * * *").recurring_run_id
        kfp.state.recurring[old]["created_at"] = "2025-01-01T00:00:00Z"
        if older_ctloop:
            _as_older_ctloop(kfp, old)
        if in_flight:
            kfp.add_run(ids[2], "old-run", "RUNNING", recurring_run_id=old)
        _at_once(kfp, ids, crons, relist_together=relist_together)
        (kept,) = _enabled(kfp)
        assert set(kfp.state.recurring) == {kept} | ({old} if in_flight else set())
        cron = kfp.state.recurring[kept]["trigger"]["cron_schedule"]["cron"]
        _assert_unchanged(platform, ids, cron, kept)


def test_two_applies_of_one_disabled_spec_at_once_leave_one(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        ids = _ids(platform)
        _rec(platform, ids, "0 0 1 * * *")
        _at_once(kfp, ids, ("0 0 3 * * *",) * 2, relist_together=False, enabled=False)
        (only,) = kfp.state.recurring
        assert kfp.state.recurring[only]["status"] == "DISABLED"
        _assert_unchanged(platform, ids, "0 0 3 * * *", only, enabled=False)

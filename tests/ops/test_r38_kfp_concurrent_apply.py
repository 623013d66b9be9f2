"""Two ``ctloop apply`` of one schedule at once end with exactly one enabled schedule.

``Platform.reconcile_schedule`` lists the recurring runs named ``ct-<model>``, finds none carrying
the spec hash, and creates one. KFP has no lock (kubeflow/pipelines 2.17.0
``backend/src/apiserver/server/job_server.go`` ``CreateJob`` makes a new recurring run for every
request; display names are not unique): two applies at once (two CI jobs, two engineers) each
created one, each retired only the old schedule it had listed, and both new ones fired every tick
(two training runs per tick) until the next apply.

Now every create is followed by a second listing, and every apply keeps the one schedule that is
first in one order every apply computes alike (``ctloop.ops.platform._rank``: a disabled schedule
of an older ctloop lowest, then KFP's ``created_at``, then the apply generation —
``ctloop-generation:N`` in the description, one more than the highest it listed, so a later apply
outranks what it saw within one second — then the id) — and retires the others (disabled, deleted unless a
run of one is in flight). The interleavings are made by a gate in the client (no timing): the KFP
API double serves both ``kfp.Client``s.
"""

from __future__ import annotations

import threading

import pytest

from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml"
JOB = "ct-credit"


def _ids(platform: Platform) -> tuple[str, str, str]:
    upload = platform.ensure_pipeline("continuous-training", GOLDEN)
    return upload.pipeline_id, upload.version_id, platform.ensure_experiment("ctloop")


def _reconcile(platform: Platform, ids: tuple[str, str, str], cron: str):
    pipeline_id, version_id, experiment_id = ids
    return platform.reconcile_schedule(experiment_id=experiment_id, job_name=JOB, pipeline_id=pipeline_id,
                                       version_id=version_id, cron=cron, params={})


def _enabled(kfp) -> list[str]:
    return [rid for rid, r in kfp.state.recurring.items() if r["display_name"] == JOB and r["status"] == "ENABLED"]


def _both_at_once(kfp, crons: tuple[str, str], *, relist_together: bool):
    """Two applies that both list before either creates (a barrier in front of each create), and
    with ``relist_together`` both create before either lists again (a barrier after each create)."""
    ids = _ids(Platform(host=kfp.url))
    _reconcile(Platform(host=kfp.url), ids, "0 0 1 * * *")  # the schedule both replace
    before, after = threading.Barrier(2, timeout=30), threading.Barrier(2, timeout=30)
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def apply(i: int) -> None:
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
            results[i] = _reconcile(platform, ids, crons[i])
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)
            before.abort()
            after.abort()

    threads = [threading.Thread(target=apply, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results[0], results[1]


@pytest.mark.parametrize("relist_together", [True, False])
def test_two_applies_of_one_spec_at_once_leave_one_schedule(monkeypatch, tmp_path, relist_together):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        first, second = _both_at_once(kfp, ("0 0 3 * * *", "0 0 3 * * *"), relist_together=relist_together)
        (kept,) = _enabled(kfp)
        assert list(kfp.state.recurring) == [kept]  # the loser and the old schedule: deleted
        # the apply that listed last names the schedule that stays; with both listing after both
        # creates, both name it
        named = {first.recurring_run_id, second.recurring_run_id}
        assert kept in named and (named == {kept} if relist_together else True)


def test_two_applies_of_different_specs_at_once_leave_one_schedule(monkeypatch, tmp_path):
    """An older and a newer spec applied at once: one of them wins (the later-created schedule, by
    KFP's created_at, then the id); the other apply says its schedule was superseded."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        first, second = _both_at_once(kfp, ("0 0 3 * * *", "0 0 4 * * *"), relist_together=True)
        (kept,) = _enabled(kfp)
        assert list(kfp.state.recurring) == [kept]
        assert {first.recurring_run_id, second.recurring_run_id} == {kept}
        actions = sorted([first.action, second.action])
        assert actions == ["replaced", "superseded"], actions
        loser = first if first.action == "superseded" else second
        assert loser.superseded and loser.superseded not in kfp.state.recurring


def test_an_apply_that_ran_whole_between_anothers_listing_and_create(monkeypatch, tmp_path):
    """The second apply lists, creates and retires entirely while the first waits between its listing
    and its create (no threads: the first's create runs the second first)."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        ids = _ids(Platform(host=kfp.url))
        old = _reconcile(Platform(host=kfp.url), ids, "0 0 1 * * *").recurring_run_id
        slow, quick = Platform(host=kfp.url), Platform(host=kfp.url)
        real = slow.client.create_recurring_run
        done = []

        def other_apply_first(*args, **kwargs):
            done.append(_reconcile(quick, ids, "0 0 3 * * *"))
            return real(*args, **kwargs)

        slow.client.create_recurring_run = other_apply_first
        result = _reconcile(slow, ids, "0 0 3 * * *")
        (kept,) = _enabled(kfp)
        assert list(kfp.state.recurring) == [kept] and old not in kfp.state.recurring
        assert result.recurring_run_id == kept  # the later listing decides


def test_a_later_apply_always_outranks_what_it_listed(monkeypatch, tmp_path):
    """Sequential applies within one second (same created_at) still replace: the generation mark of
    the new schedule is above every one the apply listed."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        ids = _ids(Platform(host=kfp.url))
        platform = Platform(host=kfp.url)
        kfp.state.recurring.clear()
        crons = [f"0 0 {h} * * *" for h in range(1, 12)]  # ids recurring-9, recurring-10...: text order flips
        for cron in crons:
            result = _reconcile(platform, ids, cron)
            assert result.action in ("created", "replaced")
            (kept,) = _enabled(kfp)
            assert kept == result.recurring_run_id
            assert kfp.state.recurring[kept]["trigger"]["cron_schedule"]["cron"] == cron
        assert _reconcile(platform, ids, crons[-1]).action == "unchanged"


@pytest.mark.parametrize("in_flight", [False, True])
def test_a_schedule_enabled_back_by_an_older_apply_is_retired_again(monkeypatch, tmp_path, in_flight):
    """An apply that found its schedule disabled (by hand, or as another apply's loser) and enables it
    lists again: when a newer one exists by then, it retires its own instead of leaving two enabled
    (disabled and kept while a run of it is in flight, deleted otherwise)."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        ids = _ids(Platform(host=kfp.url))
        mine = _reconcile(Platform(host=kfp.url), ids, "0 0 3 * * *").recurring_run_id
        kfp.state.recurring[mine]["status"] = "DISABLED"
        if in_flight:
            kfp.add_run(ids[2], "ct-credit-run", "RUNNING", recurring_run_id=mine)
        slow, quick = Platform(host=kfp.url), Platform(host=kfp.url)
        real = slow.client.enable_recurring_run

        def newer_apply_first(*args, **kwargs):
            _reconcile(quick, ids, "0 0 4 * * *")  # a newer spec: creates, retires `mine`
            return real(*args, **kwargs)

        slow.client.enable_recurring_run = newer_apply_first
        result = _reconcile(slow, ids, "0 0 3 * * *")
        (kept,) = _enabled(kfp)
        assert kept != mine
        if in_flight:
            assert kfp.state.recurring[mine]["status"] == "DISABLED" and result.kept_in_flight == [mine]
        else:
            assert mine not in kfp.state.recurring
        assert result.action == "superseded" and result.recurring_run_id == kept


def test_with_two_enabled_schedules_runs_take_the_pin_of_the_one_applies_keep(monkeypatch, tmp_path):
    """Two enabled ``ct-`` schedules (left by applies at once before they converged, or mid-way):
    ``pinned_version`` took the first listed one's pin, the one every apply retires; it now takes the
    pin of the one applies keep (the first in their order)."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        ids = _ids(platform)
        rollout = platform.ensure_pipeline("rollout", GOLDEN.parent / "rollout.yaml")
        pipeline_id, version_id, experiment_id = ids
        older = platform.reconcile_schedule(experiment_id=experiment_id, job_name=JOB, pipeline_id=pipeline_id,
                                            version_id=version_id, cron="0 0 3 * * *", params={},
                                            pins={"rollout": (rollout.pipeline_id, rollout.version_id)})
        newer = dict(kfp.state.recurring[older.recurring_run_id])  # another apply's, one generation up
        newer.update(recurring_run_id="recurring-900", status="ENABLED",
                     description=newer["description"].replace("ctloop-generation:1", "ctloop-generation:2")
                     .replace(rollout.version_id, "version-900"))
        kfp.state.versions[rollout.pipeline_id].append({**kfp.state.versions[rollout.pipeline_id][0],
                                                        "pipeline_version_id": "version-900"})
        kfp.state.recurring["recurring-900"] = newer
        assert platform.pinned_version(experiment_id, JOB, "rollout") == (rollout.pipeline_id, "version-900")

"""An idempotency key names one run: the run whose description is exactly ``ctloop-idempotency-key:<key>``.

``Platform.keyed_run`` took the first run KFP answered to its description ``EQUALS`` filter. Behind a proxy
that drops ``?filter=`` that is the experiment's newest run, whatever its key: ``ctloop trigger
--idempotency-key nightly-2`` said "already" after ``nightly-1`` and started nothing, and a resumed
``ctloop approve`` recorded ``rollout_started`` against an unrelated run (no canary; the approval lost). KFP's
database compares the filter as ``utf8mb4_0900_ai_ci`` (case-insensitive: 2.17.0 ``client_manager.go``
creates it without a collation), so ``build-A1`` found the run of ``build-a1``. And a resumed approval
looked its key up in the one ``--experiment`` it was given: a first attempt under ``credit-monitoring``
that died before its record, retried under ``ctloop``, started a second canary. Now the runs are paged
through and only an exact (case-sensitive) description counts, and an approval's key is looked up among
all runs of the namespace (``GET /runs?namespace=``: kfp 2.17.0 ``Client.list_runs(namespace=)``).
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli
from tests.ops.test_fix42f_approve_rollout_key import Crash
from tests.ops.test_r39_kfp_approve_experiment import _apply, _approve
from tests.ops.test_r39_kfp_approve_experiment import registry as registry  # noqa: F401  (the fixture)

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _trigger(kfp, key: str) -> int:
    return main(["trigger", "--host", kfp.url, "--experiment", "credit-ct", "--idempotency-key", key,
                 *TRIGGER_PARAMS])


def drop_filters(kfp) -> None:
    """A proxy in front of the API that drops the query string's ``filter`` (and keeps the rest)."""
    original = kfp.dispatch

    def dispatch(method, path, query, body):
        return original(method, path, {k: v for k, v in query.items() if k != "filter"}, body)

    kfp.dispatch = dispatch


def test_a_proxy_that_drops_the_filter_costs_paging_not_a_run(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert _trigger(kfp, "nightly-1") == 0
        drop_filters(kfp)
        assert _trigger(kfp, "nightly-2") == 0
        assert _trigger(kfp, "nightly-1") == 0
        assert sorted(r["description"] for r in kfp.state.runs.values()) == [
            "ctloop-idempotency-key:nightly-1", "ctloop-idempotency-key:nightly-2"]
    assert "of --idempotency-key nightly-1 already" in capsys.readouterr().err


def test_keys_compare_exactly_not_as_the_database_collates(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert _trigger(kfp, "build-a1") == 0 and _trigger(kfp, "build-A1") == 0
        assert len(kfp.state.runs) == 2


def test_the_key_is_found_beyond_the_first_page(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert _trigger(kfp, "nightly-0") == 0
        platform = Platform(host=kfp.url)
        (run_id,) = kfp.state.runs
        experiment_id = kfp.state.runs[run_id]["experiment_id"]
        drop_filters(kfp)
        for n in range(1, 4):
            assert _trigger(kfp, f"nightly-{n}") == 0
        monkeypatch.setattr("ctloop.ops.platform.PAGE", 2)
        assert platform.keyed_run(experiment_id, "nightly-0").run_id == run_id
        assert platform.keyed_run(experiment_id, "nightly-9") is None


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, uuid_ids=True) as double:
        yield double


def _rollouts(kfp) -> list[dict]:
    return [r for r in kfp.state.runs.values() if r["display_name"].startswith("rollout-")]


def test_a_resumed_approval_behind_a_filter_dropping_proxy_starts_its_canary(kfp, registry, sqlite_tracking,
                                                                              capsys):
    _apply(kfp)
    kfp.fail_run_store = 1  # the approval is recorded, its rollout run is not stored
    assert _approve(sqlite_tracking, kfp.url, "ctloop") != 0
    Platform(host=kfp.url).create_run("continuous-training", experiment="ctloop", run_name="nightly")
    drop_filters(kfp)
    capsys.readouterr()
    assert _approve(sqlite_tracking, kfp.url, "ctloop") == 0
    (rollout,) = _rollouts(kfp)
    assert f"rollout run {rollout['run_id']} started" in capsys.readouterr().out
    events = [(e["event"], e.get("kfp_run", "")) for e in registry.audit_log("credit-approve-experiment")]
    assert ("rollout_started", rollout["run_id"]) in events


def test_a_retry_under_another_experiment_starts_no_second_canary(kfp, registry, sqlite_tracking, capsys,
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
        _approve(sqlite_tracking, kfp.url, "credit-monitoring")
    monkeypatch.setattr(MlflowRegistry, "record_event", record)
    capsys.readouterr()
    assert _approve(sqlite_tracking, kfp.url, "ctloop") == 0
    (rollout,) = _rollouts(kfp)
    assert f"the rollout run {rollout['run_id']} of v2 was already started" in capsys.readouterr().out

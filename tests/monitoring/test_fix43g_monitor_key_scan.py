"""Behind a proxy that drops ``?filter=``, a monitoring window's retrain still starts once the experiment
holds more than ``KEY_SCAN`` runs.

``Platform.keyed_run`` reads at most ``KEY_SCAN`` (1,000) runs of other descriptions, newest first, then
gives up so that nothing starts twice. A window's retrain key (``trigger.retrain_key``) is new, so its
lookup never finds it and always read to the bound: once the experiment held 1,000 runs (six weeks of
hourly runs) every window's trigger failed, and no retrain ever started again. The newest runs read reach
back before the window's MLflow run started, and no retrain of the window can be older: the miss is an
answer, and the retrain starts (with a warning). When they do not reach back that far, it still fails.

The real Platform against the KFP API double (tests/doubles/kfp_api.py: runs listed as 2.17.0 list.go
orders them), a real (sqlite) MLflow store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ctloop.errors import PlatformError
from ctloop.monitoring import trigger
from ctloop.ops import platform as platform_module
from ctloop.ops.platform import Platform
from tests.monitoring.test_r40_kfp_trigger_late_run import MODEL, _window
from tests.monitoring.test_r40_kfp_trigger_late_run import kfp as kfp  # noqa: F401 - fixture
from tests.monitoring.trigger_support import trigger_loop
from tests.ops.test_fix42h5_keyed_run import drop_filters

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

SCAN = 6


@pytest.fixture
def small_scan(monkeypatch):
    monkeypatch.setattr(platform_module, "KEY_SCAN", SCAN)
    monkeypatch.setattr(platform_module, "PAGE", 3)


def _seed(kfp, n: int, age: timedelta, *, every: timedelta = timedelta(0)) -> None:
    """``n`` runs, the newest ``age`` old, the others ``every`` apart (0: all in one second)."""
    experiment = Platform(host=kfp.url).ensure_experiment("e")
    for i in range(n):
        when = (datetime.now(UTC) - age - (n - 1 - i) * every).strftime("%Y-%m-%dT%H:%M:%SZ")
        kfp.state.runs[kfp.add_run(experiment, f"continuous-training-{i}", "SUCCEEDED")][
            "created_at"
        ] = when


def _start(registry, store, url, window):
    return trigger.start_training(
        registry,
        store,
        lambda: Platform(host=url),
        model_name=MODEL,
        reason="drift on x",
        params={},
        experiment="e",
        monitor_run_id=window,
    )


def test_the_retrain_starts_when_the_newest_runs_predate_the_window(
    kfp, sqlite_tracking, small_scan, capsys
):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    # the hourly runs before this window
    _seed(kfp, SCAN + 4, timedelta(hours=2), every=timedelta(hours=1))
    drop_filters(kfp)
    window = _window(store, "2026-12-05T01:00:00Z")
    started = _start(registry, store, kfp.url, window)
    assert started and kfp.state.runs[started]["description"].endswith(
        trigger.retrain_key(MODEL, window)
    )
    assert store.client.get_run(window).data.tags["kfp_run"] == started
    assert "reach back before the monitoring window began" in capsys.readouterr().out


def test_it_still_gives_up_when_they_do_not(kfp, sqlite_tracking, small_scan):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    _seed(kfp, SCAN + 4, timedelta(0))  # as new as the window: the key could be past them
    drop_filters(kfp)
    window = _window(store, "2026-12-05T01:00:00Z")
    before = set(kfp.state.runs)
    with pytest.raises(PlatformError, match=r"let \?filter= through"):
        _start(registry, store, kfp.url, window)
    assert set(kfp.state.runs) == before
    assert store.client.get_run(window).data.tags["triggered"] == "failed"


def test_a_key_found_behind_the_proxy_ends_the_scan_near_it(kfp, small_scan):
    platform = Platform(host=kfp.url)
    _seed(kfp, 3 * SCAN, timedelta(hours=2))
    experiment = platform.ensure_experiment("e")
    rid = kfp.add_run(experiment, "retrain", "RUNNING")
    kfp.state.runs[rid]["description"] = "ctloop-idempotency-key:k"
    drop_filters(kfp)
    calls = len(kfp.calls)
    assert platform.keyed_run(experiment, "k").run_id == rid
    pages = [c for c in kfp.calls[calls:] if c.path.endswith("/runs")]
    assert len(pages) == 1  # the runs two hours older are past KEY_RACE: no run of a race with it

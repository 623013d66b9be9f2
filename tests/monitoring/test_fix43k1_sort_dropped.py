"""Behind a proxy that drops ``sort_by`` as well as ``?filter=``, a window's retrain never starts twice.

``Platform.keyed_run`` asks for the runs ``created_at desc``. A proxy that drops the whole query string (or
both parameters) gets the API server's default order instead: 2.17.0 ``model/run.go`` ``DefaultSortField``
(``CreatedAtInSec``) ascending, oldest first (the double, tests/doubles/kfp_api.py ``_sorted_runs``, models
it). The ``KEY_SCAN`` runs read are then the OLDEST: they say nothing of how far back the newest reach, so
the lookup's miss must not be taken as "the window has no retrain" (``trigger._keyed``); it fails as it does
behind a proxy that drops only the filter, and nothing starts. Before, the window's RUNNING retrain was not
read and a second one started.

The real Platform against the KFP API double, a real (sqlite) MLflow store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ctloop.errors import PlatformError
from ctloop.monitoring import trigger
from ctloop.ops.platform import KEY_MARK, Platform
from tests.monitoring.test_fix43g_monitor_key_scan import SCAN, _start
from tests.monitoring.test_fix43g_monitor_key_scan import small_scan as small_scan  # noqa: F401 - fixture
from tests.monitoring.test_r40_kfp_trigger_late_run import MODEL, _window
from tests.monitoring.test_r40_kfp_trigger_late_run import kfp as kfp  # noqa: F401 - fixture
from tests.monitoring.trigger_support import trigger_loop

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def drop_query(kfp) -> None:
    """A proxy in front of the API that drops the query string's ``filter`` and ``sort_by``."""
    original = kfp.dispatch

    def dispatch(method, path, query, body):
        return original(
            method, path, {k: v for k, v in query.items() if k not in ("filter", "sort_by")}, body
        )

    kfp.dispatch = dispatch


def _seed(kfp, ages: list[timedelta]) -> str:
    experiment = Platform(host=kfp.url).ensure_experiment("e")
    for i, age in enumerate(ages):
        rid = kfp.add_run(experiment, f"continuous-training-{i}", "SUCCEEDED")
        kfp.state.runs[rid]["created_at"] = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    return experiment


@pytest.mark.parametrize(
    ("ages", "says"),
    [
        # hourly, the oldest 12 hours ago: read oldest first, newer after older
        ([timedelta(hours=12 - i) for i in range(SCAN + 4)], r"drops \?filter= and sort_by\?"),
        # all in one second: no order to see, so not taken as newest first either
        ([timedelta(hours=2)] * (SCAN + 4), r"nothing was started"),
    ],
    ids=["hourly", "one-second"],
)
def test_the_windows_running_retrain_is_not_started_again(
    kfp, sqlite_tracking, small_scan, ages, says
):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    experiment = _seed(kfp, ages)
    window = _window(store, "2026-12-05T01:00:00Z")
    retrain = kfp.add_run(experiment, "retrain", "RUNNING")  # the window's retrain, started before
    kfp.state.runs[retrain]["description"] = f"{KEY_MARK}{trigger.retrain_key(MODEL, window)}"
    drop_query(kfp)
    before = set(kfp.state.runs)
    with pytest.raises(PlatformError, match=says):
        _start(registry, store, kfp.url, window)
    assert set(kfp.state.runs) == before

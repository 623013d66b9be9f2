"""Behind a proxy that drops ``?filter=``, a key's lookup still reaches the run of a race sent first.

``Platform.keyed_run`` answers the key's run whose create was sent first (``_drawn``), the one
``_settle_key`` keeps. Behind a proxy that drops the filter it reads every run newest first and, once it
found one of the key's runs, stops at runs created more than ``KEY_RACE`` (10 minutes) before it. Two racing
creates of one key are stored up to that far apart, with other runs between them: the scan must go on past
those to the run sent first, or the lookup answers the duplicate that terminated itself.

The real Platform against the KFP API double (tests/doubles/kfp_api.py: runs listed as 2.17.0
``list/list.go`` orders them for ``sort_by``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ctloop.ops.platform import KEY_MARK, Platform
from tests.monitoring.test_r40_kfp_trigger_late_run import kfp as kfp  # noqa: F401 - fixture
from tests.ops.test_fix42h5_keyed_run import drop_filters

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _run(kfp, experiment: str, name: str, state: str, at: datetime, description: str = "") -> str:
    rid = kfp.add_run(experiment, name, state)
    kfp.state.runs[rid]["created_at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    kfp.state.runs[rid]["description"] = description
    return rid


def test_the_run_sent_first_is_found_past_other_runs_minutes_newer(kfp):
    platform = Platform(host=kfp.url)
    experiment = platform.ensure_experiment("e")
    now = datetime.now(UTC)
    mark = f"{KEY_MARK}k"
    _run(kfp, experiment, "old", "SUCCEEDED", now - timedelta(hours=2))
    first = _run(
        kfp, experiment, "a", "RUNNING", now - timedelta(minutes=5), mark
    )  # sent first, stays
    for minutes in (4, 3, 2, 1):  # other runs stored between the two creates
        _run(kfp, experiment, f"other-{minutes}", "SUCCEEDED", now - timedelta(minutes=minutes))
    _run(kfp, experiment, "b", "CANCELED", now, mark)  # the duplicate, terminated itself
    drop_filters(kfp)
    assert platform.keyed_run(experiment, "k").run_id == first

"""Behind a proxy that drops ``sort_by`` (and ``?filter=``), a key's run found among the oldest ends the scan.

``Platform.keyed_run`` asks for the key's runs ``created_at desc``; a proxy that drops the query answers every
run of the experiment in the API server's default order, 2.17.0 ``model/run.go`` ``DefaultSortField``
(``CreatedAtInSec``) ascending (the double, tests/doubles/kfp_api.py ``_sorted_runs``). Newest first, the scan
stops at the first run created ``KEY_RACE`` seconds before the key's runs found (no run of their race is
older). Oldest first it never stopped there: having found the key's run, it read on to ``KEY_SCAN`` runs of
other descriptions, ten more pages on every trigger, though no run of the race can come after one created
``KEY_RACE`` seconds after them. Now a list seen in ascending order stops there too, with the same answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ctloop.ops import platform as platform_module
from ctloop.ops.platform import KEY_MARK, KEY_RACE, Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.monitoring.test_fix43k1_sort_dropped import drop_query

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

SCAN = 30


def _at(kfp, rid: str, age: timedelta) -> None:
    kfp.state.runs[rid]["created_at"] = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_found_key_among_the_oldest_stops_the_scan(monkeypatch, tmp_path):
    monkeypatch.setattr(platform_module, "KEY_SCAN", SCAN)
    monkeypatch.setattr(platform_module, "PAGE", 3)
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        experiment = Platform(host=kfp.url).ensure_experiment("credit-ct")
        key_runs = []
        for i in range(2):  # a race: two runs of the key, a second apart, two days ago
            rid = kfp.add_run(experiment, f"retrain-{i}", "RUNNING")
            kfp.state.runs[rid]["description"] = f"{KEY_MARK}nightly-1"
            _at(kfp, rid, timedelta(days=2, seconds=-i))
            key_runs.append(rid)
        for i in range(SCAN + 5):  # hourly runs since
            _at(
                kfp, kfp.add_run(experiment, f"scheduled-{i}", "SUCCEEDED"), timedelta(hours=40 - i)
            )
        drop_query(kfp)
        calls = len(kfp.calls)
        platform = Platform(host=kfp.url)
        found = platform.keyed_run(experiment, "nightly-1")
        pages = [c for c in kfp.calls[calls:] if c.method == "GET" and c.path.endswith("/runs")]
    assert found.run_id == key_runs[0]
    assert len(pages) == 1, f"read {len(pages)} pages of 3 runs after the key's runs were found"


def test_a_race_partner_within_key_race_is_still_read(monkeypatch, tmp_path):
    monkeypatch.setattr(platform_module, "KEY_SCAN", SCAN)
    monkeypatch.setattr(platform_module, "PAGE", 3)
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        experiment = Platform(host=kfp.url).ensure_experiment("credit-ct")
        first = kfp.add_run(experiment, "retrain-0", "RUNNING")
        _at(kfp, first, timedelta(days=2))
        # runs of other descriptions in between, within KEY_RACE: the last 20 s short of it (a stop
        # threshold below KEY_RACE - 20 s would end the scan there, before the race partner)
        for i in range(4):
            _at(
                kfp,
                kfp.add_run(experiment, f"other-{i}", "SUCCEEDED"),
                timedelta(days=2, seconds=-(i + 1) * (KEY_RACE - 20) // 4),
            )
        late = kfp.add_run(experiment, "retrain-1", "RUNNING")
        _at(kfp, late, timedelta(days=2, seconds=-(KEY_RACE - 10)))
        for rid in (first, late):
            kfp.state.runs[rid]["description"] = f"{KEY_MARK}nightly-1"
        for i in range(SCAN + 5):
            _at(
                kfp, kfp.add_run(experiment, f"scheduled-{i}", "SUCCEEDED"), timedelta(hours=40 - i)
            )
        drop_query(kfp)
        runs = list(Platform(host=kfp.url)._keyed_runs(experiment, "nightly-1"))
    assert sorted(str(r.run_id) for r in runs) == sorted([first, late])

"""Logged values of a date/time feature that are none ('n/a', '2025-13-45', a number) are read as
missing (``as_temporal``), and were not counted: with half of a date feature's values garbage,
both engines judged the rest, said no drift and gave no warning, while numbers logged for a text
feature are counted and said (review h1, finding 3). They are now counted per feature in the
window (added up across partitions, kept in the saved state) and said in a warning."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from ctloop.components.monitor import core
from ctloop.monitoring import window as W
from tests.monitoring.test_fix41b_monitor_date_feature import (
    DAY0,
    _champion_with,
    _judged,
    _region_as,
)
from tests.monitoring.test_window_state import same_judgement
from tests.monitoring.window_support import END, MODEL, config, write_log


def _half_garbage(g: int) -> str:
    return "n/a" if g % 2 else (DAY0 + dt.timedelta(days=g)).isoformat()


def test_unparseable_logged_dates_are_counted_and_said(tmp_path):
    root = tmp_path / "logs"
    write_log(root, n=900, seed=4)
    _region_as(root, _half_garbage)
    champ = _champion_with(lambda g: DAY0 + dt.timedelta(days=g))
    frame, streamed = _judged(root, champ)
    same_judgement(frame, streamed)
    said = [w for w in frame.warnings if w.startswith("values logged for a date/time feature: 'region': ")]
    assert len(said) == 1 and "value(s) not a date read as missing (first: 'n/a')" in said[0]
    logged = pd.concat(pd.read_parquet(p) for p in sorted(root.rglob("*.parquet")))
    window = core.bounds(END, config(root))
    state = W.collect(str(root), MODEL, core.window_spec(window, champ, None, config(root)), None, progress=False)
    assert 0 < state.unparsed["region"].values <= int((logged["region"] == "n/a").sum())
    assert f"'region': {state.unparsed['region'].values:,} value(s)" in said[0]


def test_the_count_adds_up_across_partitions_and_survives_a_save(tmp_path):
    root = tmp_path / "logs"
    write_log(root, n=900, seed=4)
    _region_as(root, _half_garbage)
    champ = _champion_with(lambda g: DAY0 + dt.timedelta(days=g))
    cfg = config(root)
    spec = core.window_spec(core.bounds(END, cfg), champ, None, cfg)
    one = W.collect(str(root), MODEL, spec, None, batch_rows=97, progress=False)
    plan = W.plan(str(root), MODEL, spec, 2, progress=False)
    merged = W.merge_partials([W.collect_partition(plan, i, None, progress=False) for i in range(2)], None,
                              partitions=2)
    assert merged.unparsed["region"] == one.unparsed["region"]
    one.save(str(tmp_path / "s"))
    assert W.WindowState.load(str(tmp_path / "s")).unparsed == one.unparsed


def test_a_window_state_of_version_5_is_refused(tmp_path):
    root = tmp_path / "logs"
    write_log(root, n=300)
    cfg = config(root)
    spec = core.window_spec(core.bounds(END, cfg), _champion_with(lambda g: DAY0), None, cfg)
    W.collect(str(root), MODEL, spec, None, progress=False).save(str(tmp_path / "s"))
    saved = tmp_path / "s" / "state.json"
    saved.write_text(json.dumps({**json.loads(saved.read_text()), "version": 5}))
    with pytest.raises(Exception, match=r"\(version 5, written by another ctloop: re-run the monitoring run; its tasks used different ctloop images\)"):
        W.WindowState.load(str(tmp_path / "s"))


@pytest.mark.parametrize(("label", "logged", "lost", "first"), [
    ("object (date)", ["2025-03-02", "2025-13-45", None, 20250302, ["2025-03-02"]], 3, "'2025-13-45'"),
    ("object (time)", ["10:30:00", "25:00", None], 1, "'25:00'"),
    ("datetime64[ns, UTC]", ["2025-03-01T10:00:00Z", "yesterday", None, 7], 2, "'yesterday'"),
    ("timedelta64[ns]", ["1 days", "soon", None], 1, "'soon'"),
])
def test_as_temporal_counts_what_it_reads_as_missing(label, logged, lost, first):
    seen = W.Unparsed()
    out = W.as_temporal(pd.Series(logged, dtype=object), label, seen)
    assert int(out.isna().sum()) == lost + logged.count(None)
    assert (seen.values, seen.example) == (lost, first)

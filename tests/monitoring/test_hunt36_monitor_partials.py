"""The fan-out's partial states merged once each: a partition's state that arrives twice (the same
artifact collected twice, a stale copy beside its re-run) was merged twice — its rows, drift
counts and labelled rows counted double, silently — whenever the number of states still matched
the plan's partitions."""

from __future__ import annotations

import pytest

from ctloop.components.monitor import core
from ctloop.errors import InferenceLogError
from ctloop.monitoring import window as W
from tests.monitoring.window_support import END, MODEL, champion, config, write_log

PREVIOUS = {"champion_version": "1", "rows_since_training": 40, "window_end": "2026-01-04T23:00:00+00:00"}


def test_a_partition_state_that_arrives_twice_is_refused(tmp_path):
    write_log(tmp_path / "logs", n=300, shift=0.0)
    cfg = config(tmp_path / "logs", None)
    spec = core.window_spec(core.bounds(END, cfg), champion(), PREVIOUS, cfg)
    plan = W.plan(str(tmp_path / "logs"), MODEL, spec, 2, progress=False)
    assert len(plan.groups) == 2
    first = W.collect_partition(plan, 0, None, progress=False)
    second = W.collect_partition(plan, 1, None, progress=False)
    whole = W.merge_partials([second, first], partitions=2).counts
    assert whole == W.collect(str(tmp_path / "logs"), MODEL, spec, progress=False).counts
    with pytest.raises(InferenceLogError, match="partition 1 arrived 2 times"):
        W.merge_partials([first, first])
    with pytest.raises(InferenceLogError, match=r"partition\(s\) 2 missing; partition\(s\) 3 not in the plan"):
        W.merge_partials([first, W.Partial(second.state, second.held, 2)], partitions=2)

"""``@every`` with a fraction of a second is refused: KFP would run it at another interval.

kubeflow/pipelines 2.17.0 schedules with robfig/cron v1.2.0 (``go.mod``; ``cron.Parse`` in
``backend/src/crd/controller/scheduledworkflow/util/cron_schedule.go``), whose ``Every``
(``constantdelay.go``) drops "any fields less than a Second": ``@every 2.5s`` runs every 2 s,
``@every 1m0.5s`` every 60 s. A whole number of seconds written with fractions stays accepted.
"""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.cron import validate_cron


@pytest.mark.parametrize("expr, runs", [("@every 2.5s", "2s"), ("@every 1m0.5s", "60s"),
                                        ("@every 1500ms", "1s"), ("@every 1.5s", "1s")])
def test_a_fraction_of_a_second_is_refused_with_what_kfp_would_do(expr, runs):
    with pytest.raises(ConfigError) as exc:
        validate_cron(expr)
    assert "whole" in str(exc.value) and expr in str(exc.value) and f"every {runs}" in str(exc.value)


@pytest.mark.parametrize("expr", ["@every 1.5h", "@every 0.1h", "@every 1h30m", "@every 90s", "@every 120000ms",
                                  "@every 1.5m"])
def test_whole_seconds_written_with_fractions_stay_accepted(expr):
    assert validate_cron(expr) == expr

"""Two crons KFP refuses, refused with the fix rather than a puzzle. KFP 2.17's ScheduledWorkflow
parses with robfig/cron v1.2.0 (``backend/src/crd/controller/scheduledworkflow/util/cron_schedule.go``
uses ``cron.Parse``: six fields, descriptors, ``@every`` with a Go duration — ``time.ParseDuration``
knows no day unit — and no ``CRON_TZ=``/``TZ=`` prefix, which arrived in robfig/cron v3)."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.cron import validate_cron


@pytest.mark.parametrize("expr, hint", [("@every 1d", "'@every 24h'"), ("@every 2d", "'@every 48h'"),
                                        ("@every 1w", "'@every 168h'"), ("@every 1d12h", "'@every 36h'")])
def test_a_day_or_week_interval_says_the_hours(expr, hint):
    with pytest.raises(ConfigError) as err:
        validate_cron(expr)
    assert hint in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("expr", ["CRON_TZ=Europe/Berlin 0 0 3 * * *", "TZ=UTC 0 0 3 * * *"])
def test_a_time_zone_prefix_says_kfp_runs_in_utc(expr):
    with pytest.raises(ConfigError) as err:
        validate_cron(expr)
    message = str(err.value)
    assert "UTC" in message and "time zone" in message and "7 fields" not in message
    assert '"0 0 3 * * *"' in message


@pytest.mark.parametrize("expr", ["0 0 3 * * ſun", "0 0 3 * * frı", "TZ=UTC 0 0 3 * * ſun"])
def test_a_name_kfp_would_not_read_is_refused(expr):
    """robfig/cron v1.2.0 ``parser.go`` ``parseIntOrName`` looks names up lower-cased by Go's
    ``strings.ToLower``, which leaves 'ſ' and 'ı' as they are; Python's ``upper`` made them SUN and
    FRI (review F2)."""
    with pytest.raises(ConfigError) as err:
        validate_cron(expr)
    assert "drop the prefix:" not in str(err.value) and "\n" not in str(err.value)


def test_many_zone_prefixes_are_one_short_line():
    with pytest.raises(ConfigError) as err:
        validate_cron(" ".join(["TZ=UTC"] * 500) + " 0 0 3 * * *")
    assert len(str(err.value)) < 4000 and "several" in str(err.value)

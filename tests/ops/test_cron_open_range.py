"""A cron field ending in '-' or '/' ("0 0 3- * * *", "0 0 3/ * * *") passed ctloop's check and
was refused by the KFP server's parser at schedule creation: robfig/cron v1.2.0 (the KFP 2.17
backend's cron library), parser.go ``getRange``, reads the text after the '-' and after the '/'
with ``mustParseInt``, which refuses "". Now refused before anything is uploaded."""

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.cron import validate_cron


@pytest.mark.parametrize(("expr", "says"), [("0 0 3- * * *", r"range '3-' in the hour field has no end"),
                                            ("0 0 3 * * MON-", r"range 'MON-' in the day-of-week field has no end"),
                                            ("0 0 3/ * * *", r"step '' in the hour field"),
                                            ("0 */ 3 * * *", r"step '' in the minute field")])
def test_an_open_range_or_step_is_refused(expr, says):
    with pytest.raises(ConfigError, match=says):
        validate_cron(expr)


@pytest.mark.parametrize("expr", ["0 0 3-5 * * *", "0 0 3/2 * * *", "0 0 */2 * * *", "0 0 3 * * MON-FRI"])
def test_closed_ranges_and_steps_still_pass(expr):
    assert validate_cron(expr) == expr

"""The fixes ctloop's cron refusals suggest are themselves crons KFP takes (or none is given).

KFP 2.17's ScheduledWorkflow parses with robfig/cron v1.2.0 (``parser.go`` ``Parse``: six fields,
descriptors, ``@every`` + Go ``time.ParseDuration``; ``constantdelay.go`` ``Every`` drops the
fraction of a second) and no ``CRON_TZ=``/``TZ=`` prefix (robfig/cron v3 ``parser.go``, where an
empty zone or ``UTC`` loads UTC). The hints added in round 39 suggested refused text: a prefix
before five fields gave the five fields, ``@every 0d`` gave ``@every 0h``, ``@every 1d1.5s`` gave
``@every 24h1s`` (another interval), ``TZ=UTC`` said "moved from UTC to UTC", and the zone was
printed raw (an ESC byte reached the terminal). Every example a refusal names is checked here.
"""

from __future__ import annotations

import re

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.cron import validate_cron


def _refusal(expr: str) -> str:
    with pytest.raises(ConfigError) as err:
        validate_cron(expr)
    message = str(err.value)
    assert "\n" not in message and "\x1b" not in message, message
    return message


def _examples(message: str) -> list[str]:
    """The crons a message offers: "e.g. '...'" / 'e.g. "..."' / 'drop the prefix: "..."' / 'Did you mean "..."'."""
    return re.findall(r"""(?:e\.g\.|prefix:|Did you mean) ['"]([^'"]+)['"]""", message)


@pytest.mark.parametrize("expr", ["@every 0d", "@every 0h0d", "@every 1d1.5s", "@every 1d500ms", "@every 0d500ms",
                                  "CRON_TZ=UTC 0 3 * * *", "TZ=UTC @daily", "TZ=Europe/Berlin 0 3 * * *",
                                  "CRON_TZ=Europe/Berlin 0 0 3 * * *", "TZ= 0 0 3 * * *", "TZ=UTC 0 0 3 31 2 *",
                                  "CRON_TZ=Europe/Berlin @every 1h", "TZ=Europe/Berlin @daily", "@every 1d12h"])
def test_every_example_a_refusal_gives_is_accepted(expr):
    for example in _examples(_refusal(expr)):
        validate_cron(example)


def test_a_prefix_before_five_fields_gives_the_six_field_fix():
    message = _refusal("CRON_TZ=UTC 0 3 * * *")
    assert '"0 0 3 * * *"' in message and '"0 3 * * *"?' not in message, message


@pytest.mark.parametrize("expr", ["@every 0d", "@every 0d500ms"])
def test_a_zero_interval_in_days_is_refused_as_zero(expr):
    message = _refusal(expr)
    assert "at least 1s" in message and "'@every 0h'" not in message.split("refused")[0], message


@pytest.mark.parametrize("expr, whole", [("@every 1d1.5s", "86401s"), ("@every 1d500ms", "86400s")])
def test_a_fraction_of_a_second_in_days_is_not_rounded_into_another_interval(expr, whole):
    message = _refusal(expr)
    assert "whole number of seconds" in message and "'@every 24h1s'" not in message, message
    assert f"'@every {whole}'" in message, message


@pytest.mark.parametrize("expr, rest", [("TZ=UTC @daily", "@daily"), ("CRON_TZ=Etc/UTC 0 0 3 * * *", "0 0 3 * * *"),
                                        ("TZ= 0 0 3 * * *", "0 0 3 * * *"),
                                        ("CRON_TZ=Europe/Berlin @every 1h", "@every 1h")])
def test_a_prefix_that_changes_nothing_says_drop_it(expr, rest):
    message = _refusal(expr)
    assert f'drop the prefix: "{rest}"' in message and "moved" not in message, message


def test_a_zone_with_a_descriptor_gives_no_hour_to_move():
    message = _refusal("TZ=Europe/Berlin @daily")
    assert "'Europe/Berlin'" in message and '"@daily" with its hour' not in message, message


def test_the_zone_is_quoted():
    message = _refusal("TZ=\x1b[31mX 0 0 3 * * *")
    assert r"'\x1b[31mX'" in message, message

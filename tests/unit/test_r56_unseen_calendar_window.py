"""Stop 56's unseen streams are monthly and yearly (housing_us_clock, wage_year_numbers): a user asking
for a calendar month or year writes pandas' aliases (``1MS``, ``1Y``) or words (``1month``, ``1year``).
``--window 1M`` was told that M is ambiguous and what to write (``30D``); every other spelling of a
month, a quarter or a year read "not understood: use a number and a unit, e.g. 30s, 1000min, 12h, 7D,
2W", which says neither that calendar units are not durations here nor which number of days to write.
They are refused the same way now (exit 2 at the command line), with the fixed duration to write."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.timeutil import parse_duration


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("1MS", "30D"),
        ("1ME", "30D"),
        ("2mo", "60D"),
        ("1month", "30D"),
        ("3 months", "90D"),
        ("1Q", "91D"),
        ("1QS", "91D"),
        ("1quarter", "91D"),
        ("1Y", "365D"),
        ("1YS", "365D"),
        ("2y", "730D"),
        ("1yr", "365D"),
        ("1year", "365D"),
        ("1A", "365D"),
    ],
)
def test_a_calendar_unit_is_refused_with_the_days_to_write(text, days):
    with pytest.raises(ConfigError) as err:
        parse_duration(text, name="--window")
    said = str(err.value)
    assert "not understood" not in said, said
    assert said.startswith(f"--window {text!r} is a calendar "), said
    assert f"write {days}" in said, said
    assert parse_duration(days) >= parse_duration("30D")  # the advice parses


@pytest.mark.parametrize("text", ["1m", "10min", "12h", "7D", "2W", "30s"])
def test_durations_still_parse(text):
    assert parse_duration(text).total_seconds() > 0


def test_milliseconds_are_not_taken_for_a_month():
    with pytest.raises(ConfigError, match="not understood"):
        parse_duration("1ms", name="--window")


def test_the_months_capital_m_keeps_its_message():
    with pytest.raises(
        ConfigError, match="is ambiguous: M is a month to some and a minute here; write 1min"
    ):
        parse_duration("1M", name="--window")


def test_the_command_line_exits_2_with_one_line(tmp_path, capsys):
    from ctloop.cli import main

    data = tmp_path / "d.csv"
    data.write_text("ts,x,target\n2025-01-01,1,a\n")
    code = main(
        [
            "backtest",
            "--data",
            str(data),
            "--target",
            "target",
            "--time-column",
            "ts",
            "--window",
            "1Y",
            "--policy",
            "never",
            "--quiet",
            "--output",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: --window '1Y' is a calendar year, not a fixed duration: write 365D"], err


@pytest.mark.parametrize("text", ["0Y", "0.001Y", "101Y", "1300 months"])
def test_the_days_advised_for_a_calendar_unit_are_themselves_accepted(text):
    # review, stop 56: 0Y advised "write 0D" (refused: at least 1s), 101Y "write 36865D" (refused: over 100 years)
    with pytest.raises(ConfigError) as err:
        parse_duration(text, name="--window")
    advised = str(err.value).split("write ", 1)[1].split()[0].rstrip(",;")
    assert parse_duration(advised).total_seconds() >= 1, str(err.value)

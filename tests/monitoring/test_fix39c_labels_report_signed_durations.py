"""``ctloop labels report --lookback +7D`` and ``--window -0h`` got "not understood: use a number and
a unit" while ``-7D`` got a one-line hint: the hint is now given for any sign (and for a signed
duration too short to be one, ``-0h``), with an example that is a valid length."""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize(("flag", "value", "hint"), [
    ("--lookback", "+7D", "--lookback '+7D' has a sign: give the period's length, e.g. 7D"),
    ("--window", "+1h", "--window '+1h' has a sign: give the window's length, e.g. 1h"),
    ("--lookback", "-0h", "--lookback '-0h' has a sign: give the period's length, e.g. 7D"),
    ("--window", "-0h", "--window '-0h' has a sign: give the window's length, e.g. 1h"),
    ("--window", "-1h", "--window '-1h' is negative: give the window's length, e.g. 1h"),
    ("--start", "-0h", "--start '-0h' is a duration, not a time: for the 7D before --end use --lookback 7D"),
    ("--end", "+7D", "--end '+7D' is a duration, not a time: give an ISO 8601 time"),
])
def test_a_signed_duration_gets_the_one_line_hint(tmp_path, capsys, flag, value, hint):
    code = main(["labels", "report", "--log-root", str(tmp_path), "--store", str(tmp_path), "--model-name", "m",
                 f"{flag}={value}"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and hint in err and "not understood" not in err, err

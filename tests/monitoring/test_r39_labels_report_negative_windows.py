"""``ctloop labels report --window -1h`` as users type it: argparse read ``-1h`` as an option and
printed its usage and "expected one argument" (ten lines, no hint); ``--window=-1h`` was needed
to reach ctloop's own check. A signed duration given to --window/--lookback (or to --start/--end,
which take times) is now read as the option's value and refused in one line saying what to give."""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize(("flag", "value", "hint"), [
    ("--window", "-1h", "--window '-1h' is negative: give the window's length, e.g. 1h"),
    ("--window", "-1.5D", "--window '-1.5D' is negative: give the window's length, e.g. 1.5D"),
    ("--lookback", "-7D", "--lookback '-7D' is negative: give the period's length, e.g. 7D"),
    ("--start", "-7D", "--start '-7D' is a duration, not a time: for the 7D before --end use --lookback 7D"),
    ("--end", "-1h", "--end '-1h' is a duration, not a time: give an ISO 8601 time"),
])
@pytest.mark.parametrize("joined", [False, True])
def test_a_signed_duration_is_the_options_value_and_refused_in_one_line(tmp_path, capsys, flag, value, hint, joined):
    args = [f"{flag}={value}"] if joined else [flag, value]
    code = main(["labels", "report", "--log-root", str(tmp_path), "--store", str(tmp_path), "--model-name", "m",
                 *args])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and hint in err and "usage:" not in err, err


def test_a_window_after_a_negative_one_is_still_an_option(tmp_path, capsys):
    """The value is taken, not the next option: ``--window -1h --by revision`` names the window."""
    code = main(["labels", "report", "--log-root", str(tmp_path), "--store", str(tmp_path), "--model-name", "m",
                 "--window", "-1h", "--by", "revision"])
    err = capsys.readouterr().err
    assert code == 2 and "--window '-1h' is negative" in err, err

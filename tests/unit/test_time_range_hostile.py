"""A time that is ISO 8601 but outside pandas' nanosecond timestamps (1677-09-21 to 2262-04-11:
pandas/_libs/tslibs/np_datetime.pyx, pandas 2.3.3) was refused as "not an ISO 8601 time"; it is
now named as out of range, with the range (a label_time of 9999-12-31 is a common "never" marker)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import ConfigError, DataValidationError


@pytest.mark.parametrize("value", ["9999-12-31", "2262-04-12T00:00:00Z", "1000-01-01", "1677-09-21T00:00:00+00:00"])
def test_to_utc_says_out_of_range(value):
    from ctloop.timeutil import to_utc

    with pytest.raises(ConfigError, match=r"^--end '.*' is out of range: times run from 1677-09-21.* to 2262-04-11"):
        to_utc(value, name="--end")


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01", "9999-99-99"])
def test_to_utc_still_says_not_iso_8601(value):
    from ctloop.timeutil import to_utc

    with pytest.raises(ConfigError, match="is not an ISO 8601 time"):
        to_utc(value)


def test_the_time_at_the_bounds_is_read():
    from ctloop.timeutil import to_utc

    assert to_utc("2262-04-11T00:00:00Z").year == 2262


def test_a_label_time_out_of_range_is_named_so():
    from ctloop.labels.store import label_times

    with pytest.raises(DataValidationError) as info:
        label_times(pd.Series(["2026-01-06T10:00:00Z", "9999-12-31"]))
    text = str(info.value)
    assert "row 2: '9999-12-31'" in text and "out of range" in text and "2262-04-11" in text, text
    assert "not an ISO 8601" not in text and "must be an ISO 8601" not in text, text


def test_a_label_file_with_it_is_one_line_exit_2_and_no_store(tmp_path, capsys):
    from ctloop.cli import main

    (tmp_path / "l.csv").write_text("request_id,label,label_time\nr1,1,2026-01-06\nr2,0,9999-12-31\n")
    code = main(["labels", "ingest", "--labels", str(tmp_path / "l.csv"), "--store", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 2 and "out of range" in err and "9999-12-31" in err, err
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize("flag, value", [("--end", "9999-12-31"), ("--start", "1000-01-01")])
def test_labels_report_names_the_time_out_of_range(tmp_path, capsys, flag, value):
    """It was an OutOfBoundsDatetime traceback (exit 1): pandas 2 holds 9999-12-31 in seconds."""
    from ctloop.cli import main

    (tmp_path / "logs").mkdir()
    (tmp_path / "store").mkdir()
    code = main(["labels", "report", "--log-root", str(tmp_path / "logs"), "--store", str(tmp_path / "store"),
                 "--model-name", "m", flag, value])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and f"{flag[2:]} {value!r} is out of range" in err, err

"""``to_utc`` read any text pandas could guess a date from: ``03/04/2025`` (March 4th to pandas,
April 3rd to most of Europe), ``now``, ``today``, ``Jan 5 2025``, ``2025.01.05``. Every time a
user writes (``ctloop labels report --start/--end``, ``data.as_of``, ``training.candidate_since``,
the monitoring ``train_from`` tag, ``scored_at``) goes through it, so a guess silently moved a
training window or a report period. Now only ISO 8601 text is read (dates, date-times with an
offset or ``Z``, nanoseconds as KServe writes them); anything else is one line naming the
parameter and the value, exit 2."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import ConfigError

NOT_ISO = ["03/04/2025", "13/01/2025", "now", "today", "tomorrow", "Jan 5 2025", "2025.01.05", "2025-13-01",
           "2025-02-30", "5 Jan 2025 10:00"]
ISO = {"2025-01-05": "2025-01-05T00:00:00+00:00", "2025-01-05T10:00:00Z": "2025-01-05T10:00:00+00:00",
       "2025-01-05T10:00Z": "2025-01-05T10:00:00+00:00", "2025-01-05 12:00:00+02:00": "2025-01-05T10:00:00+00:00",
       "2025-01-05t10:00:00z": "2025-01-05T10:00:00+00:00", "2026-01-31T00:00:00+0000": "2026-01-31T00:00:00+00:00",
       "2026-11-22T10:31:02.417396123Z": "2026-11-22T10:31:02.417396123+00:00", " 2025-01-05 ": "2025-01-05T00:00:00+00:00",
       "2025-01-05T10:00:00.5-05:00": "2025-01-05T15:00:00.500000+00:00"}


@pytest.mark.parametrize("value", NOT_ISO)
def test_text_that_is_not_iso_8601_is_refused_naming_the_parameter(value):
    from ctloop.timeutil import to_utc

    with pytest.raises(ConfigError) as info:
        to_utc(value, name="--start")
    assert str(info.value).startswith(f"--start {value!r} is not an ISO 8601 time"), info.value


@pytest.mark.parametrize(("value", "utc"), ISO.items())
def test_iso_8601_text_is_read(value, utc):
    from ctloop.timeutil import to_utc

    assert to_utc(value).isoformat() == utc


def test_timestamps_and_datetimes_are_still_taken():
    from datetime import datetime

    import pandas as pd

    from ctloop.timeutil import to_utc

    assert to_utc(pd.Timestamp("2025-01-05T10:00Z")) == to_utc(datetime(2025, 1, 5, 10)) == to_utc("2025-01-05T10:00Z")


@pytest.mark.parametrize("flag", ["--start", "--end"])
def test_labels_report_refuses_a_guessable_date_naming_the_flag(tmp_path, capsys, flag):
    from ctloop.cli import main

    (tmp_path / "log").mkdir()
    (tmp_path / "store").mkdir()
    other = {"--start": "2025-03-01", "--end": "2025-05-01"}
    code = main(["labels", "report", "--log-root", str(tmp_path / "log"), "--store", str(tmp_path / "store"),
                 "--model-name", "m", flag, "03/04/2025", *[x for f, v in other.items() if f != flag for x in (f, v)]])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert f"{flag} '03/04/2025' is not an ISO 8601 time" in err, err


@pytest.mark.parametrize(("section", "field"), [("DataConfig", "as_of"), ("TrainingConfig", "candidate_since")])
def test_a_config_time_field_refuses_a_guessable_date_naming_the_field(section, field):
    from ctloop import config as C

    required = {"uri": "t.csv", "target": "y", "time_column": "t"} if section == "DataConfig" else {}
    with pytest.raises(ConfigError) as info:
        getattr(C, section).from_dict({**required, field: "03/04/2025"})
    assert "\n" not in str(info.value)  # one problem, one line
    assert f".{field}: is not an ISO 8601 time" in str(info.value) and "'03/04/2025'" in str(info.value), info.value


@pytest.mark.parametrize("text", ["2025-01-05 00:00:00 UTC", "2025-01-05 00:00:00 utc", "2025-01-05T00:00:00 GMT",
                                  "2025-01-05 UTC"])
def test_a_trailing_utc_as_date_and_sql_clients_print_it(text):
    from ctloop.timeutil import to_utc

    assert to_utc(text) == pd.Timestamp("2025-01-05T00:00:00Z")


@pytest.mark.parametrize("text", ["2025-01-05 00:00:00+02:00 UTC", "03/04/2025 UTC", "UTC"])
def test_a_trailing_utc_does_not_make_other_text_a_time(text):
    from ctloop.errors import ConfigError
    from ctloop.timeutil import to_utc

    with pytest.raises(ConfigError, match="ISO 8601"):
        to_utc(text)

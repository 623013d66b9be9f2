"""``ctloop labels report --end 1700-01-01 --lookback 36500D``: the period's start, before pandas'
first nanosecond timestamp (1677-09-21, pandas 2.3.3 ``_libs/tslibs/np_datetime.pyx``), was an
OutOfBoundsDatetime traceback; it is one line naming --lookback (exit 2)."""

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.reports import realized_report


def test_a_lookback_reaching_before_1677_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"^--lookback 36500D before end 1700-01-01T00:00:00\+00:00 starts before "
                                          r"1677-09-21 00:12:43 UTC, the first time pandas holds"):
        realized_report(str(tmp_path / "log"), str(tmp_path / "store"), "m", end="1700-01-01", lookback="36500D")


def test_the_cli_says_it_in_one_line(tmp_path, capsys):
    code = main(["labels", "report", "--log-root", str(tmp_path / "log"), "--store", str(tmp_path / "store"),
                 "--model-name", "m", "--end", "1700-01-01", "--lookback", "36500D"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: --lookback 36500D") and "Traceback" not in err

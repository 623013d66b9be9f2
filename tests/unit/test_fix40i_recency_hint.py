"""Review revH1 item 2: refusing a recency half-life that leaves fewer than two effective rows, the hint
"set a half-life of at least <spacing of the two newest times>" assumed evenly spaced rows (weights 1
and 0.5 give 1.8 effective rows, still under 2): 400 daily rows plus one an hour after the newest day
were refused at 1s, 1h and 2h, each time told '1h'. The message also said "from the newest row
alone" while reporting 1.94 rows. The hint is now the shortest half-life that leaves 2 effective rows
(Kish's sum(w) ** 2 / sum(w ** 2)) over the rows' actual times, rounded up to a readable duration, and
the message speaks of the effective rows it reports."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.errors import ConfigError
from ctloop.timeutil import parse_duration


def _frame(times: list[pd.Timestamp]) -> pd.DataFrame:
    x = np.random.default_rng(0).normal(size=len(times))
    return pd.DataFrame({"t": times, "x": x, "y": np.where(x > 0, "a", "b")})


def _daily_and_one_an_hour_later() -> pd.DataFrame:
    times = list(pd.date_range("2025-01-01", periods=400, freq="D"))
    times.insert(320, times[319] + pd.Timedelta("1h"))  # the newest training rows: a day, then an hour after it
    return _frame(times)


def _refusal(frame: pd.DataFrame, half_life: str) -> str:
    with pytest.raises(ConfigError) as info:
        prepare(frame, target="y", time_column="t", window=None, recency_half_life=half_life)
    return str(info.value)


def _one_unit_less(text: str) -> str | None:
    value, unit = re.fullmatch(r"(\d+)([A-Za-z]+)", text).groups()
    return f"{int(value) - 1}{unit}" if int(value) > 1 else None


@pytest.mark.parametrize("frame", [_daily_and_one_an_hour_later(), _frame(list(pd.date_range("2025-01-01",
                                                                                            periods=300, freq="D")))],
                         ids=["uneven", "daily"])
@pytest.mark.parametrize("half_life", ["1s", "1h", "2h"])
def test_the_hinted_half_life_is_the_shortest_that_is_accepted(frame, half_life):
    message = _refusal(frame, half_life)
    assert "\n" not in message and f"data.recency_half_life {half_life!r}" in message, message
    hint = re.search(r"a half-life of at least '([^']+)'", message).group(1)
    prepare(frame, target="y", time_column="t", window=None, recency_half_life=hint)  # accepted
    shorter = _one_unit_less(hint)
    if shorter and parse_duration(shorter) > parse_duration(half_life):  # one unit shorter: refused (rounded up)
        _refusal(frame, shorter)


def test_the_message_speaks_of_the_effective_rows_it_reports():
    message = _refusal(_daily_and_one_an_hour_later(), "2h")
    effective = float(re.search(r"leave ([0-9.]+) effective row", message).group(1))
    assert 1.9 < effective < 2, message  # weights 1, 2 ** -0.5, 2 ** -12.5, ...
    assert "newest row alone" not in message and f"learn from {effective:.3g} row" in message, message

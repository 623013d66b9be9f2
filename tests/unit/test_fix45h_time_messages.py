"""Time and alias messages say a thing once, and only what is known:
- an out-of-range time written with a lower-case ``t``/``z`` (or `` UTC``) is quoted as given by
  ``to_utc``, so ctloop.yaml's line is "data.as_of: is out of range ..." — it repeated the value
  ("data.as_of: time '9999-12-31T00:00:00Z' is out of range ...") when to_utc quoted its upper-cased text;
- any ``:60`` second is "second 60 (a leap second?)": 12:00:60 is no leap second;
- ``scoring.alias`` gave two examples ("e.g. champion ... e.g. alias: "champion"")."""

from __future__ import annotations

import re

import pytest

from ctloop.config import DataConfig, ScoringConfig
from ctloop.errors import ConfigError
from ctloop.timeutil import to_utc


def _as_of(text: str) -> str:
    with pytest.raises(ConfigError) as exc:
        DataConfig.from_dict(
            {"uri": "/tmp/x.parquet", "target": "y", "time_column": "t", "as_of": text}, "data"
        )
    return str(exc.value)


@pytest.mark.parametrize(
    "text",
    ["9999-12-31t00:00:00z", "9999-12-31 00:00:00 UTC", " 9999-12-31T00:00:00Z"],
    ids=["lower-case", "utc-suffix", "leading-space"],
)
def test_an_out_of_range_time_is_said_once(text):
    line = _as_of(text)
    assert line.startswith("data.as_of: is out of range: times run from"), line
    assert "time '" not in line and line.count("9999-12-31") == 1, line


def test_to_utc_quotes_the_value_as_given():
    with pytest.raises(ConfigError) as exc:
        to_utc("9999-12-31t00:00:00z", name="--as-of")
    assert str(exc.value).startswith("--as-of '9999-12-31t00:00:00z' is out of range"), str(
        exc.value
    )


@pytest.mark.parametrize("text", ["2026-01-05T12:00:60Z", "2016-12-31T23:59:60Z"])
def test_second_60_is_not_called_a_leap_second_for_sure(text):
    with pytest.raises(ConfigError) as exc:
        to_utc(text, name="--as-of")
    assert "has second 60 (a leap second?)" in str(exc.value) and "is a leap second" not in str(
        exc.value
    )


def test_the_alias_message_has_one_example():
    with pytest.raises(ConfigError) as exc:
        ScoringConfig.from_dict({"alias": "bad alias!"}, "scoring")
    line = next(row for row in str(exc.value).splitlines() if "scoring.alias:" in row)
    assert "must be an MLflow alias" in line, line
    assert len(re.findall(r"e\.g\.", line)) == 1, line

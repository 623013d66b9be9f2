"""A leap second (RFC 3339 section 5.7: ``2016-12-31T23:59:60Z``) is ISO 8601 that no pandas time can
hold: it is refused saying so, not as "is not an ISO 8601 time, e.g. 2026-01-31T00:00:00Z" — the
value the user copied from a log is ISO 8601."""

from __future__ import annotations

import pytest

from ctloop.config import DataConfig
from ctloop.errors import ConfigError
from ctloop.timeutil import to_utc


@pytest.mark.parametrize(
    "text",
    [
        "2016-12-31T23:59:60Z",
        "2016-12-31T23:59:60.5Z",
        "2016-12-31 23:59:60+00:00",
        "2015-06-30T23:59:60",
    ],
)
def test_a_leap_second_is_named(text):
    with pytest.raises(ConfigError, match=r"has second 60 \(a leap second\?\).*:59") as exc:
        to_utc(text, name="--as-of")
    assert str(exc.value).startswith(f"--as-of {text!r} ") and "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("2016-12-31T23:59:60Z", r"has second 60 \(a leap second\?\)"),
        ("9999-12-31", "is out of range: times run from"),
    ],
    ids=["leap-second", "year-9999"],
)
def test_the_section_says_it_too(text, said):
    """ctloop.yaml's ``as_of`` said "is not an ISO 8601 time" of both."""
    with pytest.raises(ConfigError, match=rf"^data\.as_of: {said}.*got '{text}'"):
        DataConfig.from_dict(
            {
                "uri": "/tmp/x.parquet",
                "target": "y",
                "time_column": "t",
                "as_of": text,
            },
            "data",
        )


@pytest.mark.parametrize("text", ["2016-12-31T23:60:00Z", "2016-12-31T23:59:61Z", "60:60"])
def test_other_bad_times_keep_their_message(text):
    with pytest.raises(ConfigError, match="is not an ISO 8601 time"):
        to_utc(text)

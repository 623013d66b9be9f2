"""Durations and UTC times: one syntax and one meaning everywhere in ctloop.

Durations (training windows, monitoring windows, cooldowns, label lookbacks, backtest windows)
are a number and a unit: ``30s``, ``1000min``, ``12h``, ``7D``, ``2W`` (case-insensitive;
``m`` is minutes; a capital ``M`` is refused: a month to pandas and to many people; calendar months,
quarters and years, ``1MS``, ``1Q``, ``1Y``, ``1month``, are refused with the days to write). Times without an offset are UTC; every time ctloop computes is UTC.
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import TYPE_CHECKING, Any

from ctloop.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|min|m|h|d|w)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION_DAYS = 36_500  # 100 years; pandas timestamps end in 2262
DURATION_EXAMPLES = "30s, 1000min, 12h, 7D, 2W"
# pandas' calendar aliases and the words people write for them: not durations (a month is 28-31 days)
# ('MS' and 'ME' in capitals only: '1ms' is a millisecond to many)
_CALENDAR = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:((?-i:MS|ME)|mo|mon|months?)|(QS|QE|Q|quarters?)"
                       r"|(YS|YE|Y|A|yrs?|years?))\s*$", re.IGNORECASE)
_CALENDAR_DAYS = ((2, "month", 30), (3, "quarter", 91), (4, "year", 365))


def parse_duration(text: Any, *, name: str = "duration") -> pd.Timedelta:
    """``7D``, ``12h``, ``1000min``, ``2W``, ``30s`` → Timedelta; a ConfigError names ``name``."""
    import pandas as pd

    m = _DURATION.match(str(text if text is not None else ""))
    if m and not m.group(1).isascii():  # '٧D': re's \d and float() read any script's digits, Go and KFP do not
        raise ConfigError(f"{name} {text!r} has digits other than 0-9: write {ascii_digits(m.group(1))}{m.group(2)}")
    calendar = None if m else _CALENDAR.match(str(text if text is not None else ""))
    if calendar and calendar.group(1).isascii():
        unit, days = next((unit, days) for group, unit, days in _CALENDAR_DAYS if calendar.group(group))
        advised = min(max(round(float(calendar.group(1)) * days), 1), MAX_DURATION_DAYS)  # advice that parses
        raise ConfigError(f"{name} {text!r} is a calendar {unit}, not a fixed duration: write {advised}D"
                          + (" (the longest: 100 years)" if advised == MAX_DURATION_DAYS else ""))
    if not m:
        raise ConfigError(
            f"{name} {text!r} not understood: use a number and a unit, e.g. {DURATION_EXAMPLES}"
        )
    value, unit = float(m.group(1)), m.group(2).lower()
    if m.group(2) == "M":  # pandas' and many people's month; ours was a minute
        raise ConfigError(f"{name} {text!r} is ambiguous: M is a month to some and a minute here; write "
                          f"{m.group(1)}min for minutes or {round(value * 30)}D for days")
    seconds = value * _UNIT_SECONDS[unit]
    if seconds < 1:
        raise ConfigError(f"{name} {text!r} must be at least 1s")
    if seconds > MAX_DURATION_DAYS * 86400:
        raise ConfigError(f"{name} {text!r} is longer than {MAX_DURATION_DAYS} days (100 years)")
    return pd.Timedelta(seconds=seconds)


def other_digits(text: str) -> bool:
    """Whether ``text`` holds a decimal digit of another script: ``int()`` and ``float()`` read
    ``'٥٠٠'`` as 500 and ``'٠.٥'`` as 0.5, Go, KFP and a reader of the YAML do not."""
    return any(c.isdecimal() and not c.isascii() for c in text)


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of another script (``٧``, ``७``, ``７``) written 0-9."""
    import unicodedata

    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def check_duration(text: Any, *, name: str = "duration") -> str:
    """``text`` when it is a valid duration (see :func:`parse_duration`), else a ConfigError."""
    parse_duration(text, name=name)
    return str(text)


def out_of_range(value: Any) -> str | None:
    """When ``value`` is ISO 8601 text of a time outside pandas' nanosecond timestamps (1677-09-21
    to 2262-04-11, pandas 2.3.3 ``_libs/tslibs/np_datetime.pyx``), what to say of it ("is out of
    range: ..."); else None. ``9999-12-31`` (a common "never") is such a time, not bad syntax."""
    from datetime import datetime

    import pandas as pd

    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 9999-12-31T23:00-05:00 is in year 10000
            parsed = datetime.max
    low, high = pd.Timestamp.min.to_pydatetime(warn=False), pd.Timestamp.max.to_pydatetime(warn=False)
    if low <= parsed <= high:
        return None
    return (f"is out of range: times run from {low:%Y-%m-%d %H:%M:%S} to {high:%Y-%m-%d %H:%M:%S} UTC "
            "(pandas' nanosecond timestamps); write a time within them")


# an ISO 8601 date first (YYYY-MM-DD, YYYYMMDD, YYYY-MM, YYYY): not "now", "Jan 5 2025", "2025.01.05"
_ISO_START = re.compile(r"^[+-]?\d{4}(?:-\d{2}(?:-\d{2})?|\d{4})?(?:$|[T ])")


_LEAP_SECOND = re.compile(r"(?<=\d\d:\d\d):60(?=$|[.,Z+-]| ?[+-])")  # RFC 3339's 23:59:60
_OFFSET_END = re.compile(r"\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)$")  # a time's own offset


def _not_iso(text: str) -> bool:
    """Whether ``text`` is not ISO 8601 (pandas' strict parser, ``format="ISO8601"``, pandas 2.3.3
    ``_libs/tslibs/strptime.pyx``): ``03/04/2025`` is March 4th to pandas' guesser and April 3rd to
    most of Europe; ``now`` and ``today`` move with the clock."""
    import pandas as pd

    if not _ISO_START.match(text):
        return True
    try:
        pd.to_datetime(text, format="ISO8601")
    except pd.errors.OutOfBoundsDatetime:  # ISO 8601 all the same: out_of_range says so
        return False
    except (ValueError, OverflowError):
        return True
    return False


def to_utc(value: Any, *, name: str = "time") -> pd.Timestamp:
    """A timestamp, or ISO 8601 text (a date, a date-time, with an offset or ``Z``; ``t``/``z``
    read as ``T``/``Z``; a trailing `` UTC``/`` GMT`` after a time without an offset), as a tz-aware
    UTC Timestamp; naive means UTC. Other text (``03/04/2025``,
    ``now``) is a :class:`ConfigError` naming ``name`` and the value."""
    import pandas as pd

    given = value  # quoted as given in every message ('t'/'z' and ' UTC' are read, not shown, differently)
    if isinstance(value, str):
        text = value.strip()
        text = text.upper() if text.isascii() else text  # RFC 3339 section 5.6 allows a lower-case t and z
        if text.endswith((" UTC", " GMT")) and not _OFFSET_END.search(text[:-4].rstrip()):
            text = text[:-4].rstrip()  # as `date -u '+%F %T %Z'` and SQL clients print it: naive is UTC
        if _not_iso(text):
            if _LEAP_SECOND.search(text) and not _not_iso(_LEAP_SECOND.sub(":59", text, count=1)):
                raise ConfigError(f"{name} {value!r} has second 60 (a leap second?), which no pandas time can hold: "
                                  "write the second before it (:59) or the one after it")
            raise ConfigError(f"{name} {value!r} is not an ISO 8601 time, e.g. 2026-01-31T00:00:00Z")
        value = text
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        beyond = out_of_range(value)
        if beyond:
            raise ConfigError(f"{name} {given!r} {beyond}") from exc
        raise ConfigError(f"{name} {given!r} is not an ISO 8601 time, e.g. 2026-01-31T00:00:00Z") from exc
    if ts is pd.NaT:
        raise ConfigError(f"{name} {given!r} is not an ISO 8601 time, e.g. 2026-01-31T00:00:00Z")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    try:  # pandas 2 holds 9999-12-31 in seconds; every column it meets is in nanoseconds
        ts.as_unit("ns")
    except (ValueError, OverflowError) as exc:  # OutOfBoundsDatetime is a ValueError
        raise ConfigError(f"{name} {given!r} {out_of_range(ts.isoformat()) or 'is out of range'}") from exc
    return ts


# A time whose every field differs from the others (and from a parser's defaults: 1900-01-01 00:00)
TIME_FORMAT_SAMPLE = "2024-05-03 14:07:09"


def time_format_problem(fmt: str) -> str | None:
    """What is wrong with the strftime-style format ``fmt`` of an event-time column (``data.time_format``),
    or None. A sample time is written with it and read back with pandas' parser, the one that reads the
    column (``pd.to_datetime(format=fmt)``, pandas 2.3.3 ``_libs/tslibs/strptime.pyx``): the format must
    hold a directive, be one pandas reads, keep the year (``%d/%m`` reads every row as 1900) and read back
    what it writes, to its own precision (a month, a day, an hour, ...: ``%I`` without ``%p`` reads 14:07
    as 02:07)."""
    import re

    import pandas as pd

    if not re.search(r"%[^%]", fmt.replace("%%", "")):
        return "has no %-directive (a strftime format such as %d/%m/%Y or %d.%m.%Y %H:%M)"
    sample = pd.Timestamp(TIME_FORMAT_SAMPLE, tz="UTC")
    try:
        text = sample.strftime(fmt)
        back = pd.to_datetime(pd.Series([text]), format=fmt, utc=True).iloc[0]
    except (ValueError, TypeError, re.error) as exc:  # re.error: a directive given twice (%d/%d)
        return _said_of_format(str(exc).split("\n")[0])
    shown = f"{TIME_FORMAT_SAMPLE} written {text!r} reads back as {back.tz_localize(None)}"
    if back.year != sample.year:
        return f"has no year: {shown}"
    kept = {sample, *(sample.floor(unit) for unit in ("s", "min", "h", "D")),
            sample.replace(day=1).floor("D"), sample.replace(month=1, day=1).floor("D")}
    if back not in kept:  # e.g. %I without %p: 14:07 reads back as 02:07
        return f"does not read back what it writes: {shown}"
    return None


def _said_of_format(said: str) -> str:
    """pandas' (2.3.3 ``_libs/tslibs/strptime.pyx``) or ``re``'s words for a format it cannot read, in
    ours: they named a regular expression's group (``redefinition of group name 'd' as group 2; was group
    1 at position 46``) or no way out (``'s' is a bad directive in format '%s'``)."""
    import re

    if m := re.match(r"'(.)' is a bad directive in format ", said):
        if m[1] == "s":  # Unix seconds: strftime writes them (glibc), no strptime reads them
            return ("%s (Unix seconds) is not a directive pandas reads in a time format: leave the format empty "
                    "and convert Unix times before loading, e.g. pandas.to_datetime(frame[column], unit='s', utc=True)")
        return (f"%{m[1]} is not a directive pandas reads in a time format (Python's strptime directives: %Y %m "
                "%d %H %M %S %f %z %b %B %a %A %p %I %y %j)")
    if m := re.match(r"redefinition of group name '(\w+)'", said):
        return f"%{m[1]} is given twice: give each directive once"
    if said.startswith("stray % in format "):
        return "has a % that starts no directive (a literal % is written %%)"
    return said


def utc_now() -> pd.Timestamp:
    import pandas as pd

    return pd.Timestamp.now("UTC")


def window_bounds(end: Any, window: Any, *, name: str = "window") -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(start, end)`` of the window of length ``window`` ending at ``end`` (empty = now), UTC."""
    stop = to_utc(end, name="as_of") if end not in (None, "") else utc_now()
    return stop - parse_duration(window, name=name), stop


__all__ = ["parse_duration", "ascii_digits", "other_digits", "check_duration", "to_utc", "out_of_range", "utc_now", "window_bounds", "MAX_DURATION_DAYS",
           "DURATION_EXAMPLES", "TIME_FORMAT_SAMPLE", "time_format_problem"]

"""Client-side validation of KFP cron expressions.

KFP parses schedules with robfig/cron v1: **six fields, seconds first**
(``sec min hour day-of-month month day-of-week``), in **UTC** on a standard install. A classic
five-field expression is *accepted* by the server and silently read seconds-first
(``"0 3 * * *"`` becomes "every hour at :03:00"), so ctloop refuses it and shows the fix.
"""

from __future__ import annotations

import re
from fractions import Fraction

from ctloop.errors import ConfigError

FIELDS = (
    ("second", 0, 59, {}),
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    (
        "month",
        1,
        12,
        {
            m: i + 1
            for i, m in enumerate(
                ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            )
        },
    ),
    (
        "day-of-week",
        0,
        6,
        {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])},
    ),
)
DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_EVERY = re.compile(r"^@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+\Z")


def _digits(text: str) -> bool:
    """Whether ``text`` is a number as Go's ``strconv.Atoi`` reads robfig/cron's fields: ASCII digits
    (``str.isdigit`` is also true for ``²`` and ``٣``, which ``int`` refuses or reads as 3)."""
    return text.isascii() and text.isdigit()


def _value(token: str, name: str, lo: int, hi: int, names: dict[str, int], expr: str) -> int:
    token_u = token.upper()  # robfig/cron v1.2.0 parseIntOrName: strings.ToLower, ASCII letters only there
    if token.isascii() and token_u in names:  # ('ſun'.upper() is 'SUN' in Python, not a name to KFP)
        return names[token_u]
    if not _digits(token):
        raise ConfigError(
            f"cron {expr!r}: {name} field has {token!r}, expected a number {lo}-{hi}"
            + (f" or a name ({', '.join(names)})" if names else "")
        )
    value = int(token)
    if not lo <= value <= hi:
        sunday = " (Sunday is 0 or SUN)" if name == "day-of-week" and value == 7 else ""
        raise ConfigError(f"cron {expr!r}: {name} {value} is out of range {lo}-{hi}{sunday}")
    return value


def _check_field(text: str, name: str, lo: int, hi: int, names: dict[str, int], expr: str) -> None:
    for part in text.split(","):
        if not part:
            raise ConfigError(f"cron {expr!r}: empty list item in the {name} field")
        base, slash, step = part.partition("/")
        if slash and (not _digits(step) or int(step) == 0):  # '3/' too: robfig's mustParseInt("") refuses it
            raise ConfigError(
                f"cron {expr!r}: step {step!r} in the {name} field must be a positive integer"
            )
        if base in ("*", "?"):
            if base == "?" and name not in ("day-of-month", "day-of-week"):
                raise ConfigError(
                    f"cron {expr!r}: '?' is only allowed in day-of-month or day-of-week"
                )
            continue
        start, dash, end = base.partition("-")
        a = _value(start, name, lo, hi, names, expr)
        if dash:  # '3-' too (robfig/cron v1.2.0 parser.go getRange: mustParseInt(lowAndHigh[1]) of "")
            if not end:
                raise ConfigError(f"cron {expr!r}: range {base!r} in the {name} field has no end (e.g. {start}-{hi})")
            b = _value(end, name, lo, hi, names, expr)
            if b < a:
                raise ConfigError(f"cron {expr!r}: range {base} in the {name} field runs backwards")


def validate_cron(expr: str) -> str:
    """Return the normalised expression (single spaces) or raise ConfigError with the fix."""
    if not isinstance(expr, str) or not expr.strip():
        raise ConfigError(
            'cron is empty: give six fields, seconds first, e.g. "0 0 3 * * *" (03:00 UTC daily)'
        )
    text = " ".join(expr.split())
    if text.startswith("@"):
        if text in DESCRIPTORS:
            return text
        if _EVERY.match(text):
            seconds = _every_seconds(text)
            if seconds < 1:
                raise ConfigError(f"cron {expr!r}: the interval must be at least 1s, e.g. '@every 1h'")
            if seconds.denominator != 1:  # robfig/cron v1.2.0 Every (constantdelay.go) drops it
                raise ConfigError(f"cron {expr!r}: KFP counts whole seconds and would run it every "
                                  f"{int(seconds)}s; give a whole number of seconds, e.g. '@every {int(seconds)}s'")
            if seconds < MIN_INTERVAL:
                raise ConfigError(f"cron {expr!r} fires every {int(seconds)}s: {TOO_OFTEN} — fix: at least "
                                  f"'@every 1m', e.g. '@every 1h'")
            return text
        days = re.fullmatch(r"@every\s+((?:\d+[dw])+)((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))*)", text)
        if days:  # Go's time.ParseDuration (robfig/cron v1.2.0 ``Every``) knows no day or week
            hours = sum(int(n) * (24 if unit == "d" else 168) for n, unit in re.findall(r"(\d+)([dw])", days[1]))
            total = hours * 3600 + (_every_seconds(f"@every {days[2]}") if days[2] else 0)
            if total.denominator == 1 and total >= 1:
                whole = int(total)
                go = f"{whole // 3600}h" + (f"{whole % 3600 // 60}m" if whole % 3600 // 60 else "") + (
                    f"{whole % 60}s" if whole % 60 else "")
            else:  # as written: the hours form is refused too (zero, or a fraction of a second), with its own fix
                go = f"{hours}h{days[2]}"
            _suggest(expr, "a Go duration has no days or weeks", f"@every {go}", "give hours, e.g.",
                     "in hours it is refused too")
        raise ConfigError(
            f"cron {expr!r}: unknown descriptor; use one of {', '.join(DESCRIPTORS)} or '@every 1h'"
        )
    zone = re.match(r"(CRON_TZ|TZ)=(\S*)\s+(.*)\Z", text)
    if zone:  # robfig/cron v3 reads such a prefix; KFP's v1.2.0 parser does not
        why = f"KFP schedules run in UTC and take no time zone prefix ({zone[1]}=)"
        rest = zone[3]
        if re.match(r"(CRON_TZ|TZ)=", rest):  # refused here, not through _suggest once per prefix
            raise ConfigError(f"cron {expr!r}: {why}, and this one has several; give six fields, seconds first, in UTC")
        if zone[2] in UTC_ZONES or rest.startswith("@every"):  # the same times (an interval has none of day)
            _suggest(expr, why, rest, "drop the prefix:", "drop the prefix, and the rest is refused too", quote='"')
        if rest.startswith("@"):  # a descriptor's midnight is UTC midnight: no hour in it to move
            raise ConfigError(f"cron {expr!r}: {why}; write it as six fields, seconds first, with the times of zone "
                              f"{zone[2]!r} moved to UTC ({rest!r} runs at 00:00 UTC)")
        _suggest(expr, why, rest, "give the UTC time, e.g.", "the rest is refused too", quote='"',
                 then=f" (with its hour moved from {zone[2]!r} to UTC)")
    fields = text.split(" ")
    if len(fields) == 5:
        why = (f"cron {expr!r} has 5 fields; KFP needs 6 with seconds first and would silently read this "
               "one seconds-first (running at the wrong times)")
        dow = _sunday_as_zero(fields[4])
        fix = " ".join(["0", *fields[:4], dow])
        sunday = " (Sunday is 0 or SUN to KFP; a five-field cron's 7 is Sunday)" if dow != fields[4] else ""
        try:
            validate_cron(fix)
        except ConfigError as inner:  # never an example KFP refuses (31 February, a step of 0...)
            raise ConfigError(f"{why}; with seconds first it is refused too: {inner}") from None
        raise ConfigError(f'{why}. Did you mean "{fix}"?{sunday}')
    if len(fields) != 6:
        raise ConfigError(
            f"cron {expr!r} has {len(fields)} fields; KFP needs 6: sec min hour day-of-month month day-of-week"
        )
    for value, (name, lo, hi, names) in zip(fields, FIELDS, strict=True):
        _check_field(value, name, lo, hi, names, expr)
    _check_occurs(fields, expr)
    seconds = _values(fields[0], 0, 59, {})
    if len(seconds) > 1:  # more than one firing in a minute
        _suggest(expr, f"its second field {fields[0]!r} fires it {len(seconds)} times in a minute: {TOO_OFTEN}",
                 " ".join(["0", *fields[1:]]), "give one second, e.g.", "with one second it is refused too",
                 quote='"')
    return text


# The most often a schedule may fire: once a minute. KFP's ScheduledWorkflow controller (2.17.0
# backend/src/crd/controller/scheduledworkflow/util/cron_schedule.go) starts a run for each firing:
# with catch-up every missed one, one after another (a backlog that grows faster than ctloop's runs,
# each minutes of pods, can end), without it one the moment the last ends (max_concurrency). A
# seconds field of '*' is mostly a five-field habit ('* 0 3 * * *' is 60 firings at 03:00). Kubernetes'
# own CronJob schedules by the minute too.
MIN_INTERVAL = 60
TOO_OFTEN = ("KFP starts a run for each firing (with catch-up every missed one, one after another), and a "
             "ctloop run takes minutes; ctloop schedules at most once a minute")


# zone names Go's time.LoadLocation reads as UTC (robfig/cron v3 ``parser.go`` loads the prefix's
# zone with it; "" is UTC there too): with these the prefix changes nothing
UTC_ZONES = frozenset({"", "UTC", "Etc/UTC", "UCT", "Etc/UCT", "GMT", "Etc/GMT", "GMT0", "Etc/GMT0", "GMT+0",
                       "Etc/GMT+0", "GMT-0", "Etc/GMT-0", "Greenwich", "Etc/Greenwich", "Universal",
                       "Etc/Universal", "Zulu", "Etc/Zulu"})


def _suggest(expr: str, why: str, fix: str, lead: str, refused: str, *, quote: str = "'", then: str = "") -> None:
    """Refuse ``expr`` for ``why``, naming ``fix`` only when :func:`validate_cron` takes it; when it
    does not, that refusal (with its own fix) is given instead of an example KFP would refuse."""
    try:
        validate_cron(fix)
    except ConfigError as inner:
        raise ConfigError(f"cron {expr!r}: {why}; {refused}: {inner}{then}") from None
    raise ConfigError(f"cron {expr!r}: {why}; {lead} {quote}{fix}{quote}{then}")


_GO_UNITS = {"ns": Fraction(1, 10**9), "us": Fraction(1, 10**6), "µs": Fraction(1, 10**6), "ms": Fraction(1, 1000),
             "s": Fraction(1), "m": Fraction(60), "h": Fraction(3600)}
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # 29 February occurs in leap years


def _every_seconds(text: str) -> Fraction:
    """Seconds of an ``@every`` Go duration such as ``1h30m`` or ``0s``, exactly (``0.1h`` is 360)."""
    return sum((Fraction(n) * _GO_UNITS[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", text)),
               Fraction(0))


def _values(text: str, lo: int, hi: int, names: dict[str, int]) -> set[int]:
    out: set[int] = set()
    for part in text.split(","):
        base, _, step = part.partition("/")
        if base in ("*", "?"):
            start, end = lo, hi
        else:
            a, _, b = base.partition("-")
            start = names.get(a.upper(), int(a) if _digits(a) else lo)
            end = names.get(b.upper(), int(b) if _digits(b) else hi) if b else (hi if step else start)
        out.update(range(start, end + 1, int(step) if step else 1))
    return out


def _items(field: str, lo: int, hi: int, names: dict[str, int]) -> list[tuple[str, list[int]]]:
    """Each list item of a validated ``field`` with the values it covers, sorted, as robfig/cron v1.2.0
    ``parser.go`` ``getRange`` reads it (``'29-29'`` and ``'29/31'``, i.e. ``'29-31/31'``, are 29 alone)."""
    return [(part, sorted(_values(part, lo, hi, names))) for part in field.split(",")]


def _sunday_as_zero(dow: str) -> str:
    """A five-field (Vixie) day-of-week field with Sunday's 7 written as robfig/cron v1.2.0 reads Sunday
    (``spec.go`` ``dow``: bounds 0-6): ``7`` -> ``0``, ``5-7`` -> ``5-6,0``; a step or anything else as is."""
    parts = []
    for part in dow.split(","):
        start, dash, end = part.partition("-")
        if part == "7":
            part = "0"
        elif dash and end == "7" and _digits(start) and int(start) <= 6:
            part = f"{start}-6,0" if int(start) < 6 else "6,0"
        parts.append(part)
    return ",".join(parts)


def _starred(field: str) -> bool:
    """Whether robfig/cron v1.2.0 marks a (validated) field starred: one of its ranges starts with '*' or
    '?' (``parser.go`` ``getRange``: ``lowAndHigh[0] == "*" || lowAndHigh[0] == "?"`` sets ``starBit``, kept
    with a step: '*/2' is starred; v3 drops it for a step > 1). A starred day field makes ``spec.go``
    ``dayMatches`` require both day fields to match; with neither starred, either one fires the job."""
    return any(part.partition("/")[0].partition("-")[0] in ("*", "?") for part in field.split(","))


def _check_occurs(fields: list[str], expr: str) -> None:
    """Refuse a date that never comes (31 February): robfig/cron would accept it and never run. When
    neither day field is starred (:func:`_starred`), either one matching fires the job, so it always
    occurs (on the days of the week); when one is, both must match, and every date of a month falls on
    every day of the week in some year."""
    dom, month, dow = fields[3], fields[4], fields[5]
    if not (_starred(dom) or _starred(dow)):
        return
    days = _values(dom, 1, 31, {})
    months = _values(month, 1, 12, FIELDS[4][3])
    if not any(day <= _MONTH_DAYS[m - 1] for m in months for day in days):
        raise ConfigError(f"cron {expr!r} never runs: day {dom} does not occur in month {month}; choose a day "
                          "that every chosen month has (e.g. 28) or another month")
    if _starred(dom) or _starred(month) or months == set(range(1, 13)):  # every month listed: as '*'
        return
    # both listed: a month item or a day item that never comes ('31 4,5' runs in May only; '28,31 4' on 28
    # April only), each item read as robfig/cron v1.2.0 parser.go getRange reads it ("N/step" means
    # "N-max/step": '2/12' is February alone, as '2' and '2-2' are); a range or step covering a month that has
    # one of the days (a day one of the months has) covers what it covers
    for part, items in _items(month, 1, 12, FIELDS[4][3]):
        if any(day <= _MONTH_DAYS[m - 1] for m in items for day in days):
            continue
        item = "" if len(items) == 1 and (part.upper() in FIELDS[4][3] or _digits(part)) else f" (item {part!r})"
        names = ", ".join(f"{_MONTHS[m - 1]} ({m})" for m in items)
        most = max(_MONTH_DAYS[m - 1] for m in items)
        raise ConfigError(f"cron {expr!r}: month{'s' if len(items) > 1 else ''} {names}{item} of month field "
                          f"{month!r} {'have' if len(items) > 1 else 'has'} no day {dom} (at most {most} days): it "
                          f"never runs then; drop {'those months' if len(items) > 1 else 'that month'} or choose a "
                          f"day {'they have' if len(items) > 1 else 'it has'} (e.g. 28)")
    for part, items in _items(dom, 1, 31, {}):
        if any(day <= _MONTH_DAYS[m - 1] for m in months for day in items):
            continue
        item = f"{', '.join(map(str, items))} (item {part!r})" if "/" in part else part
        raise ConfigError(f"cron {expr!r}: day-of-month {item} of field {dom!r} occurs in none of the months "
                          f"{month!r}: it never runs then; drop that day or choose a day they have (e.g. 28)")


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def leap_day_warning(expr: str) -> str | None:
    """What to say of a validated expression that lists day 29 for February alone (its day-of-month
    and month fields both listed, February the only month, the day-of-week starred, so robfig/cron
    v1.2.0 ``spec.go`` ``dayMatches`` needs the date): its 29th comes in leap years only. None otherwise:
    '29 1-12' is the 29th of every month, February's in leap years as expected."""
    fields = expr.split()
    if len(fields) != 6:
        return None
    dom, month, dow = fields[3], fields[4], fields[5]
    if _starred(dom) or _starred(month) or not _starred(dow):
        return None
    # a day item of 29 alone ('29', '29-29', '29/31'), by the days of February it covers ('29-31' is 29 alone
    # there); one of more days ('28-29') means them
    if (all([d for d in days if d <= 29] != [29] for _, days in _items(dom, 1, 31, {}))
            or _values(month, 1, 12, FIELDS[4][3]) != {2}):
        return None
    return (f"cron {expr!r}: day-of-month 29 in February (month field {month!r}) comes only in leap years (once "
            "in four years; 2100 has none): for every year give 28 (or day 1 of month 3)")


DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def describe(expr: str) -> str:
    """A short human reading of a validated expression (always says UTC)."""
    f = expr.split(" ")
    if len(f) != 6:
        return f"{expr} (times in UTC)"
    sec, minute, hour, dom, month, dow = f
    if all(_digits(x) for x in (sec, minute)) and (dom, month) == ("*", "*"):
        at = f"{int(minute):02d}:{int(sec):02d}"
        if hour == "*" and dow == "*":
            return f"every hour at :{at} UTC"
        if _digits(hour):
            at = f"{int(hour):02d}:{at}"
            if dow in ("*", "?"):
                return f"every day at {at} UTC"
            names = FIELDS[5][3]  # SUN..SAT -> 0..6
            day = names.get(dow.upper(), int(dow) if _digits(dow) else None)
            if day is not None:
                return f"every {DAYS[day]} at {at} UTC"
    either = ""
    # robfig/cron v1.2.0 spec.go dayMatches: dom || dow unless either is starred (its starBit)
    if not (_starred(dom) or _starred(dow)):
        either = (f"; it runs on day-of-month {dom} and on day-of-week {dow} alike, not only when both match "
                  "('first Monday' is not expressible: use one of the two)")
    return f"cron '{expr}' (sec min hour day-of-month month day-of-week), times in UTC{either}{_leap_only(f)}"


def _leap_only(fields: list[str]) -> str:
    """``"; ..."`` when the only date a validated expression fires on is 29 February: a leap day
    comes once in four years (2100 skips it), so a schedule a user read as yearly runs far less
    (both day fields must match when one is starred: :func:`_check_occurs`)."""
    dom, month, dow = fields[3], fields[4], fields[5]
    if not (_starred(dom) or _starred(dow)) or _starred(dom):
        return ""
    dates = {(m, d) for m in _values(month, 1, 12, FIELDS[4][3]) for d in _values(dom, 1, 31, {})
             if d <= _MONTH_DAYS[m - 1]}
    if dates != {(2, 29)}:
        return ""
    weekdays = " that fall on the days of the week given" if dow not in ("*", "?") else ""
    return (f"; it runs only on 29 February, which comes once in four years (leap years{weekdays} only): for once "
            "a year, give another day, e.g. 28 (or day 1 of month 3)")


__all__ = ["validate_cron", "describe", "leap_day_warning", "DAYS"]

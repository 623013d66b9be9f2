"""Data contracts: what a training table must look like, checked before anything is trained.

A data contract is a plain dict (JSON/YAML friendly)::

    {
      "min_rows": 500,
      "columns": {
        "income": {"dtype": "float", "min": 0, "max": 1e7, "max_null_fraction": 0.01},
        "region": {"dtype": "category", "allowed": ["north", "south"]},
        "application_date": {"dtype": "datetime"},
        "note": {"dtype": "string", "required": false}
      }
    }

``dtype`` is one of ``int``, ``float``, ``number``, ``bool``, ``category``, ``string``,
``datetime``. ``required`` defaults to true; ``max_null_fraction`` to 1.0 (no limit) — except
that an all-null column always breaks the contract, because nothing can be learned from it.
Columns not named in the contract pass through unchecked. :func:`validate` raises
:class:`~ctloop.errors.DataValidationError` with one entry per broken rule.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ctloop.errors import ConfigError, DataValidationError, row_said, rows_said  # noqa: F401 (re-exported: the row convention)

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    import numpy as np
    import pandas as pd

DTYPES = ("int", "float", "number", "bool", "category", "string", "datetime")
TIME_FORMAT_SETTING = "data.time_format (--time-format)"
"""Where the time column's format is set, as messages name it (``ctloop.yaml``'s key, ``ctloop backtest``'s flag)."""
# a number written with a decimal comma or thousands separators ('1,5', '1.234,5', '1,234.5'): a spreadsheet's
# export in a continental locale; text to pandas.read_csv as ctloop reads CSV
COMMA_NUMBER = r"[-+]?(?:(?:\d{1,3}(?:\.\d{3})+|\d+),\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?)"
# a number with a unit or a currency around it ('144,020 km', '$1,200', '12,5 %', 'CHF 12.50', '-€5'): a unit is not a
# word from a list (kmpl, bhp, GB, Nm ... any report's) but an affix that repeats: one case-folded affix after at
# least COMMA_NUMBER_MIN_DISTINCT distinct numbers, in a column of at most WRITTEN_MAX_AFFIXES distinct affixes (a
# postcode's letters '6732 BH', a street, a month are many); a capitalised word is a name ('12 Main', :func:`_name`)
_AFFIX = r"[$€£¥%]|°?[^\W\d_]+(?:/[^\W\d_]+)?2?\.?"
WRITTEN_NUMBER = (rf"(?P<sign>[-+])?(?:(?P<pre>[$€£¥]|[A-Z]{{3}}(?=\s))\s?)?"
                  rf"(?P<num>{COMMA_NUMBER}|[-+]?(?:\d+(?:\.\d+)?|\.\d+))\s?(?P<suf>{_AFFIX})?")
# a capitalised word of 3+ letters is a name: a street, a month, a party ('12 Main', '3 Jan', '22 Blvd', '12 Downs',
# '2 Persons'), unless it is one of these units, capitalised as some reports write them ('36 Months', '80 Kmpl',
# '120 Bhp'); a shorter one is an abbreviation, a unit ('391 St' as round 57 noted it, '80 Km')
_CAPITALISED = re.compile(r"[A-Z][a-z]{2,}").fullmatch
CAPITALISED_UNITS = frozenset({
    "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "hr", "hrs", "hour", "hours", "day", "days",
    "week", "weeks", "month", "months", "yr", "yrs", "year", "years", "km", "kms", "kmpl", "kmph", "kmh", "mph", "mpg",
    "mile", "miles", "mtr", "mtrs", "metre", "metres", "meter", "meters", "ft", "inch", "inches", "sqft", "acre",
    "acres", "hectare", "hectares", "kg", "kgs", "gm", "gms", "gram", "grams", "lb", "lbs", "ton", "tons", "tonne",
    "tonnes", "ml", "ltr", "ltrs", "litre", "litres", "liter", "liters", "gallon", "gallons", "cc", "bhp", "hp", "ps",
    "kw", "kwh", "nm", "rpm", "mah", "mb", "gb", "tb", "mp", "pcs"})
# multiplier words that also write a size or a distance ('5k' run, a '4K' TV): a multiplier only in a column that
# also holds plain numbers ('45k' beside '30250')
AMBIGUOUS_MULTIPLIERS = frozenset({"k"})


def _name(word: str) -> bool:
    """Whether ``word`` (an affix, its '.' stripped) is a capitalised name, not a unit (:data:`CAPITALISED_UNITS`)."""
    return bool(_CAPITALISED(word)) and word.casefold() not in CAPITALISED_UNITS
# words that multiply the number before them ('5 lakh' is 500,000; stripping the word would give 5): the Indian
# numbering's lakh and crore, the English scale words and the abbreviations reports use; plurals read alike
MULTIPLIERS = {"k": 10**3, "thousand": 10**3, "lakh": 10**5, "lac": 10**5, "million": 10**6, "mn": 10**6,
               "mio": 10**6, "crore": 10**7, "cr": 10**7, "billion": 10**9, "bn": 10**9}
ONE_LETTER_UNITS = frozenset("gwlshm")  # grams, watts, litres, seconds, hours, metres: other single letters are codes
WRITTEN_MAX_AFFIXES = 3
# distinct written numbers (separators, a unit or a currency) that make a text column one of numbers; a code list
# such as '1,2' / '2,3' has fewer, and fewer are left to the code test as words
COMMA_NUMBER_MIN_DISTINCT = 20
_NUMBER_LEADS = frozenset("0123456789+-.$€£¥")  # how a number, plain or written, starts (after blanks)
_COLUMN_KEYS = {"dtype", "format", "required", "min", "max", "allowed", "max_null_fraction", "description"}

# The keys of a contract and what each checks (docs/configuration.md, "Data contract", is rendered
# from these by ctloop.config.render_docs).
CONTRACT_KEYS = {
    "min_rows": ("1", "Rows the table must hold (rule `min_rows`)."),
    "columns": ("{}", "Column name → its rules (below). Columns not named pass through unchecked."),
    "description": ('""', "Free text, ignored."),
}
COLUMN_KEYS = {
    "dtype": ("", f"One of {', '.join(DTYPES)}: the values must read as that type (rule `dtype`, naming a "
                      "few values that do not); the table goes on with the column converted. A `datetime` "
                      "column reads `data.time_format` when it is the time column."),
    "format": ('""', "A `datetime` column's strftime format, e.g. `'%d/%m/%Y'` (as `data.time_format` for the time "
                     "column, which reads that one: on the time column a format other than it is refused with the "
                     "settings, by `ctloop apply` and `compile`): values written otherwise break rule `dtype`; empty = inferred, "
                     "and dates that read both ways (`03/02/2025`) with nothing to say which warn naming this key."),
    "required": ("true", "The column must be present (rule `required`, naming a column of a close name)."),
    "min": ("", "Numbers at or above this (rule `min`); refused on a `datetime` column."),
    "max": ("", "Numbers at or below this (rule `max`); refused on a `datetime` column."),
    "allowed": ("", "The only values the column may hold, compared as text; in a column of numbers by value (1 is 1.0: an int column with a gap reads as float) (rule `allowed`, naming unseen ones)."),
    "max_null_fraction": ("1.0", "Largest share of empty values (rule `max_null_fraction`); a column with no value "
                                 "at all always breaks the contract (rule `all_null`)."),
    "description": ('""', "Free text, ignored."),
}


@dataclass(frozen=True)
class ColumnRule:
    name: str
    dtype: str | None = None
    required: bool = True
    min: float | None = None
    max: float | None = None
    allowed: tuple[Any, ...] | None = None
    max_null_fraction: float = 1.0
    format: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"required": self.required}
        if self.dtype:
            out["dtype"] = self.dtype
        if self.format:
            out["format"] = self.format
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        if self.allowed is not None:
            out["allowed"] = list(self.allowed)
        if self.max_null_fraction < 1.0:
            out["max_null_fraction"] = self.max_null_fraction
        return out


@dataclass(frozen=True)
class DataContract:
    columns: tuple[ColumnRule, ...] = ()
    min_rows: int = 1

    def text_columns(self) -> tuple[str, ...]:
        """The columns declared text (dtype string or category): their values are codes, read as written (prepare_data
        and ``ctloop backtest --config`` leave them out of :func:`check_finite`)."""
        return tuple(c.name for c in self.columns if c.dtype in ("string", "category"))

    @classmethod
    def from_dict(cls, spec: dict[str, Any] | None) -> DataContract:
        """Parse and check a contract dict; a bad field raises ConfigError with its path."""
        if not spec:
            return cls()
        if not isinstance(spec, dict):
            raise ConfigError(f"contract must be a mapping, got {type(spec).__name__}")
        unknown = set(spec) - set(CONTRACT_KEYS)
        if unknown:
            raise ConfigError(f"contract has unknown key(s) {sorted(unknown)}; allowed: columns, min_rows")
        min_rows = spec.get("min_rows", 1)
        if isinstance(min_rows, float) and min_rows.is_integer():
            min_rows = int(min_rows)  # JSON/protobuf round trips turn integers into floats
        if isinstance(min_rows, bool) or not isinstance(min_rows, int) or min_rows < 0:
            raise ConfigError(f"contract.min_rows must be a non-negative integer, got {min_rows!r}")
        cols = spec.get("columns") or {}
        if not isinstance(cols, dict):
            raise ConfigError("contract.columns must map column names to rules")
        rules = []
        for name, rule in cols.items():
            if not isinstance(name, str):  # `123:`, `~:`, `2024-01-01:`: str() made '123', 'None', a date's text
                raise ConfigError(f"contract.columns: {not_text_key(name)}")
            path = f"contract.columns.{name}"
            if rule is None:
                rule = {}
            if not isinstance(rule, dict):
                raise ConfigError(f"{path} must be a mapping of rules, got {rule!r}")
            bad = set(rule) - _COLUMN_KEYS
            if bad:
                raise ConfigError(f"{path} has unknown rule(s) {sorted(bad)}; allowed: {sorted(_COLUMN_KEYS)}")
            dtype = rule.get("dtype")
            if dtype is not None and dtype not in DTYPES:
                raise ConfigError(f"{path}.dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
            for key in ("min", "max"):
                v = rule.get(key)
                if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v != v):  # NaN
                    raise ConfigError(f"{path}.{key} must be a number, got {v!r}")
            if dtype == "datetime" and (rule.get("min") is not None or rule.get("max") is not None):
                raise ConfigError(f"{path}: min/max apply to numbers, not to a datetime column (they compared "
                                  "nanoseconds since 1970); a time range is data.window and data.as_of")
            if rule.get("min") is not None and rule.get("max") is not None and rule["min"] > rule["max"]:
                raise ConfigError(f"{path}: min {rule['min']} is greater than max {rule['max']}")
            nf = rule.get("max_null_fraction", 1.0)
            if isinstance(nf, bool) or not isinstance(nf, int | float) or not 0.0 <= nf <= 1.0:
                raise ConfigError(f"{path}.max_null_fraction must be between 0 and 1, got {nf!r}")
            allowed = rule.get("allowed")
            if allowed is not None and not isinstance(allowed, list | tuple):
                raise ConfigError(f"{path}.allowed must be a list of values, got {allowed!r}")
            for i, value in enumerate(allowed or ()):  # a cell holds one value: '[north]' matched no row
                if isinstance(value, datetime.datetime):  # `- 2024-01-01T10:00:00Z`: YAML's reading is not the
                    # text written (no 'T', 'Z' as '+00:00'), which a dict no longer holds: no quote to copy
                    raise ConfigError(f"{path}.allowed[{i}]: a time to YAML, not text: quote it as the file writes it")
                if isinstance(value, datetime.date):  # `- 2024-01-01`: one value, but no text
                    raise ConfigError(f"{path}.allowed[{i}]: {value} is a date to YAML, not text: quote it "
                                      f"('{value}')")
                if value is not None and not isinstance(value, str | int | float):
                    raise ConfigError(f"{path}.allowed[{i}]: a list of single values (text, numbers, true/false), "
                                      f"got {shown_value(value)}")
            required = rule.get("required", True)
            if not isinstance(required, bool):
                raise ConfigError(f"{path}.required must be true or false, got {required!r}")
            fmt = rule.get("format") or ""
            if fmt:
                from ctloop.timeutil import time_format_problem

                if not isinstance(fmt, str):
                    raise ConfigError(f"{path}.format must be text (a strftime format such as '%d/%m/%Y'), got {fmt!r}")
                if dtype != "datetime":
                    raise ConfigError(f"{path}.format applies to a datetime column (dtype: datetime), got dtype {dtype!r}")
                if problem := time_format_problem(fmt):
                    raise ConfigError(f"{path}.format {fmt!r}: {problem}")
            rules.append(ColumnRule(
                name=str(name), dtype=dtype, required=required, min=rule.get("min"),
                max=rule.get("max"), allowed=tuple(allowed) if allowed is not None else None,
                max_null_fraction=float(nf), format=fmt,
            ))
        return cls(columns=tuple(rules), min_rows=min_rows)

    def to_dict(self) -> dict[str, Any]:
        return {"min_rows": self.min_rows, "columns": {r.name: r.to_dict() for r in self.columns}}

    def rule(self, name: str) -> ColumnRule | None:
        return next((r for r in self.columns if r.name == name), None)

    def time_format_problem(self, time_column: str, time_format: str) -> str | None:
        """Why the contract's rule of ``time_column`` cannot hold its ``format``: the time column's format is
        ``data.time_format`` (``time_format``) and one of two that differ would go unread; None when they agree
        or the rule gives none. ``DataConfig.problems`` (apply, compile, ``ctloop backtest --config``, the
        prepare component's ``data`` dict) and ``prepare`` both ask. The fix named is ``data.time_format``,
        the key of a file and of the component's ``data`` alike: ``ctloop backtest``'s ``--time-format``
        cannot mend a file refused as it is loaded (round 54: "set it there", after ``data.time_format
        (--time-format)``, was refused again with the flag), and the component has no file and no
        ``time_format`` input (round 54's reviews)."""
        timed = self.rule(time_column)
        if timed is None or not timed.format or timed.format == time_format:
            return None
        return (f"contract.columns.{time_column}.format {timed.format!r} is not data.time_format "
                f"({repr(time_format) if time_format else 'empty'}), which the time column is read with: set "
                f"data.time_format to {timed.format!r} (or drop the contract's format)")


# --------------------------------------------------------------------------- checks every core shares
def not_text_key(key: Any, written: str | None = None) -> str:
    """What is wrong with a mapping key that is no text (YAML reads a bare ``123:`` as a number, ``~:`` as null,
    ``2024-01-01:`` as a date): said after its path, "contract.columns: ..."; quoted, it is the name meant.
    ``written``: the key as the file writes it (the spec loader's), which the advice quotes: YAML's reading of
    ``1_000:`` is 1000, ``0x1A:`` 26, and quoting those renamed the column."""
    if key is None:
        return "None (null to YAML: `~`, `null` or an empty key) is no name: give the column's name"
    kind = "a date" if isinstance(key, datetime.date) else "true/false" if isinstance(key, bool) else \
        "a number" if isinstance(key, int | float) else type(key).__name__
    text = written if written is not None else key.isoformat() if isinstance(key, datetime.date) else \
        str(key).lower() if isinstance(key, bool) else str(key)
    return f"{text} ({kind} to YAML, not text) is no name: quote it ('{text}':)"


def check_column_names(frame: pd.DataFrame) -> None:
    """Refuse a frame of one's own (a file's names are unique text: a CSV renames duplicates ``a.1``)
    whose column names ``prepare_data`` and ``ctloop backtest`` cannot pass on, each named in one
    violation: an empty or blank name (a Parquet file keeps ``""``; it trained as a feature no request
    can name), a name given to several columns (pandas cannot tell them apart: ``frame[name]`` is a
    frame), a name that is not text (scikit-learn's raw "Feature names are only supported if all
    input features have string names" at the fit, after the split was written), the recency
    weights' name (:data:`ctloop.columns.WEIGHT`: every fit would weigh its rows by it, silently), and
    names alike but for case, surrounding spaces or Unicode form (:func:`_name_key`: 'Age' and 'age ',
    a spreadsheet export's header; they trained as two features), every group named in one
    :class:`~ctloop.errors.DataSourceError` (a header's problem, as a file naming a column twice is:
    no row breaks a rule)."""
    from ctloop.columns import WEIGHT
    from ctloop.errors import DataSourceError

    names = list(frame.columns)
    # a header's problem, not the rows': one line naming the column and where it is (until round 50 a broken
    # rule counted in rows, "column 'a' breaks rule 'unique_name' in 400 row(s)", review 50 H4)
    repeated_names(names)
    seen = _name_positions(names)
    other = [(name, at) for name, at in seen.values() if not isinstance(name, str)]
    if other:
        raise DataSourceError("; ".join(f"column name {name!r} ({_positions(at)}) is not text "
                                        f"({type(name).__name__})" for name, at in other)
                              + ": name the columns with text")
    from ctloop.storage import CSV_UNNAMED

    blank = {name: at for name, at in (frame.attrs.get(CSV_UNNAMED) or {}).items() if name in seen}
    if blank:  # a CSV header's empty cell, which pandas names 'Unnamed: <i>' (was trained under that name)
        name, (at, uri) = min(blank.items(), key=lambda item: item[1])
        index = ": a row index written by pandas' to_csv without index=False?" if at == 1 else ""
        raise DataSourceError(f"{uri}: column {at} of the header has no name "
                              f"(pandas reads it {name!r}{index}): a feature is sent to the served model by its name: "
                              "name the column or drop it")
    unnamed = next((name for name in names if not name.strip()), None)
    if unnamed is not None:  # a Parquet file written from a frame's unnamed column (a CSV reads it 'Unnamed: 1')
        raise DataSourceError(f"column name {unnamed!r} ({_positions(seen[unnamed][1])}) is no name: a feature is "
                              "sent to the served model by its name: name the column or drop it")
    if WEIGHT in names:
        raise DataSourceError(f"the column name {WEIGHT!r} ({_positions(seen[WEIGHT][1])}) is reserved for the recency "
                              "weights of data.recency_half_life: rename the column")
    refuse_alike_names(names)


def _unnamed_filler(col: pd.Series, parts: tuple[int, ...] = ()) -> str | None:
    """Why a column under a CSV header's empty cell is no data (:func:`drop_unnamed_columns`), or None;
    ``parts``: the rows of each file of a directory read as one frame (``storage.CSV_PART_ROWS``), each
    written with its own index (0..k-1 in every part)."""
    import numpy as np
    import pandas as pd

    values = col.to_numpy()
    if col.isna().all() or (col.dtype == object and all(isinstance(v, str) and not v.strip() or pd.isna(v)
                                                         for v in values)):
        return "is all empty"
    if not pd.api.types.is_integer_dtype(col) or not len(col):
        return None
    for start in (0, 1):
        if np.array_equal(values, np.arange(start, start + len(values))):
            return (f"holds the row positions {start}..{start + len(values) - 1}, an index written by pandas' "
                    "to_csv")
    if len(parts) < 2 or sum(parts) != len(values):  # not the frame as read (rows left out since)
        return None
    for start in (0, 1):
        own = np.concatenate([np.arange(start, start + k) for k in parts])
        if np.array_equal(values, own):
            return (f"holds each of its {len(parts)} files' row positions ({start}..k{'-1' * (start == 0)} for a "
                    "file of k rows), an index written by pandas' to_csv in every file")
    return None


def drop_unnamed_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the columns under a CSV header's empty cell (``frame.attrs[CSV_UNNAMED]``, pandas'
    ``Unnamed: <i>``) that hold no data: all empty (a spreadsheet's trailing empty column, 'ts,y,x,') or the row
    positions 0..n-1 or 1..n (a plain ``df.to_csv(path)``'s index; of a directory of CSV files, each file's own,
    ``storage.CSV_PART_ROWS``), each left out with a note (a ``UserWarning``)
    naming its position and why. One holding other values stays, for :func:`check_column_names` to refuse
    (review 59 M1: round 59 refused them all; before it the replay trained them as features). prepare_data and
    ``ctloop backtest`` call it (one implementation)."""
    import warnings

    from ctloop.storage import CSV_PART_ROWS, CSV_UNNAMED

    blank = frame.attrs.get(CSV_UNNAMED) or {}
    parts = tuple(frame.attrs.get(CSV_PART_ROWS) or ())
    dropped = []
    for name, (at, uri) in sorted(blank.items(), key=lambda item: item[1]):
        if name not in frame.columns or list(frame.columns).count(name) > 1:
            continue
        if why := _unnamed_filler(frame[name], parts):
            dropped.append(name)
            warnings.warn(f"{uri}: column {at} of the header has no name and {why}: left out", UserWarning,
                          stacklevel=3)
    if not dropped:
        return frame
    out = frame.drop(columns=dropped)
    out.attrs = {**frame.attrs, CSV_UNNAMED: {k: v for k, v in blank.items() if k not in dropped}}
    out.attrs.pop(CSV_PART_ROWS, None)  # a note for the index columns only: pandas writes attrs into Parquet
    return out


def refuse_alike_names(names: list[str], *, harm: str = "the model would learn them as separate features",
                       fix: str = "rename or drop one") -> None:
    """Refuse column names alike but for case, surrounding spaces or Unicode form (:func:`_name_key`: 'Age'
    and 'age ', a spreadsheet export's header: one column to a reader, two to the fit), every group named in
    one :class:`~ctloop.errors.DataSourceError` saying ``harm`` and ``fix``: :func:`check_column_names`
    (prepare, ``ctloop backtest``). ``ctloop drift`` refuses only those alike as written
    (:func:`alike_names` with ``case=True``) and warns of the others (``ctloop.drift.engine.check_options``)."""
    from ctloop.errors import DataSourceError

    alike = alike_names(names)
    if alike:
        raise DataSourceError(alike_words(alike, "differ only in case, surrounding spaces or Unicode form (one column "
                                                 f"to a reader, a spreadsheet export's header): {harm}; {fix}"))


def alike_names(names: list[str], *, case: bool = False) -> list[list[str]]:
    """The groups of ``names`` alike but for case, surrounding spaces or Unicode form (:func:`_name_key`), or
    with ``case`` (kept apart by it) but for surrounding spaces or Unicode form only (:func:`written`: 'a' and
    'a ', which a spreadsheet shows as one header), each group in ``names``' order."""
    spelled: dict[str, list[str]] = {}
    for name in names:
        spelled.setdefault(written(name) if case else _name_key(name), []).append(name)
    return [group for group in spelled.values() if len(group) > 1]


def alike_words(groups: list[list[str]], said: str, of: str = "columns") -> str:
    """``columns 'a', 'A ' {said}`` for each group of :func:`alike_names`, joined by ``; `` (``of``: what they
    are, ``fields`` of a JSON object)."""
    return "; ".join(f"{of} {', '.join(map(shown_name, group))}" for group in groups) + f" {said}"


def shown_name(name: str) -> str:
    """``name`` quoted; with its non-ASCII characters escaped when it is not in NFC ('cafe\\u0301'), which
    would print as its composed twin ('café') does; a long one by its ends and length (:func:`shown_value`: a
    name padded with megabytes of spaces was printed whole)."""
    if len(name) > 40:
        return shown_value(name, ends=True)
    return repr(name) if unicodedata.normalize("NFC", name) == name else ascii(name)


def repeated_names(names: list[Any], *, of: str = "") -> None:
    """Refuse a header naming a column more than once (a frame of one's own: pandas cannot tell them apart,
    ``frame[name]`` is a frame), each such name in one line with its positions: ``2 columns are named 'a'
    (columns 2 and 3): rename them``, a :class:`~ctloop.errors.DataSourceError`, after ``{of}: `` when
    ``of`` names the data (``the holdout data``). Counted by the name itself, not its text: two columns
    named 0 are not named '0'."""
    from ctloop.errors import DataSourceError

    seen = _name_positions(names)
    twice = [(name, at) for name, at in seen.values() if len(at) > 1]
    if twice:
        raise DataSourceError(f"{of}: " * bool(of) + "; ".join(f"{len(at)} columns are named {name!r} ({_positions(at)})"
                                        for name, at in sorted(twice, key=lambda pair: str(pair[0]))) + ": rename them")


def _name_positions(names: list[Any]) -> dict[Any, tuple[Any, list[int]]]:
    """Each name of ``names`` (first as written) with its positions, counted from 1 while the names
    are counted: as a dict (and pandas' ``frame[name]``) tells them apart, except that every NaN is
    one name (``df.columns = df.iloc[0]`` with an empty header cell: ``nan != nan``, and a position
    searched for by ``==`` was never found, an IndexError, until review 50 B)."""
    seen: dict[Any, tuple[Any, list[int]]] = {}
    for i, name in enumerate(names, start=1):
        seen.setdefault(_nan_as_one(name), (name, []))[1].append(i)
    return seen


def _nan_as_one(name: Any) -> Any:
    """``name`` with every float NaN in it (a tuple's too: a MultiIndex column) as one key."""
    import numpy as np

    if isinstance(name, tuple):
        return tuple(_nan_as_one(part) for part in name)
    return _NAN if isinstance(name, float | np.floating) and np.isnan(name) else name


_NAN = ("nan",)  # the key of every NaN name (a tuple no column name of text equals)


def _positions(at: list[int]) -> str:
    """``column 2`` or ``columns 2, 4 and 5``: positions counted from 1."""
    return f"column {at[0]}" if len(at) == 1 else f"columns {', '.join(map(str, at[:-1]))} and {at[-1]}"


def _name_key(name: str) -> str:
    """The key under which two column names are one to a reader: :func:`written` (NFC, no surrounding
    spaces: 'Å' as U+00C5 or the Angstrom sign U+212B) in lower case, letter by letter. Not
    :func:`text_key`'s ``casefold``, which expands letters and made different words one: 'Maße' and
    'Masse' ('ß' → 'ss'), 'ﬁle' and 'file' (the ligature → 'fi'), 'σ' and 'ς' (round 49)."""
    return written(name).lower()


NUMBER_KINDS = ("floating", "integer", "mixed-integer-float")  # pandas.api.types.infer_dtype's, gaps skipped


def numbers_as_numbers(frame: pd.DataFrame, *, exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """``frame`` with its object columns that hold only numbers (and gaps) as number columns, as
    the same table reads from CSV or Parquet: a notebook's ``df.replace({np.nan: None})`` or
    ``astype(object)`` makes a column of amounts dtype object, and as objects each amount was
    trained as a category of its own (a different value in every row: the model learnt nothing
    from it), an ``inf`` among them passing :func:`check_finite`, which reads number columns only.
    Python integers past int64 (no CSV reads them as numbers) and true/false stay as they are
    (``infer_objects``); Decimals are not converted here: :func:`ctloop.storage._decimals_as_floats`
    converts them before this is called (``read_table``, ``prepare_data``, the fit, the backtest). The
    caller's frame is left as it was; the same frame comes back when nothing needs converting."""
    import pandas as pd

    numbers = {}
    for name in frame.columns:
        col = frame[name]
        if name in exclude or not isinstance(col, pd.Series) or col.dtype != object:
            continue
        if pd.api.types.infer_dtype(col, skipna=True) in NUMBER_KINDS:
            converted = col.infer_objects()
            if converted.dtype != object:
                numbers[name] = converted
    if not numbers:
        return frame
    out = frame.copy(deep=False)  # not assign(**...): a column's name may be no string
    for name, col in numbers.items():
        out[name] = col
    return out


def _wide_integers(ints: list[tuple[int, int]], negatives: Callable[[], list[int]]) -> tuple[list[int], int, int | None]:
    """``(positions, count, negative)``: the positions of the integers among ``ints`` (``(position, value)`` pairs)
    that no 64-bit integer type holds: those below ``-2**63`` or past ``2**64 - 1``, each a row to change; else, when
    some are past ``2**63 - 1`` and ``negatives()`` finds negative values in their column (their positions), those
    (int64 cannot hold them, uint64 the negative ones: pyarrow's raw OverflowError), the rows to change the fewer of
    the two, and the first negative one. The one range rule of :func:`check_integer_width` (a notebook's Python
    ints) and :func:`_unread_numbers` (a CSV's number text)."""
    past = [i for i, v in ints if not -(2**63) <= v < 2**64]
    if past:
        return past, len(past), None
    high = [i for i, v in ints if v >= 2**63]
    if high and (low := negatives()):
        return high, min(len(high), len(low)), low[0]
    return [], 0, None


def _wide_detail(values: Any, wide: list[int], low: int | None, rows: Any, cause: str, advice: str) -> str:
    """The one wording of a refused integer past 64 bits (:func:`_wide_integers`'s ``wide`` and ``low``, positions
    into ``values``; ``rows`` their row positions in the frame): the first such value and its row, and the negative
    one beside it (:func:`row_said`: counted from 1); then why it matters on this path (``cause``) and what to do
    (``advice``)."""
    first = f"{shown_value(values[wide[0]], ends=True)}, {row_said(rows[wide[0]])}"
    said = (f"integers no 64-bit type holds together ({shown_value(values[low], ends=True)}, {row_said(rows[low])}, below 0, and "
            f"{first}, past 2**63 - 1)" if low is not None else f"an integer past 64 bits ({first})")
    return f"{said}, {cause}: {advice}"


def check_integer_width(frame: pd.DataFrame, *, exclude: tuple[str, ...] = ()) -> None:
    """Refuse Python integers past 64 bits (below ``-2**63`` or above ``2**64 - 1``) in object columns of
    whole numbers (:func:`numbers_as_numbers` leaves them objects: a notebook's frame; no CSV reads them
    as numbers, a Parquet column cannot hold them), or both a negative one and one past ``2**63 - 1`` in one
    column (neither int64 nor uint64 holds both), naming the column, the first such value and its row:
    ``prepare_data`` failed writing its output with pyarrow's raw "OverflowError: Python int too large
    to convert to C long". Called after :func:`numbers_as_numbers` by ``prepare_data`` and ``ctloop
    backtest``."""
    import pandas as pd

    violations = []
    for name in frame.columns:
        col = frame[name]
        if name in exclude or not isinstance(col, pd.Series) or col.dtype != object \
                or pd.api.types.infer_dtype(col, skipna=True) not in ("integer", "mixed-integer-float"):
            continue
        values = col.to_numpy()
        ints = [(row, value) for row, value in enumerate(values) if isinstance(value, int)]
        wide, count, low = _wide_integers(ints, lambda ints=ints: [row for row, value in ints if value < 0])
        if wide:
            violations.append((str(name), "int64", count, _wide_detail(
                values, wide, low, range(len(values)), "which no Parquet column or model input holds",
                "convert the column to float (an amount) or to text (an ID)")))
    if violations:
        raise DataValidationError(violations)


_NUMBER_TEXT = r"(?a)\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*"
r"""A number as CSV text as pandas reads it (no 'inf'/'nan' words: pandas reads those as floats). ASCII only
(``(?a)``: ``\d`` is [0-9], ``\s`` [ \t\n\r\f\v]): pandas' parser (pandas/_libs/src/parser/tokenizer.c's
``xstrtod``/``precise_xstrtod`` with ``isdigit_ascii``/``isspace_ascii`` of pandas/_libs/include/pandas/portable.h,
pandas 2.2-2.3) reads no other digit or space, so '１０００' or a number padded
with a no-break space is text to it, not a number past the range (review 59 H2)."""
_FLOAT_DIGITS = 308
"""A number text no longer than this and without an exponent is below 1e309: within float64's range."""


def _number_texts(col: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """``(values, rows)``: the present values of the object column ``col`` and their row positions in the frame
    (not index labels: repeated in a pd.concat, review 59 M2), when its first 64 values are number text; None
    otherwise (a text column is not read through). The setup of :func:`_beyond_float_range` and
    :func:`_unread_numbers`."""
    import numpy as np
    import pandas as pd

    present_at = col.notna().to_numpy()
    values = col.to_numpy()[present_at]
    head = pd.Series(values[:64], dtype=object)
    if not len(values) or not all(isinstance(v, str) for v in head) or not head.str.fullmatch(_NUMBER_TEXT).all():
        return None
    return values, np.flatnonzero(present_at)


def _beyond_float_range(col: pd.Series) -> tuple[int, int, str] | None:
    """``(count, first row position, first value)`` of the number text past float64's range (``1e999``, 400
    digits) in the text column ``col`` when every other value is a number: pandas reads such a value as text
    (every ``float_precision``), and the whole column with it, which was trained as categories. None otherwise
    (words among the values: a text column; a column whose first values are no numbers is not read through).

    Only text with an exponent or longer than :data:`_FLOAT_DIGITS` characters can be past the range: those are
    parsed (``float``, exact for ASCII number text), and the whole column matched only when one is (a column of
    a million plain numbers was matched and parsed whole: 0.009 s -> 5.9 s, review 59 M3)."""
    import math

    import numpy as np

    if (texts := _number_texts(col)) is None:
        return None
    values, rows = texts
    try:
        joined = "\n".join(values)  # C speed: pandas' .str loops in Python (1e6 rows: about 1 s a pass)
    except TypeError:  # a number among the texts (a notebook's frame): as its text
        values = np.array([str(v) for v in values], dtype=object)
        joined = "\n".join(values)
    if "e" not in joined and "E" not in joined and max(map(len, values)) <= _FLOAT_DIGITS:
        return None
    number = re.compile(_NUMBER_TEXT).fullmatch
    beyond = [i for i, v in enumerate(values) if (len(v) > _FLOAT_DIGITS or "e" in v or "E" in v)
              and number(v) and math.isinf(float(v))]
    if not beyond or not all(map(number, values)):  # words among the values: a text column
        return None
    first = beyond[0]
    return len(beyond), int(rows[first]), str(values[first])


_INT_DIGITS = 19
"""An integer of fewer digits than this (sign, spaces and leading zeros aside) fits in int64; one of more than
20 digits is past ``2**64 - 1`` (20 digits); only those of 19 or 20 digits are parsed to tell."""
_INT_TEXT = r"(?a)\s*[-+]?\d+\s*"
"""An integer as a CSV writes it: digits and a sign (no point or exponent)."""
_LONG_ID = r"(?a)\s*\+?\d{19,}\s*"
"""A long id as a CSV writes it: 19 digits or more (an ICCID, a card number), no minus."""
ID_SHARE = 0.01
"""A CSV column of integers whose values of 19 characters or more are all :data:`_LONG_ID` ids of one width (or
two next to each other: ICCIDs of 19 and 20 digits) is an id column when they are half of its values or more, or,
ids of 19 or 20 digits, more than this share of them (and more than :data:`ID_FEW`): pandas reads it as text, and
so it stays; fewer such values among short numbers, or one longer than the others, are amounts one of which
overflowed the reader (:func:`_unread_numbers`)."""
ID_FEW = 3
"""Up to this many long values in a column (fewer than half of it) are never an id column by share alone."""


def _id_column(values: Any, long_at: Any) -> bool:
    """Whether the CSV text column of numbers ``values`` (its values of 19 characters or more at ``long_at``) is an
    id column (:data:`ID_SHARE`): integers, the long ones ids of one width or two next to each other, half of the
    values or more, or more than a few of 19 or 20 digits."""
    longs = values[long_at]
    if not all(map(re.compile(_LONG_ID).fullmatch, longs)):
        return False
    widths = {len(v.strip().lstrip("+")) for v in longs}
    if max(widths) - min(widths) > 1:
        return False  # '1' and 25 zeros among 19-digit counts: an overflow, not an id of its own width
    many = 2 * len(long_at) >= len(values) or (
        len(long_at) > max(ID_FEW, len(values) * ID_SHARE) and widths <= {_INT_DIGITS, _INT_DIGITS + 1})
    return many and all(map(re.compile(_INT_TEXT).fullmatch, values))


def _unread_numbers(col: pd.Series) -> tuple[int, int, str, int | None] | None:
    """``(count, first row position, first value, row of a negative value beside it or None)`` of the number text
    in the CSV text column ``col`` whose integer part no 64-bit integer holds (:func:`_wide_integers`), when they
    are a few among short numbers: in a column of integers one such value ('1' and 25 zeros, or 50 digits and
    '.5') overflows pandas' integer parse and the whole column is kept as text (pandas 2.3 ``_libs/parsers.pyx``:
    ``_try_int64`` raises OverflowError, the column stays objects; measured), which was trained as categories
    without a word. A column of integers (:data:`_INT_TEXT`) whose values of 19 characters or more are all ids of
    19 or 20 digits (:data:`_LONG_ID`), more than a few of them (:data:`ID_SHARE`, :data:`ID_FEW`) or half or more,
    is an id column (ICCIDs: 19 and 20 digits, half of them past ``2**64``, beside a '-1' sentinel, a '+', ten-digit
    ids), left as text, as are columns with words among the numbers; a column of decimals, or one holding a longer
    integer ('1' and 25 zeros), is refused (review 60 H3: a share of long texts alone let an overflow through among
    full-precision decimals, '-0.8444218515250481', or 19-digit nanosecond counts); zero padding ('000…0001', 400 zeros) reads as its number
    (``read_table``), as do long decimals among decimals (round 60).

    Decided from lengths first (review 60 M2: every value of 19 or more characters was matched, split and
    parsed before a column of long ids was told, 1e6 ids 0.44 s -> 4.1 s): the share of long texts and, when it is
    an id column's, one match of each value; then only the long ones are read: more than 20 digits is past 64
    bits, 19 or 20 digits parsed with ``int``."""
    import numpy as np

    if (texts := _number_texts(col)) is None:
        return None
    values, rows = texts
    try:
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    except TypeError:  # a number among the texts (a notebook's frame): not a CSV's column
        return None
    long_at = np.flatnonzero(lengths >= _INT_DIGITS)
    if not len(long_at):
        return None
    if _id_column(values, long_at):
        return None
    number = re.compile(_NUMBER_TEXT).fullmatch
    ints = []
    for i in long_at:
        plain = values[i].strip()
        if "e" in plain or "E" in plain or not number(plain):
            continue  # an exponent: pandas reads it as a float
        whole = plain.split(".", 1)[0]
        digits = len(whole.lstrip("+-").lstrip("0"))
        if digits > 20:  # past 2**64 - 1 whatever its digits: no need to parse 400 of them
            ints.append((i, -(2**64) if whole.startswith("-") else 2**64))
        elif digits >= _INT_DIGITS:
            ints.append((i, int(whole)))
    wide, count, low = _wide_integers(ints, lambda: [i for i, v in enumerate(values) if v.lstrip().startswith("-")])
    if not wide or not all(map(number, values)):  # words among them: a text column
        return None
    return count, int(rows[wide[0]]), str(values[wide[0]]), None if low is None else int(rows[low])


INT64_TEXT_HINT = "an id: give the column dtype string in data.contract (prepare_data reads it as text then)"
"""How :func:`check_finite`'s caller declares a column text (its ``text_hint``): prepare_data's data contract."""


def check_finite(frame: pd.DataFrame, *, exclude: tuple[str, ...] = (), text_hint: str = INT64_TEXT_HINT) -> None:
    """Refuse +inf/-inf in numeric columns: no model or drift statistic handles them; and number text past
    float64's range in a text column of numbers (:func:`_beyond_float_range`), an infinity pandas reads as text;
    and in a CSV's text column of numbers, a few integers past 64 bits its reader left as text
    (:func:`_unread_numbers`), advising ``text_hint`` (the caller's way to declare a column text) for an id."""
    import numpy as np
    import pandas as pd

    from ctloop.storage import TABLE_FORMAT

    violations = []
    for name in frame.columns:
        col = frame[name]
        if name in exclude:
            continue
        if col.dtype == object and (beyond := _beyond_float_range(col)) is not None:
            count, row, value = beyond
            violations.append((str(name), "finite", count, (
                f"numbers beyond float64's range (±1.8e308), read as text (e.g. {shown_value(value)} in {row_said(row)}): "
                "every other value is a number, and the column would be learned as categories; replace them with a "
                "number in range or leave them empty (null)")))
            continue
        if col.dtype == object and frame.attrs.get(TABLE_FORMAT) == "csv" and \
                (unread := _unread_numbers(col)) is not None:
            count, row, value, low = unread
            shown = {0: value, 1: col.iloc[low] if low is not None else None}
            violations.append((str(name), "int64", count, _wide_detail(
                shown, [0], None if low is None else 1, {0: row, 1: low},
                "which made the CSV reader read the whole column as text: every other value is a number, and the "
                "column would be learned as categories",
                f"an amount: write these with an exponent ('1e+25', read as a float) or leave them empty (null); "
                f"{text_hint}")))
            continue
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_float_dtype(col):
            continue
        inf = int(np.isinf(col.to_numpy(dtype=float, na_value=np.nan)).sum())
        if inf:
            violations.append((str(name), "finite", inf, "infinite values (inf/-inf): replace them with "
                                                          "a number or leave them empty (null)"))
    if violations:
        raise DataValidationError(violations)


def missing_column(name: str, columns: Any, source_format: str | None = None) -> str:
    """The detail of a required column ``name`` missing from a table of ``columns``: the column
    it was meant to be when one differs only in case or surrounding spaces, or is close
    (``difflib``), else the table's columns (the first ten), with a hint of a CSV written without a
    header row unless the table was read in another format (``source_format``: ``ctloop.storage.read_table``'s
    ``attrs[TABLE_FORMAT]``; a Parquet table's names are its schema's, never a row of data). None: a frame
    read otherwise (a notebook's ``pd.read_csv``), hinted as a CSV."""
    import difflib
    import unicodedata

    names = [str(c) for c in columns]
    form = [c for c in names if c != str(name) and unicodedata.normalize("NFC", c) == unicodedata.normalize("NFC", str(name))]
    if form:  # they print alike: say how they differ
        which = "NFD" if unicodedata.is_normalized("NFD", form[0]) else "NFC" if unicodedata.is_normalized(
            "NFC", form[0]) else "another form"
        return (f"column is missing from the data; it has {form[0]!r}, the same name in another Unicode "
                f"normalization ({which}: an accent written as {'a character of its own' if which == 'NFD' else 'part of its letter'}): "
                "write the name as the data does")
    same = [c for c in names if c.strip().casefold() == str(name).strip().casefold()]
    close = same or difflib.get_close_matches(str(name), names, n=1)
    if close:
        return f"column is missing from the data; did you mean {close[0]!r}?"
    shown = shown_names(names)
    from ctloop.storage import data_cells

    if (source_format or "csv") == "csv" and names and 2 * data_cells(names) >= len(names):  # a CSV's first row of data
        return (f"column is missing from the data, whose column names look like a row of data ({shown}): a CSV "
                "written without a header row? Spark writes part-*.csv without one unless told to: write it "
                "with df.write.option(\"header\", \"true\").csv(...)")
    return f"column is missing from the data (its columns: {shown})"


def shown_names(names: Any, first: int = 10) -> str:
    """A table's column names as a message lists them: the ``first`` ones, and how many more (a header of
    10**6 names was a line of megabytes)."""
    names = [str(c) for c in names]
    return ", ".join(repr(c) for c in names[:first]) + (f" and {len(names) - first} more" if len(names) > first
                                                        else "")


def nested_values(col: pd.Series) -> tuple[int, Any] | None:
    """How many values of the object column ``col`` are nested (a list, tuple, dict, set or array in a
    row: a Parquet list or struct column as pandas reads it, numpy arrays), with the first; None when
    none is (and for any other dtype: an Arrow list column is told by its type)."""
    import pandas as pd

    if col.dtype != object or pd.api.types.infer_dtype(col, skipna=True) in (
            "string", "empty", "integer", "floating", "boolean", "mixed-integer-float", "bytes", "decimal"):
        return None  # decided in C (the common case)
    values = col.dropna()
    nested = values[values.map(lambda v: isinstance(v, (list, tuple, dict, set, frozenset)) or hasattr(v, "__len__")
                               and not isinstance(v, (str, bytes, bytearray)))]
    return (len(nested), nested.iloc[0]) if len(nested) else None


def shown_value(value: Any, *, ends: bool = False) -> str:
    """``repr`` of a nested value (an array as its list), of at most 40 characters (cut with ``…``); with
    ``ends``, a longer text by its ends and length, and its value when it is a number: ``'000000000000…000000000001'
    (401 characters: 1)`` (the one shortener of values and names: a number's last digits, a name's padding)."""
    text = repr(value.tolist() if hasattr(value, "tolist") and hasattr(value, "shape") else value)
    if len(text) <= 40:
        return text
    if ends and isinstance(value, str):
        try:
            number = f": {float(value):g}"
        except ValueError:
            number = ""
        return f"{repr(value[:12] + '…' + value[-12:])} ({len(value)} characters{number})"
    return text[:39] + "…"


def check_uniform_types(frame: pd.DataFrame, columns: list[str]) -> None:
    """Refuse object columns whose values mix types (text and numbers): scikit-learn's imputers and
    encoders need all strings or all numbers and do not say which column breaks that ("Encoders
    require their input argument must be uniformly strings or numbers", sklearn/utils/_encode.py,
    scikit-learn 1.9.1); nested values; and bytes (a Parquet BINARY column of text), whose categories
    no served request can hold."""
    import pandas as pd

    violations = []
    for name in columns:
        col = frame[name]
        if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.categories.dtype == object \
                and pd.api.types.infer_dtype(col.cat.categories, skipna=True) not in ("string", "empty"):
            col = col.astype(object)  # a Parquet dictionary column (pandas category) of bytes: judged by its values
        if col.dtype != object or pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):
            continue  # all text (the common case, decided in C: the checks below cost ~0.8 s a million rows)
        values = col.dropna()
        kinds = values.map(lambda v: "text" if isinstance(v, str) else type(v).__name__)
        counts = kinds.value_counts()
        nested = values[values.map(lambda v: isinstance(v, (list, tuple, dict, set)) or hasattr(v, "__len__")
                                   and not isinstance(v, (str, bytes)))]
        if len(nested):  # a Parquet list or struct column: unhashable, every encoder fails on it
            violations.append((str(name), "dtype", len(nested), f"nested values ({type(nested.iloc[0]).__name__}; "
                               f"e.g. {_short(nested.iloc[0])}): a feature needs one text or number per row"))
        elif "bytes" in counts.index or "bytearray" in counts.index:  # a Parquet BINARY column of text
            raw = values[kinds.isin(["bytes", "bytearray"])]
            violations.append((str(name), "dtype", len(raw), f"bytes, not text (e.g. {_short(raw.iloc[0])}): a Parquet "
                               "BINARY column without the STRING annotation, as Impala and older Hive or Spark write "
                               "text; served requests and CSV files hold text, never these bytes, so the model would "
                               "ignore the column there: write it as a string (CAST(... AS STRING))"))
        elif len(counts) > 1:
            rare = counts.index[-1]
            example = values[kinds == rare].iloc[0]
            violations.append((str(name), "dtype", int(counts.iloc[-1]), "mixed types ("
                               + ", ".join(f"{n} {k}" for k, n in counts.items())
                               + f"; e.g. {example!r}): make the column all text or all numbers"))
    if violations:
        raise DataValidationError(violations)


# The training pipeline's OneHotEncoder keeps only categories seen at least this many times
# (``min_frequency``); rarer ones are pooled into one infrequent category that tells nothing.
ONE_HOT_MIN_FREQUENCY = 5
# ... and at most this many columns per text feature (``max_categories``, the pooled infrequent one
# included): its most frequent values, the rest pooled. A column of 5,000 shops made some 1,800
# dense columns of 20,000 rows, and HistGradientBoosting took two minutes to bin and split them.
# Above the distinct values of the design streams' text features (flights' 105 destinations).
ONE_HOT_MAX_CATEGORIES = 256
NUMBER_TEXT_MIN_DISTINCT = 20  # distinct numbers in a text column that make it a column of amounts
NUMBER_TEXT_MAX_WORDS = 3  # distinct words beside them that read as gap or error markers ('?', 'bad')
# the texts that mark a gap or an error in a column of numbers, case-folded (besides texts of :data:`MARKER_PUNCTUATION`
# only: '?', '-', '.', '--', '—', '*', '/'): pandas.read_csv's default na_values (pandas 2.3, pandas/_libs/parsers.pyx STR_NA_VALUES; a Parquet
# string or a read with keep_default_na=False keeps them), a spreadsheet's error values and the words exports write.
# Only a column whose every word is one of these is refused: a name ('Lobby' among room numbers) is a category
MISSING_MARKERS = frozenset({
    "#n/a", "#n/a n/a", "#na", "-1.#ind", "-1.#qnan", "-nan", "1.#ind", "1.#qnan", "<na>", "n/a", "na", "null", "nan",
    "none", "n.a.", "n.a", "nil", "missing", "unknown", "unk", "not available", "not applicable", "no data", "empty",
    "blank", "tbd", "undefined", "bad", "error", "err", "invalid", "#value!", "#div/0!", "#ref!", "#name?", "#num!",
    "#null!", "#error!"})


# the punctuation a gap or an error is written with ('?', '-', '--', '.', '—', '*', '/', '...'): a text of these only is
# a marker; other symbols ('★', '+', '€', '#') are categories
MARKER_PUNCTUATION = frozenset("?-.–—*/_")


def missing_marker(text: Any) -> bool:
    """Whether ``text`` marks a gap or an error (:data:`MISSING_MARKERS`, or :data:`MARKER_PUNCTUATION` only: '?',
    '-', '.')."""
    key = str(text).strip().casefold()
    return key in MISSING_MARKERS or (bool(key) and all(c in MARKER_PUNCTUATION for c in key))


def _clearly_number(text: str) -> bool:
    """Whether ``text`` (stripped, not a plain number) is clearly a number written as text: thousands separators or a
    decimal comma ('1,500', '12,5'), a currency amount ('$1,200', 'CHF 12.50') or a number with a known unit
    (:data:`CAPITALISED_UNITS`, :data:`ONE_LETTER_UNITS`, :data:`MULTIPLIERS`, '%'). A letter suffix ('12B', '2XL',
    '12 bis', '12 Downs') or a letters prefix ('APT 4') is a name."""
    m = re.fullmatch(WRITTEN_NUMBER, text)
    if not m:
        return False
    pre, suf = m.group("pre"), m.group("suf")
    if pre and pre.isalpha():  # a currency code: an amount has a '.' or ',' ('CHF 12.50'; 'APT 4' is a unit's name)
        return not suf and ("." in m.group("num") or "," in m.group("num"))
    if not suf:
        return True
    key = suf.rstrip(".").lstrip("°").casefold()
    return (not any(c.isalpha() for c in suf) or key in CAPITALISED_UNITS or key in ONE_LETTER_UNITS
            or multiplier(key) is not None)


def gaps_as_nan(values: pd.Series) -> pd.Series:
    """``values`` of a nullable number column (``Int64``/``Float64``, an Arrow integer: a Parquet file
    written from pandas' ``Int64`` reads back as one) as objects with NaN for its gaps; other columns as
    given. Read as text for a text feature (:func:`ctloop.storage.numbers_as_text`), its ``pd.NA`` was
    kept, and scikit-learn's imputer failed on it: "boolean value of NA is ambiguous" (batch scoring, the
    gate's holdout). A float column (``Float32``/``Float64``, an Arrow float) comes back as NumPy floats
    of its own width with NaN: as objects, a 32-bit 0.1 was the Python float 0.10000000149011612, which
    numbers_as_text could no longer read as the text '0.1' (it reads a float32 array as float32), and
    every such row was an unknown category."""
    import numpy as np
    import pandas as pd

    if not isinstance(values.dtype, pd.api.extensions.ExtensionDtype) or not pd.api.types.is_numeric_dtype(values) \
            or pd.api.types.is_bool_dtype(values):
        return values
    kind = getattr(values.dtype, "numpy_dtype", None)
    if kind is not None and np.dtype(kind).kind == "f":
        return pd.Series(values.to_numpy(dtype=kind, na_value=np.nan), index=values.index, name=values.name)
    return values.astype(object).where(values.notna(), np.nan)


def written_numbers_note(name: str, kinds: dict[str, tuple[int, str]], form: str, unit: str = "",
                         decimal: bool = False, multiplied: str = "", named: bool = False) -> str:
    """The note on a text column holding numbers written with a decimal comma, separators, a currency or a unit
    (:func:`check_numbers_as_text`'s ``written``), alone or beside plain ones: said by the train core and once up
    front by ``ctloop backtest``, never a refusal (a heuristic must not stop a retrain). ``kinds`` maps ``plain``,
    ``written``, ``multiplied`` (a number and a :data:`MULTIPLIERS` word, '5 lakh'), ``suffixed`` (numbers with other
    suffixes, '45R'), ``text`` ('?') and ``blank`` ('', '  ') to (rows, an example); ``form`` is ``thousands``
    ('1,234'), ``decimal`` ('12,5') or ``unit`` (``unit`` its affixes, "'km'"), the advice following it, or ``plain``
    (no written numbers: multiplier words or blank texts beside plain numbers): pandas reads
    '12,500' as 12.5 under ``decimal=',', thousands='.'``, so that is advised only for a decimal comma, and not when
    plain rows write '.' decimals ('12.625' would read 12625): those are normalised per row. ``decimal``: the numbers
    beside a unit have a decimal comma ('12,5 %'). ``multiplied``: an example and its number ("'5 lakh' is 500000").
    ``named``: the text holds a name ('Lobby' among room numbers), not only markers: a categorical column, left as it
    is unless meant as numbers. Examples are cut to 40 characters."""
    said = {"written": {"thousands": "with thousands separators", "decimal": "with a decimal comma",
                        "unit": f"with a unit or currency ({unit})", "plain": ""}[form],
            "multiplied": "with a multiplier word", "plain": "plain numbers", "suffixed": "numbers with other suffixes",
            "text": "text", "blank": "blank text"}
    parts = [f"{kinds[k][0]} row{'s' * (kinds[k][0] != 1)} {said[k]} (e.g. {_short(kinds[k][1])})"
             for k in ("written", "multiplied", "plain", "suffixed", "text", "blank") if kinds.get(k, (0, ""))[0]]
    how = {"thousands": "read it with pandas.read_csv(path, thousands=',') and write Parquet",
           "decimal": "read it with pandas.read_csv(path, decimal=',', thousands='.') and write Parquet",
           "unit": f"strip {unit} (and any separators) and write plain numbers or Parquet", "plain": ""}[form]
    if form == "unit" and decimal:
        how = (f"strip {unit} and any '.' thousands separators, use ',' as the decimal point, and write plain numbers "
               "or Parquet")
    blank = ", and blank the text (an empty cell is a gap)" if kinds.get("text", (0, ""))[0] else ""
    has = {k for k in ("written", "multiplied") if kinds.get(k, (0, ""))[0]}
    mixed = " (an export that changed?)" if kinds.get("plain", (0, ""))[0] and has else ""
    if form == "decimal" and mixed:  # read_csv(decimal=',', thousands='.') would read the plain '12.625' as 12625
        # and '1.234,5' has a '.' too: a thousands separator there, deleted before the comma becomes the point
        how = ("normalise it per row (it mixes '.' and ',' decimals): in the rows written with a comma, delete the "
               "'.' thousands separators and replace ',' by '.', and write Parquet")
    if multiplied:  # '5 lakh' stripped is 5
        out = f"write the numbers with a multiplier word out in full ({multiplied})"
        how = f"{how}; {out}" if how else f"{out} and write plain numbers or Parquet"
    if kinds.get("blank", (0, ""))[0]:  # an empty Parquet string, a cell of spaces: a gap written as text
        gaps = "write the blank texts as nulls (an empty CSV cell, a Parquet null), not as text"
        how = f"{how}; {gaps}" if how else gaps
    end = "or drop the column if it is meant as text"
    if named:  # 'Lobby': no advice to blank a name; a column of rooms is fine as categories
        words = "write the text as numbers or as gaps"
        how, blank = (f"{how}; {words}" if how else words), ""
        end = "or leave it as it is if its texts are names (a column of categories)"
    return (f"column {name!r} holds numbers written as text: {', '.join(parts)}{mixed}: read as text, each value a "
            f"category, not a number; to learn it as a number, {how}{blank}; {end}")


def multiplier(affix: Any) -> int | None:
    """The factor of a :data:`MULTIPLIERS` word ('lakh', 'Lakhs', 'mn.'), or None."""
    if not affix:
        return None
    key = str(affix).rstrip(".").casefold()
    return MULTIPLIERS.get(key) or (MULTIPLIERS.get(key[:-1]) if key.endswith("s") and len(key) > 2 else None)


def _multiplied_out(number: str, factor: int, comma_decimal: bool) -> str:
    """``number`` (a written one's number part) times ``factor``, as plain digits: '5' x 10**5 is '500000'."""
    from decimal import Decimal, InvalidOperation

    digits = number.replace(".", "").replace(",", ".") if comma_decimal else number.replace(",", "")
    try:
        value = Decimal(digits) * factor
    except InvalidOperation:  # pragma: no cover - the pattern matched a number
        return "?"
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))


def _written_numbers(texts: list[str], beside_plain: bool = True) -> tuple[Any, bool, Any]:
    """Which of ``texts`` (stripped, none a plain number) are numbers written as a report or another locale writes
    them (:data:`WRITTEN_NUMBER`), whether any has a unit or currency, and their number parts. ``beside_plain``:
    the column also holds plain numbers (else :data:`AMBIGUOUS_MULTIPLIERS` are no multipliers)."""
    import numpy as np
    import pandas as pd

    match = re.compile(WRITTEN_NUMBER).fullmatch
    parts = [m.group("num", "suf", "pre") if (m := match(t)) else (None, None, None) for t in texts]
    nums = np.array([p[0] for p in parts], dtype=object)
    affixes = pd.Series([p[1] or p[2] for p in parts], dtype=object)
    has = affixes.notna().to_numpy(bool)
    written = (nums != None) & ~has  # noqa: E711  (elementwise) no affix: a decimal comma or separators
    if has.any():
        raw = affixes[has]
        keys = {a: a.rstrip(".").casefold() for a in pd.unique(raw)}  # a few, or a postcode's hundreds
        key = raw.map(keys)
        repeats = pd.Series(nums[has]).groupby(key.to_numpy()).nunique() >= COMMA_NUMBER_MIN_DISTINCT
        # only affixes that repeat count (a one-off '5 lakh' beside 'km' does not make 'km' a postcode's letters)
        if int(repeats.sum()) <= WRITTEN_MAX_AFFIXES:
            # a capitalised name ('Main', 'Jan') is one in every spelling of its case-folded key: 'Kms' beside
            # 'kms' is a unit, as 'kms' is
            names = {k: all(_name(a.rstrip(".")) for a, k2 in keys.items() if k2 == k) for k in set(keys.values())}
            # a currency, '%', 2+ letters (not a capitalised name such as 'Main', 'Jan') or a 1-letter unit
            unit_like = {a: repeats.get(k, False) and (not any(c.isalpha() for c in a) or k in ONE_LETTER_UNITS
                                                       or (multiplier(k) is not None  # '5k', '12 Lakh'
                                                           and (beside_plain or k not in AMBIGUOUS_MULTIPLIERS))
                                                       or (len(a.rstrip(".")) >= 2 and not names[k]))
                         for a, k in keys.items()}
            written[has] = raw.map(unit_like).to_numpy(bool)
    return written, bool((written & has).any()), nums


_THOUSANDS = r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # '1,234', '1,234.5': a number with thousands separators


def _number_form(nums: Any) -> str:
    """``thousands`` ('1,234') or ``decimal`` ('12,5', '1.234,5'): what most of the written numbers ``nums`` are
    (one '12,5' among a thousand '144,020' does not make them decimal commas)."""
    import pandas as pd

    thousands = pd.Series(nums, dtype=object).str.fullmatch(_THOUSANDS)
    return "thousands" if thousands.mean() >= 0.5 else "decimal"


def _plain_not_written_so(plain: pd.Series, written_nums: Any, unit: bool) -> int:
    """Distinct ``plain`` number texts the written ones' format would not write plainly: any beside a unit or a
    currency; beside a decimal comma one with a '.' decimal ('12.5' beside '12,5'; whole ones are plain in both, and
    '1.234' is a thousand there); beside thousands separators one of 1,000 or more ('96276' beside '96,276')."""
    import pandas as pd

    if unit:
        return int(plain.nunique())
    nums = pd.Series(written_nums, dtype=object)
    if _number_form(nums) == "decimal":  # a decimal comma: '12,5', '1.234,5'
        odd = plain.str.contains(".", regex=False) & ~plain.str.fullmatch(r"[-+]?\d{1,3}(?:\.\d{3})+")
    else:
        odd = pd.to_numeric(plain, errors="coerce").abs() >= 1000
    return int(plain[odd.to_numpy(bool)].nunique())


def check_numbers_as_text(frame: pd.DataFrame, columns: list[str], *,
                          written: dict[str, str] | None = None) -> dict[str, str]:
    """Refuse a text column of numbers (at least ``NUMBER_TEXT_MIN_DISTINCT`` distinct ones) with a
    few words in some rows (at most ``NUMBER_TEXT_MAX_WORDS`` distinct), each a marker of a gap or an error
    (:func:`missing_marker`): '?' for a gap, as UCI data write it, or 'bad' from some day on; a name among
    them ('Lobby' beside room numbers) makes a categorical column, noted, never refused. pandas reads such a CSV column as text, and each number
    becomes a category too rare for the one-hot encoder: the model learns nothing from the column
    and nothing says so. A code column (départements '01'..'95' with '2A'/'2B', store IDs with
    'ONLINE') is learned: it is refused when most of its number rows hold a number seen fewer
    than ``ONE_HOT_MIN_FREQUENCY`` times, or most hold a fraction among more distinct numbers than
    the encoder keeps (``ONE_HOT_MAX_CATEGORIES``: amounts to the cent repeat often in a large table,
    so frequency alone depends on the table's size; dotted codes such as ICD-9's '250.01' are few).

    Numbers written as a report or another locale writes them (:data:`WRITTEN_NUMBER`: '144,020 km', '$1,200',
    '12,5', '80 kmpl', 'CHF 12.50'; a unit is an affix repeated after ``COMMA_NUMBER_MIN_DISTINCT`` distinct numbers,
    at most ``WRITTEN_MAX_AFFIXES`` such in a column, so postcodes '6732 BH', streets and months are text) are never
    refused: a heuristic must not stop a retrain (round 57's third review: '12 bis' beside '12', shoe sizes '9.5W').
    A column holding ``COMMA_NUMBER_MIN_DISTINCT`` distinct ones, alone or beside plain numbers (an export that
    changed, stop 57's carprice_km_text), or plain numbers with a few written ones, is put in ``written`` (name → the
    note, :func:`written_numbers_note`: each kind with its rows and an example, advice fitting the format). Fewer
    written values are left to the code test, not counted as words. The rule
    reads the frame it is given: a backtest's up-front check and a window's fit can differ on a column whose mix
    changes over time. Returns the code-like columns it let pass, each with a word it holds: whole numbers seen
    often ('?' in a column of horsepower) look the same, and the training step says so in a note
    (``train.core.fit``)."""
    import numpy as np
    import pandas as pd

    violations, passed = [], {}
    match_written = re.compile(WRITTEN_NUMBER).fullmatch
    for name in columns:
        col = frame[name]
        if not (col.dtype == object or isinstance(col.dtype, pd.StringDtype)):
            continue
        values = col.dropna()
        # each distinct text once, in the order of the rows (the messages name the first), with its row count
        at, distinct = pd.factorize(values)
        distinct = np.asarray(distinct, dtype=object)
        if not len(values) or not all(isinstance(v, str) for v in distinct):
            continue  # mixed types: check_uniform_types names them
        rows = np.bincount(at, minlength=len(distinct))
        lead = pd.Series(distinct, dtype=object).str.strip()
        may = lead.str[:1].isin(_NUMBER_LEADS).to_numpy(bool)  # first characters only: cheap on 300,000 texts
        # or a currency code before an amount ('CHF 12.50', '€' or '$' start as numbers do): three letters, a blank, a
        # digit last and a '.' or ',' (IDs such as 'INV 123' are not read)
        coded = ~may
        coded[coded] = [len(t) > 4 and t[3] == " " and t[-1].isdigit() and ("." in t or "," in t) for t in lead[coded]]
        if not (may | coded).any():
            continue  # nothing here starts as a number does: text
        numbers = np.full(len(distinct), np.nan)
        numbers[may] = pd.to_numeric(lead[may], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        is_word = np.isnan(numbers)
        # blank texts ('', '  ': a Parquet empty string, a spreadsheet's cell of spaces) are gaps written as text: said
        # in the note, never taken for a marker word ('?') nor refused
        gap = is_word & (lead.str.len() == 0).to_numpy(bool)
        gaps = (int(rows[gap].sum()), str(distinct[gap][0])) if gap.any() else (0, "")
        if gaps[0]:
            keep = ~gap
            distinct, rows, may, coded, numbers, is_word = (a[keep] for a in (distinct, rows, may, coded, numbers,
                                                                              is_word))
            lead = lead[keep].reset_index(drop=True)
        if not is_word.any():
            if gaps[0] and written is not None and pd.unique(numbers).size >= NUMBER_TEXT_MIN_DISTINCT \
                    and not _codes(rows, numbers):  # amounts and blank texts: one blank makes the column text
                written[str(name)] = _note(name, distinct, rows, distinct[:0], rows[:0], np.zeros(0, dtype=bool),
                                           np.zeros(0, dtype=object), False, gaps)
            continue
        plain = pd.unique(numbers[~is_word]).size
        distinct_words, words_may = distinct[is_word], (may | coded)[is_word]
        n_words = int(rows[is_word].sum())
        # the regex reads only words that start as a number does, and only when they can decide
        if plain < NUMBER_TEXT_MIN_DISTINCT and (int(words_may.sum()) < COMMA_NUMBER_MIN_DISTINCT
                                                 or int(words_may.sum()) * 2 <= len(distinct_words)):
            continue  # neither a column of plain numbers nor one mostly of written ones
        is_written = words_may.copy()
        nums = np.full(len(distinct_words), None, dtype=object)
        is_written[words_may], unit, nums[words_may] = _written_numbers(lead[is_word][words_may].tolist(), plain > 0)
        n_written, others = int(is_written.sum()), distinct_words[~is_written]
        if n_written >= COMMA_NUMBER_MIN_DISTINCT and (len(others) <= NUMBER_TEXT_MAX_WORDS or n_written > len(others)):
            # written numbers only, or beside plain ones their format would not write so (an export that changed):
            # noted, never refused (a heuristic; a refusal stops every retrain)
            mixed = _plain_not_written_so(lead[~is_word], nums[is_written], unit) >= NUMBER_TEXT_MIN_DISTINCT
            if written is not None:
                written[str(name)] = _note(name, distinct[~is_word] if mixed else distinct[:0], rows[~is_word],
                                           distinct_words, rows[is_word], is_written, nums, unit, gaps)
            continue
        # fewer written numbers: not words (as before round 57's rewrites); the code test decides
        if len(others) > NUMBER_TEXT_MAX_WORDS or plain < NUMBER_TEXT_MIN_DISTINCT:
            continue
        # the number texts as the encoder sees them ('01' and '1' are two categories), each with its row count
        seen, number_rows = rows[~is_word], int(rows[~is_word].sum())
        if _codes(seen, numbers[~is_word]):
            passed[str(name)] = str(distinct_words[0])  # most number rows hold a code the encoder keeps
            continue
        # a few numbers with a unit, a suffix or a prefix beside plain ones ('96,276 km' among '980', '12 bis',
        # '5 lakh'): noted, never refused; real markers ('?', 'bad') still are (blank texts are gaps, above)
        worded = len(others) and all(match_written(str(t).strip()) for t in others)
        if worded:
            is_written = np.ones(len(distinct_words), dtype=bool)
            nums = np.array([m.group("num") for t in distinct_words if (m := match_written(str(t).strip()))],
                            dtype=object)
            unit = any(m.group("suf") or m.group("pre") for t in distinct_words
                       if (m := match_written(str(t).strip())))
        # a name among the words ('Lobby', 'Suite A' among room numbers; not a marker nor a written number, '96,276 km'
        # beside '?' is refused for the '?'): a categorical column, noted, never refused
        # a word that is neither a marker nor clearly a number is a name ('12B', 'APT 4', '12 Downs', '★')
        named = not worded and any(not missing_marker(t) and not _clearly_number(str(t).strip()) for t in others)
        if n_written or worded or named:  # plain numbers and a few written ones ('1,500' among '980'): noted
            if written is not None:
                written[str(name)] = _note(name, distinct[~is_word], seen, distinct_words, rows[is_word],
                                           is_written, nums, unit, gaps, named=named)
            continue
        # the markers that refuse the column, not a written number beside them ('96,276 km' is data)
        markers = ", ".join(repr(t) for t in others if missing_marker(t))
        violations.append((str(name), "dtype", n_words, f"numbers in {number_rows} rows but text "
                           f"in the others (e.g. {markers}): read as text, each number a category the model cannot "
                           f"learn from; blank the cells holding {markers} (an empty cell is a gap) or fix them"))
    if violations:
        raise DataValidationError(violations)
    return passed


def _codes(seen: Any, numbers: Any) -> bool:
    """Whether number texts seen ``seen`` times each (their values ``numbers``) are codes the one-hot encoder keeps:
    most rows hold one seen ``ONE_HOT_MIN_FREQUENCY``+ times. Amounts to the cent repeat once a table is large (the
    frequency test alone passed them on a big table, not a small one): mostly fractions, more distinct than the
    encoder keeps, are amounts at any size; dotted codes ('250.01' beside 'V57', versions '3.10') are few."""
    number_rows = int(seen.sum())
    fractions = int(seen[numbers % 1 != 0].sum())
    amounts = fractions * 2 > number_rows and len(seen) > ONE_HOT_MAX_CATEGORIES
    return not amounts and int(seen[seen < ONE_HOT_MIN_FREQUENCY].sum()) * 2 <= number_rows


def _note(name: Any, plain: Any, plain_rows: Any, words: Any, word_rows: Any, is_written: Any, nums: Any,
          unit: bool, blank: tuple[int, str] = (0, ""), named: bool = False) -> str:
    """:func:`written_numbers_note` for a column of :func:`check_numbers_as_text`: its plain number texts (none when
    their format writes them so), its other distinct texts (``words``) and which of them are written numbers; a
    number and a :data:`MULTIPLIERS` word ('5 lakh') is said apart from the units; ``blank``: its blank texts' rows
    and an example."""
    import numpy as np

    match = re.compile(WRITTEN_NUMBER).fullmatch
    others = words[~is_written]
    suffixed = np.array([match(str(t).strip()) is not None for t in others], dtype=bool)
    other_rows = word_rows[~is_written]

    def kind(texts: Any, at: Any) -> tuple[int, str]:
        return (int(at.sum()), str(texts[0])) if len(texts) else (0, "")

    parts = [match(str(t).strip()) for t in words]
    factors = np.array([bool(m) and multiplier(m.group("suf")) or 0 for m in parts], dtype=np.int64)
    times = is_written & (factors > 0)  # '5 lakh': a multiplier, not a unit to strip
    is_written = is_written & ~times
    form = _number_form([n for n in nums[is_written | times] if n is not None] or ["0"])
    multiplied = ""
    if times.any():
        at = int(np.flatnonzero(times)[0])
        number = parts[at].group("num")
        comma_decimal = form == "decimal" and "," in number
        multiplied = f"{str(words[at]).strip()!r} is {_multiplied_out(number, int(factors[at]), comma_decimal)}"
    unit = any(m.group("suf") or m.group("pre") for m, w in zip(parts, is_written, strict=True) if w and m)
    shown = words[is_written]
    affix = ""
    if unit:  # the affixes most rows carry (at most three), the example one of the first
        by: dict[str, int] = {}
        for t, n in zip(shown, word_rows[is_written], strict=True):
            m = match(str(t).strip())
            if m and (a := m.group("suf") or m.group("pre")):
                by[a] = by.get(a, 0) + int(n)
        top = sorted(by, key=by.__getitem__, reverse=True)[:3]
        affix = ", ".join(repr(a) for a in top)
        shown = np.array([t for t in shown if (m := match(str(t).strip())) and (m.group("suf") or m.group("pre"))
                          == top[0]], dtype=object)
    # the number form of the written ones (with a unit too: '12,5 %' has a decimal comma), the example one of it
    if is_written.any():
        form = _number_form([n for n in nums[is_written] if n is not None] or ["0"])
    of_form = [t for t in shown if (m := match(str(t).strip())) and m.group("num") is not None
               and (re.fullmatch(_THOUSANDS, m.group("num")) is not None) == (form == "thousands")]
    example = str(of_form[0] if of_form else shown[0]) if len(shown) else ""
    kinds = {"plain": kind(plain, plain_rows[: len(plain)]), "written": (kind(words[is_written],
                                                                              word_rows[is_written])[0], example),
             "multiplied": kind(words[times], word_rows[times]),
             "suffixed": kind(others[suffixed], other_rows[suffixed]),
             "text": kind(others[~suffixed], other_rows[~suffixed]), "blank": blank}
    return written_numbers_note(str(name), kinds, "unit" if unit else form if is_written.any() else "plain", affix,
                                decimal=unit and form == "decimal" and any("," in str(n) for n in nums[is_written]
                                                                          if n is not None),
                                multiplied=multiplied, named=named)


def _short(value: Any) -> str:
    text = repr(value.tolist() if hasattr(value, "tolist") else value)
    return text if len(text) <= 40 else text[:37] + "..."


def _holds_numbers(series: pd.Series) -> bool:
    """Whether ``series`` holds numbers (not true/false, not times)."""
    import pandas as pd

    return (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
            and not pd.api.types.is_datetime64_any_dtype(series))


def coerce(series: pd.Series, dtype: str, fmt: str = "", *, name: str = "",
           setting: str = TIME_FORMAT_SETTING) -> tuple[pd.Series, int, list[Any]]:
    """Coerce ``series`` to ``dtype``: ``(coerced, rows that failed, a few bad values)``. ``fmt``: the
    strftime format of a datetime column's text (``data.time_format``); empty = inferred (dates
    that read two ways with nothing to say which warn, naming column ``name`` and the ``setting`` that
    states the format: :func:`date_order`).
    A column already of that kind (numbers, text) comes back as it is, the same object."""
    import numpy as np
    import pandas as pd

    notnull = series.notna()
    if dtype in ("int", "float", "number"):
        if pd.api.types.is_bool_dtype(series):
            return series, int(notnull.sum()), series[notnull].unique()[:3].tolist()
        # a numpy number column is its own numbers (to_numeric gives them again): the column itself, not a copy
        numeric = isinstance(series.dtype, np.dtype) and series.dtype.kind in "iuf"
        out = series if numeric else pd.to_numeric(series, errors="coerce")
        bad = notnull & out.isna()
        if dtype == "int" and not bad.any():
            # a fraction, or beyond int64 read as a float that rounded its digits (an int64 or uint64
            # column, hashed ids, holds its values exactly)
            frac = out % 1 != 0
            if pd.api.types.is_float_dtype(out):
                frac |= out.abs() >= 2.0**63
            frac &= out.notna()
            if frac.any():
                return out, int(frac.sum()), series[frac].unique()[:3].tolist()
        return out, int(bad.sum()), list(series[bad].astype(str).unique()[:3])
    if dtype == "bool":
        if pd.api.types.is_bool_dtype(series):
            return series, 0, []
        mapping = {"true": True, "false": False, "1": True, "0": False, 1: True, 0: False,  # 1 == True
                   "yes": True, "no": False}
        out = series.map(lambda v: mapping.get(v.lower() if isinstance(v, str) else v))
        bad = notnull & out.isna()
        return out, int(bad.sum()), list(series[bad].astype(str).unique()[:3])
    if dtype == "datetime":
        # utc=True: values with different offsets (or some with none: UTC, ctloop.timeutil) become
        # one UTC column; without it pandas returns an object column of mixed-offset timestamps
        if pd.api.types.is_datetime64_any_dtype(series):
            out = series
        elif isinstance(series.dtype, pd.PeriodDtype):  # a period is its start, as its text ('2024-03') reads
            out = series.dt.to_timestamp()
        elif _holds_numbers(series) and not fmt:
            # numbers are no times: pandas reads them as nanoseconds since 1970 (Unix seconds 1700000000 became
            # 1970-01-01 00:00:01.7), as parse_times refuses them in the time column; a format reads them
            return series, int(notnull.sum()), list(series[notnull].astype(str).unique()[:3])
        elif fmt:  # exactly that format: a value written otherwise is NaT, counted below
            out = pd.to_datetime(_format_text(series, fmt), errors="coerce", utc=True, format=fmt)
        else:
            reads_day_first, _, _, said = _date_order(series)
            if said:
                _warn_undecided(name or str(series.name), said, reads_day_first, setting)
            # ISO week dates read apart: pandas reads none, and format="mixed" tried each slowly first (200,000 week
            # dates: 1.9 s as object, 3.4 s as string dtype, now 0.4-0.6 s; 200,000 ISO dates 0.3 s either way;
            # round 58's review, one machine)
            weekly = _week_date_rows(series)
            rest = series[~weekly] if weekly.any() else series
            out, zoned = _mixed_times(rest, reads_day_first)
            if zoned:  # a zone name pandas dropped: the time read as UTC, hours off; counted as bad below
                out = out.mask(rest.astype(str).str.strip().isin(zoned).to_numpy())
            if weekly.any():
                out = _with_week_dates(series, weekly, out)
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert("UTC").dt.tz_localize(None)
        bad = notnull & out.isna()
        return out, int(bad.sum()), list(series[bad].astype(str).unique()[:3])
    # category / string: any non-null value is acceptable text
    if isinstance(series.dtype, pd.CategoricalDtype):  # a Parquet dictionary column (pandas category) with
        series = series.astype(object)  # gaps: its categories cannot take the text of a gap ('nan')
    text = series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty")
    if text:
        return series, 0, []  # text (and missing values) already: astype(str) would give each value again
    if series.dtype == object:
        # bytes (a Parquet BINARY column of text) and nested values stay as they are, for check_uniform_types to
        # refuse: as text ("b'north'", "[1, 2]") they were categories no served request or CSV file holds
        notnull &= ~series.map(lambda v: isinstance(v, (bytes, bytearray, list, tuple, dict, set))
                               or (hasattr(v, "__len__") and not isinstance(v, str))).to_numpy(dtype=bool)
    out = series.where(~notnull, series.astype(str))
    return out, 0, []


# pandas 2.3.3 (pandas/_libs/tslibs/parsing.pyx ``dateutil_parse``) drops a zone name it cannot read
# with a FutureWarning per value, 'Parsed string "..." included an un-recognized timezone "EST"';
# pandas 3 raises a ValueError with the same words (GH 50235)
_UNREAD_ZONE = re.compile(r'Parsed string "(.*)" included an un-recognized timezone "([^"]*)"', re.DOTALL)


def _mixed_times(series: pd.Series, day_first: bool) -> tuple[pd.Series, set[str]]:
    """``pd.to_datetime(format="mixed", utc=True)`` of text times, and the values (stripped) whose
    zone name pandas dropped (``EST``, ``CET``, ``PDT``: ``strftime('%Z')``): pandas read those as
    UTC, hours off, with a warning per value. The zone names UTC and GMT are read (as UTC)."""
    import warnings

    import pandas as pd

    zoned: set[str] = set()
    others: list[Any] = []

    def keep(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        # one warning per value: only the value is kept (a million rows warn a million times)
        found = _UNREAD_ZONE.search(str(message)) if issubclass(category, FutureWarning) else None
        if found is not None:
            zoned.add(found[1].strip())
        elif len(others) < 10:
            others.append((message, category))

    with warnings.catch_warnings():
        warnings.simplefilter("always", FutureWarning)
        warnings.showwarning = keep
        out = pd.to_datetime(series, errors="coerce", utc=True, format="mixed", dayfirst=day_first)
    for message, category in others:  # not ours to swallow: shown as they came
        warnings.warn(message, category, stacklevel=3)
    return out, zoned


# the start of an ISO 8601 week date (ISO 8601-1:2019 5.2.4.2, '2002-W01-2', basic form '2002W012') or week
# (5.2.4.3 reduced precision, '2002-W01': read as its Monday, as '2024-03' reads as March 1st); pandas reads neither
_WEEK_DATE = re.compile(r"\s*\d{4}-?W\d")
# the days pandas' nanosecond times hold whole (pd.Timestamp.min is 1677-09-21 00:12:43: that day's midnight is not)
_FIRST_DAY, _LAST_DAY = datetime.date(1677, 9, 22), datetime.date(2262, 4, 11)


def _week_date_rows(series: pd.Series) -> np.ndarray:
    """Which values of the text ``series`` are written as an ISO 8601 week date or week (a boolean array)."""
    import numpy as np
    import pandas as pd

    if series.dtype == object:  # text among other values (.str refuses datetimes); 'W' first: 20 ms a 200,000 rows
        rows = np.fromiter((isinstance(v, str) and "W" in v for v in series.to_numpy()), dtype=bool, count=len(series))
    elif pd.api.types.is_string_dtype(series):
        rows = series.str.contains("W", regex=False, na=False).to_numpy(dtype=bool)
    else:
        return np.zeros(len(series), dtype=bool)
    if rows.any():
        rows[rows] = series[rows].astype(str).str.match(_WEEK_DATE).to_numpy(dtype=bool)
    return rows


def _with_week_dates(series: pd.Series, weekly: np.ndarray, rest: pd.Series) -> pd.Series:
    """The times of ``series``: its ``weekly`` values (:func:`_week_date_rows`) read as their day, the others
    ``rest`` (their times, UTC), by position. A week date is read by ``datetime.date.fromisoformat`` (Python 3.11:
    ``2002-W01-1`` is 2001-12-31, the ISO week-numbering year; as ``monitoring.window`` reads a window's days);
    a form ISO 8601 does not write (``2002-w05``, ``2002-W053``), a week that does not exist (``2002-W53``) and a
    day pandas cannot hold (``9999-W52-5``, a "never" sentinel) are unread: refused with the others."""
    import numpy as np
    import pandas as pd

    def day(text: str) -> Any:
        try:
            read = datetime.date.fromisoformat(text)
        except ValueError:
            return pd.NaT
        return pd.Timestamp(read) if _FIRST_DAY <= read <= _LAST_DAY else pd.NaT

    text = series[weekly].astype(str).str.strip()
    days = {value: day(value) for value in text.unique()}
    values = np.full(len(series), np.datetime64("NaT"), dtype="datetime64[ns]")
    values[weekly] = pd.to_datetime(text.map(days)).to_numpy(dtype="datetime64[ns]")
    if len(rest):
        values[~weekly] = rest.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    # a week date holds no offset: UTC, as any time without one
    return pd.Series(values, index=series.index, name=series.name).dt.tz_localize("UTC")


def zone_hint(examples: list[Any]) -> str:
    """Why times such as ``2024-02-29 19:04:22 EST`` (among ``examples``, values refused as times)
    are refused, when one holds a zone name pandas cannot read; else ``""``."""
    import warnings

    import pandas as pd

    for value in examples:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", FutureWarning)
            try:
                pd.to_datetime(str(value), utc=True)
                said = [str(note.message) for note in caught]
            except (ValueError, OverflowError) as exc:  # pandas 3 raises what pandas 2 warned
                said = [str(exc)]
        found = next((m for m in map(_UNREAD_ZONE.search, said) if m), None)
        if found is not None:
            return (f" (the time zone name {found[2]!r} in {value!r} is not read: pandas would drop it and read "
                    "the time as UTC; write the UTC offset instead, e.g. 2024-03-01T10:00:00-05:00, or UTC times)")
    return ""


def date_order(series: pd.Series) -> tuple[bool, str, str]:
    """How dates such as ``03/02/2025`` (``/`` or ``.``) are written: ``(day_first, a day-first
    value, a month-first value)``. A first number above 12 is a day, a second one above 12 a day
    (month first); day first when some values say so and none says otherwise. pandas' mixed parsing
    reads each value month first where it can and day first where it must (pandas 2.3.3,
    ``to_datetime(format="mixed")``), so ``13/02/2025`` and ``03/02/2025`` became Feb 13 and
    Mar 2: the rows silently out of order. When no value says which, the rows' order may: an
    export is written in time order, so the reading under which the rows are in order (rising or
    falling) while the other reads them out of order at least three times and ten times as often
    is taken (a European export of the first twelve days of every month, in order, was read as
    January 1st, February 1st, … December 1st, January 2nd …). Otherwise dates written with dots
    (``05.01.2024``) are read day first, the convention wherever dots are written (pandas read a
    German export of January's first ten days as May 1st …: 275 windows, 260 of them empty), and
    dates written with slashes month first, as before (the United States' convention; the same
    dates written day first with slashes are read wrongly then, :func:`undecided_dates` says so:
    write ISO 8601, or name the format, ``data.time_format`` / ``ctloop backtest --time-format``,
    which skips this guess)."""
    return _date_order(series)[:3]


def undecided_dates(series: pd.Series) -> str:
    """A value of ``series`` that reads as two different dates (``03/05/2024``) when nothing in the
    data says which number is the day (:func:`date_order` took the separator's convention), else
    ``""``."""
    said = _date_order(series)[3]
    return "" if said.startswith("order:") else said


def _warn_undecided(name: str, said: str, reads_day_first: bool,
                    setting: str = TIME_FORMAT_SETTING) -> None:
    """The warning of dates no value decides (:func:`_date_order`'s fourth item: the example, or
    ``order:<example>`` when the rows' order decided against the separator's convention)."""
    import warnings

    by_order, value = said.startswith("order:"), said.removeprefix("order:")
    read = "day first" if reads_day_first else "month first"
    sep = "." if "." in value and "/" not in value else "/"
    other = f"'%m{sep}%d{sep}%Y'" if reads_day_first else f"'%d{sep}%m{sep}%Y'"
    why = ("the rows are in time order only that way" if by_order else
           f"the rows' order does not say either, and dates written with {'dots' if sep == '.' else 'slashes'} "
           "usually are")
    warnings.warn(f"column {name!r}: no date says which number is the day ({value!r} reads both ways): read "
                  f"{read}, as {why}; if that is wrong, name the format: {setting}, e.g. {other}", UserWarning,
                  stacklevel=4)


def _date_order(series: pd.Series) -> tuple[bool, str, str, str]:
    import numpy as np
    import pandas as pd

    if series.dtype != object and not pd.api.types.is_string_dtype(series):
        return False, "", "", ""
    text = series.dropna().astype(str)
    parts = text.str.extract(r"^\s*(\d{1,2})([/.])(\d{1,2})[/.](\d{2,4})(?:\D|$)")
    first, second = pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[2], errors="coerce")
    day_first, month_first = text[first > 12], text[second > 12]
    a = day_first.iloc[0] if len(day_first) else ""
    b = month_first.iloc[0] if len(month_first) else ""
    dotted = bool((parts[1] == ".").any()) and not (parts[1] == "/").any()
    conventional = (bool(a) or dotted) and not b
    if a or b:
        return conventional, a, b, ""
    differs = first.notna() & (first != second)
    if not differs.any():
        return conventional, a, b, ""  # every date reads the same either way (01/01, 02/02, …)
    rows = first.notna().to_numpy()
    year = pd.to_numeric(parts[3], errors="coerce").to_numpy()[rows]
    d1, d2 = first.to_numpy()[rows], second.to_numpy()[rows]
    disorder = []
    for key in (year * 10_000 + d2 * 100 + d1, year * 10_000 + d1 * 100 + d2):  # day first, month first
        steps = np.diff(key)
        disorder.append(int(min((steps < 0).sum(), (steps > 0).sum())))  # rising or falling order
    by_day, by_month = disorder
    example = str(text[differs].iloc[0])
    for day_first, mine, other in ((True, by_day, by_month), (False, by_month, by_day)):
        if mine * 10 < other and other >= 3:
            # against the convention, said (a file grouped by day of month can be in order the other way)
            return day_first, a, b, f"order:{example}" if day_first != conventional else ""
    return conventional, a, b, example


# serial day numbers of 1950-01-01 and 2100-12-31 in spreadsheets' 1900 date system (day 0 is 1899-12-30)
EXCEL_DAYS = (18264, 73415)
# Python's proleptic ordinal day numbers (date.toordinal(), day 1 is 0001-01-01) of 1950-01-01 and
# 2100-12-31, and of 1970-01-01 (what to subtract to count days since 1970)
ORDINAL_DAYS, ORDINAL_1970 = (711858, 767009), 719163
# MATLAB's datenum counts from 0000-01-01, 366 days (year 0, a leap year) before Python's ordinal: 719529 is 1970-01-01
DATENUM_1970 = ORDINAL_1970 + 366
# days since 1970-01-01 (R's Date, Arrow's date32, Spark's DateType) of 2100-12-31: below it a spreadsheet's
# serial date (1950 to 2030 there) reads as one of these as well
EPOCH_DAYS_2100 = 47846


def number_times(series: pd.Series, name: str, *, time_column: bool = True) -> str:
    """Why the numbers of ``series`` (column ``name``, declared or read as times) are no times, and what
    to do: epoch numbers in unknown units would silently become 1970 dates. Whole numbers reading as
    years or ``yyyymmdd`` dates are told their format, ``data.time_format``, in the ``time_column``
    (the only column it applies to); Unix times in seconds, milliseconds or microseconds (1973 to 2286)
    the conversion; another column's numbers are to be converted before loading."""
    numbers = series.dropna()
    examples = [str(v) for v in numbers.unique()[:3]]
    suggested = ""  # whole numbers that read as years or yyyymmdd dates (pandas' years 1678 to 2261)
    if bool((numbers % 1 == 0).all()):
        suggested = next((f for f, lo, hi in (("%Y", 1678, 2261), ("%Y%m%d", 16780101, 22611231))
                          if lo <= numbers.min() and numbers.max() <= hi), "")
    epoch = "" if suggested else next(  # Unix times of 1973 to 2286 in seconds, milliseconds, microseconds
        (unit for unit, scale in (("s", 1), ("ms", 1e3), ("us", 1e6)) if 1e8 * scale <= numbers.min()
         and numbers.max() < 1e10 * scale), "")
    unit = dict(s="seconds", ms="milliseconds", us="microseconds").get(epoch, "")
    days = ""  # day numbers: a spreadsheet's serial dates (days since 1899-12-30: Excel, Google Sheets, LibreOffice), 1950 to 2100
    if not (suggested or epoch) and EXCEL_DAYS[0] <= numbers.min() and numbers.max() <= EXCEL_DAYS[1]:
        import pandas as pd

        first = numbers.iloc[0]
        days = (f"; they look like spreadsheet serial dates (days since 1899-12-30: {str(first)!r} is "
                 f"{pd.Timestamp('1899-12-30') + pd.to_timedelta(float(first), unit='D'):%Y-%m-%d %H:%M}): convert "
                 f"them, e.g. pandas.to_datetime(frame[{name!r}], unit='D', origin='1899-12-30'), or export the dates "
                 "as text (ISO 8601)")
        if numbers.max() <= EPOCH_DAYS_2100:  # as many days since 1970 (R, Arrow, Spark) too: both readings said
            days += (f"; or, if they count days since 1970-01-01 (R's Date, Arrow's date32: {str(first)!r} is "
                     f"{pd.Timestamp('1970-01-01') + pd.to_timedelta(float(first), unit='D'):%Y-%m-%d %H:%M}), "
                     f"pandas.to_datetime(frame[{name!r}], unit='D')")
    in_band = ORDINAL_DAYS[0] <= numbers.min() and numbers.max() <= ORDINAL_DAYS[1]
    if not (suggested or epoch or days) and in_band and not bool((numbers % 1 == 0).all()):
        import pandas as pd

        # fractions in that band: MATLAB's date-times (datenum(now)); Python's ordinals are whole days
        first = numbers.iloc[0]
        days = (f"; they look like MATLAB datenums (days since 0000-01-01: {str(first)!r} is "
                f"{pd.Timestamp('1970-01-01') + pd.to_timedelta(float(first) - DATENUM_1970, unit='D'):%Y-%m-%d %H:%M}): "
                f"convert them, e.g. pandas.to_datetime(frame[{name!r}] - {DATENUM_1970}, unit='D'), or write the "
                "dates as text (ISO 8601)")
    if not (suggested or epoch or days) and bool((numbers % 1 == 0).all()) and in_band:
        import datetime

        first = numbers.iloc[0]
        days = (f"; they look like day numbers counted from 0001-01-01 (Python's date.toordinal(): "
                 f"{str(int(first))!r} is {datetime.date.fromordinal(int(first)).isoformat()}): convert them, e.g. "
                 f"pandas.to_datetime(frame[{name!r}] - {ORDINAL_1970}, unit='D'), or write the dates as text "
                 f"(ISO 8601); or, if they are MATLAB datenums (day 1 is 0000-01-01: {str(int(first))!r} is "
                 f"{datetime.date.fromordinal(int(first) - 366).isoformat()}), subtract {DATENUM_1970} instead")
    if time_column:
        return (f"expected datetime, got numbers like {examples}: write ISO 8601 times (e.g. 2025-01-31T12:00:00Z)"
                + (f" or name their format: {TIME_FORMAT_SETTING}, e.g. {suggested!r}" if suggested else "")
                + (f"; they look like Unix times in {unit}: convert them, e.g. pandas.to_datetime(frame[{name!r}], "
                   f"unit={epoch!r}, utc=True)" if epoch else "") + days)
    how = (f"; they look like Unix times in {unit}, e.g. pandas.to_datetime(frame[{name!r}], unit={epoch!r}, utc=True)"
           if epoch else f"; they look like dates written {suggested!r}: convert them with that format" if suggested
           else days or ", or write ISO 8601 times (e.g. 2025-01-31T12:00:00Z)")
    return (f"expected datetime, got numbers like {examples}: numbers are no times (pandas would read them as "
            f"nanoseconds since 1970): convert them to times before loading{how}")


def parse_times(series: pd.Series, name: str, fmt: str = "") -> pd.Series:
    """The event-time column ``name`` as naive UTC times (the one reading the prepare core and
    the backtest share). Different offsets, or none (UTC), become one UTC column; nulls stay NaT.
    ``fmt`` (``data.time_format``): the strftime format the text is written in, read exactly
    (``pd.to_datetime(format=fmt)``) instead of inferred by :func:`date_order`. Refused with
    :class:`DataValidationError` naming the column: all null, numbers (epoch numbers in unknown
    units would silently become 1970 dates), or values that are not times (a few are shown), or
    with ``fmt`` values written otherwise (the format and a few of them are shown)."""
    import pandas as pd

    from ctloop.timeutil import time_format_problem

    problem = time_format_problem(fmt) if fmt else None
    if problem:
        raise ConfigError(f"time format {fmt!r}: {problem}")
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        # pandas' own text for a missing time (``astype(str)`` of NaT; read_csv keeps it as text): a null
        series = series.mask(series.astype("string").str.strip() == "NaT")
    if series.isna().all():
        raise DataValidationError([(name, "all_null", len(series), "the time column has no values")])
    if not fmt and pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_datetime64_any_dtype(series):
        raise DataValidationError([(name, "dtype", int(series.notna().sum()), number_times(series, name))])
    _, day_first, month_first = date_order(series) if not fmt else (False, "", "")
    if day_first and month_first:
        raise DataValidationError([(name, "date_order", len(series.dropna()),
                                    f"dates written day first (like {day_first!r}) and month first (like "
                                    f"{month_first!r}): write ISO 8601 times (e.g. 2025-01-31T12:00:00Z) or "
                                    f"name the format: {TIME_FORMAT_SETTING}, e.g. '%d/%m/%Y'")])
    out, bad, examples = coerce(series, "datetime", fmt, name=name)
    if bad and fmt:
        raise DataValidationError([(name, "time_format", bad, f"values like {examples} do not match the time "
                                    f"format {fmt!r} (data.time_format, --time-format){_out_of_range(examples, fmt)}")])
    if bad:
        # the year of '9999-12-31', '9999-W52-5' and its basic form '9999W525'
        years = [int(m.group(1)) for m in (re.match(r"\s*(\d{4})(?:-|W\d)", str(v)) for v in examples) if m]
        hint = " (times hold years 1678 to 2261 only: a sentinel such as 9999-12-31? drop those rows)" \
            if any(y < 1678 or y > 2261 for y in years) else ""  # pandas' nanosecond range
        hint = hint or zone_hint(examples)
        raise DataValidationError([(name, "dtype", bad, f"expected datetime, got values like {examples}{hint}")])
    if out.dtype != "datetime64[ns]":  # a Parquet timestamp[ms/us/s] (pandas 2 keeps its unit) holds 9999-12-31,
        # which every shift of the time column by a Timedelta (window, split, recency) overflows on; only the time
        # column: another datetime column's 9999-12-31 (an open-ended 'valid_to') is a value like any other
        beyond = (out < pd.Timestamp.min) | (out > pd.Timestamp.max)
        if beyond.any():
            shown = [str(v) for v in pd.unique(series[beyond])[:3]]
            raise DataValidationError([(name, "range", int(beyond.sum()), f"times outside pandas' range 1677-2262 "
                                        f"(like {shown}; a sentinel such as 9999-12-31?): drop those rows or write "
                                        "a null time (such rows are dropped and counted)")])
    return out


def _format_text(series: pd.Series, fmt: str) -> pd.Series:
    """The text ``fmt`` reads: numbers (``20240503`` under ``%Y%m%d``: an int column of a Parquet
    file, a CSV read as numbers) as their digits, whole floats (a null made the column float)
    without ``.0``, and zero-padded to the width the format writes when it writes digits only
    (``%d%m%Y``: ``1052024`` is ``01052024``; pandas would read it as 10 May ...); text as it is."""
    import pandas as pd

    from ctloop.timeutil import TIME_FORMAT_SAMPLE

    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series
    whole = series.dropna()
    if not (len(whole) and (whole % 1 == 0).all()):
        return series.astype(object).where(series.isna(), series.astype(str))
    text = series.astype("Int64").astype("string")
    written = pd.Timestamp(TIME_FORMAT_SAMPLE).strftime(fmt)
    if written.isdigit():
        text = text.str.zfill(len(written))
    return text.astype(object).where(series.notna(), None)


def _out_of_range(examples: list[Any], fmt: str) -> str:
    """A hint when a value written in ``fmt`` failed only for its year: pandas' times hold the years
    1678 to 2261 (nanoseconds), so a sentinel such as ``31/12/9999`` is no time to pandas."""
    from datetime import datetime

    for value in examples:
        try:
            year = datetime.strptime(str(value), fmt).year
        except ValueError:
            continue
        if year < 1678 or year > 2261:
            return " (times hold years 1678 to 2261 only: a sentinel such as 9999-12-31? drop those rows)"
    return ""


def _number_key(value: Any) -> Any:
    """A number as an ``allowed`` list compares it: a whole number as an int (``1.0`` is ``1``,
    an int held exactly, and so is a whole float16/float32: ``8208`` in 16 bits is ``8208``, not its
    shortest text ``8.21e+03``), a fraction in a float16/float32 (a Parquet float column of 16 or 32
    bits) as written (``0.1``, not ``0.10000000149011612``, as ``storage._number_value`` reads it);
    anything else (text, true/false) as it is."""
    import numpy as np

    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    number = float(value)
    if number.is_integer():
        return int(number)
    return float(str(value)) if isinstance(value, np.float32 | np.float16) else number


def _narrow_width(series: pd.Series) -> Any:
    """The NumPy float type of ``series`` when it is a 16- or 32-bit float column (NumPy, nullable
    ``Float32`` or Arrow-backed), else None."""
    import numpy as np

    kind = getattr(series.dtype, "numpy_dtype", series.dtype)
    if not isinstance(kind, np.dtype):
        return None
    return kind if kind.kind == "f" and kind.itemsize < 8 else None


def _at_width(key: Any, width: Any) -> Any:
    """An ``allowed`` number as a column of ``width`` (float16/float32) holds it, as :func:`_number_key`
    reads it back: ``8210`` in 16 bits is stored as 8208, so it matches the 8208 such a column holds
    (the column cannot tell them apart); ``0.1`` stays ``0.1``. Text and true/false as they are."""
    import numpy as np

    if width is None or isinstance(key, bool) or not isinstance(key, int | float):
        return key
    try:
        with np.errstate(over="ignore"):
            return _number_key(width.type(key))
    except OverflowError:  # an int past float's range: no value of the column
        return key


def _allowed_key(value: Any, width: Any = None) -> Any:
    """An ``allowed`` entry as a column of numbers compares it: a number, or text that is one
    (``"1.0"``, ``" 2 "``: by value, as :func:`_number_key`), at the column's ``width`` when it is a
    float16/float32 column (:func:`_at_width`); other text and true/false as they are."""
    return _at_width(_allowed_number(value), width)


def _allowed_number(value: Any) -> Any:
    import math

    if isinstance(value, str):
        text = value.strip()
        if text and "_" not in text:
            try:
                return int(text)  # exact, beyond float's 2**53
            except ValueError:
                pass
            try:
                number = float(text)
            except ValueError:
                return value
            if math.isfinite(number):
                return _number_key(number)
        return value
    return _number_key(value)


_TRUE_WORDS, _FALSE_WORDS = {"true", "yes", "on"}, {"false", "no", "off"}


def _is_bool(series: pd.Series) -> bool:
    """Whether ``series`` (no gaps) holds true/false values only (bool dtype, or object booleans)."""
    import numpy as np
    import pandas as pd

    return pd.api.types.is_bool_dtype(series) or (
        series.dtype == object and len(series) > 0 and all(isinstance(v, bool | np.bool_) for v in series.unique()))


def _bool_key(value: Any) -> Any:
    """An ``allowed`` entry as a true/false column compares it: True/False, or a word that is one
    (YAML 1.1's yes/no/on/off, true/false in any case); anything else as it is."""
    import numpy as np

    if isinstance(value, bool | np.bool_):
        return bool(value)
    word = str(value).strip().lower()
    return True if word in _TRUE_WORDS else False if word in _FALSE_WORDS else value


def _number_keys(series: pd.Series) -> pd.Series | None:
    """``series`` (no gaps) of numbers as :func:`_number_key` compares them, as text; None when
    it does not hold numbers (text, true/false, times)."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return None
    width = _narrow_width(series)
    if width is not None:  # value by value at its width (pandas has no float16 index: series.map failed on it)
        values, codes = np.unique(series.to_numpy(dtype=width), return_inverse=True)
        keys = np.array([str(_number_key(v)) for v in values], dtype=object)
        return pd.Series(keys[codes.reshape(-1)], index=series.index)
    keys = {v: str(_number_key(v)) for v in series.unique()}  # as text: a map to numbers is float64 again
    return series.map(keys)


def validate(frame: pd.DataFrame, contract: DataContract, formats: dict[str, str] | None = None) -> pd.DataFrame:
    """Check ``frame`` against ``contract``; return it coerced to the declared dtypes. ``formats``:
    the strftime format of a datetime column's text by column: the time column's ``data.time_format``,
    ``""`` when inferred (the column it names is the time column: its numbers are told what
    :func:`parse_times` tells them, another datetime column's to be converted before loading).

    Every broken rule is collected and raised at once as :class:`DataValidationError`
    ``(column, rule, rows, detail)``.
    """
    from ctloop.storage import TABLE_FORMAT

    violations: list[tuple[str, str, int, str]] = []
    n = len(frame)
    repeated_names(list(frame.columns))  # frame[name] would be a frame, not a column: a header's problem
    if n < contract.min_rows:
        violations.append(("*", "min_rows", n, f"{n} row(s), the contract requires at least {contract.min_rows}"))
    out = frame.copy(deep=False)  # a coerced column replaces its own in out; frame's columns are not written to
    for rule in contract.columns:
        if rule.name not in out.columns:
            if rule.required:
                violations.append((rule.name, "required", n, missing_column(rule.name, frame.columns,
                                                                            frame.attrs.get(TABLE_FORMAT))))
            continue
        col = out[rule.name]
        nested = nested_values(col)
        if nested:  # a Parquet list or struct column: unhashable, the rules below raised a raw TypeError
            violations.append((rule.name, "dtype", nested[0], f"nested values ({type(nested[1]).__name__}; e.g. "
                               f"{shown_value(nested[1])}): a column needs one text or number per row"))
            continue
        nulls = int(col.isna().sum())
        if n and nulls == n:
            violations.append((rule.name, "all_null", n, "every value is null"))
            continue
        if n and nulls / n > rule.max_null_fraction:
            violations.append((rule.name, "max_null_fraction", nulls,
                               f"null fraction {nulls / n:.3f} exceeds {rule.max_null_fraction}"))
        if rule.dtype:
            timed = rule.name in (formats or {})  # the time column: data.time_format; another, its rule's format
            fmt = ((formats or {}).get(rule.name) or (rule.format if not timed else "")) if rule.dtype == "datetime" else ""
            col, bad, examples = coerce(col, rule.dtype, fmt, name=rule.name, setting=TIME_FORMAT_SETTING
                                        if timed else f"contract.columns.{rule.name}.format")
            if bad:
                expected = f"{rule.dtype} in the format {fmt!r}" if fmt else rule.dtype
                hint = zone_hint(examples) if rule.dtype == "datetime" and not fmt else ""
                if rule.dtype in ("int", "float", "number") and examples and all(
                        isinstance(v, str) and re.fullmatch(COMMA_NUMBER, v.strip()) for v in examples):
                    hint = (": numbers written with a decimal comma or thousands separators; write plain numbers "
                            "('.' decimals, no separators) or Parquet")
                if rule.dtype == "datetime" and not fmt and _holds_numbers(out[rule.name]):
                    # the time column's numbers as parse_times words them; another column's are converted before
                    # loading (data.time_format applies to the time column only)
                    violations.append((rule.name, "dtype", bad, number_times(
                        out[rule.name], rule.name, time_column=rule.name in (formats or {}))))
                    continue
                violations.append((rule.name, "dtype", bad, f"expected {expected}, got values like {examples}{hint}"))
                continue
            if col is not out[rule.name]:  # a column set again splits its block: a copy of the others
                out[rule.name] = col
        if rule.min is not None or rule.max is not None:
            import pandas as pd

            if pd.api.types.is_datetime64_any_dtype(col) or isinstance(col.dtype, pd.PeriodDtype):
                violations.append((rule.name, "min" if rule.min is not None else "max", int(col.notna().sum()),
                                   "min/max apply to numbers, not to times (they compared nanoseconds since 1970)"))
                continue
            num = pd.to_numeric(col, errors="coerce")
            text = col.notna() & num.isna()
            if text.any():  # not a number: no bound can be checked
                violations.append((rule.name, "min" if rule.min is not None else "max", int(text.sum()),
                                   f"min/max apply to numbers, got values like {col[text].unique()[:3].tolist()}"))
                continue
            if rule.min is not None:
                below = int((num < rule.min).sum())
                if below:
                    violations.append((rule.name, "min", below, f"values below {rule.min} (smallest {num.min()})"))
            if rule.max is not None:
                above = int((num > rule.max).sum())
                if above:
                    violations.append((rule.name, "max", above, f"values above {rule.max} (largest {num.max()})"))
        if rule.allowed is not None:
            allowed = {str(a) for a in rule.allowed}
            present = col.dropna()
            numbers = _number_keys(present)
            if numbers is not None:  # by value: 1 is 1.0 (an int column with a gap reads as float64)
                width = _narrow_width(present)  # float16/float32: each allowed number as that column holds it
                present = numbers
                allowed = {str(_allowed_key(a, width)) for a in rule.allowed}
            elif _is_bool(present):  # a true/false column: yes/no/on/off/true/false in any case
                allowed = {str(_bool_key(a)) for a in rule.allowed}
            else:  # text: true/false (JSON true, YAML's word true as the spec keeps it) as true and True
                words = {str(a).lower() for a in rule.allowed if isinstance(a, bool)} | (
                    allowed & {"true", "false"})
                allowed |= words | {w.capitalize() for w in words}
            present = present.astype(str)
            unseen_mask = ~present.isin(allowed)
            unseen = int(unseen_mask.sum())
            if unseen:
                examples = sorted(present[unseen_mask].unique())[:5]
                violations.append((rule.name, "allowed", unseen, f"unseen categories {examples}; allowed {sorted(allowed)}"))
    if violations:
        raise DataValidationError(violations)
    return out




def written(text: str) -> str:
    """``text`` as a class is written, whatever its Unicode form: without surrounding spaces and in
    NFC ('é' as one character; NFD, as macOS file names and some exports write it, has 'e' and an
    accent as a character of its own)."""
    import unicodedata

    return unicodedata.normalize("NFC", text.strip())


def forms_note(values: list[str]) -> str:
    """Why ``values`` (one text in two Unicode forms: :func:`written` alike) print alike, for a
    message: an accent as a character of its own or not (NFD and NFC), or a character Unicode holds
    the same as another (``'\u2126'`` OHM SIGN for ``'\u03a9'`` GREEK CAPITAL LETTER OMEGA, the
    Kelvin sign for ``'K'``), named."""
    import unicodedata

    if any(unicodedata.combining(c) for v in values for c in unicodedata.normalize("NFD", v)):
        return "the same text in two Unicode forms, an accent as a character of its own or not"
    signs = {c: unicodedata.normalize("NFC", c) for v in values for c in v if unicodedata.normalize("NFC", c) != c}
    named = ", ".join(f"{ascii(c)} ({unicodedata.name(c, '?')}) for {ascii(n)} ({unicodedata.name(n, '?')})"
                      for c, n in list(signs.items())[:2] if len(n) == 1)
    return "the same text in two Unicode forms" + (f", {named}" if named else "")


# A text column with a different value in every row is an ID, not a feature, from this many rows on
# (fewer rows may be all-distinct by chance). The one-hot encoder keeps only values seen at least
# ONE_HOT_MIN_FREQUENCY times, so a model learns nothing from such a column; each of its values is new
# in any later rows, so it drifts in every window.
ID_COLUMN_MIN_ROWS = 100
ID_SAID = "a different value in every row (an ID?)"  # how the fit's note and the drift notes name it
# what the fit adds for whole numbers written as text: an order number, or an amount (final review M4)
DIGITS_SAID = " (or, if its whole numbers are amounts stored as text, convert the column to numbers)"


def digits_only(values: Any) -> bool:
    """Whether every value of ``values`` (missing ones left out) is a whole number written in digits ('000123')."""
    import pandas as pd

    texts = pd.Series(values, dtype=object).dropna()
    return bool(len(texts)) and bool(texts.astype(str).str.strip().str.fullmatch(r"[+-]?\d+").all())


def id_like(distinct: int, rows: int, values: Any = ()) -> bool:
    """Whether a column of ``rows`` rows (missing ones counted: a half-empty comment column is no ID),
    ``distinct`` different values, is an ID (a sample id 'FNA-10331', a request id): a different value
    in every row, from :data:`ID_COLUMN_MIN_ROWS` rows on, unless its (distinct) ``values`` all read as
    numbers, plain or written ('70,41', '250 ml': :func:`_clearly_number`), not all of them whole numbers
    written in digits: a measurement stored as text, a float column read as categorical, is no ID; order
    numbers, '000123', an EAN are (review of the fixux merge H1: they lost every note).
    The one rule of the fit's note (``components/train``'s ``id_columns``), the drift engine's column
    warning and the backtest's window line (:attr:`ctloop.drift.engine.ColumnDrift.id_like`)."""
    if rows < ID_COLUMN_MIN_ROWS or distinct != rows:
        return False
    import pandas as pd

    texts = pd.Series(values, dtype=object)
    if not len(texts) or digits_only(texts):
        return True  # ids written in digits (or amounts: the fit's note says both, DIGITS_SAID)
    unread = texts[pd.to_numeric(texts, errors="coerce").isna()]
    return not all(_clearly_number(str(v).strip()) for v in unread)


def text_key(text: str) -> str:
    """The one key under which two spellings of ``text`` are the same class or column name to the fit
    (two spellings refused, ``train.core.check_labels``) and the gate (a champion's class or feature
    found in a holdout written another way): :func:`written` in any case (``'Café'``, ``'café '``,
    ``'cafe\u0301'`` alike)."""
    return written(text).casefold()


SPELLINGS_SHOWN = 5  # spellings of one value a warning names
SPELLINGS_RECORDED = 20  # groups of spellings of a column the profile records, and spellings of each group
SPELLINGS_COMPARED = 10_000  # a column's most frequent distinct values compared (an id-like column: not all)


def spelling_variants(frame: pd.DataFrame, columns: list[str]) -> dict[str, dict[str, Any]]:
    """The text values of ``frame``'s ``columns`` written several ways that are one value to a reader
    (:func:`text_key`: 'Yes', 'yes ', 'YES'), by column: ``groups``, each group of spellings, most
    frequent first (a CSV export's stray case or trailing space), at most :data:`SPELLINGS_RECORDED`
    groups of at most as many spellings; ``groups_found``, how many there are; ``values_compared`` of
    the column's ``values_distinct`` distinct values, its most frequent :data:`SPELLINGS_COMPARED` at
    most (an id-like text column of a million distinct values cost 3 s and recorded 500,000 groups,
    15 MB of profile, before; a value rarer than those is pooled with the infrequent ones by the
    encoder anyway). The one-hot encoder learns each spelling as a category of its own, each with a
    share of the rows, and a served request in another spelling as an unknown category;
    ``prepare_data`` warns naming column and spellings and records them in the profile
    (``spelling_variants``). A target written two ways is refused (``train.core.check_labels``)."""
    import pandas as pd

    out: dict[str, dict[str, Any]] = {}
    for name in columns:
        col = frame[name]
        if not (col.dtype == object or isinstance(col.dtype, pd.StringDtype | pd.CategoricalDtype)
                or (isinstance(col.dtype, pd.ArrowDtype) and pd.api.types.is_string_dtype(col.dtype))):
            continue
        counts = col.astype(object).value_counts(dropna=True)
        compared = counts.index[:SPELLINGS_COMPARED]
        groups: dict[str, list[str]] = {}
        for value in compared:  # most frequent first
            if isinstance(value, str):
                groups.setdefault(text_key(value), []).append(value)
        alike = [group for group in groups.values() if len(group) > 1]
        if alike:
            out[str(name)] = {"groups": [group[:SPELLINGS_RECORDED] for group in alike[:SPELLINGS_RECORDED]],
                              "groups_found": len(alike), "values_compared": len(compared),
                              "values_distinct": len(counts)}
    return out


def spelling_warning(variants: dict[str, dict[str, Any]]) -> str:
    """One line naming each column of :func:`spelling_variants` and its spellings."""
    parts = []
    for name, found in variants.items():
        groups = found["groups"]
        shown = "; ".join(", ".join(map(repr, group[:SPELLINGS_SHOWN])) + (" …" if len(group) > SPELLINGS_SHOWN else "")
                          for group in groups[:3])
        more = found["groups_found"] - len(groups[:3])
        among = (f" among its {found['values_compared']:,} most frequent of {found['values_distinct']:,} values"
                 if found["values_compared"] < found["values_distinct"] else "")
        parts.append(f"column {name!r} writes one value several ways ({shown}{f'; {more:,} more' if more else ''})"
                     f"{among}")
    return ("; ".join(parts) + ": each spelling is learned as a category of its own, and a request in another "
            "spelling is an unknown category; clean the source (strip spaces, one case)")


def blank_labels(y: pd.Series) -> Any:
    """The cells of a target ``y`` that are blank text (``""``, spaces: rows not labelled yet, as a
    spreadsheet or a Parquet string column writes them), as a boolean array: missing labels, left out
    like nulls by ``prepare_data`` (counted in ``null_target_dropped``), the fit, the gate and the
    backtest, and refused like nulls by the label store."""
    import numpy as np
    import pandas as pd

    if not (y.dtype == object or pd.api.types.is_string_dtype(y) or isinstance(y.dtype, pd.CategoricalDtype)):
        return np.zeros(len(y), dtype=bool)
    text = y.astype(object) if isinstance(y.dtype, pd.CategoricalDtype) else y
    if pd.api.types.infer_dtype(text, skipna=True) in ("string", "empty"):  # all text: in C
        return text.str.strip().eq("").to_numpy(dtype=bool, na_value=False)
    return text.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)


__all__ = [
    "DTYPES", "row_said", "gaps_as_nan", "CONTRACT_KEYS", "COLUMN_KEYS", "ONE_HOT_MIN_FREQUENCY", "ONE_HOT_MAX_CATEGORIES", "COMMA_NUMBER_MIN_DISTINCT", "WRITTEN_NUMBER", "ColumnRule", "DataContract", "blank_labels", "check_finite", "drop_unnamed_columns", "check_integer_width", "check_numbers_as_text",
    "check_uniform_types", "coerce", "date_order", "forms_note", "spelling_variants", "spelling_warning", "nested_values", "parse_times", "shown_value", "text_key", "undecided_dates",
    "alike_names", "alike_words", "refuse_alike_names", "validate", "written", "written_numbers_note",
]

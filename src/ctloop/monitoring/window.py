"""A monitoring window as mergeable state: what ``monitor_model`` needs to judge a window, built
chunk by chunk in memory bounded by the champion's features and the labelled rows — never by
the logged rows.

:class:`WindowState` takes the rows of the log (deduplicated: :mod:`ctloop.inference_log.scan`,
or ``read_log``'s frame) in any number of chunks and keeps:

* counts: rows and served rows of the window, rows since the volume count starts
  (:attr:`WindowSpec.count_from`), rows and served rows of the label lookback;
* drift: the window's requested rows aligned to the champion's features (v1 positional
  ``f0..fN`` mapped by position, named and positional coalesced: :func:`align_columns`; text
  values of numeric reference columns as numbers, numbers of text ones as text:
  :func:`coerce_like`), summarised by
  :class:`ctloop.drift.streaming.DriftState`, and per feature the non-null count (a feature
  all missing in the window is left out, as the frame path does);
* realized metric: the served rows of the label lookback whose join key matches a label
  (:meth:`ctloop.labels.join.LabelIndex.matches`), kept as numbers: the key's 128-bit hash,
  instance, time, score columns, and ``model_version``/``revision`` as categories
  (:func:`ctloop.labels.join.candidate_rows`, ~42 bytes a row). Bounded by labelled rows; the
  join runs once on them (:meth:`WindowState.join`, :func:`ctloop.labels.join.join_candidates`).

``merge`` adds two states (any order: the result is the state of one pass over both);
``save``/``load`` write ``state.json`` and ``labelled.parquet`` into a directory, so KFP tasks
pass partial states as artifacts.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.columns import (
    HAS_REQUEST,
    HAS_RESPONSE,
    INSTANCE,
    MODEL_VERSION,
    PARSED_TIME,
    REQUEST_ID,
    REVISION,
    TIME,
)
from ctloop.errors import DriftError, InferenceLogError
from ctloop.storage import NumbersAsText

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ctloop.drift.streaming import DriftState
    from ctloop.labels.join import JoinResult, LabelIndex

STATE_FORMAT = "ctloop.monitoring.window"
STATE_VERSION = 8  # 2: a tied gate decile is a score bin of its own (more bins than version 1);
# 3: the score-bin spec names the deciles that are atoms, and logged scores rounded off one are read as it;
# 4: the spec names the text columns and their number-written values (numbers sent for text are matched);
# 5: the spec names the date/time columns, and a date feature's summary is of dates (logged text read as them);
# 6: the state counts the logged values of date/time features that are none (``unparsed``), and its drift
# state is of version 2 (date/time columns sketched as seconds);
# 7: its drift state is of version 3, and a reference column of Decimals is numeric (logged text read as numbers)
# 8: its drift state is of version 4 (numbers stored as objects, int64/float64 and Decimals counted as one pass does)
# a state file is removed when its save starts and written last: none is a save cut short
CUT_SHORT = ("it is missing: its save was cut short (the task was killed) or the directory was cleaned: re-run the "
             "monitoring run (its partitions are read again from the logs)")
_POSITIONAL = re.compile(r"^f(\d+)$")


# --------------------------------------------------------------------------- features
@dataclass
class FeatureAlignment:
    """Which logged columns stand for which champion feature."""

    columns: list[str]  # champion features available for drift, in the champion's order
    mapping: str  # "named", "positional", "named+positional" or "none"
    missing: list[str] = field(default_factory=list)
    warning: str = ""
    # of ``missing``: logged, with no value in the window's requests (said by the monitor as the backtest
    # says it, ctloop.unseen.empty_said; before round 58 named as "missing from the log")
    empty: list[str] = field(default_factory=list)


def _positional(columns: list[str], features: list[str]) -> list[tuple[int, str]] | None:
    """The ``f<i>`` columns when they are exactly ``f0..f(k-1)`` for the champion's k features."""
    positional = sorted((int(m.group(1)), c) for c in columns if (m := _POSITIONAL.match(str(c))))
    return positional if positional and [i for i, _ in positional] == list(range(len(features))) else None


def _sources(features: list[str]) -> dict[str, tuple[str, ...]]:
    """Per feature, the log columns that may hold it (:func:`ctloop.inference_log.events.feature_sources`)."""
    from ctloop.inference_log.events import feature_sources

    return {f: feature_sources(f) for f in features}


def align_columns(logged: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Logged rows with the champion's feature names, row by row (see :func:`align_features`)."""
    frame = logged.copy()
    for name, sources in _sources(features).items():
        if sources == (name,):  # stored under its own name
            continue
        held = [c for c in sources if c in frame.columns]
        if held:  # input_<name>, else (older rows) <name>
            value = frame[held[0]]
            for other in held[1:]:
                value = value.where(value.notna(), frame[other])
            frame[name] = value
        elif name in frame.columns:  # an identity column or the parsed time: not this feature
            frame[name] = None
    for i, col in _positional(list(frame.columns), features) or []:
        name = features[i]
        if name == col:
            continue
        frame[name] = frame[name].where(frame[name].notna(), frame[col]) if name in frame.columns else frame[col]
    return frame


def alignment(logged_columns: list[str], present: dict[str, int], features: list[str]) -> FeatureAlignment:
    """The alignment of a whole window from its logged columns and, per aligned feature, how many
    values were present (over every chunk)."""
    positional = [c for c in logged_columns if _POSITIONAL.match(str(c))]
    used_positional = _positional(logged_columns, features) is not None
    logged = set(logged_columns)
    named = [f for f, sources in _sources(features).items() if not logged.isdisjoint(sources)]
    available = [f for f in features if present.get(f, 0) > 0]
    missing = [f for f in features if f not in available]
    empty = [f for f in missing if f in present and (used_positional or f in named)]  # logged, no value
    absent = [f for f in missing if f not in empty]
    mapping = ("named+positional" if named and used_positional else "positional" if used_positional
               else "named" if named else "none")
    warning = ""
    if not available and not absent:
        warning = (f"drift not computed: none of the champion's {len(features)} feature(s) has a value in the "
                   "window's requests")
    elif not available:
        logged_cols = [str(c) for c in logged_columns if not str(c).startswith(("prediction", "meta_"))]
        hint = (f"; {len(positional)} positional columns f0..f{len(positional) - 1} do not match the champion's "
                f"{len(features)} features" if positional else "")
        warning = (f"drift not computed: no logged column matches the champion's features "
                   f"{features[:8]}{'…' if len(features) > 8 else ''} by name or position{hint} "
                   f"(logged columns: {logged_cols[:12]})")
    elif absent:
        warning = f"drift computed without {len(absent)} feature(s) missing from the log: {absent[:8]}"
    return FeatureAlignment(available, mapping, missing, warning, empty)


def present_counts(aligned: pd.DataFrame, features: list[str]) -> dict[str, int]:
    return {f: int(aligned[f].notna().sum()) for f in features if f in aligned.columns}


def align_features(logged: pd.DataFrame, features: list[str]) -> tuple[pd.DataFrame, FeatureAlignment]:
    """Give logged rows the champion's feature names.

    Rows logged from v1 *list* instances carry ``f0..f(k-1)`` in the model's feature order (the
    order the serving runtime reads them in, ``features`` of the model metadata); they are
    renamed to ``features[i]`` when the champion has exactly k features. Rows logged by name keep
    their columns; a frame with both (clients of both kinds) is coalesced. Neither → a warning.
    A feature the sink stores as ``input_<name>`` (named like a prediction, ``meta_*``, ``date``,
    an identity column: :func:`ctloop.inference_log.events.feature_column`) is read from there,
    coalesced with ``<name>`` where older rows hold it
    (:func:`~ctloop.inference_log.events.feature_sources`); an identity column is never read as
    the feature of its name.
    """
    frame = align_columns(logged, features)
    return frame, alignment(list(logged.columns), present_counts(frame, features), features)


def numeric_columns(reference: pd.DataFrame) -> list[str]:
    """The reference's numeric columns (logged text values of these are read as numbers), objects of
    ``Decimal`` too (``pd.read_parquet`` of a Parquet ``decimal128``: :func:`ctloop.drift.engine.decimal_object`)."""
    import pandas as pd

    from ctloop.drift.engine import decimal_object

    return [c for c in reference.columns if pd.api.types.is_numeric_dtype(reference[c]) or decimal_object(reference[c])]


def temporal_columns(reference: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """The reference's date, time, datetime and timedelta columns with their dtype label
    (:func:`ctloop.drift.engine.series_dtype`: ``object (date)`` for a Parquet ``date32`` column as
    pandas reads it, ``datetime64[ns, UTC]``): logged text of these is read as their values
    (:func:`as_temporal`). ``WindowSpec.temporal``."""
    from ctloop.drift.engine import series_dtype, temporal_type

    labels = ((c, series_dtype(reference[c])) for c in reference.columns)
    return tuple((c, label) for c, label in labels if temporal_type(label) is not None)


def _iso_date(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for parse in (dt.date.fromisoformat, lambda t: dt.datetime.fromisoformat(t).date()):
            try:
                return parse(text)
            except ValueError:
                pass
    return None


def _iso_time(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, dt.time):
        return value
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, str):
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


@dataclass
class Unparsed:
    """Logged values of a date/time feature that are none (unparseable text, a number, a list),
    read as missing by :func:`as_temporal`, added up over the calls given it, with a first example."""

    kind: str = ""  # date, time, datetime, datetime (tz-aware) or timedelta
    values: int = 0
    example: str = ""

    def add(self, other: Unparsed) -> Unparsed:
        self.kind = self.kind or other.kind
        self.values += other.values
        self.example = self.example or other.example
        return self

    def note(self, column: str) -> str:
        """One line on ``column``: ``'d': 450 value(s) not a date read as missing (first: 'garbage')``."""
        return (f"{column!r}: {self.values:,} value(s) not a {self.kind or 'date/time'} read as missing"
                + (f" (first: {self.example})" if self.example else ""))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "values": self.values, "example": self.example}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Unparsed:
        return cls(str(data.get("kind", "")), int(data["values"]), str(data.get("example", "")))


def _example(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_temporal(series: pd.Series, label: str, unparsed: Unparsed | None = None) -> pd.Series:
    """Logged values of a date/time reference column (``label``: its dtype label,
    :func:`temporal_columns`) as that column's values: ISO text (what JSON carries) as
    ``datetime.date``/``datetime.time`` objects, datetimes (in the reference's time zone, or naive
    UTC against a naive reference) or timedeltas; unparseable values become missing, counted in
    ``unparsed``. Datetimes logged for a date/time column are read as their dates/times of day (as
    ISO text with a time is); a column of another temporal kind is left as it is (the engines refuse
    a real type change)."""
    import pandas as pd

    from ctloop.drift.engine import series_dtype, temporal_type

    kind = temporal_type(label)
    own = temporal_type(series_dtype(series))
    if kind in ("date", "time") and own in ("datetime", "datetime (tz-aware)"):
        pass  # datetimes: their dates (times of day) as the wall clock shows them, as ISO text with a time is read
    elif kind is None or own is not None:  # already temporal: the engine judges it (another kind: a real change)
        return series
    unparsed = unparsed if unparsed is not None else Unparsed()
    unparsed.kind = unparsed.kind or kind
    if kind in ("date", "time"):
        parse, seen = (_iso_date if kind == "date" else _iso_time), {}
        values = []
        for value, missing in zip(series.astype(object).tolist(), series.isna().tolist(), strict=True):
            if missing:
                values.append(None)
                continue
            try:
                if value not in seen:
                    seen[value] = parse(value)
                values.append(seen[value])
            except TypeError:  # unhashable (a list): not a date
                values.append(None)
            if values[-1] is None:
                unparsed.values += 1
                unparsed.example = unparsed.example or _example(value)
        return pd.Series(values, index=series.index, name=series.name, dtype=object)
    texts = series.where(series.map(lambda v: isinstance(v, str)), None).astype(object)
    if kind == "timedelta":
        parsed = pd.to_timedelta(texts, errors="coerce")
    else:
        parsed = pd.to_datetime(texts, errors="coerce", utc=True, format="ISO8601")
        tz = label.partition(", ")[2].split("]")[0].removeprefix("tz=") if kind == "datetime (tz-aware)" else ""
        parsed = parsed.dt.tz_convert(tz) if tz else parsed.dt.tz_localize(None)
    lost = series.notna().to_numpy() & parsed.isna().to_numpy()
    if lost.any():
        unparsed.values += int(lost.sum())
        unparsed.example = unparsed.example or _example(series[lost].iloc[0])
    return parsed


def text_columns(reference: pd.DataFrame) -> list[str]:
    """The reference's text columns (logged numbers of these are read as its text: :func:`as_text`)."""
    from ctloop.drift.engine import number_or_text

    return [c for c in reference.columns if number_or_text(reference[c]) == "text"]


def text_numbers(reference: pd.DataFrame) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per text column of the reference (:func:`text_columns`), its values written as decimal
    numbers ('3.0', '01', '7'): what a logged number of that column is matched against
    (:func:`as_text`); the other values never match one. ``WindowSpec.text_numbers``."""
    from ctloop.storage import number_categories

    out = []
    for column in text_columns(reference):
        values = reference[column].dropna().unique().tolist()
        out.append((column, tuple(sorted(t for texts in number_categories(values).values() for t in texts))))
    return tuple(out)


def as_text(series: pd.Series, categories: Iterable[object] | None = None,
            counts: NumbersAsText | None = None) -> pd.Series:
    """Numbers logged for a text reference column as text, by the serving runtime's rule
    (:func:`ctloop.storage.numbers_as_text`): the reference value of the same number when exactly
    one has it ('3.0' for 3, '01' for 1; ``categories``: the column's reference values, or those
    written as numbers), else its own text ('3'), counted in ``counts``."""
    from ctloop.storage import numbers_as_text

    return numbers_as_text(series, categories, counts)


def coerce_like(frame: pd.DataFrame, reference: pd.DataFrame | list[str], columns: list[str],
                text: list[str] | tuple[str, ...] = (), categories: Mapping[str, Iterable[object]] | None = None,
                counts: dict[str, NumbersAsText] | None = None,
                temporal: Mapping[str, str] | None = None,
                unparsed: dict[str, Unparsed] | None = None) -> pd.DataFrame:
    """Logged values of numeric reference columns as numbers (the sink writes a column whose
    type changed between events as strings; unparseable values become missing), logged text of
    date/time reference columns as their dates/times (:func:`as_temporal`; JSON carries a date as
    ``"2024-01-05"``; unparseable values become missing), and logged
    numbers of text reference columns as text (:func:`as_text`, against the reference's values).
    ``reference``: the reference frame, or its numeric columns (:func:`numeric_columns`) with its
    text columns in ``text`` (:func:`text_columns`), their values written as numbers in
    ``categories`` (:func:`text_numbers`) and its date/time columns' dtype labels in ``temporal``
    (:func:`temporal_columns`). ``counts`` (column → :class:`ctloop.storage.NumbersAsText`)
    adds up the numbers read as text, ``unparsed`` (column → :class:`Unparsed`) the values of
    date/time columns read as missing."""
    import pandas as pd

    if isinstance(reference, list):
        numeric, texts = set(reference), set(text)
        known = dict(categories or {})
        dated = dict(temporal or {})
    else:
        numeric, texts = set(numeric_columns(reference)), set(text_columns(reference))
        known = {c: reference[c].dropna().unique().tolist() for c in texts}
        dated = dict(temporal_columns(reference))
    out = frame.copy()
    for col in columns:
        if col not in out.columns:
            continue
        if col in dated:
            lost = Unparsed()
            out[col] = as_temporal(out[col], dated[col], lost)
            if unparsed is not None and lost.values:
                unparsed.setdefault(col, Unparsed()).add(lost)
        elif col in numeric and not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = pd.to_numeric(out[col], errors="coerce")
        elif col in texts:
            seen = NumbersAsText()
            out[col] = as_text(out[col], known.get(col, ()), seen)
            if counts is not None and seen.numbers:
                counts.setdefault(col, NumbersAsText()).add(seen)
    return out


# --------------------------------------------------------------------------- the state
def _ts(value: Any) -> pd.Timestamp | None:
    import pandas as pd

    return None if value is None else pd.Timestamp(value)


@dataclass(frozen=True)
class WindowSpec:
    """What a window's state collects; every partial state of one window has the same spec."""

    start: pd.Timestamp  # the window is (start, end]
    end: pd.Timestamp
    lookback_start: pd.Timestamp  # the realized metric uses rows after this
    read_from: pd.Timestamp  # rows before this are not read
    count_from: pd.Timestamp | None = None  # the volume counts rows after this (None: no count)
    features: tuple[str, ...] = ()  # the champion's features (empty: no drift)
    numeric: tuple[str, ...] = ()  # numeric reference columns (coerce_like)
    labelled: bool = False  # labels configured: keep the lookback's candidate rows
    keep: tuple[str, ...] = ()  # score columns kept with the labelled rows
    score_bins: tuple[float, ...] = ()  # gate deciles + their atom flags + class count: bin the served scores
    text: tuple[str, ...] = ()  # text reference columns (coerce_like)
    text_numbers: tuple[tuple[str, tuple[str, ...]], ...] = ()  # their values written as numbers (text_numbers)
    temporal: tuple[tuple[str, str], ...] = ()  # date/time reference columns and their dtype labels (coerce_like)

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "lookback_start": self.lookback_start.isoformat(), "read_from": self.read_from.isoformat(),
                "count_from": None if self.count_from is None else self.count_from.isoformat(),
                "features": list(self.features), "numeric": list(self.numeric), "labelled": self.labelled,
                "keep": list(self.keep), "score_bins": list(self.score_bins), "text": list(self.text),
                "text_numbers": {column: list(values) for column, values in self.text_numbers},
                "temporal": {column: label for column, label in self.temporal}}

    @classmethod
    def saved(cls, data: dict[str, Any]) -> WindowSpec:
        """The spec a saved state or plan holds as ``data["spec"]``; a key it lacks is a ``KeyError``
        naming it under ``spec`` (``spec.start``: before round 54 named as a top-level key)."""
        spec = data["spec"]
        try:
            return cls.from_dict(spec)
        except KeyError as exc:
            raise KeyError(f"spec.{exc.args[0]}") from exc

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WindowSpec:
        return cls(_ts(data["start"]), _ts(data["end"]), _ts(data["lookback_start"]), _ts(data["read_from"]),
                   _ts(data.get("count_from")), tuple(data.get("features", ())), tuple(data.get("numeric", ())),
                   bool(data.get("labelled")), tuple(data.get("keep", ())),
                   tuple(float(x) for x in data.get("score_bins", ())), tuple(data.get("text", ())),
                   tuple((str(k), tuple(v)) for k, v in (data.get("text_numbers") or {}).items()),
                   tuple((str(k), str(v)) for k, v in (data.get("temporal") or {}).items()))


COUNTS = ("rows", "served", "requested", "since", "lookback_rows", "lookback_served")


class WindowState:
    """The mergeable state of one window (module doc). ``labels`` is the label index the
    candidate rows are picked with (not part of the state: every task builds it from the store)."""

    def __init__(self, spec: WindowSpec, labels: LabelIndex | None = None):
        self.spec = spec
        self.labels = labels
        self.counts = dict.fromkeys(COUNTS, 0)
        self.present: dict[str, int] = {}
        self.log_columns: list[str] = []
        self.drift: DriftState | None = None
        self.labelled: list[pd.DataFrame] = []
        self.score_bins: list[int] | None = None  # served scores per gate-decile bin (spec.score_bins)
        self.consumed = False  # the labelled rows were dropped by join(consume=True)
        self.numbers_as_text: dict[str, NumbersAsText] = {}  # numbers logged for text features, by feature
        self.unparsed: dict[str, Unparsed] = {}  # logged values of date/time features that are none, by feature
        # the smallest logged key of the lookback's served rows while none has a label (what the join shows
        # when no label matched a logged key: a key written another way, "001" for "1"); not kept once one has
        self.least_key: str | None = None

    # ---- building
    def update(self, chunk: pd.DataFrame) -> WindowState:
        """Add deduplicated logged rows of ``(read_from, end]`` with ``_time`` (a chunk of
        :func:`ctloop.inference_log.scan.scan_window`, or ``read_log``'s whole frame). A chunk
        refused (its drift summary raises: a feature of another type than before) leaves the state
        as it was: every step that can raise runs before anything is counted."""
        from ctloop.drift.streaming import DriftState
        from ctloop.inference_log.reader import flag, served

        spec = self.spec
        logged = [c for c in dict.fromkeys(chunk.columns) if c not in self.log_columns and c != PARSED_TIME]
        if not len(chunk):
            self.log_columns.extend(logged)
            return self
        times = chunk[PARSED_TIME]
        current = chunk[times > spec.start]
        counts = dict.fromkeys(COUNTS, 0)
        counts["rows"] = len(current)
        counts["served"] = len(served(current))
        if spec.count_from is not None:
            counts["since"] = int((times > spec.count_from).sum())
        drift = None
        if spec.features:
            requested = current[flag(current[HAS_REQUEST])] if HAS_REQUEST in current.columns else current
            counts["requested"] = len(requested)
            drift = self._drift(requested)
        bins = None
        if spec.score_bins and len(current) and all(c in current.columns for c in spec.keep):
            from ctloop.monitoring.triggers import score_bins_of

            bins = score_bins_of(spec.score_bins, current[list(spec.keep)])
        candidates: tuple[pd.DataFrame | None, str | None] = (None, None)
        if spec.labelled:
            lookback = chunk[times > spec.lookback_start]
            ok = served(lookback)
            counts["lookback_rows"] = len(lookback)
            counts["lookback_served"] = len(ok)
            candidates = self._candidates(ok)
        if drift is not None:  # the last step that can refuse the chunk (DriftState.update changes nothing then)
            present, aligned, numbers_as_text, unparsed = drift
            state = self.drift if self.drift is not None else DriftState()
            state.update(aligned)
            self.drift = state
            for f, n in present.items():
                self.present[f] = self.present.get(f, 0) + n
            for column, seen in numbers_as_text.items():
                self.numbers_as_text.setdefault(column, NumbersAsText()).add(seen)
            for column, lost in unparsed.items():
                self.unparsed.setdefault(column, Unparsed()).add(lost)
        self.log_columns.extend(logged)
        for k, n in counts.items():
            self.counts[k] += n
        if bins is not None:
            self.score_bins = [a + int(b) for a, b in zip(self.score_bins or [0] * len(bins), bins, strict=True)]
        rows, least = candidates
        if rows is not None:
            self.labelled.append(rows)
        elif least is not None and not self.labelled:
            self.least_key = _least(self.least_key, least)
        return self

    def _drift(self, requested: pd.DataFrame) -> tuple[dict[str, int], pd.DataFrame, dict, dict] | None:
        """The requested rows' features aligned and coerced for the drift state, their non-null
        counts, and the numbers read as text and date/time values read as missing in them
        (counted by :meth:`update` once the chunk is taken)."""
        if not len(requested):
            return None
        features = list(self.spec.features)
        aligned = align_columns(requested, features)
        columns = [f for f in features if f in aligned.columns]
        if not columns:
            return None
        present = present_counts(aligned, columns)
        numbers_as_text: dict[str, NumbersAsText] = {}
        unparsed: dict[str, Unparsed] = {}
        aligned = coerce_like(aligned[columns], list(self.spec.numeric), columns, self.spec.text,
                              dict(self.spec.text_numbers), numbers_as_text, dict(self.spec.temporal), unparsed)
        return present, aligned.reset_index(drop=True), numbers_as_text, unparsed

    def _candidates(self, ok: pd.DataFrame) -> tuple[pd.DataFrame | None, str | None]:
        """The lookback's served rows whose key has a label (:meth:`update` keeps them), or, when
        none has, their smallest key (the note when no label matched)."""
        from ctloop.labels.join import candidate_rows, smallest_key
        from ctloop.labels.store import normalise_keys

        index = self.labels
        if index is None or index.key not in ok.columns or not len(ok):
            return None, None
        keys = normalise_keys(ok[index.key])  # once: for the candidates and, while none matched, the note
        rows = candidate_rows(ok, index, [PARSED_TIME, MODEL_VERSION, REVISION], list(self.spec.keep), keys)
        if len(rows):
            return rows, None
        return None, None if self.labelled else smallest_key(keys)

    # ---- combining
    def merge(self, other: WindowState) -> WindowState:
        """A new state of both parts (the same spec)."""
        if self.spec != other.spec:
            raise InferenceLogError("cannot merge the states of different windows (their specs differ): "
                                    f"{self.spec.to_dict()} vs {other.spec.to_dict()}")
        out = WindowState(self.spec, self.labels or other.labels)
        out.counts = {k: self.counts[k] + other.counts[k] for k in COUNTS}
        out.present = {f: self.present.get(f, 0) + other.present.get(f, 0)
                       for f in dict.fromkeys([*self.present, *other.present])}
        out.log_columns = list(dict.fromkeys([*self.log_columns, *other.log_columns]))
        out.drift = (self.drift.merge(other.drift) if self.drift is not None and other.drift is not None
                     else self.drift if self.drift is not None else other.drift)
        out.labelled = [*self.labelled, *other.labelled]
        out.least_key = _least(self.least_key, other.least_key)
        for part in (self, other):
            for column, counts in part.numbers_as_text.items():
                out.numbers_as_text.setdefault(column, NumbersAsText()).add(counts)
            for column, lost in part.unparsed.items():
                out.unparsed.setdefault(column, Unparsed()).add(lost)
        out.score_bins = (None if self.score_bins is None and other.score_bins is None else
                          [a + b for a, b in zip(self.score_bins or [0] * len(other.score_bins or []),
                                                 other.score_bins or [0] * len(self.score_bins or []), strict=True)])
        return out

    # ---- judging
    def alignment(self) -> FeatureAlignment:
        return alignment(self.log_columns, self.present, list(self.spec.features))

    def labelled_rows(self) -> pd.DataFrame:
        """The candidate rows (:func:`ctloop.labels.join.candidate_rows`) as one frame (kept as
        one from then on: the chunks are not held twice)."""
        import pandas as pd

        from ctloop.labels.join import concat_categories

        frames = [f for f in self.labelled if len(f)]
        if len(frames) > 1:
            frames = [concat_categories(frames)]
        self.labelled = frames
        return frames[0] if frames else pd.DataFrame()

    def join(self, labels: pd.DataFrame | LabelIndex | None, *, consume: bool = False) -> JoinResult:
        """:func:`ctloop.labels.join.join_labels` of the lookback's rows, from the candidates
        (``consume``: drop them once joined; the state cannot be joined or saved again)."""
        import pandas as pd

        from ctloop.labels.join import (
            JoinResult,
            LabelIndex,
            join_candidate_parts,
            label_index,
            unmatched_note,
        )

        if labels is None or (isinstance(labels, pd.DataFrame) and labels.empty):
            return JoinResult(pd.DataFrame({"label": pd.Series(dtype=float)}), problem="no labels")
        index = labels if isinstance(labels, LabelIndex) else label_index(labels)
        served_rows = self.counts["lookback_served"]
        parts = self.labelled if consume else list(self.labelled)  # joined chunk by chunk: never concatenated
        matched = any(len(part) for part in parts)
        if consume:
            self.labelled, self.consumed = [], True
        result = join_candidate_parts(parts, index, unserved=self.counts["lookback_rows"] - served_rows,
                                      served_rows=served_rows, log_columns=self.log_columns, release=consume)
        if not matched and not result.problem and len(index):  # what join_labels says of the same rows
            result.notes.append(unmatched_note(index.key, len(index.hashes), index.example, self.least_key))
        return result

    # ---- serialising
    def to_dict(self) -> dict[str, Any]:
        return {"format": STATE_FORMAT, "version": STATE_VERSION, "spec": self.spec.to_dict(),
                "counts": dict(self.counts), "present": dict(self.present), "log_columns": list(self.log_columns),
                "drift": None if self.drift is None else self.drift.to_dict(), "score_bins": self.score_bins,
                "numbers_as_text": {c: n.to_dict() for c, n in self.numbers_as_text.items()},
                "unparsed": {c: n.to_dict() for c, n in self.unparsed.items()},
                "least_key": self.least_key}

    def save(self, directory: str) -> None:
        """``state.json`` and, when there are labelled rows, ``labelled.parquet`` in ``directory``."""
        if self.consumed:
            raise InferenceLogError("this window state's labelled rows were consumed by its join: save it before "
                                    "judging it with consume=True")
        os.makedirs(directory, exist_ok=True)
        rows = self.labelled_rows()
        _drop_stale(directory, "state.json")  # written last: a save cut short leaves no state to load
        _drop_stale(directory, "labelled.parquet")  # an earlier save's rows (a reused directory) are not these
        files = _write_rows(rows, directory, "labelled") if len(rows) else 0
        with open(os.path.join(directory, "state.json"), "w") as f:
            json.dump({**self.to_dict(), "labelled_saved": [files, len(rows)]}, f)

    @classmethod
    def load(cls, directory: str, labels: LabelIndex | None = None) -> WindowState:
        from ctloop.drift.streaming import DriftState

        path = os.path.join(directory, "state.json")
        try:
            with open(path) as f:
                data = json.load(f)
        except FileNotFoundError as exc:  # removed when a save starts, written last
            raise InferenceLogError(f"cannot read the window state {path}: {CUT_SHORT}") from exc
        except (OSError, ValueError) as exc:
            raise InferenceLogError(f"cannot read the window state {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise InferenceLogError(f"{path} is not a ctloop window state (a JSON {type(data).__name__}, not an object)")
        if data.get("format") != STATE_FORMAT or data.get("version") != STATE_VERSION:
            found = (f"version {data.get('version')!r}, written by another ctloop: re-run the monitoring "
                     "run; its tasks used different ctloop images"
                     if data.get("format") == STATE_FORMAT else f"format {data.get('format')!r}")
            raise InferenceLogError(f"{path} is not a ctloop window state of version {STATE_VERSION} ({found})")
        try:
            out = cls(WindowSpec.saved(data), labels)
            out.counts.update({k: int(v) for k, v in data["counts"].items()})
            out.present = {k: int(v) for k, v in data["present"].items()}
            out.log_columns = list(data["log_columns"])
            out.drift = None if data.get("drift") is None else DriftState.from_dict(data["drift"])
            out.score_bins = None if data.get("score_bins") is None else [int(v) for v in data["score_bins"]]
            out.numbers_as_text = {c: NumbersAsText.from_dict(n) for c, n in (data.get("numbers_as_text") or {}).items()}
            out.unparsed = {c: Unparsed.from_dict(n) for c, n in (data.get("unparsed") or {}).items()}
            out.least_key = data.get("least_key")
        except DriftError as exc:  # the drift state's own line (DriftError), naming the file
            raise InferenceLogError(f"cannot read the window state {path}: {exc}") from exc
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
            # a truncated or edited file: one line naming it, not a traceback in the monitoring task
            what = f"lacks {exc.args[0]!r}" if isinstance(exc, KeyError) else f"has a damaged value ({type(exc).__name__}: {exc})"
            raise InferenceLogError(f"cannot read the window state {path}: it {what}; the file is damaged "
                                    "or was edited: re-run the monitoring run") from exc  # fmt: skip
        rows = _read_rows(directory, "labelled", data.get("labelled_saved"), path)
        if rows is not None:
            out.labelled = [rows]
        return out


# --------------------------------------------------------------------------- reading
def needed_columns(spec: WindowSpec, log_columns: list[str], labels: LabelIndex | None) -> list[str]:
    """The logged columns a state of ``spec`` reads (column projection): with ``_error``, which
    :func:`ctloop.inference_log.reader.served` needs to leave the rows of ``{"error": ...}``
    responses out of the served counts and the label join."""
    from ctloop.inference_log.schema import ERROR

    wanted = [REQUEST_ID, INSTANCE, TIME, HAS_REQUEST, HAS_RESPONSE, ERROR, MODEL_VERSION, REVISION, *spec.keep]
    if spec.features:
        wanted += [*(c for sources in _sources(list(spec.features)).values() for c in sources),
                   *[c for c in log_columns if _POSITIONAL.match(str(c))]]
    if labels is not None:
        wanted.append(labels.key)
    return [c for c in dict.fromkeys(wanted) if c in log_columns]


@dataclass
class Plan:
    """A window's reading split into file groups (partitions), with what every partition needs to
    read its part exactly once: the window's unified schema and the hashes of the request ids with a
    key that repeats anywhere in the window (pass 1 of :mod:`ctloop.inference_log.scan`, over
    every file)."""

    model: str
    spec: WindowSpec
    schema: Any  # pyarrow.Schema
    involved: Any  # numpy uint64, sorted: hashes of the request ids whose rows merge together (scan.involved_ids)
    groups: list[list[str]]
    # for the window's record, said when the plan was made (the monitoring task that records the
    # window reads the plan's end, not the run's clock: components/monitor core.window_end)
    notes: list[str] = field(default_factory=list)

    def save(self, directory: str) -> None:
        import base64

        import numpy as np

        os.makedirs(directory, exist_ok=True)
        np.save(os.path.join(directory, "involved.npy"), self.involved)
        with open(os.path.join(directory, "plan.json"), "w") as f:
            json.dump({"format": "ctloop.monitoring.plan", "version": STATE_VERSION, "model": self.model,
                       "spec": self.spec.to_dict(), "groups": self.groups, "notes": list(self.notes),
                       "schema": base64.b64encode(self.schema.serialize().to_pybytes()).decode()}, f)

    @classmethod
    def load(cls, directory: str) -> Plan:
        import base64

        import numpy as np
        import pyarrow as pa

        path = os.path.join(directory, "plan.json")
        try:
            with open(path) as f:
                data = json.load(f)
            path = os.path.join(directory, "involved.npy")
            involved = np.load(path)
        except (OSError, ValueError, EOFError) as exc:  # EOFError: an empty involved.npy (a traceback before round 54)
            raise InferenceLogError(f"cannot read the monitoring plan in {directory}: {path}: {exc}; the file is damaged "
                                    "or cut short: re-run the monitoring run") from exc
        path = os.path.join(directory, "plan.json")
        if not isinstance(data, dict) or data.get("format") != "ctloop.monitoring.plan":
            raise InferenceLogError(f"{path} is not a ctloop monitoring plan")
        try:
            schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(data["schema"])))
            # a plan saved before its notes were (round 46) has none
            return cls(data["model"], WindowSpec.saved(data), schema, involved, data["groups"],
                       list(data.get("notes", [])))
        except (KeyError, TypeError, ValueError, AttributeError, pa.ArrowException) as exc:
            what = f"lacks {exc.args[0]!r}" if isinstance(exc, KeyError) else f"has a damaged value ({type(exc).__name__})"
            raise InferenceLogError(f"cannot read the monitoring plan {path}: it {what}; the file is damaged or was "
                                    "edited: re-run the monitoring run") from exc


def plan(log_root: str, model: str, spec: WindowSpec, partitions: int = 1, *, batch_rows: int | None = None,
         spill_dir: str | None = None, key_budget: int | None = None, progress: bool = True) -> Plan:
    """List the window's files, find the request ids with a repeated key (one pass over two columns) and split the
    files into ``partitions`` contiguous groups of about equal size (in bytes on local disks, in
    files elsewhere)."""
    from ctloop.errors import ConfigError
    from ctloop.inference_log import scan

    if not isinstance(partitions, int) or partitions < 1:
        raise ConfigError(f"monitoring.partitions must be an integer >= 1, got {partitions!r}")
    files = scan.window_files(log_root, model, spec.read_from, spec.end)
    schema = scan.unified_schema(files)
    report = scan.Progress(f"log keys of {model}", len(files)) if progress else None
    budget = scan.KEY_BUDGET if key_budget is None else key_budget
    involved = scan.involved_ids(files, schema, spill_dir=spill_dir, budget=budget,
                                 batch_rows=batch_rows or scan.DEFAULT_BATCH_ROWS, progress=report)
    if report is not None:
        report.report(done=True)
    return Plan(model, spec, schema, involved, split(files, partitions))


def split(files: list[str], parts: int) -> list[list[str]]:
    """Contiguous groups (file order is the order duplicates are resolved in) of about equal bytes."""
    import numpy as np

    sizes = np.array([os.path.getsize(f) if os.path.exists(f) else 1 for f in files], dtype=float)
    if not len(files):
        return [[] for _ in range(parts)]
    ends = np.cumsum(sizes) / sizes.sum() * parts
    group = np.minimum(np.ceil(ends - 1e-9).astype(int) - 1, parts - 1).clip(0)
    return [[f for f, g in zip(files, group, strict=True) if g == i] for i in range(parts)]


@dataclass
class Partial:
    """One partition's state and the rows it held aside (their keys repeat somewhere)."""

    state: WindowState
    held: Any  # pandas.DataFrame
    index: int = 0  # the partition's number: held rows merge in partition order
    skipped: int = 0  # rows read as no row (reader.no_inference): said once, by merge_partials
    model: str = ""  # whose rows (for that line)
    answers: int = 0  # of skipped, answers without a prediction in stamped files (reader.null_answers)

    def save(self, directory: str) -> None:
        os.makedirs(directory, exist_ok=True)
        _drop_stale(directory, "partition.json")  # written last: a save cut short leaves no partition to load
        self.state.save(directory)
        _drop_stale(directory, "held.parquet")
        files = _write_rows(self.held, directory, "held") if len(self.held) else 0
        with open(os.path.join(directory, "partition.json"), "w") as f:
            json.dump({"partition": self.index, "held_saved": [files, len(self.held)], "skipped": self.skipped,
                       "answers": self.answers, "model": self.model}, f)

    @classmethod
    def load(cls, directory: str, labels: LabelIndex | None = None) -> Partial:
        import pandas as pd

        path = os.path.join(directory, "partition.json")
        try:
            with open(path) as f:
                data = json.load(f)
            index = int(data["partition"])
            skipped, model = int(data.get("skipped", 0)), str(data.get("model", ""))
            answers = int(data.get("answers", 0))
        except FileNotFoundError as exc:  # removed when a save starts, written last
            raise InferenceLogError(f"cannot read the partition state {path}: {CUT_SHORT}") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InferenceLogError(f"cannot read the partition state {path}: {exc!r}; re-run the monitoring run") from exc
        held = _read_rows(directory, "held", data.get("held_saved"), path)
        return cls(WindowState.load(directory, labels), pd.DataFrame() if held is None else held, index, skipped, model,
                   answers)


def collect_partition(plan: Plan, index: int, labels: LabelIndex | None = None, *, batch_rows: int | None = None,
                      spill_dir: str | None = None, key_budget: int | None = None, progress: bool = True) -> Partial:
    """The state of the unique rows of partition ``index``, and its held rows (``spill_dir``,
    ``key_budget``: where and past how many the day before's request id hashes spill to disk)."""
    from ctloop.inference_log import scan

    if not 0 <= index < len(plan.groups):
        raise InferenceLogError(f"partition {index} does not exist: the plan has {len(plan.groups)} partitions")
    files, spec = plan.groups[index], plan.spec
    state = WindowState(spec, labels)
    state.log_columns = _logged(plan.schema.names)
    part = f" (partition {index + 1}/{len(plan.groups)})" if len(plan.groups) > 1 else ""
    report = scan.Progress(f"log rows of {plan.model}{part}", len(files)) if progress else None
    held = scan.Held()
    for chunk in scan.scan_unique(files, plan.schema, needed_columns(spec, state.log_columns, labels),
                                  spec.read_from, spec.end, plan.involved, held,
                                  batch_rows=batch_rows or scan.DEFAULT_BATCH_ROWS, progress=report,
                                  key_budget=scan.KEY_BUDGET if key_budget is None else key_budget,
                                  spill_dir=spill_dir):
        state.update(chunk)
    if report is not None:
        report.report(done=True)
    return Partial(state, held.frame(), index, held.skipped, plan.model, held.answers)


def merge_partials(parts: list[Partial], labels: LabelIndex | None = None, *,
                   partitions: int | None = None) -> WindowState:
    """The window's state from its partitions' (in partition order): their states merged, then the
    held rows of all of them made one per key and added (``labels``: the index the partitions
    picked their labelled rows with; the held rows are picked with it here). Each partition once:
    one that arrives twice would count its rows twice; with ``partitions`` (the plan's), every one
    of ``0..partitions-1`` and no other."""
    from collections import Counter
    from functools import reduce

    from ctloop.inference_log import scan

    if not parts:
        raise InferenceLogError("no partition states to merge")
    seen = Counter(p.index for p in parts)
    twice = sorted(i for i, n in seen.items() if n > 1)
    if twice:
        raise InferenceLogError(f"partition {twice[0] + 1} arrived {seen[twice[0]]} times among the partial states: "
                                "each partition's state is merged once (its rows would count twice)")
    if partitions is not None and set(seen) != set(range(partitions)):
        missing = sorted(set(range(partitions)) - set(seen))
        other = sorted(set(seen) - set(range(partitions)))
        raise InferenceLogError(
            f"the partial states are not those of the plan's {partitions} partition(s): "
            + "; ".join([*([f"partition(s) {', '.join(str(i + 1) for i in missing)} missing"] if missing else []),
                         *([f"partition(s) {', '.join(str(i + 1) for i in other)} not in the plan"] if other else [])]))
    parts = sorted(parts, key=lambda p: p.index)
    state = reduce(WindowState.merge, [p.state for p in parts])
    state.labels = labels or state.labels
    spec = state.spec
    held = scan.Held([p.held for p in parts], skipped=sum(p.skipped for p in parts),
                     answers=sum(p.answers for p in parts))
    state.update(scan.merge_held(held, spec.read_from, spec.end))
    if held.skipped:  # the partitions' and the merge's, said once for the run (as scan_window says them)
        from ctloop.inference_log.reader import say_no_inference

        say_no_inference(held.skipped - held.answers, next((p.model for p in parts if p.model), "the log"),
                         held.answers)
    return state


def collect(log_root: str, model: str, spec: WindowSpec, labels: LabelIndex | None = None, *,
            batch_rows: int | None = None, spill_dir: str | None = None, key_budget: int | None = None,
            progress: bool = True) -> WindowState:
    """The state of a window read from the inference log in bounded memory, in one process: the
    plan, its one partition, the merge (:mod:`ctloop.inference_log.scan`'s two passes; both
    spill to ``spill_dir`` past ``key_budget`` hashes)."""
    one = plan(log_root, model, spec, 1, batch_rows=batch_rows, spill_dir=spill_dir, key_budget=key_budget,
               progress=progress)
    return merge_partials([collect_partition(one, 0, labels, batch_rows=batch_rows, spill_dir=spill_dir,
                                             key_budget=key_budget, progress=progress)], labels)


def _drop_stale(directory: str, name: str) -> None:
    """Remove ``name`` an earlier save left in ``directory`` (a save writes it only when it has rows),
    and the files of its other value types (:func:`_write_rows`)."""
    import glob

    for path in [os.path.join(directory, name), *glob.glob(os.path.join(glob.escape(directory),
                                                                        name.replace(".parquet", ".*.parquet")))]:
        if os.path.exists(path):
            os.remove(path)


_ROW = "__ctloop_row"  # a saved row's position (never a logged column: the sink writes no double underscore)
_CATEGORIES = b"ctloop.categories"  # a split file's schema metadata: its columns that were categories


def _write_rows(rows: pd.DataFrame, directory: str, name: str) -> int:
    """``rows`` as ``<name>.parquet`` in ``directory``; how many files. A column whose values have
    several Python types (one the window's files disagree on, read with each file's own type: ``1``
    from one, ``"1"`` from another, ``scan.PER_FILE``) has no Parquet type: the rows are then written
    as one file per combination of such types (``<name>.parquet``, ``<name>.1.parquet``, …) with their
    positions and which columns were categories, each value keeping its type, and :func:`_read_rows`
    puts them back in order, those columns categories again."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = os.path.join(directory, f"{name}.parquet")
    try:
        rows.to_parquet(path, index=False)
        return 1
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    objects = [c for c in rows.columns if rows[c].dtype == object or isinstance(rows[c].dtype, pd.CategoricalDtype)]
    categories = json.dumps([c for c in objects if isinstance(rows[c].dtype, pd.CategoricalDtype)]).encode()
    rows = rows.assign(**{c: rows[c].astype(object) for c in objects}, **{_ROW: range(len(rows))})
    kinds = pd.DataFrame({c: rows[c].map(_kind) for c in objects}, index=rows.index)
    k = 0
    for k, (_, group) in enumerate(rows.groupby([kinds[c] for c in objects], sort=False)):
        table = pa.Table.from_pandas(group, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _CATEGORIES: categories})
        pq.write_table(table, path if k == 0 else os.path.join(directory, f"{name}.{k}.parquet"))
    return k + 1


def _kind(value) -> str:
    """A value's Python type by name, ``""`` for a missing one (None, NA, NaN)."""
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return type(value).__name__


def _read_rows(directory: str, name: str, saved: Any = None, record: str = "") -> pd.DataFrame | None:
    """The rows :func:`_write_rows` saved as ``name`` in ``directory``, in their order; ``None`` when none.
    ``saved``: ``[files, rows]`` as the save recorded them in ``record`` (written after the rows):
    other files or rows (a save cut short between two files, files edited) are refused in one line."""
    import glob

    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ctloop.labels.join import distinct_categories

    path = os.path.join(directory, f"{name}.parquet")
    more = sorted(glob.glob(os.path.join(glob.escape(directory), f"{name}.*.parquet")))
    paths = [path, *more] if os.path.exists(path) else more
    frames = []
    for p in paths:
        try:
            frames.append(pd.read_parquet(p))
        except (pa.ArrowException, OSError, ValueError) as exc:  # cut short (a copy of the artifact interrupted),
            # overwritten: before round 54 pyarrow's traceback ("Parquet magic bytes not found in footer")
            said = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise InferenceLogError(f"cannot read the window state {record or directory}: {p} is damaged or cut "
                                    f"short ({said}): re-run the monitoring run") from exc
    found = [len(paths), sum(len(f) for f in frames)]
    if saved is not None and saved != found:
        said = f"{saved[1]} {name} row(s) in {saved[0]} file(s)" if isinstance(saved, list) and len(saved) == 2 else repr(saved)
        raise InferenceLogError(f"cannot read the window state {record}: it records {said}, {directory} holds "
                                f"{found[1]} in {found[0]}: a save was cut short or its files were edited: re-run "
                                "the monitoring run")  # fmt: skip
    if not frames:
        return None
    if len(frames) > 1:  # a column the files type apart held values of several types: objects again, each
        # value its own (pd.concat makes True and 1 of a bool and an int64 file the integer 1 twice)
        mixed = {c for f in frames for c in f.columns if len({str(g[c].dtype) for g in frames if c in g.columns}) > 1}
        frames = [f.astype({c: object for c in mixed if c in f.columns}) for f in frames]
    rows = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if _ROW in rows.columns:
        rows = rows.sort_values(_ROW, kind="stable").drop(columns=[_ROW]).reset_index(drop=True)
    for col in json.loads((pq.read_schema(paths[0]).metadata or {}).get(_CATEGORIES, b"[]")):
        if col in rows.columns:  # as concat_categories holds them: 7 and "7" two values
            values = rows[col].astype(object)
            if distinct_categories(values):  # else (True and 1) objects, as concat_categories keeps them
                rows[col] = pd.Categorical(values, categories=sorted(set(values.dropna()), key=str))
    return rows


def _least(a: str | None, b: str | None) -> str | None:
    """The smaller of two keys, either missing (``None``)."""
    return b if a is None else a if b is None else min(a, b)


def _logged(names: list[str]) -> list[str]:
    """The columns of ``read_log``'s frame for a log with these file columns."""
    return [*names, *([] if MODEL_VERSION in names or not names else [MODEL_VERSION])]


__all__ = ["FeatureAlignment", "align_columns", "alignment", "align_features", "numeric_columns", "text_columns", "text_numbers", "as_text",
           "temporal_columns", "as_temporal", "Unparsed",
           "coerce_like",
           "WindowSpec", "WindowState", "needed_columns", "Plan", "plan", "split", "Partial", "collect_partition",
           "merge_partials", "collect"]

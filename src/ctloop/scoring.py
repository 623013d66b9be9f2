"""Batch scoring: a table scored by a registry alias, chunk by chunk, in bounded memory.

::

    resolve alias (champion) ─► load the version (sha256-verified) ─► check the input's columns
      ─► per chunk of ``batch_rows`` rows: predict ─► <output>/part-<run id>-<chunk>.parquet
                                                 └─► <log root>/model=/date=/revision=/part-batch-<run id>-<chunk>.parquet

**Input.** A Parquet or CSV file, a directory or a glob of them, local or ``gs://``/``s3://``/
``az://`` (:func:`ctloop.drift.streaming.open_source`, read with ``pyarrow.dataset`` one batch at a
time: at most ``batch_rows`` rows are in memory, plus the prefetched batches).

**Output.** One Parquet file per chunk, ``part-<run id>-<chunk:05d>.parquet`` under ``output``,
with ``request_id`` (text; the ``id_column``'s values, or a generated id), the ``id_column`` itself
under its own name, the predictions as the inference log has them (``prediction_<i>``: the
probability of the model's ``i``-th class; ``prediction``: a regressor's value), a classifier's
probabilities again under its class names (``probability_<class>``, :func:`class_columns`),
``model_name``, ``model_version``, ``run_id`` and ``scored_at`` (the run's start, UTC). A retried run (same run id)
rewrites the same files: with a log root the first attempt records its time and version there
(:func:`first_attempt`) and a retry scores with them, so its log files are the same too. A retry
in fewer chunks (a larger ``batch_rows``) removes the earlier attempt's later chunk files.

**Ids.** ``id_column`` values are the rows' ``request_id`` as text (``1001`` and ``1001.0`` →
``"1001"``, as the label store keys them); they must be unique and not null (checked in a first
pass over that column only, before anything is written). Without an id column each row gets
``<12 hex digits of sha256(data URI)>-<row number>``: the same input scored again gets the same ids.

**Inference log.** With ``log_root``, every scored row is also logged as the sink logs a served
single-instance request (:mod:`ctloop.inference_log.layout`, the column types of
:mod:`ctloop.inference_log.schema`): ``instance`` 0, ``revision`` ``v<version>``, ``component``
``batch``, ``time`` = ``scored_at``, the model's features and the predictions. Monitoring reads
them like served traffic and labels ingested by ``request_id`` join them (``ctloop labels``).

**Numbers in a text feature** (a Parquet int64 column of codes the model learnt as text): read as
the serving runtime reads JSON numbers there (:func:`ctloop.storage.numbers_as_text`): the trained
category of the same value ('013' for 13, '3.0' for 3), else their own text ('13'); the summary
says how many, and how many matched no or several trained categories. A CSV file's text features
are read as text; a feature empty in a CSV's first block (where its types are inferred) is read as
the model needs it: numbers, true/false or text (:func:`_empty_features`).

**Refusals** (before anything is written): an unknown model or alias, an input that is missing, lacks
a feature of the model, has text in a numeric feature, true/false, times or nested values in a text
feature (a category of text can be none of them), numbers in a text feature none of which is
the value of a trained category (amounts where the model learnt codes; whole numbers for a model
whose categories cannot be read), has a file (of several) without a feature or with text in a
numeric one, lacks the id column or repeats an id;
``batch_rows`` below 1; an output under a file. Found only while scoring: text far down a CSV
file's numeric feature, past the first block its types were read from
(:class:`~ctloop.errors.CsvTypeChanged`, naming the file, column, value and row; a number there,
``1.5`` in a whole column, is read as float64 and scored) or a value the model refuses; then the
chunk files, log files and batch run record this attempt wrote are removed before the error is
raised (the log's column types, ``<log root>/_schema``, stay registered).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctloop import columns as c
from ctloop.config import ScoringConfig
from ctloop.contract import row_said, rows_said
from ctloop.errors import (
    ConfigError,
    CsvTypeChanged,
    DataError,
    DataSourceError,
    RegistryError,
    SourceUnreadable,
    StoreUnavailable,
    plain,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa

    from ctloop.registry import MlflowRegistry
    from ctloop.storage import NumbersAsText

COMPONENT = "batch"  # the log's ``component`` column of batch-scored rows
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
BATCH_ROWS = ScoringConfig.default_of("batch_rows")


@dataclass
class Scorer:
    """A loaded, verified model version and what it needs."""

    model: Any
    name: str
    version: str
    alias: str
    features: list[str]
    numeric: list[str]
    task: str = "classification"
    alias_version: str | None = None  # the version ``alias`` names now ("": none), when loaded by alias
    unused: list[str] = field(default_factory=list)  # features learnt from no row (:func:`unused_features`)

    def predict(self, frame: pd.DataFrame) -> dict[str, Any]:
        """Prediction columns as the serving runtime answers and the sink logs them."""
        import numpy as np

        if self.unused:  # read as empty, as in training (a model trained before round 42 reads them as numbers)
            frame = frame.assign(**{name: np.nan for name in self.unused if name in frame.columns})
        if hasattr(self.model, "predict_proba"):
            proba = np.asarray(self.model.predict_proba(frame), dtype="float64")
            return {c.prediction_column(i): proba[:, i] for i in range(proba.shape[1])}
        return {c.PREDICTION: np.asarray(self.model.predict(frame))}


CLASS_PREFIX = "probability_"  # probability_<class>: a class probability of the output, by the class's name
CLASS_NAME_CHARS = 64  # of a class name in its column name (a longer one is cut)


def class_columns(classes: list, taken: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """``probability_<class>`` for each of ``classes`` (the model's order): the class's text
    (``1`` for an integer class and for a whole-number float one, ``1.0``: the same names whether
    the training target was read as int or as float; ``1_5`` for 1.5, ``True``) with every
    character other than a letter, a digit or ``-`` as ``_`` and at most :data:`CLASS_NAME_CHARS`
    of them. A name the output already has (``taken``: the id column, ``model_name``, ...) or
    another class's (``a b`` and ``a_b``) gets the class's position: ``probability_a_b_1``."""

    names: list[str] = []
    for label in classes:
        value = plain(label)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value)
        safe = "".join(ch if ch.isalnum() or ch == "-" else "_" for ch in text)[:CLASS_NAME_CHARS]
        names.append(f"{CLASS_PREFIX}{safe}")
    counts = {n: names.count(n) for n in names}
    out: list[str] = []
    for i, name in enumerate(names):
        if counts[name] > 1 or name in taken:
            name = f"{name}_{i}"
            while name in taken or name in out or name in names:
                name = f"{name}_{i}"
        out.append(name)
    return out


def load_scorer(registry: MlflowRegistry, model_name: str, alias: str = ScoringConfig.default_of("alias"),
                version: str | None = None) -> Scorer:
    """The version behind ``alias`` (or ``version``: a retry finishing its first attempt's run),
    loaded only once its file matched the recorded sha256 (``MlflowRegistry.load_model``; a missing
    hash is a :class:`ModelIntegrityError`)."""
    aliases = registry.aliases(model_name)
    if not aliases and not registry.versions(model_name):
        raise ConfigError(f"model_name: no registered model {model_name!r} at {registry.tracking_uri} "
                          "(register one with the continuous-training pipeline)")
    now = aliases.get(alias)
    version = version if version is not None else now
    if version is None:
        from ctloop.registry import staged_note

        have = ", ".join(f"{a} → v{v}" for a, v in sorted(aliases.items())) or "none"
        staged = (staged_note(model_name, registry.versions(model_name), registry.tracking_uri)
                  if alias == "champion" else [])
        raise ConfigError(f"alias: model {model_name!r} has no alias {alias!r} (its aliases: {have})"
                          + (f"; {staged[0]}" if staged else ""))
    meta = registry.load_meta(model_name, version)
    model = registry.load_model(model_name, version)
    features = list(meta.get("features") or getattr(model, "feature_names_in_", []))
    if not features:
        raise RegistryError(f"{model_name} v{version}: its metadata names no features; it was not trained by ctloop")
    unused = unused_features(model, meta)  # no value in training: any scalar is fine, read as empty
    numeric = [f for f in meta.get("numeric") or [] if f in features and f not in unused]
    return Scorer(model, model_name, str(version), alias, features, numeric, str(meta.get("task") or "classification"),
                  "" if now is None else str(now), [f for f in features if f in unused])


_EMPTY_NOTE = re.compile(r"^column\(s\) (.+?) have no value in any training row")


def unused_features(model: Any, meta: dict[str, Any] | None) -> set[str]:
    """The features ``model`` takes but learnt nothing from: no value in any training row. Its
    meta's ``unused`` (no step of the model reads them); for a model trained before ctloop recorded
    them, where its numeric step still reads them (any value but a number failed it), the fit's
    note naming them (``column(s) 'note' have no value in any training row``) and the numeric
    columns its imputer dropped (a statistic of NaN: trained before imputers kept empty features)."""
    import ast

    meta = meta or {}
    if "unused" in meta:
        return {str(n) for n in meta.get("unused") or []}
    found: set[str] = set()
    for note in meta.get("notes") or []:
        named = _EMPTY_NOTE.match(str(note))
        if named:
            try:
                found.update(str(n) for n in ast.literal_eval(f"[{named.group(1)}]"))
            except (ValueError, SyntaxError):  # a name the note could not quote back: left as trained
                pass
    try:
        numeric = model.named_steps["preprocess"].named_transformers_["numeric"]
        columns = model.named_steps["preprocess"].transformers_[0][2]
        statistics = numeric.named_steps["impute"].statistics_
    except (AttributeError, KeyError, IndexError, TypeError):  # not a pipeline ctloop built
        return found
    import numpy as np

    dropped = not getattr(numeric.named_steps["impute"], "keep_empty_features", False)
    if dropped and len(columns) == len(statistics):
        found.update(str(n) for n, v in zip(columns, statistics, strict=True) if isinstance(v, float) and np.isnan(v))
    return found


@dataclass
class UnknownCategories:
    """Text values of one feature that are none of the categories the model learnt there (``North``
    where ``north`` was trained). ctloop's one-hot encoder (``handle_unknown="infrequent_if_exist"``)
    scores such a row as the feature's pooled infrequent values when it has some (``pooled``), else
    with none of the feature's categories (as a model trained with ``handle_unknown="ignore"``
    does). How many rows held one, and the first with the trained category it differs from only in
    case or surrounding spaces, if any."""

    rows: int = 0
    example: str = ""
    pooled: bool = False
    codes: bool = False  # a feature trained on codes held as numbers: text or numbers that are no code

    def note(self, column: str, rows: int) -> str:
        how = ("scored as its infrequent values (the column they share)" if self.pooled
               else "ignored: scored with none of its categories")
        held = ("a value that is none of the codes the model was trained on there (numbers)" if self.codes
                else "text the model was not trained with there")
        return f"unknown categories: {column!r}: {self.rows:,} of {rows:,} row(s) hold {held}, {how} (e.g. {self.example})"


def _pooled_features(model: Any) -> set[str]:
    """The features whose fitted one-hot encoder scores a value it never saw as its infrequent
    (pooled) values: ``handle_unknown="infrequent_if_exist"`` and some infrequent categories
    (scikit-learn 1.9 ``preprocessing/_encoders.py``: otherwise such a value is all zeros). The
    encoders found as :func:`ctloop.storage.trained_categories` finds them (:func:`ctloop.storage.fitted_encoder`)."""
    from ctloop.storage import fitted_encoder

    out: set[str] = set()
    for step in (getattr(model, "named_steps", None) or {}).values():
        for _, fitted, columns in getattr(step, "transformers_", []):
            encoder = fitted_encoder(fitted)
            if getattr(encoder, "handle_unknown", None) != "infrequent_if_exist":
                continue
            infrequent = getattr(encoder, "infrequent_categories_", None) or []
            for name, rare in zip(columns if isinstance(columns, list) else [], infrequent, strict=False):
                if isinstance(name, str) and rare is not None and len(rare):
                    out.add(name)
    return out


def _count_unknown(frame: pd.DataFrame, known: dict[str, Any], tally: dict[str, UnknownCategories],
                   pooled: set[str] | frozenset[str] = frozenset(), coded: set[str] | frozenset[str] = frozenset()) -> None:
    """Add to ``tally`` the text values of each feature of ``known`` (its trained categories, as a
    set) in ``frame`` that are none of them; numbers are counted by :func:`ctloop.storage.numbers_as_text`,
    but for the features in ``coded`` (trained on codes held as numbers, read by
    :func:`ctloop.serving.payload.text_as_codes`): there a number that is no code counts as text that is
    none does, one rule. ``pooled``: the features such values are scored as their infrequent values
    (:func:`_pooled_features`)."""
    import numpy as np
    import pandas as pd

    from ctloop.contract import gaps_as_nan

    for name, trained in known.items():
        col = frame[name]
        if pd.api.types.is_float_dtype(col.dtype):  # NumPy floats of its width: no is_in kernel for halffloat[pyarrow]
            col = gaps_as_nan(col)
        other = col[col.notna().to_numpy(dtype=bool) & ~col.isin(trained).to_numpy(dtype=bool)]  # hashed: fast
        if name not in coded and len(other):
            other = other[other.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)]
        if not len(other):
            continue
        counts = tally.setdefault(name, UnknownCategories(pooled=name in pooled, codes=name in coded))
        counts.rows += len(other)
        if not counts.example:
            value = other.iloc[0]
            if not isinstance(value, str):
                counts.example = repr(value.item() if isinstance(value, np.generic) else value)
                continue
            near = sorted(t for t in trained if isinstance(t, str) and t.strip().casefold() == value.strip().casefold())
            counts.example = _quoted(value) + (f"; {_quoted(near[0])} was trained" if near else "")


def _quoted(value: str) -> str:
    """``value`` quoted, cut to about 40 characters as the contract's messages cut a value (one line)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass
class ScoreResult:
    """What a scoring run did."""

    model_name: str
    model_version: str
    alias: str
    run_id: str
    rows: int = 0
    chunks: int = 0
    max_batch_rows: int = 0  # the largest chunk read (memory is bounded by batch_rows)
    files: list[str] = field(default_factory=list)
    logged_rows: int = 0
    log_files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    id_source: str = ""  # the id column, or "generated"
    alias_version: str | None = None  # the version the alias names now (Scorer.alias_version)
    stale_files: int = 0  # chunk files of an earlier attempt beyond this one's last, removed
    # text features given as numbers (a Parquet int64 column of codes): what was read as text, by feature
    numbers_as_text: dict[str, NumbersAsText] = field(default_factory=dict)
    # text columns for features trained on codes held as numbers (a Parquet string column '1'..'3'): what was
    # read as the code of its value (ctloop.serving.payload.CodesAsText), by feature
    text_as_codes: dict[str, Any] = field(default_factory=dict)
    # text values of a text feature that are none of its trained categories, by feature
    unknown_categories: dict[str, UnknownCategories] = field(default_factory=dict)

    def summary(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        logged = f"; logged {self.logged_rows:,} rows" if self.log_files else ""
        which = self.alias
        if self.alias_version is not None and self.alias_version != self.model_version:  # a retry, pinned
            now = f"is now v{self.alias_version}" if self.alias_version else "names no version now"
            which = f"run {self.run_id}'s first attempt; {self.alias} {now}"
        stale = (f"; removed {self.stale_files} chunk file(s) an earlier attempt wrote beyond this one's last"
                 if self.stale_files else "")
        return (f"scored {self.rows:,} rows with {self.model_name} v{self.model_version} ({which}) in "
                f"{self.chunks} chunk(s), {rate:,.0f} rows/s; run {self.run_id}; ids: {self.id_source}"
                f"{logged}{stale}" + "".join(f"\n{note}" for note in self.notes()))

    def notes(self) -> list[str]:
        """One line per text feature given as numbers: how they were read (``NumbersAsText.note``);
        one per text feature with text values it was not trained with (``UnknownCategories.note``)."""
        return [f"numbers read as text: {counts.note(name)}" for name, counts in self.numbers_as_text.items()
                if counts.numbers] + [f"text read as codes: {name!r}: {counts.read:,} text value(s) read as the code "
                                      "of their value, as numbers (the model was trained on the codes as numbers)"
                                      for name, counts in self.text_as_codes.items() if counts.read] + [counts.note(name, self.rows) for name, counts in self.unknown_categories.items()]


@dataclass
class Progress:
    rows: int
    chunks: int
    seconds: float

    def line(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        return f"scored {self.rows:,} rows ({self.chunks} chunk(s)), {rate:,.0f} rows/s, {self.seconds:.0f} s"


def every(seconds: float, report: Callable[[str], None]) -> Callable[[Progress], None]:
    """A progress callback that passes ``Progress.line()`` to ``report`` at most once per
    ``seconds`` (the first chunk always)."""
    last = [-math.inf]

    def progress(p: Progress) -> None:
        now = time.monotonic()
        if now - last[0] >= seconds:
            last[0] = now
            report(p.line())

    return progress


def scoring_time(value: str) -> datetime | None:
    """``score_batch``'s ``scored_at``: an ISO 8601 time; empty, or a KFP placeholder left
    unresolved, = None (now)."""
    from ctloop.timeutil import to_utc

    if not value or value.startswith("{{"):
        return None
    return to_utc(value, name="scored_at").to_pydatetime()


def first_attempt(log_root: str, model_name: str, run_id: str) -> dict[str, str] | None:
    """What the first attempt of run ``run_id`` logged into ``log_root`` with (``scored_at``,
    ``model_version``; :func:`ctloop.inference_log.layout.batch_run_file`), or None: no attempt logged."""
    import json

    from ctloop import storage
    from ctloop.inference_log import layout
    from ctloop.timeutil import to_utc

    if not log_root:
        return None
    uri = f"{log_root.rstrip('/')}/{layout.batch_run_file(model_name, run_id)}"
    if not storage.exists(uri):
        return None
    try:
        record = json.loads(storage.read_bytes(uri))
        scored_at, version = record["scored_at"], record["model_version"]
        if not isinstance(version, str) or not version.strip():
            raise ValueError(f"model_version {version!r} is not a version")
        if not isinstance(scored_at, str):
            raise ValueError(f"scored_at {scored_at!r} is not a time")
        to_utc(scored_at, name="scored_at")
        data, files = record.get("data"), record.get("files")  # absent in a record of an older ctloop
        if data is not None and (not isinstance(data, str) or not isinstance(files, list)):
            raise ValueError(f"data {data!r} / files {files!r} do not name an input")
    except (ValueError, KeyError, TypeError, AttributeError, ConfigError) as exc:  # a retry would log twice: stop
        raise DataSourceError(f"log_root: {uri} is not a batch run record ({exc})") from exc
    out = {"scored_at": scored_at, "model_version": version}
    if data is not None:
        out.update(data=data, files=[str(f) for f in files])
    return out


def _record_attempt(log_root: str, model_name: str, run_id: str, scored_at: datetime, version: str,
                    source: Any) -> str:
    """Write the batch run record (:func:`first_attempt`); its URI."""
    import json

    from ctloop import storage
    from ctloop.inference_log import layout

    uri = f"{log_root.rstrip('/')}/{layout.batch_run_file(model_name, run_id)}"
    storage.write_bytes(uri, json.dumps({"run_id": run_id, "scored_at": scored_at.isoformat(),
                                         "model_version": version, "data": source.uri,
                                         "files": [str(f) for f in source.files]}).encode(),
                        content_type="application/json")
    return uri


def _check_run_id(run_id: str) -> None:
    if not isinstance(run_id, str) or not RUN_ID.match(run_id):
        raise ConfigError(f"run_id: {run_id!r} must be 1-128 letters, digits, '.', '_' or '-'")


def new_run_id(now: datetime | None = None) -> str:
    """``score-<UTC time>-<6 hex>``: the run id of a scoring run started by hand."""
    import uuid

    now = now or datetime.now(UTC)
    return f"score-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def generated_id_prefix(data: str) -> str:
    return hashlib.sha256(data.rstrip("/").encode()).hexdigest()[:12]


# ------------------------------------------------------------------ checks before any write
def check_output(output: str) -> None:
    """``output`` must be a directory (or nothing yet), never a file or under one."""
    from ctloop import storage

    if not output.strip():
        raise ConfigError("output: must not be empty — a directory for the predictions")
    if storage.is_remote(output):
        if storage.parse(output).key and storage.exists(output.rstrip("/")):
            raise ConfigError(f"output: {output!r} is an existing object, not a directory; name a prefix")
        return
    path = Path(storage.parse(output).key)
    for candidate in (path, *path.parents):
        if candidate.is_file():
            where = "is a file" if candidate == path else f"is under the file {candidate}"
            raise ConfigError(f"output: {output!r} {where}; name a directory")
        if candidate.is_dir():
            return


def _location(uri: str) -> str:
    """``uri`` as a comparable prefix ending in '/': a local path resolved, an object store's
    ``scheme://bucket/key``."""
    from ctloop import storage

    if storage.is_remote(uri):
        return uri.rstrip("/") + "/"
    return str(Path(storage.parse(uri).key).resolve()) + "/"


def check_apart(data: str, **written: str) -> None:
    """Refuse writing (``written``: parameter name → location, e.g. ``output``, ``log_root``)
    inside the ``data`` directory: the next run over that directory would read what this one
    wrote as input. A single file or a glob as ``data`` reads nothing else. On an object store
    the store is asked whether ``data`` is an object when its name is a table file's: Spark
    writes ``s3://b/out.parquet/`` as a prefix of part files, which the name alone took for a
    file (and let the output inside it); a prefix with a dot (``exports.2026/``) is a directory
    without asking."""
    from ctloop import storage

    if any(ch in data for ch in "*?[") or (not storage.is_remote(data) and not Path(storage.parse(data).key).is_dir()):
        return
    if (storage.is_remote(data) and not data.endswith("/") and _table_name(storage.parse(data).key)
            and storage.exists(data)):
        return  # an object (x.parquet, X.CSV.GZ), not a prefix named like one
    base = _location(data)
    for name, where in written.items():
        if where and _location(where).startswith(base):
            raise ConfigError(f"{name}: {where!r} is inside data {data!r}: the next run would read what this one "
                              "writes as input; write it elsewhere")


def _table_name(key: str) -> bool:
    """Whether an object key names a table file by its extension (any case), as the input's
    reader (:func:`ctloop.drift.streaming.open_source`) tells data files."""
    from ctloop import storage

    return any(storage.has_suffix(key, suffix) for suffix in (".parquet", ".pq", ".csv", ".csv.gz"))


# Columns every prediction file carries (besides the id and the predictions): an id column with one
# of these names would be overwritten.
RESERVED_OUTPUT = frozenset({"model_name", "model_version", "run_id", "scored_at"})


def _check_columns(scorer: Scorer, source: Any, id_column: str) -> None:
    import pyarrow as pa

    columns = source.columns
    missing = [f for f in scorer.features if f not in columns]
    if missing:
        source.refuse_headerless()  # a CSV directory's parts without a header row: said so
        near = {name: [c for c in columns if isinstance(c, str) and c.strip().casefold() == name.strip().casefold()]
                for name in missing}
        hint = "; ".join(f"{found[0]!r} for {name!r}" for name, found in near.items() if len(found) == 1)
        raise DataSourceError(f"data: {source.uri} has no column {missing[0]!r}, a feature of {scorer.name} "
                              f"v{scorer.version}" + (f" (missing: {', '.join(missing)})" if len(missing) > 1 else "")
                              + (f"; it has {hint}: a header with other case or spaces (rename it)" if hint else ""))
    for name in scorer.numeric:
        kind = source.schema.field(name).type
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind)
                or pa.types.is_decimal(kind)):
            raise DataSourceError(f"data: column {name!r} of {source.uri} is {kind}, but {scorer.name} "
                                  f"v{scorer.version} needs numbers there{_first_text_cell(source, name)}")
    flags = _true_false_features(scorer)
    for name in flags:
        for where, kind in _kinds(source, name):  # a CSV file of yes/no would make every file's text
            if not (pa.types.is_boolean(kind) or pa.types.is_null(kind)):
                held = _first_value(source, name) if where == source.uri else None
                # a typed format's text 'True'/'false' (Parquet written from strings): its cells are no true/false,
                # as the serving runtime refuses "true" in JSON; a CSV's True/False are read as true/false
                typed = source.format != "csv" and (pa.types.is_string(kind) or pa.types.is_large_string(kind)
                                                    or pa.types.is_dictionary(kind))
                raise DataSourceError(
                    f"data: column {name!r} of {where} is {kind}, but {scorer.name} v{scorer.version} was trained "
                    "with true/false there: " + (
                        "it holds text" + (f" (e.g. {held!r})" if held is not None else "") + ", not true/false, and "
                        "no text matches them (as the serving runtime refuses \"true\"): write the column as "
                        "booleans (a Parquet BOOLEAN column), not as text: every row would be scored with the "
                        "feature ignored" if typed else
                        "write True or False (other values would be scored as unknown categories, ignored)"))
    _check_text_kinds(scorer, source, flags)
    if id_column in RESERVED_OUTPUT or re.fullmatch(r"prediction(_\d+)?", id_column):
        raise ConfigError(f"id_column: {id_column!r} is a column ctloop writes into the predictions "
                          f"({', '.join(sorted(RESERVED_OUTPUT))}, prediction[_<i>]); rename it in the data")
    if id_column and id_column not in columns:
        raise ConfigError(f"id_column: {id_column!r} is not a column of {source.uri} (columns: "
                          f"{', '.join(columns[:20])}{' …' if len(columns) > 20 else ''})")


def _first_text_cell(source: Any, name: str) -> str:
    """``" (e.g. ' NaN' in row 3 of FILE: …)"``: the first cell of a CSV source's column ``name``
    that is no number to ``pandas.read_csv`` (as training reads it), or ``""``. One read of that
    column, up to the first such cell."""
    import pyarrow as pa

    from ctloop.drift.streaming import pandas_text_cell

    if source.format != "csv" or not pa.types.is_string(source.schema.field(name).type):
        return ""
    rows = 0
    for batch, _, _ in source.batches([name]):
        for i, cell in enumerate(batch.column(0).to_pylist()):
            if cell is not None and (pandas_text_cell(cell) or not _is_number_text(cell)):
                padded = cell != cell.strip() or pandas_text_cell(cell)
                return (f" (e.g. {cell!r} in {row_said(rows + i)}" + (", text to pandas.read_csv as training reads it; "
                        "a gap is an empty cell, NaN or NA as written" if padded else "") + ")")
        rows += batch.num_rows
    return ""


def _first_value(source: Any, name: str) -> Any:
    """The first value of column ``name`` of ``source`` that is not null (None when every one is):
    one read of that column, up to that value."""
    for batch, _, _ in source.batches([name]):
        column = batch.column(0).drop_null()
        if len(column):
            return column[0].as_py()
    return None


def _kinds(source: Any, name: str) -> list[tuple[str, Any]]:
    """``(where, Arrow type)`` of column ``name``: the source's, then each file's own when it has
    several (a dataset reads every file as its first file's type: true/false as 'true'/'false'
    under text, and CSV files of text and true/false all as text, :meth:`Source.check_files`)."""
    kinds = [(source.uri, source.schema.field(name).type)]
    if len(source.files) > 1:
        kinds += [(path, physical.field(name).type) for path, physical in source._file_schemas()
                  if name in physical.names]
    return kinds


def _check_text_kinds(scorer: Scorer, source: Any, flags: list[str]) -> None:
    """Refuse a column of true/false, times, bytes or nested values for a text feature the model learnt
    text categories in (:func:`ctloop.storage.trained_categories`): none of its values can be a
    trained category, so every row would be scored with the feature ignored (a bool column) or the
    model fails naming no column (dates: numpy's "could not be promoted"). Text, a dictionary
    (category) column of text, numbers (:func:`_text_categories`) and gaps pass; a dictionary column
    is judged by its values' type."""
    import pyarrow as pa

    from ctloop.serving.payload import flag_features
    from ctloop.storage import trained_categories

    trained = trained_categories(scorer.model)
    # the text features the serving runtime refuses true/false for (no True/False among their categories):
    # text, or codes held as numbers (a category column of 1..5), whose 1 a True matched
    text, _ = flag_features([name for name in scorer.features if name not in scorer.numeric and name not in flags
                             and trained.get(name)], trained)
    if not text:
        return
    # a CSV's true/false or dates are read as text (_text_features): only a typed format's are wrong
    csv = source.format == "csv" and not source.partition_keys
    for name in text:
        for where, kind in _kinds(source, name):
            # a dictionary column is judged by its values: dictionary<values=binary> is bytes, as is binary
            inner = kind.value_type if pa.types.is_dictionary(kind) else kind
            binary = pa.types.is_binary(inner) or pa.types.is_large_binary(inner) \
                or pa.types.is_fixed_size_binary(inner)
            if (not csv and (pa.types.is_boolean(inner) or pa.types.is_temporal(inner))) or pa.types.is_nested(inner) \
                    or binary:  # text stored as bytes (a Parquet BINARY column): no byte string is a trained category
                known = trained[name]
                shown = ", ".join(repr(plain(v)) for v in sorted(known, key=_value_order)[:3]) + (
                    ", …" if len(known) > 3 else "")
                words = all(isinstance(v, str) for v in known)  # else codes held as numbers (a category column)
                raise DataSourceError(f"data: column {name!r} of {where} is {kind}, but {scorer.name} "
                                      f"v{scorer.version} was trained with {'text' if words else 'categories'} there "
                                      f"({shown}): every row would be scored as an unknown category; write the "
                                      f"column the model was trained on, as {'text' if words else 'those codes'}")


def _value_order(value: Any) -> tuple[int, float, str]:
    """A sort key for the categories of one feature: numbers by value (codes 2 before 10), then text."""
    import numbers

    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _true_false_features(scorer: Scorer) -> list[str]:
    """The features a model of ctloop's train core learnt as the categories True and False (a bool
    column: ``_bools_as_categories``): its one-hot encoder's categories
    (:func:`ctloop.storage.trained_categories`); none for a model built otherwise."""
    from ctloop.storage import trained_categories

    return [name for name, known in trained_categories(scorer.model).items()
            if known and all(isinstance(v, bool) for v in known) and name in scorer.features]


def _check_files(scorer: Scorer, source: Any) -> Any:
    """An input of several files, checked file by file (:meth:`ctloop.drift.streaming.Source.check_files`,
    one schema read per file): each must have every feature (the dataset's columns are its first
    file's, and a file without one would be scored with it missing, silently) and numbers in the
    numeric ones; a feature whole in one file (int64) and fractional in another is read as
    float64 from every file (else the first file's int64 is imposed on the others and the run
    fails midway)."""
    model = f"{scorer.name} v{scorer.version}"
    try:
        source = source.check_files(scorer.features, numeric=scorer.numeric, role=f"a feature of {model}",
                                    numbers=f"{model} needs numbers there")  # fmt: skip
    except DataSourceError as exc:
        raise DataSourceError(f"data: {exc}") from exc
    return _whole_as_float(source, scorer.numeric)


def _check_id_kinds(source: Any, id_column: str) -> Any:
    """An input of several files with its id column checked file by file as the features are
    (:meth:`ctloop.drift.streaming.Source.check_files`): the dataset reads every file as its first
    file's type, so text ids (``'004'``) after a file of whole-number ids were read as numbers (``4``,
    a key no label joins) and an empty first file's untyped (null) ids failed every later file while
    scoring. Numbers in one Parquet file and text in another are refused naming both files; an untyped
    column takes the other files' type, integers of different widths the wider. A file without the id
    column is left to :func:`_check_ids` (its rows have no id)."""
    try:
        checked = source.check_files([id_column], complete=False)
    except DataSourceError as exc:
        raise DataSourceError(f"data: {exc}") from exc
    return _whole_float_ids_as_integers(checked, id_column)


def _whole_float_ids_as_integers(source: Any, id_column: str) -> Any:
    """``source`` with its id column read as int64 when ``check_files`` widened it to float because
    some files hold integers and others floats, and every float file's ids are whole and exact
    (below 2**53, 2**24 in float32: :func:`ctloop.labels.store._exact_limit`): as float64 an int64 id
    from 2**53 up could not be read at all ("Integer value 1234567890123456789 not in range", a
    regression of 7c772d88 found by review 50 B; before it every file was read as the first one's
    int64). Otherwise (a fractional, non-finite or inexact float id, or a uint64 file) the widened
    float64 is kept for :func:`_check_ids` to judge. Reads the float files' id column once."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from ctloop.labels.store import _exact_limit

    schema = source.dataset.schema
    if len(source.files) < 2 or id_column not in schema.names or not pa.types.is_floating(schema.field(id_column).type):
        return source
    try:
        fragments = list(source.dataset.get_fragments())
        kinds = [(f, f.physical_schema.field(id_column).type) for f in fragments if id_column in f.physical_schema.names]
        integers = [k for _, k in kinds if pa.types.is_integer(k)]
        if not integers or not all(pa.types.is_integer(k) or pa.types.is_floating(k) or pa.types.is_null(k)
                                   for _, k in kinds):
            return source
        floated = None  # (file, value): a float id no int64 holds, or one of a float file beside uint64 ids
        for fragment, kind in kinds:
            if not pa.types.is_floating(kind):
                continue
            limit = _exact_limit(np.dtype(kind.to_pandas_dtype()))
            for batch in fragment.to_batches(columns=[id_column], schema=fragment.physical_schema):
                values = batch.column(0).drop_null()
                if not len(values):
                    continue
                whole = pc.and_(pc.and_(pc.is_finite(values), pc.equal(pc.floor(values), values)),
                                pc.less(pc.abs(values), limit))
                if not pc.all(whole).as_py():
                    floated = fragment.path, values.filter(pc.invert(whole))[0].as_py()
                elif any(pa.types.is_uint64(k) for k in integers):
                    floated = fragment.path, values[0].as_py()
                if floated:
                    break
            if floated:
                break
        if floated is None:
            return source.read_as(schema.set(schema.get_field_index(id_column), pa.field(id_column, pa.int64())))
        # read as float64: an integer id of magnitude 2**53 or more cannot be (Arrow: "Integer value ... not in range",
        # naming the integer file, review 50 G): one line naming both files
        for fragment, kind in kinds:
            if not pa.types.is_integer(kind):
                continue
            for batch in fragment.to_batches(columns=[id_column], schema=fragment.physical_schema):
                values = batch.column(0).drop_null()
                if not len(values):
                    continue
                low, high = pc.min(values).as_py(), pc.max(values).as_py()  # ints: no float rounds them here
                # ±2**53 itself casts, but a float id there is refused as maybe rounded (_check_ids): the same bound
                big = high if high >= 2**53 else low if low <= -(2**53) else None
                if big is not None:
                    raise DataError(
                        f"id_column {id_column!r}: {fragment.path} holds {big}, an integer id of "
                        f"magnitude 2**53 or more, and {floated[0]} holds float ids ({floated[1]!r}): read together as floats, "
                        "such ids lose their digits; write the id column as integers (or text) in every file")
    except (pa.ArrowException, OSError):  # a file that cannot be read: _check_ids names it
        return source
    return source


def _whole_as_float(source: Any, numeric: list[str]) -> Any:
    """``source`` of several files with its numeric features of whole numbers read as float64 (as
    before 976984f): a CSV file's types are inferred from its first block (1 MiB), so a feature
    whole there and fractional further on would fail midway ('CSV conversion error to int64'); the
    model is given floats either way. A single file is read as it is (its logged values too)."""
    import pyarrow as pa

    schema = source.dataset.schema
    whole = [n for n in numeric if n in schema.names and pa.types.is_integer(schema.field(n).type)]
    if len(source.files) < 2 or not whole:
        return source
    for name in whole:
        schema = schema.set(schema.get_field_index(name), pa.field(name, pa.float64()))
    return source.read_as(schema)


def _text_features(scorer: Scorer, source: Any) -> list[str]:
    """The text (categorical) features that arrive as numbers: CSV type inference makes a code
    column whose values in this file happen to be digits (``013``, ``77``) the numbers 13 and 77,
    categories the model never saw, so every row would be scored as an unknown code. A CSV
    source's are read as text (:func:`_as_text`); in other formats (a Parquet int64 column of
    codes) the numbers are read as the trained text while scoring (:func:`_numbers_as_text`)."""
    if source.format != "csv" or source.partition_keys:
        return []
    import pyarrow as pa

    # a text feature whose values in this CSV happen to read as true/false or as dates (a category
    # 'true'/'false'/'unknown', ISO dates as codes): CSV cannot say otherwise, so it is read as text
    flags = _true_false_features(scorer)
    looks = [name for name in scorer.features if name not in scorer.numeric and name not in flags
             and any(pa.types.is_boolean(kind) or pa.types.is_temporal(kind) for _, kind in _kinds(source, name))]
    return [*_numeric_text_features(scorer, source), *looks]


def _numeric_text_features(scorer: Scorer, source: Any) -> list[str]:
    """The text (categorical) features whose column in ``source`` holds numbers, read as text (not
    those trained on numbers: a category column of codes 1..5,
    :func:`ctloop.serving.payload.numbers_read_as_text`)."""
    import pyarrow as pa

    from ctloop.serving.payload import numbers_read_as_text
    from ctloop.storage import trained_categories

    as_text = set(numbers_read_as_text([n for n in scorer.features if n not in scorer.numeric],
                                       trained_categories(scorer.model)))
    return [name for name in scorer.features if name in as_text
            and (pa.types.is_integer(kind := source.schema.field(name).type) or pa.types.is_floating(kind)
                 or pa.types.is_decimal(kind))]


def _text_categories(scorer: Scorer, source: Any, batch_rows: int = BATCH_ROWS) -> dict[str, dict[Any, tuple[str, ...]]]:
    """The text features that hold numbers in ``source`` (a Parquet int64 column of codes, as
    serving gets JSON numbers), each with its trained categories written as numbers
    (:func:`ctloop.storage.number_categories`): while scoring, each number is read as the trained
    category of its value ('013' for 13, '3.0' for 3; :func:`ctloop.storage.numbers_as_text`,
    the serving runtime's rule), counted in :attr:`ScoreResult.numbers_as_text`.

    Refused, before anything is written (one pass over these columns only): a column none of
    whose numbers is the value of a trained category — amounts where the model learnt codes, or
    the wrong column: every row would be scored as an unknown category, the feature ignored — and
    a column of whole numbers (int64, decimal) where the model's categories cannot be read (a
    model not built by ctloop's train core), whose text could not be checked. A column of floats
    with no value in it (NaN: a text column without text) passes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ctloop.storage import NumbersAsText, number_categories, numbers_as_text, trained_categories

    names = [] if source.format == "csv" and not source.partition_keys else _numeric_text_features(scorer, source)
    if not names:
        return {}
    trained = trained_categories(scorer.model)
    out: dict[str, dict[Any, tuple[str, ...]]] = {}
    unchecked = [n for n in names if n not in trained]
    for name in unchecked:
        kind = source.schema.field(name).type
        if not pa.types.is_floating(kind):
            raise DataSourceError(f"data: column {name!r} of {source.uri} is {kind}, but {scorer.name} "
                                  f"v{scorer.version} was trained with text there and its categories cannot be "
                                  "read from the model: write it as text (a string column)")
    checking = [n for n in names if n in trained]
    for name in checking:
        out[name] = number_categories(trained[name])
    pending = set(checking)
    seen: dict[str, NumbersAsText] = {n: NumbersAsText() for n in checking}
    for batch, _, _ in source.batches(checking, batch_rows=batch_rows) if checking else ():
        for name in list(pending):
            column = batch.column(name)
            if pa.types.is_float16(column.type):  # no unique kernel for halffloat (pyarrow 25): as float32, exact,
                values = pc.cast(pc.unique(pc.cast(column, pa.float32())), pa.float16()).to_pandas()  # then its width
            else:
                values = pc.unique(column).to_pandas()
            tally = NumbersAsText()
            numbers_as_text(values, out[name], tally)
            seen[name].add(tally)
            if tally.numbers > tally.unknown:  # a number of a trained category: the column is the model's
                pending.discard(name)
        if not pending:
            break
    for name in checking:
        if name in pending and seen[name].numbers:
            known = sorted(trained[name], key=str)
            shown = ", ".join(repr(v) for v in known[:5]) + (", …" if len(known) > 5 else "")
            example = seen[name].examples.get("unknown", "").split(" → ")[0]
            raise DataSourceError(f"data: column {name!r} of {source.uri} is {source.schema.field(name).type}, and "
                                  f"none of its numbers (e.g. {example}) is the value of a category {scorer.name} "
                                  f"v{scorer.version} was trained with there as text ({shown}): every row would be "
                                  "scored as an unknown category; write the column the model was trained on")
    return out


def _text_codes(scorer: Scorer, source: Any, batch_rows: int = BATCH_ROWS) -> dict[str, dict[Any, list[Any]]]:
    """The features trained on codes held as numbers (a category column of 1..5,
    :func:`ctloop.serving.payload.trained_codes`) whose column in ``source`` is text (a Parquet string
    or dictionary column of '1'..'5'), each with its codes by value: while scoring, each text is read as
    the code of its value (:func:`ctloop.serving.payload.text_as_codes`, the serving runtime's rule),
    counted in :attr:`ScoreResult.text_as_codes`; as text every row was an unknown category, the
    feature ignored. A null word ('nan', '<NA>': :func:`ctloop.serving.payload.null_word`) is a gap, and a
    text that is no code ('x', '9' where 1..3 were trained) an unknown category, noted as a number that is
    no code is. Refused, before anything is written (one pass over these columns, until a text of a code
    is found): a column none of whose text is a code — the wrong column, every row an unknown category."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ctloop.serving.payload import CodesAsText, text_as_codes, trained_codes
    from ctloop.storage import trained_categories

    def text(kind: Any) -> bool:
        inner = kind.value_type if pa.types.is_dictionary(kind) else kind
        return pa.types.is_string(inner) or pa.types.is_large_string(inner)

    codes = trained_codes([n for n in scorer.features if n not in scorer.numeric], trained_categories(scorer.model))
    out = {name: known for name, known in codes.items() if text(source.schema.field(name).type)}
    pending = set(out)
    seen = {name: CodesAsText() for name in out}
    for batch, _, _ in source.batches(list(out), batch_rows=batch_rows) if out else ():
        for name in list(pending):
            tally = CodesAsText()
            text_as_codes(pc.unique(batch.column(name)).to_pandas(), out[name], tally)
            seen[name].add(tally)
            if tally.read:  # a text of a trained code: the column is the model's
                pending.discard(name)
        if not pending:
            break
    for name in sorted(pending):
        if seen[name].unknown:
            raise DataSourceError(f"data: column {name!r} of {source.uri} is {source.schema.field(name).type}, a "
                                  f"feature {scorer.name} v{scorer.version} learnt as codes held as numbers, and "
                                  f"none of its text is one of them (e.g. {seen[name].problem(out[name])}): every "
                                  "row would be scored as an unknown category; write the column the model was "
                                  "trained on, as those codes (numbers) or their text")
    return out


def _empty_features(scorer: Scorer, source: Any) -> dict[str, Any]:
    """The features of a CSV source empty in its first block (Arrow type null: a CSV's types are
    inferred from its first block, 1 MiB), each with the type the model needs: the first value
    further on widened the column to text or numbers by its looks (:func:`ctloop.drift.streaming._csv_wider`),
    'True' as text where the model learnt True (and 013 as the number 13 where it learnt '013'):
    every later row scored with the feature ignored. Numeric features are read as float64, true/false
    ones as booleans (a value that is none, ``yes``, is refused naming its row), text ones as text."""
    import pyarrow as pa

    if source.format != "csv" or source.partition_keys:
        return {}
    flags = set(_true_false_features(scorer))
    return {name: pa.float64() if name in scorer.numeric else pa.bool_() if name in flags else pa.string()
            for name in scorer.features if pa.types.is_null(source.schema.field(name).type)}


def _as_text(source: Any, names: list[str], kinds: dict[str, Any] | None = None) -> Any:
    """A CSV source whose ``names`` are read as text: the id column, as the label store reads keys
    from CSV (``00123`` stays ``00123``; type inference would make it the number 123), and text
    features whose values look like numbers (:func:`_text_features`); ``kinds``: more columns'
    types (:func:`_empty_features`), ``names`` win."""
    import dataclasses

    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.dataset as pads

    from ctloop.drift import streaming

    if not (names or kinds) or source.format != "csv" or source.partition_keys:
        return source
    # the types set already (csv_as_pandas_reads: a column holding ' NaN' is text) stay
    kept = dict(source.dataset.format.default_fragment_scan_options.convert_options.column_types)
    types = {**(kinds or {}), **kept, **dict.fromkeys(names, pa.string())}
    # the missing values as the source reads them (drift.streaming.open_source): an empty cell, NA or None is a
    # gap, not '' or the text 'None' (which made a numeric feature's column text)
    csv = pads.CsvFileFormat(parse_options=source.dataset.format.parse_options,  # a quoted line end, as read
                             convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                                                  null_values=streaming.CSV_NULLS))
    return dataclasses.replace(source, dataset=pads.dataset(source.dataset.files, format=csv,
                                                            filesystem=source.dataset.filesystem),
                               file_schemas=None)  # fmt: skip


def _why_unscorable(frame: pd.DataFrame, numeric: list[str], first_row: int, exc: BaseException) -> str:
    """One line on why the model refused a batch: the first numeric feature, or float column of a text
    feature, with ±inf (no model takes it) or, when the model names missing values, with a missing value, by column and input
    row, or the first numeric feature holding values that are not numbers (text, a dict, a time);
    else the first line of the model's own message (scikit-learn's run over several lines)."""
    import numbers

    import numpy as np
    import pandas as pd

    text = (str(exc).strip() or type(exc).__name__).splitlines()[0][:300]
    checks = [("inf", np.isinf)]
    if "nan" in str(exc).lower():
        checks.append(("missing", np.isnan))
    # a float column of a text feature too (codes held as numbers, a Parquet double column): the encoder refuses
    # its inf as scikit-learn's "Input X contains infinity", naming no column
    floats = [name for name in frame.columns if name not in numeric and isinstance(frame[name], pd.Series)
              and pd.api.types.is_float_dtype(frame[name])]
    for word, test in checks:
        for name in [*numeric, *floats]:
            if name not in frame.columns:
                continue
            try:
                values = frame[name].to_numpy(dtype=float, na_value=np.nan)
            except (TypeError, ValueError):  # not numbers after all: the model's message says more
                continue
            hits = np.flatnonzero(test(values))
            if len(hits):
                return (f"column {name!r} is {word} in {len(hits)} row(s), first {row_said(first_row + int(hits[0]))} "
                        f"(the model: {text})")
    for name in numeric:  # a dict, a list or a time where the model learnt numbers: a TypeError naming none
        if name not in frame.columns or pd.api.types.is_numeric_dtype(frame[name]):
            continue
        bad = frame[name].map(lambda v: v is not None and not isinstance(v, numbers.Number) and not (
            isinstance(v, str) and _is_number_text(v)) and not (isinstance(v, float) and v != v))
        hits = np.flatnonzero(bad.to_numpy(dtype=bool))
        if len(hits):
            value = frame[name].iloc[int(hits[0])]
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:39] + "…"
            return (f"column {name!r} holds {type(value).__name__} values, not numbers, in {len(hits)} row(s), "
                    f"first {row_said(first_row + int(hits[0]))} (e.g. {shown}; the model: {text})")
    return text


def _is_number_text(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def id_keys(column: pa.Array | pa.ChunkedArray) -> pd.Series:
    """The id column's values as the label store keys them (``ctloop.labels.store.normalise_keys``:
    ``1001`` and ``1001.0`` → ``"1001"``). A decimal column (a warehouse's NUMERIC(12,2) or
    NUMBER(38,0) export) is read value by value the same way, exactly: ``1001.00`` → ``"1001"``,
    ``1001.50`` → ``"1001.5"`` (as text a decimal kept its scale, ``"1001.00"``, and labels keyed
    ``1001`` never joined)."""
    import pandas as pd
    import pyarrow as pa

    from ctloop.labels.store import normalise_keys

    if pa.types.is_decimal(column.type):  # Decimal values: keyed as the label store keys them (decimal_key)
        return normalise_keys(pd.Series(column.to_pylist(), dtype=object))
    return normalise_keys(column.to_pandas())


def _check_ids(source: Any, id_column: str, batch_rows: int) -> None:
    """One pass over the id column only: every id present, exact and unique (as text; compared by a 64-bit
    digest each, :func:`_id_hashes`, then exactly among the rows whose digests clash). Refused by type
    first: a nested id (a Parquet list, struct or map column: its text, ``{'k': 1}``, is no id), and
    as the label store refuses such keys (``ctloop.labels.store._inexact_keys``), a float id from
    2**53 up (2**24 in a float32 column, 2**11 in float16), whose digits may have been rounded: its
    late labels would be refused at ingest, or join another row."""
    import gc
    import math

    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from ctloop.labels.store import _exact_limit, _inexact_keys

    kind = source.schema.field(id_column).type
    if pa.types.is_nested(kind):
        raise DataError(f"id_column {id_column!r} is {kind}: an id is one text or number per row; name another "
                        "column, or write the id as text")
    hashes, first, empty_rows, empty_first = [], 0, 0, None
    for batch, _, _ in source.batches([id_column], batch_rows=batch_rows):
        column = batch.column(0)
        if pa.types.is_floating(column.type):
            values = column.to_pandas()
            inexact = _inexact_keys(values)
            if len(inexact):
                width = values.dtype
                raise DataError(f"id_column {id_column!r} holds {float(inexact.iloc[0])!r} in "
                                f"{row_said(first + int(inexact.index[0]))} ({len(inexact)} row(s)), a float"
                                f"{f' of {8 * width.itemsize} bits' if width.itemsize < 8 else ''} from "
                                f"2**{int(math.log2(_exact_limit(width)))} up, whose digits may have "
                                "been rounded: its late labels would join another row; write the ids as integers "
                                "or text")
        keys = id_keys(column)
        missing = keys.isna().to_numpy(dtype=bool)  # blank text too: normalise_keys makes it missing
        if missing.any():
            empty_rows += int(missing.sum())
            if empty_first is None:
                empty_first = first + int(missing.argmax())
        hashes.append(_id_hashes(keys, missing))
        first += len(column)
        del keys, missing
        # normalise_keys' `.str.strip()` leaves its Series in a reference cycle with its cached accessor (pandas 2.x's
        # CachedAccessor, pandas-dev/pandas#47667; gone in pandas 3.0, #58733): left to the collector, ~6 batches'
        # ids piled up. They are young: the youngest generation, not the whole heap (a full collection a batch
        # made the check 2.4x slower at 100,000 rows a batch, 6.4x at 10,000)
        gc.collect(0)
    if empty_rows:
        raise DataError(f"id_column {id_column!r} is empty in {row_said(empty_first)} ({empty_rows} row(s) "
                        "without an id): every row needs an id for late labels to join")
    digests = np.concatenate(hashes) if hashes else np.array([], dtype=np.uint64)
    del hashes
    ordered = np.sort(digests)
    clashing = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    if not len(clashing):
        return
    # the few rows whose digest another row shares (a repeated id, or a 64-bit clash): their ids, exactly
    candidates = np.flatnonzero(np.isin(digests, clashing))
    del digests
    rows, texts, first = [], [], 0
    for batch, _, _ in source.batches([id_column], batch_rows=batch_rows):
        keys = id_keys(batch.column(0))
        inside = candidates[(candidates >= first) & (candidates < first + len(keys))]
        rows.extend(inside.tolist())
        texts.extend(keys.iloc[inside - first].tolist())
        first += len(keys)
    ids = pd.Series(texts, index=rows, dtype=object)
    repeated = ids.duplicated(keep=False)
    if repeated.any():
        shared = ids[repeated].iloc[0]
        at = ids.index[ids == shared].tolist()
        raise DataError(f"id_column {id_column!r} repeats {shared!r} ({rows_said(at[0], at[1])}; "
                        f"{int(repeated.sum())} row(s) share an id): ids must be unique for late labels to "
                        "join one row each")


def _id_hashes(keys: pd.Series, missing: Any) -> Any:
    """A 64-bit digest of each id's text (``pandas.util.hash_pandas_object``, stable across processes), of
    ``""`` where the id is missing (refused before the digests are compared): :func:`_check_ids` compares these,
    8 bytes an id, not the ids' text (~110 MB a million ids), and reads the ids again only for the rows
    whose digest another shares."""
    import numpy as np
    import pandas as pd

    text = keys.astype(object).where(~missing, "")
    return np.asarray(pd.util.hash_pandas_object(text, index=False).to_numpy(), dtype=np.uint64)


# ------------------------------------------------------------------ the inference log
_LOG_TYPES = {"double", "string", "bool"}


def _log_type(kind: pa.DataType) -> str:
    import pyarrow as pa

    if pa.types.is_boolean(kind):
        return "bool"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "double"
    return "string"


def _log_name(name: str) -> str:
    from ctloop.inference_log.events import feature_column

    return feature_column(name)  # as the sink's join names them


def _conform(values: pa.Array | pa.ChunkedArray, wanted: str, as_written: bool = False) -> tuple[pa.Array, list[Any] | None]:
    """``values`` in the log's type ``wanted``, by the sink's rules (:func:`ctloop.inference_log.schema.normalise`):
    numbers fit ``double`` (NaN and infinities become null), anything but text becomes its JSON text
    in a ``string`` column, only booleans fit ``bool``; what does not fit is null, and returned aside
    (for ``_mistyped``). ``as_written`` (a text feature's column): a float16/float32 number as written
    (``storage._narrow_read``), as scoring read it; otherwise widened, as the model was given it."""
    import orjson
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):  # Spark's and pandas' category text: its values, not codes
        values = values.dictionary_decode()
    if as_written and pa.types.is_floating(values.type) and values.type.bit_width < 64:
        # float16/float32 for a text feature: each number as written (0.1, not 0.10000000149011612), as scoring
        # read it and the serving runtime logs JSON 0.1; the monitor read the widened one as an unknown category
        # '0.10000000149011612' (round 48)
        from ctloop.storage import _narrow_read

        nulls = values.is_null().to_numpy(zero_copy_only=False)
        values = pa.array(_narrow_read(values.fill_null(0).to_numpy(zero_copy_only=False)), pa.float64(), mask=nulls)
    kind = values.type
    numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    if wanted == "double" and (numeric or pa.types.is_null(kind)):
        # an integer beyond 2**53 (an int64 of epoch nanoseconds, a uint64 counter) as the nearest double, as the
        # model was given it: a safe cast raised ArrowInvalid "Integer value ... not in range" after the chunk's
        # output was written (a traceback, the run half done)
        doubles = pc.cast(values, pa.float64(), safe=False)
        return pc.if_else(pc.is_finite(doubles), doubles, pa.scalar(None, pa.float64())), None
    if wanted == "string" and (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)):
        return pc.cast(values, pa.string()), None
    if wanted == "bool" and (pa.types.is_boolean(kind) or pa.types.is_null(kind)):
        return pc.cast(values, pa.bool_()), None
    python = values.to_pylist()
    if wanted == "string":  # a number or a flag in a text column: its JSON text, as the sink writes it
        return pa.array([None if v is None or (isinstance(v, float) and not math.isfinite(v))
                         else v if isinstance(v, str) else orjson.dumps(v, default=str).decode()
                         for v in python], pa.string()), None
    arrow = pa.float64() if wanted == "double" else pa.bool_()
    return pa.nulls(len(python), arrow), python


def _log_directory(root: str, scorer: Scorer, scored_at: datetime) -> str:
    """Where the rows scored at ``scored_at`` are logged (the sink's partition of that day)."""
    from ctloop.inference_log import layout
    from ctloop.inference_log.events import row_revision

    day = scored_at.strftime("%Y-%m-%d")
    return f"{root.rstrip('/')}/{layout.partition(scorer.name, day, row_revision('', scorer.version))}"


class _Log:
    """The scored rows as the sink writes served rows (layout, column types, identity columns)."""

    def __init__(self, root: str, scorer: Scorer, source: Any, prediction_types: dict[str, str], run_id: str,
                 scored_at: datetime):
        import pyarrow as pa

        from ctloop.inference_log import schema
        from ctloop.inference_log.events import row_revision

        self.root, self.scorer, self.run_id = root.rstrip("/"), scorer, run_id
        self.time = scored_at.isoformat()
        self.revision = row_revision("", scorer.version)
        self.directory = _log_directory(root, scorer, scored_at)
        # a feature with no value in this input (Arrow's null type: a CSV column left empty) gets no type
        # yet, as the sink types a column at its first value; 'string' here would be kept for good
        new = {_log_name(f): _log_type(source.schema.field(f).type) for f in scorer.features
               if not pa.types.is_null(source.schema.field(f).type)}
        new.update(prediction_types)
        self.types = schema.sync(self.root, scorer.name, new)  # an existing entry wins, as in the sink
        self.columns = [*new]
        self.schema = schema.arrow_schema(self.types, self.columns)

    def write(self, chunk: int, ids: pa.Array, features: pa.RecordBatch, predictions: dict[str, Any]) -> str:
        import json

        import pyarrow as pa

        from ctloop.inference_log import schema

        n = len(ids)
        constant = {c.INSTANCE: pa.scalar(0, pa.int64()), c.MODEL: self.scorer.name, c.NAMESPACE: "",
                    c.REVISION: self.revision, c.MODEL_VERSION: self.scorer.version, c.COMPONENT: COMPONENT,
                    c.TIME: self.time, c.HAS_RESPONSE: True, c.HAS_REQUEST: True}
        data: dict[str, Any] = {c.REQUEST_ID: ids}
        data.update({k: pa.repeat(v if isinstance(v, pa.Scalar) else pa.scalar(v), n) for k, v in constant.items()})
        aside: dict[str, list[Any]] = {}
        numeric = set(self.scorer.numeric)  # a numeric feature's float32 is logged widened, as the model got it:
        for name in self.scorer.features:  # its text would cost a conversion per value for no category
            column = _log_name(name)
            values, bad = _conform(features.column(name), self.types.get(column, "string"),
                                   as_written=name not in numeric)
            data[column] = values
            if bad is not None:
                aside[column] = bad
        for name, values in predictions.items():
            data[name], bad = _conform(pa.array(values), self.types.get(name, "double"))
            if bad is not None:
                aside[name] = bad
        if aside:  # rare: values that do not fit the type the log registered first
            mistyped: list[str | None] = [None] * n
            for column, bad in aside.items():
                for i, v in enumerate(bad):
                    if v is not None:
                        row = json.loads(mistyped[i]) if mistyped[i] else {}
                        row[column] = v
                        mistyped[i] = json.dumps(row, default=str)
            data[schema.MISTYPED] = pa.array(mistyped, pa.string())
        table = pa.table({f.name: data.get(f.name, pa.nulls(n, f.type)) for f in self.schema}, schema=self.schema)
        uri = _chunk_file(self.directory, f"{COMPONENT}-", self.run_id, chunk)
        _write_parquet(table, uri)
        return uri


def _write_parquet(table: pa.Table, uri: str) -> None:
    import pyarrow.parquet as pq

    from ctloop import storage

    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    storage.write_bytes(uri, buffer.getvalue(), content_type="application/vnd.apache.parquet")


# ------------------------------------------------------------------ scoring
def open_input(data: str) -> Any:
    """The input table (:func:`ctloop.drift.streaming.open_source`); a problem names ``data``. A
    CSV's cells are read as training reads them (``pandas.read_csv`` in :func:`ctloop.storage.read_table`;
    :func:`ctloop.drift.streaming.csv_as_pandas_reads`): a numeric column holding ``' NaN'``,
    ``NAN``, ``' inf'`` or ``1e999`` is text there (training refuses it as numbers with text),
    where Arrow read it as a number with a gap and scored the row with the feature imputed."""
    from ctloop.drift.streaming import csv_as_pandas_reads, open_source

    if not data.strip():
        raise ConfigError("data: must not be empty — a Parquet or CSV file, directory or glob")
    try:
        return csv_as_pandas_reads(open_source(data))
    except (DataSourceError, ConfigError) as exc:
        raise type(exc)(f"data: {exc}") from exc


def score(
    scorer: Scorer,
    data: str | Any,
    output: str,
    *,
    run_id: str,
    id_column: str = ScoringConfig.default_of("id_column"),
    batch_rows: int = BATCH_ROWS,
    log_root: str = ScoringConfig.default_of("log_root"),
    scored_at: datetime | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> ScoreResult:
    """Score ``data`` with ``scorer`` into ``output`` (and the inference log under ``log_root``);
    see the module doc. Every check runs before the first file is written."""
    import pandas as pd
    import pyarrow as pa

    from ctloop import storage

    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise ConfigError(f"batch_rows: must be a whole number > 0, got {batch_rows!r}")
    _check_run_id(run_id)
    check_output(output)
    source = data if not isinstance(data, str) else open_input(data)
    data = source.uri
    check_apart(data, output=output, log_root=log_root)
    _check_columns(scorer, source, id_column)
    source = _as_text(source, list(dict.fromkeys([*_text_features(scorer, source), *([id_column] if id_column else [])])),
                      _empty_features(scorer, source))
    source = _check_files(scorer, source)
    if id_column:
        source = _check_id_kinds(source, id_column)
        _check_ids(source, id_column, batch_rows)
    text_numbers = _text_categories(scorer, source, batch_rows)
    text_numbers.update(_text_codes(scorer, source, batch_rows))
    first = first_attempt(log_root, scorer.name, run_id)  # a retry: log as the first attempt did
    if first is not None:
        from ctloop.timeutil import to_utc

        files = [str(f) for f in source.files]
        if "data" in first and (first["data"], first["files"]) != (source.uri, files):
            raise ConfigError(f"run_id: run {run_id!r} first scored {first['data']} ({len(first['files'])} file(s))"
                              + (_files_changed(first["files"], files) if first["data"] == source.uri
                                 else f", not {source.uri}")
                              + ": a retry scores the same input; another input needs a new run id "
                              "(reusing one would overwrite the first run's logged rows)")
        recorded = to_utc(first["scored_at"], name="scored_at").to_pydatetime()
        if scored_at is not None and scored_at.astimezone(UTC) != recorded:
            raise ConfigError(f"scored_at: {scored_at.astimezone(UTC).isoformat()} is not the time run {run_id!r} "
                              f"first scored at ({recorded.isoformat()}); a retry logs at its first attempt's time "
                              "(pass that time or none; a new run id scores anew)")
        if first["model_version"] != scorer.version:
            raise ConfigError(f"run_id: run {run_id!r} first scored with {scorer.name} v{first['model_version']}; "
                              f"a retry with v{scorer.version} would log its rows twice (retry with "
                              f"v{first['model_version']}, or score anew with a new run id)")
        scored_at = recorded
    scored_at = (scored_at or datetime.now(UTC)).astimezone(UTC)
    started = time.monotonic()
    result = ScoreResult(scorer.name, scorer.version, scorer.alias, run_id, id_source=id_column or "generated",
                         alias_version=scorer.alias_version)
    prefix = generated_id_prefix(data)
    stamp = pa.scalar(pd.Timestamp(scored_at), pa.timestamp("us", tz="UTC"))
    wanted = list(dict.fromkeys([*scorer.features, *([id_column] if id_column else [])]))
    retried = first is not None or storage.exists(_chunk_file(output, "", run_id, 0))
    attempt = _Attempt(earlier=_earlier_chunks(output, log_root, scorer, scored_at, run_id) if retried else None)
    # memory_said outside the undo: a MemoryError reaches the handler as itself (the store failing under the
    # attempt: its own files removed), not as the DataSourceError of an input refused, whose undo removed the
    # first, finished attempt's files too (review 59 H1)
    with storage.memory_said(f"data: {source.uri}", read=f"it in batches of {batch_rows:,} rows",
                             fix="lower batch_rows (--batch-rows), or give the step more memory"):
        try:
            log = _score_batches(scorer, source, output, result, wanted, id_column, batch_rows, log_root, first,
                                 scored_at, stamp, prefix, started, progress, attempt, text_numbers)
        except Exception as exc:  # a value past the first chunks, a log or output write failing: no scored row
            # is left without its logged one (before round 49 only a DataError undid the attempt: an OSError
            # writing chunk k's log left chunk k's output without its logged rows, a run half done); an interrupt (SIGTERM,
            # Ctrl-C) leaves the chunks and the run record, which a retry with the same run id replaces
            # ... the input refused, not the store failing under the attempt (a write, the store unreachable,
            # a file failing to read part-way: a retry's read error removed a finished run's files, 49 2A)
            refused = (isinstance(exc, DataError) and not isinstance(exc, StoreUnavailable | SourceUnreadable)
                       and not attempt.writing)
            left = _undo_attempt(output, log_root, scorer, scored_at, run_id, result, attempt, refused=refused)
            if left:
                more = f" and {len(left) - 1} more file(s)" if len(left) > 1 else ""
                exc.add_note(f"could not remove {left[0]}{more} of run {run_id!r}; a retry with run id {run_id!r} "
                             "replaces them")
            if isinstance(exc, CsvTypeChanged):
                needs = "numbers" if exc.column in scorer.numeric else "one type"
                again = exc.again(prefix="data: ", hint=f"; {scorer.name} v{scorer.version} needs {needs} there"
                                  + ("" if left else " (nothing of this run is left in the output)"))
                for note in getattr(exc, "__notes__", ()):  # what could not be removed: said by the CLI too
                    again.add_note(note)
                raise again from exc
            raise
    if not result.rows:
        raise DataSourceError(f"data: {source.uri} has no rows to score")
    if retried:  # an earlier attempt in smaller chunks: its later chunks hold rows written again above
        result.stale_files = _remove_stale_chunks(output, "", run_id, result.chunks)
        if log is not None:
            result.stale_files += _remove_stale_chunks(log.directory, f"{COMPONENT}-", run_id, result.chunks)
    result.seconds = time.monotonic() - started
    return result


def _files_changed(before: list[str], now: list[str]) -> str:
    """``; now it has 3 (added since: <file> and 1 more)``: how the files of one input changed between a
    run's first attempt and a retry (a producer's late part file), the first added and removed named."""
    added, removed = [f for f in now if f not in before], [f for f in before if f not in now]
    said = [f"{what} since: {files[0]}" + (f" and {len(files) - 1} more" if len(files) > 1 else "")
            for what, files in (("added", added), ("removed", removed)) if files]
    return f"; now it has {len(now)} ({', '.join(said) or 'in another order'})"


@dataclass
class _Attempt:
    """One attempt of a run, for :func:`_undo_attempt`: the batch run record it wrote (``record``, when it
    did), whether it was writing to the store when it failed (``writing``: the store's failure, not the
    input's), and for a retry the chunk numbers an earlier attempt left in the output and in the log
    (``earlier``, :func:`_earlier_chunks`; None: nothing of the run was there)."""

    record: list[str] = field(default_factory=list)
    writing: bool = False
    earlier: tuple[set[int], set[int]] | None = None


def _earlier_chunks(output: str, log_root: str, scorer: Scorer, scored_at: datetime,
                    run_id: str) -> tuple[set[int], set[int]]:
    """The numbers of run ``run_id``'s chunk files in ``output`` and in its log directory, before an attempt."""
    logged = set(_chunk_files(_log_directory(log_root, scorer, scored_at), f"{COMPONENT}-", run_id)) if log_root \
        else set()
    return set(_chunk_files(output, "", run_id)), logged


def _undo_attempt(output: str, log_root: str, scorer: Scorer, scored_at: datetime, run_id: str, result: ScoreResult,
                  attempt: _Attempt, *, refused: bool) -> list[str]:
    """Remove what a failed attempt of run ``run_id`` wrote, so no scored row is left without its logged one;
    the files (or places) it could not remove. Each removal is tried whatever the others do (the store may be
    the thing that failed).

    The input refused (``refused``: a :class:`DataError` raised while not writing, a value past the first
    chunks): nothing of the run is left, this attempt's chunk and log files and run record, and for a retry
    the earlier attempt's chunks it did not reach and its record. Any other failure (a store write, an
    ``OSError``, an unforeseen error) removes only the files this attempt created: what an earlier attempt
    wrote (a finished run, acknowledged) stays, rewritten with the same rows where this attempt reached
    it; a retry with the run id replaces the rest. Before, a retry's transient write failure removed a
    finished first attempt's output, logged rows and record."""
    from ctloop import storage
    from ctloop.inference_log import layout

    earlier = attempt.earlier or (set(), set())
    mine = [uri for k, uri in enumerate(result.files) if refused or k not in earlier[0]]
    mine += [uri for k, uri in enumerate(result.log_files) if refused or k not in earlier[1]]
    left = []
    for uri in [*mine, *attempt.record]:
        try:
            storage.delete(uri)
        except Exception:  # noqa: BLE001 - a store that is failing: the caller names what is left
            left.append(uri)
    if refused and attempt.earlier is not None:  # an earlier attempt's chunks this one did not reach, and its record
        removals = [(f"{output} (an earlier attempt's chunks)", lambda: _remove_stale_chunks(output, "", run_id, 0))]
        if log_root:
            logged = _log_directory(log_root, scorer, scored_at)
            record = f"{log_root.rstrip('/')}/{layout.batch_run_file(scorer.name, run_id)}"
            removals += [(f"{logged} (an earlier attempt's logged chunks)",
                          lambda: _remove_stale_chunks(logged, f"{COMPONENT}-", run_id, 0)),
                         (record, lambda: storage.delete(record))]
        for where, remove in removals:
            try:
                remove()
            except Exception:  # noqa: BLE001
                left.append(where)
    return left


def _score_batches(scorer: Scorer, source: Any, output: str, result: ScoreResult, wanted: list[str], id_column: str,
                   batch_rows: int, log_root: str, first: dict[str, str] | None, scored_at: datetime, stamp: Any,
                   prefix: str, started: float, progress: Callable[[Progress], None] | None,
                   attempt: _Attempt, text_numbers: dict[str, Any]) -> _Log | None:
    """:func:`score`'s pass over the input: each batch predicted and written (``result`` keeps
    the files written, ``attempt`` the batch run record when this attempt wrote it and whether it is
    writing to the store, and the
    numbers read as text: ``text_numbers``, :func:`_text_categories`, and the text read as codes held
    as numbers, :func:`_text_codes`); the log written to, if any."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from ctloop.contract import gaps_as_nan
    from ctloop.serving.payload import CodesAsText, text_as_codes, trained_codes
    from ctloop.storage import NumbersAsText, numbers_as_text, plain_missing, trained_categories

    log: _Log | None = None
    codes = trained_codes([n for n in scorer.features if n not in scorer.numeric], trained_categories(scorer.model))
    run_id = result.run_id
    classes = list(getattr(scorer.model, "classes_", [])) if hasattr(scorer.model, "predict_proba") else []
    named = class_columns(classes, {c.REQUEST_ID, id_column, *RESERVED_OUTPUT,
                                    *c.class_probability_columns(len(classes))})
    numeric = set(scorer.numeric)
    known = {name: set(values) for name, values in trained_categories(scorer.model).items()
             if name in scorer.features and name not in numeric and values}
    pooled = _pooled_features(scorer.model)
    coded = set(codes) & set(known)
    for batch, _, _ in source.batches(wanted, batch_rows=batch_rows):
        n = batch.num_rows
        if not n:
            continue
        result.max_batch_rows = max(result.max_batch_rows, n)
        frame = plain_missing(batch.select(scorer.features).to_pandas())  # as read_table reads it for training
        for name in codes.keys() & text_numbers.keys():  # '1' for a code trained as the number 1: 1, as served
            frame[name] = text_as_codes(frame[name], text_numbers[name],
                                        result.text_as_codes.setdefault(name, CodesAsText()))
        _count_unknown(frame, known, result.unknown_categories, pooled, coded)  # 'North' where 'north' was trained
        for name, categories in text_numbers.items():  # 13 for a code trained as '013': '013', as served
            if name in codes:
                continue
            counts = result.numbers_as_text.setdefault(name, NumbersAsText())
            frame[name] = numbers_as_text(gaps_as_nan(frame[name]), categories, counts)
        try:
            predictions = scorer.predict(frame)
        except (ValueError, TypeError) as exc:
            raise DataSourceError(f"data: {scorer.name} v{scorer.version} cannot score "
                                  f"{rows_said(result.rows, result.rows + n - 1, between='..')} of {source.uri}: "
                                  f"{_why_unscorable(frame, scorer.numeric, result.rows, exc)}") from exc
        if id_column:
            ids = pa.array(id_keys(batch.column(id_column)).astype(object), pa.string())
        else:
            numbers = pc.cast(pa.array(np.arange(result.rows, result.rows + n, dtype="int64")), pa.string())
            ids = pc.binary_join_element_wise(prefix, numbers, "-")
        out: dict[str, Any] = {c.REQUEST_ID: ids}
        if id_column and id_column != c.REQUEST_ID:
            out[id_column] = batch.column(id_column)
        out.update({k: pa.array(v) for k, v in predictions.items()})
        if len(named) == len(predictions):  # the same probabilities under the class names
            out.update({name: out[c.prediction_column(i)] for i, name in enumerate(named)})
        out.update({"model_name": pa.repeat(pa.scalar(scorer.name, pa.string()), n),
                    "model_version": pa.repeat(pa.scalar(scorer.version, pa.string()), n),
                    "run_id": pa.repeat(pa.scalar(run_id, pa.string()), n),
                    "scored_at": pa.repeat(stamp, n)})
        target = _chunk_file(output, "", run_id, result.chunks)
        table = pa.table(out)
        attempt.writing = True  # a failure from here to the logged rows is the store's, not the input's
        _write_parquet(table, target)
        result.files.append(target)
        if log_root:
            if log is None:
                if first is None:  # before the first log file: a retry finds it however this attempt ends
                    attempt.record.append(_record_attempt(log_root, scorer.name, run_id, scored_at, scorer.version,
                                                          source))
                log = _Log(log_root, scorer, source,
                           {k: _log_type(pa.array(v).type) for k, v in predictions.items()}, run_id, scored_at)
            result.log_files.append(log.write(result.chunks, ids, batch, predictions))
            result.logged_rows += n
        attempt.writing = False
        result.rows += n
        result.chunks += 1
        result.seconds = time.monotonic() - started
        if progress is not None:
            progress(Progress(result.rows, result.chunks, result.seconds))
    return log


def _chunk_file(directory: str, kind: str, run_id: str, chunk: int) -> str:
    """``<directory>/part-<kind><run id>-<chunk:05d>.parquet``: a chunk's output (kind ``""``) or log
    file (kind ``batch-``)."""
    return f"{directory.rstrip('/')}/part-{kind}{run_id}-{chunk:05d}.parquet"


def _remove_stale_chunks(directory: str, kind: str, run_id: str, chunks: int) -> int:
    """Remove run ``run_id``'s chunk files numbered ``chunks`` or more in ``directory`` (not below
    it): an earlier attempt's, when this one needed fewer chunks. The number removed."""
    from ctloop import storage

    stale = [uri for number, uri in _chunk_files(directory, kind, run_id).items() if number >= chunks]
    for uri in stale:
        storage.delete(uri)
    return len(stale)


def _chunk_files(directory: str, kind: str, run_id: str) -> dict[int, str]:
    """Run ``run_id``'s chunk files in ``directory`` (not below it; :func:`_chunk_file`), by chunk number."""
    from ctloop import storage

    own = re.compile(rf"part-{re.escape(kind)}{re.escape(run_id)}-(\d{{5,}})\.parquet")
    root = directory.rstrip("/")
    return {int(m[1]): f for f in storage.list_files(root, ".parquet", empty=True)
            if "/" not in f[len(root) + 1:] and (m := own.fullmatch(f[len(root) + 1:]))}


def score_section(registry: MlflowRegistry | Callable[[], MlflowRegistry], model_name: str, scoring: ScoringConfig,
                  *, run_id: str, scored_at: datetime | None = None,
                  progress: Callable[[Progress], None] | None = None) -> ScoreResult:
    """:func:`score` of a :class:`ScoringConfig` with the version behind its alias. The output and
    the input are checked before the registry is opened (``registry`` may be a factory) and the
    model downloaded."""
    _check_run_id(run_id)
    check_output(scoring.output)
    source = open_input(scoring.data)
    if callable(registry):
        registry = registry()
    first = first_attempt(scoring.log_root, model_name, run_id)  # a retry finishes its first attempt's run
    scorer = load_scorer(registry, model_name, scoring.alias, first["model_version"] if first else None)
    return score(scorer, source, scoring.output, run_id=run_id, id_column=scoring.id_column,
                 batch_rows=scoring.batch_rows, log_root=scoring.log_root, scored_at=scored_at, progress=progress)


__all__ = ["Scorer", "ScoreResult", "UnknownCategories", "Progress", "load_scorer", "first_attempt", "open_input", "score", "every",
           "score_section",
           "check_output", "check_apart", "new_run_id", "scoring_time", "generated_id_prefix", "COMPONENT"]

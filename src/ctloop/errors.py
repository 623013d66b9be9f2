"""The one exception hierarchy of ctloop.

::

    CtloopError
    ├── ConfigError            a parameter, spec field or option is invalid (says which and how to fix)
    ├── DataError
    │   ├── DataSourceError    the data cannot be read: missing, empty, corrupt, unsupported format
    │   │   ├── CsvTypeChanged     a CSV column's values change type past the block its type was read from
    │   │   ├── NoDataFiles        a directory (prefix) holding no data files: empty, scratch, markers, 0 bytes
    │   │   ├── SourceUnreadable   a file failing to read part-way (an I/O error, a damaged page)
    │   │   └── StoreUnavailable   the object store itself: its bucket is missing, its endpoint unreachable
    │   └── DataValidationError the data breaks the declared contract (column, rule, rows)
    ├── TrainingError          fitting failed or produced no usable model
    ├── EvaluationError        the gate could not score a model (not a rejection: that is a decision)
    ├── DriftError             drift could not be computed
    │   └── ColumnTypesDiffer      a compared column holds another type of values on each side
    ├── RegistryError          the model registry refused or failed an operation
    │   ├── RegistryGone           what was asked for does not exist (a version, a collected run)
    │   └── ModelIntegrityError    a model file's sha256 is not the recorded one (or none is)
    ├── ServingError           the serving layer (KServe) refused or failed an operation
    │   ├── ServingConflictError   a concurrent writer changed the object (HTTP 409)
    │   ├── ServingTimeoutError    a rollout did not become ready in time
    │   │   └── RevisionNotReady       the new revision was created, never ready (no traffic lag, no reconcile lag)
    │   ├── ServingUnreachable     the Kubernetes API server did not answer (a wait polls on)
    │   ├── ServingChangedOutside  someone else changed the service meanwhile: left as it is
    │   │   └── ServingNeedsOperator   a change only an operator can make (a legacy deploymentMode name)
    │   └── ServingBadInput        bad input met after a rollout step wrote (also a ConfigError: exit 2)
    ├── PlatformError          the KFP API (upload, schedule, runs) refused or failed
    └── InferenceLogError      the inference log sink cannot accept or store an event
        ├── RejectedEvent          a malformed event, answered 4xx with its reason (inference_log.events)
        ├── PayloadError           a body whose shape cannot become rows (inference_log.events)
        │   └── PairMismatch           a response with more or fewer predictions than its request's instances
        ├── SkippedRecord          a blob-storage log record the import cannot use (inference_log.blob_import)
        └── SinkUnavailable        events can no longer be made durable, answered 503 (inference_log.sink)

Gates never raise to express a decision: they return ``approved``/``drifted`` with a reason.
Exceptions are for things that went wrong, always chained with ``from`` to their cause.
"""

from __future__ import annotations

import re
import warnings
from typing import Any


def plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds, for messages: ``1``, not ``np.int64(1)``."""
    return value.item() if hasattr(value, "item") else value


def row_said(position: int) -> str:
    """A row of a table as every refusal names it: ``row N``, counted from 1 at the first row of data (a
    CSV's header line is not counted: row 1 is its line 2 when no value spans lines), from a 0-based
    ``position``. The one convention of refusals that name a row (label files counted so already; the
    finite and int64 refusals counted from 0 until round 61)."""
    return f"row {position + 1}"


def rows_said(first: int, last: int, *, between: str = " and ") -> str:
    """Two rows as :func:`row_said` counts them, from 0-based positions: ``rows 1 and 11`` (``between``
    ``..`` for a span: ``rows 7..10``)."""
    return f"rows {first + 1}{between}{last + 1}"


class CtloopError(Exception):
    """Base class of every error ctloop raises on purpose."""


class ConfigError(CtloopError):
    """A parameter, spec field or command-line option is invalid."""


class DataError(CtloopError):
    """Base class of data problems."""


class DataSourceError(DataError):
    """The data cannot be read (missing, empty, corrupt or unsupported)."""


class StoreUnavailable(DataSourceError):
    """Not one object but the store: its bucket (container) does not exist or its endpoint cannot
    be reached. A caller reading many objects stops instead of skipping them one by one."""


class NoDataFiles(DataSourceError):
    """A directory (prefix) holds no data files: nothing, or only markers, scratch (names starting with
    ``_`` or ``.``), zero-byte files or files whose names say they hold no table. Named on its own it is
    refused; one of several directories a glob matches adds no rows, as it does to its parent's listing."""


class SourceUnreadable(DataSourceError):
    """A file of the data failed to read part-way, after it was opened: an I/O or network error, or a
    damaged page (pyarrow's own read errors). Not a value the data holds, so a caller that discards
    earlier work for refused data does not (batch scoring keeps a retried run's earlier attempt, which
    read the same file whole)."""


class CsvTypeChanged(DataSourceError):
    """A CSV column holds one type of value in its first rows (whole numbers, say) and a value of
    another further down (``abc``, or ``1.5`` where a reader cannot widen), past the block a CSV
    reader infers the column's type from. Names the ``file``, the ``column``, its type before
    (``was``), the first such ``value`` and its ``row``: the attribute 0-based, as the table's rows count;
    the message counts from 1 after the header (:func:`row_said`), as every refusal names a row."""

    def __init__(self, file: str, column: str, was: str, row: int, value: str, prefix: str = "",
                 hint: str = ""):
        self.file, self.column, self.was, self.row, self.value = file, column, was, row, value
        self.prefix, self.hint = prefix, hint

        super().__init__(f"{prefix}{file}: column {column!r} holds {was} in its first rows but {value!r} on "
                         f"{row_said(row)}: give the column one type in every row (correct the value, or write the whole "
                         f"column as text){hint}")

    def again(self, *, prefix: str = "", hint: str = "") -> CsvTypeChanged:
        """The same change with a caller's ``prefix`` (``data: ``) and ``hint`` (how to go on)."""
        return CsvTypeChanged(self.file, self.column, self.was, self.row, self.value, prefix=prefix, hint=hint)

    def __reduce__(self):
        return type(self), (self.file, self.column, self.was, self.row, self.value, self.prefix, self.hint)


class DataValidationError(DataError):
    """The data breaks the declared data contract.

    ``violations`` holds one entry per broken rule: ``(column, rule, rows, detail)``; an entry whose
    ``rows`` is 0 says no count ("in 0 row(s)" read as if nothing were broken), whatever the data
    held: data of no rows (a header-only file missing a column) and rules that count no rows of
    data that have some (backtest's every target null, "no rows with a target value"; train's "no
    feature columns left"), the detail saying what is wrong.
    """

    def __init__(self, violations: list[tuple[str, str, int, str]]):
        self.violations = list(violations)
        lines = [
            f"column {col!r} breaks rule {rule!r}{f' in {rows} row(s)' if rows != 0 else ''}: {detail}"
            for col, rule, rows, detail in self.violations
        ]
        # One line, so it survives log scraping (KFP UI, kfp.local logs) intact.
        super().__init__(f"data contract violated ({len(self.violations)} rule(s)): " + "; ".join(lines))

    def __reduce__(self):  # rebuilt from its violations, not its message (raised in another process)
        return type(self), (self.violations,)


class TrainingError(CtloopError):
    """Fitting failed or produced no usable model."""


class EvaluationError(CtloopError):
    """A model could not be scored by the gate."""


class DriftError(CtloopError):
    """Drift could not be computed."""


class ColumnTypesDiffer(DriftError):
    """A compared column holds another type of values on each side (a date against text, numbers
    against text): ``column`` names it, ``temporal`` says a date or time is on one side, so that a
    command can name its own way out (``ctloop drift``: ``--exclude``, ``--time-column``)."""

    def __init__(self, message: str, column: Any = None, temporal: bool = False):
        super().__init__(message)
        self.column = column
        self.temporal = temporal

    def __reduce__(self):
        return type(self), (str(self), self.column, self.temporal)


class RegistryError(CtloopError):
    """The model registry refused or failed an operation."""


class RegistryGone(RegistryError):
    """What the registry was asked for does not exist (a model version; a version's training run,
    collected by ``mlflow gc``) — as opposed to a registry that could not answer (HTTP 5xx)."""


class ModelIntegrityError(RegistryError):
    """A model file was not loaded: its sha256 differs from, or there is no, recorded hash.

    Raised before any byte of the file is deserialised; names the file and both hashes.
    """


class ServingError(CtloopError):
    """The serving layer refused or failed an operation."""


class ServingConflictError(ServingError):
    """A concurrent writer changed the object between read and write (HTTP 409)."""


class ServingTimeoutError(ServingError):
    """A rollout did not reach the expected state in time."""


class RevisionNotReady(ServingTimeoutError):
    """The wait ran out with the revision the deploy created still not ready (``latestCreated`` is
    new and not ``latestReady``): an image or model that never finishes pulling, a readiness probe
    that never passes. Not Knative's gradual rollout still moving traffic, nor a spec KServe has not
    reconciled yet: those stay :class:`ServingTimeoutError`."""


class ServingUnreachable(ServingError):
    """The Kubernetes API server did not answer (refused, reset, no answer in time): transient
    while a wait has time left."""


class ServingChangedOutside(ServingError):
    """Someone else (an operator's ``kubectl patch``, ``ctloop rollout``, another run) changed the
    traffic or the model while a canary was being analysed: the analysis stops and leaves it so.
    ``steps``: the checks judged before the change."""

    steps: list = []


class ServingNeedsOperator(ServingChangedOutside):
    """A traffic-only write the service's state makes unsafe until an operator acts (a legacy
    deployment-mode annotation KServe's webhook would rewrite into a new revision): nothing written,
    and a canary analysis holds it as it is (neither promoted nor rolled back), as for a change
    made outside."""


class ServingBadInput(ServingError, ConfigError):
    """Bad input (a :class:`ConfigError`: ``CTLOOP_KSERVE_NAMESPACE`` naming no namespace where the
    cluster's default deployment mode must be read) met after a rollout step wrote to the
    InferenceService: the handlers that say what was written take it as a :class:`ServingError`,
    and the step still ends on one ``error:`` line, exit status 2 (``release.bad_input_exits``)."""


class PlatformError(CtloopError):
    """The KFP API refused or failed an operation."""


class InferenceLogError(CtloopError):
    """The inference log sink cannot accept or store an event (subclasses live with the sink)."""


__all__ = [
    "plain",
    "CtloopError",
    "ConfigError",
    "DataError",
    "DataSourceError",
    "CsvTypeChanged",
    "SourceUnreadable",
    "StoreUnavailable",
    "DataValidationError",
    "TrainingError",
    "EvaluationError",
    "DriftError",
    "RegistryError",
    "RegistryGone",
    "ModelIntegrityError",
    "ServingError",
    "ServingConflictError",
    "ServingTimeoutError",
    "RevisionNotReady",
    "ServingUnreachable",
    "PlatformError",
    "InferenceLogError",
    "format_warning",
    "one_line_warnings",
    "one_line",
    "problem_list",
    "shell_option",
]


_OWN_CODE = re.compile(r"/(ctloop|components|pipelines)/[^/]+(/[^/]+)?\.py$")


def format_warning(message: Any, category: type[Warning], filename: str, lineno: int, line: str | None = None) -> str:
    """ctloop's own notes (a ``UserWarning`` raised in ctloop's code) as one line, ``warning: …``;
    other libraries' warnings as Python formats them."""
    if category is UserWarning and _OWN_CODE.search(str(filename).replace("\\", "/")):
        return f"warning: {one_line(str(message))}\n"  # a value quoted in it cannot start a line
    return _PYTHON_FORMAT(message, category, filename, lineno, line)


def one_line_warnings() -> None:
    """Print ctloop's notes as :func:`format_warning` does, in this process (the CLI; the
    processes ``ctloop backtest --compare`` replays its policies in send their notes to the parent,
    which prints them)."""
    warnings.formatwarning = format_warning


_PYTHON_FORMAT = warnings.formatwarning

# C0 controls and DEL: written as escapes in a message (C1 controls too: terminals obey some)
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))} | {
    0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def one_line(text: str) -> str:
    """``text`` as one printable line: newlines, carriage returns, terminal escapes and other
    control characters written as escapes (``\\n``, ``\\x1b``), so that a value quoted in a
    message can neither forge a second ``error:`` line in a log nor drive the terminal."""
    return str(text).translate(_CONTROLS)


def shell_option(flag: str, value: Any) -> str:
    """``flag value`` as a printed command line must carry it: ``value`` quoted for bash (``shlex.quote``),
    so that a registered model name holding a space, a quote, ``$``, ``;`` or a backtick (MLflow refuses only
    ``/`` and ``:``, mlflow 3.17.2 ``utils/validation.py`` ``_validate_model_name``) pastes as one word and
    runs nothing; ``flag=value`` when the value starts with ``-``, which argparse would read as an option
    (``--model-name -x``: "expected one argument"). The one way every hint that prints a command puts a
    value in it."""
    import shlex

    text = str(value)
    return f"{flag}={shlex.quote(text)}" if text.startswith("-") else f"{flag} {shlex.quote(text)}"


def problem_list(problems: list[str], *, header: str, prefix: str = "", listed: bool = False) -> ConfigError:
    """One ConfigError for several problems: ``header`` then one indented line per problem (also
    for one problem when ``listed``); else one problem is one line, ``prefix`` and the problem.
    Every line is made :func:`one_line`. ``problems`` keeps ``(header, prefix, lines)`` for
    ``ctloop.cli.main``, which prints one problem as one line and several as a list."""
    header, prefix, lines = one_line(header), one_line(prefix), [one_line(p) for p in problems]
    if len(lines) == 1 and not listed:
        error = ConfigError(prefix + lines[0])
    else:
        error = ConfigError(header + "".join("\n  " + line for line in lines))
    error.problems = (header, prefix, lines)
    return error

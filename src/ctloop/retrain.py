"""Where a retrain starts: the rows since a candidate start, or the whole training window.

A confident loss on labels (:func:`ctloop.monitoring.policy.judge`, record ``try_since``) names a
candidate start. :func:`choose_start` — the one implementation ``train_model``
(``training.candidate_since``, set by ``trigger_training`` from the monitoring window's
``try_from`` tag) and the backtest both call — decides on the window's rows (the training part
and the gate's holdout, which holds the newest rows — where a recent change is):

1. the rows since the start are split by time into a part (older) and a check (the newest
   ``holdout_fraction`` of them); with recency weights (``data.recency_half_life``, which
   ``prepare_data`` writes to the training part only, the newest training row weighing 1) each set
   a model is fitted on gets ``prepare_data``'s formula relative to its own newest row (which
   weighs 1, as the usual model's newest row does);
2. a candidate is fitted on the part, and a model of the whole window on all rows except the
   check;
3. both are scored on the check with the gate's paired bootstrap (the evaluate core's
   comparison, the candidate as the challenger, the whole window's model as the champion);
4. the data since is kept only when the candidate is confidently better (``<metric>.ci_low`` > 0,
   :func:`ctloop.monitoring.policy.pays`): one loss may be noise, an abrupt switch is not. Kept:
   the model is the candidate and the gate judges it on the check (:func:`gate_rows`: the newest
   rows since the start, which it never saw; ``evaluate_model`` selects them from its holdout by
   the model meta's ``training_start``). Otherwise the usual model on the training part, gated
   on the whole holdout.

Not tried (the usual model, the note says why): no rows before or since the start, fewer rows
since it than a challenger needs (:func:`min_rows`), a single class in the part, or a fit or
comparison that fails (``TrainingError``, ``EvaluationError``, or a ``DataValidationError`` of the
rows since the start alone about their shape, :data:`SLICE_RULES`: the usual model decides, and is
refused by itself if its rows are). A leak in the rows since the start (``target_copy``) fails the run.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ctloop.config import GateConfig, TrainingConfig
from ctloop.errors import DataValidationError, EvaluationError, TrainingError, plain

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ctloop.components.train.core import TrainResult


@dataclass
class StartChoice:
    """What :func:`choose_start` decided (recorded in the model meta as ``training_start``)."""

    candidate: str  # the candidate start (ISO 8601, UTC)
    kept: bool  # the model trained on the rows since the candidate start
    note: str  # one line: what was chosen and why
    rows: int = 0  # rows since the candidate start
    check_rows: int = 0  # the newest of them, both models were scored on
    metric: str = ""
    delta: float | None = None  # the candidate's gain over the whole window's model (better positive: for an error
    # metric, rmse, mae, log_loss, the whole window's minus the candidate's; evaluate's delta_note)
    ci_low: float | None = None

    @property
    def start(self) -> str:
        """The start the model was trained from: the candidate when kept, else empty (the window)."""
        return self.candidate if self.kept else ""

    def to_meta(self) -> dict[str, Any]:
        return {"candidate": self.candidate, "kept": self.kept, "start": self.start, "note": self.note,
                "rows_since": self.rows, "check_rows": self.check_rows, "metric": self.metric,
                "delta": self.delta, "ci_low": self.ci_low}


def min_rows(task: str, classes: int) -> int:
    """Labelled rows a challenger needs: ``max(100, ROWS_PER_CLASS x classes)`` for a classifier
    (:data:`ctloop.components.train.core.ROWS_PER_CLASS`, 25), 100 for a regressor."""
    from ctloop.components.train.core import ROWS_PER_CLASS

    return max(100, ROWS_PER_CLASS * classes) if task == "classification" else 100


def _window(train: pd.DataFrame, holdout: pd.DataFrame | None, time_column: str, half: Any) -> pd.DataFrame:
    """The training part and the holdout as one frame, training rows first (the holdout is newer).
    ``prepare_data`` writes recency weights (``_ctloop_weight``) to the training part only: the
    frame's rows get theirs from :func:`_reweigh`, so no row since the start has none."""
    import pandas as pd

    from ctloop.columns import WEIGHT

    if holdout is None or holdout.empty:
        return train
    holdout = holdout[[c for c in train.columns if c in holdout.columns]]
    if WEIGHT in train.columns and WEIGHT not in holdout.columns:
        return _reweigh(pd.concat([train, holdout.assign(**{WEIGHT: 1.0})], ignore_index=True), half, time_column)
    return pd.concat([train, holdout], ignore_index=True)


def _half_life(train: pd.DataFrame, time_column: str) -> Any:
    """The half-life (a Timedelta) of the training part's recency weights, ``prepare_data``'s
    ``0.5 ** (age / half-life)`` (``components/prepare/core.py``): log2 of a weight is linear in time,
    so the newest and the oldest training rows with a (normal) positive weight give it. None when
    they cannot (no weights, or no two such rows at different times)."""
    import numpy as np
    import pandas as pd

    from ctloop.columns import WEIGHT
    from ctloop.contract import parse_times

    if WEIGHT not in train.columns:
        return None
    times = parse_times(train[time_column], time_column)
    t = times.to_numpy().astype("datetime64[ns]").astype(np.int64) / 1e9
    w = pd.to_numeric(train[WEIGHT], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    usable = np.flatnonzero(times.notna().to_numpy() & np.isfinite(w) & (w >= np.finfo(float).tiny))
    if not len(usable):
        return None
    new, old = usable[np.argmax(t[usable])], usable[np.argmin(t[usable])]
    fall = np.log2(w[new]) - np.log2(w[old])
    return pd.Timedelta(seconds=(t[new] - t[old]) / fall) if t[new] > t[old] and fall > 0 else None


def _reweigh(rows: pd.DataFrame, half: Any, time_column: str) -> pd.DataFrame:
    """``rows`` with ``prepare_data``'s recency weights relative to their own newest row, which weighs 1
    (``components/prepare/core.py`` ``recency_weights``, as it weighs the training part): each set a
    model is fitted on. Unchanged without a ``half`` life (:func:`_half_life`)."""
    from ctloop.columns import WEIGHT
    from ctloop.components.prepare import core as prep_core
    from ctloop.contract import parse_times

    if half is None or WEIGHT not in rows.columns or rows.empty:
        return rows
    return rows.assign(**{WEIGHT: prep_core.recency_weights(parse_times(rows[time_column], time_column), None, half)})


# The data rules whose refusal of the rows since a candidate start alone leaves the usual model: a
# regression target the estimator learns nothing from in them (``magnitude``: the same value in all
# the rows since the change). Any other refusal (``target_copy``: a feature equal to the label in all
# of them, a leak) fails the run.
SLICE_RULES = frozenset({"magnitude"})


def choose_start(train: pd.DataFrame, holdout: pd.DataFrame | None, training: TrainingConfig, gate: GateConfig, *,
                 target: str, time_column: str, since: Any, holdout_fraction: float,
                 least_rows: int | None = None) -> tuple[TrainResult, pd.DataFrame, pd.DataFrame | None, StartChoice]:
    """``(result, fitted, check, choice)``: the model to use, the rows it was fitted on, the rows the
    gate must judge it on when the start was kept (None: the usual holdout), and what was decided
    (see the module doc). ``train``/``holdout``: the window's training part and the gate's holdout,
    both with ``time_column``; ``since``: the candidate start (ISO text or a timestamp; rows at or
    after it are "since"); ``least_rows``: the rows since the start needed to try it (default
    :func:`min_rows`)."""
    import numpy as np

    from ctloop.components.evaluate import core as eval_core
    from ctloop.components.train import core as train_core
    from ctloop.contract import parse_times
    from ctloop.metrics import default_primary
    from ctloop.monitoring import policy
    from ctloop.timeutil import to_utc

    def fit(rows: pd.DataFrame) -> TrainResult:
        return train_core.run(rows, training, target=target, time_column=time_column)

    for column in (target, time_column):
        if column not in train.columns:
            raise DataValidationError([(column, "required", len(train), "column is missing from the training data")])
    start = to_utc(since, name="training.candidate_since")
    choice = StartChoice(candidate=start.isoformat(), kept=False, note="",
                         metric=gate.primary_metric or default_primary(training.task))
    half = _half_life(train, time_column)
    frame = _window(train, holdout, time_column, half)
    times = parse_times(frame[time_column], time_column).to_numpy()  # naive UTC
    labelled = frame[target].notna().to_numpy()
    since_rows = np.flatnonzero(labelled & (times >= np.datetime64(start.tz_convert(None))))
    since_rows = since_rows[np.argsort(times[since_rows], kind="stable")]  # oldest first
    recent = frame.iloc[since_rows]
    choice.rows = len(recent)
    classification = training.task == "classification"
    least = least_rows or min_rows(training.task, int(frame[target].nunique()) if classification else 0)
    cut = int(len(recent) * (1 - holdout_fraction))
    part, check = _reweigh(recent.iloc[:cut], half, time_column), recent.iloc[cut:]
    why = ("no rows since it" if recent.empty else "no rows before it" if len(recent) == int(labelled.sum()) else
           f"{cut} rows since it to train on (< {least})" if cut < least else
           f"a single class {plain(part[target].iloc[0])!r} since it" if classification and part[target].nunique() < 2
           else "")
    if why:
        choice.note = f"kept the whole training window: candidate start {choice.candidate} not tried ({why})"
        return fit(train), train, None, choice
    outside = np.ones(len(frame), dtype=bool)
    outside[since_rows[cut:]] = False  # the whole window but the check
    try:
        # trial fits: their notes (a column with a different value in every row of the rows since the start, each
        # country once in a year) are of models that may never serve; the candidate's are said when it is kept
        with warnings.catch_warnings(record=True) as trial_notes:
            warnings.simplefilter("always")
            candidate = fit(part)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            whole = fit(_reweigh(frame.iloc[np.flatnonzero(outside)], half, time_column))
        decision = eval_core.run(candidate.model, check.drop(columns=[time_column]), gate, target=target,
                                 task=training.task, champion=whole.model)
    # the comparison failed: the usual model (which may fail too); a refusal of the rows since the
    # start alone only when it is about their shape (a regression target the estimator learns nothing
    # from there): a leak (a feature equal to the label in all of them) fails the run, as the whole
    # window's would, since the window holds those rows and the gate's holdout the same leak
    except (TrainingError, EvaluationError, DataValidationError) as exc:
        if isinstance(exc, DataValidationError) and any(rule not in SLICE_RULES for _, rule, _, _ in exc.violations):
            raise
        choice.note = (f"kept the whole training window: candidate start {choice.candidate} not tried "
                       f"({type(exc).__name__}: {str(exc).splitlines()[0][:300]})")
        return fit(train), train, None, choice
    choice.check_rows = len(check)
    if decision.champion_skipped:  # the whole window's model could not be compared (NaN outputs): why, not n/a
        why = "; ".join(part for part in decision.reason.split("; ") if "champion" in part) or decision.reason
        choice.note = (f"kept the whole training window: candidate start {choice.candidate} not compared with it "
                       f"(the gate, the whole window's model as its champion: {why})")
        return fit(train), train, None, choice
    versus = eval_core.metric_values(decision)
    choice.delta, choice.ci_low = (versus.get(policy.paid_key(choice.metric, stat)) for stat in ("delta", "ci_low"))
    choice.kept = policy.pays(choice.ci_low)
    sign = eval_core.delta_note(choice.metric, delta=choice.delta, challenger="the candidate's",
                                champion="the whole window's")
    numbers = (f"since {choice.candidate} vs the whole window on the newest {len(check)} rows since: {choice.metric} "
               f"delta {_signed(choice.delta)}" + (f" ({sign})" if sign else "") + f", ci_low {_signed(choice.ci_low)}")
    if choice.kept:
        _say_again(trial_notes)
        choice.note = (f"trained on the {len(part)} rows since the change, gated on the newest {len(check)} "
                       f"({numbers})")
        return candidate, part, check, choice
    choice.note = f"kept the whole training window ({numbers})"
    return fit(train), train, None, choice


def gate_rows(holdout: pd.DataFrame, meta: dict[str, Any]) -> pd.DataFrame:
    """The rows ``evaluate_model`` judges a model on: its holdout, or — when the model kept a
    candidate start (model meta ``training_start``) — the newest ``check_rows`` rows of it since
    that start (the check :func:`choose_start` compared on; the model never saw them)."""
    from ctloop.contract import parse_times
    from ctloop.timeutil import to_utc

    start = meta.get("training_start") or {}
    column = meta.get("time_column")
    if not start.get("kept") or not start.get("check_rows") or not column or column not in holdout.columns:
        return holdout
    import numpy as np

    times = parse_times(holdout[column], column).to_numpy()
    since = np.flatnonzero(times >= np.datetime64(to_utc(start["candidate"]).tz_convert(None)))
    since = since[np.argsort(times[since], kind="stable")]
    return holdout.iloc[since[-int(start["check_rows"]):]]


def run(train: pd.DataFrame, holdout: pd.DataFrame | None, training: TrainingConfig, gate: GateConfig, *,
        target: str, time_column: str, holdout_fraction: float
        ) -> tuple[TrainResult, pd.DataFrame, StartChoice | None]:
    """What ``train_model`` fits: with ``training.candidate_since`` :func:`choose_start` from it,
    else the usual model on all of ``train`` (choice None)."""
    from ctloop.components.train import core as train_core

    if not training.candidate_since:
        return train_core.run(train, training, target=target, time_column=time_column), train, None
    result, fitted, _, choice = choose_start(train, holdout, training, gate, target=target, time_column=time_column,
                                             since=training.candidate_since, holdout_fraction=holdout_fraction)
    return result, fitted, choice



def _say_again(notes: list[warnings.WarningMessage]) -> None:
    """The kept candidate's notes, recorded while it was a trial fit, each once under the caller's filters (an
    ``error`` filter raises the first) and at its own source location, as :func:`ctloop.backtest.run_backtest`
    says a replay's notes again; a note not kept (the trial fits', the whole window's) is of a model that never
    serves and is not said (the whole window's model, refit when the candidate is not kept, says its own)."""
    said = set()
    for note in notes:
        key = (str(note.message), note.category, note.filename, note.lineno)
        if key not in said:
            said.add(key)
            warn_at(note.message, note.category, note.filename, note.lineno)


_MODULES: dict[str, str] = {}  # a note's file -> the name of the module loaded from it (:func:`warn_at`)


def warn_at(message: Warning | str, category: type[Warning], filename: str, lineno: int) -> None:
    r"""Say a recorded note again at its own ``filename`` and ``lineno``, under the caller's filters, as the
    ``warnings.warn`` that first raised it would have: with the module's name (its frame's ``__name__``, the
    module loaded from ``filename``, looked up once), so a filter on it (``module=r"ctloop\.components\.train"``)
    applies. ``warnings.warn_explicit`` without one takes the file's path as the module's name (CPython 3.11
    ``Lib/warnings.py``: ``module = filename or "<unknown>"``, less ``.py``), which such a filter never matches;
    a file no loaded module came from (a worker's note cut to its end) keeps that path."""
    import sys

    module = _MODULES.get(filename)
    if module is None:
        module = next((name for name, loaded in list(sys.modules.items())
                       if getattr(loaded, "__file__", None) == filename), None)
        if module is not None:
            _MODULES[filename] = module
    # no module= when none was found: the C warn_explicit drops a note of module None (CPython 3.11
    # Python/_warnings.c, warn_explicit: "module can be None if a warning is emitted late during Python shutdown")
    warnings.warn_explicit(message, category, filename, lineno, **({"module": module} if module else {}))


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.4f}"


__all__ = ["StartChoice", "choose_start", "gate_rows", "min_rows", "run", "warn_at"]

"""Replay history window by window through the same cores and the same retraining rules the
pipelines run.

For every replay window after the initial training window:

1. **prequential score** — the current champion predicts the window before its labels are used
   (a window with fewer than :data:`MIN_SCORE_ROWS` rows, or whose metric is undefined — one
   class only — is not scored; the reason says so and it is not averaged);
2. **decide** — the policy says whether to retrain:

   * ``never``: train once, then never; ``always``: every window;
   * ``drift``: feature drift of the window against the champion's training reference (the
     ``detect`` of the ``detect_drift`` component) alone;
   * ``default``: the monitoring policy (:func:`ctloop.monitoring.policy.judge` with the
     ``monitoring.rules`` section — the same function and the same window records
     ``monitor_model`` judges and stores) on the inputs monitoring computes on served traffic:
     feature drift share, prediction drift of the champion's scores against its gate holdout,
     and the realized metric on the labels that arrived during the window (``label_delay`` after
     each row's event time) for rows the champion served, against what the champion scored at
     its gate (re-based after a rejected retrain), with its sampling error; the policy's budget
     (one retrain per two windows on average) and its recovery after a loss (retrains every
     other window, on the data since the change, while they pay) included;
3. **retrain, gate, promote** — a challenger is trained on the labelled rows of the training
   window (those whose label had arrived by the window's end, the same ``fit``; for a recovery
   retrain only the windows since the change; for the retrain of a loss, the windows since it
   when a model on them is confidently better than one on the whole window on the newest rows
   since — the gate's paired bootstrap, :func:`ctloop.retrain.choose_start`, the function
   ``train_model`` calls; a kept start is gated on those newest rows), gated against the champion on a time holdout (the
   same ``gate``) and promoted when approved. A training window with too few labelled rows, a
   single class, or on which the estimator fails, skips the retrain with the reason
   (:func:`ctloop.monitoring.policy.not_started`); the replay continues. What the gate found
   (``<metric>.delta``/``ci_low``) is registered with a promoted champion, as in the pipeline,
   and tells the policy whether the retrain paid.

**Defaults derived from the data** (nothing fixed such as 90 days):

* training window = the smallest number of recent replay windows holding :data:`TRAIN_ROWS`
  rows (median rows per window), at least 1 and at most :data:`MAX_TRAIN_WINDOWS` windows, and short
  enough to leave :data:`ADVISED_SCORED_WINDOWS` windows to score after the initial model's history
  (as many as any training window leaves on a shorter stream): a yearly stream of 7 windows took 6 and
  compared every policy on one window; an explicit ``--train-window`` is taken as given;
* the initial model trains on the first training window (history under every policy, not
  scored); while that has too few labelled rows or one class it is deferred window by window;
* a challenger needs ``max(100, ROWS_PER_CLASS x classes)`` labelled rows and two classes
  (:data:`ctloop.components.train.core.ROWS_PER_CLASS`, 25; :func:`ctloop.retrain.min_rows`).

The report has one row per window and the totals ``mean_metric`` (row-weighted over scored
windows) and ``retrains`` (challengers trained after the initial model).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctloop.config import (
    DataConfig,
    DriftConfig,
    GateConfig,
    MonitoringConfig,
    MonitoringRules,
    TrainingConfig,
    check_metrics,
)
from ctloop.errors import ConfigError, DataValidationError, TrainingError, plain
from ctloop.metrics import default_primary

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

POLICIES = ("never", "always", "drift", "default")
SCHEDULED = "every:"  # ``every:N``: a retrain every N windows whatever the data say (a cron schedule)


def check_policy(name: str, flag: str = "--policy") -> str:
    """``name`` when it is one of :data:`POLICIES`, ``every:N`` (N a whole number >= 1) written
    without leading zeros (``every:02`` is ``every:2``: one policy, one name), else a ConfigError
    naming ``flag`` and the value."""
    if name in POLICIES:
        return name
    n = name[len(SCHEDULED):] if name.startswith(SCHEDULED) else ""
    # ASCII digits: str.isdigit() holds for '²', which int() refuses (a ValueError, not this error)
    if n.isascii() and n.isdigit() and int(n) >= 1:
        return f"{SCHEDULED}{int(n)}"
    raise ConfigError(f"{flag} {name!r} is not one of {', '.join(POLICIES)} or every:N (a retrain every N windows)")


def scheduled_every(policy: str) -> int | None:
    """N of a scheduled policy ``every:N``, else None."""
    return int(policy[len(SCHEDULED):]) if policy.startswith(SCHEDULED) else None

# A backtest replays many windows: it trains with the pipeline's settings but judges each challenger
# with fewer bootstrap rounds, against a bar at chance (the comparison with the champion does the
# rest; a regression backtest must name its own thresholds). Each is overridden by its flag.
BACKTEST_GATE = {"bootstrap_rounds": 200}
BACKTEST_THRESHOLDS = {"classification": {"roc_auc": 0.5}}
TRAIN_ROWS = 3000  # the derived training window holds at least this many rows ...
MAX_TRAIN_WINDOWS = 6  # ... within at most this many replay windows
MIN_SCORE_ROWS = 30  # a window with fewer rows is not scored
FEW_SCORED_WINDOWS = 2  # fewer windows to score after the initial model's history: said up front ...
ADVISED_SCORED_WINDOWS = 3  # ... with the --train-window that leaves this many (a derived one leaves them)
STRAY_GAP_RATIO = 10  # a gap this many times the longest after it (and a window) sets a few first rows apart
MAX_WINDOWS = 10_000  # a replay of more windows (e.g. --window 1s over a year) is refused up front
MIN_LABELS = MonitoringConfig.min_labels  # labelled rows of a window the realized rules need
BACKTEST_TEXT_HINT = ("an id: give the column dtype string in the model's data.contract (ctloop backtest reads it "
                      "with --config and --model; --data alone reads no contract)")
"""How a column is declared text to ``ctloop backtest`` (``contract.check_finite``'s ``text_hint``)."""


@dataclass
class BacktestConfig:
    """What to replay and how: the replay step, policy and label delay, and the pipeline's sections."""

    target: str
    time_column: str
    window: str = "30D"
    policy: str = "default"
    train_window: str = ""  # empty: derived from the replay window and the data volume
    label_delay: str = ""  # empty: labels are known at the end of the window their row belongs to
    holdout_fraction: float = DataConfig.holdout_fraction
    recency_half_life: str = ""  # data.recency_half_life: the training rows' recency weights, as prepare_data
    time_format: str = DataConfig.time_format  # data.time_format: how time_column's text is written
    training: TrainingConfig = field(default_factory=TrainingConfig)
    gate: GateConfig | None = None  # None: the pipeline's gate with BACKTEST_GATE and BACKTEST_THRESHOLDS
    drift: DriftConfig = field(default_factory=DriftConfig)
    rules: MonitoringRules = field(default_factory=MonitoringRules)
    min_labels: int = MIN_LABELS
    min_train_rows: int | None = None  # None: retrain.min_rows, max(100, ROWS_PER_CLASS x classes)
    realized_metric: str = ""  # monitoring.metric: what the realized rules judge; empty: the task's default
    text_columns: tuple[str, ...] = ()  # data.contract's string and category columns: text, as prepare_data reads them

    def validate(self) -> None:
        from ctloop.timeutil import parse_duration, time_format_problem

        self.policy = check_policy(self.policy)  # every:02 is every:2, as compare() and the CLI name it
        if self.target and self.target == self.time_column:
            raise ConfigError(f"--target and --time-column name the same column {self.target!r}: the label "
                              "cannot be the event time")
        if not 0.0 < self.holdout_fraction < 1.0:
            raise ConfigError(f"holdout_fraction must be in (0, 1), got {self.holdout_fraction}")
        if self.label_delay and re.fullmatch(r"\s*0+(\.0*)?\s*(s|sec|min|m|h|d|w)?\s*", str(self.label_delay),
                                             re.IGNORECASE):
            self.label_delay = ""  # 0D, 0s, 0: the default (labels known when their window ends), as the banner says
        for name in ("window", "train_window", "label_delay", "recency_half_life"):
            if getattr(self, name):
                parse_duration(getattr(self, name), name=f"--{name.replace('_', '-')}")
        problem = time_format_problem(self.time_format) if self.time_format else None
        if problem:
            raise ConfigError(f"--time-format {self.time_format!r}: {problem}")
        if self.gate is None:
            thresholds = BACKTEST_THRESHOLDS.get(self.training.task)
            if thresholds is None:
                raise ConfigError(f"a {self.training.task} backtest needs gate thresholds: pass --thresholds, e.g. "
                                  "--thresholds '{\"rmse\": 10}'")
            self.gate = GateConfig.from_dict({**BACKTEST_GATE, "thresholds": thresholds})
        if self.realized_metric:
            from ctloop.metrics import check_name

            check_name(self.realized_metric, self.training.task, what="monitoring.metric")
        problems = check_metrics(self.training, self.gate)  # up front, not once per window of the replay
        if problems:
            raise ConfigError("; ".join(problems))

    @property
    def task(self) -> str:
        return self.training.task

    @property
    def primary_metric(self) -> str:
        assert self.gate is not None
        return self.gate.primary_metric or default_primary(self.training.task)

    @property
    def judged_metric(self) -> str:
        """The realized metric the default policy's rules judge (monitoring's ``metric``, empty: the
        task's default, as ``monitor_model`` resolves it); the windows are scored on :attr:`primary_metric`."""
        return self.realized_metric or default_primary(self.training.task)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "time_column": self.time_column, "window": self.window, "policy": self.policy,
                "train_window": self.train_window, "label_delay": self.label_delay,
                "holdout_fraction": self.holdout_fraction, "recency_half_life": self.recency_half_life,
                "time_format": self.time_format,
                "training": self.training.to_dict(),
                "gate": self.gate.to_dict() if self.gate else None, "drift": self.drift.to_dict(),
                "drift_share": self.drift.share, "rules": self.rules.active(), "min_labels": self.min_labels,
                "realized_metric": self.judged_metric}


@dataclass
class WindowResult:
    index: int
    start: str
    end: str
    rows: int
    metric: float | None
    drift_share: float | None
    drifted: bool
    retrained: bool
    approved: bool
    promoted: bool
    champion_version: int
    reason: str
    rule: str = ""
    labelled: int = 0
    realized: float | None = None
    psi: float | None = None
    cusum: float | None = None
    unseen_classes: list = field(default_factory=list)


@dataclass
class BacktestReport:
    config: dict[str, Any]
    windows: list[WindowResult]
    mean_metric: float | None
    retrains: int
    promotions: int
    metric: str
    train_windows: int = 0
    skipped: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)  # policy default: what policy.judge read and wrote
    # rows the replay left out before the windows: no event time, no label, stray first rows (the windows' rows
    # exclude them)
    left_out: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "metric": self.metric,
            "mean_metric": self.mean_metric,
            "retrains": self.retrains,
            "promotions": self.promotions,
            "train_windows": self.train_windows,
            "skipped": self.skipped,
            "left_out": self.left_out,
            "windows": [asdict(w) for w in self.windows],
        }

    def served(self) -> list[WindowResult]:
        """The windows after the initial model's: the ones it (or a later champion) served and was scored on.
        The windows before it (its history; "no initial model yet", rule ``skip``) are not among them."""
        start = next((w.index for w in self.windows if w.rule == "initial"), None)
        if start is None:  # a report built without one (a replay always has it): every window not before a model
            return [w for w in self.windows if w.rule not in ("history", "initial", "skip")]
        return [w for w in self.windows if w.index > start]

    def unscored(self) -> str:
        """Why the windows after the initial model that were not scored were not (:meth:`served`; all of them: a
        mean of "n/a"), e.g. "roc_auc undefined on one class ['0'] in 4 windows, 9 rows (< 30) in 1": their
        "not scored" notes, most frequent first; three at most, then "and 2 more windows"."""
        from collections import Counter

        missed = [w for w in self.served() if w.metric is None]
        why = Counter(part[len("not scored: "):] for w in missed
                      for part in w.reason.split("; ") if part.startswith("not scored: "))
        shown = why.most_common(3)
        said = ", ".join(f"{reason} in {n} window{'s' if n > 1 else ''}" for reason, n in shown)
        if said and (rest := len(missed) - sum(n for _, n in shown)) > 0:
            said += f", and {rest} more window{'s' if rest > 1 else ''}"
        return said or "no window after the initial model's history"


@dataclass
class _Champion:
    model: Any
    classes: list | None
    reference: pd.DataFrame  # features of its training rows (the drift reference)
    gate: dict[str, float]  # what it scored at its gate (the registered tags; policy.reference re-bases)
    version: int
    since: Any  # the time it started serving


def _check_window_count(window: str, step: pd.Timedelta, start: pd.Timestamp, end: pd.Timestamp, times: Any) -> int:
    """The number of replay windows from ``start`` to ``end`` of the sorted event ``times``; refused
    up front (instead of a replay of mostly empty windows) when it exceeds :data:`MAX_WINDOWS` or
    the number of rows, with a window that fits and whose windows are scored (:func:`_scoring_window`;
    a window that fits but holds a row or two would be refused next, :func:`_check_scorable`)."""
    n = int((end - start) // step) + 1
    rows = len(times)
    limit = min(MAX_WINDOWS, rows)
    if n > limit:
        why = f"more than {MAX_WINDOWS:,}" if n > MAX_WINDOWS else "more windows than rows"
        fits = (end - start) / max(limit - 1, 1)
        scored = _scoring_window(times, start, step)
        raise ConfigError(
            f"--window {window} gives {n:,} windows over {start} … {end} for {rows:,} rows ({why}): choose a "
            f"window of at least {_ceil_duration(fits if scored is None else max(fits, scored))}")
    return n


def _scoring_window(times: Any, start: pd.Timestamp, step: pd.Timedelta) -> pd.Timedelta | None:
    """The shortest multiple of ``step`` whose windows from ``start`` that hold rows hold
    :data:`MIN_SCORE_ROWS` of the sorted event ``times`` at the median; None with fewer rows."""
    import numpy as np
    import pandas as pd

    if len(times) < MIN_SCORE_ROWS:
        return None
    span = pd.Timedelta(times[-1] - times[0])
    offsets = (times - np.datetime64(start)).astype("timedelta64[ns]").astype(np.int64)

    def enough(k: int) -> bool:
        return float(np.median(np.unique(offsets // (k * step.value), return_counts=True)[1])) >= MIN_SCORE_ROWS

    hi = 1
    while not enough(hi) and hi * step <= span:
        hi *= 2
    lo = hi // 2 + 1
    while lo < hi:  # the shortest in (hi/2, hi] (the median grows with the window)
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if enough(mid) else (mid + 1, hi)
    return step * hi


def _scorable_after(counts: Any, train_windows: int, ready: Any, labels_ready: Any) -> int:
    """The windows after the earliest the initial model can train (:func:`_check_schedule_comes`) that hold
    :data:`MIN_SCORE_ROWS` rows: at most the windows a replay scores."""
    first = max(train_windows - 1, int(ready[0]), int(labels_ready[0]))
    return int((counts[first + 1:] >= MIN_SCORE_ROWS).sum())


def _warn_few_scored(cfg: BacktestConfig, step: Any, grid: _Grid, train_windows: int, how: str, ready: Any,
                     labels_ready: Any, min_train_rows: int) -> None:
    """Fewer than :data:`FEW_SCORED_WINDOWS` windows to score after the initial model's history: every
    policy is compared on one window (a yearly stream of 7 windows and a derived history of 6 printed
    four equal means). Said up front, with the longest --train-window that leaves
    :data:`ADVISED_SCORED_WINDOWS` and still holds the labelled rows a retrain needs (:func:`_retrain_floor`),
    else that shortest one when it leaves more."""
    import warnings

    counts = grid.counts
    if not len(ready) or not len(labels_ready):  # no initial model: refused as such
        return
    scored = _scorable_after(counts, train_windows, ready, labels_ready)
    if scored >= FEW_SCORED_WINDOWS:
        return
    floor = _retrain_floor(grid, min_train_rows, train_windows, ready, labels_ready)
    fix = next(((k, left) for k in range(train_windows - 1, floor - 1, -1)
                if (left := _scorable_after(counts, k, ready, labels_ready)) >= ADVISED_SCORED_WINDOWS), None)
    if fix is None and floor < train_windows and (left := _scorable_after(counts, floor, ready, labels_ready)) > scored:
        fix = (floor, left)
    below = fix is not None and fix[0] == floor and floor > 1 and _scorable_after(
        counts, floor - 1, ready, labels_ready) > fix[1]
    warnings.warn(
        f"only {scored} of {len(counts)} windows can be scored after the initial model's {train_windows} window(s) "
        f"of history ({how}): the mean metric rests on that window alone, and a retrain in the last window is "
        "scored by none; "
        + (f"--train-window {_flag_duration(step * fix[0])} ({fix[0]} windows) leaves {fix[1]}" if fix
           else "a longer stream or a shorter --window" + (" or --label-delay" if cfg.label_delay else "")
           + " leaves more")
        + (f" (no shorter: a retrain needs {min_train_rows} labelled rows)" if below else ""),
        UserWarning, stacklevel=3)


def _check_scorable(window: str, step: pd.Timedelta, times: Any, start: pd.Timestamp, counts: Any) -> None:
    """Refuse a replay window in which no window holds :data:`MIN_SCORE_ROWS` rows (daily rows in
    7D windows): every policy would replay and none be scored. The window suggested is
    :func:`_scoring_window`, unless it would hold all the data (one window: refused too)."""
    import numpy as np
    import pandas as pd

    if int(counts.max()) >= MIN_SCORE_ROWS:
        return
    median = float(np.median(counts[counts > 0]))
    wider = _scoring_window(times, start, step)
    if wider is not None and pd.Timedelta(times[-1] - np.datetime64(start)) < wider:
        wider = None  # one window: nothing left to replay after the initial model's
    raise ConfigError(f"--window {window}: no window holds {MIN_SCORE_ROWS} rows (at most {int(counts.max())}, a "
                      f"median of {median:g}): no window would be scored; " + (
                          f"choose a window of at least {_ceil_duration(wider)}" if wider is not None else
                          f"the data hold {len(times)} rows ({pd.Timestamp(times[0])} … {pd.Timestamp(times[-1])}): "
                          f"too few for two windows of {MIN_SCORE_ROWS} rows, one to train on and one to score"))


def _warn_dates_only(times: pd.Series, name: str, window: str, step: pd.Timedelta) -> None:
    """Warn when every event time is a midnight (dates without a time of day) and the window is
    shorter than a day: most windows can hold no row."""
    import warnings

    import pandas as pd

    day = pd.Timedelta(days=1)
    if step >= day or len(times) < 2 or not (times == times.dt.normalize()).all():
        return
    per_day = max(int(day // step), 1)
    warnings.warn(f"column {name!r} holds dates only (every time at midnight): with --window {window}, "
                  f"{per_day - 1} window{'s' if per_day > 2 else ''} in {per_day} can hold no row; use a window of whole "
                  "days (1D)",
                  UserWarning, stacklevel=3)


def _warn_few_labels(cfg: BacktestConfig, counts: Any) -> None:
    """The default policy on windows most of which hold fewer rows than the realized rules need:
    it judges on prediction and feature drift alone there (each window's reason says so too)."""
    import warnings

    import numpy as np

    if cfg.policy != "default" or not {"realized_z", "cusum_h", "realized_floor", "realized_drop"} & set(
            cfg.rules.active()):
        return
    rows = counts[counts > 0]
    median = float(np.median(rows)) if len(rows) else 0.0
    if median < cfg.min_labels:
        warnings.warn(f"a median window of --window {cfg.window} holds {median:.0f} rows, fewer than the "
                      f"{cfg.min_labels} labelled rows the realized rules need (--min-labels, monitoring.min_labels): "
                      "most windows are judged on prediction and feature drift alone; use a longer --window or "
                      "a smaller --min-labels", UserWarning, stacklevel=3)


COUNT_CLASSES = 20  # whole-number classes above which, most of them rare, the target reads as a count
COUNT_RANK_CORRELATION = -0.5  # rows per value falling with the value at least this much: a count's tail


def count_target_note(y: pd.Series, name: str) -> str | None:
    """The note :func:`_warn_count_classes` gives on classification target ``y``, or None: more than
    :data:`COUNT_CLASSES` classes of whole numbers, more than half of them in fewer rows
    than a class needs (:data:`ctloop.components.train.core.ROWS_PER_CLASS`), and the rare values the
    high ones (Spearman's rank correlation of value and rows below :data:`COUNT_RANK_CORRELATION`):
    a count or an amount replayed without ``--task regression`` (doctor visits a year, 0..77: 52
    classes, ROC AUC 0.55). Numeric class codes (label-encoded species, SKU or category codes) are
    classes: their popular and rare values lie anywhere in the range, and they say nothing. Negative
    values do not silence it: a count with a ``-1`` placeholder (unknown) or shifted by one, or a
    signed amount, is still no set of classes; the rank correlation alone tells codes from counts."""
    import pandas as pd

    from ctloop.components.train.core import ROWS_PER_CLASS

    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        return None
    counts = y.value_counts()
    rare = int((counts < ROWS_PER_CLASS).sum())
    if len(counts) <= COUNT_CLASSES or rare * 2 <= len(counts) or counts.nunique() < 2:
        return None  # every value in as many rows: no tail to rank (and numpy's correlation would warn)
    values = pd.Series(counts.index.to_numpy(dtype=float)).rank()
    rows = pd.Series(counts.to_numpy(dtype=float)).rank()
    if not values.corr(rows) < COUNT_RANK_CORRELATION:  # the rare values not the high ones: codes
        return None
    low, high = (_whole(v) for v in (y.min(), y.max()))
    return (f"column {name!r}: {len(counts)} classes of whole numbers ({low} … {high}), {rare} of them in fewer than "
            f"{ROWS_PER_CLASS} rows: a classifier learns each value as a class of its own; if the values are counts "
            "or amounts, pass --task regression")


def _whole(value: Any) -> Any:
    """A whole number as an int for messages (``61``, not ``61.0``: a label column with a blank reads as floats)."""
    value = plain(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _warn_count_classes(y: pd.Series, name: str) -> None:
    """Warn :func:`count_target_note` once, when there is one. A note, not a refusal."""
    import warnings

    note = count_target_note(y, name)
    if note is not None:
        warnings.warn(note, UserWarning, stacklevel=4)


def _warn_long_cooldown(cfg: BacktestConfig, step: Any) -> None:
    """The default policy with a ``monitoring.rules.cooldown`` longer than a replay window: after
    each retrain the rules stay silent for the windows it spans (24 hourly windows at the default
    24h), as monitoring on that schedule would. The budget already spaces retrains by windows; the
    cooldown is for a retrain that takes longer than a window to replace the champion."""
    import math
    import warnings

    from ctloop.timeutil import parse_duration

    cooldown = cfg.rules.active().get("cooldown") if cfg.policy == "default" else None
    if not cooldown:
        return
    span = parse_duration(cooldown, name="monitoring.rules.cooldown")
    if span <= step:
        return
    silent = math.ceil(span / step) - 1
    warnings.warn(f"monitoring.rules.cooldown {cooldown} spans {silent + 1} windows of --window {cfg.window}: after "
                  f"each retrain the rules stay silent for the next {silent} window(s), as monitoring on that "
                  "schedule would; set monitoring.rules.cooldown (--config) to about the time a retrain takes "
                  "to replace the champion", UserWarning, stacklevel=3)


def _check_time_spread(times: pd.Series, name: str, step: pd.Timedelta) -> None:
    """Refuse event times (sorted, not null) that give no replay: every row at one time, or a few
    rows (fewer than :data:`MIN_SCORE_ROWS` and a tenth of the others) separated from all the other
    rows by a gap longer than both the others' span and the window: a typo such as 2204 for 2024
    that would otherwise be replayed as thousands of empty windows."""
    import numpy as np
    import pandas as pd

    first, last = times.iloc[0], times.iloc[-1]
    if first == last:
        raise DataValidationError([(name, "time_span", len(times), f"every row has the same time {first}: "
                                    "nothing to replay")])
    gaps = np.diff(times.to_numpy())
    k = int(np.argmax(gaps))  # the largest gap lies between rows k and k + 1
    gap = pd.Timedelta(gaps[k])
    before, after = times.iloc[:k + 1], times.iloc[k + 1:]
    stray, rest, side = (before, after, "before") if len(before) < len(after) else (after, before, "after")
    rest_span = rest.iloc[-1] - rest.iloc[0]
    if len(stray) < MIN_SCORE_ROWS and 10 * len(stray) <= len(rest) and gap > max(rest_span, step):
        raise DataValidationError([(name, "time_gap", len(stray), (
            f"{len(stray)} row(s) at {stray.iloc[0]}" + (f" … {stray.iloc[-1]}" if len(stray) > 1 else "")
            + f" lie {_exact_duration(gap)} {side} the other {len(rest):,} rows ({rest.iloc[0]} … {rest.iloc[-1]}): "
            "a typo in the time? fix or drop them"))])


def _without_stray_start(data: pd.DataFrame, name: str, window: str, step: pd.Timedelta) -> tuple[pd.DataFrame, int]:
    """``(data, k)``: ``data`` (in time order) without its first ``k`` rows when they are stray, with a note
    saying they were left out (the gap after them rounded down, :func:`_floor_duration`; ``window``: the
    --window as typed, whose length is ``step``); ``k`` is 0 (and ``data`` whole) otherwise. The window grid starts at the
    first time (:func:`_edges`): three test rows a fortnight early moved every window's start and changed
    every window's metric. Rows are stray only when far from the others by every measure: fewer than
    :data:`MIN_SCORE_ROWS` rows and a tenth of the others, their own span shorter than the gap after them,
    that gap at least one replay window and :data:`STRAY_GAP_RATIO` times the longest gap between the
    later rows, in an earlier grid unit (a day; a minute for a window shorter than a day). A launch
    ramp-up (rows days apart at first), a weekday-only pilot, a business-hours launch before a long
    weekend keep every row. Larger gaps are refused (:func:`_check_time_spread`)."""
    import warnings

    import numpy as np
    import pandas as pd

    times = data[name].to_numpy()
    n = len(times)
    if n < 2:
        return data, 0
    gaps = np.diff(times)
    later = np.maximum.accumulate(gaps[::-1])[::-1]  # later[i]: the longest gap from row i on
    unit = "D" if step >= pd.Timedelta(days=1) else "min"
    for k in range(min(MIN_SCORE_ROWS - 1, n // 11), 0, -1):  # k stray rows, the most first
        gap = pd.Timedelta(gaps[k - 1])
        if k < n - 1 and gap >= step and gap >= STRAY_GAP_RATIO * pd.Timedelta(later[k]) \
                and pd.Timedelta(times[k - 1] - times[0]) < gap \
                and pd.Timestamp(times[k - 1]).floor(unit) < pd.Timestamp(times[k]).floor(unit):
            first, last = pd.Timestamp(times[0]), pd.Timestamp(times[k - 1])
            warnings.warn(f"column {name!r}: {k} row(s) at {first}" + (f" … {last}" if k > 1 else "")
                          + f" lie {_floor_duration(gap)} before the other {n - k:,} rows (from {pd.Timestamp(times[k])}), "
                          f"a gap of at least one --window ({window}) and {STRAY_GAP_RATIO} times any "
                          "between those: they were left out of the replay, whose windows would otherwise start with them",
                          UserWarning, stacklevel=3)
            return data.iloc[k:], k
    return data, 0


def _edges(times: pd.Series, name: str, window: str, step: pd.Timedelta) -> tuple[pd.Timestamp, list[pd.Timestamp]]:
    """The first replay window's start (the first time floored to a day, or to a minute for a
    window shorter than a day) and every window's edge up to the first past the last of the sorted
    ``times``. Windows that would start or end beyond pandas' nanosecond timestamps (1677-09-21 …
    2262-04-11) are refused naming the column, as times out of that range are when read (they
    were an OutOfBoundsDatetime traceback)."""
    import pandas as pd

    first, last = times.iloc[0], times.iloc[-1]

    def beyond(side: str) -> DataValidationError:
        return DataValidationError([(name, "time_range", len(times), (
            f"the replay windows of --window {window} over {first} … {last} would {side} the times pandas "
            f"holds ({pd.Timestamp.min:%Y-%m-%d %H:%M:%S} … {pd.Timestamp.max:%Y-%m-%d %H:%M:%S}, nanosecond timestamps): a shorter --window, or leave "
            "out the rows at that edge"))])

    try:
        t0 = first.floor("D" if step >= pd.Timedelta(days=1) else "min")
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        raise beyond("start before") from None
    _check_window_count(window, step, t0, last, times.to_numpy())
    edges = [t0]
    try:
        while edges[-1] <= last:
            edges.append(edges[-1] + step)
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        raise beyond("end after") from None
    return t0, edges


def _check_schedule_comes(policy: str, window: str, windows: int, train_windows: int, ready: Any,
                          labels_ready: Any) -> None:
    """Refuse ``every:N`` when N is more than the windows replayed after the earliest the initial model can
    train (the last of its history, and the first by whose end its rows and their labels are there): no
    scheduled retrain would come, and the replay would be policy ``never`` under another name."""
    every = scheduled_every(policy)
    if every is None or not len(ready) or not len(labels_ready):  # no initial model: refused as such
        return
    first = max(train_windows - 1, int(ready[0]), int(labels_ready[0]))
    after = windows - 1 - first
    if every > after:
        raise ConfigError(f"policy {policy}: a retrain every {every:,} windows never comes: --window {window} gives "
                          f"{windows:,} windows, {after:,} of them after the initial model's (window {first} at the "
                          f"earliest), so it would replay as never; choose every:N with N <= {after:,}")


def _ceil_duration(span: pd.Timedelta) -> str:
    """``span`` rounded up to a whole number of its largest unit (``2D``, ``6h``, ``15min``,
    ``30s``), in the duration syntax of :mod:`ctloop.timeutil`."""
    seconds = max(span.total_seconds(), 1.0)
    for unit, size in (("D", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{math.ceil(seconds / size)}{unit}"
    return f"{math.ceil(seconds)}s"


def _flag_duration(span: pd.Timedelta) -> str:
    """``span`` exactly as one flag value, in the largest unit of :mod:`ctloop.timeutil` that divides it (``100h``, not
    :func:`_ceil_duration`'s ``5D``: a training window advised as a number of windows must span that many,
    and 4 windows of 25h rounded up to whole days spanned 5)."""
    seconds = span.total_seconds()
    for unit, size in (("W", 604800), ("D", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:.6f}".rstrip("0").rstrip(".") + "s"


def _floor_duration(span: pd.Timedelta) -> str:
    """``span`` in its largest unit and the next, each rounded down (``2D 1h``, ``1h 58min``, ``18D``,
    ``45s``): how far apart rows lie, never further than they do (:func:`_ceil_duration` said 2 days 1 hour
    as ``3D``)."""
    seconds = max(int(span.total_seconds()), 0)
    units = (("D", 86400), ("h", 3600), ("min", 60), ("s", 1))
    first = next((i for i, (_, size) in enumerate(units) if seconds >= size), len(units) - 1)
    parts = []
    for unit, size in units[first:first + 2]:
        count, seconds = divmod(seconds, size)
        if count or not parts:
            parts.append(f"{count}{unit}")
    return " ".join(parts)


def _exact_duration(span: pd.Timedelta) -> str:
    """``span`` exactly, in every unit it has (``65734D 6min 22.536871059s``, ``2D 1h``, ``45s``): how far
    apart two rows lie (:func:`_ceil_duration` said a gap of 65734 days and 6 minutes was ``65735D``, longer
    than any in the data)."""
    ns = max(int(span.value), 0)
    parts = []
    for unit, size in (("D", 86400 * 10**9), ("h", 3600 * 10**9), ("min", 60 * 10**9)):
        count, ns = divmod(ns, size)
        if count:
            parts.append(f"{count}{unit}")
    if ns or not parts:
        whole, frac = divmod(ns, 10**9)
        parts.append(f"{whole}" + (f".{frac:09d}".rstrip("0") if frac else "") + "s")
    return " ".join(parts)


def derive_train_windows(rows_per_window: float) -> int:
    """Replay windows in the derived training window (see the module doc)."""
    return int(min(max(math.ceil(TRAIN_ROWS / max(rows_per_window, 1.0)), 1), MAX_TRAIN_WINDOWS))


def _features(frame: pd.DataFrame, cfg: BacktestConfig) -> list[str]:
    """The model's feature columns, as train core's ``split_features`` takes them (timestamps are
    not features): the drift of the replay reads these, as monitoring reads the champion's
    ``features`` — a datetime column (a ``signup_date``) the model ignores drifted every window."""
    from ctloop.components.train.core import split_features

    numeric, categorical = split_features(frame, target=cfg.target, exclude=(cfg.time_column,))
    chosen = set(numeric) | set(categorical)
    return [c for c in frame.columns if c in chosen]


def _drift_kinds(data: pd.DataFrame, features: list[str], cfg: BacktestConfig) -> dict[str, str]:
    """The drift policy's columns with a method set (``--drift-method``/``drift.method`` for every
    column, ``drift.column_methods`` for one): each one's kind (numeric, categorical) over the
    replayed rows, given to every window's ``detect``; the others' kinds are inferred per window by
    evidently's rules (as detect_drift and monitoring infer them). The drift engine infers a kind
    from the window alone, and an integer column (evidently: categorical with at most 10 distinct
    values) such as an item count changes kind in a quiet window: a method of one kind (ks,
    wasserstein; chisquare, z) stopped the replay there. Refused here, before any window is
    replayed: a method that does not apply to its column's kind over the data, a per-column
    setting naming a column detect_drift refuses too (not in the data, the target, the time
    column); one naming a datetime feature (compared by detect_drift, left out here) is ignored
    with a warning."""
    import warnings

    from ctloop.drift import engine, stats

    method = cfg.drift.method or None
    per_column = dict(cfg.drift.column_methods or {})
    if cfg.policy != "drift":  # the default policy's drift is monitoring's: no methods
        return {}
    for setting, named in (("column_methods", per_column), ("column_thresholds", cfg.drift.column_thresholds or {})):
        unknown = [str(c) for c in named if c not in data.columns or c in (cfg.target, cfg.time_column)]
        if unknown:  # as detect_drift refuses them
            raise ConfigError(f"drift.{setting} names column {unknown[0]!r}, which is not a feature column of the "
                              f"data (the target and the time column are never compared; features: "
                              f"{', '.join(map(repr, features[:10]))}{' …' if len(features) > 10 else ''})")
        left_out = [str(c) for c in named if c not in features]
        if left_out:  # a datetime column: detect_drift compares it, the backtest's drift leaves it out
            warnings.warn(f"drift.{setting} names {', '.join(map(repr, left_out))}, which the backtest's drift "
                          "leaves out (a datetime column: it drifts every window): ignored here", stacklevel=2)
    if method is None and not per_column:
        return {}
    kinds: dict[str, str] = {}
    wrong: list[tuple[str, str, str]] = []
    for name in features:
        chosen = per_column.get(name, method)
        kind = engine.column_kind(data[name]) if chosen else None
        if kind is None:  # no method set for it, or not compared: left to detect
            continue
        kinds[name] = kind
        if chosen not in stats.METHODS_BY_KIND[kind]:
            wrong.append((name, kind, chosen))
    if wrong:
        import pandas as pd

        name, kind, chosen = wrong[0]
        col = data[name]
        what = ("true/false values" if pd.api.types.is_bool_dtype(col) else
                f"whole numbers, {col.nunique()} distinct values" if pd.api.types.is_integer_dtype(col) else
                "a text column" if kind == "categorical" else "numbers")
        every = [m for m in stats.METHODS_BY_KIND["numeric"] if m in stats.METHODS_BY_KIND["categorical"]]
        others = f" and {len(wrong) - 1} other column(s)" if len(wrong) > 1 else ""
        if name in per_column:
            raise ConfigError(f"drift.column_methods[{name!r}] = {chosen!r} does not apply to {kind} column "
                              f"{name!r} ({what}){others}: use one of {', '.join(stats.METHODS_BY_KIND[kind])}")
        raise ConfigError(f"--drift-method {chosen!r} does not apply to {kind} column {name!r} ({what}){others}: "
                          f"use one of {', '.join(every)} (they apply to every column), or leave --drift-method "
                          "out (each column gets its kind's method)")
    return kinds


def _check_drift_method(frame: pd.DataFrame, cfg: BacktestConfig, policies: list[str]) -> None:
    """:func:`_drift_kinds`'s refusal for :func:`compare`, before the first policy replays (a replay
    of ``never`` first, then ``drift`` refused). A frame the replay refuses for another reason is
    left to it, to say so in its own words."""
    import dataclasses

    from ctloop.errors import CtloopError
    from ctloop.storage import _decimals_as_floats, plain_missing

    policy = "drift" if "drift" in policies else None
    settings = cfg.drift.method or cfg.drift.column_methods or cfg.drift.column_thresholds
    if policy is None or not settings or cfg.target not in frame.columns \
            or cfg.time_column not in frame.columns:
        return
    try:
        data = plain_missing(_decimals_as_floats(frame.reset_index(drop=True))).dropna(subset=[cfg.target])
        features = _features(data, cfg)
    except CtloopError:
        return
    _drift_kinds(data, features, dataclasses.replace(cfg, policy=policy))


def run_backtest(
    frame: pd.DataFrame,
    cfg: BacktestConfig,
    progress: Callable[[str], None] | None = None,
) -> BacktestReport:
    """Replay ``frame`` (any order; sorted by ``cfg.time_column`` here, rows sharing a time in
    ``prepare_data``'s order, by a hash of their values: the same rows give the same report in any
    order). See the module doc.

    The replay's fits and predictions run on one thread of scikit-learn's OpenMP runtime
    (HistGradientBoosting; xgboost shares it; lightgbm sets its own, ``ctloop.estimators``) unless
    ``OMP_NUM_THREADS`` is set: they are small (the training window holds a few thousand rows) and
    many, and HistGradientBoosting's threads cost more than they save there — scikit-learn issue #30662
    ("15x slowdown on small data problems compared to disabled OpenMP threading", open for
    scikit-learn 1.9.1), worse on a busy machine, whose spinning threads wait for a core
    (``benchmarks/bench_backtest_scale.py``: always-retrain on 52 windows of 100 rows took 124 s
    with two threads and 4.4 s with one on a loaded 2-core machine). The pipeline's steps get
    ``OMP_NUM_THREADS`` from their CPU limit (:mod:`ctloop.ops.settings`).

    A warning (train core's notes on the data) is shown once per replay (per comparison in
    :func:`compare`), not at every retrain:
    the ``catch_warnings`` blocks of other libraries (scikit-learn's) reset Python's own record of
    the warnings already shown, ``once`` filters included."""
    import os
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    if os.environ.get("OMP_NUM_THREADS"):
        threads: Any = nullcontext()
    else:
        import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime: only a loaded one is limited)

        threads = threadpool_limits(limits=1, user_api="openmp")
    with _notes_once(), threads:
        return _replay(frame, cfg, progress)


_WRITTEN_NOTE = re.compile(r"(column .+? holds numbers written as text): ").match  # contract.written_numbers_note


@contextmanager
def _notes_once() -> Iterator[None]:
    """Show each warning (its text and category) once within the block, whatever resets Python's
    own record of the warnings shown (:func:`run_backtest`; :func:`compare` over its policies); a column's
    written-numbers note (:func:`ctloop.contract.written_numbers_note`) once, whatever its counts."""
    import warnings

    with warnings.catch_warnings():
        show, shown = warnings.showwarning, set()

        def show_once(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                      file: Any = None, line: str | None = None) -> None:
            # the written-numbers note once per column: a window's counts differ when the whole table had none
            # (text labels early, decimal commas later; the model's notes still carry each)
            key = (m.group(1) if (m := _WRITTEN_NOTE(str(message))) else str(message), category)
            if key not in shown:
                shown.add(key)
                show(message, category, filename, lineno, file, line)

        warnings.showwarning = show_once
        yield


def _prepared(frame: pd.DataFrame, cfg: BacktestConfig) -> tuple[pd.DataFrame, pd.Timedelta, int, int]:
    """The replay's rows (:func:`_replay`): ``(data, step, untimed, unlabelled)``, ``frame`` checked as
    prepare_data checks it, its times parsed, without the rows that have no time or no label (counted), in
    time order; ``step`` the parsed ``--window``."""
    from ctloop.components.prepare import core as prep_core
    from ctloop.components.train import core as train_core
    from ctloop.contract import (
        check_column_names,
        check_finite,
        check_integer_width,
        drop_unnamed_columns,
        missing_column,
        numbers_as_numbers,
        parse_times,
        shown_names,
    )
    from ctloop.storage import TABLE_FORMAT, _decimals_as_floats, plain_missing
    from ctloop.timeutil import parse_duration

    cfg.validate()
    frame = drop_unnamed_columns(frame)  # a CSV's empty or index column without a name, said (as prepare_data)
    check_column_names(frame)  # as prepare_data refuses them (one implementation)
    for col in (cfg.target, cfg.time_column):
        if col not in frame.columns:
            indexed = col in [n for n in frame.index.names if n is not None]  # a notebook's set_index(col)
            raise DataValidationError([(col, "required", len(frame), (
                "column is the frame's index, not one of its columns (the replay reads columns): pass "
                "frame.reset_index()" if indexed else missing_column(col, frame.columns, frame.attrs.get(TABLE_FORMAT))))])
    # a Parquet struct or list target: one line, as the train core says it (was: "unhashable type: 'dict'")
    train_core.check_target_nested(frame[cfg.target], cfg.target)
    sliced = cfg.gate.slice_column if cfg.gate is not None else ""
    if sliced and (sliced not in frame.columns or sliced == cfg.time_column):  # else every gate fails, then "trainable"
        raise ConfigError(f"gate.slice_column {sliced!r}: " + (
            missing_column(sliced, frame.columns, frame.attrs.get(TABLE_FORMAT)) if sliced not in frame.columns else
            "is the time column (every row its own slice): slice by a column such as a region or a product"))
    if frame.empty:  # a header only: not "the time column has no values"
        raise DataValidationError([("*", "rows", 0, f"the data have no rows (its columns: {shown_names(frame.columns)})")])
    step = parse_duration(cfg.window, name="--window")
    data = frame.reset_index(drop=True)  # a copy; the index is not data (a notebook's set_index('ts'))
    data[cfg.time_column] = parse_times(data[cfg.time_column], cfg.time_column, cfg.time_format)
    data = plain_missing(_decimals_as_floats(data))  # a notebook's pd.NA and Decimals, as read_table reads them
    data = numbers_as_numbers(data, exclude=(cfg.time_column,))  # amounts as objects: as prepare_data reads them
    data = train_core.blank_as_missing(data, cfg.target)  # a row not labelled yet, as prepare_data and the fit read it
    # as prepare_data refuses them (no model takes inf), the contract's text columns aside as it leaves them (review 60 H1)
    check_finite(data, exclude=(cfg.time_column, *cfg.text_columns), text_hint=BACKTEST_TEXT_HINT)
    # the contract's text columns aside here too: prepare_data reads them as text before its check (round 61)
    check_integer_width(data, exclude=(cfg.time_column, *cfg.text_columns))  # 10**30 among objects: as prepare_data refuses it
    prep_core.refuse_nested(data)  # an Arrow list or struct column, by its type, as prepare_data refuses it
    untimed = int(data[cfg.time_column].isna().sum())  # no event time: no window (prepare_data drops them too)
    unlabelled = int((data[cfg.target].isna() & data[cfg.time_column].notna()).sum())  # fit drops them too
    # rows sharing a time (a daily date) in prepare_data's order, a hash of their values, not the source's
    data = prep_core.in_time_order(data.dropna(subset=[cfg.target, cfg.time_column]), cfg.time_column)
    if data.empty:
        raise DataValidationError([(cfg.target, "non_null", 0, "no rows with a target value")])
    return data, step, untimed, unlabelled


@dataclass
class _Grid:
    """The replay's windows over its rows (:func:`_grid`)."""

    data: pd.DataFrame  # the rows replayed: without stray first rows
    stray: int  # the stray first rows left out (:func:`_without_stray_start`)
    t0: Any
    edges: list
    bounds: list  # (start, end) of each window
    times: Any
    delay: Any  # --label-delay
    win_of_row: Any  # each row's window
    label_time: Any  # when each row's label arrives
    counts: Any  # rows per window
    ends: Any  # each window's end


def _grid(data: pd.DataFrame, cfg: BacktestConfig, step: pd.Timedelta) -> _Grid:
    """The windows of ``--window`` over :func:`_prepared`'s ``data`` (its times refused when they give no
    replay, stray first rows left out), each row's window and the time its label arrives."""
    import numpy as np
    import pandas as pd

    from ctloop.timeutil import parse_duration

    _check_time_spread(data[cfg.time_column], cfg.time_column, step)
    data, stray = _without_stray_start(data, cfg.time_column, cfg.window, step)
    _warn_dates_only(data[cfg.time_column], cfg.time_column, cfg.window, step)
    t0, edges = _edges(data[cfg.time_column], cfg.time_column, cfg.window, step)
    bounds = [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    if len(bounds) < 2:
        raise ConfigError(
            f"--window {cfg.window} gives {len(bounds)} window over {data[cfg.time_column].min()} "
            f"… {data[cfg.time_column].max()}: choose a shorter window"
        )
    times = data[cfg.time_column].to_numpy()
    delay = parse_duration(cfg.label_delay, name="--label-delay") if cfg.label_delay else pd.Timedelta(0)
    # labels arrive `delay` after the event; with no delay, at the end of the row's own window
    win_of_row = np.searchsorted(np.array([np.datetime64(e) for e in edges]), times, side="right") - 1
    window_end = np.array([np.datetime64(hi) for _, hi in bounds])[win_of_row]
    if delay > pd.Timedelta(0):  # at most pandas' last time: numpy's datetime64 sum wraps round past 2262
        room = np.iinfo(np.int64).max - times.astype("datetime64[ns]").view(np.int64)
        label_time = np.maximum(times + np.minimum(room, delay.value).astype("timedelta64[ns]"), window_end)
    else:
        label_time = window_end
    counts = np.bincount(win_of_row, minlength=len(bounds))
    ends = np.array([np.datetime64(hi) for _, hi in bounds])
    return _Grid(data, stray, t0, edges, bounds, times, delay, win_of_row, label_time, counts, ends)


def _min_train_rows(cfg: BacktestConfig, data: pd.DataFrame) -> int:
    """The labelled rows a model needs: ``--min-train-rows``, else :func:`ctloop.retrain.min_rows` of the
    classes in ``data``."""
    from ctloop import retrain

    n_classes = int(data[cfg.target].nunique()) if cfg.task == "classification" else 0
    return cfg.min_train_rows or retrain.min_rows(cfg.task, n_classes)


def _retrain_floor(grid: _Grid, min_train_rows: int, most: int, ready: Any, labels_ready: Any) -> int:
    """The fewest windows ``k``, at most ``most``, with which every retrain holds ``min_train_rows`` labelled rows:
    in each window ``i`` after the initial model whose retrain a later window scores, the rows of windows
    ``i+1-k..i`` whose labels arrived by window ``i``'s end (as ``labelled()`` reads them). A cut to 3 yearly
    windows of 30 rows left every retrain 90 of the 100 it needs; the last windows alone do not tell (rows 200, 30,
    30, 30, 30, 100 hold 130 in the last 3, and retrains in windows 3 and 4 were skipped). 1 (no floor) when no
    ``k`` lets the retrains train: the floor would then only cost scored windows."""
    import numpy as np

    if not len(ready) or not len(labels_ready):
        return 1
    n = len(grid.bounds)
    arrives = np.searchsorted(grid.ends, grid.label_time, side="left")  # labelled(i, .) holds a row from here
    # only a retrain a later window scores counts (one in the last scored window, or in a short window after it,
    # is scored by none: a partial last window raised the floor and cost a scored window)
    scoring = np.flatnonzero(np.asarray(grid.counts) >= MIN_SCORE_ROWS)
    last = int(scoring[-1]) if len(scoring) else 0

    def enough(k: int) -> bool:
        # a row counts in windows arrives..win+k-1 (on and after its label, within k windows of its own)
        lo, hi = arrives, np.minimum(grid.win_of_row + k - 1, n - 1)
        lo, hi = lo[lo <= hi], hi[lo <= hi]
        held = np.cumsum(np.bincount(lo, minlength=n + 1) - np.bincount(hi + 1, minlength=n + 1))[:n]
        first = max(k - 1, int(ready[0]), int(labels_ready[0]))
        return bool((held[first + 1:last] >= min_train_rows).all())

    # enough() is judged only where it checks a retrain at all (first + 1 < last): past that it holds vacuously
    most = min(most, last - 1) if max(int(ready[0]), int(labels_ready[0])) + 1 < last else 0
    if most < 1 or not enough(most):
        return 1
    lo, hi = 1, most  # enough() only grows with k: more rows in each window, fewer windows checked
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if enough(mid) else (mid + 1, hi)
    return lo


def _leave_scored(derived: int, counts: Any, ready: Any, labels_ready: Any, floor: int) -> int:
    """The longest training window of at most ``derived`` windows that leaves :data:`ADVISED_SCORED_WINDOWS`
    windows to score (:func:`_scorable_after`), or as many as a training window of 1 leaves when that is fewer,
    never shorter than ``floor`` (:func:`_retrain_floor`); ``derived`` when no initial model can train (refused
    as such)."""
    if not len(ready) or not len(labels_ready):
        return derived
    floor = min(floor, derived)
    want = min(ADVISED_SCORED_WINDOWS, _scorable_after(counts, 1, ready, labels_ready))
    return next((k for k in range(derived, floor - 1, -1) if _scorable_after(counts, k, ready, labels_ready) >= want),
                floor)


def _train_windows(cfg: BacktestConfig, step: pd.Timedelta, grid: _Grid, min_train_rows: int) -> tuple[int, str]:
    """``(windows, how)``: the training window in replay windows (``--train-window``, else derived, then cut to
    leave windows to score: :func:`_leave_scored`) and how it was set; a ``--train-window`` that leaves no window
    to replay is refused."""
    import numpy as np

    from ctloop.timeutil import parse_duration

    bounds, counts = grid.bounds, grid.counts
    if cfg.train_window:
        train_windows = max(1, math.ceil(parse_duration(cfg.train_window, name="--train-window") / step))
        how = f"--train-window {cfg.train_window}"
        if train_windows >= len(bounds):  # the initial model's history would be all but the last window
            raise ConfigError(
                f"--train-window {cfg.train_window} spans {train_windows:,} windows of {cfg.window}, the data "
                f"{len(bounds):,} ({bounds[0][0]} … {bounds[-1][1]}): the initial model would train on all but the "
                f"last and leave none to replay; choose at most {_flag_duration(step * _longest(grid, min_train_rows))}")
    else:
        busy = int((counts > 0).sum())
        rows_per_window = float(np.median(counts[counts > 0]))
        train_windows = derive_train_windows(rows_per_window)
        # the median is of the windows holding rows: said when some hold none (gapminder's waves every fifth year)
        among = f" with rows ({busy} of {len(counts)})" if busy < len(counts) else ""
        how = (f"derived: {TRAIN_ROWS} rows at a median {rows_per_window:.0f} rows per window{among}, "
               f"1..{MAX_TRAIN_WINDOWS} windows")
        train_windows = min(train_windows, len(bounds) - 1)
        ready, labels_ready = _ready_windows(grid, min_train_rows)
        floor = _retrain_floor(grid, min_train_rows, train_windows, ready, labels_ready)
        cut = _leave_scored(train_windows, counts, ready, labels_ready, floor)
        if cut < train_windows:
            how += f", cut to {cut} to leave up to {_scorable_after(counts, cut, ready, labels_ready)} windows to score"
            if cut == floor and _leave_scored(train_windows, counts, ready, labels_ready, 1) < cut:
                how += f" (no fewer: a retrain needs {min_train_rows} labelled rows)"
            train_windows = cut
    train_windows = min(train_windows, len(bounds) - 1)
    return train_windows, how


def _longest(grid: _Grid, min_train_rows: int) -> int:
    """The training window a refused ``--train-window`` is told to choose: the one the derived window's cut
    (:func:`_leave_scored`) chooses from all but the last window (it told 3 of 7 yearly windows where the
    default chose 4), at most half the windows or the derived window before the cut, whichever is longer (40
    daily windows were told 35, which leaves 3 to score, where half of them scores 13), never below the
    retrains' floor (:func:`_retrain_floor`)."""
    import numpy as np

    most = max(1, len(grid.bounds) - 1)
    ready, labels_ready = _ready_windows(grid, min_train_rows)
    floor = _retrain_floor(grid, min_train_rows, most, ready, labels_ready)
    derived = min(derive_train_windows(float(np.median(grid.counts[grid.counts > 0]))), most)
    cap = max(len(grid.bounds) // 2, derived, floor)
    return min(_leave_scored(most, grid.counts, ready, labels_ready, floor), cap)


def _ready_windows(grid: _Grid, min_train_rows: int) -> tuple[Any, Any]:
    """``(ready, labels_ready)`` of :func:`_ready`, without its refusals."""
    import numpy as np

    # the first window by whose end the initial model (all rows so far) can hold its rows: labels at once, and
    # as they arrive (the labels of window k by its end, as labelled() reads them)
    ready = np.flatnonzero(np.cumsum(grid.counts) >= min_train_rows)
    arrived = np.bincount(np.searchsorted(grid.ends, grid.label_time, side="left"), minlength=len(grid.bounds) + 1)[:len(grid.bounds)]
    labels_ready = np.flatnonzero(np.cumsum(arrived) >= min_train_rows)  # none: refused as "trainable" in _ready
    return ready, labels_ready


def _ready(grid: _Grid, cfg: BacktestConfig, train_windows: int, how: str, min_train_rows: int) -> tuple[Any, Any]:
    """``(ready, labels_ready)``: the windows by whose end the initial model can hold its rows, and their
    labels; refused when no window after it would be scored."""
    ready, labels_ready = _ready_windows(grid, min_train_rows)
    replayed = grid.counts[max(ready[0], train_windows - 1) + 1:] if len(ready) else None
    if replayed is not None and (not len(replayed) or int(replayed.max()) < MIN_SCORE_ROWS):  # scoring nothing
        setting = f"--train-window {cfg.train_window}" if cfg.train_window else f"--window {cfg.window}"
        lo, hi = grid.bounds[-1]
        raise ConfigError(
            f"{setting}: after the initial model's {train_windows} window(s) of history ({how}) and its "
            f"{min_train_rows} rows " + (f"no window holds {MIN_SCORE_ROWS} rows (at most {int(replayed.max())})"
                                         if len(replayed) else f"no window is left (it trains in the last, {lo} … "
                                                               f"{hi})")
            + ": no window would be scored; choose a shorter --train-window or more data")
    late = grid.counts[max(labels_ready[0], train_windows - 1) + 1:] if len(labels_ready) else None
    if late is not None and (not len(late) or int(late.max()) < MIN_SCORE_ROWS):  # the delay holds them back
        k = int(labels_ready[0])
        raise ConfigError(
            f"--label-delay {cfg.label_delay}: the initial model's {min_train_rows} labelled rows arrive by "
            f"{grid.bounds[k][1]}, the end of " + ("the last window" if k == len(grid.bounds) - 1 else
                                              f"window {k} of {len(grid.bounds)}, after which no window holds "
                                              f"{MIN_SCORE_ROWS} rows")
            + ": no window would be scored; a shorter --label-delay or a longer stream")
    return ready, labels_ready


def _checked(data: pd.DataFrame, cfg: BacktestConfig, step: pd.Timedelta) -> tuple[list[str], dict[str, str], _Grid, int]:
    """``(features, drift kinds, grid, min_train_rows)`` of the :func:`_prepared` ``data``, after the refusals the
    replay makes up front, before any window (the target's rules, the feature columns, the classes, a window
    none of which is scored), with the notes on the data they come with. :func:`_replay` and
    :func:`_check_schedules` both call it, so that a frame refused here is refused in these words whichever
    --compare policies come with it."""
    import warnings

    import pandas as pd

    from ctloop import retrain
    from ctloop.components.train import core as train_core
    from ctloop.contract import (
        check_numbers_as_text,
        check_uniform_types,
        spelling_variants,
        spelling_warning,
    )

    if cfg.task == "regression":  # up front, not as every training window's failure
        train_core.check_regression_target(data[cfg.target].infer_objects(), cfg.target, cfg.training.estimator)
    if cfg.task == "classification":
        train_core.check_labels(data[cfg.target], cfg.target)
    features = _features(data, cfg)
    if not features:  # up front, not as every training window's failure
        raise DataValidationError([("*", "features", len(data), f"no feature columns: the data hold only the target "
                                    f"{cfg.target!r} and the time column {cfg.time_column!r}")])
    train_core.check_feature_types(data, features)
    check_uniform_types(data, features)  # nested or mixed values: as the train core refuses them, in every row
    spelled: dict[str, str] = {}  # written numbers ('70,41', '250 ml'), alone or mixed: noted once here, not refused
    check_numbers_as_text(data, features, written=spelled)  # '?' or 'bad' in a column of amounts: read as text
    for name, note in spelled.items():  # contract.written_numbers_note, as the train core says it
        warnings.warn(note, UserWarning, stacklevel=3)
        # said once here on the whole table, not again at each retrain with that window's counts (they stay in the
        # model's notes); the callers hold a catch_warnings block (_notes_once, _check_schedules) that ends this
        warnings.filterwarnings("ignore", rf"column {re.escape(repr(name))} holds numbers written as text: ",
                                UserWarning)
    if variants := spelling_variants(data, features):  # 'Yes', 'yes ', 'YES': said as prepare_data says it
        warnings.warn(spelling_warning(variants), UserWarning, stacklevel=3)
    train_core.check_target_copies(data, cfg.target, features, cfg.task)
    kinds = _drift_kinds(data, features, cfg)  # a set --drift-method: refused now, not at the first window
    grid = _grid(data, cfg, step)
    data, t0, times, counts = grid.data, grid.t0, grid.times, grid.counts
    classification = cfg.task == "classification"
    n_classes = int(data[cfg.target].nunique()) if classification else 0
    fractions = data[cfg.target][data[cfg.target] % 1 != 0] if classification and \
        pd.api.types.is_float_dtype(data[cfg.target]) else data[cfg.target].iloc[:0]
    if len(fractions):
        examples = ", ".join(str(float(v)) for v in pd.unique(fractions)[:3])
        raise DataValidationError([(cfg.target, "classes", len(fractions), f"{n_classes} classes, values like "
                                    f"{examples} that are not whole numbers: a regression target? pass --task "
                                    "regression")])
    if classification and n_classes < 2:
        raise DataValidationError([(cfg.target, "classes", len(data), f"one class ({plain(data[cfg.target].iloc[0])!r}) "
                                    "in every row: a classifier needs two; check the labels")])
    _check_scorable(cfg.window, step, times, t0, counts)
    min_train_rows = _min_train_rows(cfg, data)
    # no window ever trains because of the classes (ROWS_PER_CLASS a class above the floor of 100 rows): else the
    # rows are too few whatever the classes, said when no initial model trains
    if (classification and cfg.min_train_rows is None and len(data) < min_train_rows
            and min_train_rows > retrain.min_rows(cfg.task, 2)):
        examples = ", ".join(repr(plain(v)) for v in pd.unique(data[cfg.target])[:3])
        numeric = pd.api.types.is_numeric_dtype(data[cfg.target]) and not pd.api.types.is_bool_dtype(data[cfg.target])
        raise DataValidationError([(cfg.target, "classes", len(data), (
            f"{n_classes:,} classes (values like {examples}) need {min_train_rows:,} labelled rows to train a "
            f"classifier ({train_core.ROWS_PER_CLASS} a class), the data hold {len(data):,}: "
            + ("more rows, or --task regression if the values are amounts" if numeric else
               "more rows, or fewer classes (an id?)")))])
    if classification:  # up front: the first window may hold fewer classes than the limit, every retrain more
        y = data[cfg.target].infer_objects()
        train_core.check_number_classes(y, cfg.target, n_classes, cfg.training.max_number_classes)
        _warn_count_classes(y, cfg.target)  # after the refusals: a refused target gets no note
    return features, kinds, grid, min_train_rows


def _check_schedules(frame: pd.DataFrame, cfg: BacktestConfig, policies: list[str]) -> None:
    """:func:`_check_schedule_comes` for every ``every:N`` of :func:`compare`'s ``policies``, before the first
    replay (``always`` replayed in full, then ``every:1000`` refused), on the windows the replay computes, after
    the refusals it makes up front (:func:`_checked`: a target with one class was said to be a schedule that
    never comes). A frame the replay refuses is left to it, to say so in its own words; its notes are the
    replay's to show, or, when a schedule is refused here, shown before the refusal, as a single policy's
    replay shows them (stray first rows left out, labels that were words...: they were dropped)."""
    import warnings

    from ctloop.errors import CtloopError

    scheduled = [p for p in policies if scheduled_every(p) is not None]
    if not scheduled:
        return
    try:
        with warnings.catch_warnings(record=True) as notes:
            warnings.simplefilter("always")
            data, step, _, _ = _prepared(frame, cfg)
            _, _, grid, min_train_rows = _checked(data, cfg, step)
            train_windows, how = _train_windows(cfg, step, grid, min_train_rows)
            ready, labels_ready = _ready(grid, cfg, train_windows, how, min_train_rows)
    except CtloopError:
        return
    try:
        for policy in scheduled:
            _check_schedule_comes(policy, cfg.window, len(grid.bounds), train_windows, ready, labels_ready)
    except ConfigError:
        from ctloop.retrain import warn_at

        with _notes_once():  # each once, under the caller's filters, as the replay would have raised them
            for note in notes:
                warn_at(note.message, note.category, note.filename, note.lineno)
        raise


def _replay(frame: pd.DataFrame, cfg: BacktestConfig, progress: Callable[[str], None] | None) -> BacktestReport:
    """:func:`run_backtest`."""

    import numpy as np
    import pandas as pd

    from ctloop import metrics as M
    from ctloop import retrain
    from ctloop.columns import WEIGHT
    from ctloop.components.evaluate import core as eval_core
    from ctloop.components.prepare import core as prep_core
    from ctloop.components.train import core as train_core
    from ctloop.contract import (
        parse_times,
    )
    from ctloop.drift import engine as drift_core
    from ctloop.errors import CtloopError
    from ctloop.monitoring import policy, triggers
    from ctloop.monitoring import rules as rules_core
    from ctloop.unseen import empty_features, unseen_labels
    from ctloop.unseen import empty_said as said_empty

    say = progress or (lambda _msg: None)
    data, step, untimed, unlabelled = _prepared(frame, cfg)
    features, kinds, grid, min_train_rows = _checked(data, cfg, step)
    data, bounds, times = grid.data, grid.bounds, grid.times
    delay, win_of_row, label_time, counts, ends = grid.delay, grid.win_of_row, grid.label_time, grid.counts, grid.ends
    classification = cfg.task == "classification"
    train_windows, how = _train_windows(cfg, step, grid, min_train_rows)
    ready, labels_ready = _ready(grid, cfg, train_windows, how, min_train_rows)
    _check_schedule_comes(cfg.policy, cfg.window, len(bounds), train_windows, ready, labels_ready)
    if untimed:
        say(f"{untimed} row(s) without a {cfg.time_column!r} value left out (no window to replay them in)")
    if unlabelled:
        say(f"{unlabelled} row(s) without a {cfg.target!r} value left out (no label to score or train on)")
    if grid.stray:
        say(f"{grid.stray} stray first row(s) left out (far before the others: see the note)")
    say(f"{len(data)} rows in {len(bounds)} windows of {cfg.window}; training window {train_windows} "
        f"window(s) ({how}); a challenger needs {min_train_rows} labelled rows; policy {cfg.policy}")
    _warn_few_labels(cfg, counts)
    _warn_long_cooldown(cfg, step)
    _warn_few_scored(cfg, step, grid, train_windows, how, ready, labels_ready, min_train_rows)

    def labelled(end_i: int, first_i: int) -> pd.DataFrame:
        """Rows of windows first_i..end_i whose label arrived by window end_i's end."""
        mask = (win_of_row >= first_i) & (win_of_row <= end_i) & (label_time <= np.datetime64(bounds[end_i][1]))
        return data.loc[mask]

    def proba_of(model: Any, rows: pd.DataFrame):
        names = getattr(model, "feature_names_in_", None)
        x = rows[list(names)] if names is not None else rows[features]
        return model.predict_proba(x) if classification else np.asarray(model.predict(x), dtype=float)

    def registered(decision: Any) -> dict[str, float]:
        """What registration records with a promoted version and monitoring reads back
        (``ctloop.metric.challenger.*`` tags: the gate's metrics and statistics)."""
        values = eval_core.metric_values(decision)
        out = {k[len("challenger."):]: float(v) for k, v in values.items() if k.startswith("challenger.")}
        for stat in ("delta", "ci_low"):  # tags ctloop.metric.<metric>.delta/.ci_low: policy.paid
            if values.get(policy.paid_key(cfg.primary_metric, stat)) is not None:
                out[policy.paid_key(cfg.primary_metric, stat)] = float(values[policy.paid_key(cfg.primary_metric, stat)])
        return out

    def train(hist: pd.DataFrame, champion: _Champion | None, recent_first: int | None = None,
              span: str = "the training window"):
        """``(result, train, holdout, decision)`` or ``(None, reason)``. ``recent_first``: the first
        window of a candidate start (:func:`ctloop.retrain.choose_start` on the training part and the
        holdout, as ``train_model`` does with ``training.candidate_since``; a kept start is gated on
        the newest rows since it, as ``evaluate_model`` does). ``span``: the windows ``hist`` holds, as
        a reason names them (the initial model's are every window so far)."""
        if len(hist) < min_train_rows:
            return None, f"{len(hist)} labelled rows in {span} (< {min_train_rows})"
        y = hist[cfg.target]
        if classification and y.nunique() < 2:
            return None, f"a single class {plain(y.iloc[0])!r} in {span}"
        cut = int(len(hist) * (1 - cfg.holdout_fraction))
        part, holdout = hist.iloc[:cut], hist.iloc[cut:]
        if cfg.recency_half_life:  # as prepare_data weighs the training part: age from the newest row
            times = parse_times(hist[cfg.time_column], cfg.time_column)
            part = part.assign(**{WEIGHT: prep_core.recency_weights(times.iloc[:cut], times.max(),
                                                                    cfg.recency_half_life)})
        if classification and part[cfg.target].nunique() < 2:
            return None, f"a single class {plain(part[cfg.target].iloc[0])!r} in the training part of the window"
        try:
            note = ""
            if cfg.recency_half_life:  # prepare_data's refusal: weights that leave about one row (skip the window)
                prep_core.check_recency_weights(part[WEIGHT], times.iloc[:cut], cfg.recency_half_life)
            if recent_first is None:
                result = train_core.run(part, cfg.training, target=cfg.target, time_column=cfg.time_column)
            else:
                assert cfg.gate is not None
                result, part, check, choice = retrain.choose_start(
                    part, holdout, cfg.training, cfg.gate, target=cfg.target, time_column=cfg.time_column,
                    since=bounds[recent_first][0], holdout_fraction=cfg.holdout_fraction, least_rows=min_train_rows)
                holdout = holdout if check is None else check  # evaluate_model: retrain.gate_rows
                note = choice.note
            decision = eval_core.run(result.model, holdout.drop(columns=[cfg.time_column]), cfg.gate,
                                     target=cfg.target, task=cfg.task,
                                     champion=champion.model if champion else None)
            if note:
                decision.reason = f"{note}; {decision.reason}"
        except CtloopError as exc:  # TrainingError, EvaluationError, DataValidationError: skip, go on
            failures[:] = [exc]
            return None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        return (result, part, holdout, decision), ""

    failures: list[Exception] = []  # train()'s last error
    windows: list[WindowResult] = []
    ids_said: set[str] = set()  # ID columns the window line named (once a replay: _ids_said)
    champion: _Champion | None = None
    i = 0
    while champion is None and i < len(bounds):
        lo, hi = bounds[i]
        base = WindowResult(i, str(lo), str(hi), int(counts[i]), None, None, False, False, False, False, 0, "")
        windows.append(base)
        if i + 1 < train_windows:
            base.rule, base.reason = "history", f"history of the initial model ({train_windows} window(s))"
            i += 1
            continue
        out, why = train(labelled(i, 0), None, span=f"the {i + 1} windows so far" if i else "the first window")
        if out is None:
            base.rule, base.reason = "skip", f"no initial model yet: {why}"
            say(f"window {i} [{lo} … {hi}): {base.reason}")
        else:
            result, part, holdout, decision = out
            classes = list(getattr(result.model, "classes_", [])) or None
            champion = _Champion(result.model, classes, part[features], registered(decision), 1, hi)
            base.retrained = base.promoted = True
            base.approved = decision.approved
            base.champion_version, base.rule = 1, "initial"
            base.reason = f"initial model v1 on {len(part)} rows" + (
                "" if decision.approved else " (fails the gate; used anyway as the starting point)")
            say(f"window {i} [{lo} … {hi}): {base.reason}")
        i += 1
    if champion is None:
        last = failures[0] if failures else None
        if isinstance(last, DataValidationError) and all(col != cfg.target for col, *_ in last.violations) \
                and windows[-1].reason.endswith(f"DataValidationError: {str(last).splitlines()[0][:300]}"):
            raise last  # a feature column no window can train on: its own words, not the target's
        why = windows[-1].reason
        late = int((label_time > np.datetime64(bounds[-1][1])).sum()) if delay > pd.Timedelta(0) else 0
        if late:  # the delay held the labels back, not the data
            why += (f"; with --label-delay {cfg.label_delay} the labels of {late:,} of {len(data):,} rows arrive after "
                    f"the last window ends ({bounds[-1][1]}): a shorter delay, or a longer stream")
        raise DataValidationError([(cfg.target, "trainable", len(data), f"no window can train an initial model: {why}")])

    records: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []  # the window records policy.judge reads (its state), as monitoring stores them
    retrains = promotions = 0
    start = i
    every, last_retrain = scheduled_every(cfg.policy), i - 1  # every:N counts windows from the initial model
    labels_since_retrain = 0  # labels that arrived since the initial model or the last retrain
    # labels arriving in (lo, hi], per window, once
    arrivals = np.bincount(np.searchsorted(ends, label_time, side="left"), minlength=len(bounds) + 1)
    end_index = {pd.Timestamp(hi).isoformat(): k for k, (_, hi) in enumerate(bounds)}
    for i in range(start, len(bounds)):
        lo, hi = bounds[i]
        current = data.loc[win_of_row == i]
        w = WindowResult(i, str(lo), str(hi), len(current), None, None, False, False, False, False,
                         champion.version, "")
        windows.append(w)
        notes: list[str] = []
        proba, unseen_rows, unseen_said, empty_said = None, 0, "", []
        if current.empty:
            notes.append("not scored: no rows in this window")
        else:
            # a feature the champion learnt with values and none in this window (stop 58's medicare_private_gap:
            # a feed broke for three days; only the drift engine's report said it, and only under drift policies)
            empty_said = [said_empty(c, "this window") for c in empty_features(features, current, champion.reference)]
            proba = proba_of(champion.model, current)
            y = current[cfg.target].to_numpy()
            value = M.compute(cfg.task, y, proba, champion.classes)[cfg.primary_metric]
            if classification:
                # said where the window is (stop 58's births_cigarettes_dst: 6-18 labels of 18 windows a
                # class the champion never saw, and the lines said nothing of it)
                unseen = unseen_labels(y, champion.classes or [])
                w.unseen_classes, unseen_rows = unseen.classes, unseen.rows
            if len(current) < MIN_SCORE_ROWS:
                notes.append(f"not scored: {len(current)} rows (< {MIN_SCORE_ROWS})")
            elif value != value:
                notes.append(f"not scored: {cfg.primary_metric} undefined on one class "
                             f"{sorted(map(str, pd.unique(y)))}" if classification else "not scored: undefined metric")
            else:
                w.metric = float(value)
            if unseen_rows and w.unseen_classes:
                # of the window's rows, as its score reads them (not of its "N labels", those that arrived in it
                # for the realized rules: with --label-delay 2D a line said "0 labels, 15 labels of a class ...")
                unseen_said = unseen.said(f"v{champion.version}", total=len(current),
                                          fate="scored as errors" if w.metric is not None else "")
        # ------------------------------------------------------------------ decide
        fire, rule, reason = False, "none", f"policy {cfg.policy}"
        drift = None
        # detect_drift and monitor_model judge no drift on fewer rows (engine.MIN_ROWS: a statistic of a few is noise)
        judged = len(current) >= drift_core.MIN_ROWS
        if judged and cfg.policy == "drift":  # detect_drift's check: the whole drift section
            options = {"columns": features, "drift_share": cfg.drift.share, "method": cfg.drift.method or None,
                       "threshold": cfg.drift.threshold, "column_kinds": kinds,
                       "column_methods": {c: v for c, v in cfg.drift.column_methods.items() if c in features},
                       "column_thresholds": {c: v for c, v in cfg.drift.column_thresholds.items() if c in features},
                       "correction": cfg.drift.correction or None}
            if cfg.drift.calibration_rounds > 0:
                drift, _ = drift_core.detect_calibrated(champion.reference, current[features],
                                                        rounds=cfg.drift.calibration_rounds, seed=cfg.drift.seed,
                                                        **options)
            else:
                drift = drift_core.detect(champion.reference, current[features], **options)
            w.drift_share, w.drifted = float(drift.share), bool(drift.drifted)
        elif judged and cfg.policy == "default":
            # monitor_model's window drift (components/monitor/core.py _Frame.drift): the monitoring
            # section's rules judge its share; the drift section (method, threshold) is detect_drift's
            drift = drift_core.detect(champion.reference, current[features], columns=features)
            w.drift_share, w.drifted = float(drift.share), bool(drift.drifted)
            counted = cfg.rules.active().get("drift_share")
            # the window drifted as the rules count it (>= their drift_share, detect_drift's reading of
            # its own); with the drift rule off, nothing counts it
            w.drifted = rules_core.drifted(w.drift_share, counted) if counted is not None else False
        if cfg.policy == "always":
            fire, rule = True, "always"
        elif every is not None:
            since = i - last_retrain
            fire, rule = since >= every, ("schedule" if since >= every else "none")
            reason = f"scheduled: a retrain every {every} window(s), {since} since the last one"
        elif cfg.policy == "drift":
            fire = w.drifted
            rule, reason = ("drift" if fire else "none"), (f"drift share {w.drift_share:.2f}" if judged else
                                                            f"{len(current)} rows: no drift verdict" if len(current)
                                                            else "no rows")
        elif cfg.policy == "default":
            # rows "logged" since the champion started serving, this window's included (monitoring's volume)
            served = int(counts[end_index[pd.Timestamp(champion.since).isoformat()] + 1:i + 1].sum())
            record: dict[str, Any] = {"window_end": pd.Timestamp(hi).isoformat(), "rows": len(current),
                                      "drift_share": w.drift_share, "realized": None, "realized_rows": 0,
                                      "champion_version": champion.version, "rows_since_training": served,
                                      # labels that arrived in the window: a recovery's retrain waits for new ones
                                      "new_labels": int(arrivals[i])}  # (policy._nothing_new)
            if proba is not None and classification:
                record.update(triggers.prediction_drift(champion.gate, proba))
                w.psi = record.get("psi")
            if proba is not None and cfg.task == "regression":  # the predictions against the gate's deciles
                record.update(triggers.prediction_drift(champion.gate, proba))
                w.psi = record.get("psi")
            arrived = (label_time > np.datetime64(lo)) & (label_time <= np.datetime64(hi)) \
                & (times >= np.datetime64(champion.since))
            rows = data.loc[arrived]
            record["realized_rows"] = w.labelled = len(rows)
            if len(rows):
                # the realized metric and the rules' statistics as monitor_model computes them, from the same
                # function (issue 14 item 1; a label of a class the champion never saw is an error at its share)
                record.update(triggers.realized_record(cfg.task, cfg.judged_metric, rows[cfg.target].to_numpy(),
                                                       proba_of(champion.model, rows), champion.classes))
                w.realized = record["realized"]
            record["champion_gate"] = champion.gate  # (monitoring reads it from the registry, not the record)
            verdict = policy.judge(history, record, cfg.rules.active(), champion_gate=champion.gate,
                                   metric=cfg.judged_metric, min_labels=cfg.min_labels, window=cfg.window,
                                   rows_since_training=served, recovery=cfg.rules.recovery)
            fire, rule, reason = verdict.fire, verdict.rule, verdict.reason
            w.cusum = record.get("cusum")
            history = [*history[-50:], record]
            records.append(record)
        w.rule = rule
        w.reason = "; ".join([*notes, reason, *([unseen_said] if unseen_said else []), *empty_said])
        labels_since_retrain += int(arrivals[i])
        if fire and cfg.policy != "default" and not labels_since_retrain:  # a schedule: the same rows again
            fire = False
            w.reason += "; retrain skipped: no labels arrived since the last retrain (it would train on the same rows)"
        if fire:
            since = record.get("train_since") if cfg.policy == "default" else None  # policy.judge: a change
            first = max(i + 1 - train_windows, 0 if since is None else end_index[since])
            trial = record.get("try_since") if cfg.policy == "default" else None
            out, why = train(labelled(i, first), champion, None if trial is None else end_index[trial])
            if out is None:
                w.reason += f"; retrain skipped: {why}"
                if history:
                    policy.not_started(history[-1])
            else:
                result, part, holdout, decision = out
                retrains += 1
                last_retrain, labels_since_retrain = i, 0
                w.retrained, w.approved = True, decision.approved
                w.reason += f"; {decision.reason}"
                if not decision.judged and history:  # no comparison: no rejection either
                    policy.not_judged(history[-1])
                if decision.approved:
                    promotions += 1
                    classes = list(getattr(result.model, "classes_", [])) or None
                    champion = _Champion(result.model, classes, part[features], registered(decision),
                                         champion.version + 1, hi)
                    w.promoted, w.champion_version = True, champion.version
        say(f"window {i} [{lo} … {hi}): {len(current)} rows, {cfg.primary_metric}="
            f"{'n/a' if w.metric is None else round(w.metric, 4)}"
            + (f", drift share {w.drift_share:.2f}" if w.drift_share is not None else "")
            + (_ids_said(drift, ids_said) if drift is not None else "")
            + (f", {w.labelled} labels" if cfg.policy == "default" else "")
            + (f", {unseen_said}" if unseen_said else "") + "".join(f", {x}" for x in empty_said)
            + (f" → {rule}: " + (f"promoted v{champion.version}" if w.promoted else
                                 "rejected" if w.retrained else "retrain skipped") if fire else "")
            + (f" ({notes[0]})" if notes else ""))
    scored = [w for w in windows if w.metric is not None and w.rows > 0]
    total = sum(w.rows for w in scored)
    mean_metric = sum(w.metric * w.rows for w in scored) / total if total else None
    report = BacktestReport(
        config=cfg.to_dict(), windows=windows, mean_metric=mean_metric, retrains=retrains,
        promotions=promotions, metric=cfg.primary_metric, train_windows=train_windows,
        records=records, left_out={"no_time": untimed, "no_label": unlabelled, "stray_start": grid.stray},
    )
    # the windows after the initial model's not scored: not one before it ("no initial model yet": review 60 M2)
    report.skipped = sum(1 for w in report.served() if w.metric is None)
    return report


def left_out_note(report: BacktestReport) -> str:
    """One line on the rows the replay left out (no event time, no label, stray first rows), empty when none were."""
    cfg, gone = report.config, report.left_out
    parts = [f"{n:,} row(s) without a {cfg.get(col)!r} value" for key, col in (("no_time", "time_column"),
                                                                              ("no_label", "target"))
             if (n := gone.get(key, 0))]
    if stray := gone.get("stray_start", 0):
        parts.append(f"{stray:,} stray first row(s) far before the others")
    return f"left out (not replayed): {', '.join(parts)}" if parts else ""


def _ids_said(drift: Any, said: set[str]) -> str:
    """``" (counting 'sample_id', a different value in every row (an ID?): ...)"``: the drifted ID
    columns of a window's drift result (:attr:`ctloop.drift.engine.ColumnDrift.id_like`) not yet in
    ``said`` (added), for the window line; ``""`` when none. Stop 61: breast_cancer_constant's sample id
    drifted in every window, each of its values new, and its share (1 of 33) went unexplained. Counted,
    as detect_drift and monitor_model count it."""
    from ctloop.contract import ID_SAID

    ids = [c.column for c in drift.columns if c.drifted and c.id_like and c.column not in said]
    if not ids:
        return ""
    said.update(ids)
    return (f" (counting {', '.join(repr(n) for n in ids)}, {ID_SAID}: its values are new in every "
            "window, so it drifts in each; leave it out of the features)")


def plot_timeline(report: BacktestReport, path: str | Path, title: str = "") -> Path:
    """PNG timeline: metric per window, drift share, retrain and promotion markers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    rows = report.windows
    starts = [pd.Timestamp(w.start) for w in rows]
    mids = [pd.Timestamp(w.start) + (pd.Timestamp(w.end) - pd.Timestamp(w.start)) / 2 for w in rows]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True,
                                   gridspec_kw={"height_ratios": [2, 1]})
    xs, ys = _gapped([(m, w.metric) for m, w in zip(mids, rows, strict=True)])
    ax1.plot(xs, ys, marker="o", color="#1f77b4", label=f"champion {report.metric} (prequential)")
    for w in rows:  # decisions happen at the end of the window they were made in
        if w.retrained and w.rule != "initial" and not w.promoted:
            ax1.axvline(pd.Timestamp(w.end), color="#ff7f0e", alpha=0.6, linestyle="--")
        if w.promoted and w.rule != "initial":
            ax1.axvline(pd.Timestamp(w.end), color="#2ca02c", alpha=0.8)
    ax1.plot([], [], color="#ff7f0e", linestyle="--", label="retrained, rejected by the gate")
    ax1.plot([], [], color="#2ca02c", label="retrained and promoted")
    ax1.set_ylabel(report.metric)
    ax1.legend(loc="upper left", fontsize=8)
    ax1.grid(alpha=0.3)
    mean = "n/a" if report.mean_metric is None else f"{report.mean_metric:.4f}"
    ax1.set_title(title or f"policy={report.config.get('policy')}  mean {report.metric}={mean}  "
                  f"retrains={report.retrains}  promotions={report.promotions}")
    shares = [w.drift_share if w.drift_share is not None else 0.0 for w in rows]
    widths = [(pd.Timestamp(w.end) - pd.Timestamp(w.start)) * 0.8 for w in rows]
    ax2.bar(starts, shares, width=widths, color="#9467bd", align="edge", label="drift share")
    ax2.axhline(report.config.get("drift_share", 0.5), color="red", linestyle=":", label="drift threshold")
    ax2.set_ylabel("drift share")
    ax2.set_ylim(0, 1)
    ax2.legend(loc="upper left", fontsize=8)
    ax2.grid(alpha=0.3)
    return _save(fig, path)


def _gapped(points: list[tuple[Any, float | None]]) -> tuple[list[Any], list[float]]:
    """``(xs, ys)`` of the windows from the first scored one to the last, NaN where a window was not
    scored (no rows, too few, one class): the line breaks there instead of bridging the gap."""
    scored = [k for k, (_, y) in enumerate(points) if y is not None]
    if not scored:
        return [], []
    kept = points[scored[0]:scored[-1] + 1]
    return [x for x, _ in kept], [math.nan if y is None else y for _, y in kept]


def _save(fig: Any, path: str | Path) -> Path:
    """Write a plot (dates on the x axis) to ``path`` and close it."""
    import matplotlib.pyplot as plt

    fig.autofmt_xdate()
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def write_report(report: BacktestReport, output_dir: str | Path) -> tuple[Path, Path]:
    """Write ``backtest.json`` and ``backtest.png`` into ``output_dir``."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    js = out / "backtest.json"
    js.write_text(json.dumps(report.to_dict(), indent=2, default=str))
    png = plot_timeline(report, out / "backtest.png")
    return js, png


def compare(frame: pd.DataFrame, cfg: BacktestConfig, policies: list[str],
            progress: Callable[[str], None] | None = None, jobs: int = 1) -> dict[str, BacktestReport]:
    """The same replay under each of ``policies`` (progress lines prefixed with the policy).

    ``jobs`` > 1 replays that many policies at a time, each in a process of its own (started
    fresh, ``spawn``: scikit-learn's OpenMP runtime is not safe to fork) on one OpenMP thread
    (:func:`run_backtest`): the replays share nothing, so ``--compare`` of five policies on two
    cores takes about as long as its slowest, always-retrain, and the rest side by side. The
    children print their own progress when ``progress`` can be pickled (a module-level function or
    a ``functools.partial`` of one; else they replay quietly). Results and errors come back as one
    process would give them. An error in one replay, or an interrupt, ends the others at once; a
    worker ends itself when this process ends; a worker killed from outside (out of memory) is a
    :class:`TrainingError` naming ``--jobs 1``. A note on the data (a warning) is shown once per
    comparison, not once per policy, whichever process raised it, as the replays raise it (a
    replay that fails, an interrupt: its notes are shown before the error)."""
    say = progress or (lambda _msg: None)
    if not policies:
        raise ConfigError("--compare '': name policies, e.g. never,always,every:2,default")
    unique = list(dict.fromkeys(check_policy(p, flag="--compare") for p in policies))
    _check_drift_method(frame, cfg, unique)  # before the first replay, not after those of the policies before
    _check_schedules(frame, cfg, unique)  # every:N beyond the windows: likewise
    with _notes_once():  # a note on the data once, not once per policy
        out = _compare(frame, cfg, unique, say, progress, jobs)
    for policy, r in out.items():
        say(f"[{policy}] mean {r.metric} {'n/a' if r.mean_metric is None else f'{r.mean_metric:.4f}'}, "
            f"{r.retrains} retrains, {r.promotions} promotions")
    return out


def _compare(frame: pd.DataFrame, cfg: BacktestConfig, unique: list[str], say: Callable[[str], None],
             progress: Callable[[str], None] | None, jobs: int) -> dict[str, BacktestReport]:
    """:func:`compare`'s replays, one after the other or in ``jobs`` processes; a process's
    warnings come back through a queue as they are raised and are shown here while the replays
    run (each once: :func:`_notes_once`), the last of them before the reports are returned or a
    replay's error (or an interrupt) is raised."""
    import dataclasses
    import os
    import pickle

    if jobs > 1 and len(unique) > 1:
        from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool
        from multiprocessing import get_context

        try:
            pickle.dumps(progress)
            child_progress = progress
        except (pickle.PicklingError, AttributeError, TypeError):
            child_progress = None
        context = get_context("spawn")
        # put writes a note whole, under a lock, before it returns (a Queue hands it to a feeder
        # thread: a replay's report could come back before its notes, and a worker whose feeder
        # waited on a full pipe could not end, so the pool's shutdown waited for ever)
        notes = context.SimpleQueue()
        try:
            # each worker ends itself when this process ends, however it ends (SIGTERM, SIGKILL)
            with ProcessPoolExecutor(max_workers=min(jobs, len(unique)), mp_context=context,
                                     initializer=_start_worker, initargs=(os.getpid(), notes)) as pool:
                try:  # from the first submission: an interrupt while the others are handed over stops it too
                    futures = {p: pool.submit(_replay_policy, frame, dataclasses.replace(cfg, policy=p),
                                              child_progress) for p in unique}
                    # the first error, whichever replay it comes from, not after the replays before it
                    while True:
                        finished, running = wait(futures.values(), timeout=0.25, return_when=FIRST_EXCEPTION)
                        _show_notes(notes)  # as they come, not after the last replay
                        if not running or any(not f.cancelled() and f.exception() for f in finished):
                            break
                    failed = [f for f in futures.values() if f.done() and not f.cancelled() and f.exception()]
                    if failed:
                        failed[0].result()  # raises it, as one process would
                    done = {p: futures[p].result() for p in unique}
                except BrokenProcessPool as exc:
                    _stop(pool)
                    raise TrainingError("a replay's process ended abruptly (killed from outside: out of memory? "
                                        "each of the --jobs processes holds a copy of the data and its models); run "
                                        "--jobs 1 to replay the policies one after the other") from exc
                except BaseException:
                    _stop(pool)
                    raise
        finally:  # the processes have ended: their last notes, before the reports or the error
            _show_notes(notes)
            notes.close()
        return done
    return {p: _replay_policy(frame, dataclasses.replace(cfg, policy=p), say) for p in unique}


# a note sent from a compare process is one write to the pipe, whole or not at all: at most
# PIPE_BUF (4096 bytes on Linux) with its pickle and its length header; its text and file name
# are cut in bytes (UTF-8, as pickle writes them), the text with "…", the file name at its start
_NOTE_BYTES = 3000
_NOTE_FILE_BYTES = 200
_NOTE_CATEGORY_BYTES = 300


def _cut_bytes(text: str, limit: int, *, keep_end: bool = False) -> str:
    """``text`` in at most ``limit`` bytes of UTF-8 (lone surrogates as pickle writes them), cut
    between characters and marked with "…" where it was cut."""
    import codecs

    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= limit:
        return text
    room = limit - len("…".encode())
    if keep_end:
        kept = raw[len(raw) - room:]
        while kept and kept[0] & 0xC0 == 0x80:  # not the middle of a character
            kept = kept[1:]
        return "…" + kept.decode("utf-8", "surrogatepass")
    decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
    return decoder.decode(raw[:room], final=False) + "…"  # a character cut in two is left out


def _start_worker(parent: int, notes: Any) -> None:
    """A :func:`compare` worker: ends itself when ``parent`` ends, and sends its warnings to
    ``notes`` (a queue) instead of printing them, for the parent to show each once whichever
    policies raised it (:func:`_send_note`)."""
    import warnings
    from functools import partial

    from ctloop._taskshim import watch_run

    watch_run(parent)
    warnings.showwarning = partial(_send_note, notes)


def _send_note(notes: Any, message: Warning | str, category: type[Warning], filename: str, lineno: int,
               file: Any = None, line: str | None = None) -> None:
    """A warning of a :func:`compare` process, as ``(text, category, filename, lineno)`` on
    ``notes``: the category pickled when the parent can rebuild it and build a warning of it from
    the text (``warnings.warn_explicit`` does); else ``None``, shown as a ``UserWarning`` (e.g.
    scikit-learn's ``InconsistentVersionWarning``, whose ``__init__`` takes keywords only)."""
    import pickle

    try:
        text = _cut_bytes(str(message), _NOTE_BYTES)
        filename = _cut_bytes(str(filename), _NOTE_FILE_BYTES, keep_end=True)
    except Exception:  # noqa: BLE001 - a note never fails the replay
        return
    try:
        sent = pickle.dumps(category)
        if not (len(sent) <= _NOTE_CATEGORY_BYTES and issubclass(pickle.loads(sent), Warning)
                and isinstance(category(text), Warning)):
            sent = None
    except Exception:  # noqa: BLE001 - any failure: the note still goes, as a UserWarning
        sent = None
    try:
        notes.put((text, sent, filename, int(lineno)))
    except Exception:  # noqa: BLE001 - a note never fails the replay
        pass


def _show_notes(notes: Any) -> None:
    """Show the notes waiting on a :func:`compare` queue (:func:`_send_note`) here, as this process
    would have; showing a note never fails the comparison (an ``error`` filter, a category that
    cannot be rebuilt: a ``UserWarning`` then, or nothing)."""
    import pickle

    from ctloop.retrain import warn_at

    while not notes.empty():  # only this process reads: a note said there is there whole
        try:
            text, sent, filename, lineno = notes.get()
        except Exception:  # noqa: BLE001 - an unreadable note is dropped, the comparison goes on
            continue
        try:
            category = UserWarning if sent is None else pickle.loads(sent)
        except Exception:  # noqa: BLE001
            category = UserWarning
        for shown_as in (category, UserWarning):
            try:
                warn_at(text, shown_as, filename, lineno)  # with its module's name, for a module= filter
                break
            except Exception:  # noqa: BLE001 - an error filter, a category that cannot take the text
                continue


def _stop(pool: Any) -> None:
    """End a process pool's replays now: an error in one policy, or an interrupt, does not wait for
    the others to finish (``shutdown`` waits for running work, and the ``with`` block calls it).
    Python 3.14 has ``terminate_workers``; before it the pool's processes are ``_processes``."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them
    manager = getattr(pool, "_executor_manager_thread", None)  # and this
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:  # ended and reaped, not zombies of a notebook's or a test's process
        process.join(10)
    if manager is not None:  # it closes its wake-up pipe as it ends; CPython 3.11's exit hook
        manager.join(10)  # (concurrent/futures/process.py _python_exit) wrote to it meanwhile: EBADF


def _replay_policy(frame: pd.DataFrame, cfg: BacktestConfig, progress: Callable[[str], None] | None) -> BacktestReport:
    """One policy's replay of :func:`compare`, its progress prefixed with the policy."""
    say = None if progress is None else (lambda m: progress(f"[{cfg.policy}] {m}"))
    return run_backtest(frame, cfg, progress=say)


def comparison_table(reports: dict[str, BacktestReport]) -> list[dict[str, Any]]:
    """One row per policy: mean metric, retrains, promotions, skipped windows, and the difference
    with ``always`` where it was replayed: in points (100 x metric) for a bounded score (AUC,
    accuracy, ...), in per cent of always's value for an error metric (rmse, mae, log_loss)."""
    from ctloop.metrics import lower_is_better

    always = reports.get("always")
    rows = []
    for policy, r in reports.items():
        row = {"policy": policy, "metric": r.metric, "mean_metric": r.mean_metric, "retrains": r.retrains,
               "promotions": r.promotions, "skipped_windows": r.skipped, "train_windows": r.train_windows}
        if always is not None and always.mean_metric is not None and r.mean_metric is not None:
            if lower_is_better(r.metric):
                row["delta_vs_always_pct"] = (round(100 * (r.mean_metric - always.mean_metric) / always.mean_metric, 2)
                                              if always.mean_metric else None)
            else:
                row["delta_vs_always_pts"] = round(100 * (r.mean_metric - always.mean_metric), 2)
            row["retrains_vs_always"] = round(r.retrains / always.retrains, 3) if always.retrains else None
        rows.append(row)
    return rows


def plot_comparison(reports: dict[str, BacktestReport], path: str | Path, title: str = "") -> Path:
    """PNG: the metric per window of every policy with a marker at each retrain (same axes), and
    retrains against mean metric."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    for k, (policy, r) in enumerate(reports.items()):
        color = f"C{k}"
        xs, ys = _gapped([(pd.Timestamp(w.start) + (pd.Timestamp(w.end) - pd.Timestamp(w.start)) / 2, w.metric)
                          for w in r.windows])
        if xs:
            ax1.plot(xs, ys, color=color, lw=1.2, marker=".", label=f"{policy}")
        marks = [(pd.Timestamp(w.end), w.metric) for w in r.windows if w.retrained and w.rule != "initial"
                 and w.metric is not None]
        if marks:
            ax1.scatter(*zip(*marks, strict=True), marker="v", color=color, s=25)
        if r.mean_metric is not None:
            ax2.scatter([r.retrains], [r.mean_metric], color=color, s=60, label=policy)
    same: dict[tuple[int, float], list[str]] = {}  # policies with the same result: one label, not a smudge
    for policy, r in reports.items():
        if r.mean_metric is not None:
            same.setdefault((r.retrains, r.mean_metric), []).append(policy)
    colors = {policy: f"C{k}" for k, policy in enumerate(reports)}
    labels = [ax2.annotate(", ".join(names), (retrains, mean), fontsize=8, xytext=(4, 4), textcoords="offset points",
                           color=colors[names[0]] if len(names) == 1 else "black")
              for (retrains, mean), names in same.items()]
    ax2.margins(x=0.15, y=0.12)  # room for the labels of the outermost points
    metric = next(iter(reports.values())).metric
    ax1.set_ylabel(f"{metric} (prequential)")
    ax1.set_title(title or "metric per window; ▼ = retrain")
    if ax1.get_legend_handles_labels()[0]:
        ax1.legend(fontsize=8)
    else:  # no policy scored a window (each had fewer than MIN_SCORE_ROWS rows or one class)
        ax1.text(0.5, 0.5, "no window scored", ha="center", va="center", transform=ax1.transAxes)
    ax1.grid(alpha=0.3)
    ax2.set_xlabel("retrains")
    ax2.set_ylabel(f"mean {metric}")
    ax2.grid(alpha=0.3)
    _apart(fig, ax2, labels)
    return _save(fig, path)


def _apart(fig: Any, ax: Any, labels: list[Any], gap: float = 2.0) -> None:
    """Keeps the point labels of ``ax`` apart and inside the panel (stop 61: ``drift`` and ``default`` at 10
    retrains and 0.9831 and 0.9825 printed as one smudge). A point in the right half of the panel gets its
    label on its left (right-aligned: a long policy name at the most retrains ran past the panel's edge).
    From the lowest up, a label whose box overlaps one already placed goes up above it (``gap`` points
    between); one that would then pass the panel's top goes below its point instead, down past each label
    it overlaps; at most one move per label placed, so it ends. A moved label gets a thin line from its side
    facing the point, unless that line would cross another label (points side by side). A point that is not finite (a NaN or inf mean) is
    not drawn, nor is its label (hidden, left alone). Label boxes as drawn, after the layout ``_save`` will
    apply."""
    import math

    for label in labels:
        label.set_visible(all(math.isfinite(v) for v in label.xy))
    labels = [t for t in labels if t.get_visible()]
    if not labels:
        return
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    per_point = fig.dpi / 72
    panel = ax.get_window_extent(renderer)
    for label in labels:
        if ax.transData.transform(label.xy)[0] > (panel.x0 + panel.x1) / 2:
            label.set_horizontalalignment("right")
            label.xyann = (-abs(label.xyann[0]), label.xyann[1])

    def shift(label: Any, points: float) -> Any:
        x, y = label.xyann
        label.xyann = (x, y + points)
        return label.get_window_extent(renderer)

    placed: list[Any] = []
    moved = []
    for label in sorted(labels, key=lambda t: (t.get_window_extent(renderer).y0, t.get_window_extent(renderer).x0)):
        start = label.xyann
        box = first = label.get_window_extent(renderer)
        for _ in range(len(placed)):
            if not (hit := [p for p in placed if box.overlaps(p)]):
                break
            box = shift(label, (max(p.y1 for p in hit) - box.y0) / per_point + gap)
        if box.y1 > panel.y1:  # past the top: below the point, as far under it as the label was above
            label.xyann = start
            box = shift(label, -(first.height / per_point + 2 * start[1]))
            for _ in range(len(placed)):
                if not (hit := [p for p in placed if box.overlaps(p)]):
                    break
                box = shift(label, (min(p.y0 for p in hit) - box.y1) / per_point - gap)
        if label.xyann != start:
            moved.append((label, box))
        placed.append(box)
    for label, box in moved:  # a line from the label's side facing its point (its middle height) to the point
        point = ax.transData.transform(label.xy)
        end = (point[0] + label.xyann[0] * per_point, (box.y0 + box.y1) / 2)
        steps = [(point[0] + f * (end[0] - point[0]), point[1] + f * (end[1] - point[1])) for f in _STEPS]
        if any(other.padded(-1.5).contains(*at) for other in placed if other is not box for at in steps):
            continue  # it would cross another label (the points side by side): its colour tells its point
        ax.annotate("", label.xy, xytext=((end[0] - point[0]) / per_point, (end[1] - point[1]) / per_point),
                    textcoords="offset points",
                    arrowprops={"arrowstyle": "-", "lw": 0.6, "color": label.get_color(), "shrinkA": 0, "shrinkB": 4})


_STEPS = [i / 64 for i in range(65)]  # where _apart looks along a label's line for another label


def write_comparison(reports: dict[str, BacktestReport], output_dir: str | Path) -> tuple[Path, Path, Path]:
    """``compare.csv``, ``compare.json`` (the table and every policy's report) and ``compare.png``."""
    import csv

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = comparison_table(reports)
    keys = list(dict.fromkeys(k for r in rows for k in r))
    csv_path = out / "compare.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)
    js = out / "compare.json"
    js.write_text(json.dumps({"table": rows, "reports": {p: r.to_dict() for p, r in reports.items()}},
                             indent=2, default=str))
    return csv_path, js, plot_comparison(reports, out / "compare.png")


__all__ = ["POLICIES", "check_policy", "scheduled_every", "BacktestConfig", "BacktestReport", "WindowResult", "run_backtest", "derive_train_windows",
           "plot_timeline", "write_report", "compare", "left_out_note", "comparison_table", "plot_comparison", "write_comparison"]

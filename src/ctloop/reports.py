"""Reports a person reads: realized performance from the inference log and the label store, and
the monitoring history kept in MLflow — as tables, CSV/JSON and PNG plots.

* :func:`realized_report` — served predictions joined with their labels, metrics per model
  version (or revision) and per time window (``ctloop labels report``);
* :func:`monitor_history` — every judged monitoring window of a model, oldest first: rows, drift
  share, realized metric, the rule that decided, whether it triggered (``ctloop monitor history``).

Both plots use matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctloop.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

GROUPINGS = ("model_version", "revision")


def _utc(text: str | None, default, *, name: str):
    from ctloop.timeutil import to_utc

    return to_utc(text, name=name) if text else default


def _save(fig, path: str | Path) -> Path:
    import matplotlib.pyplot as plt

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def _literal(text: str) -> str:
    """``text`` drawn as written: matplotlib reads the text between two ``$`` as TeX (mathtext), and
    a model version or revision from the inference log such as ``v$^$`` failed the plot's save with
    a ValueError (matplotlib 3.11 ``mathtext``; ``\\$`` is a literal dollar)."""
    return text.replace("$", r"\$")


def write_outputs(output: str, write: Callable[[Path], tuple[str, ...]]) -> list[str]:
    """Run ``write(directory)`` (it writes files and returns their names) into ``output``, a
    local directory or an object-store prefix (``gs://``, ``s3://``, ``az://``: written to a
    temporary directory, then uploaded by :func:`ctloop.storage.output_dir`); returns the written
    locations."""
    from ctloop.storage import output_dir

    with output_dir(output) as out:
        names = write(out)
    return [f"{output.rstrip('/')}/{name}" for name in names]


# --------------------------------------------------------------------------- realized
@dataclass
class RealizedReport:
    """Realized metrics per group (and window), and how the join went."""

    table: pd.DataFrame
    by: str
    metrics: tuple[str, ...]
    start: Any
    end: Any
    window: str = ""
    window_span: Any = None  # the window as a Timedelta
    logged_rows: int = 0
    join: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        import json

        return {"by": self.by, "metrics": list(self.metrics), "start": self.start.isoformat(),
                "end": self.end.isoformat(), "window": self.window or None, "logged_rows": self.logged_rows,
                "join": self.join, "warnings": self.warnings,
                "rows": json.loads(self.table.to_json(orient="records", date_format="iso"))}


def _period(start: str | None, end: str | None, lookback: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(begin, stop)`` of a report: ``start`` (else ``lookback`` before ``stop``) to ``end`` (else now)."""
    import pandas as pd

    from ctloop.timeutil import parse_duration

    stop = _utc(end, pd.Timestamp.now("UTC"), name="end")
    try:
        begin = _utc(start, None, name="start") if start else stop - parse_duration(lookback, name="--lookback")
    except (OverflowError, pd.errors.OutOfBoundsDatetime):  # before 1677-09-21: a traceback from pandas
        raise ConfigError(f"--lookback {lookback} before end {stop.isoformat()} starts before "
                          f"{pd.Timestamp.min:%Y-%m-%d %H:%M:%S} UTC, the first time pandas holds: a shorter "
                          "--lookback, or --start") from None
    if begin >= stop:
        raise ConfigError(f"start {begin.isoformat()} must be before end {stop.isoformat()}")
    return begin, stop


def check_report_options(*, by: str, task: str, metrics: tuple[str, ...], classes: tuple[str, ...],
                         score: str, start: str | None, end: str | None, lookback: str) -> None:
    """The options of :func:`realized_report` that need no data, refused before any is read (the CLI
    checks them before its roots: a mistyped --metrics or a period pandas cannot hold is said as such,
    not as a missing --store)."""
    from ctloop import metrics as M

    if by not in GROUPINGS:
        raise ConfigError(f"--by {by!r} must be one of {', '.join(GROUPINGS)}")
    names = M.names(task)
    unknown = [m for m in metrics if m not in names]
    if unknown:
        raise ConfigError(f"metric(s) {', '.join(unknown)} do not apply to {task}; use {', '.join(names)}")
    if classes and task != "classification":
        raise ConfigError("--classes applies to classification only")
    if len(classes) > 2 and score:
        raise ConfigError(f"--score-column {score!r} with {len(classes)} classes: a multiclass model is scored on "
                          "all its class probabilities, prediction_0..prediction_<k-1>; drop --score-column")
    _period(start, end, lookback)


def realized_report(log_root: str, labels_root: str, model: str, *, start: str | None = None,
                    end: str | None = None, lookback: str = "7D", window: str = "", by: str = "model_version",
                    task: str = "classification", score: str = "", metrics: tuple[str, ...] = (),
                    classes: tuple[str, ...] = ()) -> RealizedReport:
    """Realized performance of ``model`` between ``start`` and ``end`` (default: the
    ``lookback`` before now), per ``by`` and per ``window`` (a duration such as ``1h`` or
    ``1D``; empty = the whole period): windows ``(start, start + window]`` ending at ``end`` and
    every ``window`` before it, as monitoring windows end at the run's time (the first one
    shorter when the period is not a whole number of windows; shown from the period's start). ``classes`` are the model's classes in its order: text
    labels of a binary model are matched to them (``classes[1]`` positive), and with more than
    two the ``k`` columns ``prediction_0 … prediction_<k-1>`` are scored as one multiclass
    model. Raises ConfigError for a bad option, naming it."""
    import pandas as pd

    from ctloop import metrics as M
    from ctloop.columns import LABEL
    from ctloop.inference_log.reader import read_log
    from ctloop.labels.join import join_store, reused_note
    from ctloop.labels.realized import (
        realized_metrics,
        resolve,
        score_columns,
        score_offers,
        unscorable,
        unscored,
    )
    from ctloop.timeutil import parse_duration

    check_report_options(by=by, task=task, metrics=metrics, classes=classes, score=score, start=start, end=end,
                         lookback=lookback)
    names = M.names(task)
    metric, scored, _ = resolve(task, metrics[0] if metrics else "", score, list(classes) or None)
    chosen = tuple(metrics) or (metric, *[n for n in names if n != metric])
    begin, stop = _period(start, end, lookback)
    span = parse_duration(window) if window else None  # the same duration syntax as everywhere else
    logs = read_log(log_root, model, begin, stop)
    joined = join_store(logs, labels_root)
    warnings: list[str] = []
    frame = joined.frame
    if joined.problem:
        warnings.append(f"nothing joined: {joined.problem}")
    if joined.skipped_batched:
        warnings.append(f"{joined.skipped_batched} labelled rows of batched requests skipped: their labels have no "
                        "instance column")
    if joined.reused:
        warnings.append(reused_note(joined.reused, joined.reused_keys))
    absent = [c for c in score_columns(scored) if c not in frame.columns]
    if len(frame) and absent:  # a typo, or the wrong --classes: not an empty period
        named = f"--score-column {score!r}" if score else f"score column {absent[0]!r} (the default)"
        raise ConfigError(f"{named}: the inference log of {model} has no column {absent[0]!r}; "
                          f"{_offered_scores(frame, task, len(classes))}")
    if len(frame) and score and task == "classification" and isinstance(scored, str):
        # a column passed by hand is scored as asked; one of predicted classes is said (hard decisions)
        offered, refused = score_offers(frame, columns=[scored])
        if refused:
            why = refused[0][len(scored) + 2:-1]
            others = score_offers(frame)[0]
            warnings.append(f"--score-column {score!r} holds {why}: its metrics are of hard decisions (the logged "
                            f"score columns: {', '.join(others) or 'none'})" if "class labels" in why else
                            f"--score-column {score!r} holds {why}")
    if len(frame):
        # rows without a version (or a revision: files another tool wrote outside a revision= directory,
        # which have no such column: NaN next to files with one, which the groupby would drop) are the
        # group "unknown"
        frame = frame.assign(**{col: frame[col].fillna("").replace("", "unknown") if col in frame.columns
                                else "unknown"
                                for col in dict.fromkeys(("model_version", by))})
        # read per group and window as the table reads them (a window's 'Yes' is the class 'yes' there)
        # the rows the table reads: labelled, with a finite score; those without one said apart
        no_score = unscored(frame, scored)
        if no_score.any():
            first = frame["request_id"][no_score].iloc[0] if "request_id" in frame.columns else None
            warnings.append(f"{int(no_score.sum())} labelled rows left out: their score "
                            f"({', '.join(score_columns(scored))}) is missing or not a finite number"
                            + (f", e.g. request {first!r}" if first is not None else ""))
        usable = ~unscorable(frame, task=task, score=scored, by=(by,), window=span, classes=list(classes) or None,
                             anchor=stop, since=begin)
        if not usable.all():
            first = frame[LABEL][~usable].iloc[0]
            first = first.item() if hasattr(first, "item") else first  # 2.0, not np.float64(2.0)
            what = ("numbers" if task == "regression" else f"classes of the model ({', '.join(map(str, classes))})"
                    if classes else "0 or 1 (pass --classes, the model's classes in its order, for other labels)")
            warnings.append(f"{int((~usable).sum())} labelled rows left out: their labels are not {what}, "
                            f"e.g. {first!r}")
        if classes and task == "classification":  # scored as the backtest and monitoring score them (round 59)
            unseen = unscorable(frame, task=task, score=scored, by=(by,), window=span, classes=list(classes),
                                anchor=stop, since=begin, unseen=True)
            if unseen.any():
                first = frame[LABEL][unseen].iloc[0]
                first = first.item() if hasattr(first, "item") else first
                warnings.append(f"{int(unseen.sum())} labelled rows are labels of a class the model never saw "
                                f"(e.g. {first!r}): scored as errors at their share (ctloop.metrics.at_share)")
    # the windows end at the period's end as monitoring's end at its run time (components/monitor
    # core.bounds: (end - window, end]); the first one cut short at the period's start
    table = realized_metrics(frame, task=task, score=scored, by=(by,), window=span, metrics=chosen,
                             classes=list(classes) or None, anchor=stop, since=begin) if len(frame) else pd.DataFrame()
    return RealizedReport(table, by, chosen, begin, stop, window, span, int(len(logs)), joined.describe(), warnings)


def _offered_scores(frame: pd.DataFrame, task: str, classes: int) -> str:
    """The logged columns to pass as ``--score-column`` (:func:`ctloop.labels.realized.score_offers`:
    never a model's predicted classes), each other one with why; for a multiclass model (``classes``
    more than 2) its every ``prediction*`` column: it is scored on ``prediction_0..``, no column to pass."""
    from ctloop.labels.realized import score_offers

    if classes > 2:
        present = [str(c) for c in frame.columns if str(c).startswith("prediction")]
        return (f"its score columns: {', '.join(present) or 'none'}: a {classes}-class model is scored on "
                f"prediction_0..prediction_{classes - 1}, every class's probability (the v1 protocol's predict_proba)")
    offered, refused = score_offers(frame, task)
    hint = "" if task == "regression" else " (or --classes)"
    if offered:
        return (f"its score column{'s' if len(offered) > 1 else ''}: {', '.join(offered)}: pass "
                f"{'one of them' if len(offered) > 1 else 'it'} as --score-column{hint}"
                + (f"; not offered: {', '.join(refused)}" if refused else ""))
    serve = ("a numeric prediction" if task == "regression" else
             "the model's predict_proba (or pass --task regression for a regressor)")
    return f"no logged column can be a score: {', '.join(refused) or 'none is logged'}: serve {serve}"


def format_realized(report: RealizedReport) -> str:
    if report.table.empty:
        return "no labelled predictions in this period"
    table = report.table.copy()
    if "window" in table.columns:
        table["window"] = table["window"].dt.strftime("%Y-%m-%d %H:%M")
    return table.to_string(index=False, float_format=lambda v: f"{v:.4f}")


def plot_realized(report: RealizedReport, path: str | Path) -> Path:
    """The first metric per group over the windows (or one bar per group), labelled rows below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    metric = report.metrics[0]
    table = report.table
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=bool(report.window),
                                      gridspec_kw={"height_ratios": [3, 1]})
    if table.empty:
        top.text(0.5, 0.5, "no labelled predictions", ha="center", va="center", transform=top.transAxes)
    elif "window" in table.columns:
        for group, part in table.groupby(report.by, sort=True):
            top.plot(part["window"], part[metric], marker="o", label=_literal(f"{report.by} {group}"))
            step = pd.Timedelta(report.window_span) if report.window_span is not None else pd.Timedelta("1h")
            bottom.bar(part["window"], part["rows"], width=0.9 * step, align="edge", alpha=0.6)  # window start
        top.legend(loc="best")
        fig.autofmt_xdate()
    else:
        groups = [_literal(str(g)) for g in table[report.by]]
        top.bar(groups, table[metric])
        bottom.bar(groups, table["rows"], alpha=0.6)
        top.set_xlabel(report.by)
    top.set_ylabel(f"realized {metric}")
    bottom.set_ylabel("labelled rows")
    top.set_title(f"realized {metric} per {report.by}"
                  f"{', per ' + report.window if report.window else ''} ({report.start:%Y-%m-%d %H:%M} → "
                  f"{report.end:%Y-%m-%d %H:%M} UTC)")
    top.grid(alpha=0.3)
    return _save(fig, path)


# --------------------------------------------------------------------------- monitoring history
def monitor_history(model: str, tracking_uri: str = "", limit: int = 500) -> pd.DataFrame:
    """The newest ``limit`` monitoring windows of ``model``, oldest first: ``window_end``,
    ``rows``, ``drift_share``, ``realized``, ``realized_rows``, ``unseen_labels``, ``empty_features``
    (:mod:`ctloop.unseen`; none in windows before round 58), ``rule``, ``triggered``
    (``true``/``pending``/``failed``/``false``), ``champion_version``, ``kfp_run``,
    ``realized_metric``, ``reason``, ``run_id``."""
    from ctloop.monitoring.store import MonitoringStore
    from ctloop.registry import MlflowRegistry
    from ctloop.tracking import existing_store

    existing_store(tracking_uri)  # a read: a mistyped local URI would create an empty registry
    return MonitoringStore(MlflowRegistry(tracking_uri).client, model).windows(limit)


def format_history(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "no monitoring windows recorded"
    table = frame.drop(columns=["run_id", "reason", "realized_metric"]).copy()
    table["window_end"] = table["window_end"].dt.strftime("%Y-%m-%d %H:%M")
    for col in ("rows", "realized_rows", "unseen_labels", "empty_features"):
        table[col] = table[col].map(lambda v: "" if v != v or v is None else f"{int(v)}")
    return table.fillna("").to_string(index=False, float_format=lambda v: f"{v:.3f}")


def plot_history(frame: pd.DataFrame, path: str | Path, *, model: str, drift_share: float | None = None,
                 metric: str = "realized") -> Path:
    """Drift share and the realized metric per window; triggers as vertical lines, the drift
    threshold (when given) as a dashed line; rows per window below."""
    import matplotlib
    import pandas as pd

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, mid, bottom) = plt.subplots(3, 1, figsize=(10, 7), sharex=True,
                                           gridspec_kw={"height_ratios": [2, 2, 1]})
    if frame.empty:
        top.text(0.5, 0.5, "no monitoring windows", ha="center", va="center", transform=top.transAxes)
    else:
        t = frame["window_end"]
        top.plot(t, frame["drift_share"], marker="o", color="tab:orange", label="drift share")
        if drift_share is not None:
            top.axhline(drift_share, linestyle="--", color="grey", label=f"threshold {drift_share}")
        top.set_ylim(-0.02, 1.02)
        if frame["realized"].notna().any():
            mid.plot(t, frame["realized"], marker="o", color="tab:blue", label=metric)
            mid.legend(loc="upper left")
        else:
            mid.text(0.5, 0.5, "no realized metric (no labels joined yet)", ha="center", va="center",
                     transform=mid.transAxes, color="grey")
        gaps = t.diff().dropna()
        gaps = gaps[gaps > pd.Timedelta(0)]
        step = gaps.median() if len(gaps) else pd.Timedelta("1h")  # the schedule's period; re-runs are outliers
        bottom.bar(t, frame["rows"].fillna(0), width=-0.9 * step, align="edge", color="tab:grey",
                   alpha=0.6)  # each bar covers the window that ends at its point
        for when, state in zip(t, frame["triggered"], strict=True):
            if state in ("true", "failed"):
                for ax in (top, mid, bottom):
                    ax.axvline(when, color="tab:red" if state == "true" else "tab:purple", alpha=0.5)
        top.plot([], [], color="tab:red", label="retraining triggered")
        if (frame["triggered"] == "failed").any():
            top.plot([], [], color="tab:purple", label="trigger failed")
        top.legend(loc="upper left")
        fig.autofmt_xdate()
    top.set_ylabel("drift share")
    mid.set_ylabel(metric)
    bottom.set_ylabel("rows")
    top.set_title(_literal(f"monitoring history of {model}"))
    for ax in (top, mid, bottom):
        ax.grid(alpha=0.3)
    return _save(fig, path)


__all__ = ["write_outputs", "RealizedReport", "realized_report", "check_report_options", "format_realized", "plot_realized", "monitor_history",
           "format_history", "plot_history"]

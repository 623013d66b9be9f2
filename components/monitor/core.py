"""``monitor_model``'s judgement of one window of served traffic. KFP-free, no I/O.

:func:`judge` takes what the component read — the window's logged rows (and those of the label
lookback), the labels, the champion (:class:`ctloop.monitoring.champion.Champion`), the earlier
windows (:class:`ctloop.monitoring.store.MonitoringStore`) — and returns the window's metrics,
tags, warnings and the verdict of the retraining rules (:mod:`ctloop.monitoring.rules`):

* **drift**: the window's rows that carried a request, aligned to the champion's features (v1 list
  instances logged as ``f0..fN`` are mapped by position), against the champion's training
  reference, with the statistics of ``detect_drift``;
* **volume**: rows logged since the champion was promoted, carried from the previous window of
  the same champion;
* **realized metric**: every prediction of the label lookback whose label has arrived, per
  ``model_version`` and per revision; the rules use the rows served by the champion version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.columns import HAS_REQUEST, LABEL, MODEL_VERSION, PARSED_TIME, REVISION
from ctloop.config import MonitoringConfig
from ctloop.monitoring import policy
from ctloop.monitoring.rules import RUN_FIELDS, Verdict, history_needs
from ctloop.monitoring.window import FeatureAlignment, align_features, coerce_like

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ctloop.drift.engine import DriftResult, SkippedColumn
    from ctloop.labels.join import JoinResult, LabelIndex
    from ctloop.monitoring.champion import Champion
    from ctloop.monitoring.window import Unparsed, WindowSpec, WindowState
    from ctloop.storage import NumbersAsText


# --------------------------------------------------------------------------- realized
def text_values(column: pd.Series) -> pd.Series:
    """A text column as ``str`` values, ``""`` where missing; a category column stays a category
    column (compared code by code: no text per row)."""
    import numpy as np
    import pandas as pd

    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column.fillna("").astype(str)
    names = [str(c) for c in column.cat.categories]
    values = sorted({*names, ""})
    lookup = np.array([values.index(c) for c in names] + [values.index("")])  # code -1 (missing) → ""
    return pd.Series(pd.Categorical.from_codes(lookup[column.cat.codes.to_numpy()], categories=values),
                     index=column.index, name=column.name)


def champion_mask(joined: pd.DataFrame, version: str, since: pd.Timestamp | None) -> tuple[pd.Series | None, str]:
    """Which labelled rows the champion ``version`` served (``None``: all), and how they were chosen.

    By ``model_version`` where the log has it (or the path-safe revision ``v<version>``); in
    older logs without any version, the rows logged since the champion was promoted.
    """
    versions = text_values(joined["model_version"]) if "model_version" in joined.columns else None
    revisions = text_values(joined["revision"]) if "revision" in joined.columns else None
    if versions is not None and (versions != "").any():
        mask = versions == str(version)
        if revisions is not None:
            mask |= (versions == "") & (revisions == f"v{version}")
        return mask, f"rows served by model_version {version}"
    if revisions is not None and (revisions == f"v{version}").any():
        return revisions == f"v{version}", f"rows of revision v{version}"
    if since is None or "_time" not in joined.columns:
        return None, "all labelled rows (the log has no model_version)"
    return joined["_time"] > since, f"rows logged since the champion's promotion {since:%Y-%m-%d %H:%M} (the log has no model_version)"


def champion_rows(joined: pd.DataFrame, version: str, since: pd.Timestamp | None) -> tuple[pd.DataFrame, str]:
    """Labelled rows served by the champion ``version``, and how they were chosen (:func:`champion_mask`)."""
    mask, how = champion_mask(joined, version, since)
    return (joined if mask is None else joined[mask]), how


def unknown_version(versions: pd.Series) -> pd.Series:
    """``model_version`` with ``""`` (not known) named ``unknown``; categories renamed, not copied."""
    import pandas as pd

    if isinstance(versions.dtype, pd.CategoricalDtype) and "unknown" not in versions.cat.categories:
        return versions.cat.rename_categories(lambda c: "unknown" if c == "" else c)
    return versions.astype(object).replace("", "unknown")


# --------------------------------------------------------------------------- one window
@dataclass(frozen=True)
class Bounds:
    """The window ``(start, end]`` and how far back the log is read (the label lookback)."""

    start: pd.Timestamp
    end: pd.Timestamp
    lookback_start: pd.Timestamp
    read_from: pd.Timestamp


# how long before the run a live window (no as_of) ends: the inference-log sink writes a call at the
# flush after its response (--flush-seconds, 5 s) or, for a request alone, after --join-ttl-seconds
# (30 s) and a flush, stamped with its request's time; a window ending at the run's moment would miss
# those calls, and the next window (which starts there) too
LIVE_SETTLE = "1min"


def window_end(as_of: str, now: pd.Timestamp) -> tuple[pd.Timestamp, list[str]]:
    """``(end, notes)``: the end of the window a run at ``now`` judges, ``as_of`` else
    :data:`LIVE_SETTLE` before ``now``; a note for the window's record when ``as_of`` is less than
    that before ``now`` (the window is judged as given, its last calls maybe not written yet)."""
    import pandas as pd

    from ctloop.timeutil import to_utc

    settle = pd.Timedelta(LIVE_SETTLE)
    if not as_of:
        return now - settle, []
    end = to_utc(as_of, name="as_of")
    if end <= now - settle:
        return end, []
    return end, [f"the window ends {end.isoformat()}, less than {LIVE_SETTLE} before it was read ({now.isoformat()}): "
                 "calls of its last moments may not have been written to the inference log yet (the sink writes a "
                 "call at its next flush, a request without response after --join-ttl-seconds) and count in neither "
                 f"this window nor the next; leave as_of empty (a live window ends {LIVE_SETTLE} before the run) or "
                 "give an earlier one"]


def bounds(end: pd.Timestamp, cfg: MonitoringConfig) -> Bounds:
    from ctloop.timeutil import parse_duration

    start = end - parse_duration(cfg.window, name="monitoring.window")
    lookback_start = end - parse_duration(cfg.label_lookback, name="monitoring.label_lookback") \
        if cfg.labels_root else start
    return Bounds(start, end, lookback_start, min(start, lookback_start))


@dataclass
class WindowJudgement:
    """Everything :func:`judge` found about one window."""

    window_end: pd.Timestamp
    metric: str
    record: dict[str, Any]  # the rule engine's record of this window
    verdict: Verdict
    series: dict[str, float] = field(default_factory=dict)  # MLflow metrics of the window
    tags: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    drift_scores: dict[str, float] = field(default_factory=dict)
    drifted: dict[str, bool] = field(default_factory=dict)
    gate_value: float | None = None

    @property
    def reason(self) -> str:
        return self.verdict.reason + "".join(f"; WARNING: {w}" for w in self.warnings)

    def summary(self, model_name: str) -> str:
        r = self.record
        return (f"monitor {model_name} window ending {self.window_end}: rows={r['rows']} "
                f"drift_share={r['drift_share']} realized {self.metric}={r['realized']} (n={r['realized_rows']}) "
                f"→ {self.verdict.rule}: {self.verdict.reason}")

    def output_metrics(self) -> dict[str, float]:
        """The KFP Metrics of the window (per-version and per-column series stay in MLflow)."""
        return {k: round(v, 6) for k, v in self.series.items()
                if not k.startswith(("realized_", "drifted_")) or k == "realized_rows"}

    def published(self, cfg: MonitoringConfig) -> dict[str, Any]:
        """The window as the Prometheus publisher takes it (bounded labels: model, version, column),
        with the rules the alerts compare against."""
        r = self.record
        return {"rules": cfg.rules.active(), "min_labels": cfg.min_labels, "window_end": self.window_end.isoformat(), "champion_version": self.tags.get("champion_version", ""),
                "rows": r["rows"], "drift_share": r["drift_share"], "drift_scores": dict(self.drift_scores),
                "drifted": dict(self.drifted), "realized": r["realized"], "realized_metric": self.metric,
                "realized_rows": r["realized_rows"], "unseen_labels": r.get("unseen_labels"),
                "empty_features": r.get("empty_features"), "gate_value": self.gate_value, "retrain": self.verdict.fire,
                "rule": self.verdict.rule}


def history_depth(cfg: MonitoringConfig) -> int:
    """How many earlier windows the rules and the policy's recovery look at."""
    return max(history_needs(cfg.rules.active()), policy.MAX_GAP)


def judge(*, window: Bounds, logs: pd.DataFrame, labels: pd.DataFrame | None, champion: Champion | None,
          history: list[dict[str, Any]], previous: dict[str, Any] | None, cfg: MonitoringConfig,
          model_name: str) -> WindowJudgement:
    """Judge the window (see the module doc). ``logs`` holds the rows logged in
    ``(window.read_from, window.end]`` with the parsed time in ``_time`` (``read_log``'s frame).
    :func:`judge_state` judges the same from a :class:`~ctloop.monitoring.window.WindowState`."""
    return _judge(window, _Frame(logs, window), labels, champion, history, previous, cfg, model_name)


def judge_state(*, state: WindowState, labels: pd.DataFrame | LabelIndex | None, champion: Champion | None,
                history: list[dict[str, Any]], previous: dict[str, Any] | None, cfg: MonitoringConfig,
                model_name: str, consume: bool = False) -> WindowJudgement:
    """:func:`judge` from the window's (merged) state: the same judgement for the same rows.
    The state's spec comes from :func:`window_spec` with the same champion and ``previous``.
    ``consume``: the state's labelled rows are dropped once joined (a caller that does not use the
    state again holds them once, not twice). ``labels`` ``None``: the label index the state was
    collected with (``state.labels``), dropped with the rows when ``consume``."""
    from ctloop.errors import ConfigError

    spec = state.spec
    window = Bounds(spec.start, spec.end, spec.lookback_start, spec.read_from)
    expected = window_spec(window, champion, previous, cfg)
    if expected != spec:
        raise ConfigError(f"the window state was collected for {spec.to_dict()}, not for this window, champion "
                          f"and history ({expected.to_dict()}): collect it again")
    return _judge(window, _State(state, consume), labels, champion, history, previous, cfg, model_name)


def window_spec(window: Bounds, champion: Champion | None, previous: dict[str, Any] | None,
                cfg: MonitoringConfig) -> WindowSpec:
    """What a :class:`~ctloop.monitoring.window.WindowState` of this window must collect."""
    from ctloop.labels.realized import resolve, score_columns
    from ctloop.monitoring.triggers import score_bin_spec
    from ctloop.monitoring.window import (
        WindowSpec,
        numeric_columns,
        temporal_columns,
        text_columns,
        text_numbers,
    )

    if champion is None:
        return WindowSpec(window.start, window.end, window.lookback_start, window.read_from)
    _, score, _ = resolve(champion.task, cfg.metric, cfg.score_column, champion.classes)
    reference = champion.reference
    return WindowSpec(window.start, window.end, window.lookback_start, window.read_from,
                      count_from=volume_start(champion, previous)[1],
                      features=tuple(champion.features) if reference is not None else (),
                      numeric=tuple(numeric_columns(reference)) if reference is not None else (),
                      labelled=bool(cfg.labels_root), keep=tuple(score_columns(score)),
                      score_bins=score_bin_spec(champion.task, champion.classes, champion.gate_metrics),
                      text=tuple(text_columns(reference)) if reference is not None else (),
                      text_numbers=text_numbers(reference) if reference is not None else (),
                      temporal=temporal_columns(reference) if reference is not None else ())


class _Frame:
    """The facts of a window from ``read_log``'s frame."""

    def __init__(self, logs: pd.DataFrame, window: Bounds):
        from ctloop.inference_log.reader import flag, served

        self.logs, self.window = logs, window
        self.current = logs[logs[PARSED_TIME] > window.start]
        self.rows, self.served = len(self.current), len(served(self.current))
        self.requested = int(flag(self.current[HAS_REQUEST]).sum()) if HAS_REQUEST in self.current.columns \
            else self.rows  # as drift() reads them
        self.numbers_as_text: dict[str, NumbersAsText] = {}  # numbers logged for text features (drift)
        self.unparsed: dict[str, Unparsed] = {}  # logged values of date/time features that are none (drift)

    def rows_after(self, when: pd.Timestamp) -> int:
        return int((self.logs[PARSED_TIME] > when).sum())

    def drift(self, champion: Champion) -> tuple[FeatureAlignment | None, DriftResult | None, list[SkippedColumn]]:
        from ctloop.drift import engine
        from ctloop.inference_log.reader import flag

        current = self.current
        requested = current[flag(current[HAS_REQUEST])] if HAS_REQUEST in current.columns else current
        if not len(requested) or champion.reference is None:
            return None, None, []
        aligned, alignment = align_features(requested, champion.features)
        if not alignment.columns:
            return alignment, None, []
        aligned = coerce_like(aligned, champion.reference, alignment.columns, counts=self.numbers_as_text,
                              unparsed=self.unparsed)
        reference = champion.reference
        result, refused = engine.column_by_column(lambda cols: engine.detect(reference, aligned, columns=cols),
                                                  alignment.columns, lambda c: engine.series_dtype(aligned[c]))
        return alignment, result, refused

    def prediction_drift(self, champion: Champion, score: str | list[str]) -> dict[str, float]:
        from ctloop.labels.realized import score_columns
        from ctloop.monitoring.triggers import served_prediction_drift

        columns = score_columns(score)
        if not len(self.current) or not all(c in self.current.columns for c in columns):
            return {}
        return served_prediction_drift(champion.task, champion.classes, champion.gate_metrics,
                                       self.current[columns])

    def logged_columns(self) -> list[str]:
        """The columns of the window's log (what a missing score column is said with)."""
        return [str(c) for c in self.logs.columns]

    def join(self, labels: pd.DataFrame | None) -> JoinResult:
        from ctloop.labels.join import join_labels

        return join_labels(self.logs[self.logs[PARSED_TIME] > self.window.lookback_start], labels)


class _State:
    """The facts of a window from its :class:`~ctloop.monitoring.window.WindowState`."""

    def __init__(self, state: WindowState, consume: bool = False):
        self.state, self.consume = state, consume
        self.rows, self.served = state.counts["rows"], state.counts["served"]
        self.requested = state.counts["requested"]
        self.numbers_as_text = state.numbers_as_text
        self.unparsed = state.unparsed

    def rows_after(self, when: pd.Timestamp) -> int:
        return self.state.counts["since"]  # counted from spec.count_from (checked by judge_state)

    def drift(self, champion: Champion) -> tuple[FeatureAlignment | None, DriftResult | None, list[SkippedColumn]]:
        from ctloop.drift import streaming

        state = self.state
        if not state.counts["requested"] or champion.reference is None:
            return None, None, []
        alignment = state.alignment()
        if not alignment.columns or state.drift is None:
            return alignment, None, []
        from ctloop.drift.engine import column_by_column

        reference = streaming.DriftState().update(champion.reference[alignment.columns])
        current = state.drift
        result, refused = column_by_column(lambda cols: streaming.compare(reference, current, columns=cols),
                                           alignment.columns, lambda c: current.columns[c].type
                                           if c in current.columns else "absent")
        return alignment, result, refused

    def prediction_drift(self, champion: Champion, score: str | list[str]) -> dict[str, float]:
        from ctloop.monitoring.triggers import drift_from_bins

        bins = self.state.score_bins
        return drift_from_bins(champion.gate_metrics, bins) if bins is not None else {}

    def logged_columns(self) -> list[str]:
        """The columns of the window's log (the joined frame keeps only the score columns)."""
        return [str(c) for c in self.state.log_columns]

    def join(self, labels: pd.DataFrame | LabelIndex | None) -> JoinResult:
        """The state's join with ``labels``, else with the index the state was collected with
        (``consume``: the state lets go of that index once joined, so a caller that handed it over
        does not hold it while the realized metrics are computed)."""
        result = self.state.join(labels if labels is not None else self.state.labels, consume=self.consume)
        if self.consume:
            self.state.labels = None
        return result


def _judge(window: Bounds, facts: _Frame | _State, labels: pd.DataFrame | None, champion: Champion | None,
           history: list[dict[str, Any]], previous: dict[str, Any] | None, cfg: MonitoringConfig,
           model_name: str) -> WindowJudgement:
    from ctloop.labels.realized import resolve
    from ctloop.monitoring.triggers import score_bin_spec

    record: dict[str, Any] = {"window_end": window.end.isoformat(), "rows": int(facts.rows), "drift_share": None,
                              "realized": None, "realized_rows": 0}
    out = WindowJudgement(window.end, "", record, Verdict(False, "none", ""),
                          series={"rows": float(facts.rows), "served_rows": float(facts.served)})
    rows_since = None
    if champion is None:
        out.metric = resolve("classification", cfg.metric)[0]
        out.warnings.append(f"no champion of {model_name!r} in the registry: drift and realized metric not computed")
    else:
        out.metric, score, notes = resolve(champion.task, cfg.metric, cfg.score_column, champion.classes)
        out.warnings.extend(notes)
        out.tags["champion_version"] = champion.version
        out.gate_value = champion.gate_value(out.metric)
        judged = _judged_drift(out, facts, champion)
        _empty(out, judged[0], champion)
        _drift(out, *judged)
        for column, counts in facts.numbers_as_text.items():  # 1 for '1' and '01', 9 for '1'..'7': said, not silent
            if counts.unknown or counts.ambiguous:
                out.warnings.append(f"numbers logged for a text feature: {counts.note(column)}")
        for column, lost in facts.unparsed.items():  # '2025-13-45', 'n/a' for a date: compared as missing, said
            out.warnings.append(f"values logged for a date/time feature: {lost.note(column)}")
        record["champion_version"] = champion.version
        record.update(facts.prediction_drift(champion, score))
        logged = facts.logged_columns()
        # decided on this window's served rows: an older file of the lookback (a v1 log before a switch
        # to v2) may hold the score column that none of them has
        if facts.served and "psi" not in record and "prediction_psi" in cfg.rules.active() \
                and score_bin_spec(champion.task, champion.classes, champion.gate_metrics):
            out.warnings.append("prediction drift not computed: "
                                + _no_score(score, logged, "no served row in the window has", champion.classes))
        rows_since = _volume(out, facts, champion, previous, window)
        if cfg.labels_root:
            _realized(out, facts.join(labels), champion, score, cfg, logged)
    out.verdict = policy.judge(history, record, cfg.rules.active(), champion_gate=champion.gate_metrics
                               if champion else None, metric=out.metric, min_labels=cfg.min_labels,
                               window=cfg.window, champion_metric=out.gate_value, rows_since_training=rows_since,
                               recovery=cfg.rules.recovery)
    series, tags = carried(record)
    out.series.update(series)
    out.tags.update(tags)
    # the start of the window ending train_since / try_since: trigger_training cuts the triggered run's
    # data window back to train_from, and sets training.candidate_since from try_from (ctloop.retrain)
    for key, tag in (("train_since", "train_from"), ("try_since", "try_from")):
        if record.get(key):
            out.tags[tag] = _window_start(record[key], cfg)
    return out


def _window_start(end: str, cfg: MonitoringConfig) -> str:
    """The start (ISO) of the monitoring window ending ``end``."""
    import pandas as pd

    from ctloop.timeutil import parse_duration

    return (pd.Timestamp(end) - parse_duration(cfg.window, name="monitoring.window")).isoformat()


# record fields the rules and the policy read from earlier windows (store.to_record)
CARRIED = ("psi", "psi_bound", "cusum", "realized_se", "brier", "brier_se", "gap", "budget", "loss_z",
           *policy.LEVEL_FIELDS,  # the recovery's levels before the change (policy._level_keys)
           "mse", "mse_se", "mae", "mae_se",  # a regressor's squared and absolute error
           # (triggers.realized_regression): the policy re-bases on them
           *RUN_FIELDS)  # the CUSUM's run
CARRIED_TAGS = {"change": "recovery_since", "train_since": "train_since", "try_since": "try_since"}


def carried(record: dict[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """``(metrics, tags)`` of a judged record that the next window's rules and policy read back
    (:func:`ctloop.monitoring.store.to_record`)."""
    keys = [*CARRIED, *(key for key in record if policy.per_class(key))]  # a multiclass window's classes
    series = {key: float(record[key]) for key in keys
              if isinstance(record.get(key), int | float) and record[key] == record[key]}
    return series, {tag: str(record[key]) for key, tag in CARRIED_TAGS.items() if record.get(key)}


def _judged_drift(out: WindowJudgement, facts: _Frame | _State, champion: Champion) -> tuple:
    """``facts.drift(champion)``, none on a window with fewer requested rows than
    :data:`ctloop.drift.engine.MIN_ROWS` (said in a warning): a statistic of a few rows is noise
    (3 rows of the reference's own distribution were "2 of 2 columns drifted"), and two quiet
    windows in a row fired the drift rule. A window of no requested rows says so too (it was
    quieter than one of a few), and the features missing from the log of a window without a
    verdict are named without the alignment's "drift computed without" (it was not)."""
    import dataclasses

    from ctloop.drift.engine import MIN_ROWS

    alignment, result, refused = facts.drift(champion)
    if not facts.requested and champion.reference is not None:
        out.warnings.append("no requested rows in the window: drift not computed")
    if result is not None and facts.requested < MIN_ROWS:
        out.warnings.append(f"drift not computed: {facts.requested} requested rows in the window, fewer than "
                            f"{MIN_ROWS} (a drift check on fewer is noise): the drift rule is not evaluated on it")
        absent = [f for f in alignment.missing if f not in alignment.empty] if alignment else []
        if alignment and alignment.warning:  # its "drift computed without ..." would say the opposite
            alignment = dataclasses.replace(alignment,
                                            warning=f"features missing from the log: {absent[:8]}" if absent else "")
        return alignment, None, []
    return alignment, result, refused


def _empty(out: WindowJudgement, alignment: FeatureAlignment | None, champion: Champion) -> None:
    """The features logged with no value in the window's requests that the champion learnt with values:
    said as the backtest says them (:mod:`ctloop.unseen`), counted (``empty_features``) and named (tag
    ``empty_features``). Before round 58 they were "missing from the log", or unsaid when the drift
    engine compared them (and counted them drifted)."""
    from ctloop.unseen import empty_features, empty_said

    if alignment is None or champion.reference is None:
        return  # not checked: no count (None, no gauge), not "checked, none"
    empty = empty_features(alignment.empty, lambda _: True, champion.reference)
    out.warnings.extend(empty_said(f, "this window") for f in empty)
    out.record["empty_features"] = len(empty)
    out.series["empty_features"] = float(len(empty))
    if empty:
        out.tags["empty_features"] = ",".join(empty)


def _drift(out: WindowJudgement, alignment: FeatureAlignment | None, result: DriftResult | None,
           refused: list[SkippedColumn] | None = None) -> None:
    """``refused``: the columns the engine refused (:func:`ctloop.drift.engine.column_by_column`),
    in ``result.skipped`` too when others were compared; said when none was."""
    if alignment is None:
        return
    out.tags["feature_mapping"] = alignment.mapping
    if alignment.warning:
        out.warnings.append(alignment.warning)
    if result is None:
        if refused:
            from ctloop.drift.engine import skipped_line

            out.tags["drift_skipped"] = ",".join(s.column for s in refused)
            out.warnings.append(f"drift not computed: {skipped_line(refused)}")
        return
    out.record["drift_share"] = out.series["drift_share"] = float(result.share)
    if result.skipped:  # compared by no method (lists, maps): named, never dropped silently
        from ctloop.drift.engine import skipped_line

        out.tags["drift_skipped"] = ",".join(s.column for s in result.skipped)
        out.warnings.append(f"drift {skipped_line(result.skipped)}")
    out.warnings.extend(f"drift: {w}" for w in result.warnings)  # a drifted column of many categories for its rows
    for col in result.columns:
        if col.score == col.score:
            out.series[f"drift_score_{col.column}"] = out.drift_scores[col.column] = float(col.score)
        out.series[f"drifted_{col.column}"] = float(col.drifted)
        out.drifted[col.column] = bool(col.drifted)


def volume_start(champion: Champion, previous: dict[str, Any] | None) -> tuple[int, pd.Timestamp]:
    """``(rows carried, count rows after)``: the previous window's count of the same champion, and
    from when this window counts (the champion's promotion, or the previous window's end)."""
    import pandas as pd

    since = champion.since if champion.since is not None else pd.Timestamp("1970-01-01", tz="UTC")
    carried, count_from = 0, since
    if previous and previous.get("champion_version") == champion.version \
            and previous.get("rows_since_training") is not None:
        carried = int(previous["rows_since_training"])
        count_from = max(pd.Timestamp(previous["window_end"]), since)
    return carried, count_from


def _volume(out: WindowJudgement, facts: _Frame | _State, champion: Champion, previous: dict[str, Any] | None,
            window: Bounds) -> int:
    """Rows logged since the champion was promoted, carried from the previous window of the same champion."""
    carried, count_from = volume_start(champion, previous)
    if count_from < window.read_from:
        out.warnings.append(f"rows logged between {count_from:%Y-%m-%d %H:%M} and {window.read_from:%Y-%m-%d %H:%M} "
                            "are not in the volume count (no monitoring run covered them)")
    rows_since = carried + facts.rows_after(count_from)
    out.series["rows_since_training"] = float(rows_since)
    out.record["rows_since_training"] = rows_since
    return rows_since


def _no_score(score: str | list[str], logged: list[str], none_has: str, classes: list | None) -> str:
    """Why a window's scores were not read: the first of the score columns absent from the log (else
    that ``none_has`` a value in them), the log's score columns (a v2 response's are
    ``prediction_<output>[_<j>]``) and what to set or serve."""
    from ctloop.labels.realized import score_columns

    columns = score_columns(score)
    absent = [c for c in columns if c not in logged]
    present = [c for c in logged if c.startswith("prediction")]  # as `ctloop labels report` names them
    said = (f"the log has no score column {absent[0]!r}" if absent else
            f"{none_has} a value in {columns[0]!r}" if len(columns) == 1 else
            f"{none_has} a value in each of {columns[0]}..{columns[-1]}")
    return f"{said}; its score columns: {', '.join(present) or 'none'}: {_score_remedy(score, present, classes)}"


def _score_remedy(score: str | list[str], present: list[str], classes: list | None) -> str:
    """What to set for a window whose score columns hold no value: a classifier is offered only the
    class-1 column of an output of every class's probability (``prediction_<output>_0.._1``), never
    its predicted classes (``prediction``: 0/1 binned against the gate's score deciles, a psi of 6.81)."""
    import re

    if not isinstance(score, str):  # whatever is logged: no setting applies
        k = len(score)
        return (f"a {k}-class model is scored on prediction_0..prediction_{k - 1} (monitoring.score_column does "
                f"not apply): serve it with the v1 protocol and predict_proba (logged as prediction_0..prediction_{k - 1})")
    if not present:
        return "no prediction column is logged"
    if not classes:  # a regressor: its prediction, whatever the output's name
        return "set monitoring.score_column to one of them"
    outputs: dict[str, set[int]] = {}
    for column in present:
        if m := re.fullmatch(r"(prediction(?:_.+)?)_(\d+)", column):
            outputs.setdefault(m.group(1), set()).add(int(m.group(2)))
    offered = [f"{out}_1" for out, js in outputs.items() if js == set(range(len(classes))) and f"{out}_1" != score]
    if not offered:
        return "the log holds class labels only: serve predict_proba"
    return f"set monitoring.score_column to {offered[0] if len(offered) == 1 else 'one of ' + ', '.join(offered)}"


def _series_name(value) -> str | None:
    """How a per-version/per-revision series names ``value``: its text, a whole-number float as its
    integer (a Parquet column of whole numbers with a null is read as floats: 7.0 is revision 7);
    None for a missing value (None, NaN, pd.NA, NaT)."""
    import pandas as pd

    if not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _by_name(column):
    """``column`` as the series name its values (:func:`_series_name`): a category of names, its codes
    remapped (the fast path of ``realized_metrics``' grouping, ~0.02 s for 1M rows against ~0.4 s
    value by value), or names value by value for a column of objects."""
    import numpy as np
    import pandas as pd

    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype(object).map(_series_name)
    names = np.array([_series_name(c) for c in column.cat.categories], dtype=object)
    unique, inverse = np.unique(names, return_inverse=True)  # categories are never missing: all text
    codes = column.cat.codes.to_numpy()
    remapped = np.full(len(codes), -1, dtype=np.int64)  # -1: missing (a column of none has no categories)
    remapped[codes >= 0] = inverse[codes[codes >= 0]]
    return pd.Series(pd.Categorical.from_codes(remapped, categories=unique), index=column.index, name=column.name)


def _realized(out: WindowJudgement, joined: JoinResult, champion: Champion, score: str | list[str],
              cfg: MonitoringConfig, logged: list[str]) -> None:
    from ctloop.labels.join import reused_note
    from ctloop.labels.realized import (
        as_classes,
        realized_metrics,
        scorable,
        score_columns,
    )
    from ctloop.monitoring.store import metric_key
    from ctloop.monitoring.triggers import served_realized
    from ctloop.unseen import UnseenLabels, unseen_labels

    out.tags["label_join"] = joined.describe()
    if joined.problem and joined.problem not in ("no labels", "no served rows"):
        out.warnings.append(f"labels not joined: {joined.problem}")
    if joined.skipped_batched:
        out.warnings.append(f"{joined.skipped_batched} labelled rows of batched requests skipped: their labels have "
                            "no instance column")
    if joined.reused:
        out.warnings.append(reused_note(joined.reused, joined.reused_keys))
    frame = joined.frame
    columns = score_columns(score)
    absent = [c for c in columns if c not in frame.columns]
    if len(frame) and absent:
        out.warnings.append("realized metric not computed: "
                            + _no_score(score, logged, f"none of the {len(frame)} labelled rows has", champion.classes))
    elif len(frame):
        named = frame.copy(deep=False)  # the same columns, model_version renamed (no copy of the rows)
        named[MODEL_VERSION] = unknown_version(frame[MODEL_VERSION])
        for by in (MODEL_VERSION, REVISION):
            if by not in named.columns:
                continue
            # one series per name: revision 7 (a file's numbers) and '7' (another's text) are one revision,
            # not two groups writing realized_rows.revision.7 in turn (the later one's rows only)
            named[by] = _by_name(named[by])
            per = realized_metrics(named, task=champion.task, score=score, by=(by,), metrics=(out.metric,),
                                   classes=champion.classes)
            for _, row in per.iterrows():
                if row[out.metric] == row[out.metric]:
                    out.series[metric_key(f"realized_{out.metric}.{by}.{row[by]}")] = float(row[out.metric])
                out.series[metric_key(f"realized_rows.{by}.{row[by]}")] = float(row["rows"])
        del named
        mask, how = champion_mask(frame, champion.version, champion.since)
        import numpy as np
        import pandas as pd

        # rows with every score column finite: what realized_metrics scores (the per-version series)
        scored = np.column_stack([np.isfinite(pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float))
                                  for c in columns]).all(axis=1)
        if not scored.any():  # the column of an older file (a v1 log before a switch to v2), not of these rows
            out.warnings.append("realized metric not computed: " + _no_score(
                score, logged, f"none of the {len(frame)} labelled rows has", champion.classes))
        rows = frame.loc[scored if mask is None else scored & mask.to_numpy(), [*columns, LABEL]]
        if champion.task == "classification":  # 'Yes' labels of the class 'yes' read as the gate reads them
            rows = rows.assign(**{LABEL: as_classes(rows[LABEL], champion.classes)})
        usable = scorable(rows[LABEL], champion.classes, champion.task)
        # labels of a class the champion never saw: scored as errors at their share of the labelled rows, the
        # backtest's rule from the same function (triggers.realized_record, ctloop.metrics.at_share; until
        # round 59 left out here), said as the backtest says them and counted for a dashboard or an alert
        # (ctloop.unseen); only against known classes, as the canary check does: a champion of unknown
        # classes has none unseen (None, no gauge; its 'yes'/'no' are left out, not errors against [0, 1])
        counted = champion.task == "classification" and bool(champion.classes) and bool(len(rows))
        unseen = unseen_labels(rows[LABEL], list(champion.classes)) if counted else UnseenLabels()
        if counted:  # labels scored: a count in the record and in MLflow alike
            out.record["unseen_labels"] = unseen.rows
            out.series["unseen_labels"] = float(unseen.rows)
        if unseen.classes:
            out.tags["unseen_classes"] = ",".join(unseen.classes)
        if unseen.rows:
            out.warnings.append(unseen.said(f"v{champion.version}", total=int(usable.sum()), whose="the window's",
                                            noun="labelled rows", fate="scored as errors"))
        if not usable.all():
            sample = rows.loc[~usable, LABEL].iloc[0]
            sample = sample.item() if hasattr(sample, "item") else sample  # 2.0, not np.float64(2.0)
            shown = repr(sample)
            if isinstance(sample, str) and not sample.isascii():  # may print like a class: its characters
                shown += f", written {ascii(sample)}"
            n = int((~usable).sum())
            out.warnings.append(f"{n} label{'s are' if n > 1 else ' is'} missing"
                                if champion.classes and champion.task == "classification" else
                                f"{n} labels left out of the realized metric: "
                                + (f"not 0 or 1, and the champion's classes are not recorded (e.g. {shown})"
                                   if champion.task == "classification" else f"not numbers (e.g. {shown})"))
        rows = rows[usable]
        out.tags["realized_rows_are"] = how
        out.record["realized_rows"] = int(len(rows))
        if len(rows):
            got = served_realized(champion.task, out.metric, champion.classes, rows[LABEL], rows[score])
            out.record["realized"] = got.pop("realized", None)
            out.record.update(got)
    out.series["realized_rows"] = float(out.record["realized_rows"])
    if out.record["realized"] is not None:
        out.series["realized"] = float(out.record["realized"])
    for key in ("chance_gap", "chance_gap_se"):  # what the below-chance rule read (rules._below_chance)
        value = out.record.get(key)
        if isinstance(value, int | float) and value == value:
            out.series[key] = float(value)


__all__ = ["FeatureAlignment", "align_features", "champion_rows", "champion_mask", "text_values", "coerce_like",
           "Bounds", "bounds", "WindowJudgement", "history_depth", "judge", "judge_state", "window_spec",
           "volume_start", "carried"]

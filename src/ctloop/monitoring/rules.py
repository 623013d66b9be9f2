"""The retraining rules: one engine for the monitoring pipeline and the backtest.

A window record is ``{"window_end": iso, "drift_share": float|None, "realized": float|None,
"realized_rows": int, "rows": int, "triggered": bool}``; the history holds earlier records,
oldest first (the last windows and the last successful trigger, read from MLflow by
:class:`ctloop.monitoring.store.MonitoringStore`, or replayed by the backtest). Rules (each
optional; :class:`ctloop.config.MonitoringRules` holds their defaults):

* ``drift_share`` + ``drift_windows``: drift share at least the threshold for N consecutive windows
  served by the same champion (a run of drifted windows restarts when the champion changes);
* ``realized_floor``: the champion's realized metric worse than an absolute bound (below it for
  higher-is-better metrics such as ``roc_auc``, above it for ``log_loss``/``rmse``/``mae``);
* ``realized_drop``: the champion's realized metric worse than its validation metric by more
  than X;
* ``min_rows_since_training``: at least this many logged rows since the champion was promoted —
  a precondition of every other rule when set, and a rule of its own when no other rule is set;
* ``cooldown``: no trigger within this duration of the previous *successful* trigger;
* ``realized_z``: the realized ROC AUC (or Brier score; a regressor's mean squared or mean absolute
  error) is worse than what the champion scored at its gate by more than ``z`` standard errors of
  the difference (record ``realized_se``/``brier``/``brier_se``, ``mse``/``mse_se``,
  ``mae``/``mae_se``; the champion's gate
  statistics, :mod:`ctloop.monitoring.triggers`) — and, when the champion has served below its
  gate, than that level too (the gate pooled with its windows, :func:`_level_z`) — and by at least
  ``realized_min_effect`` against both (:func:`min_effect`: issue 14's 0.5 points on each scale by
  default, 0.005 of ROC AUC, a regressor's RMSE or MAE 0.5 % above its gate's; a confident loss must
  also be a material one);
* ``cusum_h``: the CUSUM of those standardised losses (carried in the record ``cusum`` from the
  previous window of the same ``champion_version``) reaches ``h`` — and the mean loss of its run
  (its newest windows; older ones fade) is confidently above 0 against the champion's level and
  the windows' spread (``realized_z`` standard errors; records ``cusum_<auc|brier|mse|mae>_n/_sum/_sq``):
  its windows share one reference, so a gate that was lucky by a standard error alone would drive
  it up. The level is the gate pooled with the windows the champion served before the run
  (records ``cusum_<…>_pw/_pv``; the run's own wait in ``_rw/_rv``): a second measurement of what it scores;
  a mean loss below ``realized_min_effect`` confirms nothing;
* below chance (with ``realized_z``/``cusum_h``, by ``realized_z`` standard errors): the realized
  ROC AUC confidently below 0.5, a regressor's predictions confidently negatively correlated with
  the labels (Spearman; records ``chance_gap``/``chance_gap_se``) — a loss whatever the reference;
* ``prediction_psi``: prediction drift — record ``psi`` above both the threshold and ``psi_bound``
  (what sampling alone gives) for ``drift_windows`` consecutive windows of the same champion;
* labels outrank proxies: when the window's labels were judged by ``realized_z``/``cusum_h`` and
  show no confident loss, neither feature nor prediction drift fires.

A statistical loss writes its size into the record, ``loss_z``: the largest confident loss of
``realized_z`` in standard errors, the CUSUM run's mean loss (:func:`_run_z`), below chance's gap
(:func:`ctloop.monitoring.policy.judge` reads it: a strong loss starts a recovery whatever its
retrain learnt).

The realized rules need at least ``min_labels`` labelled rows served by the champion; below that
they do not fire and the reason says ``too few labels (n=..)``.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ctloop.config import MonitoringConfig, MonitoringRules
from ctloop.errors import ConfigError
from ctloop.metrics import at_share, lower_is_better, share_text, worse_by

RULE_KEYS = {f.name for f in MonitoringRules.fields()}
DEFAULT_MIN_LABELS = MonitoringConfig.min_labels


@dataclass
class Verdict:
    fire: bool
    rule: str
    reason: str


def check_rules(rules: dict[str, Any]) -> dict[str, Any]:
    unknown = set(rules) - RULE_KEYS
    if unknown:
        raise ConfigError(f"unknown monitoring rule(s) {sorted(unknown)}; known: {', '.join(sorted(RULE_KEYS))}")
    if "drift_windows" in rules and int(rules["drift_windows"]) < 1:
        raise ConfigError(f"drift_windows must be >= 1, got {rules['drift_windows']!r}")
    return rules


def history_needs(rules: dict[str, Any]) -> int:
    """How many earlier windows the rules look at (the drift rule's N-1; the cooldown is read
    separately as the last successful trigger)."""
    return max(int(rules.get("drift_windows", 1)) - 1, 0) if "drift_share" in rules else 0


def too_few_labels(n: int, min_labels: int) -> bool:
    return n < max(int(min_labels), 1)


def drifted(share: float | None, drift_share: float) -> bool:
    """Whether a window counts as drifted for the drift rule: its share of drifted features is at
    least ``drift_share``, as ``detect_drift`` reads its own ``drift.share`` and as evidently reads
    ``drift_share`` (``get_dataset_drift``: ``share_drifted_columns >= drift_share``). Until stop 57
    the rule read *above*, so one setting name had two readings and a share of exactly 0.5 (one of
    two features, two of four) drifted for ``detect_drift`` but not for the rule."""
    return share is not None and share >= drift_share


def same_window(a: Any, b: Any, window: Any = None) -> bool:
    """Whether window ends ``a`` and ``b`` are one window judged twice: the same end, or with
    ``window`` (a duration) ends within half a window of each other, as
    :func:`consecutive_windows` counts re-runs (a re-run without ``as_of`` ends one minute before
    its run, core.LIVE_SETTLE)."""
    import pandas as pd

    from ctloop.timeutil import parse_duration

    a, b = pd.Timestamp(a), pd.Timestamp(b)
    span = parse_duration(window, name="monitoring.window") if isinstance(window, str) else window
    return a == b or (span is not None and abs(a - b) < pd.Timedelta(span) / 2)


def consecutive_windows(history: list[dict[str, Any]], current: dict[str, Any], n: int,
                        window: Any = None) -> tuple[list[dict[str, Any]], str]:
    """The last ``n`` windows ending at ``current``, newest last, and why the chain is shorter.

    With ``window`` (a duration), windows are consecutive *in time*: each one ends at most 1.5
    windows before the next (a missed scheduled run breaks the chain), and a record ending
    within half a window of a newer one is a re-run of that window and not counted again.
    Without it, the last ``n`` distinct ``window_end`` values count. ``history`` oldest first.
    """
    import pandas as pd

    from ctloop.timeutil import parse_duration

    span = parse_duration(window) if isinstance(window, str) else window
    chain, newest = [current], pd.Timestamp(current["window_end"])
    for record in reversed(history):
        if len(chain) == n:
            break
        end = pd.Timestamp(record["window_end"])
        gap = newest - end
        if gap <= pd.Timedelta(0) or (span is not None and gap < span / 2):
            continue  # the same window again (a re-run): the newer record already counts
        if span is not None and gap > span * 1.5:
            return list(reversed(chain)), f"no window between {end.isoformat()} and {newest.isoformat()}"
        chain.append(record)
        newest = end
    return list(reversed(chain)), ""


def decide(history: list[dict[str, Any]], current: dict[str, Any], rules: dict[str, Any], *,
           champion_metric: float | None = None, rows_since_training: int | None = None,
           metric: str = "roc_auc", min_labels: int = DEFAULT_MIN_LABELS, window: Any = None,
           champion_gate: dict[str, float] | None = None, rebased: str = "",
           rebased_keys: Collection[str] | None = None) -> Verdict:
    """Apply ``rules`` to ``current`` given ``history`` (earlier records, any order).

    ``window`` (e.g. ``"1h"``) makes ``drift_windows`` count windows adjacent in time
    (:func:`consecutive_windows`); without it, the last N judged windows count.
    ``champion_gate``: what the champion scored at its gate (``roc_auc``, ``roc_auc_se``,
    ``brier``, ``brier_se``; :func:`ctloop.monitoring.triggers.gate_reference`). ``current`` gets
    its ``cusum`` (the realized rules' state) written into it. ``rebased``: the end of the window
    whose realized statistics ``champion_gate`` holds instead of the gate's (a retrain there did not
    replace the champion, :func:`ctloop.monitoring.policy.reference`), named in the reasons of the
    statistics in ``rebased_keys`` (``roc_auc``, ``brier``, ``mse``, ``mae``; None: all of them).
    """
    import pandas as pd

    from ctloop.timeutil import parse_duration

    rules = check_rules(dict(rules or {}))
    history = sorted((h for h in history if h.get("window_end")), key=lambda h: pd.Timestamp(h["window_end"]))
    now = pd.Timestamp(current["window_end"])
    triggers = [pd.Timestamp(h["window_end"]) for h in history if h.get("triggered") and h.get("window_end")]
    last_trigger = max((t for t in triggers if t <= now), default=None)
    if rules.get("cooldown") and last_trigger is not None and now - last_trigger < parse_duration(rules["cooldown"]):
        return Verdict(False, "cooldown", f"in cooldown until {last_trigger + parse_duration(rules['cooldown'])} "
                       f"(last retraining trigger {last_trigger})")
    min_rows = rules.get("min_rows_since_training")
    if min_rows and (rows_since_training or 0) < min_rows:
        return Verdict(False, "volume", f"only {rows_since_training or 0} rows logged since training (< {min_rows})")
    notes = []
    labels_verdict = _realized_vs_gate(history, current, rules, champion_gate or {}, metric, min_labels, notes,
                                       rebased, rebased_keys)
    if labels_verdict is not None and labels_verdict.fire:
        return labels_verdict
    labels_clear = labels_verdict is not None  # judged on enough labels: no confident loss
    psi_on = rules.get("prediction_psi") is not None

    def predicted(record: dict[str, Any]) -> bool:
        value, bound = record.get("psi"), record.get("psi_bound") or 0.0
        return value is not None and value > max(float(rules["prediction_psi"]), float(bound))

    n = int(rules.get("drift_windows", 1))
    earlier = [h for h in history if not h.get("cooldown_only") and pd.Timestamp(h["window_end"]) < now]
    recent, gap = consecutive_windows(earlier, current, n, window)
    recent, since = _same_champion(recent, current)
    if "drift_share" in rules:
        shares = [r.get("drift_share") for r in recent]
        if len(recent) == n and all(drifted(s, rules["drift_share"]) for s in shares):
            if labels_clear:
                notes.append(f"drift share >= {rules['drift_share']} for {n} window(s), but the labels show "
                             "no loss")
            else:
                return Verdict(True, "drift", f"drift share >= {rules['drift_share']} for {n} consecutive "
                               "window(s): " + ", ".join(share_text(s, rules["drift_share"]) for s in shares))
        if current.get("drift_share") is None:
            notes.append("drift rule not evaluated: no drift share for this window")
        elif gap and drifted(current["drift_share"], rules["drift_share"]):
            notes.append(f"drift share >= {rules['drift_share']} in {len(recent)} consecutive window(s){since}, "
                         f"{n} needed: {gap}")
        elif drifted(current["drift_share"], rules["drift_share"]):  # a streak still short (as prediction drift says)
            above = [drifted(r.get("drift_share"), rules["drift_share"]) for r in recent]
            streak = next((k for k, a in enumerate(reversed(above)) if not a), len(above))
            if streak < n:
                notes.append(f"drift share {share_text(current['drift_share'], rules['drift_share'])} >= "
                             f"{rules['drift_share']} in {streak} "
                             f"window(s){since}, {n} needed")
    if psi_on and current.get("psi") is not None:
        if len(recent) == n and all(predicted(r) for r in recent):
            if labels_clear:
                notes.append(f"prediction drift for {n} window(s), but the labels show no loss")
            else:
                return Verdict(True, "prediction_drift", f"prediction drift for {n} consecutive window(s): PSI "
                               + ", ".join(f"{r['psi']:.3f}" for r in recent) + " of the champion's scores "
                               f"against its gate holdout (> {rules['prediction_psi']} and the sampling bound)")
        elif predicted(current):
            streak = next((k for k, r in enumerate(reversed(recent)) if not predicted(r)), len(recent))
            notes.append(f"prediction drift (PSI {current['psi']:.3f}) in {streak} window(s){since}, {n} needed")
    realized = current.get("realized")
    labelled = int(current.get("realized_rows") or 0)
    lower = lower_is_better(metric)
    if {"realized_floor", "realized_drop"} & set(rules):
        if realized is None or realized != realized or too_few_labels(labelled, min_labels):
            note = (f"realized rules not applied: too few labels (n={labelled} < {max(int(min_labels), 1)})"
                    if realized is None or too_few_labels(labelled, min_labels) else
                    f"realized rules not applied: {metric} undefined on {labelled} labelled rows")
            if note not in notes:  # (_realized_vs_gate says too few labels as well)
                notes.append(note)
        else:
            floor = rules.get("realized_floor")
            if floor is not None and (realized > floor if lower else realized < floor):
                return Verdict(True, "realized_floor", f"realized {metric} {realized:.4f} "
                               f"{'above' if lower else 'below'} the bound {floor} (n={labelled} labelled rows)")
            drop = rules.get("realized_drop")
            if drop is not None:
                if champion_metric is None:
                    notes.append(f"realized_drop not applied: the champion has no validation {metric}")
                elif worse_by(metric, realized, champion_metric) > drop:
                    whose = (f"the champion's own level in the window ending {rebased} (its retrain there did not "
                             "replace it)" if rebased and (rebased_keys is None or metric in rebased_keys)
                             else "the champion's validation")  # policy.judge: the re-based reference
                    return Verdict(True, "realized_drop", (
                        f"realized {metric} {realized:.4f} is {abs(realized - champion_metric):.4f} "
                        f"{'above' if lower else 'below'} {whose} {champion_metric:.4f} "
                        f"(> {drop}; n={labelled} labelled rows)"))
    if labels_verdict is not None:
        notes.append(labels_verdict.reason)
    # the statistical rules (realized_z, cusum_h, prediction_psi: on by default, quiet without their
    # inputs) do not turn the volume rule's own trigger off: only the rules a user sets do
    if min_rows and not ({"drift_share", "realized_floor", "realized_drop"} & set(rules)):
        return Verdict(True, "volume", f"{rows_since_training} rows logged since training (>= {min_rows})")
    return Verdict(False, "none", "; ".join(["no retraining rule fired", *notes]))


def _same_champion(recent: list[dict[str, Any]], current: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The newest windows of ``recent`` served by ``current``'s champion, and a note when an older one
    was cut off: a run of drifted windows restarts when the champion changes (the windows another
    model served, against its reference, say nothing about this one). A record without a version
    (an old record) is not cut."""
    version = current.get("champion_version")
    if version in (None, ""):
        return recent, ""
    for k in range(len(recent) - 1, -1, -1):
        other = recent[k].get("champion_version")
        if other not in (None, "") and str(other) != str(version):
            return recent[k + 1:], f" since v{version} started serving"
    return recent, ""


def _realized_vs_gate(history: list[dict[str, Any]], current: dict[str, Any], rules: dict[str, Any],
                      gate: dict[str, float], metric: str, min_labels: int, notes: list[str],
                      rebased: str = "", rebased_keys: Collection[str] | None = None) -> Verdict | None:
    """``realized_z`` and ``cusum_h`` (see the module doc): a firing Verdict, a quiet one when the
    labels were judged and show no confident loss, or None when they could not be judged.
    ``rebased``, ``rebased_keys``: see :func:`decide`."""
    from ctloop.monitoring.triggers import CUSUM_K

    def rebased_for(name: str) -> bool:  # the loss's reference is the re-based window's, not the gate's
        return bool(rebased) and (rebased_keys is None or _REF_KEY.get(name, name) in rebased_keys)

    if not ({"realized_z", "cusum_h"} & set(rules)):
        return None
    labelled = int(current.get("realized_rows") or 0)
    if too_few_labels(labelled, min_labels):
        _carry_unjudged(history, current)
        note = f"realized rules not applied: too few labels (n={labelled} < {max(int(min_labels), 1)})"
        notes.append(note)
        return None
    chance = _below_chance(current, rules, metric, labelled)
    losses = []  # (name, loss, se, realized, reference)
    realized, se = current.get("realized"), current.get("realized_se")
    own_se = "realized_se"
    if metric == "roc_auc" and (same := class_comparison(current, gate)) is not None:
        # a multiclass champion: the window and its gate over the same classes, information-weighted
        realized, se, ref, ref_se = same
        current["realized_cmp"], current["realized_cmp_se"], own_se = realized, se, "realized_cmp_se"
        gate = {**gate, metric: ref, f"{metric}_se": ref_se}
    else:
        ref, ref_se = gate.get(metric), gate.get(f"{metric}_se")
    if metric == "roc_auc" and None not in (realized, se, ref, ref_se) and realized == realized and se == se:
        losses.append(("roc_auc", float(ref) - float(realized), math.hypot(float(se), float(ref_se)),
                       float(realized), float(ref)))
    brier, brier_se, ref_b, ref_b_se = (current.get("brier"), current.get("brier_se"), gate.get("brier"),
                                        gate.get("brier_se"))
    if None not in (brier, brier_se, ref_b, ref_b_se) and brier == brier and brier_se == brier_se:
        losses.append(("Brier score", float(brier) - float(ref_b), math.hypot(float(brier_se), float(ref_b_se)),
                       float(brier), float(ref_b)))
    losses.extend(_regression_losses(current, gate))
    losses = [x for x in losses if x[2] > 0]
    if not losses:
        if all(gate.get(key) is None for key in (f"{metric}_se", "brier_se", "mse_se", "mae_se")):
            notes.append("realized_z not applied: the champion has no gate statistics (registered before they "
                         "were recorded)")
        _carry_unjudged(history, current)
        return chance
    previous, carried = _carried(history, current)  # previous: None unless this champion goes on from it
    cusum = max(0.0, carried + max(loss / s for _, loss, s, _, _ in losses) - CUSUM_K)
    current["cusum"] = cusum
    _run(previous if carried > 0 else None, current, losses, cusum)
    _pool(previous, current, losses, cusum, own_se)
    if chance is not None:  # a loss against no reference (the reference may be that low itself)
        return chance
    z = rules.get("realized_z")
    share = rules.get("realized_min_effect")
    confident, small = [], []  # small: confident, but no material loss (name, loss, minimum, what)
    for name, loss, s, value, reference in losses:
        if z is None or loss - float(z) * s <= 0:
            continue
        level_z, level_loss = _level_z(previous, current, name, value, reference, _gate_se(gate, metric, name),
                                       own_se if name == "roc_auc" else None)
        if level_z <= float(z):
            continue
        least, what = min_effect(name, gate, share)
        if min(loss, level_loss) < least:  # against the gate and against the level that confirmed it (review M2)
            small.append((name, min(loss, level_loss), least, what))
        else:
            confident.append((name, loss, s, value, reference, min(loss / s, level_z)))
    if confident:
        name, loss, s, value, reference, _ = confident[0]
        where = (f", the champion's own level in the window ending {rebased} (its retrain there did not replace it)"
                 if rebased_for(name) else " at the champion's gate")
        # the policy's "strong loss" (policy.judge): in standard errors against what confirmed it
        current["loss_z"] = max(x[5] for x in confident)
        return Verdict(True, "realized_z", (
            f"realized {name} {_num(value)} on {labelled} labels vs {_num(reference)}{where}: "
            f"worse by {_num(loss)} > {z} x se {_num(s)}"))
    h = rules.get("cusum_h")
    summary = ", ".join(f"{name} {_num(value)} vs {_num(reference)} "
                        + (f"at the champion's own level in the window ending {rebased}" if rebased_for(name)
                           else "at the gate")
                        for name, _, _, value, reference in losses)
    if small:
        summary += "; " + "; ".join(_immaterial(*x) for x in small)
    if h is not None and cusum >= float(h):
        confirm = float(z) if z is not None else CUSUM_CONFIRM_Z
        run_z, tiny = _run_z(current, losses, gate, metric, share)
        if tiny and run_z is None:  # every statistic's mean loss immaterial
            return Verdict(False, "none", (
                f"CUSUM {cusum:.1f} >= {h} not confirmed: the mean loss of its {_run_windows(current)} window(s) is "
                f"no material loss ({'; '.join(tiny)}; {summary}; n={labelled})"))
        if tiny:  # the others judge the run: say which statistic's mean loss was left out
            summary += "; no material loss: " + "; ".join(tiny)
        if run_z is not None and run_z < confirm:
            return Verdict(False, "none", (
                f"CUSUM {cusum:.1f} >= {h} not confirmed: the mean loss of its {_run_windows(current)} window(s) is "
                f"{run_z:.2f} < {confirm:g} standard errors of the reference and the windows' spread ({summary}; "
                f"n={labelled})"))
        current["loss_z"] = run_z  # the run's mean loss in standard errors (None: a run not judged)
        return Verdict(True, "cusum", f"CUSUM of realized losses {cusum:.1f} >= {h} ({summary}; n={labelled})")
    return Verdict(False, "none", f"no confident loss on {labelled} labels ({summary}; CUSUM {cusum:.1f})")


CHANCE_KEYS = {"Brier score": "brier_chance", "squared error": "mse_chance",  # loss name -> the gate's chance level
               "absolute error": "mae_chance"}
_GATE_KEYS = {"squared error": "mse", "absolute error": "mae"}  # a regressor's loss -> the gate's own error
_SCALE = {"Brier score": "the Brier score of predicting the gate holdout's class shares",
          "squared error": "the champion's squared error at its gate",
          "absolute error": "the champion's absolute error at its gate"}


def min_effect(name: str, gate: dict[str, float], share: float | None) -> tuple[float, str]:
    """``(smallest material loss, what it is)`` of loss ``name`` for ``realized_min_effect`` ``share`` — issue
    14's tolerance, 0.5 points of the goal, on each statistic's own scale.

    * ROC AUC: ``share`` of the 0.5 between chance and perfect (the default 0.01 is 0.005 = 0.5 points).
    * Brier score: ``share`` of what predicting the gate holdout's class shares scores (``brier_chance``,
      :func:`ctloop.monitoring.triggers.brier_chance`; perfect 0): 1 % of it is a point of Brier skill, the
      ROC AUC's analogue. A holdout of one class scores 0 there (no scale at all): the chance level is floored
      at the Brier score of a class share of one row in the gate's ``rows``, ``2 (n - 1) / n²``.
    * A regressor: the goal counts a point as 1 % of the error (docs/backtest-quality.md: 0.5 points = 0.5 %
      of the RMSE), so the scale is the **champion's own error at its gate**, not the labels' spread (1 % of
      the label variance is a point of R², 11 times the whole squared error of a champion with R² 0.999). An
      RMSE ``(1 + e)`` times the gate's is a squared error ``(1 + e)² ≈ 1 + 2e`` times its MSE: 0.5 % of the
      RMSE (``e = share / 2``) is ``share`` of the gate's ``mse``; 0.5 % of the MAE is ``share / 2`` of the
      gate's ``mae``. A gate error that collapsed (a near-exact champion: its standard error collapses with
      it, and any loss is confident — the krkp defect) is floored at ``share`` of the chance error (the
      labels' variance ``mse_chance`` times ``share²``, an RMSE of 1 % of their standard deviation, R²
      0.9999; their mean absolute deviation ``mae_chance`` times ``share``): what ``mse_chance`` and
      ``mae_chance`` are still recorded for.

    ``(0.0, "")`` when off or when the gate recorded no scale (a champion registered before round 61 has no
    ``brier_chance``): any confident loss counts, as before. Stop 60's krkp_one_class_days: a champion with a
    Brier score of 3.5e-07 at its gate served 1.2e-06 (standard error 2.5e-08) and fired realized_z."""
    if share is None or float(share) <= 0:
        return 0.0, ""
    share = float(share)
    if name == "roc_auc":
        return share * 0.5, f"{share:g} of the 0.5 between a chance and a perfect ROC AUC"
    chance = _usable(gate.get(CHANCE_KEYS.get(name, "")))
    if name == "Brier score":
        rows = _usable(gate.get("rows"))
        floor = 2.0 * (rows - 1.0) / rows ** 2 if rows is not None and rows > 1 else None
        if floor is not None and chance is not None and chance < floor:  # none recorded: before round 61
            return share * floor, (f"{share:g} of {_num(floor)}, the Brier score of a class share of 1 in the gate "
                                   f"holdout's {int(rows)} rows (its own class shares score {_num(chance)})")
        return (share * chance, f"{share:g} of {_num(chance)}, {_SCALE[name]}") if chance else (0.0, "")
    if name not in _GATE_KEYS:
        return 0.0, ""
    own, cut = _usable(gate.get(_GATE_KEYS[name])), share if name == "squared error" else 0.5 * share
    floor = None if chance is None else chance * (share * share if name == "squared error" else share)
    if floor is not None and floor > 0 and (own is None or own < floor):
        what = (f"{share * share:g} of the gate holdout's label variance" if name == "squared error"
                else f"{share:g} of the gate holdout's labels' mean absolute deviation from their median")
        return cut * floor, (f"{cut:g} of {_num(floor)}, {what} (the champion's gate error "
                             f"{_num(own) if own is not None else 'unrecorded'} is below it)")
    if not own:
        return 0.0, ""
    return cut * own, f"{cut:g} of {_num(own)}, {_SCALE[name]}"


def _usable(value: Any) -> float | None:
    """``value`` as a float, None when missing, NaN or negative."""
    if value is None:
        return None
    value = float(value)
    return value if value == value and value >= 0 else None


def _immaterial(name: str, loss: float, least: float, what: str) -> str:
    """The note of a confident loss below its :func:`min_effect` ``least`` (``what`` it is)."""
    return (f"{name} worse by {_num(loss)}, confident but less than the minimum effect {_num(least)} ({what}): "
            "not material")


def _below_chance(current: dict[str, Any], rules: dict[str, Any], metric: str, labelled: int) -> Verdict | None:
    """A firing Verdict when the champion is confidently worse than chance on the window's labels
    (record ``chance_gap``/``chance_gap_se``, :mod:`ctloop.monitoring.triggers`): a classifier's
    ROC AUC below 0.5 (it ranks the classes backwards; chance whatever the classes' shares), a
    regressor's predictions negatively correlated with the labels (Spearman: they rank them
    backwards). By ``realized_z``
    standard errors (:data:`CUSUM_CONFIRM_Z` without it). A loss whatever the reference: after a
    reversed concept the challengers trained mostly on the old one fail the gate's bar too, and the
    reference re-based on the champion's window (:func:`ctloop.monitoring.policy.reference`) is then
    below chance itself — no loss against it would ever be confident. None otherwise."""
    from ctloop.metrics import REGRESSION

    gap, se = current.get("chance_gap"), current.get("chance_gap_se")
    if gap is None or se is None or gap != gap or se != se or float(se) <= 0:
        return None
    z = float(rules["realized_z"]) if rules.get("realized_z") is not None else CUSUM_CONFIRM_Z
    if float(gap) - z * float(se) <= 0:
        return None
    current["loss_z"] = float(gap) / float(se)
    if metric in REGRESSION:
        return Verdict(True, "below_chance", (
            f"the predictions rank the {labelled} labels backwards: Spearman correlation {-float(gap):.4f} "
            f"< 0 by {_num(float(gap))} > {z:g} x se {_num(float(se))}"))
    return Verdict(True, "below_chance", (
        f"realized roc_auc {0.5 - float(gap):.4f} on {labelled} labels is worse than chance (0.5) by "
        f"{_num(float(gap))} > {z:g} x se {_num(float(se))}: the champion ranks the classes backwards"))


CUSUM_CONFIRM_Z = 2.326  # without realized_z: the confirmation of a CUSUM alarm (one-sided 1 %)
_REF_KEY = {"Brier score": "brier", "squared error": "mse", "absolute error": "mae"}  # loss name -> reference key
_RUN = {"roc_auc": "auc", "Brier score": "brier", "squared error": "mse",  # loss name -> record prefix
        "absolute error": "mae"}
_OWN_SE = {"roc_auc": "realized_se", "Brier score": "brier_se", "squared error": "mse_se",  # a window's own se
           "absolute error": "mae_se"}
# carried in the records: the run (n, sum, sq), the champion's windows before it (pw, pv) and the run's own (rw, rv)
RUN_FIELDS = tuple(f"cusum_{k}_{p}" for k in _RUN.values() for p in ("n", "sum", "sq", "pw", "pv", "rw", "rv"))


def _carried(history: list[dict[str, Any]], current: dict[str, Any]) -> tuple[dict[str, Any] | None, float]:
    """``(previous, cusum)``: the newest earlier record with a CUSUM when ``current`` goes on from
    it (else None), and the value ``current`` carries on from it — 0 when another champion served
    it, or a retrain was started then or since (also one asked for in a window without enough
    labels: the champion or its reference, ``policy.reference``, changed there)."""
    previous = next((h for h in reversed(sorted(history, key=lambda h: str(h.get("window_end"))))  # a re-run: the newer
                     if h.get("cusum") is not None and str(h.get("window_end")) < str(current["window_end"])), None)
    if not _continues(previous, history, current):
        return None, 0.0
    return previous, float(previous["cusum"])


def _continues(previous: dict[str, Any] | None, history: list[dict[str, Any]], current: dict[str, Any]) -> bool:
    """Whether ``current`` goes on from ``previous``: the same champion, no retrain started then or since."""
    version = current.get("champion_version")
    if previous is None or version is None or previous.get("champion_version") != version or previous.get("triggered"):
        return False
    return not any(h.get("triggered") and str(previous.get("window_end")) < str(h.get("window_end"))
                   < str(current["window_end"]) for h in history)


def _carry_unjudged(history: list[dict[str, Any]], current: dict[str, Any]) -> None:
    """A window whose labels could not be judged keeps the CUSUM and its run as they were, in its own
    record: monitoring reads only the last few windows back (``MonitoringStore.history``), and a
    longer spell without labels would otherwise lose them — the backtest, which keeps more history,
    would go on with them. So does the champion's pool of the windows before the run
    (:func:`_pool`), also while the CUSUM is at 0."""
    previous, carried = _carried(history, current)
    if previous is None or (carried <= 0 and not any(previous.get(f"cusum_{k}_pw") for k in _RUN.values())):
        return
    current["cusum"] = carried
    current.update({field: previous[field] for field in RUN_FIELDS if previous.get(field) is not None})


CUSUM_RUN_WINDOWS = 8  # the confirmation's memory: the run's newest windows, older ones fading by 7/8 a window


def _run(previous: dict[str, Any] | None, current: dict[str, Any], losses: list, cusum: float) -> None:
    """The CUSUM's run (the windows since it was last 0) per statistic, carried in the record:
    ``cusum_<auc|brier|mse|mae>_n``, ``_sum`` (of the losses) and ``_sq`` (of their squares). Past
    :data:`CUSUM_RUN_WINDOWS` windows the sums are scaled down before each new loss (an
    exponentially weighted mean, weight 7/8 per window): with a gate a little too high the CUSUM
    never returns to 0, and a mean over all its windows would let months of small losses outweigh
    a real one for as long again. A statistic the window could not judge (no ROC AUC on labels of
    one class) keeps its run as it was while the CUSUM goes on."""
    judged = {name: loss for name, loss, _, _, _ in losses}
    for name, prefix in _RUN.items():
        key = f"cusum_{prefix}"
        n, total, sq = (float((previous or {}).get(f"{key}_{part}") or 0.0) for part in ("n", "sum", "sq"))
        if name not in judged:
            if cusum > 0 and n:
                current[f"{key}_n"], current[f"{key}_sum"], current[f"{key}_sq"] = n, total, sq
            continue
        loss = judged[name]
        if cusum > 0:
            if n >= CUSUM_RUN_WINDOWS:
                keep = (CUSUM_RUN_WINDOWS - 1) / n
                n, total, sq = n * keep, total * keep, sq * keep
            n, total, sq = n + 1, total + loss, sq + loss * loss
        else:
            n, total, sq = 0.0, 0.0, 0.0
        current[f"{key}_n"], current[f"{key}_sum"], current[f"{key}_sq"] = n, total, sq


def _pool(previous: dict[str, Any] | None, current: dict[str, Any], losses: list, cusum: float,
          own_se: str = "realized_se") -> None:
    """The champion's windows before its current CUSUM run, per statistic: ``cusum_<k>_pw`` (the
    sum of 1/se²) and ``_pv`` (of value/se²), carried while the champion serves. The confirmation
    (:func:`_run_z`) pools them with the gate: what the champion scored on the labels it served is
    a second, independent measurement of its level. The run's own windows (the ones being judged)
    wait in ``_rw``/``_rv`` and join the pool when the CUSUM is back at 0 — every window of the
    champion ends up in it, not only the good ones (pooling only windows that kept the CUSUM at 0
    would select them for being above the gate and bias the level up by half a window's standard
    error, however many windows). A statistic the window could not judge (no ROC AUC on labels of
    one class) adds nothing and keeps what it had. ``own_se``: the record field of the window's ROC
    AUC's standard error (``realized_cmp_se`` when a multiclass window was compared class by class:
    its value is that comparison's, so is its weight)."""
    values = {name: value for name, _, _, value, _ in losses}
    for name, prefix in _RUN.items():
        key, value = f"cusum_{prefix}", values.get(name)
        se = current.get(own_se if name == "roc_auc" else _OWN_SE[name])
        pw, pv, rw, rv = (float((previous or {}).get(f"{key}_{part}") or 0.0) for part in ("pw", "pv", "rw", "rv"))
        if name not in values and not (pw or rw):
            continue
        if value is not None and se is not None and se == se and float(se) > 0:
            weight = 1.0 / float(se) ** 2
            rw, rv = rw + weight, rv + weight * float(value)
        if cusum <= 0:  # no run (any more): its windows and this one belong to the champion's level
            pw, pv, rw, rv = pw + rw, pv + rv, 0.0, 0.0
        current.update({f"{key}_pw": pw, f"{key}_pv": pv, f"{key}_rw": rw, f"{key}_rv": rv})


def _run_windows(current: dict[str, Any]) -> int:
    return int(max((current.get(f"cusum_{k}_n") or 0) for k in _RUN.values()))


def _run_z(current: dict[str, Any], losses: list, gate: dict[str, float], metric: str,
           share: float | None = None) -> tuple[float | None, list[str]]:
    """How many standard errors the CUSUM run's mean loss is above 0 — the largest over the
    statistics, None without a run. A CUSUM's increments share one reference (the champion's gate
    statistics): a gate that was lucky by one standard error shifts every window's loss by it, and
    the CUSUM climbs on a stream that does not drift. The run's mean is therefore judged against
    the reference's own standard error and the windows' observed spread (at least their sampling
    error): ``mean / sqrt(se_ref² + var_window / m)`` over the run's ``m`` windows. When the
    champion served windows before the run (:func:`_pool`), the reference is the
    gate pooled with them (inverse-variance): the mean loss is taken against that level and
    ``se_ref`` is the pooled one — a champion that served at its gate level for six windows
    confirms a steady loss of two gate standard errors, a lucky gate with nothing to pool does not.
    A statistic whose mean loss is less than its minimum effect (:func:`min_effect`, ``share``) confirms
    nothing; the second value names each such statistic (a near-perfect champion's CUSUM climbs on losses
    nobody could notice)."""
    best, tiny = None, []
    for name, _, s, _, reference in losses:
        key, se_ref = f"cusum_{_RUN[name]}", _gate_se(gate, metric, name)
        m, total, sq, pw, pv = (float(current.get(f"{key}_{part}") or 0.0) for part in ("n", "sum", "sq", "pw", "pv"))
        if m < 1 or se_ref is None or se_ref != se_ref or float(se_ref) <= 0:
            continue
        mean = total / m
        spread = max(sq / m - mean * mean, 0.0) * m / (m - 1) if m > 1 else 0.0
        var_window = max(spread, s * s - float(se_ref) ** 2)  # s: the window's loss se (window and reference)
        var_ref = float(se_ref) ** 2
        if pw > 0:  # the level pooled from the gate and the champion's windows before the run
            level, var_ref = _pooled(reference, float(se_ref), pw, pv)
            mean -= (reference - level) if name == "roc_auc" else (level - reference)
        least, what = min_effect(name, gate, share)
        if mean < least:
            tiny.append(f"{name} {_num(mean)} < the minimum effect {_num(least)} ({what})")
            continue
        z = mean / math.sqrt(var_ref + var_window / m) if var_ref + var_window > 0 else None
        if z is not None:
            best = z if best is None else max(best, z)
    return best, tiny


def _level_z(previous: dict[str, Any] | None, current: dict[str, Any], name: str, value: float,
             reference: float, ref_se: float | None, own_key: str | None = None) -> tuple[float, float]:
    """How many standard errors ``value`` (statistic ``name`` of the window) is worse than the
    champion's level when that level is below its gate (``reference`` ± ``ref_se``; a higher loss
    for the Brier score and the squared error): the gate pooled (inverse-variance) with every
    window the champion has served since it was judged last from scratch (``previous``'s
    ``cusum_<k>_pw/_pv`` and the CUSUM run's ``_rw/_rv``, :func:`_pool`; this window not among
    them); ``inf`` when no such level applies. ``realized_z`` fires only when this is above ``z``
    too: a gate that was lucky by a standard error or two is then not what one window is
    judged against — the champion has shown what it scores (fresh22's waveform_control with seed
    +3000, no drift: gate 0.9732, served 0.953–0.970 for eleven windows, one window at 0.9518
    fired realized_z and started a recovery that retrained nine times). A level above the gate
    changes nothing: one window is judged no more strictly than against the gate. ``inf`` without
    such windows (a new champion, a retrain since). The loss's size the policy reads (``loss_z``)
    is the smaller of this and the loss against the gate (review10: a lucky gate made a loss
    "strong" that was barely confident against the level that confirmed it). Returns ``(z, loss)``: the
    loss against that level (``inf`` with ``z``) is asked for the minimum effect too (:func:`min_effect`),
    as the CUSUM's confirmation asks it of its run's mean loss against the level (review of r61-policy,
    M2: a window 0.0052 below a gate of 0.999 but 0.0045 below the champion's level of ~0.9983 fired)."""
    key, own = f"cusum_{_RUN[name]}", current.get(own_key or _OWN_SE[name])
    pw, pv = (sum(float((previous or {}).get(f"{key}_{part}") or 0.0) for part in parts)
              for parts in (("pw", "rw"), ("pv", "rv")))
    if pw <= 0 or None in (ref_se, own) or ref_se != ref_se or own != own or float(ref_se) <= 0:
        return math.inf, math.inf
    level, var = _pooled(reference, float(ref_se), pw, pv)
    worse = reference - level if name == "roc_auc" else level - reference  # the level's own loss
    if worse <= 0:
        return math.inf, math.inf
    loss = level - value if name == "roc_auc" else value - level
    spread = math.hypot(float(own), math.sqrt(var))
    return (loss / spread if spread > 0 else (math.inf if loss > 0 else -math.inf)), loss


def class_comparison(current: dict[str, Any], gate: dict[str, float]) -> tuple[float, float, float, float] | None:
    """``(realized, se, reference, reference_se)``: a multiclass champion's ROC AUC on the window and
    at its gate, class by class (``roc_auc_c<k>``, :func:`ctloop.monitoring.triggers.class_aucs`),
    each class weighted by the information its comparison carries, ``w_k = 1 / (v0_window +
    v0_gate)`` with Mann & Whitney's null variances (from the class counts alone, so an estimate
    does not choose its own weight; equal counts give the macro mean). The reference is the gate's
    level over the classes both saw; a class only the window has (one the gate's holdout lacked)
    is judged against that level with its own weight (``1 / v0_window``), a label the model never
    saw is no class here: such labels are errors at their share of the window's rows
    (``roc_auc_unseen_share``, :func:`ctloop.metrics.at_share`: the level over the known rows times
    ``1 - share``, plus chance times ``share``; the standard error times ``1 - share``), as
    everywhere a realized metric is computed (until round 59 an average class's share at 0.5
    whatever its rows: one stray label of a three-class model weighed a fourth); a class only the
    gate has is left out. The macro mean over the classes each side
    happened to contain compared compositions: a class of one or two rows added an AUC anywhere in
    0..1 with a full share, and Hanley & McNeil's variance at an extreme estimate called it
    confident (a stable stream with a 0.5 % noise class retrained six times). The standard errors
    are Hanley & McNeil's at each estimate, combined with the same weights as if fully correlated
    (the classes' AUCs share their rows, as :func:`ctloop.monitoring.triggers.chance_se`; taken as
    independent, a stable stream whose window was harder on all three learnable classes at once
    read 3.2 standard errors and started a recovery that retrained 18 times). None when either
    side lacks the per-class statistics (a binary model, a gate registered before they were
    recorded) or they share fewer than two classes."""
    shared, new = [], []  # (weight, window AUC, window variance[, gate AUC, gate variance])
    for key, value in current.items():
        if not (key.startswith("roc_auc_c") and key[9:].isdigit()):
            continue
        var, null = current.get(f"{key}_var"), current.get(f"{key}_null")
        if any(x is None or x != x for x in (value, var, null)):
            continue
        g, g_var, g_null = gate.get(key), gate.get(f"{key}_var"), gate.get(f"{key}_null")
        if any(x is None or x != x for x in (g, g_var, g_null)):
            new.append((key, (1.0 / float(null), float(value), float(var))))
        else:
            shared.append((1.0 / (float(null) + float(g_null)), float(value), float(var), float(g), float(g_var)))
    if len(shared) < 2:
        return None
    w_shared = sum(x[0] for x in shared)
    new = [x for key, x in new if not current.get(f"{key}_unseen")]  # (a record written before round 59)
    total = w_shared + sum(x[0] for x in new)
    # labels the model never saw: errors at their share of the rows (every one wrong whatever the sample), on
    # either side (a gate's holdout, or a re-based window, that held such labels: policy.per_class carries it)
    share = float(current.get("roc_auc_unseen_share") or 0.0)
    ref_share = float(gate.get("roc_auc_unseen_share") or 0.0)
    level = sum(x[0] * x[1] for x in (*shared, *new)) / total
    return (at_share("roc_auc", level, share),
            (1.0 - share) * sum(x[0] * math.sqrt(x[2]) for x in (*shared, *new)) / total,
            at_share("roc_auc", sum(x[0] * x[3] for x in shared) / w_shared, ref_share),
            (1.0 - ref_share) * sum(x[0] * math.sqrt(x[4]) for x in shared) / w_shared)


def _gate_se(gate: dict[str, float], metric: str, name: str) -> float | None:
    """The standard error the gate recorded for loss ``name`` (``<metric>_se``, ``brier_se``, ``mse_se``,
    ``mae_se``)."""
    return {"roc_auc": gate.get(f"{metric}_se"), "Brier score": gate.get("brier_se"),
            "squared error": gate.get("mse_se"), "absolute error": gate.get("mae_se")}.get(name)


def _pooled(reference: float, ref_se: float, pw: float, pv: float) -> tuple[float, float]:
    """``(level, variance)``: the gate's ``reference`` (± ``ref_se``) pooled inverse-variance with
    windows summed as ``pw`` (1/se²) and ``pv`` (value/se²)."""
    w_gate = 1.0 / ref_se ** 2
    return (w_gate * reference + pv) / (w_gate + pw), 1.0 / (w_gate + pw)


def _num(value: float) -> str:
    """Four decimals, or four significant digits below 0.01 (a small target's squared error read
    "0.0000 vs 0.0000") and from 1e6 on (a large one's was a 120-digit number)."""
    return f"{value:.4f}" if value == 0 or 0.01 <= abs(value) < 1e6 else f"{value:.4g}"


def _regression_losses(current: dict[str, Any], gate: dict[str, float]) -> list[tuple[str, float, float, float, float]]:
    """A regressor's losses for ``_realized_vs_gate``: the window's mean squared error (record
    ``mse``, ``mse_se``) minus the champion's at its gate (``mse``, ``mse_se``), and the same for the
    mean absolute error (``mae``, ``mae_se``), each with the standard error of the difference; a
    statistic without them is left out (a champion registered before ``mae_se`` was recorded is
    judged on its squared error alone, though its gate holds ``mae`` as a metric — until a rejected
    retrain re-bases both on its window, :func:`ctloop.monitoring.policy.reference`). The z-test on a
    mean of heavy-tailed squared errors is valid asymptotically (a finite fourth moment of the
    error; :mod:`ctloop.monitoring.triggers`) but has little power at a few hundred labels; the
    absolute error, much lighter-tailed, keeps it (``benchmarks/bench_squared_error_z.py``)."""
    out = []
    for name, key in (("squared error", "mse"), ("absolute error", "mae")):
        value, se, ref, ref_se = current.get(key), current.get(f"{key}_se"), gate.get(key), gate.get(f"{key}_se")
        if None in (value, se, ref, ref_se) or value != value or se != se:
            continue
        out.append((name, float(value) - float(ref), math.hypot(float(se), float(ref_se)), float(value), float(ref)))
    return out


__all__ = ["class_comparison", "min_effect", "CHANCE_KEYS", "RULE_KEYS", "RUN_FIELDS", "DEFAULT_MIN_LABELS", "Verdict", "check_rules", "history_needs", "too_few_labels",
           "same_window",
           "consecutive_windows", "decide"]

"""The retraining policy: the rules of :mod:`ctloop.monitoring.rules` plus what happens around
them, as one function (:func:`judge`) that ``monitor_model`` and the backtest both call, with the
same state.

The state lives in the window records themselves (the history: MLflow runs in monitoring, a list
in the backtest), so nothing else has to be kept in step:

* **reference** (:func:`reference`): what the realized rules compare a window with — the
  champion's gate statistics; after a retrain that did not replace the champion (a triggered
  window whose next window is still judged for the same ``champion_version``) the champion's own
  realized statistics on the labels of that window. The challenger was not confidently better
  there, so that level is the champion's new normal and the same loss does not fire again and
  again. Record fields: ``realized``, ``realized_se``, ``brier``, ``brier_se``.
* **noise** (:func:`noise`): the realized metric of one champion varies from window to window
  by more than its sampling error on real data (seasons, weekdays). Half the mean squared change
  between consecutive windows of the same champion, less their sampling variance, is that extra
  variance (averaged over the last :data:`NOISE_WINDOWS` changes; a trend barely adds to it); the
  realized rules add it to the standard error of the difference (``realized_noise``,
  ``brier_noise``).
* **recovery** (:func:`judge`, record fields ``change`` and ``gap``; rule ``recovery``): a
  confident loss on labels (one of :data:`LOSS_RULES`) retrains; when that challenger was
  *confidently* better than the champion at the gate (``<metric>.ci_low`` > 0, :func:`paid`) the
  change is real and a recovery starts: the policy keeps retraining every ``gap`` windows without
  waiting for the next loss — ``min_gap`` while each retrain pays (the challenger replaced the
  champion and scored better, ``<metric>.delta`` > 0), twice the gap after one that did not,
  until the gap passes :data:`MAX_GAP`. A drift that goes on (a boundary that keeps moving,
  seasons) keeps paying; a concept that has been learnt stops paying. A challenger trained after
  a change also sets its own bar (its gate holdout), which the realized rules alone would not
  question.
* **noise** (:func:`noise`): the realized metric of one champion varies from window to window
  by more than its sampling error on real data (seasons, weekdays). Half the mean squared change
  between consecutive windows of the same champion, less their sampling variance, is that extra
  variance (averaged over the last :data:`NOISE_WINDOWS` changes; a trend barely adds to it); the
  realized rules add it to the standard error of the difference (``realized_noise``,
  ``brier_noise``).
* **recovery** (:func:`judge`, record fields ``change`` and ``gap``; rule ``recovery``): a
  confident loss on labels (one of :data:`LOSS_RULES`) retrains; when that challenger was
  *confidently* better than the champion at the gate (``<metric>.ci_low`` > 0, :func:`paid`) the
  change is real and a recovery starts: the policy keeps retraining every ``gap`` windows without
  waiting for the next loss — ``min_gap`` while each retrain pays (the challenger replaced the
  champion and scored better, ``<metric>.delta`` > 0), twice the gap after one that did not,
  until the gap passes :data:`MAX_GAP`. A drift that goes on (a boundary that keeps moving,
  seasons) keeps paying; a concept that has been learnt stops paying. A challenger trained after
  a change also sets its own bar (its gate holdout), which the realized rules alone would not
  question.
* **spacing** (:func:`spacing`): a retrain needs ``min_gap`` windows since the previous
  *started* retrain (a trigger that started nothing — :func:`not_started` — counts for nothing).
  The rules' ``cooldown`` is a duration; this is the same in windows, so the retrain budget scales
  with the number of windows judged, whatever their length.

In monitoring, a retrain's outcome is read at the next window: the champion then (its version,
its registered gate comparison ``ctloop.metric.<metric>.delta``/``.ci_low``). A continuous-training
run still running then reads as "not replaced": the ``cooldown`` should outlast a training run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ctloop.monitoring.rules import Verdict, decide

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

LOSS_RULES = ("realized_z", "cusum", "realized_drop", "realized_floor")  # a confident loss on labels
REALIZED_STATS = ("realized", "realized_se", "brier", "brier_se")  # the record fields a reference is re-based on
NOISE_WINDOWS = 8  # the noise estimate averages the last ~8 window-to-window changes (exponentially)
MAX_GAP = 8  # a recovery ends when retrains stopped paying so long that the gap passes this many windows
MIN_GAP = 2  # windows between two started retrains (1 = every window may retrain)


def _time(record: dict[str, Any]) -> pd.Timestamp:
    import pandas as pd

    return pd.Timestamp(record["window_end"])


def _earlier(history: list[dict[str, Any]], current: dict[str, Any]) -> list[dict[str, Any]]:
    """Records before ``current``, oldest first (re-runs and cooldown-only records included)."""
    now = _time(current)
    return sorted((h for h in history if h.get("window_end") and _time(h) < now), key=_time)


def rejected(history: list[dict[str, Any]], current: dict[str, Any]) -> dict[str, Any] | None:
    """The newest triggered window of the current champion before ``current`` (its retrain did not
    replace the champion), or None."""
    version = current.get("champion_version")
    if version is None:
        return None
    return next((h for h in reversed(_earlier(history, current))
                 if h.get("triggered") and str(h.get("champion_version")) == str(version)), None)


def paid(triggered: dict[str, Any], current: dict[str, Any], champion_gate: dict[str, float] | None,
         metric: str, *, confidently: bool = False) -> bool:
    """Whether the retrain ``triggered`` asked for paid: it replaced the champion (``current`` is
    judged for another version) with a challenger that scored better on the gate holdout (the
    gate's paired bootstrap, challenger minus champion with better positive: ``<metric>.delta``
    above 0, or ``confidently``: the lower bound ``<metric>.ci_low`` above 0)."""
    if str(triggered.get("champion_version")) == str(current.get("champion_version")):
        return False
    return pays((champion_gate or {}).get(paid_key(metric, "ci_low" if confidently else "delta")))


def pays(value: float | None) -> bool:
    """A gate comparison (:func:`paid_key`) above 0."""
    return value is not None and value == value and float(value) > 0


def paid_key(metric: str, stat: str = "delta") -> str:
    """The gate comparison :func:`paid` reads (registered as tag ``ctloop.metric.<metric>.<stat>``)."""
    return f"{metric}.{stat}"


def reference(champion_gate: dict[str, float] | None, history: list[dict[str, Any]], current: dict[str, Any],
              metric: str) -> dict[str, float]:
    """What the realized rules compare ``current`` with (see the module doc): ``champion_gate``,
    its ``metric``, ``<metric>_se``, ``brier`` and ``brier_se`` re-based on the realized
    statistics of the newest rejected retrain's window of this champion."""
    out = dict(champion_gate or {})
    last = rejected(history, current)
    if last is None:
        return out
    pairs = {metric: "realized", f"{metric}_se": "realized_se", "brier": "brier", "brier_se": "brier_se"}
    if metric != "roc_auc":  # only ROC AUC has a standard error of its own (triggers.auc_with_se)
        pairs.pop(f"{metric}_se")
    for key, field in pairs.items():
        value = last.get(field)
        if value is not None and value == value:
            out[key] = float(value)
    return out


def spacing(history: list[dict[str, Any]], current: dict[str, Any], min_gap: int) -> Verdict | None:
    """A quiet Verdict when the previous started retrain is fewer than ``min_gap`` windows back."""
    if min_gap <= 1:
        return None
    recent = [h for h in _earlier(history, current) if not h.get("cooldown_only")]
    ends = list(dict.fromkeys(h["window_end"] for h in recent))[-(min_gap - 1):]
    last = next((h for h in reversed(recent) if h.get("triggered") and h["window_end"] in ends), None)
    if last is None:
        return None
    return Verdict(False, "cooldown", f"a retrain started at {last['window_end']} ({min_gap} windows between "
                   "two retrains)")


def noise(previous: dict[str, Any] | None, current: dict[str, Any]) -> None:
    """Write the window-to-window variation of the realized metrics beyond their sampling error
    into ``current`` (see the module doc): ``realized_noise``/``brier_noise`` (standard deviations)
    from the carried ``realized_excess``/``brier_excess`` and ``noise_n``."""
    import math

    n = int((previous or {}).get("noise_n") or 0)
    updated = False
    for value, se, name in (("realized", "realized_se", "realized"), ("brier", "brier_se", "brier")):
        excess = float((previous or {}).get(f"{name}_excess") or 0.0)
        pair = [(r.get(value), r.get(se)) for r in (previous or {}, current)]
        same = previous is not None and str(previous.get("champion_version")) == str(current.get("champion_version"))
        if same and all(v is not None and v == v and e is not None and e == e for v, e in pair):
            (a, sa), (b, sb) = pair
            step = (float(a) - float(b)) ** 2 / 2 - (float(sa) ** 2 + float(sb) ** 2) / 2
            excess += (step - excess) / min(n + 1, NOISE_WINDOWS)
            updated = True
        current[f"{name}_excess"] = excess
        current[f"{name}_noise"] = math.sqrt(max(excess, 0.0))
    current["noise_n"] = n + int(updated)


def _windows_since(earlier: list[dict[str, Any]], when: str) -> int:
    """Distinct windows after the one ending ``when``, up to and including the current one."""
    return len({h["window_end"] for h in earlier if str(h["window_end"]) > str(when)}) + 1


def judge(history: list[dict[str, Any]], current: dict[str, Any], rules: dict[str, Any], *,
          champion_gate: dict[str, float] | None, metric: str, min_labels: int, window: Any = None,
          champion_metric: float | None = None, rows_since_training: int | None = None,
          recovery: bool = True, min_gap: int = MIN_GAP) -> Verdict:
    """The verdict on ``current`` (see the module doc): the rules on the re-based reference with
    the noise, then spacing and recovery. ``recovery`` turns the recovery after a loss on;
    ``min_gap`` spaces started retrains. Written into ``current``: ``cusum`` (the rules' state),
    the noise fields, ``change``/``gap`` (the recovery), ``rule`` and ``triggered``."""
    earlier = [h for h in _earlier(history, current) if not h.get("cooldown_only")]
    previous = earlier[-1] if earlier else None
    noise(previous, current)
    ref = reference(champion_gate, history, current, metric)
    verdict = decide(history, current, rules, champion_metric=ref.get(metric, champion_metric),
                     rows_since_training=rows_since_training, metric=metric, min_labels=min_labels,
                     window=window, champion_gate=ref)  # judged in every window: CUSUM and noise go on
    spaced = spacing(history, current, min_gap)
    if spaced is not None and verdict.rule != "cooldown":
        verdict = Verdict(False, "cooldown", f"{spaced.reason}; {'would retrain: ' if verdict.fire else ''}"
                          f"{verdict.reason}")
    change = previous.get("change") if previous is not None and recovery else None
    gap = int(previous.get("gap") or min_gap) if change else min_gap
    outcome = ""
    if previous is not None and previous.get("triggered"):  # the previous window's retrain: its outcome is in
        if previous.get("rule") in LOSS_RULES and not change and recovery:
            if paid(previous, current, champion_gate, metric, confidently=True):
                change, gap, outcome = previous["window_end"], min_gap, "the retrain after the loss was confidently better"
        elif change:
            gap = min_gap if paid(previous, current, champion_gate, metric) else gap * 2
            outcome = "the last retrain paid" if gap == min_gap else f"the last retrain did not pay (gap {gap} windows)"
            if gap > MAX_GAP:
                change, outcome = None, f"recovery ends: retrains stopped paying ({outcome})"
    if change and not verdict.fire and verdict.rule != "cooldown":
        last = next((h for h in reversed(earlier) if h.get("triggered")), None)
        since = _windows_since(earlier, last["window_end"]) if last is not None else gap
        if since >= gap:
            verdict = Verdict(True, "recovery", f"recovery after the change in the window ending {change}: "
                              f"{outcome or 'retrain every ' + str(gap) + ' window(s)'} ({verdict.reason})")
    elif outcome and not change:
        verdict = Verdict(verdict.fire, verdict.rule, f"{verdict.reason}; {outcome}")
    current["change"], current["gap"] = change, (gap if change else None)
    current["rule"] = verdict.rule
    current["triggered"] = verdict.fire
    return verdict


def not_started(current: dict[str, Any]) -> None:
    """The retrain ``current`` asked for did not start (nothing to train on, a failed trigger): it
    counts for neither spacing, cooldown nor re-basing."""
    current["triggered"] = False


__all__ = ["LOSS_RULES", "REALIZED_STATS", "MIN_GAP", "MAX_GAP", "NOISE_WINDOWS", "noise", "rejected", "paid", "paid_key", "pays", "reference", "spacing", "judge", "not_started"]

"""The retraining policy: the rules of :mod:`ctloop.monitoring.rules` plus what happens around
them, as one function (:func:`judge`) that ``monitor_model`` and the backtest both call, with the
same state.

The state lives in the window records themselves (the history: MLflow runs in monitoring, a list
in the backtest), so nothing else has to be kept in step:

* **reference** (:func:`reference`): what the realized rules compare a window with — the
  champion's gate statistics; after a retrain that did not replace the champion (a triggered
  window whose next window is still judged for the same ``champion_version``; not one that compared
  no challenger with the champion: :func:`not_judged`) the champion's own
  realized statistics on the labels of that window (when it had ``min_labels`` of them). The
  challenger was not confidently better there, so that level is the champion's new normal and the same loss does not fire again and
  again. Record fields: ``realized``, ``realized_se``, ``brier``, ``brier_se`` (a regressor's
  ``mse``, ``mse_se``, ``mae``, ``mae_se``).
* **recovery** (:func:`judge`, record fields ``change`` and ``gap``; rule ``recovery``): a
  confident loss on labels (one of :data:`LOSS_RULES`) retrains and marks a change at its window
  end. Its retrain names that window as a candidate start (record ``try_since``; a ``below_chance``
  loss names its own window even within a recovery: after a reversed concept the data since the
  first change is the wrong start): the backtest
  trains on the whole training window and on the data since, scores both on the newest rows
  since, and keeps the data since only when it is confidently better (one loss may be noise;
  an abrupt switch is not) — and so does the continuous-training pipeline's ``train_model``
  (``training.candidate_since``, from the window's ``try_from`` tag): one function,
  :func:`ctloop.retrain.choose_start`. The policy then keeps retraining without waiting for the next
  loss, on the data since the change (record ``train_since``; growing back to the whole training
  window; a further loss meanwhile trains on it too), every ``gap`` windows: ``min_gap`` while
  each retrain pays (:func:`paid`: the challenger replaced the champion and scored better than it
  on the gate holdout, ``<metric>.delta`` > 0 — the gate's primary metric's when it gated on
  another), twice the gap after one that did not, until the
  gap passes :data:`MAX_GAP` (two retrains in a row that did not pay). The loss's own retrain
  must confirm the change (:func:`_unconfirmed`): when it was not confidently better than the
  champion (``<metric>.ci_low`` not above 0 — again the gate's own metric's when it gated on
  another than the rules judge; or rejected), the loss was not strong (record
  ``loss_z`` below :func:`_strong_z`, 3.09 standard errors) and the next window is not confidently
  behind the level before it, the recovery ends at once — a false alarm (a lucky gate, one noisy
  window) costs one retrain, not a run of retrains that each "pay" by a coin flip (review9: a
  regressor on a stable stream, 15 retrains in 66 windows). A loss the rules find in that next
  window carries the change on, also when the budget defers its retrain; a window in the rules'
  cooldown whose champion is not replaced yet (the retrain still running) is no outcome: the
  recovery goes on and reads the outcome in the first window that has it (:func:`_awaited`). A
  recovery's retrain in a window with no new labelled rows since the last retrain started (a
  weekday-only stream's weekend: :func:`_nothing_new`) would train on that retrain's rows again:
  it waits for the next window that has new ones, its schedule kept — not while the champion is
  still behind, and a recovery parked past :data:`MAX_GAP` windows (a label outage) ends. A
  challenger trained
  across a change sets its own low bar (its gate holdout), which the realized rules alone would
  not question: so the loss's reference is kept (records ``change_level``/``change_level_se``; a
  regressor's absolute error beside its squared error, ``change_level_mae``/``_se``)
  and while the champion's realized ROC AUC is confidently below it (``realized_z`` standard
  errors; :func:`_behind`) and no retrain of this champion was rejected, the recovery retrains
  in the next window instead of ``gap`` windows later. A drift that goes on (a boundary that
  keeps moving, seasons) keeps paying, a concept that has been learnt stops paying.
* **budget** (:func:`budget`, record field ``budget``): a token bucket, ``1 / min_gap`` retrain
  per window up to :data:`BURST` — on average at most one retrain every ``min_gap`` windows
  judged, whatever their length, with a short burst after a quiet spell (a gradual change may
  need four or five retrains in a row). The recovery's *scheduled* retrains (every ``gap``
  windows because the last one paid, by any margin; the champion no longer confidently behind)
  are speculative: one starts only when it leaves :data:`RESERVE` tokens for a loss. At
  ``min_gap`` 2 a schedule of one retrain per two windows spends the budget as fast as it fills,
  and a change that came after a learnt one found it empty. Losses and a recovery that is still
  behind are evidence and spend down to the last token. It starts with one token in the first
  window and nothing saved: in the first N windows judged, at most ⌈N / min_gap⌉ retrains (a burst is earned by quiet
  windows, never granted up front — a short history stays within half of always-retrain's
  retrains). A retrain that did not start (:func:`not_started`; in monitoring
  a trigger marked ``failed``) spends nothing. The rules' ``cooldown`` (a duration) still applies.

In monitoring, a retrain's outcome is read at the next window: the champion then (its version,
its registered gate comparison ``ctloop.metric.<primary metric>.delta``) — or, while that window is in
the rules' ``cooldown`` with the champion not replaced, at the first window that has it (the
champion replaced, or the cooldown over: a continuous-training run still running then reads as
"not replaced"): the ``cooldown`` should outlast a training run.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ctloop.metrics import worse_by
from ctloop.monitoring.rules import Verdict, decide, same_window

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

LOSS_RULES = ("realized_z", "cusum", "realized_drop", "realized_floor", "below_chance")  # a confident loss on labels
MAX_GAP = 4  # a recovery ends when retrains stopped paying so long that the gap passes this many windows
BURST = 4.0  # retrains the budget lets start back to back after a quiet spell
RESERVE = 2.0  # tokens a recovery's scheduled retrain leaves in the budget for a loss
MIN_GAP = 2  # the budget: one retrain per this many windows on average; the recovery's shortest gap


def _time(record: dict[str, Any]) -> pd.Timestamp:
    import pandas as pd

    return pd.Timestamp(record["window_end"])


def _earlier(history: list[dict[str, Any]], current: dict[str, Any]) -> list[dict[str, Any]]:
    """Records before ``current``, oldest first (re-runs and cooldown-only records included)."""
    now = _time(current)
    return sorted((h for h in history if h.get("window_end") and _time(h) < now), key=_time)


def rejected(history: list[dict[str, Any]], current: dict[str, Any]) -> dict[str, Any] | None:
    """The newest triggered window of the current champion before ``current`` (its retrain did not
    replace the champion), or None. A retrain the gate could not judge (record ``judged`` False:
    :func:`not_judged`) is no rejection: nothing showed the champion's level there is the best the
    data allows."""
    version = current.get("champion_version")
    if version is None:
        return None
    return next((h for h in reversed(_earlier(history, current))
                 if h.get("triggered") and h.get("judged") is not False
                 and str(h.get("champion_version")) == str(version)), None)


def paid(triggered: dict[str, Any], current: dict[str, Any], champion_gate: dict[str, float] | None,
         metric: str, confident: bool = False) -> bool:
    """Whether the retrain ``triggered`` asked for paid: it replaced the champion (``current`` is
    judged for another version) with a challenger that scored better on the gate holdout (the
    gate's paired bootstrap, challenger minus champion with better positive: ``<metric>.delta``
    above 0; ``confident``: its lower bound ``<metric>.ci_low`` above 0). The gate records that
    comparison under its own primary metric only (evaluate's ``metric_values``): when it gated on
    another metric than the rules judge (gate on ``mae``, rules on ``rmse``), the single
    ``<primary>.delta``/``.ci_low`` it recorded is read. The metric is chosen once, by the
    ``.delta`` recorded (the judged metric's, else the single one), and both statistics are its."""
    if str(triggered.get("champion_version")) == str(current.get("champion_version")):
        return False
    gate = champion_gate or {}
    deltas = [k[: -len(".delta")] for k in gate if k.endswith(".delta")]
    compared = metric if paid_key(metric) in gate or len(deltas) != 1 else deltas[0]
    return pays(gate.get(paid_key(compared, "ci_low" if confident else "delta")))


def pays(value: float | None) -> bool:
    """A gate comparison (:func:`paid_key`) above 0."""
    return value is not None and value == value and float(value) > 0


def paid_key(metric: str, stat: str = "delta") -> str:
    """The gate comparison :func:`paid` reads (registered as tag ``ctloop.metric.<metric>.<stat>``)."""
    return f"{metric}.{stat}"


def reference(champion_gate: dict[str, float] | None, history: list[dict[str, Any]], current: dict[str, Any],
              metric: str, min_labels: int = 1) -> dict[str, float]:
    """What the realized rules compare ``current`` with (see the module doc): ``champion_gate``,
    its ``metric``, ``<metric>_se``, ``brier`` and ``brier_se`` (``mse``, ``mse_se``, ``mae``, ``mae_se``) re-based on the realized
    statistics of the newest rejected retrain's window of this champion — when that window had the
    ``min_labels`` labelled rows the rules judge on (a retrain asked for by drift, volume or the
    recovery may come with a few labels: their statistics are no level to judge later windows by)."""
    return _rebase(champion_gate, _rebased(rebased_on(history, current, min_labels), metric), metric)


def _rebase(champion_gate: dict[str, float] | None, rebased: dict[str, float], metric: str) -> dict[str, float]:
    """``champion_gate`` with the statistics of a re-based window: when the window gives the
    metric, its per-class statistics replace the gate's whole (a window without them, or with
    other classes, must not be compared class by class against the gate's levels)."""
    gate = dict(champion_gate or {})
    if metric in rebased:
        gate = {k: v for k, v in gate.items() if not per_class(k)}
    return {**gate, **rebased}


def per_class(key: str) -> bool:
    """A multiclass reference's per-class statistic (``roc_auc_c<k>``, ``_var``, ``_null``, and the share of
    rows whose label the model never saw, ``roc_auc_unseen_share``: :func:`ctloop.monitoring.triggers.class_aucs`)."""
    return key == "roc_auc_unseen_share" or (key.startswith("roc_auc_c") and key[9:].split("_")[0].isdigit())


def _rebased(window: dict[str, Any] | None, metric: str) -> dict[str, float]:
    """The statistics :func:`reference` takes from ``window`` (:func:`rebased_on`), those it has: a
    window without a ROC AUC (all its labels one class) keeps the gate's; None: none."""
    if window is None:
        return {}
    pairs = {**_pairs(metric), **({k: k for k in window if per_class(k)} if metric == "roc_auc" else {})}
    return {key: float(window[field]) for key, field in pairs.items()
            if window.get(field) is not None and window[field] == window[field]}


def _pairs(metric: str) -> dict[str, str]:
    """The reference's statistics :func:`reference` re-bases, each with the record field it takes."""
    pairs = {metric: "realized", f"{metric}_se": "realized_se", "brier": "brier", "brier_se": "brier_se"}
    if metric != "roc_auc":  # only ROC AUC has a standard error of its own (triggers.auc_with_se)
        pairs.pop(f"{metric}_se")
    for key in ("mse", "mse_se", "mae", "mae_se"):  # a regressor's squared and absolute error
        pairs.setdefault(key, key)  # (triggers.realized_regression); primary metric mae: its realized, the same
    return pairs


def rebased_on(history: list[dict[str, Any]], current: dict[str, Any], min_labels: int = 1) -> dict[str, Any] | None:
    """The window :func:`reference` re-bases ``current``'s reference on (the newest rejected retrain's
    window of this champion, with ``min_labels`` labelled rows), or None: the champion's gate."""
    last = rejected(history, current)
    if last is None or int(last.get("realized_rows") or 0) < max(int(min_labels), 1):
        return None
    return last


def budget(previous: dict[str, Any] | None, current: dict[str, Any], min_gap: int) -> float:
    """Retrains ``current`` may start (record ``budget``, carried): a token bucket that fills by
    ``1 / min_gap`` per window up to :data:`BURST`, one token per started retrain; the first window
    (no carried budget) has exactly one token."""
    carried = (previous or {}).get("budget")
    fill = 1.0 / max(min_gap, 1)
    tokens = 1.0 - fill if carried is None or carried != carried else float(carried)
    current["budget"] = min(BURST, tokens + fill)
    return current["budget"]


def _windows_since(earlier: list[dict[str, Any]], when: str) -> int:
    """Distinct windows after the one ending ``when``, up to and including the current one."""
    return len({h["window_end"] for h in earlier if str(h["window_end"]) > str(when)}) + 1


def _level_keys(metric: str) -> list[tuple[str, str, str, str, str]]:
    """What the recovery's level compares, per statistic: (record value, record se, gate value, gate
    se, the record field holding the level). ROC AUC has its own standard error; the other metrics
    do not, so the statistics the realized rules fire on stand in: a classifier's Brier score per
    row, a regressor's squared and absolute errors (lower is better; the absolute error keeps its
    power where heavy-tailed errors leave the squared error almost none)."""
    from ctloop.metrics import REGRESSION

    if metric in REGRESSION:
        return [("mse", "mse_se", "mse", "mse_se", _LEVELS[0]), ("mae", "mae_se", "mae", "mae_se", _LEVELS[1])]
    if metric != "roc_auc":
        return [("brier", "brier_se", "brier", "brier_se", _LEVELS[0])]
    return [("realized", "realized_se", metric, f"{metric}_se", _LEVELS[0])]


_LEVELS = ("change_level", "change_level_mae")  # the record fields of the levels (each with its ``_se``)
LEVEL_FIELDS = tuple(f for name in _LEVELS for f in (name, f"{name}_se"))  # carried by the monitoring store


def _levels_at(record: dict[str, Any], metric: str) -> dict[str, tuple[Any, Any]]:
    """The levels before the change a recovery's record carries (:func:`_level_keys`)."""
    return {field: (record.get(field), record.get(f"{field}_se")) for *_, field in _level_keys(metric)}


_LOSS_NAMES = {"realized": "roc_auc", "brier": "Brier score", "mse": "squared error",  # record key -> rules' name
               "mae": "absolute error"}


def _behind(current: dict[str, Any], levels: dict[str, tuple[Any, Any]], z: Any, min_labels: int,
            metric: str, share: Any = None, gate: dict[str, float] | None = None) -> str | None:
    """The first statistic of ``current`` worse than its level before the change (``levels``: value
    and standard error per :func:`_level_keys` field) by more than ``z`` standard errors of the
    difference and by at least its minimum effect (``realized_min_effect`` ``share`` on the scale of the
    champion's ``gate``, :func:`ctloop.monitoring.rules.min_effect`: a near-perfect champion 0.0015 of
    ROC AUC behind its level with a standard error of 0.0004 is not behind, review M1) — the recovery
    is not done yet — as its record key (``mse``, ``mae``, ``brier``, ``realized``); None when none is
    (a statistic without a level, e.g. a record from before the level was carried, is skipped)."""
    from ctloop.monitoring.rules import min_effect

    if z is None or int(current.get("realized_rows") or 0) < max(min_labels, 1):
        return None
    for value_key, se_key, _, _, field in _level_keys(metric):
        value, se, (ref, ref_se) = current.get(value_key), current.get(se_key), levels.get(field, (None, None))
        if None in (value, se, ref, ref_se) or value != value or se != se or ref != ref or ref_se != ref_se:
            continue
        worse = float(value) - float(ref) if value_key != "realized" else worse_by(metric, float(value), float(ref))
        name = _LOSS_NAMES[value_key] if value_key != "realized" or metric == "roc_auc" else ""
        if worse > float(z) * math.hypot(float(se), float(ref_se)) and worse >= min_effect(name, gate or {},
                                                                                            share)[0]:
            return value_key
    return None


def _in_cooldown(rules: dict[str, Any], triggered: dict[str, Any], record: dict[str, Any]) -> bool:
    """Whether ``record`` is within the rules' ``cooldown`` of the trigger ``triggered`` (rules.decide)."""
    from ctloop.timeutil import parse_duration

    return bool(rules.get("cooldown")) and _time(record) - _time(triggered) < parse_duration(rules["cooldown"])


def _awaited(records: list[dict[str, Any]], rules: dict[str, Any]) -> dict[str, Any] | None:
    """The retrain whose outcome the next window reads: the newest triggered window when every window
    judged since it (``records``, oldest first; in monitoring the trigger may be only the history's
    ``cooldown_only`` record) was in the rules' cooldown with its champion not replaced yet (the
    retrain still running: no outcome) — none such: the previous window's; else None."""
    last = next((h for h in reversed(records) if h.get("triggered")), None)
    if last is None:
        return None
    since = [h for h in records if _time(h) > _time(last) and not h.get("cooldown_only")]
    if all(h.get("rule") == "cooldown" and _in_cooldown(rules, last, h)
           and str(h.get("champion_version")) == str(last.get("champion_version")) for h in since):
        return last
    return None


def _started_here(history: list[dict[str, Any]], current: dict[str, Any], window: Any) -> dict[str, Any] | None:
    """A record of ``current``'s own window (:func:`ctloop.monitoring.rules.same_window`) whose
    retrain started, or None."""
    return next((h for h in history if h.get("triggered") and h.get("window_end")
                 and same_window(_time(h), _time(current), window)), None)


def _strong_z(z: Any) -> float:
    """A loss confident at a tenth of ``realized_z``'s one-sided level (3.09 for 2.326)."""
    from statistics import NormalDist

    p = 1.0 - NormalDist().cdf(float(z if z is not None else 2.326))
    return NormalDist().inv_cdf(1.0 - p / 10.0)


def _unconfirmed(loss: dict[str, Any], current: dict[str, Any], rules: dict[str, Any],
                 champion_gate: dict[str, float] | None, metric: str, min_labels: int) -> bool:
    """Whether nothing confirms the change the window ``loss`` marked, once its retrain's outcome is
    in (``current``): the retrain was not confidently better than the champion it replaced (or was
    rejected), the loss was not strong (record ``loss_z`` below :func:`_strong_z`) and ``current``
    is not confidently behind the level before it (:func:`_behind`). A false alarm — a gate that
    was lucky, one noisy window — then ends its recovery at once, instead of retraining while
    retrains "pay" by chance."""
    if paid(loss, current, champion_gate, metric, confident=True):
        return False
    if float(loss.get("loss_z") or 0.0) >= _strong_z(rules.get("realized_z")):
        return False
    return _behind(current, _levels_at(loss, metric), rules.get("realized_z"), min_labels, metric,
                   rules.get("realized_min_effect"), champion_gate) is None


def _nothing_new(earlier: list[dict[str, Any]], current: dict[str, Any], last: dict[str, Any]) -> str:
    """Why a retrain in ``current`` would train on the rows the retrain ``last`` asked for trained on,
    or ``""`` when it would not (or that is not known): no labelled row arrived in any window after
    ``last``'s, this one included (record ``new_labels``, the labels that arrived in the window:
    the backtest counts them), or — records without that count (``monitor_model`` counts the rows
    it logged, not when their labels arrived) — no row was served since (``rows``, the rows each
    window after ``last`` logged, this one included: ``rows_since_training`` misses the rows of a
    window served before its champion's promotion; and, the same champion, ``rows_since_training``
    unchanged). A window of a
    weekday-only stream's weekend, an hour of the night: a recovery's retrain there spent the
    budget on the training window of the retrain before."""
    since = [h for h in earlier if _time(h) > _time(last)] + [current]
    ended = f"the retrain in the window ending {last['window_end']}"
    if all(h.get("new_labels") is not None for h in since):
        return "" if any(int(h["new_labels"]) for h in since) else (
            f"no new labelled rows since {ended} (it would train on the same rows); it starts in the next window "
            "with new labelled rows")
    # the rows each window logged: a champion promoted after the rows of its window were served counts
    # none of them in its rows_since_training (review48 G2), the windows' own counts do
    if any(h.get("rows") is None for h in since) or any(int(h["rows"]) for h in since):
        return ""
    now, then = current.get("rows_since_training"), last.get("rows_since_training")
    same = str(last.get("champion_version")) == str(current.get("champion_version"))
    if same and now is not None and then is not None and int(now) != int(then):
        return ""  # rows served the windows did not count (no run covered them)
    if not same and now is not None and int(now) > 0:
        return ""  # rows served to the new champion that no window counted (a missed run)
    return (f"no rows served since {ended}: no new rows to train on; it starts in the next "
            "window with served rows")


_LEVEL_NAMES = {"mse": "squared error", "mae": "absolute error", "brier": "Brier score"}


def judge(history: list[dict[str, Any]], current: dict[str, Any], rules: dict[str, Any], *,
          champion_gate: dict[str, float] | None, metric: str, min_labels: int, window: Any = None,
          champion_metric: float | None = None, rows_since_training: int | None = None,
          recovery: bool = True, min_gap: int = MIN_GAP) -> Verdict:
    """The verdict on ``current`` (see the module doc): the rules on the re-based reference, then
    the budget and the recovery. ``recovery`` turns the recovery after a loss on; ``min_gap``
    sets the budget and the recovery's shortest gap. Written into ``current``: ``cusum`` (the
    rules' state), ``budget``, ``change``/``gap`` (the recovery), ``train_since`` (when the
    retrain trains only on the data of the window ending then and later), ``rule`` and
    ``triggered``."""
    earlier = [h for h in _earlier(history, current) if not h.get("cooldown_only")]
    previous = earlier[-1] if earlier else None
    base = rebased_on(history, current, min_labels)
    rebased = _rebased(base, metric)
    ref = _rebase(champion_gate, rebased, metric)  # reference(): the gate, re-based on the window ``base``
    verdict = decide(history, current, rules, champion_metric=ref.get(metric, champion_metric),
                     rows_since_training=rows_since_training, metric=metric, min_labels=min_labels,
                     window=window, champion_gate=ref,  # judged in every window: the CUSUM goes on
                     rebased=str(base["window_end"]) if base is not None else "",
                     rebased_keys=frozenset(rebased))
    tokens = budget(previous, current, min_gap)
    found = verdict.fire and verdict.rule in LOSS_RULES  # the rules' loss, before the budget defers its retrain
    cooling = verdict.rule == "cooldown"  # the rules' cooldown: the labels were not judged
    if verdict.fire and tokens < 1 - 1e-9:
        verdict = Verdict(False, "cooldown", f"retrain budget spent ({tokens:.1f}: one retrain per {min_gap} windows, "
                          f"bursts of {BURST:g}); would retrain: {verdict.reason}")
    change = previous.get("change") if previous is not None and recovery else None
    if change and previous["window_end"] == change and not previous.get("triggered"):
        change = None  # the retrain of the loss did not start: nothing to follow up
    gap = int(previous.get("gap") or min_gap) if change else min_gap
    outcome = ""
    first = False  # the outcome in is the loss's own retrain's: the first evidence of a change
    awaited = _awaited(_earlier(history, current), rules) if change else None  # whose outcome this window reads
    # a retrain still running in the rules' cooldown (the champion not replaced yet) has no outcome yet: it
    # is read in the first window that has it (review11: was read as "did not pay" here, then never again)
    pending = (awaited is not None and cooling
               and str(awaited.get("champion_version")) == str(current.get("champion_version")))
    if change and awaited is not None and not pending and awaited.get("judged") is False:
        # a retrain that compared no challenger with the champion (not_judged): it did not pay either —
        # the gap doubles, so a pipeline that keeps failing (or a holdout that never holds two classes)
        # ends the recovery at MAX_GAP — but it is no evidence against the change (no _unconfirmed)
        gap *= 2
        outcome = (f"the last retrain compared no challenger with the champion (its run failed, or the gate could "
                   f"not compare; gap {gap} windows)")
        if gap > MAX_GAP:
            change, outcome = None, f"recovery ends: {outcome}"
    elif change and awaited is not None and not pending:  # the retrain's outcome is in
        gap = min_gap if paid(awaited, current, champion_gate, metric) else gap * 2
        outcome = "the last retrain paid" if gap == min_gap else f"the last retrain did not pay (gap {gap} windows)"
        first = awaited["window_end"] == change
        if gap > MAX_GAP:
            change, outcome = None, f"recovery ends: {outcome}"
    loss = verdict.fire and verdict.rule in LOSS_RULES
    if change and first and not found and _unconfirmed(awaited, current, rules, champion_gate, metric, min_labels):
        change, outcome = None, ("recovery ends: the loss's retrain was not confidently better than the champion, "
                                 "the loss was not strong and the champion is not confidently behind the level "
                                 "before it")
    scheduled = False  # a recovery retrain asked for by its schedule alone (not behind, no loss)
    confirmed = loss and bool(change)  # a loss while recovering: the change goes on, train on the data since
    levels = _levels_at(previous, metric) if change else {}
    if loss and recovery:
        if not change:  # the levels the stream supported before the change: what a recovery has to get back to
            levels = {field: (ref.get(gate_key), ref.get(gate_se_key))
                      for _, _, gate_key, gate_se_key, field in _level_keys(metric)}
        change, gap = change or current["window_end"], min_gap
    elif change and not verdict.fire and verdict.rule != "cooldown":
        last = next((h for h in reversed(_earlier(history, current)) if h.get("triggered")), None)
        # still confidently below the level before the change, and no retrain rejected for this champion
        behind = (_behind(current, levels, rules.get("realized_z"), min_labels, metric,
                          rules.get("realized_min_effect"), champion_gate)
                  if rejected(history, current) is None else None)
        if last is None or _windows_since(earlier, last["window_end"]) >= (1 if behind else gap):
            if behind:
                key = behind
                field = next(f for k, *_, f in _level_keys(metric) if k == key)
                what, value = _LEVEL_NAMES.get(key, metric), current[key]
                outcome = (f"{outcome}; " if outcome else "") + (
                    f"realized {what} {value:.4g} still confidently worse than "
                    f"{levels[field][0]:.4g} before the change: retrain now")
            scheduled = not behind
            rules_verdict = verdict
            verdict = Verdict(True, "recovery", f"recovery after the change in the window ending {change}: "
                              f"{outcome or 'retrain every ' + str(gap) + ' window(s)'}; retrain on the data since "
                              f"({verdict.reason})")
            # it would train on the rows of the last retrain again: the schedule waits, kept — not while the
            # champion is behind (the labels of the lookback say so now), and not past the longest gap
            stale = _nothing_new(earlier, current, last) if last is not None and not behind else None
            waited = _windows_since(earlier, last["window_end"]) if stale else 0
            if stale and waited > MAX_GAP:  # a label outage: the change is old, a later loss starts afresh
                change, scheduled, verdict = None, False, rules_verdict
                outcome = (f"recovery ends: {waited} windows since the retrain in the window ending "
                           f"{last['window_end']} without new rows to train on, past the longest gap ({MAX_GAP} "
                           "windows): a later loss starts a new change")
            elif stale:
                verdict = Verdict(False, "cooldown", f"recovery retrain deferred: {stale}; would retrain: "
                                  f"{verdict.reason}")
    if outcome and verdict.rule != "recovery":
        verdict = Verdict(verdict.fire, verdict.rule, f"{verdict.reason}; {outcome}")
    current["change"], current["gap"] = change, (gap if change else None)
    for field in _LEVELS:  # the levels before the change, carried while the recovery lasts
        current[field], current[f"{field}_se"] = levels.get(field, (None, None)) if change else (None, None)
    current["train_since"] = change if verdict.fire and (verdict.rule == "recovery" or confirmed) else None
    current["try_since"] = None
    if verdict.fire and loss and recovery:  # a new change; below chance also within one (a reversed concept)
        current["try_since"] = current["window_end"] if verdict.rule == "below_chance" else None if confirmed else change
    if verdict.fire and scheduled and tokens < 1 + RESERVE - 1e-9:
        verdict = Verdict(False, "cooldown", f"the recovery's scheduled retrain waits: it leaves {RESERVE:g} of the "
                          f"budget ({tokens:.1f}) for a loss; would retrain: {verdict.reason}")
        current["train_since"] = current["try_since"] = None
    if verdict.fire and tokens < 1 - 1e-9:  # a recovery retrain waits for the budget too
        verdict = Verdict(False, "cooldown", f"retrain budget spent ({tokens:.1f}); would retrain: {verdict.reason}")
        current["train_since"] = current["try_since"] = None
    started = _started_here(history, current, window) if verdict.fire else None
    if started is not None:  # a re-run of a window whose retrain started (without a cooldown nothing else stops it)
        verdict = Verdict(False, "cooldown", f"the run of this window ending {started['window_end']} already started "
                          f"a retrain: a re-run asks for none; would retrain: {verdict.reason}")
        current["train_since"] = current["try_since"] = None
    current["rule"] = verdict.rule
    current["triggered"] = verdict.fire
    if verdict.fire:
        current["budget"] = tokens - 1
    return verdict


def not_judged(triggered: dict[str, Any]) -> None:
    """The retrain ``triggered`` asked for started but never compared a challenger with the champion
    (its run failed or was cancelled, or the gate holdout could not make the comparison: an
    undefined interval, e.g. ROC AUC on one class): it spent its budget and counts for the
    cooldown, but it is no rejection — the reference is not re-based on its window
    (:func:`rejected`), a recovery still retrains at once while the champion is behind, and a
    recovery reads it as a retrain that did not pay (its gap doubles: retrains that keep failing
    end it) but not as evidence against the change (the loss's own retrain is not read as
    unconfirmed). In
    monitoring, read from the audit trail of the run (:meth:`ctloop.monitoring.store.MonitoringStore.mark_unjudged`)."""
    triggered["judged"] = False


def not_started(current: dict[str, Any]) -> None:
    """The retrain ``current`` asked for did not start (nothing to train on, a failed trigger): it
    spends no budget and counts for neither the cooldown, the re-basing nor the recovery."""
    if current.get("triggered") and current.get("budget") is not None:
        current["budget"] += 1  # refunded
    current["triggered"] = False


__all__ = ["LOSS_RULES", "per_class", "MIN_GAP", "MAX_GAP", "BURST", "RESERVE", "budget", "rejected", "rebased_on", "paid", "paid_key",
           "pays", "reference",
           "judge", "not_judged", "not_started"]

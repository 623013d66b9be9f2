"""PROTOTYPE — phase 1 of issue 14. Not product code; nothing in src/ imports it.

A replay of the retraining loop with the trigger design proposed for ctloop's default policy,
built on the existing cores: ``components/train/core.fit``, ``components/evaluate/core.gate`` and
``fast_auc``, ``ctloop.drift.engine.detect`` and ``calibrate_thresholds``. Phase 2 moves the rules into the one trigger-rule engine shared by the
monitoring pipeline and ``ctloop backtest``; this file is the measuring stick for that work.

Replay, window by window (``window`` = the replay step)::

    score   the champion predicts the window (prequential; the benchmark's measurement)
    labels  rows whose label has arrived by the window's end (event time + label_delay)
    decide  the policy: never | always | drift (feature drift share, today's rule) | default
    retrain challenger on the labelled rows of the derived training window, time holdout,
            gate vs the champion, promote when approved

The ``default`` rule set (:class:`Rules`, one set for every stream, defaults below):

1. **realized loss** — the champion's realized metric on the labels that arrived in this window,
   against what it scored at its gate (its holdout). The loss must be *confident*: its one-sided
   lower bound ``loss - z * se`` must exceed ``min_effect``, where ``se`` combines the sampling
   error of both AUCs (Hanley & McNeil's variance from the positive/negative counts; macro
   one-vs-rest averages the per-class variances). Needs ``min_labels`` labels.
2. **slow loss** — a one-sided CUSUM of the standardised losses ``S = max(0, S + loss/se - k)``;
   fires at ``S >= h`` (catches a gradual decline no single window proves).
3. **no labels yet** — when the window has fewer than ``min_labels`` labels, unlabelled evidence
   may fire instead, only if it persists ``drift_windows`` windows: prediction drift (PSI of the
   champion's scores against its holdout scores, above both ``psi_threshold`` and the PSI that
   sampling alone gives at these sizes) together with feature drift judged with thresholds
   calibrated on the champion's training data (``calibrate_thresholds``).
4. **cooldown** — no trigger within ``cooldown_windows`` windows of the last retrain.
5. **false alarms are learnt from** — when a triggered challenger is rejected by the gate (the
   champion is not confidently worse on the newest data), the champion's reference metric is
   re-anchored to its score on that holdout and the CUSUM restarts: the same loss cannot fire
   again and again.
6. **recovery** — a loss-triggered challenger that is *confidently* better than the champion
   (the gate's bootstrap CI of the gain lies above 0) was trained on data from both sides of a
   change; the loop then retrains every window (up to one training window) for as long as each
   challenger is again confidently better, and stops at the first that is not.

Derived defaults (no fixed 90 days): the initial model is trained on the first training window
(those windows are history, not scored, under every policy); the training window is the smallest number of recent
replay windows holding ``train_rows`` rows (at least 1, at most ``max_train_windows``); a
challenger needs ``min_train_rows = max(100, 25 * classes)`` labelled rows with at least two
classes; a window is scored when it has ``min_score_rows`` rows and two classes.

Real data never crashes the replay: classes the champion never saw are scored as errors
(probability 0), metrics are macro one-vs-rest over the classes present in the window; a window
with no rows, one class or too few rows is skipped with its reason.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

POLICIES = ("never", "always", "drift", "default")


@dataclass
class Rules:
    """The default rule set (one for every stream). Durations are in replay windows."""

    label_delay_windows: float = 0.0  # labels arrive this many windows after the event
    min_labels: int = 100  # labelled rows needed to judge the realized metric of a window
    z: float = 2.326  # one-sided 99 % bound for a single window's loss
    min_effect: float = 0.0  # smallest confident loss (metric units) worth a retrain
    cusum_k: float = 0.5  # CUSUM slack, in standard errors
    cusum_h: float = 5.0  # CUSUM decision level, in standard errors
    psi_threshold: float = 0.2  # prediction drift (PSI of scores vs the holdout's)
    drift_share: float = 0.5  # share of columns drifted under calibrated thresholds
    drift_windows: int = 2  # unlabelled evidence must persist this many windows
    cooldown_windows: int = 1  # no retrain within this many windows of the last one
    recovery: bool = True  # after a loss-triggered promotion, retrain while challengers improve
    growth: float = 0.0  # (off) warm-up: retrain when the training window holds this many times the
    # champion's training rows (only while it was trained on less than a full training window)
    train_rows: int = 3000  # the training window holds at least this many rows ...
    max_train_windows: int = 6  # ... but spans at most this many replay windows
    min_score_rows: int = 30
    holdout_fraction: float = 0.2
    gate_threshold: float = 0.5  # absolute bar on the primary metric (chance level)
    tolerance: float = 0.01  # gate: reject only when confidently worse by more than this
    bootstrap_rounds: int = 100  # gate CI (the multiclass bootstrap is a Python loop: cost)
    calibration_rounds: int = 10


@dataclass
class Champion:
    model: Any
    classes: list
    train: pd.DataFrame  # features of its training rows (drift reference)
    holdout_scores: np.ndarray  # its scores on its holdout (prediction-drift reference)
    reference: float  # its metric at the gate (or re-anchored)
    reference_se: float
    version: int
    since: int  # first window it served
    train_rows: int = 0
    calibration: dict | None = None
    brier: float = 0.0  # mean Brier score on its holdout (or re-anchored)
    brier_se: float = 0.0
    cusum: float = 0.0  # CUSUM of standardised AUC losses
    cusum_brier: float = 0.0  # CUSUM of standardised Brier losses
    drift_streak: int = 0


@dataclass
class WindowRecord:
    index: int
    start: str
    end: str
    rows: int
    metric: float | None
    labelled: int = 0
    realized: float | None = None
    loss_bound: float | None = None
    cusum: float | None = None
    psi: float | None = None
    drift_share: float | None = None
    unseen_classes: list = field(default_factory=list)
    retrained: bool = False
    promoted: bool = False
    champion_version: int = 1
    rule: str = ""
    reason: str = ""


@dataclass
class Report:
    policy: str
    windows: list[WindowRecord]
    rules: Rules
    train_windows: int

    @property
    def retrains(self) -> int:
        return sum(w.retrained for w in self.windows if w.rule != "initial")

    @property
    def mean_metric(self) -> float | None:
        scored = [w for w in self.windows if w.metric is not None]
        total = sum(w.rows for w in scored)
        return sum(w.metric * w.rows for w in scored) / total if total else None

    def summary(self) -> dict:
        return {
            "mean_metric": self.mean_metric, "retrains": self.retrains,
            "promotions": sum(w.promoted for w in self.windows if w.rule != "initial"),
            "metric": "roc_auc", "train_windows": self.train_windows,
            "skipped": sum(1 for w in self.windows if w.metric is None
                           and w.rule not in ("initial", "history")),
            "rules": asdict(self.rules),
            "windows": [asdict(w) for w in self.windows],
        }


# --------------------------------------------------------------------------- metric
def union_auc(y: np.ndarray, proba: np.ndarray, classes: list) -> tuple[float, float, list]:
    """``(auc, se, unseen)``: macro one-vs-rest ROC AUC over the classes present in ``y`` (both
    sides present), a class the model never saw scored with probability 0 (an error), with
    Hanley & McNeil's standard error. Binary = the usual AUC (both one-vs-rest AUCs are equal)."""
    from ctloop.components.evaluate.core import fast_auc

    col = {c: i for i, c in enumerate(classes)}
    present = pd.unique(y)
    unseen = [c for c in present if c not in col]
    aucs, variances = [], []
    targets = present if len(classes) > 2 or unseen else [classes[1]]
    for c in targets:
        pos = y == c
        n_pos = int(pos.sum())
        n_neg = len(y) - n_pos
        if n_pos == 0 or n_neg == 0:
            continue
        s = proba[:, col[c]] if c in col else np.zeros(len(y))
        a = fast_auc(pos, s)
        q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
        var = (a * (1 - a) + (n_pos - 1) * (q1 - a * a) + (n_neg - 1) * (q2 - a * a)) / (n_pos * n_neg)
        aucs.append(a)
        variances.append(max(var, 1e-8))
    if not aucs:
        return float("nan"), float("nan"), unseen
    return float(np.mean(aucs)), float(math.sqrt(np.sum(variances)) / len(aucs)), unseen


def brier_rows(y: np.ndarray, proba: np.ndarray, classes: list) -> np.ndarray:
    """Per-row multiclass Brier score ``sum_k (p_k - [y = k])^2``; a class the model never saw
    counts as a probability-0 prediction (adds 1)."""
    col = {c: i for i, c in enumerate(classes)}
    onehot = np.zeros_like(proba)
    hit = np.array([col.get(v, -1) for v in y])
    seen = hit >= 0
    onehot[np.flatnonzero(seen), hit[seen]] = 1.0
    return ((proba - onehot) ** 2).sum(axis=1) + (~seen).astype(float)


def psi(reference: np.ndarray, current: np.ndarray, bins: int = 10) -> tuple[float, float]:
    """``(psi, null_bound)``: PSI of ``current`` against ``reference`` on the reference's
    deciles, and the 99th percentile PSI that sampling alone gives at these sizes
    (PSI * n_r n_c / (n_r + n_c) is ~ chi-square with bins-1 degrees of freedom)."""
    from scipy.stats import chi2

    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    r = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1)
    c = np.bincount(np.searchsorted(edges, current, side="right"), minlength=len(edges) + 1)
    rp = np.clip(r / max(r.sum(), 1), 1e-4, None)
    cp = np.clip(c / max(c.sum(), 1), 1e-4, None)
    value = float(np.sum((cp - rp) * np.log(cp / rp)))
    k = len(edges)
    bound = float(chi2.ppf(0.99, max(k, 1)) * (1 / max(r.sum(), 1) + 1 / max(c.sum(), 1)))
    return value, bound


def _scores(proba: np.ndarray, classes: list) -> np.ndarray:
    """One number per row for prediction drift: P(positive) for binary, else the predicted
    class index plus its probability (a class-major ordering PSI can bin)."""
    if len(classes) == 2:
        return proba[:, 1]
    return np.argmax(proba, axis=1) + np.max(proba, axis=1)


# --------------------------------------------------------------------------- replay
def _window_bounds(times: pd.Series, step: pd.Timedelta) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    t0 = times.min().floor("D" if step >= pd.Timedelta(days=1) else "min")
    edges = [t0]
    while edges[-1] <= times.max():
        edges.append(edges[-1] + step)
    return list(zip(edges[:-1], edges[1:], strict=True))


def replay(frame: pd.DataFrame, *, target: str, time_column: str, window: str, policy: str = "default",
           rules: Rules | None = None, seed: int = 0, estimator: str = "hist_gradient_boosting") -> Report:
    from ctloop.components.evaluate import core as eval_core
    from ctloop.components.train import core as train_core
    from ctloop.drift import engine as drift_core
    from ctloop.errors import TrainingError
    from ctloop.timeutil import parse_duration

    if policy not in POLICIES:
        raise ValueError(f"policy {policy!r} is not one of {POLICIES}")
    rules = rules or Rules()
    step = parse_duration(window)
    data = frame.dropna(subset=[target]).sort_values(time_column, kind="stable").reset_index(drop=True)
    times = pd.to_datetime(data[time_column])
    features = [c for c in data.columns if c not in (target, time_column)]
    bounds = _window_bounds(times, step)
    tv = times.to_numpy()
    label_time = tv + np.timedelta64(int(rules.label_delay_windows * step.total_seconds()), "s")
    edges = np.array([np.datetime64(lo) for lo, _ in bounds] + [np.datetime64(bounds[-1][1])])
    win_of_row = np.searchsorted(edges, tv, side="right") - 1
    counts = np.bincount(win_of_row, minlength=len(bounds))
    n_classes = data[target].nunique()
    min_train_rows = max(100, 25 * n_classes)
    rows_per_window = float(np.median(counts[counts > 0]))
    train_windows = int(min(max(math.ceil(rules.train_rows / max(rows_per_window, 1)), 1),
                            rules.max_train_windows))

    full_rows = int(0.9 * train_windows * rows_per_window)  # a full training window

    def rows_in(lo_i: int, hi_i: int) -> np.ndarray:
        return np.flatnonzero((win_of_row >= lo_i) & (win_of_row < hi_i))

    def labelled_history(end_i: int) -> pd.DataFrame:
        """Labelled rows of the training window ending with window ``end_i`` (inclusive), as of
        that window's end."""
        idx = rows_in(max(end_i + 1 - train_windows, 0), end_i + 1)
        idx = idx[label_time[idx] <= np.datetime64(bounds[end_i][1])]
        return data.iloc[idx]

    def train(hist: pd.DataFrame):
        """``(result, train, holdout)`` or ``(None, reason)``."""
        y = hist[target]
        if len(hist) < min_train_rows:
            return None, f"{len(hist)} labelled rows in the training window (< {min_train_rows})"
        if y.nunique() < 2:
            return None, f"a single class {y.iloc[0]!r} in the training window"
        cut = int(len(hist) * (1 - rules.holdout_fraction))
        tr, ho = hist.iloc[:cut], hist.iloc[cut:]
        if tr[target].nunique() < 2:
            return None, "a single class in the training part of the window"
        try:
            res = train_core.fit(tr.drop(columns=[time_column]), target=target, estimator=estimator, seed=seed)
        except TrainingError as exc:
            return None, f"training failed: {exc}"
        return (res, tr, ho), ""

    def predict(model, rows: pd.DataFrame) -> np.ndarray:
        return model.predict_proba(rows[features])

    def make_champion(res, tr, ho, version: int, since: int) -> Champion:
        classes = list(res.model.classes_)
        p = predict(res.model, ho)
        ref, se, _ = union_auc(ho[target].to_numpy(), p, classes)
        b = brier_rows(ho[target].to_numpy(), p, classes)
        return Champion(res.model, classes, tr[features], _scores(p, classes), ref, se, version, since,
                        train_rows=len(tr) + len(ho), brier=float(b.mean()),
                        brier_se=float(b.std() / math.sqrt(len(b))))

    def gate(res, ho: pd.DataFrame, champ: Champion) -> tuple[bool, str, float, float, float]:
        """``(approved, reason, champion metric on this holdout, its se, lower bound of the
        challenger's gain)``: the core gate for binary models with the same classes; else the same
        rule (absolute bar, paired bootstrap, tolerance) on the union-class metric: what phase 2
        must teach the core gate, and fast (the core's multiclass bootstrap loops over sklearn)."""
        y = ho[target].to_numpy()
        pc, pb = predict(res.model, ho), predict(champ.model, ho)
        classes = list(res.model.classes_)
        ch_m, _, _ = union_auc(y, pc, classes)
        cb_m, cb_se, _ = union_auc(y, pb, champ.classes)
        if len(classes) == 2 and classes == champ.classes and set(pd.unique(y)) == set(classes):
            d = eval_core.gate(res.model, ho.drop(columns=[time_column]), target=target,
                               task="classification", champion=champ.model,
                               thresholds={"roc_auc": rules.gate_threshold}, primary_metric="roc_auc",
                               tolerance=rules.tolerance, bootstrap_rounds=rules.bootstrap_rounds,
                               seed=seed)
            return d.approved, d.reason, cb_m, cb_se, float(d.comparison["ci_low"])
        rng = np.random.default_rng(seed)
        deltas = []
        for _ in range(rules.bootstrap_rounds):
            i = rng.integers(0, len(y), len(y))
            deltas.append(union_auc(y[i], pc[i], classes)[0] - union_auc(y[i], pb[i], champ.classes)[0])
        lo_, hi = (np.nanquantile(deltas, [0.025, 0.975]) if np.isfinite(deltas).any()
                   else (float("nan"), float("nan")))
        ok = bool(ch_m >= rules.gate_threshold) and not hi < -rules.tolerance
        return ok, (f"{'approved' if ok else 'not approved'} (union-class gate): roc_auc {ch_m:.4f} vs "
                    f"champion {cb_m:.4f}, delta CI {lo_:+.4f}..{hi:+.4f}"), cb_m, cb_se, float(lo_)

    records: list[WindowRecord] = []
    # initial champion: the first windows until enough labelled rows with two classes
    champ: Champion | None = None
    i = 0
    while champ is None and i < len(bounds):
        if i + 1 < min(train_windows, len(bounds) - 1):  # the first training window is history
            lo, hi = bounds[i]
            records.append(WindowRecord(i, str(lo), str(hi), int(counts[i]), None, rule="history",
                                        reason=f"history for the initial model ({train_windows} windows)",
                                        champion_version=0))
            i += 1
            continue
        idx = rows_in(0, i + 1)
        idx = idx[label_time[idx] <= np.datetime64(bounds[i][1])]
        out, why = train(data.iloc[idx])
        lo, hi = bounds[i]
        if out is None:
            records.append(WindowRecord(i, str(lo), str(hi), int(counts[i]), None, rule="skip",
                                        reason=f"no initial model yet: {why}", champion_version=0))
        else:
            res, tr, ho = out
            champ = make_champion(res, tr, ho, 1, i + 1)
            records.append(WindowRecord(i, str(lo), str(hi), int(counts[i]), None, retrained=True,
                                        promoted=True, rule="initial",
                                        reason=f"initial model on {len(tr)} rows"))
        i += 1
    last_retrain = first = i - 1
    recovery_until = -1  # retrain every window up to here while challengers keep improving
    for i in range(first + 1, len(bounds)):
        lo, hi = bounds[i]
        rec = WindowRecord(i, str(lo), str(hi), int(counts[i]), None, champion_version=champ.version)
        records.append(rec)
        idx = rows_in(i, i + 1)
        cur = data.iloc[idx]
        proba = None
        if len(cur) == 0:
            rec.rule, rec.reason = "skip", "no rows in this window"
        else:
            proba = predict(champ.model, cur)
            y = cur[target].to_numpy()
            m, _, unseen = union_auc(y, proba, champ.classes)
            rec.unseen_classes = [str(u) for u in unseen]
            if len(cur) < rules.min_score_rows or not np.isfinite(m):
                rec.reason = (f"not scored: {len(cur)} rows" if len(cur) < rules.min_score_rows
                              else f"not scored: a single class {y[0]!r}")
            else:
                rec.metric = m
        # ------------------------------------------------------------- decide
        fire, rule, reason = False, "none", ""
        if policy == "always":
            fire, rule, reason = True, "always", "policy always"
        elif policy == "drift" and len(cur):
            d = drift_core.detect(champ.train, cur[features], columns=features)
            rec.drift_share = d.share
            fire, rule, reason = d.drifted, "drift" if d.drifted else "none", d.reason
        elif policy == "default":
            fire, rule, reason = _default_rules(rules, champ, rec, data, target, features, label_time,
                                                bounds, i, win_of_row, proba, cur, drift_core)
            if not fire and rules.growth and champ.train_rows < full_rows:
                available = len(labelled_history(i))
                if available >= rules.growth * champ.train_rows:
                    fire, rule, reason = True, "growth", (
                        f"warm-up: {available} labelled rows in the training window, >= {rules.growth} x "
                        f"the champion's {champ.train_rows}; {reason}")
            if not fire and rules.recovery and i <= recovery_until:
                fire, rule, reason = True, "recovery", (
                    f"recovering after a loss (until window {recovery_until}): the champion was "
                    f"trained partly before the change; {reason}")
            if fire and i - last_retrain < rules.cooldown_windows:
                fire, rule, reason = False, "cooldown", f"{reason} — but in cooldown (last retrain window {last_retrain})"
        rec.rule, rec.reason = (rule, reason) if not rec.reason else (rec.rule or rule, f"{rec.reason}; {reason}")
        if not fire:
            continue
        out, why = train(labelled_history(i))
        if out is None:
            rec.reason += f"; retrain skipped: {why}"
            continue
        res, tr, ho = out
        rec.retrained = True
        last_retrain = i
        approved, greason, champ_on_ho, champ_se, gain_low = gate(res, ho, champ)
        rec.reason += f"; {greason}"
        helped = approved and gain_low > 0  # confidently better than the champion
        if policy == "default":
            if rule in ("realized_loss", "slow_loss", "prediction_drift") and helped:
                recovery_until = i + train_windows
            elif rule == "recovery" and not helped:
                recovery_until = -1  # the last challenger was not confidently better: recovered
                rec.reason += "; recovery ends"
        if approved:
            champ = make_champion(res, tr, ho, champ.version + 1, i + 1)
            rec.promoted = True
            rec.champion_version = champ.version
        else:  # the trigger was not worth it: judge the champion by what it does on the newest data
            champ.reference, champ.reference_se = champ_on_ho, champ_se
            b = brier_rows(ho[target].to_numpy(), predict(champ.model, ho), champ.classes)
            champ.brier, champ.brier_se = float(b.mean()), float(b.std() / math.sqrt(len(b)))
            champ.cusum, champ.cusum_brier, champ.drift_streak = 0.0, 0.0, 0
    return Report(policy, records, rules, train_windows)


def _default_rules(rules: Rules, champ: Champion, rec: WindowRecord, data, target, features, label_time,
                   bounds, i, win_of_row, proba, cur, drift_core) -> tuple[bool, str, str]:
    lo, hi = (np.datetime64(b) for b in bounds[i])
    # labels that arrived during this window for rows the champion served
    served = win_of_row >= champ.since
    arrived = (label_time > lo) & (label_time <= hi) & served
    idx = np.flatnonzero(arrived)
    rec.labelled = len(idx)
    if len(idx) >= rules.min_labels:
        rows = data.iloc[idx]
        y = rows[target].to_numpy()
        proba_l = champ.model.predict_proba(rows[features])
        m, se, _ = union_auc(y, proba_l, champ.classes)
        b = brier_rows(y, proba_l, champ.classes)
        if np.isfinite(m):
            rec.realized = m
            total_se = math.sqrt(se**2 + champ.reference_se**2)
            loss = champ.reference - m
            b_se = math.sqrt(b.var() / len(b) + champ.brier_se**2)
            b_loss = float(b.mean()) - champ.brier
            rec.loss_bound = max(loss - rules.z * total_se, b_loss - rules.z * b_se)
            champ.cusum = max(0.0, champ.cusum + loss / total_se - rules.cusum_k)
            if b_se > 0:
                champ.cusum_brier = max(0.0, champ.cusum_brier + b_loss / b_se - rules.cusum_k)
            rec.cusum = max(champ.cusum, champ.cusum_brier)
            if loss - rules.z * total_se > rules.min_effect:
                return True, "realized_loss", (
                    f"realized roc_auc {m:.4f} on {len(idx)} labels vs {champ.reference:.4f} at the gate: "
                    f"loss {loss:.4f} > {rules.z} x se {total_se:.4f}")
            if b_loss - rules.z * b_se > 0:
                return True, "realized_loss", (
                    f"realized Brier score {b.mean():.4f} on {len(idx)} labels vs {champ.brier:.4f} at the gate: "
                    f"worse by {b_loss:.4f} > {rules.z} x se {b_se:.4f} (roc_auc {m:.4f} vs {champ.reference:.4f})")
            if rec.cusum >= rules.cusum_h:
                return True, "slow_loss", (
                    f"CUSUM of losses {rec.cusum:.1f} >= {rules.cusum_h} (realized roc_auc {m:.4f} vs "
                    f"{champ.reference:.4f}, Brier {b.mean():.4f} vs {champ.brier:.4f})")
            champ.drift_streak = 0
            return False, "none", (f"realized roc_auc {m:.4f} on {len(idx)} labels vs {champ.reference:.4f} "
                                   f"at the gate, Brier {b.mean():.4f} vs {champ.brier:.4f}: no confident "
                                   f"loss (CUSUM {rec.cusum:.1f})")
    # too few labels: unlabelled evidence, if it persists
    if proba is None or len(cur) < rules.min_score_rows:
        return False, "none", f"{len(idx)} labels and {len(cur)} rows: nothing to judge"
    value, bound = psi(champ.holdout_scores, _scores(proba, champ.classes))
    rec.psi = value
    if champ.calibration is None:
        first = drift_core.detect(champ.train, cur[features], columns=features)
        champ.calibration = drift_core.calibrate_thresholds(
            champ.train, columns=[c.column for c in first.columns],
            column_methods={c.column: c.method for c in first.columns},
            column_kinds={c.column: c.kind for c in first.columns},
            rounds=rules.calibration_rounds, current_size=len(cur), seed=0)
        champ.calibration["_kinds"] = {c.column: c.kind for c in first.columns}
    cal = champ.calibration
    cols = [c for c in features if c in cal and c != "_kinds"]
    d = drift_core.detect(champ.train, cur[features], columns=cols,
                          column_methods={c: cal[c]["method"] for c in cols},
                          column_thresholds={c: cal[c]["threshold"] for c in cols},
                          column_kinds={c: cal["_kinds"][c] for c in cols},
                          drift_share=rules.drift_share)
    rec.drift_share = d.share
    unlabelled = value > max(rules.psi_threshold, bound) and d.drifted
    champ.drift_streak = champ.drift_streak + 1 if unlabelled else 0
    if champ.drift_streak >= rules.drift_windows:
        return True, "prediction_drift", (
            f"only {len(idx)} labels; prediction PSI {value:.3f} (> {max(rules.psi_threshold, bound):.3f}) and "
            f"calibrated feature drift share {d.share:.2f} for {champ.drift_streak} windows")
    return False, "none", (f"only {len(idx)} labels; prediction PSI {value:.3f}, calibrated drift share "
                           f"{d.share:.2f} ({champ.drift_streak}/{rules.drift_windows} windows)")


__all__ = ["POLICIES", "Rules", "Report", "replay", "union_auc", "psi"]

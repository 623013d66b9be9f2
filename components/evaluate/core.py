"""The evaluation gate: challenger vs champion on the same holdout. KFP-free.

Semantics (fail-safe, after TFX's Evaluator):

1. **No threshold configured → not approved.** A gate without a bar never blesses a model.
2. **Absolute thresholds** ``{"roc_auc": 0.7, "log_loss": 0.5}``: ``>=`` for higher-is-better
   metrics, ``<=`` for lower-is-better ones (``log_loss``, ``rmse``, ``mae``). All must pass.
3. **No champion yet →** absolute thresholds only (the reason says so).
4. **Champion comparison** on the primary metric: both models score the *same* holdout rows;
   a paired bootstrap (the same resampled rows for both) gives a ``confidence`` interval of
   ``delta = challenger − champion`` oriented so that positive is better. The challenger is
   rejected only when the whole interval lies below ``−tolerance`` (confidently worse than the
   champion by more than the tolerance); noise cannot flip the decision.
5. **Slices** (optional categorical column): in each slice with at least ``MIN_SLICE_ROWS``
   rows (and both classes for AUC), the same paired comparison; the worst slice must not be
   confidently worse than the champion's by more than the tolerance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.errors import ConfigError, EvaluationError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
REGRESSION_METRICS = ("rmse", "mae", "r2")
LOWER_IS_BETTER = frozenset({"log_loss", "rmse", "mae"})
MIN_SLICE_ROWS = 30
MAX_CURVE_POINTS = 200


@dataclass
class GateDecision:
    approved: bool
    reason: str
    task: str
    primary_metric: str
    challenger_metrics: dict[str, float]
    champion_metrics: dict[str, float] | None = None
    comparison: dict[str, Any] | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    slices: list[dict[str, Any]] = field(default_factory=list)
    curves: dict[str, Any] = field(default_factory=dict)
    rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- metrics
def default_primary_metric(task: str) -> str:
    return "roc_auc" if task == "classification" else "rmse"


def fast_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Binary ROC AUC by ranks (Mann–Whitney U), ties averaged; equals sklearn's."""
    import numpy as np
    from scipy.stats import rankdata

    y = np.asarray(y).astype(bool)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _predictions(model: Any, frame: pd.DataFrame, *, target: str, task: str):
    import numpy as np

    if target not in frame.columns:
        raise EvaluationError(f"holdout data has no target column {target!r}")
    data = frame.dropna(subset=[target])
    if data.empty:
        raise EvaluationError(f"holdout data has no rows with a value in {target!r}")
    features = getattr(model, "feature_names_in_", None)
    x = data[list(features)] if features is not None else data
    try:
        if task == "classification":
            proba = model.predict_proba(x)
            classes = list(getattr(model, "classes_", range(proba.shape[1])))
            return data, data[target].to_numpy(), proba, classes
        pred = np.asarray(model.predict(x), dtype=float)
        return data, data[target].to_numpy(dtype=float), pred, []
    except (ValueError, KeyError, AttributeError) as exc:  # sklearn's input-validation errors
        raise EvaluationError(f"the model cannot score the holdout data: {exc}") from exc


def _metrics_from(y, pred, classes, task: str) -> dict[str, float]:
    import numpy as np
    from sklearn import metrics as skm

    if task == "classification":
        proba = pred
        labels = np.asarray(classes)
        y_hat = labels[np.argmax(proba, axis=1)]
        binary = len(labels) == 2
        avg = "binary" if binary else "macro"
        pos = labels[1] if binary else None
        out = {
            "accuracy": float(skm.accuracy_score(y, y_hat)),
            "precision": float(skm.precision_score(y, y_hat, average=avg, pos_label=pos, zero_division=0)
                               if binary else skm.precision_score(y, y_hat, average=avg, zero_division=0)),
            "recall": float(skm.recall_score(y, y_hat, average=avg, pos_label=pos, zero_division=0)
                            if binary else skm.recall_score(y, y_hat, average=avg, zero_division=0)),
            "f1": float(skm.f1_score(y, y_hat, average=avg, pos_label=pos, zero_division=0)
                        if binary else skm.f1_score(y, y_hat, average=avg, zero_division=0)),
            "log_loss": float(skm.log_loss(y, np.clip(proba, 1e-15, 1 - 1e-15), labels=labels)),
        }
        present = np.unique(y)
        if binary:
            out["roc_auc"] = fast_auc(y == labels[1], proba[:, 1]) if len(present) == 2 else float("nan")
        else:
            out["roc_auc"] = (float(skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=labels))
                              if len(present) == len(labels) else float("nan"))
        return out
    err = pred - y
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return {
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "r2": float(1 - np.sum(err**2) / ss_tot) if ss_tot > 0 else float("nan"),
    }


def score(model: Any, frame: pd.DataFrame, *, target: str, task: str) -> dict[str, float]:
    """All metrics of ``task`` for ``model`` on ``frame``."""
    _, y, pred, classes = _predictions(model, frame, target=target, task=task)
    return _metrics_from(y, pred, classes, task)


def _metric_vector(metric: str, y, pred, classes, idx: np.ndarray) -> np.ndarray:
    """``metric`` on each bootstrap resample (rows ``idx[b]``), vectorised where it matters."""
    import numpy as np
    from scipy.stats import rankdata

    if metric == "roc_auc" and len(classes) == 2:
        pos = (np.asarray(y) == classes[1])
        s = pred[:, 1]
        yb = pos[idx]
        sb = s[idx]
        ranks = rankdata(sb, axis=1)
        n_pos = yb.sum(axis=1)
        n_neg = yb.shape[1] - n_pos
        with np.errstate(invalid="ignore", divide="ignore"):
            auc = ((ranks * yb).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
        return auc
    if metric == "accuracy" and classes:
        hit = np.asarray(classes)[np.argmax(pred, axis=1)] == np.asarray(y)
        return hit[idx].mean(axis=1)
    if metric == "log_loss" and classes:
        col = {c: i for i, c in enumerate(classes)}
        p = np.clip(pred[np.arange(len(y)), [col[v] for v in y]], 1e-15, 1.0)
        return (-np.log(p))[idx].mean(axis=1)
    if metric in ("rmse", "mae", "r2") and not classes:
        err = pred - y
        if metric == "rmse":
            return np.sqrt((err**2)[idx].mean(axis=1))
        if metric == "mae":
            return np.abs(err)[idx].mean(axis=1)
        yb = y[idx]
        ss_tot = ((yb - yb.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return 1 - (err**2)[idx].sum(axis=1) / ss_tot
    # generic fallback (precision/recall/f1, multiclass AUC): loop
    return np.array([_metrics_from(y[i], pred[i], classes, "classification" if classes else "regression")[metric]
                     for i in idx])


def paired_bootstrap(metric: str, y, pred_challenger, pred_champion, classes, *, rounds: int,
                     confidence: float, seed: int) -> dict[str, float]:
    """CI of challenger − champion (positive = challenger better) on shared resamples."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = len(y)
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    point_c = _metrics_from(y, pred_challenger, classes, "classification" if classes else "regression")[metric]
    point_b = _metrics_from(y, pred_champion, classes, "classification" if classes else "regression")[metric]
    deltas = []
    chunk = max(1, min(rounds, 2_000_000 // max(n, 1)))
    done = 0
    while done < rounds:
        b = min(chunk, rounds - done)
        idx = rng.integers(0, n, size=(b, n))
        mc = _metric_vector(metric, y, pred_challenger, classes, idx)
        mb = _metric_vector(metric, y, pred_champion, classes, idx)
        deltas.append(sign * (mc - mb))
        done += b
    d = np.concatenate(deltas)
    d = d[np.isfinite(d)]
    alpha = (1 - confidence) / 2
    low, high = (np.quantile(d, [alpha, 1 - alpha]) if len(d) else (float("nan"), float("nan")))
    return {
        "metric": metric,
        "challenger": float(point_c),
        "champion": float(point_b),
        "delta": float(sign * (point_c - point_b)),
        "ci_low": float(low),
        "ci_high": float(high),
        "confidence": confidence,
        "rounds": int(len(d)),
    }


# --------------------------------------------------------------------------- gate
def _check_thresholds(thresholds: dict[str, float], task: str) -> None:
    valid = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    for name, value in thresholds.items():
        if name not in valid:
            raise ConfigError(f"threshold metric {name!r} is not a {task} metric; use one of {', '.join(valid)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"threshold for {name!r} must be a number, got {value!r}")


def _curves(y, proba, classes) -> dict[str, Any]:
    import numpy as np
    from sklearn.metrics import confusion_matrix, roc_curve

    labels = list(classes)
    y_hat = np.asarray(labels)[np.argmax(proba, axis=1)]
    cm = confusion_matrix(y, y_hat, labels=labels)
    out: dict[str, Any] = {"confusion_matrix": {"labels": [str(c) for c in labels], "matrix": cm.tolist()}}
    if len(labels) == 2 and len(np.unique(y)) == 2:
        fpr, tpr, thr = roc_curve(y == labels[1], proba[:, 1])
        if len(fpr) > MAX_CURVE_POINTS:
            keep = np.unique(np.linspace(0, len(fpr) - 1, MAX_CURVE_POINTS).astype(int))
            fpr, tpr, thr = fpr[keep], tpr[keep], thr[keep]
        thr = np.where(np.isfinite(thr), thr, 1.0)
        out["roc"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr.tolist()}
    return out


def gate(
    challenger: Any,
    holdout: pd.DataFrame,
    *,
    target: str,
    task: str,
    champion: Any | None = None,
    thresholds: dict[str, float] | None = None,
    primary_metric: str = "",
    tolerance: float = 0.01,
    slice_column: str = "",
    bootstrap_rounds: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> GateDecision:
    """Decide whether ``challenger`` may replace ``champion``; see the module doc."""
    import numpy as np

    if task not in ("classification", "regression"):
        raise ConfigError(f"task must be 'classification' or 'regression', got {task!r}")
    thresholds = dict(thresholds or {})
    _check_thresholds(thresholds, task)
    primary = primary_metric or default_primary_metric(task)
    valid = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    if primary not in valid:
        raise ConfigError(f"primary_metric {primary!r} is not a {task} metric; use one of {', '.join(valid)}")
    if tolerance < 0:
        raise ConfigError(f"tolerance must be >= 0, got {tolerance}")
    if not 0.5 <= confidence < 1:
        raise ConfigError(f"confidence must be in [0.5, 1), got {confidence}")
    if slice_column and slice_column not in holdout.columns:
        raise ConfigError(f"slice_column {slice_column!r} is not a column of the holdout data")

    data, y, pred_c, classes = _predictions(challenger, holdout, target=target, task=task)
    challenger_metrics = _metrics_from(y, pred_c, classes, task)
    decision = GateDecision(approved=False, reason="", task=task, primary_metric=primary,
                            challenger_metrics=challenger_metrics, thresholds=thresholds, rows=len(data))
    if task == "classification":
        decision.curves = _curves(y, pred_c, classes)

    reasons: list[str] = []
    ok = True
    if not thresholds:
        ok = False
        reasons.append("no threshold configured: refusing to approve by default (set thresholds, "
                       f"e.g. {{\"{primary}\": ...}})")
    for name, bound in sorted(thresholds.items()):
        value = challenger_metrics[name]
        lower = name in LOWER_IS_BETTER
        passed = bool(np.isfinite(value) and (value <= bound if lower else value >= bound))
        decision.checks.append({"check": "threshold", "metric": name, "value": value, "bound": bound,
                                "op": "<=" if lower else ">=", "passed": passed})
        ok &= passed
        reasons.append(f"{name} {value:.4f} {'<=' if lower else '>='} {bound} {'passed' if passed else 'FAILED'}")

    if champion is None:
        reasons.append("no champion yet: judged on absolute thresholds only")
    else:
        _, _, pred_b, classes_b = _predictions(champion, holdout, target=target, task=task)
        if task == "classification" and list(classes_b) != list(classes):
            raise EvaluationError(f"champion classes {classes_b} differ from the challenger's {classes}")
        decision.champion_metrics = _metrics_from(y, pred_b, classes, task)
        comp = paired_bootstrap(primary, y, pred_c, pred_b, classes, rounds=bootstrap_rounds,
                                confidence=confidence, seed=seed)
        comp["tolerance"] = tolerance
        worse = bool(comp["ci_high"] < -tolerance)
        comp["passed"] = not worse
        decision.comparison = comp
        decision.checks.append({"check": "vs_champion", **comp})
        ok &= not worse
        reasons.append(
            f"vs champion: {primary} delta {comp['delta']:+.4f} (CI {comp['ci_low']:+.4f}..{comp['ci_high']:+.4f}, "
            f"tolerance {tolerance}) {'FAILED: confidently worse' if worse else 'passed'}"
        )
        if slice_column:
            worst = None
            for value in sorted(data[slice_column].dropna().unique(), key=str):
                mask = (data[slice_column] == value).to_numpy()
                n = int(mask.sum())
                entry: dict[str, Any] = {"slice": f"{slice_column}={value}", "rows": n}
                if n < MIN_SLICE_ROWS or (primary == "roc_auc" and len(np.unique(y[mask])) < 2):
                    entry["skipped"] = f"fewer than {MIN_SLICE_ROWS} rows or a single class"
                    decision.slices.append(entry)
                    continue
                sc = paired_bootstrap(primary, y[mask], pred_c[mask], pred_b[mask], classes,
                                      rounds=max(200, bootstrap_rounds // 2), confidence=confidence, seed=seed)
                entry.update(sc)
                entry["passed"] = not (sc["ci_high"] < -tolerance)
                decision.slices.append(entry)
                if worst is None or sc["delta"] < worst["delta"]:
                    worst = entry
            if worst is not None:
                decision.checks.append({"check": "worst_slice", **worst})
                ok &= worst["passed"]
                reasons.append(
                    f"worst slice {worst['slice']}: delta {worst['delta']:+.4f} (CI up to {worst['ci_high']:+.4f}) "
                    f"{'passed' if worst['passed'] else 'FAILED: regresses beyond tolerance'}"
                )
    decision.approved = bool(ok)
    decision.reason = ("approved: " if ok else "not approved: ") + "; ".join(reasons)
    return decision


def render_markdown(decision: GateDecision) -> str:
    """A readable gate summary (KFP Markdown artifact)."""
    lines = [f"# Evaluation gate: {'✅ approved' if decision.approved else '❌ not approved'}", "",
             decision.reason, "", f"Holdout rows: {decision.rows}. Primary metric: `{decision.primary_metric}`.", "",
             "| metric | challenger | champion |", "|---|---|---|"]
    champ = decision.champion_metrics or {}
    for name, value in decision.challenger_metrics.items():
        other = champ.get(name)
        lines.append(f"| {name} | {value:.4f} | {'—' if other is None else f'{other:.4f}'} |")
    if decision.checks:
        lines += ["", "| check | detail | result |", "|---|---|---|"]
        for c in decision.checks:
            if c["check"] == "threshold":
                detail = f"{c['metric']} {c['value']:.4f} {c['op']} {c['bound']}"
            else:
                label = c.get("slice", "overall")
                detail = (f"{label}: Δ{c['metric']} {c['delta']:+.4f}, {int(c['confidence'] * 100)}% CI "
                          f"[{c['ci_low']:+.4f}, {c['ci_high']:+.4f}], tolerance {decision.comparison['tolerance'] if decision.comparison else ''}")
            lines.append(f"| {c['check']} | {detail} | {'pass' if c['passed'] else 'FAIL'} |")
    if decision.slices:
        lines += ["", "| slice | rows | challenger | champion | Δ | CI |", "|---|---|---|---|---|---|"]
        for s in decision.slices:
            if "skipped" in s:
                lines.append(f"| {s['slice']} | {s['rows']} | — | — | — | skipped: {s['skipped']} |")
            else:
                lines.append(f"| {s['slice']} | {s['rows']} | {s['challenger']:.4f} | {s['champion']:.4f} | "
                             f"{s['delta']:+.4f} | [{s['ci_low']:+.4f}, {s['ci_high']:+.4f}] |")
    return "\n".join(lines) + "\n"


__all__ = [
    "CLASSIFICATION_METRICS",
    "REGRESSION_METRICS",
    "LOWER_IS_BETTER",
    "GateDecision",
    "default_primary_metric",
    "fast_auc",
    "paired_bootstrap",
    "score",
    "gate",
    "render_markdown",
]

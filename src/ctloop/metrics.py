"""Model-quality metrics: names, direction and computation, shared by the evaluation gate, realized
metrics in monitoring, the canary quality check and the backtest.

Names (lower-case snake): classification ``accuracy, precision, recall, f1, roc_auc, log_loss``;
regression ``rmse, mae, r2``. Lower is better for ``log_loss, rmse, mae``. The primary metric
defaults to ``roc_auc`` (classification) and ``rmse`` (regression).

Definitions (scikit-learn's, except for labels the model never saw, which is ctloop's rule below):

* binary: precision/recall/F1 of the positive class ``classes[1]`` at the most probable class;
  ROC AUC of ``P(classes[1])``; log loss of the clipped probabilities;
* multiclass: macro precision/recall/F1, macro one-vs-rest ROC AUC, log loss;
* labels that are not classes of the model (a class that appeared after training, a junk label)
  count as **errors at their share of the labelled rows** (:func:`at_share`: the backtest's windows,
  monitoring's realized metric and each model's own metrics at the gate, ``challenger_metrics`` and
  ``champion_metrics``; not the gate's paired comparison, which scores both models over the union of
  their classes and leaves out labels neither model knows, nor the canary check, which compares canary
  and stable on rows of known classes: such a label costs both sides the same): each metric is computed
  over the rows of known classes, with the model's own classes (a binary model stays binary), and
  ``metric = (1 - s) * metric_over_known + s * UNSEEN_VALUE[metric]`` with ``s`` the share of rows
  whose label the model never saw: 0 for accuracy, precision, recall and F1, chance (0.5) for the
  ROC AUC, the log loss of probability :data:`PROBA_EPS` (for accuracy and log loss this is exactly
  counting each such row wrong; for precision, recall, F1 and the ROC AUC it is a rule ctloop chose,
  not a scikit-learn definition). The log loss of one such row is ``-log(PROBA_EPS)`` = 36.04: one
  junk label in 2,000 adds 0.018 to a window's log loss. Until round 59 the unseen labels were one
  more class of a macro average, a fixed ``1/(k+1)`` share whatever their count: one junk label in 2,000 took a binary
  ROC AUC from 0.95 to 0.80. ROC AUC is the macro one-vs-rest AUC over the classes present; it is
  NaN when fewer than two known classes are present (undefined, not 0.5), unless every label is
  unseen (then each metric is its ``UNSEEN_VALUE``);
* regression: RMSE, MAE, R² (NaN when the labels have no variance).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ctloop.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    import numpy as np

CLASSIFICATION = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
REGRESSION = ("rmse", "mae", "r2")
LOWER_IS_BETTER = frozenset({"log_loss", "rmse", "mae"})
INF = float("inf")
# log_loss clips probabilities to [eps, 1 - eps] with float64's machine epsilon, as scikit-learn
# 1.9.1 log_loss does (sklearn/metrics/_classification.py: "the machine precision for y_proba's dtype")
PROBA_EPS = 2.220446049250313e-16
# the largest magnitude a label or compared value may have: beyond it squares overflow float64
# (1.8e308), so RMSE, R², standard deviations and histogram ranges become inf
LARGEST_VALUE = 1e150
# what a label of a class the model never saw scores (:func:`at_share`): an error, or chance for a ranking
UNSEEN_VALUE = {"accuracy": 0.0, "precision": 0.0, "recall": 0.0, "f1": 0.0, "roc_auc": 0.5,
                "log_loss": -math.log(PROBA_EPS)}
RANGES = {"accuracy": (0.0, 1.0), "precision": (0.0, 1.0), "recall": (0.0, 1.0), "f1": (0.0, 1.0),
          "roc_auc": (0.0, 1.0), "log_loss": (0.0, INF), "rmse": (0.0, INF), "mae": (0.0, INF), "r2": (-INF, 1.0)}


def share_text(share: float, threshold: float) -> str:
    """``share`` printed against ``threshold``: 2 decimals, or as many as ``threshold`` is written with
    (at most 6), so that the comparison printed beside it holds ("0.33 >= 0.333" for 1/3 read false;
    "0.67 < 0.667" for 2/3 too)."""
    from decimal import Decimal

    exponent = Decimal(repr(float(threshold))).as_tuple().exponent
    digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{share:.{min(max(2, digits), 6)}f}"


def never_met(metric: str, bound: float) -> str | None:
    """Why an absolute ``bound`` of ``metric`` (a gate threshold, a realized floor) can never be met
    (a higher-is-better metric's above its largest value, a lower-is-better one's below its
    smallest), or None."""
    low, high = RANGES.get(metric, (-INF, INF))
    if metric in LOWER_IS_BETTER and bound < low:
        return f"{metric} is at least {low:g}, so {bound:g} is never met"
    if metric not in LOWER_IS_BETTER and bound > high:
        return f"{metric} is at most {high:g}, so {bound:g} is never met"
    return None


def never_dropped(metric: str, drop: float) -> str | None:
    """Why a ``realized_drop`` of ``drop`` can never fire on ``metric`` (monitoring/rules.py fires when
    the realized metric is worse than the champion's by more than it; a metric in [0, 1] never is by
    1 or more), or None."""
    low, high = RANGES.get(metric, (-INF, INF))
    if drop < high - low:
        return None
    return (f"{metric} lies in [{low:g}, {high:g}], so it never drops by more than {high - low:g}: a drop of "
            f"{drop:g} never fires (a drop of 5 points is 0.05)")


TASKS = ("classification", "regression")


def names(task: str) -> tuple[str, ...]:
    """The metric names of ``task``."""
    if task == "classification":
        return CLASSIFICATION
    if task == "regression":
        return REGRESSION
    raise ConfigError(f"task {task!r} must be classification or regression")


def default_primary(task: str) -> str:
    return "roc_auc" if task == "classification" else "rmse"


def check_name(metric: str, task: str, *, what: str = "metric") -> str:
    """``metric`` if it is a metric of ``task``, else a ConfigError listing the valid ones."""
    valid = names(task)
    if metric not in valid:
        raise ConfigError(f"{what} {metric!r} is not a {task} metric; use one of {', '.join(valid)}")
    return metric


def lower_is_better(metric: str) -> bool:
    return metric in LOWER_IS_BETTER


def worse_by(metric: str, value: float, reference: float) -> float:
    """How much worse ``value`` is than ``reference`` (positive = worse), for either direction."""
    return value - reference if metric in LOWER_IS_BETTER else reference - value


def passes(metric: str, value: float, bound: float) -> bool:
    """``value`` meets the absolute ``bound``: ``<=`` for lower-is-better metrics, else ``>=``.
    A NaN never passes."""
    if value != value:
        return False
    return value <= bound if metric in LOWER_IS_BETTER else value >= bound


def fast_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Binary ROC AUC by ranks (Mann–Whitney U), ties averaged; equals scikit-learn's. NaN with
    one class only."""
    import numpy as np
    from scipy.stats import rankdata

    y = np.asarray(y).astype(bool)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _number_key(value: Any) -> Any:
    """A label as a number when it is one (``1``, ``1.0``, ``"1"``; ``"true"``/``"false"`` are 1/0),
    else as stripped text (an unseen class)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            return {"true": 1.0, "false": 0.0}.get(text.lower(), text)
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value).strip()


def _text_key(value: Any) -> str:
    """A label as stripped text; the number ``1.0`` is the text ``"1"`` (``"01"`` is not ``"1"``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _text_key(value.item())
    return str(value).strip()


def _numeric_classes(classes: list) -> bool:
    import numpy as np

    return bool(classes) and all(isinstance(c, int | float | np.number | np.bool_) for c in classes)


def _comparable(values: np.ndarray, classes: list) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, labels)`` as arrays whose equality is the values': int64 when the labels are
    integers (or booleans) and so is every class, within int64 — two ids that differ past 2**53
    are one float64 —, else float64."""
    import numpy as np

    if values.dtype.kind in "biu" and all(isinstance(c, int | np.integer) for c in classes):  # bool is an int
        limit = np.iinfo(np.int64)
        if (all(limit.min <= int(c) <= limit.max for c in classes)
                and not (values.dtype.kind == "u" and values.size and int(values.max()) > limit.max)):
            return np.asarray([int(c) for c in classes], dtype=np.int64), values.astype(np.int64, copy=False)
    return np.asarray(classes, dtype=float), values.astype(float, copy=False)


def class_key(*class_lists: list) -> Callable[[Any], Any]:
    """The key two models' classes are the same class by, as :func:`class_positions` matches labels:
    by value when every class is a number or a boolean (``0`` and ``0.0``: a champion trained on a
    window without label gaps, a challenger on one with a gap, which reads as float), else as
    stripped text (``1.0`` is ``"1"``)."""
    return _number_key if all(_numeric_classes(list(c)) for c in class_lists) else _text_key


def class_positions(y: Any, classes: list) -> tuple[np.ndarray, list]:
    """``(positions, labels)``: each label's index in ``labels`` = the model's ``classes`` followed
    by every label value that is not one of them (unseen classes, in order of appearance).

    Numeric classes (``0``/``1``, booleans) match labels by value (``1``, ``1.0`` and ``"1"`` are
    one class; ``"true"``/``"false"`` are the booleans); text classes match labels as stripped text
    (``"01"`` is not ``"1"``; a label stored as the number ``1.0`` is the text ``"1"``)."""
    import numpy as np
    import pandas as pd

    values = np.asarray(y)
    numeric = _numeric_classes(classes)
    if numeric and values.dtype.kind in "biuf":
        cls, vals = _comparable(values, classes)
        order = np.argsort(cls)
        pos = np.clip(np.searchsorted(cls[order], vals), 0, len(cls) - 1)
        found = cls[order][pos] == vals
        out = np.where(found, order[pos], -1)
        labels = list(classes)
        if not found.all():
            unseen, first, inverse = np.unique(vals[~found], return_index=True, return_inverse=True)
            out[~found] = len(labels) + inverse
            labels += [v.item() for v in values[~found][first]]  # as written: 9, not 9.0
        return out.astype(int), labels
    key = _number_key if numeric else _text_key
    codes, uniques = pd.factorize(pd.Series(values.tolist(), dtype=object).map(key), use_na_sentinel=False)
    index = {key(c): i for i, c in enumerate(classes)}
    labels = list(classes)
    table = []
    for u in uniques:
        if u not in index:
            index[u] = len(labels)
            labels.append(u)
        table.append(index[u])
    return np.asarray(table, dtype=int)[codes], labels


def same_class_text(value: Any, name: Any) -> bool:
    """Whether the label ``value`` is the text class ``name`` written another way: in another case,
    with other surrounding spaces or in another Unicode form (``'Yes'`` is ``'yes'``, NFD
    ``'cafe\u0301'`` is NFC ``'café'``), under the fit's key :func:`ctloop.contract.text_key`, as
    ``prepare_data`` and the fit refuse two spellings of a class (``train.core.check_labels``);
    single characters differing in case (``'A'``, ``'a'``) stay apart. The one rule of the gate
    (``components/evaluate``) and of realized metrics (:func:`ctloop.labels.realized.as_classes`)."""
    from ctloop.contract import text_key, written

    return (isinstance(value, str) and isinstance(name, str) and text_key(value) == text_key(name)
            and (written(value) == written(name) or len(written(name)) > 1))


def known_classes(y: Any, classes: list) -> np.ndarray:
    """Which labels are classes of the model (see :func:`class_positions` for the matching)."""
    import numpy as np

    values = np.asarray(y)
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    if _numeric_classes(classes) and values.dtype.kind in "biuf":  # by value, one byte a label
        vals, cls = _comparable(values, classes)[::-1]
        return np.isin(vals, cls)
    return class_positions(y, classes)[0] < len(classes)


def _prf(y: np.ndarray, y_hat: np.ndarray, n: int, binary: bool) -> tuple[float, float, float]:
    import numpy as np

    tp = np.bincount(y[y == y_hat], minlength=n).astype(float)
    pred = np.bincount(y_hat, minlength=n).astype(float)
    true = np.bincount(y, minlength=n).astype(float)
    precision = np.divide(tp, pred, out=np.zeros(n), where=pred > 0)
    recall = np.divide(tp, true, out=np.zeros(n), where=true > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros(n), where=denom > 0)
    if binary:
        return float(precision[1]), float(recall[1]), float(f1[1])
    used = (pred > 0) | (true > 0)  # scikit-learn's macro average: labels in y_true or y_pred
    return float(precision[used].mean()), float(recall[used].mean()), float(f1[used].mean())


def classification(y: Any, proba: Any, classes: list, names: tuple[str, ...] | list[str] | None = None
                   ) -> dict[str, float]:
    """All classification metrics of class-probability matrix ``proba`` (columns in the order of
    ``classes``) against labels ``y`` (values of ``classes``; other values count as errors);
    ``names``: only these (the others are not computed, nor their per-row arrays allocated)."""
    import numpy as np

    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape[1] != len(classes):
        raise ConfigError(f"a probability matrix of shape {proba.shape} does not match the {len(classes)} classes "
                          f"{list(classes)}")
    wanted = set(CLASSIFICATION if names is None else names)
    if len(proba) == 0:
        return dict.fromkeys(CLASSIFICATION if names is None else names, float("nan"))
    y_idx, labels = class_positions(y, list(classes))
    if len(labels) > len(classes):  # labels the model never saw: errors at their share (at_share)
        known, share = unseen_share(y_idx, len(classes))
        own = list(range(len(classes)))
        inner = classification(y_idx[known], proba[known], own, sorted(wanted)) if known.any() else {}
        return {k: at_share(k, inner.get(k, float("nan")), share) for k in CLASSIFICATION if k in wanted}
    n = len(labels)
    binary = n == 2
    out: dict[str, float] = {}
    if wanted & {"accuracy", "precision", "recall", "f1"}:
        y_hat = np.argmax(proba, axis=1)
        out["precision"], out["recall"], out["f1"] = _prf(y_idx, y_hat, n, binary)
        out["accuracy"] = float(np.mean(y_idx == y_hat))
        del y_hat
    if "log_loss" in wanted:
        p_true = np.clip(proba[np.arange(len(proba)), y_idx], PROBA_EPS, 1 - PROBA_EPS)
        out["log_loss"] = float(-np.mean(np.log(p_true)))
        del p_true
    if "roc_auc" not in wanted:
        return {k: out[k] for k in CLASSIFICATION if k in wanted}
    present = np.flatnonzero(np.bincount(y_idx, minlength=n))  # np.unique without a sorted copy
    if len(present) < 2:
        out["roc_auc"] = float("nan")
    elif binary:
        out["roc_auc"] = fast_auc(y_idx == 1, proba[:, 1])
    else:
        out["roc_auc"] = float(np.mean([fast_auc(y_idx == k, proba[:, k]) for k in present]))
    return {k: out[k] for k in CLASSIFICATION if k in wanted}


def unseen_share(positions: Any, n_classes: int) -> tuple[np.ndarray, float]:
    """``(known, share)`` of labels as :func:`class_positions` numbers them against a model of ``n_classes``
    classes: which are its classes (a position below ``n_classes``) and the share of the others, the labels
    the model never saw (0.0 with no labels). The one count of :func:`classification`,
    :func:`ctloop.monitoring.triggers.auc_with_se`, ``class_aucs`` and ``chance_se``."""
    import numpy as np

    known = np.asarray(positions) < n_classes
    return known, (1.0 - float(known.mean())) if len(known) else 0.0


def at_share(metric: str, known: float, share: float) -> float:
    """The one rule for labels of a class the model never saw (the backtest's windows, monitoring's
    realized metric, the canary check and the gate): ``metric`` over rows of which ``share`` are such
    labels, from its value ``known`` over the others, ``(1 - share) * known + share *
    UNSEEN_VALUE[metric]``: each such row counts as an error (0 for accuracy, precision, recall, F1; chance
    for the ROC AUC; the log loss of probability :data:`PROBA_EPS`) at its share of the rows, not as one
    more class of a macro average. NaN when ``known`` is undefined (ROC AUC over one known class) and some
    rows are known; every row unseen: the metric's ``UNSEEN_VALUE``."""
    if share <= 0:
        return float(known)
    if share >= 1:
        return UNSEEN_VALUE[metric]
    if known != known:
        return float("nan")
    return float((1.0 - share) * known + share * UNSEEN_VALUE[metric])


def unit_of(values: Any) -> float:
    """The power of two at or just above the largest finite magnitude of ``values`` (1 when there
    is none, or it is 0): dividing by it is exact, and the squares of the quotients neither
    overflow nor underflow where the result is a float64 (a sum scaled back by ``unit ** 2`` is
    bit for bit the unscaled sum whenever that one did not overflow or underflow)."""
    import math

    import numpy as np

    values = np.asarray(values, dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    top = float(finite.max()) if finite.size else 0.0
    if top == 0:
        return 1.0
    return math.ldexp(1.0, min(math.frexp(top)[1], 1023))


def regression(y: Any, prediction: Any) -> dict[str, float]:
    """RMSE, MAE and R² of ``prediction`` against ``y``; computed on the values divided by a power
    of two (:func:`unit_of`), so errors below ~1e-162 are not an RMSE of 0, past ~1e154 not inf,
    and labels of ~1e-170 (or ~1e160) have an R², not NaN (a total sum of squares of 0 or inf)."""
    import numpy as np

    y = np.asarray(y, dtype=float)
    err = np.asarray(prediction, dtype=float) - y
    if len(y) == 0:
        return dict.fromkeys(REGRESSION, float("nan"))
    e_unit, y_unit = unit_of(err), unit_of(y)
    e = err / e_unit
    ys = y / y_unit
    ss_tot = float(np.sum((ys - ys.mean()) ** 2))  # in units of y_unit²
    with np.errstate(over="ignore"):  # predictions far beyond the labels: R² -inf, as before
        ss_res = float(np.sum((err / y_unit) ** 2)) if ss_tot > 0 else 0.0
    return {
        "rmse": float(np.sqrt(np.mean(e**2))) * e_unit,
        "mae": float(np.mean(np.abs(e))) * e_unit,
        "r2": float(1 - ss_res / ss_tot) if ss_tot > 0 else float("nan"),
    }


def compute(task: str, y: Any, scores: Any, classes: list | None = None) -> dict[str, float]:
    """Every metric of ``task``: ``scores`` is the probability matrix (classification, columns in
    the order of ``classes``) or the predictions (regression)."""
    if task == "classification":
        return classification(y, scores, list(classes or []))
    if task == "regression":
        return regression(y, scores)
    raise ConfigError(f"task {task!r} must be classification or regression")


def probability_matrix(score: Any, n_classes: int) -> np.ndarray:
    """A binary model's logged positive-class probability (1-D) as an ``n × 2`` matrix; a matrix
    is returned as it is. Rows that do not sum to 1 (rounded logs) are renormalised."""
    import numpy as np

    s = np.asarray(score, dtype=float)
    if s.ndim == 2 and s.shape[1] == 1 and n_classes == 2:  # the positive-class column as a one-column frame
        s = s[:, 0]
    if s.ndim == 1:
        if n_classes != 2:
            raise ConfigError(f"a single score column needs a binary model, got {n_classes} classes")
        return np.column_stack([1.0 - s, s])
    total = s.sum(axis=1, keepdims=True)
    return np.divide(s, total, out=np.full_like(s, 1.0 / s.shape[1]), where=total > 0)


__all__ = ["share_text", "CLASSIFICATION", "REGRESSION", "LOWER_IS_BETTER", "RANGES", "never_met", "never_dropped", "TASKS", "names", "default_primary", "check_name",
           "lower_is_better", "worse_by", "passes", "fast_auc", "class_key", "class_positions", "same_class_text", "known_classes",
           "classification", "UNSEEN_VALUE", "unseen_share", "at_share",
           "regression", "compute", "probability_matrix"]

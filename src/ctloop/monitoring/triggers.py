"""The numbers the retraining rules compare, computed the same way at the gate, in monitoring and
in the backtest. KFP-free, no I/O.

At the **gate** (:func:`gate_reference`) the challenger's holdout gives what it achieved, with its
sampling error: ROC AUC with Hanley & McNeil's standard error (from the positive/negative
counts; macro one-vs-rest averages the per-class variances), the mean Brier score with its
standard error, and the deciles of its scores (the reference of prediction drift). They are
registered with the version (``ctloop.metric.challenger.<name>`` tags, through the evaluate
component's metrics) and read back as :attr:`ctloop.monitoring.champion.Champion.gate_metrics`.

On **served traffic** (:func:`realized_inputs`, :func:`prediction_drift`) the same statistics of
the champion's labelled rows and of its scores are the inputs of the rules in
:mod:`ctloop.monitoring.rules`:

* ``realized_z``: the realized AUC (or Brier score) is worse than at the gate by more than ``z``
  standard errors of the difference, ``se = sqrt(se_window² + se_gate²)``; a multiclass model's
  ROC AUC over the classes both saw, each weighted by the information it carries
  (:func:`class_aucs`, recorded per class at the gate and in the window;
  :func:`ctloop.monitoring.rules.class_comparison`), not the macro means over the classes each
  happened to contain (a rare class of one row swung a stable window by a quarter) — and by at least
  ``realized_min_effect`` (:func:`ctloop.monitoring.rules.min_effect`: of the 0.5 between a chance and a
  perfect ROC AUC, of the gate's ``brier_chance`` (:func:`brier_chance`), of a regressor's own gate
  ``mse`` and half of it of its ``mae`` — ``mse_chance``/``mae_chance`` (:func:`regression_chance`) only
  floor a gate error that collapsed);
* ``cusum_h``: a one-sided CUSUM of the standardised losses ``S = max(0, S + loss/se - k)``
  (``k`` = :data:`CUSUM_K`) reaches ``h`` (a decline no single window proves);
* ``prediction_psi``: the PSI of the window's scores against the gate holdout's deciles (a value
  several deciles share is a bin of its own; :func:`score_quantiles`) is above
  both the threshold and what sampling alone gives at these sizes (the 99th percentile of
  ``χ²(bins-1) · (1/n_ref + 1/n_cur)``).

A **regressor** (:func:`regression_reference`, :func:`realized_regression`) has two per-row
losses, the squared error ``(y - ŷ)²`` and the absolute error ``|y - ŷ|``: their means are the MSE
and the MAE, their standard errors ``std / sqrt(n)`` (recorded as ``mse``/``mse_se`` and
``mae``/``mae_se``), each judged by ``realized_z``/``cusum_h`` like the ROC AUC and the Brier
score of a classifier (either fires); its prediction drift bins the predictions themselves by the
gate holdout's deciles. Squared errors are
heavy-tailed (a few large errors dominate their variance): the z-test on their mean is still
valid asymptotically — the central limit theorem needs only a finite variance of ``(y - ŷ)²``, a
finite fourth moment of the error. With a few hundred labels and a heavy-tailed error it is
conservative (a large error raises the mean and its standard error together: fewer false alarms
than nominal, less power; ``benchmarks/bench_squared_error_z.py``), and the CUSUM over several
windows catches what one window cannot prove. The absolute error has much lighter tails (a finite
variance needs only a finite second moment of the error): its z-test keeps its power where the
squared error's has almost none (t3, lognormal errors; the same benchmark).

Binary models score ``P(classes[1])``; multiclass models the probability of the predicted class
plus its index (a class-major ordering PSI can bin). Classes the model never saw count as errors
(probability 0), as in :mod:`ctloop.metrics`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

CUSUM_K = 0.5  # CUSUM slack, in standard errors of the loss
DECILES = 9  # score quantiles recorded at the gate: q10..q90
LOGGED_DECIMALS = 8  # a logged score written with more decimals is read as written in full
GATE_KEYS = ("roc_auc_se", "brier", "brier_se", "rows")


def auc_variance(auc: float, n_pos: int, n_neg: int) -> float:
    """Hanley & McNeil (1982) variance of an AUC estimated on ``n_pos`` positives and ``n_neg``
    negatives."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)) / (n_pos * n_neg)
    return max(float(var), 1e-8)


def auc_with_se(y: Any, proba: Any, classes: list) -> tuple[float, float]:
    """``(auc, se)``: the ROC AUC of :func:`ctloop.metrics.classification` (macro one-vs-rest over
    the classes present; labels the model never saw scored as errors at their share,
    :func:`ctloop.metrics.at_share`) and its standard error (Hanley & McNeil's over the known rows,
    times their share: every unseen row is wrong whatever the sample). NaN with one known class."""
    import numpy as np

    from ctloop.metrics import at_share, class_positions, fast_auc, unseen_share

    proba = np.asarray(proba, dtype=float)
    pos, labels = class_positions(y, list(classes))
    known, share = unseen_share(pos, len(classes))
    if share >= 1:
        return at_share("roc_auc", float("nan"), share), float("nan")
    if share > 0:
        pos, proba = pos[known], proba[known]
    present = np.unique(pos)
    if len(present) < 2:
        return float("nan"), float("nan")
    targets = [1] if len(classes) == 2 else list(present)
    aucs, variances = [], []
    for k in targets:
        hit = pos == k
        a = fast_auc(hit, proba[:, k])
        aucs.append(a)
        variances.append(auc_variance(a, int(hit.sum()), int((~hit).sum())))
    return (at_share("roc_auc", float(np.mean(aucs)), share),
            (1.0 - share) * float(math.sqrt(np.sum(variances)) / len(aucs)))


def class_aucs(y: Any, proba: Any, classes: list, model_classes: int | None = None) -> dict[str, float]:
    """A multiclass model's one-vs-rest ROC AUC per class present (index ``k`` of ``classes``), over
    the rows of classes the model has: ``roc_auc_c<k>``, its Hanley & McNeil variance
    ``roc_auc_c<k>_var`` and Mann & Whitney's null variance ``roc_auc_c<k>_null`` (from the counts
    alone); the share of rows whose label the model never saw, ``roc_auc_unseen_share`` (when any:
    :func:`ctloop.metrics.at_share`, applied by :func:`ctloop.monitoring.rules.class_comparison`). The
    realized rules compare a window with the gate over the classes both saw, each weighted by the
    information it carries (:func:`ctloop.monitoring.rules.class_comparison`): the macro mean over
    the classes present gave a class of one or two rows (random ranking, an AUC anywhere in
    0..1) a full share, and a stable stream read as a confident loss. Empty for a binary model
    or one class. ``model_classes``: how many of ``classes`` the model itself has (the gate passes
    its holdout's labels after them: they are unseen labels too, and a binary model stays binary)."""
    import numpy as np

    from ctloop.metrics import class_positions, fast_auc, unseen_share

    proba = np.asarray(proba, dtype=float)
    pos, _ = class_positions(y, list(classes))
    own = len(classes) if model_classes is None else int(model_classes)
    if own <= 2:
        return {}
    known, share = unseen_share(pos, own)
    pos, proba = pos[known], proba[known]
    present = np.unique(pos)
    if len(present) < 2:
        return {}
    out: dict[str, float] = {}
    for k in present:
        hit = pos == k
        n_pos, n_neg = int(hit.sum()), int((~hit).sum())
        a = fast_auc(hit, proba[:, k])
        out.update({f"roc_auc_c{k}": float(a), f"roc_auc_c{k}_var": auc_variance(a, n_pos, n_neg),
                    f"roc_auc_c{k}_null": (n_pos + n_neg + 1) / (12 * n_pos * n_neg)})
    if share > 0:  # labels the model never saw: errors at their share of the rows (not one more class)
        out["roc_auc_unseen_share"] = share
    return out


def chance_se(y: Any, classes: list) -> float:
    """The standard error of a ROC AUC of a model that ranks at random (0.5), as
    :func:`auc_with_se` averages it (macro one-vs-rest over the known classes present, times the known
    rows' share: labels the model never saw are errors at their share, :func:`ctloop.metrics.at_share`):
    Mann & Whitney's
    null variance ``(n_pos + n_neg + 1) / (12 n_pos n_neg)`` per class (ties left out: a little
    wider); the classes' AUCs share their rows, so a macro average takes the mean of their standard
    errors (as if fully correlated; independent ones fired in 2.3 % of random 3-class windows). Below chance is a test against 0.5: Hanley & McNeil's variance at the estimate shrinks
    as the AUC goes to 0, so with a handful of positives a model scoring at random looked
    confidently backwards (one positive in 300 rows: 17 % of windows at ``z`` 2.326, not 1 %). NaN
    with one known class."""
    import numpy as np

    from ctloop.metrics import class_positions, unseen_share

    pos, _ = class_positions(y, list(classes))
    known, share = unseen_share(pos, len(classes))
    pos = pos[known]
    present = np.unique(pos)
    if len(present) < 2:
        return float("nan")
    targets = [1] if len(classes) == 2 else list(present)
    sds = []
    for k in targets:
        n_pos = int((pos == k).sum())
        n_neg = len(pos) - n_pos
        sds.append(math.sqrt((n_pos + n_neg + 1) / (12 * n_pos * n_neg)))
    return (1.0 - share) * float(sum(sds) / len(sds))


def brier_rows(y: Any, proba: Any, classes: list) -> np.ndarray:
    """Per-row multiclass Brier score ``sum_k (p_k - [y = k])²``; a label the model never saw adds 1."""
    import numpy as np

    from ctloop.metrics import class_positions

    proba = np.asarray(proba, dtype=float)
    pos, _ = class_positions(y, list(classes))
    seen = pos < len(classes)
    onehot = np.zeros_like(proba)
    onehot[np.flatnonzero(seen), pos[seen]] = 1.0
    return ((proba - onehot) ** 2).sum(axis=1) + (~seen).astype(float)


def brier_chance(y: Any) -> float:
    """The Brier score (as :func:`brier_rows` sums it over the classes) of a model that knows nothing but the
    class shares ``q_k`` of the labels ``y`` and predicts them for every row: ``1 - sum_k q_k²`` (0.5 for two
    balanced classes, 0 for one class). Recorded at the gate, it is the chance end of the Brier score's scale,
    as 0.5 is the ROC AUC's: the realized rules' minimum effect (``realized_min_effect``,
    :func:`ctloop.monitoring.rules.min_effect`) is a share of it (floored there at a class share of one row of
    the gate's: a holdout of one class scores 0). NaN without labels."""
    import numpy as np

    values = np.asarray(y).reshape(-1)
    if not len(values):
        return float("nan")
    _, counts = np.unique(values.astype(str) if values.dtype.kind == "O" else values, return_counts=True)
    shares = counts / counts.sum()
    return float(1.0 - np.sum(shares * shares))


def scores_of(proba: Any) -> np.ndarray:
    """One number per row for prediction drift (see the module doc)."""
    import numpy as np

    proba = np.asarray(proba, dtype=float)
    if proba.ndim == 1:
        return proba
    if proba.shape[1] == 2:
        return proba[:, 1]
    return np.argmax(proba, axis=1) + np.max(proba, axis=1)


def gate_reference(y: Any, proba: Any, classes: list, scores: Any = None,
                   model_classes: int | None = None) -> dict[str, float]:
    """What the rules need from a model's holdout: ``roc_auc_se``, ``brier``, ``brier_se``, ``rows``,
    ``brier_chance`` (:func:`brier_chance`: the scale of the realized rules' minimum effect) and the score deciles ``score_q10`` … ``score_q90`` of ``scores`` (default: :func:`scores_of`
    ``proba``; NaN values left out); a multiclass model's per-class statistics (:func:`class_aucs`,
    ``model_classes`` of ``classes`` its own)."""

    _, se = auc_with_se(y, proba, classes)
    b = brier_rows(y, proba, classes)
    out = {"roc_auc_se": se, "brier": float(b.mean()) if len(b) else float("nan"),
           "brier_se": float(b.std() / math.sqrt(len(b))) if len(b) > 1 else float("nan"), "rows": float(len(b)),
           "brier_chance": brier_chance(y)}
    if len(b):
        out.update(score_quantiles(scores_of(proba) if scores is None else scores))
        out.update(class_aucs(y, proba, classes, model_classes))
    return {k: v for k, v in out.items() if v == v}


def score_quantiles(scores: Any) -> dict[str, float]:
    """The reference of prediction drift: the deciles ``score_q10`` … ``score_q90`` of ``scores``
    (NaN left out) and, per decile, the share of the scores strictly below it (``score_lt_q10`` …)
    and at or below it (``score_le_q10`` …). Tied deciles are a value many scores share (a
    constant prediction, a forest's 0 and 1 votes): that value gets a bin of its own
    (:func:`score_edges`), and only the recorded shares say how much lies below and in it."""
    import numpy as np

    scores = np.asarray(scores, dtype=float).reshape(-1)
    scores = np.sort(scores[~np.isnan(scores)])
    if not len(scores):
        return {}
    qs = np.quantile(scores, np.linspace(0, 1, DECILES + 2)[1:-1])
    lt = np.searchsorted(scores, qs, side="left") / len(scores)
    le = np.searchsorted(scores, qs, side="right") / len(scores)
    out: dict[str, float] = {}
    for i, q in enumerate(qs):
        name = f"q{10 * (i + 1)}"
        out.update({f"score_{name}": float(q), f"score_lt_{name}": float(lt[i]), f"score_le_{name}": float(le[i])})
    return out


def squared_errors(y: Any, pred: Any) -> np.ndarray:
    """A regressor's per-row loss ``(y - ŷ)²``; rows with a missing label or prediction left out."""
    import numpy as np

    err = (np.asarray(y, dtype=float) - np.asarray(pred, dtype=float).reshape(-1)) ** 2
    return err[~np.isnan(err)]


def mean_with_se(rows: Any, power: int = 1) -> tuple[float, float]:
    """``(mean, se)`` of per-row losses ``rows ** power``, ``se = std / sqrt(n)``; NaN when
    undefined (no rows, or one row for the se). Computed on the rows divided by a power of two near the largest
    and scaled back, so neither overflows nor underflows where the result itself is a float64 (the se
    of squared errors of ~1e77 was ``inf``, of ~1e-100 ``0``)."""
    mean, se, factor = _scaled_moments(rows, power)
    return mean * factor, se * factor


def _scaled_moments(rows: Any, power: int) -> tuple[float, float, float]:
    """``(mean, se, factor)``: :func:`mean_with_se` of ``(rows / unit) ** power`` and the factor
    ``unit ** power`` that scales them back (``inf`` or 0 where that is no float64); ``unit`` the
    power of two near the largest row (:func:`ctloop.metrics.unit_of`)."""
    import numpy as np

    from ctloop.metrics import unit_of

    rows = np.asarray(rows, dtype=float)
    n = len(rows)
    if not n:
        return float("nan"), float("nan"), 1.0
    unit = unit_of(rows)  # a power of two: bit for bit the unscaled sums where those are float64
    scaled = (rows / unit) ** power
    factor = math.prod([unit] * power)  # float products: inf or 0, never OverflowError
    return float(scaled.mean()), (float(scaled.std()) / math.sqrt(n) if n > 1 else float("nan")), factor


def _loss_pairs(err: np.ndarray) -> dict[str, float]:
    """The squared error's (``mse``, ``mse_se``) and the absolute error's (``mae``, ``mae_se``)
    mean and standard error of the errors ``err`` (no NaN; a NaN se when one row). A pair is left
    out when the rules (:mod:`ctloop.monitoring.rules`, Python floats) cannot compute with it: they
    square the se and divide by its square, so each value must be 0 or within ``[1/L, L]``
    (``L`` = :data:`ctloop.metrics.LARGEST_VALUE`: errors past ~1e75 or below ~1e-75 for the
    squared error); a pair past ``L`` was ``inf``, one below ``1/L`` a wrong 0 (a statistic not
    recorded: the other loss judges the window)."""
    import numpy as np

    from ctloop.metrics import LARGEST_VALUE

    out: dict[str, float] = {}
    for key, rows, power in (("mse", err, 2), ("mae", np.abs(err), 1)):
        mean, se, factor = _scaled_moments(rows, power)
        values = {key: mean * factor, f"{key}_se": se * factor}
        if all(s == 0 or s != s or 1 / LARGEST_VALUE <= abs(v) <= LARGEST_VALUE
               for s, v in zip((mean, se), values.values(), strict=True)):
            out.update(values)
    return out


def regression_reference(y: Any, pred: Any) -> dict[str, float]:
    """What the rules need from a regressor's holdout: the mean squared error ``mse`` with its
    standard error ``mse_se``, the mean absolute error ``mae`` with ``mae_se`` (the same ``mae`` as
    the gate's metric, :mod:`ctloop.metrics`), ``rows``, and the prediction deciles ``score_q10`` …
    ``score_q90`` (the reference of prediction drift), the chance levels ``mse_chance``/``mae_chance``
    (:func:`regression_chance`). NaN values left out, and a pair the rules
    cannot compute with (errors past ~1e75 or below ~1e-75: :func:`_usable`)."""
    import numpy as np

    pred = np.asarray(pred, dtype=float).reshape(-1)
    err = np.asarray(y, dtype=float) - pred
    out = {**_loss_pairs(err[~np.isnan(err)]), "rows": float(len(pred)), **regression_chance(y)}
    out.update(score_quantiles(pred))
    return {k: v for k, v in out.items() if v == v}


def regression_chance(y: Any) -> dict[str, float]:
    """The chance ends of a regressor's two loss scales on its gate holdout's labels ``y``: ``mse_chance``,
    the squared error of predicting their mean for every row (their variance), and ``mae_chance``, the
    absolute error of predicting their median (their mean absolute deviation from it) — what a model that
    knows nothing but the labels' level scores, as 0.5 is a ROC AUC's chance. The realized rules' minimum
    effect (:func:`ctloop.monitoring.rules.min_effect`) is a share of the champion's own gate error (the
    goal counts a regressor's points as 1 % of it); these only floor a gate error that collapsed (a
    near-exact champion, R² above 0.9999: its standard errors collapse with it, and any loss would be
    confident). Empty without two labels; a value
    past what the rules compute with is left out (:data:`ctloop.metrics.LARGEST_VALUE`)."""
    import numpy as np

    from ctloop.metrics import LARGEST_VALUE

    values = np.asarray(y, dtype=float).reshape(-1)
    values = values[~np.isnan(values)]
    if len(values) < 2:
        return {}
    mse, _ = mean_with_se(values - values.mean(), power=2)
    mae = float(np.mean(np.abs(values - np.median(values))))
    return {k: v for k, v in (("mse_chance", mse), ("mae_chance", mae))
            if v == v and (v == 0 or 1 / LARGEST_VALUE <= v <= LARGEST_VALUE)}


def realized_regression(y: Any, pred: Any) -> dict[str, float]:
    """The record fields of the realized rules for a regressor's labelled rows: ``mse``, ``mse_se``,
    ``mae``, ``mae_se`` (the realized RMSE/MAE/R² itself is the record's ``realized``; a pair the
    rules cannot compute with is left out, :func:`_usable`) and ``chance_gap``,
    ``chance_gap_se``: minus the Spearman correlation of the predictions with the labels, and its
    standard error at chance (``1 / sqrt(n - 1)``) — above 0 when the predictions rank the labels
    backwards, a regressor's counterpart of a ROC AUC below 0.5. Not the squared errors against
    the window's own mean: within a day or a week the labels may spread less than any model's
    error, and a sound model would look worse than chance. None of the pair when the labels or
    the predictions are constant."""
    import numpy as np
    from scipy.stats import rankdata

    y = np.asarray(y, dtype=float)
    pred = np.asarray(pred, dtype=float).reshape(-1)
    ok = ~(np.isnan(y) | np.isnan(pred))
    y, pred = y[ok], pred[ok]
    out = _loss_pairs(y - pred)
    if len(y) > 2 and np.ptp(y) > 0 and np.ptp(pred) > 0:
        rho = float(np.corrcoef(rankdata(y), rankdata(pred))[0, 1])
        out.update({"chance_gap": -rho, "chance_gap_se": 1.0 / math.sqrt(len(y) - 1)})
    return {k: v for k, v in out.items() if v == v}


def deciles_from(gate: dict[str, float]) -> list[float] | None:
    """The score deciles recorded at the gate (``score_q10`` …), or None."""
    qs = [gate.get(f"score_q{10 * (i + 1)}") for i in range(DECILES)]
    return None if any(q is None for q in qs) else [float(q) for q in qs]


def realized_inputs(y: Any, proba: Any, classes: list) -> dict[str, float]:
    """The record fields of the realized rules for labelled rows: ``realized_se`` (of the ROC AUC;
    the realized metric itself is the record's ``realized``), ``brier``, ``brier_se``, and
    ``chance_gap``/``chance_gap_se``: how far the ROC AUC is below chance (0.5 minus it: above 0
    means the model ranks the classes backwards; its standard error at chance, :func:`chance_se`),
    whatever the primary metric. None where undefined
    (one class: no ROC AUC)."""
    auc, se = auc_with_se(y, proba, classes)
    brier, brier_se = mean_with_se(brier_rows(y, proba, classes))
    out = {"realized_se": se, "brier": brier, "brier_se": brier_se, "chance_gap": 0.5 - auc,
           "chance_gap_se": chance_se(y, classes), **class_aucs(y, proba, classes)}
    return {k: (v if v == v else None) for k, v in out.items()}


def recorded_slack(values: Any) -> np.ndarray:
    """How far a decile the gate recorded may lie from the scores at it: one unit of its sixth
    significant digit (the evaluate metrics keep six decimals or six significant digits, the
    registry tags six significant digits: a score many rows share, -2.851410630345174, comes
    back as -2.85141), at most half the way to the next distinct decile; 0 at 0."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore"):
        slack = np.where(values != 0, 10.0 ** (np.floor(np.log10(np.abs(values))) - 5), 0.0)
    if len(values) > 1:
        gaps = np.diff(values)
        slack = np.minimum(slack, 0.49 * np.minimum(np.r_[np.inf, gaps], np.r_[gaps, np.inf]))
    return slack


def score_edges(deciles: list[float]) -> np.ndarray:
    """The bin edges of prediction drift: each distinct decile, less its :func:`recorded_slack`
    (a score at a decile the registry rounded still counts as at it, not below it), and past a
    decile that several share (a value many scores take) its slack (or the next float), so that
    value is a bin of its own."""
    import numpy as np

    values, tied = np.unique(np.asarray(deciles, dtype=float), return_counts=True)
    slack = recorded_slack(values)
    upper = np.where(slack > 0, values + slack, np.nextafter(values, np.inf))
    return np.sort(np.concatenate([values - slack, upper[tied > 1]]))


def logged_unit(values: Any) -> float:
    """The unit of the last decimal a producer wrote its scores with (``round(p, 4)`` in a
    predictor, ``%.4f`` in a transformer: 1e-4), 0 when some finite value has more than
    :data:`LOGGED_DECIMALS` decimals (the scores were written in full) or none is finite."""
    import numpy as np

    values = np.asarray(values, dtype=float).reshape(-1)
    values = values[np.isfinite(values)]
    if not len(values):
        return 0.0
    largest, head = float(np.abs(values).max()), values[:1024]  # most decimals fail on a few values
    for decimals in range(LOGGED_DECIMALS + 1):
        if largest * 10.0 ** decimals >= 1e13:  # past the digits a float holds: no longer a test
            return 0.0
        if _whole(head * 10.0 ** decimals).all() and _whole(values * 10.0 ** decimals).all():
            return 10.0 ** -decimals
    return 0.0


def _whole(scaled: Any) -> np.ndarray:
    """Which of ``scaled`` are whole numbers, but for the float error of the scaling."""
    import numpy as np

    return np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, np.abs(scaled))


def score_atoms(deciles: list[float], gate: dict[str, float] | None = None) -> list[bool]:
    """Which deciles are a value the reference's scores share (an atom: a k-neighbours
    classifier's 1/7, a tree's leaf): one several deciles share, or one at which the gate recorded
    two rows or more (``score_le_q…`` above ``score_lt_q…`` by 1.5 rows; an older gate record has
    no shares: tied deciles only). A continuous decile lies between the scores."""
    import numpy as np

    gate = gate or {}
    values = np.asarray(deciles, dtype=float)
    rows = float(gate.get("rows") or 0.0)
    atoms = []
    for i, value in enumerate(values):
        lt, le = gate.get(f"score_lt_q{10 * (i + 1)}"), gate.get(f"score_le_q{10 * (i + 1)}")
        shared = (le - lt) * rows >= 1.5 if lt is not None and le is not None and rows else False
        atoms.append(bool((values == value).sum() > 1 or shared))
    return atoms


def snap_scores(deciles: list[float], scores: Any, logged: tuple[float, int] = (0.0, 1),
                atoms: list[bool] | None = None) -> np.ndarray:
    """``scores`` with each one that may be an atom of the reference rounded replaced by it.
    ``logged`` is ``(unit, spread)`` (:func:`served_rounding`): the producer wrote its scores in
    whole units and a score may lie ``spread`` half units from the model's; a score that close to
    an atom among the deciles (:func:`score_atoms`, default: the tied ones; plus the decile's own
    :func:`recorded_slack`, never more than 0.49 of the way to the next distinct decile) is that
    atom. Only an atom the producer could not have written as it is (off its unit) is snapped to:
    one on it (a forest's 0.37 logged as 0.37) is the model's own value, and the scores a unit away
    are other values. An atom is a bin of its own or starts one (:func:`score_edges`): 1/7 logged
    as 0.1429 lay just past it, and a champion read PSI ~10 against its own gate. Continuous
    deciles are left alone: their rounded neighbours lie on both sides."""
    import numpy as np

    scores = np.asarray(scores, dtype=float)
    unit, spread = logged
    if unit <= 0 or not len(scores):
        return scores
    deciles = np.asarray(deciles, dtype=float)
    flags = [bool(a) for a in atoms] if atoms is not None and len(atoms) == len(deciles) else None
    flags = flags if flags is not None else score_atoms(list(deciles))
    values = np.unique(deciles)
    atom = np.array([any(f for d, f in zip(deciles, flags, strict=True) if d == v) for v in values])
    reach = np.where(atom & ~_whole(values / unit), spread * unit / 2 + recorded_slack(values), 0.0)
    if len(values) > 1:
        gaps = np.diff(values)
        reach = np.minimum(reach, 0.49 * np.minimum(np.r_[gaps[0], gaps], np.r_[gaps, gaps[-1]]))
    above = np.clip(np.searchsorted(values, scores), 0, len(values) - 1)
    below = np.clip(above - 1, 0, len(values) - 1)
    near = np.where(np.abs(scores - values[below]) <= np.abs(scores - values[above]), below, above)
    return np.where(np.abs(scores - values[near]) <= reach[near], values[near], scores)


def bin_counts(deciles: list[float], scores: Any, logged: tuple[float, int] = (0.0, 1),
               atoms: list[bool] | None = None) -> np.ndarray:
    """How many of ``scores`` fall in each bin of :func:`score_edges` (bin 0 lies below the first
    edge, bin j from edge j-1 up to edge j, the last is open); scores a producer ``logged``
    rounded are read as the ``atoms`` they round (:func:`snap_scores`). Counts add up across
    the partitions of a window: the mergeable form of :func:`psi`'s input."""
    import numpy as np

    edges = score_edges(deciles)
    return np.bincount(np.searchsorted(edges, snap_scores(deciles, scores, logged, atoms), side="right"),
                       minlength=len(edges) + 1)


def reference_shares(deciles: list[float], gate: dict[str, float] | None = None) -> np.ndarray:
    """The reference's share in each bin of :func:`score_edges`: from the shares below and at the
    deciles the gate recorded (:func:`score_quantiles`), else (a gate record of an older ctloop)
    estimated: a tenth between distinct deciles, and a value ``k`` deciles share holds ``k`` tenths
    with half a tenth on each side."""
    import numpy as np

    gate = gate or {}
    names = [f"q{10 * (i + 1)}" for i in range(DECILES)]
    lt, le = ([gate.get(f"score_{kind}_{n}") for n in names] for kind in ("lt", "le"))
    recorded = len(deciles) == DECILES and not any(v is None for v in (*lt, *le))
    values = np.asarray(deciles, dtype=float)
    below = []  # the share strictly below each edge
    for value in np.unique(values):
        at = np.flatnonzero(values == value)
        first, last, atom = int(at[0]), int(at[-1]), len(at) > 1
        if recorded:
            below.append(float(lt[first]))
            if atom:
                below.append(float(le[last]))
        elif atom:
            below += [(first + 0.5) / (len(values) + 1), (last + 1.5) / (len(values) + 1)]
        else:
            below.append((first + 1) / (len(values) + 1))
    return np.clip(np.diff(np.concatenate([[0.0], np.maximum.accumulate(np.clip(below, 0, 1)), [1.0]])), 0, None)


def psi_from_counts(deciles: list[float], reference_rows: float, counts: Any,
                    gate: dict[str, float] | None = None) -> tuple[float, float]:
    """``(psi, null_bound)`` of binned scores (:func:`bin_counts`) against the reference's shares
    in the same bins (:func:`reference_shares`, from ``gate`` when it recorded them)."""
    import numpy as np
    from scipy.stats import chi2

    counts = np.asarray(counts, dtype=float)
    n = float(counts.sum())
    ref = reference_shares(deciles, gate)
    cur = counts / max(n, 1)
    rp, cp = np.clip(ref, 1e-4, None), np.clip(cur, 1e-4, None)
    value = float(np.sum((cp - rp) * np.log(cp / rp)))
    bound = float(chi2.ppf(0.99, max(len(ref) - 1, 1)) * (1 / max(reference_rows, 1) + 1 / max(n, 1)))
    return value, bound


def psi(deciles: list[float], reference_rows: float, scores: Any,
        gate: dict[str, float] | None = None, logged: tuple[float, int] = (0.0, 1)) -> tuple[float, float]:
    """``(psi, null_bound)`` of ``scores`` (as a producer ``logged`` them, :func:`served_rounding`)
    against a reference summarised by its deciles (and the shares ``gate`` recorded at them)."""
    atoms = score_atoms(deciles, gate) if logged[0] > 0 else None
    return psi_from_counts(deciles, reference_rows, bin_counts(deciles, scores, logged, atoms), gate)


def score_bin_spec(task: str, classes: list | None, gate: dict[str, float] | None) -> tuple[float, ...]:
    """What a streamed window bins its served scores by for prediction drift: the champion's gate
    deciles, which of them are atoms (:func:`score_atoms`, 1.0 or 0.0) and its class count, or
    ``()`` when the rule has nothing to compare with."""
    deciles = deciles_from(gate or {})
    if deciles is None:
        return ()
    atoms = [float(a) for a in score_atoms(deciles, gate)]
    if task == "regression":
        return (*deciles, *atoms, 0.0)  # no classes: the prediction itself is binned
    if task != "classification" or not classes:
        return ()
    return (*deciles, *atoms, float(len(classes)))


def score_bins_of(spec: tuple[float, ...], logged_scores: Any) -> np.ndarray:
    """:func:`bin_counts` of logged score columns (rows with a missing score left out), for
    ``spec`` from :func:`score_bin_spec`: the same scores :func:`served_prediction_drift` bins."""
    import numpy as np

    from ctloop.metrics import probability_matrix

    deciles, atoms, n_classes = list(spec[:DECILES]), [a > 0 for a in spec[DECILES:-1]], int(spec[-1])
    if n_classes == 0:  # a regressor's spec: its one prediction column, coerced as served_prediction_drift does
        scores = _numbers(logged_scores).reshape(-1)
    else:
        scores = _score_columns(logged_scores)
    scores = scores[~np.isnan(scores).any(axis=1)] if scores.ndim == 2 else scores[~np.isnan(scores)]
    if not len(scores):
        return np.zeros(len(score_edges(deciles)) + 1, dtype=np.int64)
    return bin_counts(deciles, scores if n_classes == 0 else scores_of(probability_matrix(scores, n_classes)),
                      served_rounding(scores), atoms)


def served_rounding(logged: Any) -> tuple[float, int]:
    """How the served scores (:func:`scores_of` of the logged columns) were rounded: ``(unit,
    spread)``, the :func:`logged_unit` of the logged values and how many half units a score may
    lie from the model's: 1 for one column, one more than the columns for a matrix (its rows are
    renormalised to sum to 1, and each rounded probability moves the sum)."""
    import numpy as np

    logged = np.asarray(logged, dtype=float)
    width = logged.shape[1] if logged.ndim == 2 and logged.shape[1] > 1 else 0
    return logged_unit(logged), width + 1


def drift_from_bins(gate: dict[str, float], counts: Any) -> dict[str, float]:
    """:func:`prediction_drift` from a window's merged :func:`score_bins_of` counts."""
    import numpy as np

    deciles = deciles_from(gate)
    if deciles is None or not np.asarray(counts).sum():
        return {}
    value, bound = psi_from_counts(deciles, gate.get("rows", 0.0), counts, gate)
    return {"psi": value, "psi_bound": bound}


def prediction_drift(gate: dict[str, float], proba: Any, logged: tuple[float, int] = (0.0, 1)) -> dict[str, float]:
    """The record fields of the prediction-drift rule: ``psi`` and ``psi_bound`` (empty when the
    champion recorded no score deciles at its gate, or the window has no rows); ``logged``: how a
    producer rounded the scores (:func:`served_rounding`; the backtest's are the model's own)."""
    import numpy as np

    deciles = deciles_from(gate)
    proba = np.asarray(proba, dtype=float)
    if deciles is None or not len(proba):
        return {}
    value, bound = psi(deciles, gate.get("rows", 0.0), scores_of(proba), gate, logged)
    return {"psi": value, "psi_bound": bound}


def realized_record(task: str, metric: str, y: Any, proba: Any, classes: list | None) -> dict[str, float | None]:
    """A window's realized record from its labelled rows, the one computation of the backtest's windows
    (``ctloop.backtest``, the default policy) and of monitor_model (:func:`served_realized`, whose canary
    check and reports score by the same :mod:`ctloop.metrics`): ``realized``, the realized ``metric``
    (:func:`ctloop.metrics.compute`; None where undefined, e.g. a ROC AUC over one class), and what the
    realized rules read beside it (:func:`realized_inputs` of a classifier, :func:`realized_regression` of
    a regressor; None where undefined). ``proba``: a classifier's probability matrix (columns in the order
    of ``classes``), a regressor's predictions.

    A label of a class the model never saw (``classes`` recorded) is an error at its share of the rows
    (:func:`ctloop.metrics.at_share`) in the metric and in every statistic of the rules (issue 14 items 1
    and 4: until round 59 monitor_model left such labels out while the backtest scored them as one more
    class of a macro mean, so the two disagreed on a window with a late class)."""
    from ctloop.metrics import compute

    try:
        value = compute(task, y, proba, list(classes or []))[metric]
    except ValueError:  # what cannot be scored (negative "probabilities" logged) is undefined, as metric_values
        value = float("nan")
    out: dict[str, float | None] = {"realized": value if value == value else None}
    if task == "classification":
        out.update(realized_inputs(y, proba, list(classes or [])))
    elif task == "regression":
        out.update(realized_regression(y, proba))
    return out


def served_realized(task: str, metric: str, classes: list | None, labels: Any, logged_scores: Any
                    ) -> dict[str, float]:
    """:func:`realized_record` of a classifier's logged scores (``prediction_1`` or every
    ``prediction_<i>`` column) against the labels, of a regressor's logged ``prediction``; the rows
    are those the metric uses (:func:`ctloop.labels.realized.scorable`). A classifier whose classes
    were not recorded: only ``realized``, over the labels 0/1 (the rules' statistics need the classes).
    Empty with no rows; a statistic that is undefined is left out."""
    import numpy as np

    from ctloop.labels.realized import BINARY_CLASSES, metric_value
    from ctloop.metrics import probability_matrix

    if not len(labels):
        return {}
    if task == "regression":
        got = realized_record(task, metric, _numbers(labels), _numbers(logged_scores), None)
    elif task != "classification":
        return {}
    elif not classes:
        got = {"realized": metric_value(metric, labels, logged_scores, list(BINARY_CLASSES))}
    else:
        scores = _score_columns(logged_scores)
        got = realized_record(task, metric, np.asarray(labels), probability_matrix(scores, len(classes)),
                              list(classes))
    return {k: v for k, v in got.items() if v is not None and v == v}


def served_prediction_drift(task: str, classes: list | None, gate: dict[str, float], logged_scores: Any
                            ) -> dict[str, float]:
    """:func:`prediction_drift` of a classifier's logged scores or a regressor's logged predictions
    (rows with a missing score left out)."""
    import numpy as np

    from ctloop.metrics import probability_matrix

    if task == "regression":
        pred = _numbers(logged_scores)
        pred = pred[~np.isnan(pred)]
        return prediction_drift(gate, pred, served_rounding(pred)) if len(pred) else {}
    if task != "classification" or not classes:
        return {}
    scores = _score_columns(logged_scores)
    scores = scores[~np.isnan(scores).any(axis=1)] if scores.ndim == 2 else scores[~np.isnan(scores)]
    return (prediction_drift(gate, probability_matrix(scores, len(classes)), served_rounding(scores))
            if len(scores) else {})


def _score_columns(values: Any) -> np.ndarray:
    """A classifier's logged score column(s) as floats, text that is no number NaN (as
    :func:`ctloop.labels.realized.realized_metrics` reads them): a bad logged value is a missing
    score, not a crash of the monitoring step. One column (a binary classifier's ``prediction_1``,
    passed as a one-column frame) is that column: a one-column matrix would be a one-class model's."""
    import numpy as np
    import pandas as pd

    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.dtype.kind in "biuf":
        return array.astype(float)
    if array.ndim == 1:
        return pd.to_numeric(pd.Series(array), errors="coerce").to_numpy(dtype=float)
    return np.column_stack([pd.to_numeric(pd.Series(array[:, j]), errors="coerce").to_numpy(dtype=float)
                            for j in range(array.shape[1])]) if array.shape[1] else array.astype(float)


def _numbers(values: Any) -> np.ndarray:
    """One column of labels or predictions as floats (text that is no number is NaN)."""
    import numpy as np
    import pandas as pd

    array = np.asarray(values)
    if array.ndim == 2:
        array = array[:, 0]
    if array.dtype.kind in "biuf":
        return array.astype(float)
    return pd.to_numeric(pd.Series(array), errors="coerce").to_numpy(dtype=float)


__all__ = ["CUSUM_K", "realized_record", "served_realized", "served_prediction_drift", "GATE_KEYS", "auc_variance", "auc_with_se", "class_aucs", "chance_se", "brier_rows", "scores_of", "gate_reference",
           "deciles_from", "realized_inputs", "brier_chance", "psi", "prediction_drift", "bin_counts", "psi_from_counts",
           "score_quantiles", "score_edges", "recorded_slack", "reference_shares", "logged_unit",
           "snap_scores", "served_rounding", "score_atoms", "LOGGED_DECIMALS",
           "score_bin_spec", "score_bins_of", "drift_from_bins"]
__all__ += ["squared_errors", "mean_with_se", "regression_reference", "regression_chance", "realized_regression"]  # regressors

"""Realized performance: the metrics of served predictions whose labels have arrived.

The metrics are :mod:`ctloop.metrics`' — the evaluation gate's definitions — applied to the
logged scores:

* binary classification: ``score`` is the logged positive-class probability (``prediction_1``);
  the positive class is ``classes[1]`` when the model's ``classes`` are given (labels may be text),
  else the label ``1``;
* multiclass: ``score`` is the list of the ``k`` class-probability columns ``prediction_0 …``
  in the order of ``classes`` (rounded logged probabilities are renormalised);
* regression: ``score`` is the logged ``prediction``.

A text label that is a class written in another Unicode form, case or with other spaces (``'Yes'``
for the class ``'yes'``) is that class, as the evaluation gate reads it (:func:`as_classes`, decided
per model version, revision and window as the gate decides it per holdout). A label of
a class the model never saw (its ``classes`` given, as the champion recorded them) is scored as an error at
its share of the labelled rows (:func:`ctloop.metrics.at_share`), as the backtest scores it: one rule for
both (issue 14; until round 59 such labels were left out here). A label that cannot be read at all is left
out of the metric and of its row count, and callers report how many (:func:`scorable`): a classifier's label
other than ``0``/``1`` when its classes are not given (``'yes'`` is no error against a guess of ``[0, 1]``),
a regressor's label that is no number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctloop import metrics as M
from ctloop.columns import LABEL, PREDICTION, TIME, class_probability_columns, prediction_column
from ctloop.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

BINARY_CLASSES = [0, 1]  # a classifier's labels when its classes are not known


def resolve(task: str, metric: str = "", score_column: str = "",
            classes: list | None = None) -> tuple[str, str | list[str], list[str]]:
    """``(metric, score, warnings)`` with the task's defaults: ``roc_auc`` / ``prediction_1`` for a
    binary classifier, every ``prediction_<i>`` for a multiclass one (a ``score_column`` is then
    ignored, with a warning), ``rmse`` / ``prediction`` for a regressor."""
    metric = M.check_name(metric or M.default_primary(task), task, what="realized metric")
    warnings: list[str] = []
    if task == "regression":
        return metric, score_column or PREDICTION, warnings
    if classes is not None and len(classes) > 2:
        if score_column:
            warnings.append(f"score_column {score_column!r} ignored: a {len(classes)}-class model is scored on "
                            f"prediction_0..prediction_{len(classes) - 1}")
        return metric, class_probability_columns(len(classes)), warnings
    return metric, score_column or prediction_column(1), warnings


def score_offers(frame: pd.DataFrame, task: str = "classification",
                 columns: list[str] | None = None) -> tuple[list[str], list[str]]:
    """``(offered, not offered)``: the logged ``prediction*`` columns of ``frame`` that can be a
    binary classifier's score (numbers in [0, 1]; of an output logged as every class's probability,
    ``<output>_0`` and ``<output>_1``, the second class's only), or a regressor's (numbers), and each
    other one with why, ``column (why)``. A model's predicted classes (integers, true/false, text, a
    ``*label*`` column, whole numbers outside a per-class ``<output>_<j>`` column) are never offered:
    a ROC AUC of hard decisions is no realized AUC. Floats of a per-class column that are all 0.0 or
    1.0 (a pure-leaf tree's probabilities) are offered, a column being per-class only when another
    logged column shares its ``<output>_`` prefix (was: by its name alone, so a lone
    ``prediction_output_0`` of hard 0.0/1.0 labels was offered). ``columns``: judge only these (default:
    every ``prediction*`` column), their per-class siblings still read from all of ``frame``."""
    import re

    import numpy as np
    import pandas as pd

    per_class = re.compile(r"(prediction(?:_.+)?)_(\d+)")
    logged = [str(c) for c in frame.columns if str(c).startswith("prediction")]
    siblings: dict[str, int] = {}  # <output> -> how many logged <output>_<j> columns
    for column in logged:
        if m := per_class.fullmatch(column):
            siblings[m.group(1)] = siblings.get(m.group(1), 0) + 1
    offered, refused, probabilities = [], [], []
    for column in logged if columns is None else [str(c) for c in columns]:
        values = frame[column].dropna()
        numbers = pd.to_numeric(values, errors="coerce") if not pd.api.types.is_bool_dtype(values) else None
        if numbers is None or numbers.isna().any():
            refused.append(f"{column} ({'true/false' if numbers is None else 'text'}: class labels, not "
                           f"{'numbers' if task == 'regression' else 'probabilities'})")
            continue
        x = numbers.to_numpy(dtype=float)
        if not len(x):
            refused.append(f"{column} (no value in the labelled rows)")
        elif task == "regression":
            offered.append(column)
        elif np.isfinite(x).all() and (np.mod(x, 1) == 0).all() and (
                pd.api.types.is_integer_dtype(values) or "label" in column
                or not ((m := per_class.fullmatch(column)) and siblings[m.group(1)] >= 2)):
            # whole numbers are classes unless floats of a class's column: probabilities all 0.0/1.0 (a
            # tree whose leaves are pure) are still probabilities (was: decided on the values alone)
            refused.append(f"{column} (whole numbers: class labels, not probabilities)")
        elif ((x < 0) | (x > 1)).any():
            refused.append(f"{column} (values outside [0, 1]: not probabilities)")
        else:
            probabilities.append(column)
    outputs: dict[str, set[int]] = {}
    for column in probabilities:
        if m := re.fullmatch(r"(prediction(?:_.+)?)_(\d+)", column):
            outputs.setdefault(m.group(1), set()).add(int(m.group(2)))
    for column in probabilities:
        m = re.fullmatch(r"(prediction(?:_.+)?)_(\d+)", column)
        if m and outputs[m.group(1)] == {0, 1} and m.group(2) == "0":
            refused.append(f"{column} (the first class's probability: a binary model is scored on the second "
                           f"class's, {m.group(1)}_1)")
        else:
            offered.append(column)
    return offered, refused


def score_columns(score: str | list[str] | tuple[str, ...]) -> list[str]:
    return [score] if isinstance(score, str) else list(score)


def label_array(y) -> np.ndarray:
    """Labels as an array: numeric labels as numbers (matched to numeric classes by value without
    a Python object per label: :func:`ctloop.metrics.class_positions`), anything else as objects."""
    import numpy as np

    dtype = getattr(y, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", "O") in "biuf":
        return np.asarray(y)
    return np.asarray(list(y) if dtype is None else y, dtype=object)


def as_classes(y, classes: list | None) -> np.ndarray:
    """Labels as an array (:func:`label_array`) with text read as the classes of ``classes`` it writes:

    * a label that is a text class in another Unicode form (NFD ``'cafe\u0301'`` for NFC
      ``'café'``: the same text, printed alike) is that class, always;
    * the numbers 1/0 (how the label store keeps True/False labels) are the classes ``'True'``/
      ``'False'`` when those two text classes (any case) are the model's (:func:`_boolean_names`);
    * any other number that is no class as written is the one text class of the same numeric value
      (1 is ``'01'``, 3 is ``'3.0'``; none when several, ``'1'`` and ``'01'``): a store of numbers
      keeps zero-padded codes as numbers (:func:`_number_names`);
    * a text label in another case or with other surrounding spaces than exactly one text class
      (``'Yes'`` for ``'yes'``: :func:`ctloop.metrics.same_class_text`; single characters differing in
      case stay apart) is that class, whether or not other labels write the class as itself: training
      refuses the two as spellings of one class (``train.core.check_labels``), the model cannot tell
      them apart.

    Decided on the labels ``y`` given: callers pass the labels of one group (one model version, one
    window), as the gate reads one holdout."""
    import unicodedata

    import pandas as pd

    y = label_array(y)
    if classes and len(y) and y.dtype.kind in "biuf":
        named = _boolean_names(y, classes)
        return _number_names(y, classes) if named is y else named
    if not classes or y.dtype != object or not any(isinstance(c, str) for c in classes) or not len(y):
        return y
    values = list(pd.unique(y))
    if not any(isinstance(v, str) for v in values):
        return _number_names(y, classes)  # numbers as objects (a joined frame's label column)
    positions, _ = M.class_positions(values, list(classes))
    others = [v for v, p in zip(values, positions, strict=True) if p >= len(classes) and isinstance(v, str)]
    respelled: dict[str, object] = {}
    nfc = {unicodedata.normalize("NFC", c): c for c in classes if isinstance(c, str)}
    for v in others:  # the same text in another Unicode form: no other spelling
        name = nfc.get(unicodedata.normalize("NFC", v), v)
        if name is not v:
            respelled[v] = name
    # a label whose text key is exactly one class's is that class, whether or not the window also writes the
    # class as itself: training refuses 'Yes' and 'yes' as two spellings of one class (train.core.check_labels),
    # so the model can never hold them apart (round 59's review H2: 40 'Yes' in a window with 'yes' were
    # scored as errors and fired realized_z)
    for v in others:
        if v in respelled:
            continue
        same = [name for name in classes if M.same_class_text(v, name)]
        if len(same) == 1:
            respelled[v] = same[0]
    if not respelled:
        return y
    out = y.copy()
    for value, name in respelled.items():
        out[y == value] = name
    return out


def _number_names(y: np.ndarray, classes: list) -> np.ndarray:
    """Numeric labels ``y`` that match no class as written read as the one text class of the same
    numeric value (:func:`ctloop.storage.numbers_as_text`, the serving runtime's rule for a number
    sent for a text feature): a store that started as numbers (``10``, ``11``) keeps a later file of
    codes (``01``, ``03``) as the numbers 1 and 3, which a model fitted on the text classes ``'01'``
    .. ``'12'`` matched as the unseen ``'1'``/``'3'`` and left out. A number that no text class or
    several (``'1'`` and ``'01'``) have the value of stays as it is."""
    import numbers

    import pandas as pd

    from ctloop.storage import number_categories, numbers_as_text

    by_value = number_categories(classes)
    if not by_value:
        return y
    values = pd.unique(y)
    positions, _ = M.class_positions(values, list(classes))
    unmatched = [v for v, p in zip(values, positions, strict=True)
                 if p >= len(classes) and isinstance(v, numbers.Number) and not isinstance(v, bool)]
    if not unmatched:
        return y
    texts = numbers_as_text(pd.Series(unmatched, dtype=object), by_value)
    names = {c for c in classes if isinstance(c, str)}
    recoded = {v: t for v, t in zip(unmatched, texts, strict=True) if t in names}
    if not recoded:
        return y
    out = y.astype(object)
    for value, name in recoded.items():
        out[y == value] = name
    return out


def _boolean_names(y: np.ndarray, classes: list) -> np.ndarray:
    """Numeric labels ``y`` read as the text classes ``'False'``/``'True'`` (any case, surrounding
    spaces) when those are the model's two classes: the label store keeps True/False labels as the
    numbers 0/1 (it holds numbers or names), and a class given as text (``--classes False,True``, a
    model fitted on the strings) matched them as ``'0'``/``'1'``, never. 1 is ``'True'``, 0 is
    ``'False'`` (as ``ctloop.metrics`` reads ``'true'``/``'false'`` for the numeric classes 1/0);
    other numbers stay as they are (not a class: left out)."""

    if len(classes) != 2 or not all(isinstance(c, str) for c in classes):
        return y
    names = {c.strip().lower(): c for c in classes}
    if set(names) != {"false", "true"}:
        return y
    values = y.astype(float)
    out = y.astype(object)
    out[values == 1] = names["true"]
    out[values == 0] = names["false"]
    return out


def scorable(y, classes: list | None = None, task: str = "classification") -> np.ndarray:
    """Which labels a metric can use: for a classifier whose ``classes`` are given every label (one
    of a class it never saw is an error at its share, :func:`ctloop.metrics.at_share`), ``0``/``1``
    when they are not; a number for a regressor. A missing label is none.
    Gate label counts (``min_labels``) on this, not on the joined rows."""
    import numpy as np
    import pandas as pd

    if task == "classification":  # what metric_values keeps: 0/1 when the classes are not given
        if classes:
            return np.asarray(pd.notna(label_array(y)), dtype=bool).reshape(-1)
        return M.known_classes(as_classes(y, classes), list(BINARY_CLASSES))
    values = pd.to_numeric(pd.Series(list(y) if not hasattr(y, "dtype") else y), errors="coerce")
    return np.isfinite(np.asarray(values, dtype=float))


def metric_values(names: tuple[str, ...] | list[str], y, score, classes: list | None = None,
                  task: str = "", *, read: bool = False) -> dict[str, float]:
    """The realized metrics ``names`` of ``score`` against labels ``y`` (see the module doc); NaN
    where undefined (ROC AUC with one class present, no usable label). ``read``: ``y`` is already
    :func:`as_classes` of the labels (:func:`realized_metrics` reads each group's)."""
    import numpy as np

    names = list(names)
    task = task or ("regression" if all(n in M.REGRESSION for n in names) else "classification")
    s = np.asarray(score, dtype=float)
    y = label_array(y) if task == "regression" or read else as_classes(y, classes)
    if task == "regression":
        keep = scorable(y, None, task) & (np.isfinite(s) if s.ndim == 1 else True)
        values = M.regression(np.asarray(y[keep], dtype=float), s[keep]) if keep.any() else {}
        return {n: float(values.get(n, float("nan"))) for n in names}
    cls = list(classes) if classes else list(BINARY_CLASSES)
    if s.ndim == 2 and s.shape[1] != len(cls):
        raise ConfigError(f"a {s.shape[1]}-column score needs the model's {s.shape[1]} classes, got {classes!r}")
    # the model's classes given: every label, one it never saw an error at its share (M.at_share)
    keep = scorable(y, classes) if classes else M.known_classes(y, cls)
    if not keep.any():
        return dict.fromkeys(names, float("nan"))
    if not keep.all():  # no copies of the rows when every label is a class (the usual case)
        y, s = y[keep], s[keep]
    del keep
    proba = M.probability_matrix(s, len(cls))
    try:
        values = M.classification(y, proba, cls, names)
    except ValueError:  # what cannot be scored (e.g. negative "probabilities") is undefined
        return dict.fromkeys(names, float("nan"))
    return {n: float(values[n]) for n in names}


def metric_value(name: str, y, score, classes: list | None = None) -> float:
    """One realized metric (see :func:`metric_values`)."""
    return metric_values((name,), y, score, classes)[name]


def realized_metrics(joined: pd.DataFrame, *, task: str = "classification",
                     score: str | list[str] = "prediction_1", by: tuple[str, ...] = ("model", "revision"),
                     window: str | None = None, metrics: tuple[str, ...] | None = None,
                     classes: list | None = None, anchor=None, since=None) -> pd.DataFrame:
    """Per group (and per time window): ``rows`` and the realized metrics of what was served.
    Rows whose score is missing (NaN) or infinite or whose label the metric cannot use are left out.

    Windows: with ``anchor`` (a UTC time, e.g. the report's end) they end at it and every
    ``window`` before it, each ``(start, start + window]`` as a monitoring window is
    ``(end - window, end]``; the ``window`` column is its start, or ``since`` (the period's start)
    for a first window cut short by it. Without ``anchor``, ``window`` floors the times (windows
    counted from the Unix epoch)."""
    import pandas as pd

    names = tuple(metrics or M.names(task))
    if joined.empty or any(c not in joined.columns for c in score_columns(score)):
        return pd.DataFrame()
    # masks and positions instead of copies of the frame: it may hold millions of labelled rows;
    # one score column is the frame's own array (no copy), labels one array for every group
    scores = _score_array(joined, score)
    # a classifier's text labels are read per group (as_classes): one model version's or window's
    # labels written 'yes' and another's 'Yes' are each scored, as the gate reads each holdout
    labels = label_array(joined[LABEL])
    ok = _scored_labelled(joined, scores)
    if task == "regression":
        ok &= scorable(labels, classes, task)  # rows counts only labels the metric uses
    keys = list(by)
    rows = []
    for group, at in _group_positions(joined, keys, ok, window, anchor, since):
        mine = labels[at]
        if task != "regression":
            mine = as_classes(mine, classes)
            usable = scorable(mine, classes) if classes else M.known_classes(mine, list(BINARY_CLASSES))
            if not usable.all():
                at, mine = at[usable], mine[usable]
            if not len(at):  # no label of this group the metric uses: no row, as before
                continue
        entry = dict(zip(keys + (["window"] if window else []), group, strict=True))
        entry["rows"] = len(at)
        entry.update(metric_values(names, mine, scores[at], classes, task, read=True))
        rows.append(entry)
    return pd.DataFrame(rows)


def _score_array(joined: pd.DataFrame, score: str | list[str]) -> np.ndarray:
    """The score column(s) as floats (NaN where not a number): one column for a string ``score``."""
    import numpy as np
    import pandas as pd

    numbers = [pd.to_numeric(joined[c], errors="coerce").to_numpy(dtype=float) for c in score_columns(score)]
    return numbers[0] if isinstance(score, str) else np.column_stack(numbers)


def _scored_labelled(joined: pd.DataFrame, scores: np.ndarray) -> np.ndarray:
    """The rows :func:`realized_metrics` groups and reads: labelled, with a finite score (not NaN
    or ±inf, in every score column)."""
    import numpy as np

    finite = np.isfinite(scores) if scores.ndim == 1 else np.isfinite(scores).all(axis=1)
    return finite & joined[LABEL].notna().to_numpy()


def unscored(joined: pd.DataFrame, score: str | list[str] = "prediction_1") -> np.ndarray:
    """Which labelled rows of ``joined`` :func:`realized_metrics` leaves out because their score is
    missing (NaN) or infinite, or a score column is absent: what a report's "no score" warning counts."""

    labelled = joined[LABEL].notna().to_numpy()
    if any(c not in joined.columns for c in score_columns(score)):
        return labelled
    return labelled & ~_scored_labelled(joined, _score_array(joined, score))


def unscorable(joined: pd.DataFrame, *, task: str = "classification", score: str | list[str] = "prediction_1",
               by: tuple[str, ...] = ("model", "revision"), window: str | None = None, classes: list | None = None,
               anchor=None, since=None, unseen: bool = False) -> np.ndarray:
    """Which labelled rows of ``joined`` with a finite ``score`` :func:`realized_metrics` (same
    ``score``, ``by``, ``window``, ``anchor``, ``since``) leaves out of every metric because their
    label is not a class of the model (a number, for a regressor), read per group as it reads them
    (the same rows: labelled, scored): a label ``'Yes'`` is the class ``'yes'`` (:func:`as_classes`),
    also in a window that writes ``'yes'``. What a report's "left out" warning counts; rows without a finite score are
    :func:`unscored`. With the model's ``classes`` given, every label is scored (one of a class it never
    saw as an error at its share): none is left out. ``unseen``: instead, which of those rows are such
    labels, read as the table reads them (what a report's "scored as errors" note counts)."""
    import numpy as np

    if any(c not in joined.columns for c in score_columns(score)):
        return np.zeros(len(joined), dtype=bool)  # no row is read: each is unscored
    labels = label_array(joined[LABEL])
    labelled = _scored_labelled(joined, _score_array(joined, score))
    if task == "regression":
        return labelled & ~scorable(labels, None, task)
    out = np.zeros(len(joined), dtype=bool)
    for _, at in _group_positions(joined, list(by), labelled, window, anchor, since):
        read = as_classes(labels[at], classes)
        if unseen:
            usable = M.known_classes(read, list(classes)) if classes else np.ones(len(at), dtype=bool)
        else:
            usable = scorable(read, classes) if classes else M.known_classes(read, list(BINARY_CLASSES))
        out[at[~usable]] = True
    return out


def _group_positions(joined: pd.DataFrame, keys: list[str], ok: np.ndarray, window: str | None,
                     anchor=None, since=None):
    """``(group values, positions of its ok rows)`` per group, in the order of
    ``groupby(keys, sort=True, observed=True)``; one key without a window by its codes (no frame
    of the groups, no index per row)."""
    import numpy as np
    import pandas as pd

    from ctloop.inference_log.reader import utc_times

    if len(keys) == 1 and not window:
        column = joined[keys[0]]
        if isinstance(column.dtype, pd.CategoricalDtype):  # groupby's order: the categories'
            codes, values = column.cat.codes.to_numpy(), list(column.cat.categories)
        else:
            codes, uniques = pd.factorize(column, sort=True)
            values = list(uniques)
        counts = np.bincount(codes[ok & (codes >= 0)], minlength=len(values))
        for g in np.flatnonzero(counts):
            yield (values[g],), np.flatnonzero(ok & (codes == g))
        return
    groups = pd.DataFrame({k: joined[k] for k in keys})
    if window:
        times = utc_times(joined[TIME])
        groups["window"] = times.dt.floor(window) if anchor is None else _window_starts(times, window, anchor, since)
    groups.index = pd.RangeIndex(len(groups))
    for group, part in groups[ok].groupby(list(groups.columns), sort=True, observed=True):
        yield (group if isinstance(group, tuple) else (group,)), part.index.to_numpy()


def _window_starts(times: pd.Series, window, anchor, since=None) -> pd.Series:
    """The start of the window ``(start, start + window]`` holding each time, the windows ending at
    ``anchor`` and every ``window`` before it; a start before ``since`` is ``since``."""
    import numpy as np
    import pandas as pd

    span = pd.Timedelta(window).value
    end = pd.Timestamp(anchor)
    end = (end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")).value
    ns = times.to_numpy(dtype="datetime64[ns]").view(np.int64)
    back = (end - ns) // span  # 0: (end - window, end]; a time exactly at a window's end is in that window
    starts = pd.Series(pd.to_datetime(end - (back + 1) * span, utc=True), index=times.index)
    starts[times.isna().to_numpy()] = pd.NaT
    if since is not None:
        starts = starts.where(starts.isna() | (starts >= since), pd.Timestamp(since))
    return starts


__all__ = ["resolve", "score_columns", "score_offers", "label_array", "as_classes", "scorable", "unscorable", "unscored", "metric_values", "metric_value", "realized_metrics",
           "BINARY_CLASSES"]

"""The evaluation gate: challenger vs champion on the same holdout. KFP-free.

Semantics (fail-safe, after TFX's Evaluator):

1. **No threshold configured → not approved.** A gate without a bar never blesses a model.
2. **Absolute thresholds** ``{"roc_auc": 0.7, "log_loss": 0.5}``: ``>=`` for higher-is-better
   metrics, ``<=`` for lower-is-better ones (``log_loss``, ``rmse``, ``mae``). All must pass.
3. **No champion yet →** absolute thresholds only (the reason says so). The same when the holdout
   lacks a feature of the champion (the table's schema changed, which ``detect_drift`` reports as
   drift and retrains on): the champion cannot score it, and the reason names the column; the same
   when a feature the champion learnt as numbers holds text (or other non-numbers) the challenger
   scored (the column's type changed: numbers → text); and when
   the champion is a model of the other task (a classifier for a regression, ``training.task``
   changed): its predictions are no comparison; and when the champion's classes are the
   challenger's renamed (``0``/``1`` → ``good``/``bad``: none in common with the challenger's, and
   more holdout rows hold the challenger's classes than the champion's): it would score every row as
   an error, and any challenger would pass. A new class (neither model's) is no rename: it counts as
   an error of both, however many rows hold it. A champion
   class written in another case or with spaces (``Yes`` where the holdout says ``yes``; not single
   letters, ``A``/``a``, which are distinct classes) is that class, read as the holdout writes it.
   No ``champion`` alias but a version in MLflow's deprecated stage ``Production`` (a registry of
   the stage era) is **not** "no champion": the gate refuses, not judged, naming the version and
   both ways on: ``set_registered_model_alias`` makes it the champion, or archiving its stage says
   it is not. A version in ``Staging`` alone was never approved: no champion, with a note.
4. **Champion comparison** on the primary metric: both models score the *same* holdout rows;
   a paired bootstrap (the same resampled rows for both) gives a ``confidence`` interval of
   ``delta = challenger − champion`` oriented so that positive is better. The challenger is
   rejected only when the whole interval lies below ``−tolerance`` (confidently worse than the
   champion by more than the tolerance); noise cannot flip the decision. A comparison the holdout
   cannot make (ROC AUC on one class: no interval) rejects it too: no evidence is not "not worse".
5. **Slices** (optional categorical column): in each slice with at least ``MIN_SLICE_ROWS``
   rows, the same paired comparison; the worst slice must not be confidently worse than the
   champion's by more than the tolerance. A slice whose delta cannot be computed (too few rows;
   the primary metric undefined there: ROC AUC on one class, R² on one target value) is skipped,
   neither passed nor the worst; the reason counts the skipped slices and says why.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop import metrics as M
from ctloop.config import GateConfig
from ctloop.contract import forms_note, repeated_names, text_key
from ctloop.contract import written as text_form
from ctloop.errors import ConfigError, EvaluationError, plain
from ctloop.storage import plain_missing
from ctloop.unseen import UnseenLabels, unseen_labels

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

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
    # what the monitoring rules compare served traffic with (ctloop.monitoring.triggers.gate_reference,
    # regression_reference)
    reference: dict[str, float] = field(default_factory=dict)
    # why a champion was not compared although there is one (it cannot score today's holdout)
    champion_skipped: str = ""

    @property
    def judged(self) -> bool:
        """Whether the challenger was compared with the champion: False when the holdout could not
        make the comparison (its interval undefined, e.g. ROC AUC on one class) or the champion
        could not score it (``champion_skipped``) — a rejection then says nothing about the champion
        (:func:`ctloop.monitoring.policy.not_judged`). True without a champion (nothing to compare
        with)."""
        if self.champion_skipped:
            return False
        comp = self.comparison
        if comp is None:
            return True
        return all(_finite(comp.get(k)) for k in ("ci_low", "ci_high"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- scoring
class _TypeChanged(EvaluationError):
    """A model cannot score the holdout because a feature it learnt as numbers holds text or other
    values there (``column``; ``held``: what it holds, e.g. ``text (e.g. 'a', 9 row(s))``). For the
    challenger an error; for the champion the table's schema changed (a column of numbers now text,
    which the challenger learnt): no comparison, as for a column the holdout no longer has."""

    def __init__(self, message: str, column: str, held: str) -> None:
        super().__init__(message)
        self.column, self.held = column, held


def _predictions(model: Any, frame: pd.DataFrame, *, target: str, task: str, role: str = "model",
                 unused: set[str] | frozenset[str] = frozenset(), finite: bool = True,
                 codes_read: dict[str, Any] | None = None):
    """``unused``: features the model learnt from no row (:func:`ctloop.scoring.unused_features`),
    read as empty whatever the holdout holds there. ``finite``: refuse NaN or infinite outputs (the
    champion's are judged by :func:`run`: it is skipped, as a champion that cannot score).
    ``codes_read``: filled with the text read as codes held as numbers (:func:`_numbers_as_served`)."""
    import numpy as np

    if target not in frame.columns:
        raise EvaluationError(f"holdout data has no target column {target!r}")
    from ctloop.components.train.core import blank_as_missing, check_target_nested

    check_target_nested(frame[target], target)  # a list in a row: not "unhashable type" from the metrics
    data = blank_as_missing(frame, target).dropna(subset=[target])  # a blank label is a missing one
    if data.empty:
        raise EvaluationError(f"holdout data has no rows with a value in {target!r}")
    features = getattr(model, "feature_names_in_", None)
    missing = [] if features is None else [f for f in features if f not in data.columns]
    if missing:  # a column the table no longer has (a champion trained before it was dropped): named
        raise EvaluationError(f"the {role} cannot score the holdout data: it has no column {missing[0]!r}, a "
                              f"feature of the {role}" + (f" (missing: {', '.join(map(repr, missing))})"
                                                          if len(missing) > 1 else ""))
    if task == "regression":  # the target's text, not a feature's: "could not convert string to float: 'n/a'"
        _check_amounts(data[target], target)
    x = plain_missing(data[list(features)] if features is not None else data)  # pd.NA: storage.plain_missing
    if unused:  # a model trained before round 42 reads them as numbers: the new answers as the empty column
        x = x.assign(**{name: np.nan for name in unused if name in x.columns})
    x = _numbers_as_served(model, x, codes_read)
    try:
        if task == "classification":
            proba = model.predict_proba(x)
            classes = list(getattr(model, "classes_", range(proba.shape[1])))
            if finite:
                _check_finite(np.asarray(proba, dtype=float), role, "predict_proba", data.index)
            return data, data[target].to_numpy(), proba, classes
        pred = np.asarray(model.predict(x), dtype=float)
        if finite:
            _check_finite(pred, role, "predict", data.index)
        return data, data[target].to_numpy(dtype=float), pred, []
    # sklearn's input-validation errors; TypeError: "float() argument must be a string or a real
    # number, not 'dict'" (a dict or a time in a numeric feature), a traceback naming no column
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        text = _text_in_numbers(model, x, str(exc))
        if text is not None:  # "could not convert string to float: '1,5'" named no column
            name, value, rows = text
            raise _TypeChanged(
                f"the {role} cannot score the holdout data: its numeric feature {name!r} holds text (e.g. "
                f"{quoted(value)}, {rows} row(s)): the {role} learnt numbers there; write the column as numbers "
                "(a decimal point, no units or thousands separators)", name, f"text (e.g. {quoted(value)}, "
                f"{rows} row(s))") from exc
        odd = _not_numbers(model, x)
        if odd is not None:
            name, value, rows = odd
            raise _TypeChanged(
                f"the {role} cannot score the holdout data: its numeric feature {name!r} holds "
                f"{type(value).__name__} values (e.g. {quoted(value)}, {rows} row(s)), not numbers: the {role} "
                "learnt numbers there; write the column as numbers", name,
                f"{type(value).__name__} values (e.g. {quoted(value)}, {rows} row(s))") from exc
        first = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        infinite = _infinite(x)
        if infinite is not None:  # scikit-learn's "Input X contains infinity ..." named no column
            name, rows = infinite
            raise EvaluationError(f"the {role} cannot score the holdout data: column {name!r} is infinite (inf/-inf) "
                                  f"in {rows} row(s): replace them with a number or leave them empty (null) "
                                  f"(the {role}: {first})") from exc
        raise EvaluationError(f"the {role} cannot score the holdout data: {first}") from exc  # sklearn: a paragraph


def _infinite(x: pd.DataFrame) -> tuple[str, int] | None:
    """The first float column of ``x`` holding ±inf, with how many rows do, or None."""
    import numpy as np
    import pandas as pd

    for name in x.columns:
        col = x[name]
        if isinstance(col, pd.Series) and pd.api.types.is_float_dtype(col):
            rows = int(np.isinf(col.to_numpy(dtype=float, na_value=np.nan)).sum())
            if rows:
                return str(name), rows
    return None


def _non_finite(values: np.ndarray, method: str, index: pd.Index) -> str:
    """Which of a model's outputs are NaN or infinite ("its predict gave ... (first: row 7)"), or ""."""
    import numpy as np

    bad = ~np.isfinite(np.asarray(values, dtype=float).reshape(len(values), -1)).all(axis=1)
    if not bad.any():
        return ""
    first = int(np.flatnonzero(bad)[0])
    return (f"its {method} gave NaN or infinite values for {int(bad.sum())} of {len(values)} holdout rows "
            f"(first: row {plain(index[first])!r})")


def _check_finite(values: np.ndarray, role: str, method: str, index: pd.Index) -> None:
    """Refuse a model's NaN or infinite outputs (a model of one's own, ``module:Class``), naming the
    method, how many rows and the first: the metrics raised "Input contains NaN." naming nothing."""
    found = _non_finite(values, method, index)
    if found:
        raise EvaluationError(f"the {role} cannot be judged: {found}; a model's "
                              + ("probabilities" if method == "predict_proba" else "predictions")
                              + " must be finite numbers")


def _check_amounts(y: pd.Series, target: str) -> None:
    """Refuse a regression holdout's target values that are no numbers (text among amounts: ``n/a``),
    naming the column, a few of them and how many rows hold one, as the fit refuses them in the
    training rows (:func:`ctloop.components.train.core.check_regression_target`)."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y):
        return
    bad = y[pd.to_numeric(y.map(lambda v: v.strip() if isinstance(v, str) else v), errors="coerce").isna()] \
        if not pd.api.types.is_bool_dtype(y) else y
    if len(bad):
        from ctloop.errors import DataValidationError

        examples = [plain(v) for v in pd.unique(bad)[:3]]
        raise DataValidationError([(target, "dtype", len(bad), f"regression needs a numeric target, got values like "
                                    f"{examples} in the holdout rows")])


QUOTE_CHARS = 40  # of a raw value quoted in a message (a long text or a nested value is cut)


def quoted(value: Any) -> str:
    """``repr(value)`` of at most about :data:`QUOTE_CHARS` characters (cut with ``…``)."""
    text = repr(value)
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1] + "…"


def _not_numbers(model: Any, x: pd.DataFrame) -> tuple[str, Any, int] | None:
    """The first feature of ``x`` that ``model`` did not learn as text (no trained categories)
    holding values that are neither numbers, text nor missing (a dict, a list, a time, bytes),
    with one of them and how many rows hold one; None when there is none."""
    import numbers

    import pandas as pd

    from ctloop.storage import trained_categories

    categorical = trained_categories(model)
    for name in x.columns:
        col = x[name]
        if name in categorical or (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_object_dtype(col)):
            continue
        values = col.dropna()
        bad = values[values.map(lambda v: not isinstance(v, str | numbers.Number))]
        if len(bad):
            return str(name), bad.iloc[0], len(bad)
    return None


def _text_in_numbers(model: Any, x: pd.DataFrame, error: str) -> tuple[str, str, int] | None:
    """The feature of ``x`` that ``model`` did not learn as text (no trained categories) whose
    values are text that is no number ("1,5", "12 kg"), with one such value and how many rows hold
    one: the one whose value scikit-learn's ``error`` quotes ("could not convert string to float:
    '1,5'"); None when no such value is quoted (a model's own refusal of something else)."""
    import pandas as pd

    from ctloop.storage import trained_categories

    categorical = trained_categories(model)
    found = []
    for name in x.columns:
        col = x[name]
        if name in categorical or pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        values = col.dropna()
        bad = values[pd.to_numeric(values.map(lambda v: v.strip() if isinstance(v, str) else v),
                                   errors="coerce").isna() & values.map(lambda v: isinstance(v, str))]
        quoted = [v for v in bad.unique() if repr(v) in error or repr(v.strip()) in error]
        if quoted:
            found.append((str(name), str(quoted[0]), len(bad)))
    return found[0] if found else None


def _blank_elsewhere(model: Any, rows: pd.DataFrame, target: str, filled: dict[str, Any]) -> bool:
    """Whether a feature of ``model`` other than the ``filled`` ones is empty in a scored row of
    ``rows`` (or the model names no features): its "contains NaN" is then no word's doing."""
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return True
    scored = rows[rows[target].notna()] if target in rows.columns else rows
    others = [c for c in names if c in scored.columns and c not in filled]
    return bool(others) and bool(scored[others].isna().to_numpy().any())


def _words_as_missing(frame: pd.DataFrame, column: str, target: str) -> tuple[pd.DataFrame, int, Any] | None:
    """``frame`` with the values of ``column`` that are no numbers (``'?'``, ``'n/a'``, a dict) as
    missing and the others as numbers, how many scored rows held one and one of them, when they are fewer
    than half of its values in the scored rows: a stray word in a column of numbers (one ``'?'`` made a CSV
    column text), which the champion's imputer fills as it fills an empty cell. None when most of its
    values are no numbers: the column's type changed, and the champion cannot be compared on it. The
    scored rows are those with a label in ``target`` (rows whose label has not arrived are not scored:
    their words neither decide nor count). ``'nan'`` written as text is a gap, as ``pandas.read_csv``
    reads it, and so is every text its ``na_values`` default reads as missing (``'<NA>'``, ``'None'``,
    ``'NULL'``, ``'NA'``, ``''``): read as missing and counted with the words, but not one of them
    ('inf' is: no finite number, which the champion's imputer would not fill)."""
    import numbers

    import numpy as np
    import pandas as pd

    from ctloop.components.train.core import blank_as_missing

    def number(value: Any) -> float:  # NaN for a word, a dict, true/false, 'inf' (no finite number)
        if isinstance(value, bool | np.bool_) or not isinstance(value, str | numbers.Number):
            return np.nan
        try:
            found = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):  # '?', a complex number
            return np.nan
        return found if math.isfinite(found) else np.nan

    col = frame[column]
    present = col.notna().to_numpy(dtype=bool)
    values = pd.Series([number(v) if p else np.nan for v, p in zip(col, present, strict=True)],
                       index=col.index, dtype=float)
    scored = blank_as_missing(frame, target)[target].notna().to_numpy(dtype=bool)
    present &= scored
    # 'nan' written as text (a Parquet column of numbers written with astype(str), or a text export of a
    # float column): a gap, as pandas.read_csv reads it, not a word: it neither decides that most of the
    # column is words (the champion skipped as "type changed") nor leaves the column without words; so is
    # every other text read_csv reads as missing ('<NA>', 'None', 'NULL', 'NA', '', 'N/A'): the null words of
    # the serving runtime and batch scoring too (ctloop.serving.payload.null_word, one list)
    from ctloop.serving.payload import null_word

    gaps = present & col.map(null_word).to_numpy(dtype=bool)
    present &= ~gaps
    missing = (present & values.isna().to_numpy()) | gaps  # read as missing: the words and the 'nan' gaps
    words = present & values.isna().to_numpy()
    if not present.any() or not missing.any() or 2 * int(words.sum()) >= int(present.sum()):
        return None
    out = frame.copy(deep=False)  # not assign(**...): a column's name may be no string
    out[column] = values
    return out, int(missing.sum()), col[words if words.any() else gaps].iloc[0]


def _name_key(name: str) -> str:
    """A column name as the gate matches a champion's feature to a holdout column renamed in case,
    surrounding spaces or Unicode normalization form only (NFD: an accent as a character of its own,
    as macOS file names and some exports write it; NFC: composed)."""
    return text_key(name)


def _is_classifier(model: Any) -> bool:
    """Whether ``model`` is a classifier: scikit-learn's estimator type (a Pipeline's is its last
    step's), else whether it gives class probabilities."""
    from sklearn.base import is_classifier, is_regressor

    try:
        if is_classifier(model) or is_regressor(model):
            return bool(is_classifier(model))
    except (AttributeError, TypeError):  # not a scikit-learn estimator (no __sklearn_tags__)
        pass
    return hasattr(model, "predict_proba")


def _numbers_as_served(model: Any, x: pd.DataFrame, read: dict[str, Any] | None = None) -> pd.DataFrame:
    """``x`` read as the serving runtime and batch scoring read it: numbers in a feature ``model`` learnt
    text categories in (codes whose newest rows are all digits, read as int64) as the trained category
    of the same value (:func:`ctloop.storage.numbers_as_text`), and text in a feature it learnt codes held
    as numbers in (a category column of 1..3; the holdout's column text '1'..'3') as the code of its
    value, a null word ('nan', '<NA>') as a gap (:func:`ctloop.serving.payload.text_as_codes`, counted in
    ``read``: feature → :class:`ctloop.serving.payload.CodesAsText`), and text in a feature it learnt
    True/False alone in as those (:func:`_text_as_flags`, counted as :class:`FlagsAsText`), and
    True/False in a feature it learnt their text in ('True'/'False' beside other words) as that text
    (:func:`_flags_as_text`, counted as :class:`FlagsAsWords`); as given, every row was an unknown
    category, the model judged without the feature."""
    import numpy as np
    import pandas as pd

    from ctloop.contract import gaps_as_nan
    from ctloop.serving.payload import CodesAsText, flag_features, text_as_codes, trained_codes
    from ctloop.storage import numbers_as_text, trained_categories

    trained = trained_categories(model)
    texts = {name: known for name, known in trained.items()
             if name in x.columns and known and all(isinstance(v, str) for v in known)
             and pd.api.types.is_numeric_dtype(x[name]) and not pd.api.types.is_bool_dtype(x[name])}
    codes = {name: known for name, known in trained_codes([n for n in trained if n in x.columns], trained).items()
             if x[name].map(lambda v: isinstance(v, str)).any()}
    flags = [name for name in flag_features([n for n in trained if n in x.columns], trained)[1]
             if x[name].map(lambda v: isinstance(v, str)).any()]
    spelt = {name: spelling for name, known in trained.items() if name in x.columns
             and (spelling := _flag_spelling(known)) and x[name].map(lambda v: isinstance(v, bool | np.bool_)).any()}
    if not texts and not codes and not flags and not spelt:
        return x
    changed = {name: numbers_as_text(gaps_as_nan(x[name]), known) for name, known in texts.items()}
    for name, spelling in spelt.items():
        changed[name], tally = _flags_as_text(x[name], spelling)
        if read is not None:
            read[name] = tally
    for name in flags:
        changed[name], tally = _text_as_flags(x[name])
        if read is not None:
            read[name] = tally
    for name, known in codes.items():
        tally = CodesAsText()
        changed[name] = text_as_codes(x[name], known, tally)
        if read is not None:
            read[name] = tally
    out = x.copy(deep=False)  # not assign(**...): a column's name may be no string
    for name, values in changed.items():
        out[name] = values
    return out


# the text pandas' CSV reader reads as booleans (pandas/_libs/parsers.pyx, 2.3.3: _true_values, _false_values)
_FLAG_WORDS = {"True": True, "TRUE": True, "true": True, "False": False, "FALSE": False, "false": False}


@dataclass
class FlagsAsText:
    """What :func:`_text_as_flags` did to one column: ``read``, the text read as True/False;
    ``unknown``, the other text (an unknown category) and the first of it, ``example``."""

    read: int = 0
    unknown: int = 0
    example: Any = None


def _text_as_flags(values: pd.Series) -> tuple[pd.Series, FlagsAsText]:
    """A feature trained on True/False alone (``train.core._bools_as_categories``) with text in the
    holdout: the text pandas reads as booleans (:data:`_FLAG_WORDS`, around spaces) as them; as
    given, every such row was an unknown category and the model was judged without the feature."""
    import numpy as np

    text = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    words = values.map(lambda v: _FLAG_WORDS.get(v.strip()) if isinstance(v, str) else None)
    read = text & words.notna().to_numpy(dtype=bool)
    other = text & ~read
    tally = FlagsAsText(int(read.sum()), int(other.sum()), values[other].iloc[0] if other.any() else None)
    out = values.astype(object).copy()
    out[read] = words[read].astype(object)
    return out.where(values.notna(), np.nan), tally


@dataclass
class FlagsAsWords:
    """What :func:`_flags_as_text` did to one column: ``read`` True/False values read as the text
    ``words`` (True's, False's) the model learnt."""

    read: int = 0
    words: tuple = ()


def _flag_spelling(known: Any) -> dict[bool, str]:
    """The text a model learnt for True and for False among the categories ``known`` of a text
    feature ('True'/'False', 'true', 'FALSE': :data:`_FLAG_WORDS`, around spaces; the first of each),
    or ``{}`` when it learnt none (or learnt the booleans themselves)."""
    spelling: dict[bool, str] = {}
    for value in known or ():
        if isinstance(value, str) and (flag := _FLAG_WORDS.get(value.strip())) is not None:
            spelling.setdefault(flag, value)
    return spelling


def _flags_as_text(values: pd.Series, spelling: dict[bool, str]) -> tuple[pd.Series, FlagsAsWords]:
    """A feature a model learnt the text of True/False in ('True'/'False' beside another word: a CSV
    column that stayed text) with booleans in the holdout: each as the text learnt (``spelling``,
    :func:`_flag_spelling`); as given, every such row was an unknown category and the model was
    judged without the feature (a champion trained on the text lost to any challenger trained on
    the booleans)."""
    import numpy as np

    flags = values.map(lambda v: isinstance(v, bool | np.bool_) and bool(v) in spelling).to_numpy(dtype=bool)
    out = values.astype(object).copy()
    out[flags] = values[flags].map(lambda v: spelling[bool(v)]).astype(object)
    return out, FlagsAsWords(int(flags.sum()), tuple(spelling[f] for f in (True, False) if f in spelling))


def _flags_note(codes_read: dict[str, dict[str, Any]]) -> str:
    """The reason line for holdout text read as the True/False a model learnt (:class:`FlagsAsText`
    in ``codes_read``, role → feature), e.g. ``the holdout's text in 'flag' read as the True/False
    the challenger learnt (200 value(s))``, and for holdout True/False read as the text a model
    learnt (:class:`FlagsAsWords`); "" when there was none."""
    parts = []
    for name in dict.fromkeys(n for read in codes_read.values() for n, t in read.items() if isinstance(t, FlagsAsWords)):
        roles = [role for role, read in codes_read.items() if isinstance(read.get(name), FlagsAsWords)]
        tally = codes_read[roles[0]][name]
        parts.append(f"the holdout's True/False in {name!r} read as the text the {' and the '.join(roles)} learnt "
                     f"({', '.join(repr(w) for w in tally.words)}; {tally.read} value(s))")
    for name in dict.fromkeys(n for read in codes_read.values() for n, t in read.items() if isinstance(t, FlagsAsText)):
        roles = [role for role, read in codes_read.items() if isinstance(read.get(name), FlagsAsText)]
        tally = codes_read[roles[0]][name]
        parts.append(f"the holdout's text in {name!r} read as the True/False the {' and the '.join(roles)} learnt "
                     f"({tally.read} value(s))" + (f"; {tally.unknown} other value(s), e.g. {quoted(tally.example)}, "
                                                   "no True/False: an unknown category" if tally.unknown else ""))
    return "; ".join(parts)


def _codes_note(codes_read: dict[str, dict[str, Any]]) -> str:
    """The reason line for holdout text read as codes held as numbers (``codes_read``: role → feature →
    :class:`ctloop.serving.payload.CodesAsText`), e.g. ``the holdout's text in 'grade' read as the codes
    the challenger and the champion learnt as numbers (470 value(s)), as served``; "" when there was none."""
    features: dict[str, list[str]] = {}
    counts: dict[str, Any] = {}
    for role, read in codes_read.items():
        for name, tally in read.items():
            if isinstance(tally, FlagsAsText | FlagsAsWords):  # _flags_note's
                continue
            if tally.read or tally.gaps or tally.unknown:
                features.setdefault(name, []).append(role)
                counts.setdefault(name, tally)
    if not features:
        return ""

    def shown(name: str) -> str:
        tally = counts[name]
        parts = [f"{tally.read} value(s) read as codes"] + ([f"{tally.gaps} null word(s) as gaps"] if tally.gaps else []) + (
            [f"{tally.unknown} no code (e.g. {quoted(tally.example)}), an unknown category"] if tally.unknown else [])
        return f"{name!r} by the {' and the '.join(features[name])} ({', '.join(parts)})"

    return ("the holdout's text read as the codes held as numbers the models learnt, as the serving runtime and "
            "batch scoring read it: " + "; ".join(shown(name) for name in features))


def align_classes(proba: np.ndarray, classes: list, labels: list) -> np.ndarray:
    """``proba`` (columns in the order of ``classes``) as columns in the order of ``labels``; a label
    the model has no class for gets probability 0."""
    import numpy as np

    key = M.class_key(list(classes), list(labels))  # by value for numbers (0 is 0.0), else as text
    keys = [key(c) for c in classes]
    out = np.zeros((proba.shape[0], len(labels)))
    for j, label in enumerate(labels):
        if key(label) in keys:
            out[:, j] = proba[:, keys.index(key(label))]
    return out


def _classes_as_written(classes: list, y: Any, others: list) -> dict[Any, Any]:
    """The champion's ``classes`` that the comparison over both models' classes (``others``: the
    challenger's) would find in no label of ``y``, though one label value is that class written
    another way, mapped to that value: a class the champion itself reads in it (``1`` in ``'1.0'``,
    :func:`ctloop.metrics.class_positions`; the comparison matches a challenger's text classes as
    text), or text in another case or with other surrounding spaces (``'Yes'`` → ``'yes'``), as
    ``prepare_data`` and the fit refuse two spellings of a class (``train.core.check_labels``), or in
    another Unicode form (NFD ``'cafe\u0301'`` → NFC ``'café'``): the fit's key,
    :func:`ctloop.contract.text_key`; single characters differing in case (``'A'``, ``'a'``) stay apart."""
    import numpy as np


    key = M.class_key(list(others), list(classes))
    values = _in_order(np.asarray(y, dtype=object))
    written = {key(v) for v in values}
    own = {key(c) for c in classes}
    positions, _ = M.class_positions(values, classes)
    out: dict[Any, Any] = {}
    for i, name in enumerate(classes):
        if key(name) in written:
            continue
        same = [v for v, p in zip(values, positions, strict=True) if p == i and key(v) not in own]
        if not same and isinstance(name, str):
            same = [v for v in values if isinstance(v, str) and key(v) not in own and M.same_class_text(v, name)]
        if len(same) == 1 and same[0] not in out.values():
            out[name] = same[0]
    return out


def _disjoint_classes(classes: list, challenger: list, y: Any, target: str) -> str:
    """Why the champion's ``classes`` are no comparison with the ``challenger``'s classes on the labels
    ``y`` of column ``target``: they are the challenger's classes renamed (``0``/``1`` → ``good``/``bad``),
    i.e. not one class in common with the challenger's (as :func:`ctloop.metrics.class_key` matches
    them), and more holdout rows hold one of the challenger's classes than one of the champion's (the
    holdout is written in the challenger's classes): the champion would score every row of the new
    names as an error whatever the challenger learnt. ``""`` when they are a comparison, also when
    most holdout rows hold a class neither model has (a new class: scored as an error of both)."""
    import numpy as np

    key = M.class_key(list(classes), list(challenger))
    if {key(c) for c in classes} & {key(c) for c in challenger}:
        return ""
    positions = np.asarray(M.class_positions(y, classes)[0])
    shared = int((positions < len(classes)).sum())
    held = int((np.asarray(M.class_positions(y, challenger)[0]) < len(challenger)).sum())
    if not len(positions) or held <= shared:
        return ""
    champion = ", ".join(repr(plain(c)) for c in classes[:5]) + (", ..." if len(classes) > 5 else "")
    theirs = ", ".join(repr(plain(c)) for c in challenger[:5]) + (", ..." if len(challenger) > 5 else "")
    return (f"the champion cannot be compared: its classes ({champion}) have none in common with the "
            f"challenger's ({theirs}), and {held} of the {len(positions)} holdout rows' labels in {target!r} are "
            f"one of the challenger's, {shared} one of the champion's (the classes renamed), so it would score "
            "the rows of the new names as errors whatever the challenger learnt")


def _in_order(values: Any) -> list:
    """The distinct values of ``values`` in order of appearance."""
    return list(dict.fromkeys(values.tolist()))


def score(model: Any, frame: pd.DataFrame, *, target: str, task: str) -> dict[str, float]:
    """All metrics of ``task`` for ``model`` on ``frame`` (labels the model never saw count as errors)."""
    _, y, pred, classes = _predictions(model, frame, target=target, task=task)
    return M.compute(task, y, pred, classes)


def _encode(y, classes: list) -> tuple[np.ndarray, list]:
    """Labels as positions in ``labels`` = the model's classes + unseen label values (errors)."""
    return M.class_positions(y, list(classes))


def _metric_vector(metric: str, y, pred, classes, idx: np.ndarray) -> np.ndarray:
    """``metric`` on each bootstrap resample (rows ``idx[b]``), vectorised where it matters.
    Classification: ``y`` holds positions into ``classes`` (:func:`_encode`), ``pred`` is the
    probability matrix over them."""
    import numpy as np
    from scipy.stats import rankdata

    if metric == "roc_auc" and len(classes) == 2:
        yb = (np.asarray(y) == 1)[idx]
        ranks = rankdata(pred[:, 1][idx], axis=1)
        n_pos = yb.sum(axis=1)
        n_neg = yb.shape[1] - n_pos
        with np.errstate(invalid="ignore", divide="ignore"):
            return ((ranks * yb).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    if metric == "roc_auc" and len(classes) > 2:
        return _multiclass_auc_vector(np.asarray(y), pred, idx)
    if metric == "accuracy" and classes:
        hit = np.argmax(pred, axis=1) == np.asarray(y)
        return hit[idx].mean(axis=1)
    if metric == "log_loss" and classes:
        p = np.clip(pred[np.arange(len(y)), np.asarray(y)], M.PROBA_EPS, 1 - M.PROBA_EPS)
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
    positions = list(range(len(classes)))
    return np.array([M.compute("classification" if classes else "regression", y[i], pred[i], positions)[metric]
                     for i in idx])


def _multiclass_auc_vector(y: np.ndarray, pred: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Macro one-vs-rest ROC AUC over the classes present in each resample (rows ``idx[b]``), as
    :func:`ctloop.metrics.classification` computes it, by ranks per class: no Python loop over rounds.
    NaN for a resample with fewer than two classes."""
    import numpy as np
    from scipy.stats import rankdata

    yb = y[idx]
    total = np.zeros(len(idx))
    present = np.zeros(len(idx))
    for k in np.unique(y):
        hit = yb == k
        n_pos = hit.sum(axis=1)
        n_neg = hit.shape[1] - n_pos
        ranks = rankdata(pred[:, k][idx], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            auc = ((ranks * hit).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
        ok = (n_pos > 0) & (n_neg > 0)
        total += np.where(ok, auc, 0.0)
        present += n_pos > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(present >= 2, total / present, np.nan)


def paired_bootstrap(metric: str, y, pred_challenger, pred_champion, classes, *, rounds: int,
                     confidence: float, seed: int) -> dict[str, float]:
    """CI of challenger − champion (positive = challenger better) on shared resamples.
    Classification: ``y`` holds positions into ``classes`` and both predictions are probability
    matrices over them (see :func:`gate`)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = len(y)
    sign = -1.0 if M.lower_is_better(metric) else 1.0
    task = "classification" if classes else "regression"
    positions = list(range(len(classes)))
    point_c = M.compute(task, y, pred_challenger, positions)[metric]
    point_b = M.compute(task, y, pred_champion, positions)[metric]
    if not (math.isfinite(point_c) and math.isfinite(point_b)):
        # undefined on these rows (ROC AUC on one class, R² on one target value): so on every resample of them
        return {"metric": metric, "challenger": float(point_c), "champion": float(point_b), "delta": float("nan"),
                "ci_low": float("nan"), "ci_high": float("nan"), "confidence": confidence, "rounds": 0}
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
    # + 0.0: a lower-is-better metric's zero difference is -0.0 (sign * 0.0), which read "delta -0.0000 (CI
    # +0.0000..-0.0000)", an interval that looked upside down, for a challenger that predicts as the champion
    return {
        "metric": metric,
        "challenger": float(point_c),
        "champion": float(point_b),
        "delta": float(sign * (point_c - point_b)) + 0.0,
        "ci_low": float(low) + 0.0,
        "ci_high": float(high) + 0.0,
        "confidence": confidence,
        "rounds": int(len(d)),
    }


# --------------------------------------------------------------------------- gate
def _curves(y, proba, labels) -> dict[str, Any]:
    """Confusion matrix over ``labels`` (``y`` as positions) and, for a binary model, the ROC curve."""
    import numpy as np
    from sklearn.metrics import confusion_matrix, roc_curve

    positions = list(range(len(labels)))
    cm = confusion_matrix(y, np.argmax(proba, axis=1), labels=positions)
    out: dict[str, Any] = {"confusion_matrix": {"labels": [str(c) for c in labels], "matrix": cm.tolist()}}
    if len(labels) == 2 and len(np.unique(y)) == 2:
        fpr, tpr, thr = roc_curve(np.asarray(y) == 1, proba[:, 1])
        if len(fpr) > MAX_CURVE_POINTS:
            keep = np.unique(np.linspace(0, len(fpr) - 1, MAX_CURVE_POINTS).astype(int))
            fpr, tpr, thr = fpr[keep], tpr[keep], thr[keep]
        thr = np.where(np.isfinite(thr), thr, 1.0)
        out["roc"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr.tolist()}
    return out


def check(cfg: GateConfig, task: str) -> str:
    """The primary metric of ``cfg`` for ``task``; a ConfigError for a setting that does not fit it."""
    for name in cfg.thresholds:
        M.check_name(name, task, what="threshold metric")
    return M.check_name(cfg.primary_metric or M.default_primary(task), task, what="primary_metric")


def gate(
    challenger: Any,
    holdout: pd.DataFrame,
    *,
    target: str,
    task: str,
    champion: Any | None = None,
    champion_meta: dict[str, Any] | None = None,
    champion_version: str = "",
    thresholds: dict[str, float] | None = None,
    primary_metric: str = GateConfig.primary_metric,
    tolerance: float = GateConfig.tolerance,
    slice_column: str = GateConfig.slice_column,
    bootstrap_rounds: int = GateConfig.bootstrap_rounds,
    confidence: float = GateConfig.confidence,
    seed: int = GateConfig.seed,
) -> GateDecision:
    """Decide whether ``challenger`` may replace ``champion``; see the module doc. Defaults:
    :class:`ctloop.config.GateConfig`."""
    cfg = GateConfig.from_dict({"thresholds": dict(thresholds or {}), "primary_metric": primary_metric,
                                "tolerance": tolerance, "slice_column": slice_column,
                                "bootstrap_rounds": bootstrap_rounds, "confidence": confidence, "seed": seed})
    return run(challenger, holdout, cfg, target=target, task=task, champion=champion, champion_meta=champion_meta,
               champion_version=champion_version)


def run(challenger: Any, holdout: pd.DataFrame, cfg: GateConfig, *, target: str, task: str,
        champion: Any | None = None, staged: str = "", stage_note: str = "",
        champion_meta: dict[str, Any] | None = None, champion_version: str = "") -> GateDecision:
    """:func:`gate` with the settings of the ``gate`` section. ``champion_meta``: the champion's
    model meta (its features learnt from no row, :func:`ctloop.scoring.unused_features`);
    ``champion_version``: its registry version, named in a reason about it.

    Classification labels are encoded once as positions over the challenger's classes followed by
    any label value neither model knows (scored as errors, :mod:`ctloop.metrics`); the champion's
    probabilities are aligned to the same columns, so a class that appeared after the champion was
    trained counts against it instead of failing the gate. Each model's own metrics (the thresholds,
    the report, the monitoring reference) are over its own classes and the holdout's labels it has
    none for: the same with or without the other model.

    ``staged``: without a champion, the registry's note that a version sits in MLflow's deprecated
    stage ``Production``/``Staging`` with no ``champion`` alias (:func:`ctloop.registry.staged_note`):
    the registry has a champion the gate cannot read, so it refuses rather than judge the challenger
    on absolute thresholds as the first model (fail safe; not judged). ``stage_note``: the note for
    versions in stage ``Staging`` only (never approved, so no champion), added to the reason of a
    first model."""
    import numpy as np

    if task not in M.TASKS:
        raise ConfigError(f"task must be 'classification' or 'regression', got {task!r}")
    primary = check(cfg, task)
    # holdout[name] would be a frame: a raw TypeError or AttributeError naming nothing. A header's problem, one
    # line naming the column and its positions (was "breaks rule 'unique_name' in 300 row(s)", review 50 B)
    repeated_names(list(holdout.columns), of="the holdout data")
    if cfg.slice_column and cfg.slice_column not in holdout.columns:
        raise ConfigError(f"gate.slice_column {cfg.slice_column!r} is not a column of the holdout data")
    if cfg.slice_column:
        from ctloop.contract import nested_values, shown_value

        nested = nested_values(holdout[cfg.slice_column])
        if nested:  # "unhashable type: 'list'" from the slices' unique values
            raise ConfigError(f"gate.slice_column {cfg.slice_column!r} holds nested values "
                              f"({type(nested[1]).__name__}; e.g. {shown_value(nested[1])}, {nested[0]} row(s)): a "
                              "slice column needs one category per row")

    codes_read: dict[str, dict[str, Any]] = {"challenger": {}, "champion": {}}  # text read as codes, by role
    data, y_raw, pred_c, classes = _predictions(challenger, holdout, target=target, task=task, role="challenger",
                                                codes_read=codes_read["challenger"])
    labels: list = []
    pred_b = None
    # a feature of the champion the holdout no longer has: the table's schema changed (detect_drift's
    # "schema changed", which retrains); the champion cannot score this data, nor be compared on it
    names = getattr(champion, "feature_names_in_", None) if champion is not None else None
    gone = [] if names is None else [f for f in names if f not in holdout.columns]
    # a column renamed in case or spaces only ('Age' → 'age '), on purpose or not, is the same
    # column: the champion reads it under its old name and is compared as usual (skipping it let a
    # worse challenger pass on thresholds; refusing blocked every retrain after a deliberate rename)
    renamed: dict[str, str] = {}
    for feature in gone:  # also in another Unicode form: 'é' as one character (NFC) or 'e' + accent (NFD)
        near = [c for c in holdout.columns if isinstance(c, str) and isinstance(feature, str)
                and _name_key(c) == _name_key(feature) and c not in names]
        if len(near) == 1:
            renamed[near[0]] = feature
    gone = [f for f in gone if f not in renamed.values()]
    # a champion of the other task (training.task changed): a classifier's labels are no amounts, and
    # a regressor has no class probabilities; it cannot be compared either
    other = champion is not None and not gone and _is_classifier(champion) != (task == "classification")
    if gone or other:
        champion = None
    relabelled: dict[Any, Any] = {}
    disjoint = ""
    outputs = ""  # the champion's NaN or infinite outputs: no comparison (a delta of NaN "passed")
    retyped: _TypeChanged | None = None  # a feature the champion learnt as numbers holds text (the challenger's)
    as_missing: dict[str, tuple[int, Any]] = {}  # a few words among the numbers of a champion's feature
    if champion is not None:
        from ctloop.scoring import unused_features

        rows_b = holdout.rename(columns=renamed) if renamed else holdout
        first: _TypeChanged | None = None  # the champion's first refusal of text, before any word was filled
        while champion is not None:
            try:
                codes_read["champion"] = {}
                data_b, _, pred_b, classes_b = _predictions(
                    champion, rows_b, target=target, task=task, role="champion",
                    unused=unused_features(champion, champion_meta), finite=False,
                    codes_read=codes_read["champion"])
            except _TypeChanged as exc:  # the challenger scored the same rows
                first = first or exc
                few = None if exc.column in as_missing else _words_as_missing(rows_b, exc.column, target)
                if few is None:  # most of its values are no numbers: the column's type changed, not a typo
                    retyped, champion, pred_b = exc, None, None
                else:  # a stray '?' or 'n/a': the champion's imputer fills it, as it fills an empty cell
                    rows_b, as_missing[exc.column] = few[0], few[1:]
            except EvaluationError as exc:
                # only the NaN the filled words became; any other refusal is the champion's own (an
                # unknown category, a missing column): it stays an error, not a type change to skip
                if (first is None or not as_missing or "contains NaN" not in str(exc.__cause__ or "")
                        or _blank_elsewhere(champion, rows_b, target, as_missing)):
                    raise
                # no imputer (a Pipeline fitted outside ctloop: "Input X contains NaN"): it cannot read the
                # words as empty cells either, so the column's type changed for it, as before they were filled
                retyped, champion, pred_b = first, None, None
                as_missing.clear()
            else:
                outputs = _non_finite(pred_b, "predict_proba" if task == "classification" else "predict",
                                      data_b.index)
                if outputs:
                    champion, pred_b = None, None
                break
    if champion is not None:
        if task == "classification":
            # the champion's classes written in another case ('Yes' where the holdout says 'yes'): the same
            # classes, read as the holdout writes them (scored as unseen, the champion's AUC was 0.5 and any
            # challenger passed); a champion whose classes are the challenger's renamed is no comparison
            relabelled = _classes_as_written(list(classes_b), y_raw, list(classes))
            classes_b = [relabelled.get(c, c) for c in classes_b]
            disjoint = _disjoint_classes(list(classes_b), list(classes), y_raw, target)
            if disjoint:
                champion, pred_b = None, None
    # each model's own metrics: over its classes and the holdout's labels it has no class for, whatever the
    # other model's classes (a champion's class no holdout row holds made a binary challenger's
    # precision/recall/F1 macro averages over three labels, and took its ROC curve)
    own_y, own_labels, own_pred = y_raw, [], pred_c
    champion_own = None
    compared_rows = np.ones(len(y_raw), dtype=bool)  # the rows of the comparison: all but labels neither model knows
    neither = UnseenLabels()
    if task == "classification":
        others = list(classes_b) if champion is not None else []
        key = M.class_key(classes, others) if others else M.class_key(classes)
        union = list(classes) + [c for c in others if key(c) not in {key(k) for k in classes}]
        own_y, own_labels = _encode(y_raw, list(classes))
        own_pred = align_classes(pred_c, classes, own_labels)
        if pred_b is not None:
            champion_own = M.compute(task, y_raw, pred_b, list(classes_b))
        y, labels = _encode(y_raw, union)  # the comparison's: both models over the same labels
        # a label neither model knows costs both the same: out of the comparison and of its labels (round 59's
        # review M3: one junk label in 2,000 made a binary comparison a 3-class macro mean); each model's own
        # metrics above score it as an error at its share
        compared_rows = y < len(union)
        if not compared_rows.all():
            neither = unseen_labels(y_raw, union)
        y, labels = y[compared_rows], list(labels[:len(union)])
        pred_c = align_classes(pred_c, classes, labels)[compared_rows]
        if pred_b is not None:
            pred_b = align_classes(pred_b, classes_b, labels)[compared_rows]
    else:
        y = y_raw
    positions = list(range(len(labels)))
    own_positions = list(range(len(own_labels)))
    # a holdout label the challenger never saw: an error at its share of the rows (ctloop.metrics.at_share, the
    # rule of the backtest and of realized metrics; until round 59 one more class of a macro mean)
    challenger_metrics = M.compute(task, own_y, own_pred[:, :len(classes)], list(range(len(classes)))) \
        if task == "classification" else M.compute(task, own_y, own_pred, own_positions)
    decision = GateDecision(approved=False, reason="", task=task, primary_metric=primary,
                            challenger_metrics=challenger_metrics, thresholds=dict(cfg.thresholds), rows=len(data))
    # the holdout's labels the challenger has no class for (not the champion's classes no row holds)
    unseen = [str(own_labels[i]) for i in sorted(set(np.asarray(own_y).tolist())) if i >= len(classes)] \
        if task == "classification" else []
    if task == "classification":
        from ctloop.monitoring.triggers import gate_reference, scores_of

        decision.curves = _curves(own_y, own_pred, own_labels)
        decision.reference = gate_reference(own_y, own_pred[:, :len(classes)], list(range(len(classes))),
                                            scores=scores_of(own_pred[:, :len(classes)]))
    else:
        from ctloop.monitoring.triggers import regression_reference

        decision.reference = regression_reference(y, pred_c)

    reasons: list[str] = []
    ok = True
    if unseen:
        reasons.append(f"holdout labels the challenger never saw in training: {', '.join(unseen[:5])} "
                       "(scored as errors)")
    if not cfg.thresholds:
        ok = False
        reasons.append("no threshold configured: refusing to approve by default (set gate.thresholds, "
                       f"e.g. {{\"{primary}\": ...}})")
    for name, bound in sorted(cfg.thresholds.items()):
        value = challenger_metrics[name]
        lower = M.lower_is_better(name)
        passed = M.passes(name, value, bound)
        decision.checks.append({"check": "threshold", "metric": name, "value": value, "bound": bound,
                                "op": "<=" if lower else ">=", "passed": passed})
        ok &= passed
        if value != value:  # ROC AUC on one class, R² on one target value: no value to show ("nan >= 0.5")
            held = f"{len(own_y)} rows" + (f", {len(np.unique(own_y))} class(es)" if task == "classification" else "")
            reasons.append(f"{name} {'<=' if lower else '>='} {bound} FAILED: undefined on this holdout ({held})")
            continue
        reasons.append(f"{name} {value:.4f} {'<=' if lower else '>='} {bound} {'passed' if passed else 'FAILED'}")

    if champion is None:
        codes_read["champion"] = {}
    if read_as_codes := _codes_note(codes_read):
        reasons.append(read_as_codes)
    if read_as_flags := _flags_note(codes_read):
        reasons.append(read_as_flags)
    if renamed and champion is not None:
        reasons.append("the champion read " + ", ".join(f"{new!r} as its feature {old!r}" for new, old in renamed.items())
                       + (" (renamed in case or spaces only)" if all(new.strip().casefold() == old.strip().casefold()
                                                                    for new, old in renamed.items())
                          else " (renamed in case, spaces or Unicode form only)"))
    if as_missing and champion is not None:
        reasons.append("the champion read " + ", ".join(
            f"{rows} cell(s) of its numeric feature {name!r} that are no numbers (e.g. {quoted(value)})"
            for name, (rows, value) in as_missing.items()) + " as missing, as empty cells")
    if relabelled and champion is not None:
        # two spellings that print alike (an accent as a character of its own or not) shown by their characters
        forms = any(isinstance(old, str) and isinstance(new, str) and text_form(old) == text_form(new) and old.strip() != new.strip()
                    for old, new in relabelled.items())
        shown = ascii if forms else (lambda v: repr(plain(v)))
        reasons.append("the champion's classes " + ", ".join(f"{shown(plain(old))} as {shown(plain(new))}"
                                                             for old, new in relabelled.items())
                       + " (the same classes written another way"
                       + (f"; {forms_note([v for pair in relabelled.items() for v in pair if isinstance(v, str)])}"
                          if forms else "") + ")")
    if gone or other or retyped:
        decision.champion_skipped = "schema" if gone or retyped else "task"
    elif disjoint:
        decision.champion_skipped = "classes"
    elif outputs:
        decision.champion_skipped = "outputs"
    if gone:
        reasons.append(f"the champion cannot score the holdout: it has no column {gone[0]!r}"
                       + (f" (nor {', '.join(map(repr, gone[1:]))})" if len(gone) > 1 else "")
                       + ", a feature of the champion (the data's schema changed): judged on absolute thresholds "
                       "only")
    elif retyped:
        reasons.append(f"the champion cannot score the holdout: its numeric feature {retyped.column!r} holds "
                       f"{retyped.held}: the column's type changed since the champion was trained (the challenger "
                       "scored it): judged on absolute thresholds only")
    elif other:
        reasons.append(f"the champion is a {'regressor' if task == 'classification' else 'classifier'}, not a model "
                       f"of this {task} task (training.task changed): judged on absolute thresholds only")
    elif disjoint:
        reasons.append(disjoint + ": judged on absolute thresholds only")
    elif outputs:
        reasons.append(f"the champion{f' (version {champion_version})' if champion_version else ''} cannot be "
                       f"compared: {outputs}: judged on absolute thresholds only")
    elif champion is None and staged:
        ok = False
        decision.champion_skipped = "stage"
        reasons.append(f"{staged}; refusing to approve a first champion while a version is in stage Production")
    elif champion is None:
        reasons.append("no champion yet: judged on absolute thresholds only" + (f" ({stage_note})" if stage_note else ""))
    else:
        decision.champion_metrics = champion_own if champion_own is not None else M.compute(task, y, pred_b, positions)
        comp = paired_bootstrap(primary, y, pred_c, pred_b, labels, rounds=cfg.bootstrap_rounds,
                                confidence=cfg.confidence, seed=cfg.seed)
        comp["tolerance"] = cfg.tolerance
        # fail safe: a comparison the holdout cannot make (ROC AUC on one class) shows nothing, not "not worse"
        undefined = not (np.isfinite(comp["ci_low"]) and np.isfinite(comp["ci_high"]))
        worse = undefined or bool(comp["ci_high"] < -cfg.tolerance)
        comp["passed"] = not worse
        decision.comparison = comp
        decision.checks.append({"check": "vs_champion", **comp})
        # the comparison scores both models over the union of their classes; each model's metrics above are
        # over its own, so their difference is not the delta that decided: the reason names the compared values
        compared = ""
        # the delta is the challenger's gain (paired_bootstrap), so an error's reads the champion's minus the
        # challenger's: "rmse delta -16.0590" read as an error 16 lower next to "confidently worse"
        sign = delta_note(primary, delta=comp["delta"])
        own_values = (challenger_metrics[primary], decision.champion_metrics[primary])
        if not np.allclose((comp["challenger"], comp["champion"]), own_values, rtol=0, atol=5e-5, equal_nan=True):
            compared = (f" over both models' classes ({', '.join(map(str, labels[:6]))}"
                        + (", ..." if len(labels) > 6 else "")
                        + f": challenger {comp['challenger']:.4f}, champion {comp['champion']:.4f}; each model's "
                        f"{primary} above is over its own classes" + (f"; {sign}" if sign else "") + ")")
        elif sign:
            compared = f" (challenger {comp['challenger']:.4f}, champion {comp['champion']:.4f}: {sign})"
        ok &= not worse
        if neither.rows:
            names = " or ".join(repr(c) for c in neither.classes[:5]) + (" ..." if len(neither.classes) > 5 else "")
            reasons.append(f"{neither.rows} holdout row{'s' if neither.rows > 1 else ''} labelled {names}, "
                           f"{'a class' if len(neither.classes) == 1 else 'classes'} neither model saw, left out of "
                           "the comparison (it costs both the same)")
        reasons.append(
            f"vs champion: {primary} undefined on this holdout ({len(y)} rows"
            + (f", {len(np.unique(y))} class(es)" if task == "classification" else "")
            + "): FAILED: no evidence the challenger is not worse ("
            + ("a holdout of more rows (a longer window, a larger holdout fraction) holds more classes; log_loss or "
               "accuracy as the primary metric are defined on one class)" if task == "classification" else
               (f"the holdout's target has one value, {plain(y[0])!r}: r2 is undefined on it; rmse or mae as "
                "the primary metric are defined)" if len(np.unique(y)) == 1 else
                "a holdout of more rows: a longer window, a larger holdout fraction)"))
            if undefined else
            f"vs champion: {primary} delta {comp['delta']:+.4f}{compared} (CI {comp['ci_low']:+.4f}..{comp['ci_high']:+.4f}, "
            f"tolerance {cfg.tolerance}) {'FAILED: confidently worse' if worse else 'passed'}"
        )
        reasons.extend(_champion_unseen(champion, champion_meta, rows_b, y_raw,
                                        list(classes_b) if task == "classification" else None))
        if cfg.slice_column:
            worst = None
            skipped: dict[str, list[str]] = {}  # why → the slices skipped for it
            for value in sorted(data[cfg.slice_column].dropna().unique(), key=str):
                # a gap of a nullable column (Int64, Float64) compares as pd.NA: in no slice, as NaN
                mask = data[cfg.slice_column].eq(value).to_numpy(dtype=bool, na_value=False)[compared_rows]
                n = int(mask.sum())
                entry: dict[str, Any] = {"slice": f"{cfg.slice_column}={value}", "rows": n}
                sc = None if n < MIN_SLICE_ROWS else paired_bootstrap(
                    primary, y[mask], pred_c[mask], pred_b[mask], labels, rounds=max(200, cfg.bootstrap_rounds // 2),
                    confidence=cfg.confidence, seed=cfg.seed)
                # one rule: a slice whose delta cannot be computed (too few rows; the primary metric undefined on its
                # rows: ROC AUC on one class, R² on one target value) is skipped, neither passed nor the worst
                # (a NaN delta "passed", and never compared smaller: it hid every slice sorted after it)
                if sc is None or not all(_finite(sc[k]) for k in ("delta", "ci_low", "ci_high")):
                    entry["skipped"] = _slice_skipped(primary, task, y[mask], labels)
                    skipped.setdefault(entry["skipped"], []).append(entry["slice"])
                    decision.slices.append(entry)
                    continue
                entry.update(sc)
                entry["passed"] = not (sc["ci_high"] < -cfg.tolerance)
                decision.slices.append(entry)
                if worst is None or sc["delta"] < worst["delta"]:
                    worst = entry
            if worst is not None:
                decision.checks.append({"check": "worst_slice", **worst})
                ok &= worst["passed"]
                slice_sign = delta_note(primary, delta=worst["delta"])
                reasons.append(
                    f"worst slice {worst['slice']}: delta {worst['delta']:+.4f} (CI up to {worst['ci_high']:+.4f}"
                    + (f"; {slice_sign}" if slice_sign else "") + ") "
                    f"{'passed' if worst['passed'] else 'FAILED: regresses beyond tolerance'}"
                )
            if skipped:  # at most 3 reasons of 3 slices each (a slice of one value each: as many reasons)
                groups = list(skipped.items())
                rest = sum(len(names) for _, names in groups[3:])
                reasons.append(
                    f"{sum(map(len, skipped.values()))} of {len(decision.slices)} slice(s) of {cfg.slice_column!r} "
                    "skipped, not compared: "
                    + "; ".join(f"{why}: {', '.join(names[:3])}" + (f", ... ({len(names)} slices)" if len(names) > 3
                                                                    else "") for why, names in groups[:3])
                    + (f"; {rest} more for other reasons (the summary's slice table)" if rest else "")
                    + ("; no slice compared: the worst-slice check did not run" if worst is None else ""))
    decision.approved = bool(ok)
    decision.reason = ("approved: " if ok else "not approved: ") + "; ".join(reasons)
    return decision


def _champion_unseen(champion: Any, meta: dict[str, Any] | None, rows: pd.DataFrame, y: Any,
                     classes: list | None) -> list[str]:
    """What the compared champion never saw in the holdout, said as the backtest's windows say it
    (:mod:`ctloop.unseen`): its labels of classes the champion has none for (each scored as its error), and
    its features with no value in the holdout that the champion learnt with values (scored on imputed
    values). Stop 58's births_cigarettes_dst and medicare_private_gap: the gate said neither."""
    from ctloop.scoring import unused_features
    from ctloop.unseen import empty_features, empty_said, unseen_labels

    said = [unseen_labels(y, classes).said("the champion", total=len(y), whose="the holdout's",
                                           fate="scored as errors")] if classes else []
    unused = unused_features(champion, meta)
    names = [str(n) for n in getattr(champion, "feature_names_in_", [])]
    said += [empty_said(f, "the holdout") for f in empty_features(names, rows, lambda f: f not in unused)]
    return [x for x in said if x]


def delta_note(metric: str, *, delta: float | None, challenger: str = "the challenger's",
               champion: str = "the champion's") -> str:
    """How a comparison's ``delta`` of ``metric`` reads, or ``""`` for a higher-is-better metric and for a delta
    that is zero or none at all (NaN, None), which reads alike either way: the delta is the challenger's gain
    (:func:`paired_bootstrap`: positive = the challenger better), so an error's (rmse, mae, log_loss) is the
    champion's minus the challenger's, and "rmse delta -16.0590" is an error 16 higher, not lower. One clause, and
    one guard, for every place that shows such a delta (the reason and its worst slice, the markdown summary,
    :func:`ctloop.retrain.choose_start`'s note); ``challenger``/``champion`` name the two models'."""
    if not M.lower_is_better(metric) or delta is None or not math.isfinite(delta) or delta == 0:
        return ""
    return f"a lower {metric} is better, the delta is {champion} minus {challenger}"


def _slice_skipped(primary: str, task: str, y: np.ndarray, labels: list) -> str:
    """Why a slice of holdout rows ``y`` (positions into ``labels`` for a classifier) has no delta of
    ``primary``: too few rows, or the metric undefined on its rows."""
    import numpy as np

    if len(y) < MIN_SLICE_ROWS:
        return f"fewer than {MIN_SLICE_ROWS} rows"
    values = np.unique(y)
    if len(values) == 1 and task == "classification":
        return f"{primary} undefined: a single class there ({plain(labels[int(values[0])])!r})"
    if len(values) == 1:
        return f"{primary} undefined: the target has one value there ({plain(values[0])!r})"
    return f"{primary} undefined on its rows"


def _digits(value: float) -> float:
    """Six decimals, or six significant digits below 1: a regressor's errors (and their
    comparison) have the target's scale, and six decimals made those of a target in units of
    1e-5 read 0 or 1e-5."""
    value = float(value)
    return round(value, 6) if abs(value) >= 1 else float(f"{value:.6g}")


def metric_values(decision: GateDecision) -> dict[str, float]:
    """The decision as flat metrics (the KFP Metrics artifact): ``challenger.<m>``, ``champion.<m>``,
    ``<primary>.challenger/champion/delta/ci_low/ci_high`` (the comparison's, over both models'
    classes: a model's ``challenger.<m>``/``champion.<m>`` are over its own), the statistics the monitoring rules need
    (``challenger.roc_auc_se``, ``challenger.brier``, ``challenger.brier_se``, ``challenger.rows``,
    ``challenger.score_q10`` … ``q90``; a regressor's ``challenger.mse``, ``challenger.mse_se``,
    ``challenger.mae_se`` (its ``challenger.mae`` is the gate metric, the same value),
    ``challenger.rows`` and prediction deciles: registered as tags, read back by
    :mod:`ctloop.monitoring.champion`) and ``approved`` (0/1); NaN values are left out."""
    out = {f"challenger.{k}": _digits(v) for k, v in decision.challenger_metrics.items() if v == v}
    out.update({f"champion.{k}": _digits(v) for k, v in (decision.champion_metrics or {}).items() if v == v})
    if decision.comparison:
        # the comparison's own values (over both models' classes): .delta is the challenger's gain, so
        # <primary>.challenger − .champion for a higher-is-better metric and .champion − .challenger for an
        # error (rmse, mae, log_loss: delta_note)
        for key in ("challenger", "champion", "delta", "ci_low", "ci_high"):
            if decision.comparison[key] == decision.comparison[key]:
                out[f"{decision.primary_metric}.{key}"] = _digits(decision.comparison[key])
    out.update({f"challenger.{k}": _digits(v) for k, v in decision.reference.items()})
    out["approved"] = int(decision.approved)
    return out


def render_markdown(decision: GateDecision) -> str:
    """A readable gate summary (KFP Markdown artifact). A metric the holdout cannot define (ROC AUC
    on one class, R² on one target value) reads "undefined", as the decision's reason says, not
    ``nan``."""
    import math

    def shown(value: Any, form: str = ".4f") -> str:
        return "undefined" if value is None or value != value else format(value, form)

    lines = [f"# Evaluation gate: {'✅ approved' if decision.approved else '❌ not approved'}", "",
             decision.reason, "", f"Holdout rows: {decision.rows}. Primary metric: `{decision.primary_metric}`.", "",
             "| metric | challenger | champion |", "|---|---|---|"]
    champ = decision.champion_metrics or {}
    for name, value in decision.challenger_metrics.items():
        other = champ.get(name)
        lines.append(f"| {name} | {shown(value)} | {'—' if other is None else shown(other)} |")
    if decision.checks:
        lines += ["", "| check | detail | result |", "|---|---|---|"]
        for c in decision.checks:
            if c["check"] == "threshold":
                detail = (f"{c['metric']} {c['op']} {c['bound']}: undefined on this holdout" if c["value"] != c["value"]
                          else f"{c['metric']} {c['value']:.4f} {c['op']} {c['bound']}")
            else:
                label = c.get("slice", "overall")
                tolerance = decision.comparison["tolerance"] if decision.comparison else ""
                if all(math.isfinite(c[k]) for k in ("delta", "ci_low", "ci_high")):  # as gate's ``undefined``
                    detail = (f"{label}: Δ{c['metric']} {c['delta']:+.4f}, {int(c['confidence'] * 100)}% CI "
                              f"[{c['ci_low']:+.4f}, {c['ci_high']:+.4f}], tolerance {tolerance}")
                else:
                    detail = f"{label}: Δ{c['metric']} undefined on this holdout, tolerance {tolerance}"
            lines.append(f"| {c['check']} | {detail} | {'pass' if c['passed'] else 'FAIL'} |")
        # said when a delta the table shows (overall, worst slice) has one, as the reason says it
        if sign := next((note for c in decision.checks if c["check"] != "threshold"
                         if (note := delta_note(decision.primary_metric, delta=c["delta"]))), ""):
            lines += ["", f"Δ{decision.primary_metric}: {sign}."]
    if decision.slices:
        lines += ["", "| slice | rows | challenger | champion | Δ | CI |", "|---|---|---|---|---|---|"]
        for s in decision.slices:
            if "skipped" in s:
                lines.append(f"| {s['slice']} | {s['rows']} | — | — | — | skipped: {s['skipped']} |")
            else:
                ci = (f"[{s['ci_low']:+.4f}, {s['ci_high']:+.4f}]" if math.isfinite(s["ci_low"]) and math.isfinite(s["ci_high"])
                      else "undefined")
                lines.append(f"| {s['slice']} | {s['rows']} | {shown(s['challenger'])} | {shown(s['champion'])} | "
                             f"{shown(s['delta'], '+.4f')} | {ci} |")
    return "\n".join(lines) + "\n"


__all__ = ["MIN_SLICE_ROWS", "GateDecision", "align_classes", "check", "paired_bootstrap", "score", "gate", "run",
           "metric_values", "render_markdown", "delta_note"]

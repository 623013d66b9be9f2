"""What a model never saw in the rows it is scored on, counted and said alike wherever it is scored:
the backtest's windows (:mod:`ctloop.backtest`), monitoring's realized metric
(``components/monitor``) and the evaluation gate's champion (``components/evaluate``).

* :func:`unseen_labels`: the labels that are none of the model's classes (matched as
  :func:`ctloop.metrics.class_positions` matches them), how many and which;
* :func:`empty_features`: the features with no value in the rows (:func:`no_values`) that the model learnt
  with values.

Stop 58's unseen streams showed both unsaid: births_cigarettes_dst's champion met a class it never saw in
18 windows (each such label scored as an error), medicare_private_gap's income feed broke for three days."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


@dataclass(frozen=True)
class UnseenLabels:
    """``rows`` labels (missing ones not counted) are the ``classes`` a model never saw, as written."""

    rows: int = 0
    classes: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list, compare=False, repr=False)  # the model's, as text

    def said(
        self, model: str, *, total: int, whose: str = "its", noun: str = "rows", fate: str = ""
    ) -> str:
        """``"15 of its 70 rows are labelled 'heavy', a class v1 never saw: scored as errors"``; ``""`` when
        none. ``model`` names the model (``v1``, ``the champion``), ``total`` the rows the count is of
        (``whose`` ``noun``), ``fate`` what became of them (none: not said)."""
        if not self.rows or not self.classes:
            return ""
        named = [repr(c) + _written_note(c, [*self.seen, *self.classes]) for c in self.classes]
        names = " or ".join([", ".join(named[:-1]), named[-1]]) if len(named) > 1 else named[0]
        return (
            f"{self.rows} of {whose} {total} {noun} {'is' if self.rows == 1 else 'are'} labelled {names}, "
            f"{'a class' if len(named) == 1 else 'classes'} {model} never saw"
            + (f": {fate}" if fate else "")
        )


def unseen_labels(y: Any, classes: list | None) -> UnseenLabels:
    """The labels of ``y`` that are none of ``classes`` (the model's, in order): how many, and which in
    order of appearance (as text). No classes (a regressor): none."""
    import numpy as np
    import pandas as pd

    from ctloop.metrics import class_positions

    if not classes:
        return UnseenLabels()
    values = np.asarray(y)
    values = values[np.asarray(pd.notna(values), dtype=bool)] if len(values) else values
    positions, labels = class_positions(values, list(classes))
    return UnseenLabels(
        int((positions >= len(classes)).sum()),
        [_text(c) for c in labels[len(classes) :]],
        [_text(c) for c in classes],
    )


# Letters drawn like a Latin one (capitals folded before casefold, small letters after): Unicode's confusables.txt
# (UTS #39) maps each of these to the Latin letter, the ones a look-alike class name is made of.
_LATIN_LOOKALIKES = str.maketrans(
    {
        **dict(zip("аесорхуіјѕԁԛԝһӏ", "aecopxyijsdqwhl", strict=True)),  # Cyrillic
        **dict(zip("АВЕКМНОРСТХУІЈЅ", "ABEKMHOPCTXYIJS", strict=True)),
        **dict(zip("αβεικνορτυχ", "abeikvoptux", strict=True)),  # Greek
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
    }
)
_ONE_SCRIPT = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "KATAKANA-HIRAGANA": "CJK", "HANGUL": "CJK"}


def _hidden(c: str) -> bool:
    """A character that does not show as itself: a format or control character (zero-width space, a
    direction mark, a soft hyphen) or a space other than ``' '`` (no-break, ideographic)."""
    import unicodedata

    return c != " " and unicodedata.category(c) in ("Cf", "Cc", "Zs", "Zl", "Zp")


def _folded(text: str) -> str:
    """``text`` as a reader sees it: NFKC (full-width and compatibility forms as the plain letter), in
    any case, look-alike letters of other scripts as the Latin ones, characters that do not show left
    out."""
    import unicodedata

    nfkc = unicodedata.normalize("NFKC", text)
    folded = nfkc.translate(_LATIN_LOOKALIKES).casefold().translate(_LATIN_LOOKALIKES)
    return "".join(c for c in folded if not _hidden(c)).strip()


def _scripts(word: str) -> set[str]:
    """The scripts of ``word``'s letters, by their Unicode names (``CYRILLIC SMALL LETTER A``);
    Han, kana and Hangul as one (Japanese writes them in one word)."""
    import unicodedata

    names = (unicodedata.name(c, "").split(" ") for c in word if c.isalpha())
    firsts = (n[1] if n[0] in ("FULLWIDTH", "HALFWIDTH") and len(n) > 1 else n[0] for n in names)
    return {_ONE_SCRIPT.get(f, f) for f in firsts if f}


def _written_note(name: str, classes: list[str]) -> str:
    """``" (written '...', why)"`` when the escaped spelling of class ``name`` tells the reader
    something its printed form hides: a character that does not show, another of ``classes`` it
    reads as (:func:`_folded`), or letters of two scripts in one word ('Yеs' with a Cyrillic 'е');
    ``""`` otherwise, e.g. for 'académique', '普通科', '🛠️ vocational' or Arabic as written."""
    import re

    if name.isascii():  # the escaped copy would read the same
        return ""
    import unicodedata

    why = ""
    if hidden := [c for c in name if _hidden(c)]:
        why = f"with U+{ord(hidden[0]):04X} {unicodedata.name(hidden[0], 'a control character')}, which does not show"
    elif alike := [c for c in classes if c != name and _folded(c) == _folded(name)]:
        why = f"which reads like {alike[0]!r}"
    elif any(len(_scripts(w)) > 1 for w in re.findall(r"[^\W\d_]+", name)):
        why = "letters of two scripts in one word"
    return f" (written {ascii(name)}, {why})" if why else ""


def _text(label: Any) -> str:
    """A label as text: a whole-number float as its integer (a label store keeps numbers as floats: 2.0 is
    the class 2)."""
    from ctloop.errors import plain

    value = plain(label)
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def no_values(column: pd.Series) -> bool:
    """Whether ``column`` has no value in any row: each missing, or ±inf in a column of numbers (the drift
    engine's "no values (all null/inf)"); a column of no rows has none either."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return not np.isfinite(pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)).any()
    return bool(column.isna().all())


def empty_features(
    features: Iterable[str],
    rows: pd.DataFrame | Callable[[str], bool],
    learnt: pd.DataFrame | Callable[[str], bool],
) -> list[str]:
    """The ``features`` with no value in the ``rows`` scored (:func:`no_values` of a frame's column; or a
    function saying so, e.g. from a streamed column's counts) that the model learnt with values (some
    value in the frame ``learnt`` learnt from; or a function saying so, e.g. from the model's meta), in
    the order given."""
    empty = (
        rows if callable(rows) else (lambda name: name in rows.columns and no_values(rows[name]))
    )
    known = (
        learnt
        if callable(learnt)
        else (lambda name: name in learnt.columns and not no_values(learnt[name]))
    )
    return [name for name in features if empty(name) and known(name)]


def empty_said(column: str, where: str, model: str = "the champion") -> str:
    """``"column 'income' has no values in this window (the champion learnt it with values)"``."""
    return f"column {column!r} has no values in {where} ({model} learnt it with values)"


__all__ = ["UnseenLabels", "unseen_labels", "no_values", "empty_features", "empty_said"]

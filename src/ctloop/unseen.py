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

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
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
        index = _alikes([*self.seen, *self.classes])  # each class folded once, not per name
        named = [repr(c) + _written_note(c, index) for c in self.classes]
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


# Letters drawn like a Latin one, the ones a look-alike class name is made of: capitals first (Greek 'Ν' is
# drawn as 'N', its small 'ν' as 'v'), then, after casefold, small letters (Cyrillic 'в' 'к' 'м' 'н' 'т' look
# like small capitals, not 'b' 'k' 'm' 'h' 't': left alone). :func:`_folded`.
_CAPITALS = "АВЕКМНОРСТХУІЈЅΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"  # Cyrillic, Greek: drawn as Latin ones (their small letters differ)
_LATIN_CAPITALS = str.maketrans(dict(zip(_CAPITALS, "ABEKMHOPCTXYIJSABEZHIKMNOPTYX", strict=True)))
_LATIN_LOOKALIKES = str.maketrans(
    {
        **dict(zip("аесорхуіјѕԁԛԝһӏ", "aecopxyijsdqwhl", strict=True)),  # Cyrillic
        **dict(zip("αβεηικνορτυχζ", "abenikvoptuxz", strict=True)),  # Greek
    }
)
_LOOKALIKE_LETTERS = frozenset(chr(c) for c in _LATIN_LOOKALIKES) | frozenset(_CAPITALS)
# Han (CJK UNIFIED IDEOGRAPH, IDEOGRAPHIC ...), kana and Hangul: one writing (Japanese and Korean mix them in a word)
_ONE_SCRIPT = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "KATAKANA-HIRAGANA": "CJK", "HANGUL": "CJK",
               "IDEOGRAPHIC": "CJK"}  # fmt: skip
# ZWNJ, ZWJ: part of the word between letters or emoji (Persian, 👩‍💻)
_JOINERS = ("\u200c", "\u200d")


def _hidden(c: str) -> bool:
    """A character that does not show as itself: a format or control character (zero-width space, a
    direction mark, a soft hyphen) or a space other than ``' '`` (no-break, ideographic)."""
    import unicodedata

    return c != " " and unicodedata.category(c) in ("Cf", "Cc", "Zs", "Zl", "Zp")


def _unshown(text: str) -> list[str]:
    """The characters of ``text`` that do not show (:func:`_hidden`), but for a joiner (ZWNJ, ZWJ)
    between two letters, marks or symbols: the Persian 'می‌خواهم' and the emoji '👩‍💻' are written with one."""
    import unicodedata

    def joined(i: int) -> bool:
        sides = text[i - 1 : i], text[i + 1 : i + 2]
        return i > 0 and all(s and unicodedata.category(s)[0] in "LMS" for s in sides)

    return [c for i, c in enumerate(text) if _hidden(c) and not (c in _JOINERS and joined(i))]


@lru_cache(maxsize=65536)
def _folded(text: str) -> str:
    """``text`` as a reader sees it: NFKC (full-width and compatibility forms as the plain letter), in
    any case (look-alike capitals of other scripts as the Latin ones, casefold, then look-alike small letters:
    'ΝΟ' as 'no', 'Нет' as 'he' with its Cyrillic 'т', 'нет' as 'н' 'e' 'т': as they are drawn),
    characters that do not show left out."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", text).translate(_LATIN_CAPITALS).casefold().translate(_LATIN_LOOKALIKES)
    return "".join(c for c in folded if not _hidden(c)).strip()


@lru_cache(maxsize=65536)
def _cased(text: str) -> str:
    """``text`` in any case only (NFKC, lower case, what does not show left out): 'Нет' and 'нет', 'CO' and 'Co';
    not 'Straße' and 'STRASSE' (casefold's 'ss' is a spelling, said as "reads like")."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if not _hidden(c)).strip()


@lru_cache(maxsize=4096)
def _script(c: str) -> str:
    """The script of letter ``c`` by its Unicode name (``CYRILLIC SMALL LETTER A``: CYRILLIC); ``""``
    for a letter of no script (a modifier letter such as 'ʼ' or 'ʻ', the ordinals 'º' 'ª')."""
    import unicodedata

    if unicodedata.category(c) == "Lm" or c in "ºª":
        return ""
    shown = unicodedata.normalize("NFKC", c)[:1] or c  # 'µ' (MICRO SIGN): the Greek mu
    name = unicodedata.name(shown, "").split(" ")
    first = name[1] if name[0] in ("FULLWIDTH", "HALFWIDTH") and len(name) > 1 else name[0]
    return _ONE_SCRIPT.get(first, first)


def _disguised(word: str) -> bool:
    """Whether ``word`` (letters only) mixes scripts the way a disguise does: beside Latin letters, letters of
    another script drawn like Latin ones ('Yеs' with a Cyrillic 'е'), or Latin look-alikes beside letters of
    that script. Other mixes read plain: 'Tシャツ', 'K팝', 'iPhone用', and a Greek symbol after capitals
    ('TNFα', 'IFNγ': a gene or protein name)."""
    scripts = {_script(c) for c in word} - {""}
    if len(scripts) < 2 or "LATIN" not in scripts:
        return False
    if re.fullmatch(r"[A-Z0-9]+[α-ω]+", word):  # 'TNFα'
        return False
    foreign = [c for c in word if _script(c) not in ("", "LATIN")]
    return all(c in _LOOKALIKE_LETTERS for c in foreign)


def _shown(text: str) -> str:
    """A class name as a note quotes it: escaped (``ascii``) when its printed form hides something
    (:func:`_unshown` characters, a :func:`_disguised` word), else as printed (``repr``)."""
    hides = _unshown(text) or any(_disguised(w) for w in re.findall(r"[^\W\d_]+", text))
    return ascii(text) if hides else repr(text)


def _alikes(classes: Iterable[str]) -> dict[str, list[str]]:
    """``classes`` by how they read (:func:`_folded`), each folded once."""
    index: dict[str, list[str]] = {}
    for c in dict.fromkeys(classes):
        index.setdefault(_folded(c), []).append(c)
        index.setdefault("\0" + _cased(c), []).append(c)  # the same name in another case, in any script
    return index


def _written_note(name: str, classes: list[str] | dict[str, list[str]]) -> str:
    """``" (written '...', why)"`` when the escaped spelling of class ``name`` tells the reader something
    its printed form hides: a character that does not show, another of ``classes`` (or their
    :func:`_alikes` index) it reads as (:func:`_folded`: in any case, so 'Yes' beside 'yes' too, and the
    other quoted escaped when it is the disguised one), or letters of two scripts in one word drawn alike
    (:func:`_disguised`); ``""`` otherwise, e.g. for 'académique', '普通科', '🛠️ vocational' or Arabic
    as written. The escaped copy is left out when it reads as the printed one (an ASCII name, or
    one whose ``repr`` already escapes what does not show)."""
    import unicodedata

    index = classes if isinstance(classes, dict) else _alikes(classes)
    why = ""
    if hidden := _unshown(name):
        why = f"with U+{ord(hidden[0]):04X} {unicodedata.name(hidden[0], 'a control character')}, which does not show"
    elif cased := [c for c in index.get("\0" + _cased(name), ()) if c != name and c.lower() == name.lower()]:
        why = f"which differs from {_shown(cased[0])} only in case"
    elif alike := [c for c in index.get(_folded(name), ()) if c != name]:
        why = f"which reads like {_shown(alike[0])}"
    elif not name.isascii() and any(_disguised(w) for w in re.findall(r"[^\W\d_]+", name)):
        why = "letters of two scripts in one word"
    if not why:
        return ""
    return f" ({why})" if ascii(name) == repr(name) else f" (written {ascii(name)}, {why})"


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

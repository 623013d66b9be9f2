"""Round 61's review of the unseen-class notes (ctloop.unseen; docs/backtest-quality.md, "Stop 61: what the
compare shows"): H1 said() folded every class once per non-ASCII unseen name (41 s at 2,000 classes, 500 of
them unseen; benchmarks/bench_r61_unseen_notes.py); L1-L4 the two-scripts, look-alike, case and
invisible-character checks."""

from __future__ import annotations

import pytest

from ctloop import unseen
from ctloop.unseen import unseen_labels


def said(labels: list[str], classes: list[str]) -> str:
    return unseen_labels(labels, classes).said("v1", total=len(labels))


def test_each_class_is_folded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    fold = unseen._folded

    def counted(text: str) -> str:
        calls.append(text)
        return fold(text)

    monkeypatch.setattr(unseen, "_folded", counted)
    classes = [f"製品カテゴリ{i}" for i in range(40)]
    new = [f"新カテゴリ{i}" for i in range(20)]
    assert said(new, classes)
    assert len(calls) <= 2 * (len(classes) + len(new)), len(calls)  # was 2 x 20 x 60


@pytest.mark.parametrize(
    "label",
    [
        "Tシャツ",
        "Ｔシャツ",
        "K팝",
        "인터넷TV",
        "iPhone用",
        "人々",
        "佐々木",
        "TNFα",
        "IFNγ",
        "µg/L",
        "5µm",
        "мʼясо",
        "Hawaiʻi",
        "nº1",
        "👩\u200d💻 developer",
        "می\u200cخواهم",
    ],
)
def test_a_mix_of_writings_reads_plain(label: str) -> None:
    text = said([label], ["general", "academic"])
    assert f"labelled {label!r}, a class" in text, text


def test_a_look_alike_class_of_the_model_is_named_escaped() -> None:
    # the model's class has a Cyrillic 'е': the plain ASCII label is the one that reads like it
    text = said(["Yes"], ["Y\u0435s", "No"])
    assert "labelled 'Yes' (which reads like 'Y\\u0435s'), a class" in text, text


@pytest.mark.parametrize(
    ("label", "seen"), [("Нет", "нет"), ("Yes", "yes"), ("Café", "café"), ("НЕТ", "нет")]
)
def test_a_case_only_difference_is_said_alike(label: str, seen: str) -> None:
    # a difference in case only, in every script, said as such (review of the fixux merge L3)
    text = said([label], [seen, "Да"])
    assert f"which differs from {seen!r} only in case)" in text, text


def test_what_repr_escapes_is_not_written_twice() -> None:
    text = said(["Yes\u200b"], ["No"])
    assert (
        "labelled 'Yes\\u200b' (with U+200B ZERO WIDTH SPACE, which does not show), a class" in text
    ), text
    assert "\u200d" not in unseen._unshown("a\u200db") and unseen._unshown("\u200dab") == ["\u200d"]

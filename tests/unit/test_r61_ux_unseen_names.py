"""Stop 61 (docs/backtest-quality.md, "Stop 61: what the compare shows"): an unseen class's escaped copy
is said only when it tells the reader something its printed form hides, not for every name outside ASCII."""

from __future__ import annotations

import pytest

from ctloop.unseen import unseen_labels


def said(labels: list[str], classes: list[str]) -> str:
    return unseen_labels(labels, classes).said("v1", total=len(labels))


@pytest.mark.parametrize(
    "label",
    [
        "académique",  # accents (NFC)
        "普通科",  # CJK
        "ひらがな漢字",  # kana and Han in one word: one writing
        "🛠️ vocational",  # an emoji with its variation selector U+FE0F
        "مهني",  # Arabic, right to left
        "профессиональный",  # Cyrillic alone
        "α-helix",  # a Greek letter beside a Latin word
    ],
)
def test_a_name_in_any_script_is_said_as_written(label: str) -> None:
    text = said([label, "general"], ["general", "academic"])
    assert repr(label) in text
    assert "written" not in text, text


def test_an_invisible_character_is_named() -> None:
    text = said(["Yes\u200b"], ["Yes", "No"])
    assert "'Yes\\u200b' (with U+200B ZERO WIDTH SPACE, which does not show)" in text  # repr escapes it once
    assert "RIGHT-TO-LEFT MARK" in said(["نعم\u200f"], ["نعم", "لا"])


@pytest.mark.parametrize(
    ("label", "like"),
    [
        ("Y\u0435s", "Yes"),  # a Cyrillic 'е'
        ("\u0422\u0410\u0425\u0406", "TAXI"),  # Cyrillic capitals only: one script, drawn as Latin
        ("\uff39\uff45\uff53", "Yes"),  # full width (NFKC)
        ("Straße", "STRASSE"),  # casefold
    ],
)
def test_a_look_alike_of_another_class_names_it(label: str, like: str) -> None:
    text = said([label], [like, "No"])
    assert f"(written {ascii(label)}, which reads like {like!r})" in text


def test_two_unseen_look_alikes_name_each_other() -> None:
    text = said(["Ja", "J\u0430"], ["No"])  # Latin 'a', then Cyrillic 'а'
    assert "(written 'J\\u0430', which reads like 'Ja')" in text


def test_two_scripts_in_one_word() -> None:
    text = said(["pаssed"], ["failed"])  # a Cyrillic 'а', no class it reads like
    assert "(written 'p\\u0430ssed', letters of two scripts in one word)" in text

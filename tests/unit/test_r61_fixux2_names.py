"""Review of the fixux merge: (M2) casefolding before the look-alike map turned Greek capitals into the wrong Latin
letters (Ν→ν→v, Η→η→n, Υ→υ→u, Μ unmapped), so an all-Greek 'ΝΟ' beside the model's 'NO' said nothing; (L1) small
Cyrillic в к м н т, drawn as small capitals, were mapped to b k m h t ('het' read like 'нет'); (L3) a difference in
case only was said as "reads like" ('Co' beside 'CO')."""

from __future__ import annotations

import pytest

from ctloop.unseen import _written_note


@pytest.mark.parametrize("name, model", [("ΝΟ", "NO"), ("ΜΑΝ", "MAN"), ("ΥES", "YES"), ("ΗΙGH", "HIGH"),
                                         ("Yes", "Y\u0435s"), ("ac\u0430d\xe9mique", "académique")])
def test_greek_and_cyrillic_capitals_read_as_the_latin_ones(name, model):
    note = _written_note(name, [model])
    assert "which reads like '" in note, note


def test_small_cyrillic_letters_drawn_as_small_capitals_read_as_themselves():
    assert _written_note("het", ["нет"]) == ""


@pytest.mark.parametrize("name, model", [("Co", "CO"), ("Нет", "нет"), ("Café", "café")])
def test_a_difference_in_case_only_is_said_so(name, model):
    note = _written_note(name, [model])
    assert f"which differs from {model!r} only in case" in note, note


def test_the_stream_engine_judges_an_id_column_by_its_values_as_the_memory_engine():
    """Review of the fixux merge M1: the stream engine's id_like ignored the values (a float written as text was
    an ID to it, a measurement to the memory engine and the fit)."""
    import pandas as pd

    from ctloop.drift import engine, streaming

    ref = pd.DataFrame({"v": [f"{i}.25" for i in range(300)], "o": [str(100000 + i) for i in range(300)]})
    cur = pd.DataFrame({"v": [f"{i}.75" for i in range(200)], "o": [str(200000 + i) for i in range(200)]})
    kinds = {"v": "categorical", "o": "categorical"}
    def state(frame):
        out = streaming.DriftState()
        out.update(frame)
        return out

    memory = {c.column: c.id_like for c in engine.detect(ref, cur, column_kinds=kinds).columns}
    stream = {c.column: c.id_like for c in streaming.compare(state(ref), state(cur), column_kinds=kinds).columns}
    assert memory == stream == {"v": False, "o": True}, (memory, stream)

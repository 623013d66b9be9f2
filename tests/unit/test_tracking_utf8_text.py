"""``tracking.utf8_text``: what MLflow can send of a text holding surrogates (PEP 383 escaped
bytes from a file name or argv; lone surrogates from JSON ``\\ud800``)."""

from __future__ import annotations

import pytest

from ctloop.tracking import utf8_text


@pytest.mark.parametrize(("text", "expected"), [
    ("caf\udce9", "caf\ufffd"),                        # byte 0xe9 alone: not UTF-8
    ("caf\udcc3\udca9", "café"),                       # bytes c3 a9: UTF-8 é, escaped
    ("a\ud800b", "a\ufffdb"),                          # a lone high surrogate
    # mixed: before, str.encode('replace') turned every surrogate into '?', and the escaped
    # UTF-8 bytes of 'é' were lost as '??'
    ("\ud800 caf\udcc3\udca9", "\ufffd café"),
    ("plain", "plain"),
])
def test_surrogates_become_what_a_utf8_reader_shows(text, expected):
    out = utf8_text(text)
    assert out == expected
    out.encode("utf-8")

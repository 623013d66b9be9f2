"""Round 47, config surface: the encoding of ctloop.yaml.

YAML 1.2 (section 5.2, Character Encodings) has a processor read UTF-8 and UTF-16, and UTF-32 for
JSON, told apart by the byte-order mark; Windows PowerShell 5 writes UTF-16 with a mark
(``Get-Content ctloop.yaml.in > ctloop.yaml``). ``load_spec`` read the file as UTF-8 only and said
"is not a text file: 'utf-8' codec can't decode byte 0xff in position 0". Such a file is now read;
one in another encoding without a mark (Latin-1) is refused naming its line and the fix.
A UTF-8 mark and CRLF line ends were read before and still are."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.spec import load_spec

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ctloop.yaml"


def _text() -> str:
    return EXAMPLE.read_text(encoding="utf-8").replace("[north, south", "[nörth, south")


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-16"),  # little-endian with its mark, as PowerShell writes it
        lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
        lambda t: t.encode("utf-32"),
        lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf-16le", "utf-16be", "utf-32", "utf-8-bom-crlf"],
)
def test_a_spec_in_an_encoding_yaml_names_by_its_mark_is_read(tmp_path, encode):
    path = tmp_path / "ctloop.yaml"
    path.write_bytes(encode(_text()))
    region = load_spec(path).models[0].section("data").contract["columns"]["region"]
    assert region["allowed"][0] == "nörth"


def test_another_encoding_without_a_mark_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "ctloop.yaml"
    text = _text()
    path.write_bytes(text.encode("latin-1", "replace"))
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "nörth" in row)
    with pytest.raises(
        ConfigError, match=rf"is not UTF-8 text \(byte 0xf6 on line {line}, .*\): save it as UTF-8"
    ):
        load_spec(path)

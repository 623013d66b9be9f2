"""Byte-array label files (Parquet BYTE_ARRAY without the UTF8 annotation: Spark, Hive, Impala) hold
text that ``str.isprintable`` calls unprintable — a no-break space (French typography: "oui\\u00a0"),
a tab, a soft hyphen, a zero-width space — yet is valid UTF-8 text: it is stored as that text, and a
16-byte key is a UUID (Parquet's UUID type) only when its bytes are no such text."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main


def _ingest(tmp_path, keys, labels):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"request_id": pa.array(keys, pa.binary()), "label": pa.array(labels, pa.binary())}),
                   tmp_path / "labels.parquet")
    return main(["labels", "ingest", "--labels", str(tmp_path / "labels.parquet"), "--store", str(tmp_path / "s")])


def _stored(tmp_path, store="s"):
    frame = pd.concat(pd.read_parquet(f) for f in sorted((tmp_path / store / "labels").glob("*.parquet")))
    return frame.sort_values("request_id")[["request_id", "label"]].astype(str).values.tolist()


@pytest.mark.parametrize("label", ["oui\u00a0", "a\tb", "co\u00adop", "x\u200by"])
def test_a_binary_label_of_utf8_text_without_control_characters_is_that_text(tmp_path, capsys, label):
    """Stored as the same labels given as a text column are (the store's own rules for text apply)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    assert _ingest(tmp_path, [b"r1", b"r2"], [label.encode(), b"non"]) == 0, capsys.readouterr().err
    pq.write_table(pa.table({"request_id": ["r1", "r2"], "label": [label, "non"]}), tmp_path / "text.parquet")
    assert main(["labels", "ingest", "--labels", str(tmp_path / "text.parquet"), "--store", str(tmp_path / "t")]) == 0
    assert _stored(tmp_path) == _stored(tmp_path, "t")


def test_a_16_byte_utf8_key_is_its_text_not_a_uuid(tmp_path, capsys):
    key = "ORDER\u00a0123456789"  # 16 bytes in UTF-8
    assert len(key.encode()) == 16
    assert _ingest(tmp_path, [key.encode(), b"ORDER-2"], [b"1", b"0"]) == 0, capsys.readouterr().err
    assert _stored(tmp_path) == [["ORDER-2", "0.0"], [key, "1.0"]]


def test_16_bytes_with_a_control_character_are_still_a_uuid_and_other_such_bytes_refused(tmp_path, capsys):
    import uuid

    raw = uuid.UUID("0a0b0c0d-0e0f-40c2-8013-141516171819").bytes  # valid UTF-8 (c2 80 is U+0080), but control bytes
    assert raw.decode("utf-8")
    assert _ingest(tmp_path, [raw, b"r2"], [b"1", b"0"]) == 0, capsys.readouterr().err
    assert _stored(tmp_path)[0][0] == "0a0b0c0d-0e0f-40c2-8013-141516171819"
    assert _ingest(tmp_path, [b"r1", b"r2"], [b"1", b"o\x01k"]) == 2
    err = capsys.readouterr().err
    assert "column 'label'" in err and "row 2: b'o\\x01k'" in err and err.count("\n") == 1, err

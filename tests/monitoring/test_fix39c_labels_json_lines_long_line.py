"""A JSON lines label file is read a line at a time, but one long line was held and parsed whole:
a JSON array export of 64 MB named ``.jsonl`` (one line) peaked at 621 MB before it was refused,
and ``rest += chunk`` split the growing buffer again at every 1 MiB chunk (quadratic). Lines are
now found in a bytearray, each chunk searched once; a line that does not start with ``{`` is
refused from its first character (never parsed), and a line longer than
``MAX_JSON_LINE_BYTES`` is refused once that much is buffered, both naming the line."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from ctloop.errors import DataSourceError
from ctloop.labels import store
from ctloop.labels.store import ingest_labels, read_labels


class _Chunks(io.RawIOBase):
    """A stream handing out at most ``size`` bytes a read (an object store's input stream)."""

    def __init__(self, data: bytes):
        self.data, self.at, self.reads = data, 0, 0

    def read(self, size=-1):
        self.reads += 1
        out = self.data[self.at:self.at + size]
        self.at += len(out)
        return out


def test_lines_are_split_as_before_at_any_chunk_size():
    data = b'{"a":1}\n\n{"b":2}\r\n' + b"x" * 50 + b"\n" + b"tail"
    for size in (1, 3, 7, 64):
        assert list(store._lines(_Chunks(data), size)) == data.split(b"\n")


def test_a_line_past_the_limit_is_refused_before_the_rest_is_read():
    stream = _Chunks(b'{"request_id": "a", "label": 1}\n' + b"[" + b"1," * 10_000)
    with pytest.raises(store._LongLine) as caught:
        list(store._lines(stream, size=100, limit=1000))
    assert caught.value.number == 2 and caught.value.head.startswith(b"[1,")
    assert stream.reads < 20  # refused at the limit, not at the end of the line


def test_a_json_array_named_jsonl_is_refused_naming_line_1(tmp_path):
    (tmp_path / "l.jsonl").write_text(json.dumps([{"request_id": "a", "label": 1}]) + "\n")
    with pytest.raises(DataSourceError, match=r"l\.jsonl is not a readable JSON lines file: line 1 is a JSON list, "
                                              r"not an object with the label's fields"):
        ingest_labels(str(tmp_path / "l.jsonl"), str(tmp_path / "s"))


def test_a_line_past_the_limit_is_refused_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "MAX_JSON_LINE_BYTES", 1 << 20)
    monkeypatch.setattr(store._lines, "__defaults__", (1 << 16, 1 << 20))
    row = b'{"request_id":"req-000000000001","label":1},'
    (tmp_path / "l.jsonl").write_bytes(b'{"request_id":"a","label":1}\n[' + row * 40_000 + b'{"request_id":"z"}]\n')
    with pytest.raises(DataSourceError) as caught:
        ingest_labels(str(tmp_path / "l.jsonl"), str(tmp_path / "s"))
    assert str(caught.value) == (
        f"{tmp_path / 'l.jsonl'} is not a readable JSON lines file: line 2 runs past 1 MiB without a line break "
        "(a JSON list: one document, not one object a line): JSON lines hold one JSON object of a label's fields a line")


def test_a_64_mb_one_line_array_is_refused_in_little_memory(tmp_path):
    """The review's probe: 64 MB on one line peaked at 621 MB; now the reader holds at most the limit."""
    path = tmp_path / "one_line.jsonl"
    row = b'{"request_id":"req-000000000001","label":1},'
    with open(path, "wb") as f:
        f.write(b"[" + row * ((64 << 20) // len(row)) + b'{"request_id":"z","label":0}]\n')
    probe = ("import resource\nimport pandas, pyarrow, pyarrow.parquet\nfrom ctloop.labels.store import ingest_labels\n"
             f"before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
             f"try:\n    ingest_labels({str(path)!r}, {str(tmp_path / 's')!r})\n"
             "except Exception as exc:\n    print(type(exc).__name__, str(exc)[-60:])\n"
             "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0].startswith("DataSourceError"), out
    assert int(out[1]) < 120, out  # MiB above the imports: the 16 MiB limit, not the 64 MB line (and ~10x)


def test_long_lines_below_the_limit_are_read(tmp_path):
    notes = "n" * (3 << 20)  # a wide row of 3 MiB: below the limit
    (tmp_path / "l.jsonl").write_text(json.dumps({"request_id": "a", "label": 1, "notes": notes}) + "\n"
                                      + json.dumps({"request_id": "b", "label": 0}))
    assert ingest_labels(str(tmp_path / "l.jsonl"), str(tmp_path / "s")) == 2
    assert read_labels(str(tmp_path / "s"))["request_id"].tolist() == ["a", "b"]

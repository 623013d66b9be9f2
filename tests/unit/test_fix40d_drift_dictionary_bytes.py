"""A Parquet dictionary column of bytes against text is refused by the streamed engine too.

A ``BYTE_ARRAY`` column without the UTF8 annotation written dictionary-encoded reads as Arrow
``dictionary<values=binary>`` (pandas: a ``category`` of ``bytes``). The memory engine refused it
against a text column (``b"a"`` never matches ``"a"``), but the streamed engine looked only at
plain ``binary`` columns for bytes and judged identical data ``c categorical jensenshannon 0.8326
DRIFT``. Dictionary values of ``binary``, ``large_binary`` and ``fixed_size_binary`` now count as
bytes in both engines; bytes against bytes are still compared.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main

VALUES = np.random.default_rng(0).choice(["a", "b", "c"], 200).tolist()


def _bytes_column(values_type: pa.DataType) -> pa.Array:
    return pa.array([v.encode() for v in VALUES], values_type).dictionary_encode()


def _write(path, column: pa.Array) -> str:
    pq.write_table(pa.table({"c": column, "x": np.arange(len(VALUES), dtype=float)}), path)
    return str(path)


def _drift(ref, cur, engine_name):
    return main(["drift", "--reference", ref, "--current", cur, "--engine", engine_name, "--quiet", "--no-report"])


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
@pytest.mark.parametrize("values_type", [pa.binary(), pa.large_binary(), pa.binary(1)], ids=str)
@pytest.mark.parametrize("text", ["string", "dictionary"])
@pytest.mark.parametrize("swap", [False, True])
def test_dictionary_bytes_against_text_is_refused(tmp_path, capsys, engine_name, values_type, text, swap):
    ref = _write(tmp_path / "ref.parquet", _bytes_column(values_type))
    words = pa.array(VALUES, pa.string())
    cur = _write(tmp_path / "cur.parquet", words if text == "string" else words.dictionary_encode())
    if swap:
        ref, cur = cur, ref
    code = _drift(ref, cur, engine_name)
    err = capsys.readouterr().err
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert "column 'c' is " in line and "bytes on one side and text on the other never match" in line


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
def test_dictionary_bytes_against_plain_bytes_is_compared(tmp_path, capsys, engine_name):
    ref = _write(tmp_path / "ref.parquet", _bytes_column(pa.binary()))
    cur = _write(tmp_path / "cur.parquet", pa.array([v.encode() for v in VALUES], pa.binary()))
    code = _drift(ref, cur, engine_name)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "no drift: 0 of 2 columns drifted" in captured.out

"""A column of bytes on one side and text on the other is refused, not judged drifted.

A Parquet ``BYTE_ARRAY`` column without the UTF8 annotation (older Impala/Hive writers, or a
producer that stores raw bytes) reads as ``bytes`` (pandas: objects of ``bytes``; Arrow:
``binary``). Against the same values as text on the other side, ``b"a"`` never matched ``"a"``:
every value counted as new and both engines reported the column drifted, chi-square p = 0, on
identical data. Both now refuse it as they refuse numbers against text, naming the column and
both types.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main


def _write(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.choice(["a", "b", "c"], 100).tolist()
    x = rng.random(100)
    pq.write_table(pa.table({"s": pa.array([v.encode() for v in values], pa.binary()), "x": x}),
                   tmp_path / "ref.parquet")
    pq.write_table(pa.table({"s": pa.array(values, pa.string()), "x": x}), tmp_path / "cur.parquet")


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
@pytest.mark.parametrize("swap", [False, True])
def test_bytes_against_text_is_refused_by_both_engines(tmp_path, capsys, engine_name, swap):
    _write(tmp_path)
    ref, cur = (tmp_path / "ref.parquet", tmp_path / "cur.parquet")
    if swap:
        ref, cur = cur, ref
    code = main(["drift", "--reference", str(ref), "--current", str(cur), "--engine", engine_name,
                 "--quiet", "--no-report"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert "column 's' is " in line and "bytes on one side and text on the other never match" in line


def test_bytes_against_bytes_is_compared(tmp_path, capsys):
    _write(tmp_path)
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "ref.parquet"),
                 "--quiet", "--no-report"])
    out = capsys.readouterr().out
    assert code == 0
    assert "no drift: 0 of 2 columns drifted" in out

"""``ctloop drift --engine stream --batch-rows 2147483648`` ended in a raw ``OverflowError: value
too large to convert to int`` traceback (exit 1): the streamed engine allowed up to 2**63 - 1, but
pyarrow's ``Fragment.to_batches`` / ``Scanner.from_fragment`` declare ``int batch_size`` (a C int,
pyarrow 25.0.1, ``pyarrow/_dataset.pyx``), so anything past 2**31 - 1 overflows. The limit is now
2**31 - 1: a larger value is refused in one line naming ``--batch-rows``, and 2**31 - 1 still works.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main


@pytest.fixture
def table(tmp_path):
    pd.DataFrame({"x": np.arange(100.0)}).to_parquet(tmp_path / "t.parquet")
    return str(tmp_path / "t.parquet")


def _drift(table, rows):
    return main(["drift", "--reference", table, "--current", table, "--engine", "stream", "--quiet",
                 "--no-report", "--batch-rows", str(rows)])


def test_a_batch_size_past_pyarrows_c_int_is_refused_in_one_line(table, capsys):
    code = _drift(table, 2**31)
    err = capsys.readouterr().err
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert "--batch-rows" in line and str(2**31) in line and str(2**31 - 1) in line


def test_the_largest_batch_size_pyarrow_takes_still_works(table, capsys):
    assert _drift(table, 2**31 - 1) == 0, capsys.readouterr().err

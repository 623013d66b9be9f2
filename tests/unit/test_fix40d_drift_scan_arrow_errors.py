"""Every pyarrow error reading a file in the streamed scan is one line naming the file.

``Source.batches`` turned only ``ArrowInvalid``, ``ArrowNotImplementedError``,
``ArrowTypeError`` and ``OSError`` into ``cannot read <file>``; the other errors pyarrow 25.0.1
raises while decoding (``pyarrow/error.pxi``: ``ArrowCapacityError`` for a batch past 2 GiB of
strings, ``ArrowIndexError`` for a dictionary index out of range, ``ArrowKeyError``,
``ArrowMemoryError``) reached the user as a traceback (exit 1). Every ``pa.ArrowException`` now
does, except ``ArrowCancelled`` (an interrupt, passed on as it is). The decoder is replaced here:
these errors need gigabytes or a hand-corrupted file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.cli import main
from ctloop.drift import streaming


@pytest.fixture
def table(tmp_path):
    pd.DataFrame({"x": np.arange(100.0)}).to_parquet(tmp_path / "t.parquet")
    return str(tmp_path / "t.parquet")


def _failing(error: Exception):
    def broken(self, fragment, **scan):
        raise error
        yield  # pragma: no cover - a generator, as the real one

    return broken


@pytest.mark.parametrize("error", [pa.ArrowCapacityError("array cannot contain more than 2147483646 bytes"),
                                   pa.ArrowIndexError("Index 7 out of bounds"), pa.ArrowKeyError("no such field"),
                                   pa.ArrowMemoryError("malloc of size 1024 failed")], ids=lambda e: type(e).__name__)
def test_a_pyarrow_error_is_one_line_naming_the_file(table, capsys, monkeypatch, error):
    monkeypatch.setattr(streaming.Source, "_file_batches", _failing(error))
    code = main(["drift", "--reference", table, "--current", table, "--engine", "stream", "--quiet", "--no-report"])
    err = capsys.readouterr().err
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert f"cannot read {table}" in line and str(error) in line


def test_a_cancelled_scan_is_not_called_a_bad_file(table, monkeypatch):
    monkeypatch.setattr(streaming.Source, "_file_batches", _failing(pa.ArrowCancelled("interrupted")))
    with pytest.raises(pa.ArrowCancelled):
        list(streaming.open_source(table).batches())

"""Review revB item 2: a Parquet dictionary<values=binary> feature (pandas reads it as a category column
of bytes) passed the bytes refusal of prepare: ``ctloop run --local`` approved a model with the trained
categories [b'a', b'b'], which no served request (JSON text) and no CSV can hold."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.errors import DataValidationError
from ctloop.storage import read_table


def _write(path, region: pa.Array) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    times = pa.array(np.arange(200) * 3_600_000_000 + 1_735_689_600_000_000, pa.timestamp("us"))
    pq.write_table(pa.table({"t": times, "x": x, "region": region, "y": (x > 0).astype(int)}), path)


def test_a_dictionary_of_bytes_feature_is_refused_naming_it(tmp_path):
    values = pa.array([b"north", b"south"] * 100, pa.binary()).dictionary_encode()
    _write(tmp_path / "d.parquet", values)
    frame = read_table(str(tmp_path / "d.parquet"))
    assert str(frame["region"].dtype) == "category"  # as pandas reads the Parquet dictionary column
    with pytest.raises(DataValidationError) as info:
        prepare(frame, target="y", time_column="t", window=None)
    message = str(info.value)
    assert "\n" not in message and "column 'region'" in message and "bytes" in message and "200 row(s)" in message, \
        message


def test_a_dictionary_of_text_feature_still_prepares(tmp_path):
    _write(tmp_path / "d.parquet", pa.array(["north", "south"] * 100).dictionary_encode())
    out = prepare(read_table(str(tmp_path / "d.parquet")), target="y", time_column="t", window=None)
    assert out.profile["rows_used"] == 200

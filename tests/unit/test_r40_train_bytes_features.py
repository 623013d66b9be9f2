"""Round 40 (training surface): a feature read as bytes (a Parquet BINARY column without the STRING
annotation, as Impala and older Hive/Spark writers store text) is refused naming it. It trained:
the one-hot encoder learnt the categories b'ab', b'cd', which no served request (JSON text) and no
CSV scored in batch can hold: in serving every row was an unknown category, the feature ignored."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.errors import DataValidationError
from ctloop.storage import read_table


def test_a_binary_parquet_feature_is_refused_naming_it(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    times = pa.array(np.arange(200) * 3_600_000_000 + 1_735_689_600_000_000, pa.timestamp("us"))
    region = pa.array([b"north" if v > 0 else b"south" for v in rng.normal(size=200)], pa.binary())
    pq.write_table(pa.table({"t": times, "x": x, "region": region, "y": (x > 0).astype(int)}),
                   tmp_path / "d.parquet")
    with pytest.raises(DataValidationError) as info:
        prepare(read_table(str(tmp_path / "d.parquet")), target="y", time_column="t", window=None)
    message = str(info.value)
    assert "\n" not in message and "column 'region'" in message and "bytes" in message and "200 row(s)" in message, \
        message

"""Round 40 (training surface): a target read as bytes (a Parquet BINARY column without the STRING
annotation, as Impala and older Hive/Spark writers store text: Spark's ``spark.sql.parquet.binaryAsString``
exists for such files) is refused naming the column; the fit raised scikit-learn's TypeError
"Support for labels represented as bytes is not supported", a traceback naming no column."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.components.train.core import fit
from ctloop.errors import DataValidationError
from ctloop.storage import read_table


def test_a_binary_parquet_target_is_refused_naming_the_column(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    labels = pa.array([b"yes" if v > 0 else b"no" for v in x], pa.binary())
    times = pa.array(np.arange(200) * 3_600_000_000 + 1_735_689_600_000_000, pa.timestamp("us"))
    pq.write_table(pa.table({"t": times, "x": x, "churned": labels}), tmp_path / "d.parquet")
    prepared = prepare(read_table(str(tmp_path / "d.parquet")), target="churned", time_column="t", window=None)
    with pytest.raises(DataValidationError) as info:
        fit(prepared.train, target="churned", exclude=("t",))
    message = str(info.value)
    assert "\n" not in message and "'churned'" in message and "b'yes'" in message and "bytes" in message, message

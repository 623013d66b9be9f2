"""Files a (int32), b (float32), c (string) of one window: the error named the type merged over a
and b as a's, "a holds double, c string", a type no file holds (the round 52 review, finding 5).
Now each file is named with its own type, the merged one said apart."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.errors import InferenceLogError
from ctloop.inference_log.scan import unified_schema


def test_each_file_is_named_with_its_own_type(tmp_path):
    files = []
    for name, values in (
        ("a", pa.array([1, 2], pa.int32())),
        ("b", pa.array([0.5, 1.5], pa.float32())),
        ("c", pa.array(["L1", "L2"])),
    ):
        pq.write_table(pa.table({"x": values}), tmp_path / f"{name}.parquet")
        files.append(str(tmp_path / f"{name}.parquet"))
    with pytest.raises(InferenceLogError) as refused:
        unified_schema(files)
    a, b, c = files
    assert str(refused.value).startswith(
        f"inference log files of one window disagree on the type of column 'x': {a} holds int32 (merged with "
        f"{b}: double), {c} string; "
    ), refused.value  # was: "... {a} holds double, {c} string"

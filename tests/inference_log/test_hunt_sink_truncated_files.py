"""A Parquet file of the log cut short (a copy interrupted, a disk that lost its tail) stops a
reader with one line naming the file, as :func:`ctloop.inference_log.scan.scan_window` does;
``read_log`` (``ctloop labels report``, the release check) raised pyarrow's ArrowInvalid
without naming it: a traceback."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.errors import InferenceLogError
from ctloop.inference_log.reader import read_log
from ctloop.inference_log.scan import scan_window

START, END = pd.Timestamp("2026-11-21", tz="UTC"), pd.Timestamp("2026-11-23", tz="UTC")


@pytest.fixture
def root(tmp_path):
    part = tmp_path / "model=credit" / "date=2026-11-22" / "revision=unknown"
    part.mkdir(parents=True)
    pq.write_table(pa.table({"request_id": ["a", "b"], "instance": [0, 0], "time": ["2026-11-22T10:00:00Z"] * 2,
                             "has_request": [True] * 2, "has_response": [True] * 2, "prediction": [1.0, 0.0]}),
                   part / "part-1.parquet")
    whole = (part / "part-1.parquet").read_bytes()
    (part / "part-2.parquet").write_bytes(whole[: len(whole) // 2])
    return tmp_path


@pytest.mark.parametrize("read", [lambda root: read_log(str(root), "credit", START, END),
                                  lambda root: list(scan_window(str(root), "credit", START, END))],
                         ids=["read_log", "scan_window"])
def test_a_truncated_file_is_one_line_naming_it(root, read):
    with pytest.raises(InferenceLogError, match="part-2.parquet"):
        read(root)

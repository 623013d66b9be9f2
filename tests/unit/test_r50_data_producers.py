"""Real producers' files (round 50 hunt): what Spark writes and what a UCI/Weka export writes.

* Spark (and Hive, Impala) store timestamps as Parquet INT96 (``spark.sql.parquet.outputTimestampType``
  defaults to INT96 up to Spark 3.x). pyarrow reads INT96 as nanoseconds unless told otherwise
  (``pyarrow.parquet.read_table(coerce_int96_timestamp_unit=None)``: "Setting to None is equivalent to 'ns'",
  pyarrow 25.0.1 docstring), and a ``9999-12-31`` ``valid_to`` (a slowly changing dimension's open
  end) wrapped around int64 nanoseconds to ``1816-03-29 05:56:08.066277376`` without a word.
* A classification target of numbers with ``?`` for a missing label (UCI's and Weka's marker) was
  trained as a third class ``'?'``, every class read as text."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.backtest import run_backtest
from ctloop.components.prepare import core as prepare_core
from ctloop.config import DataConfig
from ctloop.errors import DataSourceError, DataValidationError
from ctloop.storage import read_table
from tests.unit.test_backtest_inputs import config, frame


def test_spark_int96_far_future_times_read_as_written(tmp_path):
    path = tmp_path / "part-00000.snappy.parquet"
    times = [dt.datetime(2025, 1, 1, 12, 30, 0, 123456), dt.datetime(9999, 12, 31)]
    table = pa.table({"valid_to": pa.array(times, pa.timestamp("us")), "y": [0, 1]})
    pq.write_table(table, path, use_deprecated_int96_timestamps=True)  # as Spark writes them
    assert pq.read_schema(path).field("valid_to").type == pa.timestamp(
        "ns"
    )  # INT96 read as ns by default
    assert read_table(str(path))["valid_to"].tolist() == [pd.Timestamp(t) for t in times]


@pytest.mark.parametrize("marker", ["?", "-"])
def test_a_missing_label_marker_among_number_labels_is_named(tmp_path, marker):
    rows = 40
    data = pd.DataFrame(
        {
            "ts": pd.date_range("2025-01-01", periods=rows, freq="D"),
            "x": np.arange(rows, dtype=float),
            "y": [0, 1] * (rows // 2),
        }
    ).astype({"y": object})
    data.loc[[5, 9], "y"] = marker
    path = tmp_path / "uci.csv"
    data.to_csv(path, index=False)
    expected = (
        rf"column 'y' breaks rule 'labels' in 2 row\(s\): labels are numbers \('0', '1'\) but {re.escape(repr(marker))} "
        r"in 2 row\(s\): a missing-label marker\?"
    )
    with pytest.raises(DataValidationError, match=expected):
        prepare_core.run(
            read_table(str(path)),
            DataConfig.from_dict(
                {"uri": str(path), "target": "y", "time_column": "ts", "window": ""}
            ),
        )
    replay = frame().astype({"y": str})
    replay.loc[[7, 8], "y"] = marker
    with pytest.raises(DataValidationError, match=expected):
        run_backtest(replay, config())


def test_text_classes_with_a_dash_class_still_train():
    from ctloop.components.train.core import check_labels

    check_labels(pd.Series(["up", "down", "-"]), "y")  # words, not numbers: '-' may be a class
    check_labels(pd.Series(["1", "2", "3"]), "y")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_excels_separator_line_is_named(tmp_path, bom):
    """Excel reads a first line ``sep=,`` as the separator to split by, and tools writing CSV for Excel
    add it; pandas read it as the header ('sep=', 'Unnamed: 1'), refused as rows with "one field more
    than its header ... a delimiter at the end of each line?", naming neither the line nor the fix."""
    path = tmp_path / "export.csv"
    path.write_bytes(bom + b"sep=,\r\nts,x,y\r\n2025-01-01,1.5,0\r\n2025-01-02,2.5,1\r\n")
    with pytest.raises(
        DataSourceError, match=r"export\.csv starts with the line 'sep=,', .* delete that line$"
    ):
        read_table(str(path))


def test_a_spark_output_directory_streams_int96_times_as_written(tmp_path):
    """The streamed reader (the streamed drift engine, ``ctloop score``) of a Spark output directory:
    ``_SUCCESS`` beside INT96 part files, read by ``pyarrow.dataset`` as nanoseconds by default too."""
    from ctloop.drift import streaming

    out = tmp_path / "spark-out"
    out.mkdir()
    (out / "_SUCCESS").write_bytes(b"")
    for part, when in enumerate([dt.datetime(2025, 1, 1), dt.datetime(9999, 12, 31)]):
        table = pa.table({"valid_to": pa.array([when], pa.timestamp("us")), "y": [part]})
        pq.write_table(
            table, out / f"part-0000{part}.snappy.parquet", use_deprecated_int96_timestamps=True
        )
    read = streaming.open_source(str(out)).dataset.to_table().sort_by("y")
    assert read["valid_to"].to_pylist() == [dt.datetime(2025, 1, 1), dt.datetime(9999, 12, 31)]

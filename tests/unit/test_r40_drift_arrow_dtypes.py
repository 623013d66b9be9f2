"""Arrow-backed pandas columns (``pd.ArrowDtype``) in the memory engine.

A Parquet file written from a frame read with ``dtype_backend="pyarrow"`` (or built with
``pd.ArrowDtype``) stores that dtype in its pandas metadata, and ``pandas.read_parquet`` gives it
back: ``timestamp[ns][pyarrow]``, ``duration[ns][pyarrow]``, ``list<item: int64>[pyarrow]``.
The memory engine read temporal columns through ``DatetimeArray.asi8`` and asked only ``object``
columns for unhashable values, so such a file gave ``AttributeError: 'ArrowExtensionArray' object
has no attribute 'asi8'`` (a traceback) and a list column ``TypeError: unhashable type``. The
streamed engine reads the Arrow schema itself and compared the same files: the two engines
must agree (timestamps and durations as seconds, lists skipped).

(``pandas.read_parquet`` itself fails on the metadata of an Arrow-backed *list* column,
``TypeError: data type 'list<item: int64>[pyarrow]' not understood``, inside
``ctloop.storage.read_table``: not covered here.)
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.cli import main
from ctloop.drift import engine

N = 120


def _arrow(values, typ) -> pd.Series:
    return pd.Series(pd.array(values, dtype=pd.ArrowDtype(typ)))


def _frames(shift_days: int):
    rng = np.random.default_rng(shift_days)
    stamps = pd.date_range("2024-01-01", periods=N, freq="h") + pd.Timedelta(days=shift_days)
    ref_like = {
        "when": _arrow(stamps, pa.timestamp("ns")),
        "when_utc": _arrow(stamps.tz_localize("UTC"), pa.timestamp("us", "UTC")),
        "took": _arrow(pd.to_timedelta(rng.random(N) + shift_days, unit="s"), pa.duration("ns")),
        "tags": _arrow([[1, 2]] * N, pa.list_(pa.int64())),
        "x": rng.normal(size=N),
    }
    frame = pd.DataFrame(ref_like)
    frame.loc[3, "when"] = None  # a null timestamp: not a value, not a crash
    return frame


def test_arrow_backed_timestamps_durations_and_lists_are_judged_like_numpy_ones():
    ref, cur = _frames(0), _frames(30)
    result = engine.detect(ref, cur)
    cols = {c.column: c for c in result.columns}
    assert set(cols) == {"when", "when_utc", "took", "x"}
    assert [(s.column, s.dtype, s.reason) for s in result.skipped] == [("tags", "list", engine.UNSUPPORTED)]
    numpy_ref = ref.drop(columns="tags").assign(
        when=ref["when"].astype("datetime64[ns]"), when_utc=pd.to_datetime(ref["when_utc"].astype(str)),
        took=ref["took"].astype("timedelta64[ns]"))
    numpy_cur = cur.drop(columns="tags").assign(
        when=cur["when"].astype("datetime64[ns]"), when_utc=pd.to_datetime(cur["when_utc"].astype(str)),
        took=cur["took"].astype("timedelta64[ns]"))
    expected = {c.column: c for c in engine.detect(numpy_ref, numpy_cur).columns}
    for name in ("when", "when_utc", "took"):
        assert cols[name].kind == "numeric"
        assert (cols[name].method, cols[name].score) == (expected[name].method, expected[name].score), name
        assert cols[name].drifted


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
def test_the_cli_compares_a_parquet_file_written_from_arrow_backed_columns(tmp_path, capsys, engine_name):
    # (a list column written from an ArrowDtype frame: pandas.read_parquet itself fails on its metadata)
    _frames(0).drop(columns="tags").to_parquet(tmp_path / "ref.parquet")
    _frames(30).drop(columns="tags").to_parquet(tmp_path / "cur.parquet")
    out = tmp_path / "out"
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                 "--engine", engine_name, "--quiet", "--output", str(out), "--report-sample-size", "60"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    payload = json.loads((out / "drift.json").read_text())
    drifted = {c["column"]: c["drifted"] for c in payload["columns"]}
    assert drifted == {"when": True, "when_utc": True, "took": True, "x": False}
    assert set(payload["report"]["report_columns"]) == {"when", "when_utc", "took", "x"}

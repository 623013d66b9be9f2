"""The streamed engine's report sample of a Parquet file written from an Arrow-backed list column.

A frame with a ``pd.ArrowDtype(pa.list_(pa.int64()))`` column written with ``DataFrame.to_parquet``
stores ``list<item: int64>[pyarrow]`` in its pandas metadata, a dtype pandas 2.3 cannot build again
(``TypeError: data type ... not understood``). The memory engine reads such a file without that
metadata (``ctloop.storage._read_parquet``); the streamed engine converted its report sample with
the metadata and crashed after printing the verdict, writing no drift.json, even with ``--columns x``
leaving the list column out. Both engines (and the memory engine on a directory of such files) now
write the report.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.cli import main


def _side(path, shift: float) -> None:
    rng = np.random.default_rng(int(shift))
    n = 300
    pd.DataFrame({
        "l": pd.Series([[1, 2]] * n).astype(pd.ArrowDtype(pa.list_(pa.int64()))),
        "x": rng.normal(shift, size=n),
    }).to_parquet(path)


@pytest.mark.parametrize("engine_name, layout", [("stream", "file"), ("memory", "dir"), ("stream", "dir")])
@pytest.mark.parametrize("columns", [["--columns", "x"], []], ids=["x", "all"])
def test_a_list_column_written_from_arrow_does_not_break_the_report(tmp_path, capsys, engine_name, layout, columns):
    paths = {}
    for side, shift in (("ref", 0.0), ("cur", 1.0)):
        if layout == "dir":
            (tmp_path / side).mkdir()
            _side(tmp_path / side / "part-0.parquet", shift)
            _side(tmp_path / side / "part-1.parquet", shift)
            paths[side] = str(tmp_path / side)
        else:
            _side(tmp_path / f"{side}.parquet", shift)
            paths[side] = str(tmp_path / f"{side}.parquet")
    code = main(["drift", "--engine", engine_name, "--reference", paths["ref"], "--current", paths["cur"],
                 *columns, "--quiet", "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0, err
    payload = json.loads((tmp_path / "out" / "drift.json").read_text())
    assert [c["column"] for c in payload["columns"] if c["drifted"]] == ["x"]
    assert "x" in payload["report"]["report_columns"]
    assert (tmp_path / "out" / "report.html").stat().st_size > 0

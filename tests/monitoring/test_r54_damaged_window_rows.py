"""A partition's saved rows (``labelled.parquet``, ``held.parquet`` and the files of their other value
types, ``labelled.1.parquet``…: ``window._write_rows``) cut short or emptied next to a complete
``state.json``: ``WindowState.load``/``Partial.load`` raised pyarrow's traceback ("ArrowInvalid: Could
not open Parquet input source '<Buffer>': Parquet magic bytes not found in footer"). Now one
InferenceLogError line naming the file and saying to re-run the monitoring run; nothing is written."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import InferenceLogError
from ctloop.monitoring import window as W


@pytest.mark.parametrize("victim", ["labelled.parquet", "labelled.1.parquet"])
@pytest.mark.parametrize("cut", [0.5, 0.0])
def test_a_cut_short_rows_file_is_one_line_naming_it(tmp_path, victim, cut):
    # a column of two value types: two files (labelled.parquet, labelled.1.parquet)
    rows = pd.DataFrame({"key": ["a", 1], "x": [0.5, 1.5]})
    assert W._write_rows(rows, str(tmp_path), "labelled") == 2
    path = tmp_path / victim
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * cut)])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    record = str(tmp_path / "state.json")
    with pytest.raises(InferenceLogError) as info:
        W._read_rows(str(tmp_path), "labelled", [2, 2], record)
    said = str(info.value)
    assert said.startswith(
        f"cannot read the window state {record}: {path} is damaged or cut short ("
    )
    assert said.endswith("): re-run the monitoring run") and "\n" not in said, said
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before

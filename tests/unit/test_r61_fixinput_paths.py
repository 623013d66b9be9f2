"""Review 61 L3/L4: the stream engine's refusals named a glob's files by their absolute paths without the flag
(``--current 'parts/*.csv'`` printed ``/tmp/.../parts/part-1.csv: ...``), and the memory engine named a value of a
directory of files by its position in the joined frame (two 100-row files, 'n/a?' on line 5 of part-1.csv:
``row 104``). Now: the glob's part before its wildcard as typed, led by the flag; the file and its own row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.cli.drift import _as_written


def _parts(root, bad_column: str, bad) -> None:
    (root / "parts").mkdir()
    for i in range(2):
        frame = pd.DataFrame({"a": np.arange(100) * 1.0, "c": ["x" * 200] * 100}).astype(object)
        if i == 1:
            frame.loc[3, bad_column] = bad  # line 5 of part-1.csv: its row 4
        frame.to_csv(root / "parts" / f"part-{i}.csv", index=False)
    pd.DataFrame({"a": np.arange(100) * 1.0, "c": ["x" * 200] * 100}).to_csv(root / "r.csv", index=False)


@pytest.mark.parametrize("current", ["parts/*.csv", "parts/part-*.csv", "parts"])
def test_a_glob_s_file_is_named_as_typed_and_led_by_the_flag(tmp_path, monkeypatch, capsys, current):
    _parts(tmp_path, "c", "p\0q")
    monkeypatch.chdir(tmp_path)
    assert main(["drift", "--reference", "r.csv", "--current", current, "--engine", "stream", "--no-report",
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --current: parts/part-1.csv: column 'c' holds a NUL byte on row 4 "), err
    assert str(tmp_path) not in err


@pytest.mark.parametrize("current", ["parts", "parts/*.csv"])
def test_the_memory_engine_names_a_directory_s_file_and_its_row(tmp_path, monkeypatch, capsys, current):
    _parts(tmp_path, "a", "n/a?")
    monkeypatch.chdir(tmp_path)
    assert main(["drift", "--reference", "r.csv", "--current", current, "--engine", "memory", "--no-report",
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "made text by 'n/a?' (part-1.csv, row 4)" in err, err


def test_a_path_ending_a_sentence_is_named_as_typed_but_not_a_longer_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    full = str(tmp_path / "cur.csv")
    said = _as_written(f"{full}: bad; see {full}. Or {full}; or {full}.gz", ("r.csv", "cur.csv"))
    assert said == f"cur.csv: bad; see cur.csv. Or cur.csv; or {full}.gz"

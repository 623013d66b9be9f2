"""Review of the fixinput merge: (M1) a glob on one flag put its flag on a refusal of the other flag's file in the
same folder (``--reference 'parts/*-ref.csv' --current parts/cur.csv``: ``--reference: parts/cur.csv holds a NUL
byte``); (M2) ``storage.read_table`` of a directory kept each file's rows in the frame's ``attrs``, which survive a
caller's ``sort_values``, so the drift engine's refusal named a wrong file and row. Now the flag goes only to a
file its glob matches, and only the CLI's own reading (``drift.streaming.read_side``) says which file a row is in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.drift import engine
from ctloop.errors import CtloopError
from ctloop.storage import read_table


def _parts(root) -> None:
    (root / "parts").mkdir()
    for i in range(2):
        pd.DataFrame({"a": np.arange(100) * 1.0, "c": ["x"] * 100}).to_csv(root / "parts" / f"p{i}-ref.csv",
                                                                          index=False)
    pd.DataFrame({"a": np.arange(100) * 1.0, "c": ["x"] * 99 + ["p\0q"]}).to_csv(root / "parts" / "cur.csv",
                                                                                index=False)


@pytest.mark.parametrize("engine_name", ["stream", "memory"])
def test_a_refusal_of_the_other_flags_file_keeps_its_own_flag(tmp_path, monkeypatch, capsys, engine_name):
    _parts(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["drift", "--reference", "parts/*-ref.csv", "--current", "parts/cur.csv", "--engine", engine_name,
                 "--no-report", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --current: parts/cur.csv"), err
    assert "--reference" not in err.split(":", 2)[1], err


def test_a_reordered_directory_read_names_no_wrong_file(tmp_path):
    (tmp_path / "d").mkdir()
    for i in range(2):
        frame = pd.DataFrame({"k": np.arange(100) + 100 * i, "a": (np.arange(100) * 1.0).astype(object)})
        if i == 1:
            frame.loc[3, "a"] = "n/a?"  # part-1.csv's row 4
        frame.to_csv(tmp_path / "d" / f"part-{i}.csv", index=False)
    current = read_table(str(tmp_path / "d"))
    reference = pd.DataFrame({"k": np.arange(200), "a": np.arange(200) * 1.0})
    for shuffled in (current.sort_values("k", ascending=False), current.iloc[::-1].reset_index(drop=True)):
        with pytest.raises(CtloopError) as caught:
            engine.detect(reference, shuffled)
        said = str(caught.value)
        assert "'n/a?'" in said and "part-" not in said, said  # the frame's own row or index label, no file


def _nul_in(path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"a": np.arange(100) * 1.0, "c": ["x"] * 99 + ["p\0q"]}).to_csv(path, index=False)


def _clean(path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"a": np.arange(100) * 1.0, "c": ["x"] * 100}).to_csv(path, index=False)


@pytest.mark.parametrize("engine_name", ["stream", "memory"])
def test_a_recursive_glob_s_file_keeps_its_flag_and_a_folder_beside_it_its_own(tmp_path, monkeypatch, capsys,
                                                                               engine_name):
    """The final review: fnmatch's '**' is '*' (``data/**/*.csv`` lost its flag on ``data/r0.csv``), and its '*'
    crosses '/' (``data/*.csv`` took ``--current data/cur``'s ``data/cur/part-0.csv``): storage.glob_match's rule."""
    monkeypatch.chdir(tmp_path)
    _nul_in(tmp_path / "data" / "r0.csv")
    _clean(tmp_path / "cur.csv")
    assert main(["drift", "--reference", "data/**/*.csv", "--current", "cur.csv", "--engine", engine_name,
                 "--no-report", "--quiet"]) == 2
    assert capsys.readouterr().err.startswith("error: --reference: data/r0.csv")
    (tmp_path / "data" / "r0.csv").unlink()
    _clean(tmp_path / "data" / "r0.csv")
    _nul_in(tmp_path / "data" / "cur" / "part-0.csv")
    _clean(tmp_path / "data" / "cur" / "part-1.csv")
    assert main(["drift", "--reference", "data/*.csv", "--current", "data/cur", "--engine", engine_name,
                 "--no-report", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--reference" not in err.split(":", 2)[1], err
